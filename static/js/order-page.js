// The order page (templates/orders/detail.html, fulfilment/_actions.html):
// - "More actions": a menu button (WAI-ARIA APG): Enter, Space or ArrowDown opens it on its
//   first item, ArrowUp on its last; arrows, Home and End move, Escape closes it back to the
//   button, Tab closes it.
// - [data-opens="<id>"] (menu items, the primary button, Decline…) opens that action's form
//   (a <details>), closes the others, and puts the cursor in it.
// - On a phone the order and its conversation are two tabs (ArrowLeft/Right between them).
// Delegated from the document, so the parts live-parts.js swaps in work as they come.
(function () {
  "use strict";

  var PHONE = window.matchMedia("(max-width: 900px)");

  // -- the menu ----------------------------------------------------------------------------
  function itemsOf(menu) {
    return Array.prototype.slice.call(menu.querySelectorAll("[role=menuitem]"));
  }

  function openMenu(menu, which) {
    var button = menu.querySelector("[data-menu-button]");
    var list = menu.querySelector("[data-menu-list]");
    closeMenus(menu);
    list.hidden = false;
    menu.classList.add("is-open");
    button.setAttribute("aria-expanded", "true");
    var items = itemsOf(menu);
    if (items.length) items[which === "last" ? items.length - 1 : 0].focus();
  }

  function closeMenu(menu, refocus) {
    var button = menu.querySelector("[data-menu-button]");
    menu.querySelector("[data-menu-list]").hidden = true;
    menu.classList.remove("is-open");
    button.setAttribute("aria-expanded", "false");
    if (refocus) button.focus();
  }

  function closeMenus(except) {
    document.querySelectorAll("[data-menu].is-open").forEach(function (menu) {
      if (menu !== except) closeMenu(menu, false);
    });
  }

  // -- the action forms --------------------------------------------------------------------
  function openAction(id) {
    var target = document.getElementById(id);
    if (!target || target.tagName !== "DETAILS") return;
    var forms = target.parentNode;
    forms.querySelectorAll(":scope > details[open]").forEach(function (d) {
      if (d !== target) d.open = false;
    });
    target.open = true;
    syncOpeners();
    target.scrollIntoView({ block: "nearest" });
    var field = target.querySelector("input:not([type=hidden]), select, textarea, button");
    if (field) field.focus({ preventScroll: true });
  }

  // Openers that are buttons (the primary, Decline…) say whether their form is open.
  function syncOpeners() {
    document.querySelectorAll("[data-opens][aria-controls]").forEach(function (button) {
      var target = document.getElementById(button.getAttribute("aria-controls"));
      button.setAttribute("aria-expanded", target && target.open ? "true" : "false");
    });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-menu-button]");
    if (button) {
      var menu = button.closest("[data-menu]");
      if (menu.classList.contains("is-open")) closeMenu(menu, false);
      else openMenu(menu, "first");
      return;
    }
    var opener = event.target.closest("[data-opens]");
    if (opener) {
      var inMenu = opener.closest("[data-menu]");
      if (inMenu) closeMenu(inMenu, false);
      openAction(opener.dataset.opens);
      return;
    }
    if (!event.target.closest("[data-menu]")) closeMenus(null);
  });

  document.addEventListener("keydown", function (event) {
    var button = event.target.closest && event.target.closest("[data-menu-button]");
    if (button && (event.key === "ArrowDown" || event.key === "ArrowUp")) {
      event.preventDefault();
      openMenu(button.closest("[data-menu]"), event.key === "ArrowUp" ? "last" : "first");
      return;
    }
    var item = event.target.closest && event.target.closest("[role=menuitem]");
    if (!item) return;
    var menu = item.closest("[data-menu]");
    var items = itemsOf(menu);
    var i = items.indexOf(item);
    var next = null;
    if (event.key === "ArrowDown") next = items[(i + 1) % items.length];
    else if (event.key === "ArrowUp") next = items[(i - 1 + items.length) % items.length];
    else if (event.key === "Home") next = items[0];
    else if (event.key === "End") next = items[items.length - 1];
    else if (event.key === "Escape") { event.preventDefault(); closeMenu(menu, true); return; }
    else if (event.key === "Tab") { closeMenu(menu, false); return; }
    else if (event.key === " " && item.tagName === "A") { event.preventDefault(); item.click(); return; }
    if (next) { event.preventDefault(); next.focus(); }
  });

  document.addEventListener("toggle", function (event) {
    if (event.target.tagName === "DETAILS") syncOpeners();
  }, true);

  // -- the tabs (phone) --------------------------------------------------------------------
  function setupTabs() {
    var tablist = document.querySelector("[data-order-tabs]");
    var page = document.querySelector("[data-order-page]");
    if (!tablist || !page) return;
    var tabs = Array.prototype.slice.call(tablist.querySelectorAll("[role=tab]"));

    function panelOf(tab) { return document.getElementById(tab.getAttribute("aria-controls")); }

    function select(tab, focus) {
      tabs.forEach(function (t) {
        var on = t === tab;
        t.setAttribute("aria-selected", on ? "true" : "false");
        t.tabIndex = on ? 0 : -1;
      });
      page.classList.toggle("order-page--thread", tab.dataset.tab === "thread");
      if (focus) tab.focus({ preventScroll: true });
      bringUp(tab);
      if (tab.dataset.tab === "thread") showThread();
    }

    // The chosen panel starts right under the (sticky) tabs: the whole thread, composer
    // included, fits the screen; the order starts at its next step.
    function bringUp(tab) {
      var stuckAt = parseFloat(window.getComputedStyle(tablist).top) || 0;
      var below = stuckAt + tablist.offsetHeight + 8;
      var top = panelOf(tab).getBoundingClientRect().top;
      if (tab.dataset.tab === "thread" || top < below) {
        window.scrollTo({ top: Math.max(0, window.scrollY + top - below), behavior: "instant" });
      }
    }

    // The thread was hidden: scroll it to its newest message and let it mark them read.
    function showThread() {
      var threads = (window.OrdertalkChat && window.OrdertalkChat.threads) || {};
      Object.keys(threads).forEach(function (k) {
        threads[k].scrollToEnd();
        threads[k].markRead();
      });
    }

    // Tab roles only while the page is tabs: on wide screens both panels show side by side.
    function layout() {
      var phone = PHONE.matches;
      tablist.hidden = !phone;
      tabs.forEach(function (tab) {
        var panel = panelOf(tab);
        if (phone) {
          panel.setAttribute("role", "tabpanel");
          panel.setAttribute("aria-labelledby", tab.id);
        } else {
          panel.removeAttribute("role");
          panel.removeAttribute("aria-labelledby");
        }
      });
      page.classList.toggle("order-page--tabs", phone);
    }

    tablist.addEventListener("click", function (event) {
      var tab = event.target.closest("[role=tab]");
      if (tab) select(tab, false);
    });
    tablist.addEventListener("keydown", function (event) {
      var i = tabs.indexOf(document.activeElement);
      if (i < 0) return;
      var to = null;
      if (event.key === "ArrowRight") to = tabs[(i + 1) % tabs.length];
      else if (event.key === "ArrowLeft") to = tabs[(i - 1 + tabs.length) % tabs.length];
      else if (event.key === "Home") to = tabs[0];
      else if (event.key === "End") to = tabs[tabs.length - 1];
      if (to) { event.preventDefault(); select(to, true); }
    });
    if (PHONE.addEventListener) PHONE.addEventListener("change", layout);
    layout();
    if (window.location.hash === "#chat") select(tabs[tabs.length - 1], false);
  }

  function start() {
    syncOpeners();
    setupTabs();
  }

  // After every deferred script (the chat's threads exist by then).
  if (document.readyState === "complete") start();
  else document.addEventListener("DOMContentLoaded", start);
})();
