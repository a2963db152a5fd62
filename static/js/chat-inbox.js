// Unread counts and the inbox list, live. Updates every [data-chat-unread-total] (the
// navigation badge) and [data-chat-unread-order="<id>"] (inbox rows, the orders list), and
// moves an inbox row to the top with its new preview when a message arrives.
(function () {
  "use strict";

  var counts = {};   // order_id -> unread
  var counted = {};  // message ids already counted
  var me = 0;
  var totalCount = 0;

  function setBadge(node, n) {
    node.textContent = String(n);
    node.hidden = !n;
    node.setAttribute("aria-label", n + " unread");
  }

  function render(orderId) {
    if (orderId !== undefined) {
      document.querySelectorAll('[data-chat-unread-order="' + orderId + '"]').forEach(
        function (node) { setBadge(node, counts[orderId] || 0); });
      document.querySelectorAll('[data-inbox-row][data-order-id="' + orderId + '"]').forEach(
        function (row) { row.classList.toggle("inbox-row--unread", !!counts[orderId]); });
    }
    document.querySelectorAll("[data-chat-unread-total]").forEach(function (node) {
      setBadge(node, totalCount);
    });
  }

  function threadOnScreen(orderId) {
    var threads = (window.OrdertalkChat && window.OrdertalkChat.threads) || {};
    return !!threads[orderId] && document.visibilityState === "visible";
  }

  function onMessage(m) {
    var orderId = m.order_id;
    if (!m || counted[m.id]) return;
    counted[m.id] = true;
    var mine = m.author && m.author.id === me;
    if (!mine && !threadOnScreen(orderId)) {
      counts[orderId] = (counts[orderId] || 0) + 1;
      totalCount += 1;
      render(orderId);
    }
    updateRow(orderId, m);
  }

  // A thread the list does not show yet: fetch the server-rendered list again.
  var refreshing = null;
  function refreshRows() {
    var list = document.querySelector("[data-inbox-threads]");
    if (!list || refreshing) return;
    var open = window.OrdertalkChat && Object.keys(window.OrdertalkChat.threads)[0];
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

  function updateRow(orderId, m) {
    var row = document.querySelector('[data-inbox-row][data-order-id="' + orderId + '"]');
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
    if (list && list.firstElementChild !== item) list.insertBefore(item, list.firstElementChild);
  }

  function resync() {
    fetch("/inbox/unread", { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) return;
        var previous = counts;
        counts = {};
        Object.keys(data.orders).forEach(function (k) { counts[k] = data.orders[k]; });
        totalCount = data.total;
        Object.keys(previous).concat(Object.keys(counts)).forEach(function (k) { render(k); });
        render();
      })
      .catch(function () {});
  }

  function readCounts() {
    document.querySelectorAll("[data-chat-unread-order]").forEach(function (node) {
      counts[node.dataset.chatUnreadOrder] = Number(node.textContent) || 0;
    });
  }

  function start() {
    var meNode = document.querySelector("[data-chat-me]");
    me = meNode ? Number(meNode.dataset.userId) : 0;
    var badge = document.querySelector("[data-chat-unread-total]");
    totalCount = badge ? Number(badge.textContent) || 0 : 0;
    readCounts();
    var socket = window.OrdertalkSocket && window.OrdertalkSocket.get();
    if (!socket) return;
    socket.on("message", onMessage);
    socket.on("unread", function (u) {
      counts[u.order_id] = u.unread;
      totalCount = u.total;
      render(u.order_id);
      render();
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
