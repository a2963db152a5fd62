// Unread counts and the inbox list, live. Updates every [data-chat-unread-total] (the
// navigation badge), [data-chat-unread-thread="<id>"] (inbox rows) and
// [data-chat-unread-order="<id>"] (order rows, the orders list), and moves an inbox row to
// the top of its group (account threads first, then orders) when a message arrives.
(function () {
  "use strict";

  var threadCounts = {};  // thread_id -> unread
  var orderCounts = {};   // order_id -> unread
  var counted = {};       // message ids already counted
  var me = 0;
  var totalCount = 0;
  var rules = null;       // what counts as unread for my side (messaging/chat/attention.py)

  // Would I want to read this message? Texts from the other side, notes, and the events
  // my side is waiting on; the rest updates the inbox row without raising the badges.
  function wanted(m) {
    if (!rules || !rules.side) return true;
    if (m.kind === "text") return !!(m.author && m.author.side && m.author.side !== rules.side);
    if (m.kind === "note") return true;
    if (m.kind !== "event" || !m.event) return false;
    if (m.event.type === "draft") return rules.draft_changes.indexOf(m.event.change) >= 0;
    return rules.events.indexOf(m.event.type) >= 0;
  }

  function setBadge(node, n) {
    node.textContent = String(n);
    node.hidden = !n;
    node.setAttribute("aria-label", n + " unread");
  }

  function render(threadId, orderId) {
    if (threadId !== undefined && threadId !== null) {
      var n = threadCounts[threadId] || 0;
      document.querySelectorAll('[data-chat-unread-thread="' + threadId + '"]').forEach(
        function (node) { setBadge(node, n); });
      document.querySelectorAll('[data-inbox-row][data-thread-id="' + threadId + '"]').forEach(
        function (row) { row.classList.toggle("inbox-row--unread", !!n); });
    }
    if (orderId !== undefined && orderId !== null) {
      document.querySelectorAll('[data-chat-unread-order="' + orderId + '"]').forEach(
        function (node) { setBadge(node, orderCounts[orderId] || 0); });
    }
    document.querySelectorAll("[data-chat-unread-total]").forEach(function (node) {
      setBadge(node, totalCount);
    });
  }

  function openThreads() {
    var threads = (window.OrdertalkChat && window.OrdertalkChat.threads) || {};
    return Object.keys(threads).map(function (k) { return threads[k]; });
  }

  function threadOnScreen(m) {
    return openThreads().some(function (t) { return t.owns(m) && t.onScreen(); });
  }

  function onMessage(m) {
    if (!m || counted[m.id]) return;
    counted[m.id] = true;
    var mine = m.author && m.author.id === me;
    if (!mine && wanted(m) && !threadOnScreen(m)) {
      threadCounts[m.thread_id] = (threadCounts[m.thread_id] || 0) + 1;
      if (m.order_id) orderCounts[m.order_id] = (orderCounts[m.order_id] || 0) + 1;
      totalCount += 1;
      render(m.thread_id, m.order_id);
    }
    updateRow(m);
  }

  // A thread the list does not show yet: fetch the server-rendered list again.
  var refreshing = null;
  function refreshRows() {
    var list = document.querySelector("[data-inbox-threads]");
    if (!list || refreshing) return;
    var open = openThreads().map(function (t) { return t.threadId; })[0];
    var url = "/inbox/rows?filter=" + encodeURIComponent(list.dataset.filter || "all") +
      (open ? "&open=" + encodeURIComponent(open) : "");
    refreshing = fetch(url, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        refreshing = null;
        if (!html) return;
        var doc = new DOMParser().parseFromString(html, "text/html");
        var fresh = doc.querySelector("[data-inbox-threads]");
        if (fresh) list.replaceWith(document.importNode(fresh, true));
        readCounts();
      })
      .catch(function () { refreshing = null; });
  }

  function updateRow(m) {
    var row = document.querySelector('[data-inbox-row][data-thread-id="' + m.thread_id + '"]');
    if (!row) { refreshRows(); return; }
    var preview = row.querySelector("[data-inbox-preview]");
    if (preview) {
      var who = m.author ? m.author.name + ": " : "";
      preview.textContent = who + (m.body || "Attachment");
    }
    var time = row.querySelector("[data-inbox-time]");
    if (time && m.created_at) {
      time.setAttribute("datetime", m.created_at);
      time.textContent = new Date(m.created_at).toLocaleTimeString([], {
        hour: "2-digit", minute: "2-digit" });
    }
    var item = row.closest("li");
    var list = item && item.parentNode;
    if (!list) return;
    // The top of its group: account threads stay above the orders' threads.
    var first = item.dataset.kind === "account" ? list.firstElementChild
      : list.querySelector(':scope > li[data-kind="order"]');
    if (first && first !== item) list.insertBefore(item, first);
  }

  function resync() {
    fetch("/inbox/unread", { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) return;
        var previousThreads = threadCounts;
        var previousOrders = orderCounts;
        threadCounts = Object.assign({}, data.threads || {});
        orderCounts = Object.assign({}, data.orders || {});
        totalCount = data.total;
        Object.keys(previousThreads).concat(Object.keys(threadCounts)).forEach(
          function (k) { render(k, null); });
        Object.keys(previousOrders).concat(Object.keys(orderCounts)).forEach(
          function (k) { render(null, k); });
        render();
      })
      .catch(function () {});
  }

  function readCounts() {
    document.querySelectorAll("[data-chat-unread-thread]").forEach(function (node) {
      threadCounts[node.dataset.chatUnreadThread] = Number(node.textContent) || 0;
    });
    document.querySelectorAll("[data-chat-unread-order]").forEach(function (node) {
      orderCounts[node.dataset.chatUnreadOrder] = Number(node.textContent) || 0;
    });
  }

  function start() {
    var meNode = document.querySelector("[data-chat-me]");
    me = meNode ? Number(meNode.dataset.userId) : 0;
    try {
      rules = meNode && meNode.dataset.attention ? JSON.parse(meNode.dataset.attention) : null;
    } catch (e) { rules = null; }
    var badge = document.querySelector("[data-chat-unread-total]");
    totalCount = badge ? Number(badge.textContent) || 0 : 0;
    readCounts();
    var socket = window.OrdertalkSocket && window.OrdertalkSocket.get();
    if (!socket) return;
    socket.on("message", onMessage);
    socket.on("unread", function (u) {
      threadCounts[u.thread_id] = u.unread;
      if (u.order_id) orderCounts[u.order_id] = u.unread;
      totalCount = u.total;
      render(u.thread_id, u.order_id);
    });
    socket.on("order", function (o) {
      document.querySelectorAll('[data-inbox-row][data-order-id="' + o.order_id + '"] [data-inbox-status]')
        .forEach(function (node) {
          if (o.status) node.textContent = o.status.charAt(0).toUpperCase() + o.status.slice(1);
        });
    });
    var first = true;
    socket.on("connect", function () {
      if (!first) resync();  // counts may have moved while we were away
      first = false;
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
