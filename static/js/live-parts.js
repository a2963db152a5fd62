// Parts of a page that follow the orders' events live. A page opts in with
//   <div hidden data-live [data-live-src="/orders/5/live"] [data-live-order="5"]></div>
// and marks its parts with data-live-part="name". When an order event arrives on the page's
// Socket.IO connection (the `order` event, or an event message of an order's thread; for
// data-live-order only that order's), it fetches data-live-src (default: the page itself)
// and swaps in every part whose HTML changed: the server renders, this only replaces.
// A part the person is typing in waits until they leave it; open <details>, typed values
// and ticked boxes carry over by id. Listeners hear `ordertalk:live` ({detail: {parts}}).
(function () {
  "use strict";

  var WAIT_MS = 120;  // events of one happening arrive together: fetch once

  function normal(html) {
    // CSRF tokens differ per render; they alone do not make a part change.
    return html.replace(/(name="csrf_token" value|data-csrf)="[^"]*"/g, "$1");
  }

  function busy(part) {
    var active = document.activeElement;
    if (active && active !== document.body && part.contains(active) &&
        (active.matches("input, textarea, select") || active.closest("[data-menu].is-open"))) {
      return true;
    }
    return !!part.querySelector("[data-live-busy]");
  }

  function byId(root, id) {
    return root.querySelector("#" + (window.CSS && CSS.escape ? CSS.escape(id) : id));
  }

  // What the person did in the old part that the server does not know: keep it.
  function carry(from, to) {
    from.querySelectorAll("details[id]").forEach(function (d) {
      var twin = byId(to, d.id);
      if (twin && twin.tagName === "DETAILS") twin.open = d.open;
    });
    from.querySelectorAll("input[id], textarea[id], select[id]").forEach(function (field) {
      var twin = byId(to, field.id);
      if (!twin || twin.tagName !== field.tagName || field.type === "file") return;
      if (field.type === "checkbox" || field.type === "radio") {
        if (field.checked !== field.defaultChecked) twin.checked = field.checked;
      } else if (field.tagName === "SELECT") {
        if (field.value !== twin.value) twin.value = field.value;
      } else if (field.value !== field.defaultValue) {
        twin.value = field.value;
      }
    });
    from.querySelectorAll("input[type=checkbox][name][value]").forEach(function (box) {
      if (box.id || box.checked === box.defaultChecked) return;
      to.querySelectorAll("input[type=checkbox]").forEach(function (twin) {
        if (twin.name === box.name && twin.value === box.value) twin.checked = box.checked;
      });
    });
  }

  function start() {
    var config = document.querySelector("[data-live]");
    var socket = window.OrdertalkSocket && window.OrdertalkSocket.get();
    if (!config || !socket) return;
    var src = config.dataset.liveSrc || (window.location.pathname + window.location.search);
    var onlyOrder = config.dataset.liveOrder ? Number(config.dataset.liveOrder) : null;
    // A purchase order's page: its own thread's changes (and no customer order's).
    var onlyPurchaseOrder = config.dataset.livePurchaseOrder
      ? Number(config.dataset.livePurchaseOrder) : null;
    var timer = null;
    var loading = false;
    var again = false;
    var waiting = false;  // a part was left alone because the person was in it
    var stopped = false;
    // Each part's HTML as the server last sent it (the page's scripts change attributes).
    var served = {};
    document.querySelectorAll("[data-live-part]").forEach(function (part) {
      served[part.dataset.livePart] = normal(part.outerHTML);
    });

    function apply(html) {
      var doc = new DOMParser().parseFromString(html, "text/html");
      var swapped = [];
      waiting = false;
      doc.querySelectorAll("[data-live-part]").forEach(function (fresh) {
        var name = fresh.dataset.livePart;
        var current = document.querySelector('[data-live-part="' + name + '"]');
        var html = normal(fresh.outerHTML);
        if (!current || served[name] === html) return;
        if (busy(current)) { waiting = true; return; }
        served[name] = html;
        var node = document.importNode(fresh, true);
        carry(current, node);
        var focused = document.activeElement && current.contains(document.activeElement) &&
          document.activeElement.id;
        current.replaceWith(node);
        if (focused && byId(node, focused)) byId(node, focused).focus();
        swapped.push(name);
      });
      if (swapped.length) {
        document.dispatchEvent(new CustomEvent("ordertalk:live", { detail: { parts: swapped } }));
      }
      document.documentElement.dataset.liveRefreshed =
        String(Number(document.documentElement.dataset.liveRefreshed || 0) + 1);
    }

    function load() {
      if (stopped) return;
      if (loading) { again = true; return; }
      loading = true;
      fetch(src, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
        .then(function (r) {
          if (r.status === 404 || r.status === 401 || r.status === 403) stopped = true;
          return r.ok ? r.text() : null;
        })
        .then(function (html) { if (html) apply(html); })
        .catch(function () {})
        .then(function () {
          loading = false;
          if (again) { again = false; schedule(); }
        });
    }

    function schedule() {
      clearTimeout(timer);
      timer = setTimeout(load, WAIT_MS);
    }

    function about(orderId) {
      return orderId && onlyPurchaseOrder === null &&
        (onlyOrder === null || orderId === onlyOrder);
    }

    socket.on("order", function (o) { if (o && about(o.order_id)) schedule(); });
    socket.on("purchase_order", function (p) {
      if (p && onlyPurchaseOrder !== null && p.purchase_order_id === onlyPurchaseOrder) {
        schedule();
      }
    });
    socket.on("message", function (m) {
      if (m && m.kind === "event" && about(m.order_id)) schedule();
    });
    var first = true;
    socket.on("connect", function () {
      if (!first) schedule();  // events may have happened while we were away
      first = false;
    });
    if (socket.connected) first = false;
    document.addEventListener("focusout", function () {
      if (waiting) setTimeout(function () { if (waiting) schedule(); }, 0);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
