// Ordertalk portal: small progressive enhancements (the pages work without them),
// and `Ordertalk.api()`, a fetch wrapper for the JSON API that sends the CSRF header.
(function () {
  "use strict";

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  // Calls /api/v1 with the session cookie; resolves to the parsed JSON body, rejects with
  // the API's error object ({code, message, fields}) on an error status.
  function api(path, options) {
    options = options || {};
    var headers = Object.assign(
      { Accept: "application/json", "X-CSRFToken": csrfToken() },
      options.headers || {}
    );
    var init = { method: options.method || "GET", headers: headers, credentials: "same-origin" };
    if (options.body !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(options.body);
    }
    return fetch("/api/v1" + path, init).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (!response.ok) {
          throw (data && data.error) || { code: "http_" + response.status, message: response.statusText };
        }
        return data;
      });
    });
  }

  window.Ordertalk = { api: api, csrfToken: csrfToken };

  // The sidebar becomes a drop-down menu on narrow screens.
  function setupNavToggle() {
    var nav = document.querySelector("[data-nav]");
    var toggle = document.querySelector("[data-nav-toggle]");
    if (!nav || !toggle) return;
    function setOpen(open) {
      toggle.setAttribute("aria-expanded", String(open));
      nav.toggleAttribute("data-open", open);
      toggle.querySelector('[data-nav-icon="open"]').hidden = open;
      toggle.querySelector('[data-nav-icon="close"]').hidden = !open;
    }
    toggle.addEventListener("click", function () {
      setOpen(toggle.getAttribute("aria-expanded") !== "true");
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && nav.hasAttribute("data-open")) {
        setOpen(false);
        toggle.focus();
      }
    });
  }

  // The user menu (<details>) closes on Escape and on a click elsewhere.
  function setupUserMenu() {
    var menu = document.querySelector("[data-user-menu]");
    if (!menu) return;
    document.addEventListener("click", function (event) {
      if (menu.open && !menu.contains(event.target)) menu.open = false;
    });
    menu.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && menu.open) {
        menu.open = false;
        menu.querySelector("summary").focus();
      }
    });
  }

  // Copy buttons: data-copy="<id of the input to copy>".
  function copyText(input) {
    function bySelection() {
      input.select();
      return document.execCommand("copy") ? Promise.resolve() : Promise.reject(new Error("copy failed"));
    }
    if (navigator.clipboard && window.isSecureContext) {
      // Refused when the page is not focused or clipboard access is denied: copy the
      // selection instead (the click's user activation still holds).
      return navigator.clipboard.writeText(input.value).catch(bySelection);
    }
    return bySelection();
  }

  function setupCopyButtons() {
    document.querySelectorAll("[data-copy]").forEach(function (button) {
      var input = document.getElementById(button.getAttribute("data-copy"));
      var label = button.querySelector("[data-copy-label]");
      if (!input || !label) return;
      button.addEventListener("click", function () {
        copyText(input).then(function () {
          label.textContent = "Copied";
          button.setAttribute("data-copied", "");
          setTimeout(function () {
            label.textContent = "Copy";
            button.removeAttribute("data-copied");
          }, 2000);
        }, function () {
          input.focus();
          input.select();
          label.textContent = "Press Ctrl+C";
        });
      });
    });
    document.querySelectorAll("[data-select-on-focus]").forEach(function (input) {
      input.addEventListener("focus", function () { input.select(); });
    });
  }

  // Forms with data-confirm="question" ask before they are sent.
  function setupConfirmations() {
    document.querySelectorAll("form[data-confirm]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (!window.confirm(form.getAttribute("data-confirm"))) event.preventDefault();
      });
    });
  }

  // <time data-local="datetime|date"> (the `local_time` template global): the server writes
  // UTC; show it in the viewer's own time zone, naming the zone ("Dec 5, 10:35 AM EST").
  var withZone = { month: "short", day: "numeric", hour: "numeric", minute: "2-digit",
                   timeZoneName: "short" };
  var dayOnly = { month: "short", day: "numeric", year: "numeric" };

  function localTimes(root) {
    (root || document).querySelectorAll("time[data-local]").forEach(function (node) {
      var when = new Date(node.getAttribute("datetime"));
      if (isNaN(when)) return;
      var full = when.toLocaleString([], Object.assign({ year: "numeric" }, withZone));
      node.title = full;
      node.textContent = node.getAttribute("data-local") === "date"
        ? when.toLocaleDateString([], dayOnly) : when.toLocaleString([], withZone);
    });
  }
  window.Ordertalk.localTimes = localTimes;
  document.addEventListener("ordertalk:live", function () { localTimes(document); });

  // Print buttons: data-print.
  function setupPrintButtons() {
    document.querySelectorAll("[data-print]").forEach(function (button) {
      button.addEventListener("click", function () { window.print(); });
    });
  }

  // "Use my current position" fills the latitude and longitude inputs of its form.
  function setupGeolocation() {
    document.querySelectorAll("[data-geolocate]").forEach(function (button) {
      var form = button.closest("form");
      var status = form.querySelector("[data-geolocate-status]");
      var latitude = form.querySelector('input[name="latitude"]');
      var longitude = form.querySelector('input[name="longitude"]');
      if (!navigator.geolocation || !window.isSecureContext || !latitude || !longitude) return;
      button.hidden = false;
      button.addEventListener("click", function () {
        status.textContent = "Finding your position…";
        navigator.geolocation.getCurrentPosition(function (position) {
          latitude.value = position.coords.latitude.toFixed(6);
          longitude.value = position.coords.longitude.toFixed(6);
          status.textContent = "Filled in from this device's position.";
        }, function () {
          status.textContent = "Your position is not available; type the coordinates instead.";
        }, { timeout: 10000 });
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    setupNavToggle();
    setupUserMenu();
    setupCopyButtons();
    setupConfirmations();
    setupGeolocation();
    setupPrintButtons();
    localTimes(document);
  });
})();
