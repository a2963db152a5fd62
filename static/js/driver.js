// The driver's phone view. Every action (arrived, delivered, problem — with its signature
// and photo, a photo scaled down to a JPEG first) is put in a queue in localStorage under its
// own client key, shown as done at once, and sent when the phone is online — in order, one
// at a time, each removed once the server has answered it. A connection that drops
// mid-request leaves the action queued; sending it again is harmless (the server applies a
// repeated action once). When the phone's storage cannot hold an action's photo, the driver
// is told so and nothing is queued.
(function () {
  "use strict";

  var STORE = "ordertalk.driver.queue";  // + "." + the signed-in user's id
  var sending = false;
  var sync;

  function load() {
    try { return JSON.parse(window.localStorage.getItem(STORE) || "[]"); } catch (e) { return []; }
  }

  // False when the phone's storage cannot hold the queue (a photo too many).
  function save(queue) {
    try {
      window.localStorage.setItem(STORE, JSON.stringify(queue));
      return true;
    } catch (e) {
      return false;
    }
  }

  function newKey() {
    if (window.crypto && window.crypto.randomUUID) return window.crypto.randomUUID();
    return Date.now().toString(36) + Math.random().toString(36).slice(2);
  }

  function csrfToken() { return window.Ordertalk ? window.Ordertalk.csrfToken() : ""; }

  function showSync(text) {
    sync.textContent = text;
    sync.hidden = !text;
  }

  function status() {
    var waiting = load().length;
    if (!waiting) return showSync("");
    var what = waiting === 1 ? "1 action" : waiting + " actions";
    showSync(navigator.onLine ? "Sending " + what + "…" : "Offline: " + what + " waiting; sent when you are back online.");
  }

  // Queue an action; false when it could not be kept (the phone's storage is full).
  function enqueue(stop, action, body) {
    var queue = load();
    if (queue.some(function (e) { return e.stop === stop && e.action === action; })) return true;
    queue.push({ key: newKey(), stop: stop, action: action, body: body || null });
    if (!save(queue)) return false;
    flush();
    return true;
  }

  // A chosen photo as a JPEG data URL, at most PHOTO_EDGE px on its longer side, so that a
  // few fit in the page's offline queue; null without one. Rejects when it cannot be read.
  var PHOTO_EDGE = 1600;
  function photoData(input) {
    var file = input.files && input.files[0];
    if (!file) return Promise.resolve(null);
    return new Promise(function (resolve) {
      resolve(window.createImageBitmap(file));  // a browser without it rejects, as a bad file
    }).then(function (bitmap) {
      var scale = Math.min(1, PHOTO_EDGE / Math.max(bitmap.width, bitmap.height));
      var canvas = document.createElement("canvas");
      canvas.width = Math.round(bitmap.width * scale);
      canvas.height = Math.round(bitmap.height * scale);
      canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      return canvas.toDataURL("image/jpeg", 0.8);
    });
  }

  function photoField(form) {
    var input = form.querySelector("[data-photo]");
    var preview = form.querySelector("[data-preview]");
    var remove = form.querySelector("[data-photo-clear]");
    input.addEventListener("change", function () {
      remove.hidden = !input.value;
      photoData(input).then(function (url) {
        preview.hidden = !url;
        if (url) preview.src = url;
      }, function () {
        preview.hidden = true;
      });
    });
    remove.addEventListener("click", function () {
      input.value = "";
      preview.hidden = true;
      remove.hidden = true;
      form.querySelector("[data-error]").hidden = true;
    });
    return input;
  }

  // Queue the action with the photo (if any) and show the stop as done; else say why not.
  function submitWithPhoto(card, form, action, body, state) {
    var error = form.querySelector("[data-error]");
    var button = form.querySelector("[type=submit]");
    button.disabled = true;
    photoData(form.querySelector("[data-photo]")).then(function (photo) {
      if (photo) body.photo = photo;
      button.disabled = false;
      if (!enqueue(Number(card.dataset.drop), action, body)) {
        error.textContent = "This phone has no room to keep the photo until you are back online. " +
          "Remove the photo to send without it, or send once you have a connection.";
        error.hidden = false;
        return;
      }
      markDone(card, state);
    }, function () {
      button.disabled = false;
      error.textContent = "This photo could not be read. Take it again, or send without it.";
      error.hidden = false;
    });
  }

  function drop(key) {
    save(load().filter(function (e) { return e.key !== key; }));
    document.querySelectorAll("[data-list-stop] [data-state]").forEach(function (state) {
      state.textContent = state.textContent.replace(" (to send)", "");
    });
  }

  function flush() {
    status();
    if (sending || !navigator.onLine) return;
    var entry = load()[0];
    if (!entry) return;
    sending = true;
    var init = {
      method: "POST",
      credentials: "same-origin",
      headers: { Accept: "application/json", "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify(entry.body || {}),
    };
    fetch("/api/v1/stops/" + entry.stop + "/" + entry.action, init).then(function (response) {
      sending = false;
      if (response.status === 401 || response.status === 429 || response.status >= 500) {
        showSync("Could not send (" + response.status + "); retrying shortly.");
        return setTimeout(flush, 15000);
      }
      drop(entry.key);  // done, or refused for good (the answer says why)
      if (!response.ok) {
        response.json().then(function (data) {
          var error = (data && data.error) || {};
          showSync("Stop " + entry.stop + ": " + (error.message || "not accepted"));
        }, function () {});
      }
      flush();
    }, function () {
      sending = false;  // no connection after all: keep it for the next try
      status();
      setTimeout(flush, 15000);
    });
  }

  function markDone(card, state) {
    card.setAttribute("data-drop-status", state);
    card.hidden = true;
    card.classList.remove("drop--next");
    var item = document.querySelector('[data-list-stop="' + card.dataset.drop + '"]');
    if (item) {
      item.setAttribute("data-drop-status", state);
      item.querySelector("[data-state]").textContent = state + (navigator.onLine ? "" : " (to send)");
    }
    var route = card.closest("[data-driver-route]");
    var next = Array.prototype.find.call(route.querySelectorAll("[data-drop]"), function (c) {
      var s = c.getAttribute("data-drop-status");
      return s === "planned" || s === "arrived";
    });
    if (next) {
      next.hidden = false;
      next.classList.add("drop--next");
      next.scrollIntoView({ block: "start" });
    }
  }

  function signaturePad(canvas) {
    var ctx = canvas.getContext("2d");
    var drawing = false;
    canvas.dataset.drawn = "";
    ctx.lineWidth = 2.5;
    ctx.lineCap = "round";
    ctx.lineJoin = "round";
    ctx.strokeStyle = "#14161a";
    function point(event) {
      var rect = canvas.getBoundingClientRect();
      return [(event.clientX - rect.left) * canvas.width / rect.width,
              (event.clientY - rect.top) * canvas.height / rect.height];
    }
    canvas.addEventListener("pointerdown", function (event) {
      drawing = true;
      canvas.setPointerCapture(event.pointerId);
      var p = point(event);
      ctx.beginPath();
      ctx.moveTo(p[0], p[1]);
    });
    canvas.addEventListener("pointermove", function (event) {
      if (!drawing) return;
      var p = point(event);
      ctx.lineTo(p[0], p[1]);
      ctx.stroke();
      canvas.dataset.drawn = "yes";
    });
    ["pointerup", "pointercancel"].forEach(function (name) {
      canvas.addEventListener(name, function () { drawing = false; });
    });
    return function clear() {
      ctx.clearRect(0, 0, canvas.width, canvas.height);
      canvas.dataset.drawn = "";
    };
  }

  function setup(card) {
    var stop = Number(card.dataset.drop);
    var arrived = card.querySelector('[data-action="arrived"]');
    arrived.addEventListener("click", function () {
      arrived.disabled = true;
      arrived.textContent = "Arrived ✓";
      card.setAttribute("data-drop-status", "arrived");
      enqueue(stop, "arrived");
    });
    card.querySelectorAll("[data-open]").forEach(function (button) {
      button.addEventListener("click", function () {
        card.querySelectorAll("[data-panel]").forEach(function (panel) {
          panel.hidden = panel.dataset.panel !== button.dataset.open || !panel.hidden;
        });
      });
    });

    var delivered = card.querySelector('[data-panel="delivered"]');
    var canvas = delivered.querySelector("[data-signature]");
    var clear = signaturePad(canvas);
    var error = delivered.querySelector("[data-error]");
    var deliveredPhoto = photoField(delivered);
    delivered.querySelector("[data-clear]").addEventListener("click", clear);
    delivered.addEventListener("submit", function (event) {
      event.preventDefault();
      var recipient = delivered.elements.recipient.value.trim();
      var hasPhoto = deliveredPhoto.files && deliveredPhoto.files.length > 0;
      error.hidden = true;
      if (!recipient || !(canvas.dataset.drawn || hasPhoto)) {
        error.textContent = !recipient ? "Who took the delivery?"
          : "Ask them to sign above, or add a photo of the drop.";
        error.hidden = false;
        return;
      }
      var body = { recipient: recipient };
      if (canvas.dataset.drawn) body.signature = canvas.toDataURL("image/png");
      submitWithPhoto(card, delivered, "delivered", body, "delivered");
    });

    var problem = card.querySelector('[data-panel="problem"]');
    photoField(problem);
    problem.addEventListener("submit", function (event) {
      event.preventDefault();
      var note = problem.elements.note.value.trim();
      problem.querySelector("[data-error]").hidden = true;
      if (!note) return problem.elements.note.focus();
      submitWithPhoto(card, problem, "problem", { kind: problem.elements.kind.value, note: note }, "problem");
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    sync = document.querySelector("[data-sync]");
    if (!sync) return;
    STORE += "." + document.querySelector("[data-driver]").dataset.driver;
    document.querySelectorAll("[data-drop]").forEach(setup);
    // Actions still queued from before a reload are shown as done.
    load().forEach(function (entry) {
      var card = document.querySelector('[data-drop="' + entry.stop + '"]');
      if (card && entry.action !== "arrived" && card.getAttribute("data-drop-status") !== entry.action) {
        markDone(card, entry.action);
      }
    });
    window.addEventListener("online", flush);
    window.addEventListener("offline", status);
    flush();
  });
})();
