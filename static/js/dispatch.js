// The dispatcher's page: each run's routes on a Leaflet map (numbered stops in the route's
// colour, the warehouse, lines between them — drawn even when no tile loads), and the
// actions over the API: plan or re-optimise, lock, move, dispatch. After an action the page
// reloads with the run as the server now has it.
(function () {
  "use strict";

  var message;

  function say(text, isError) {
    if (!message) return;
    message.textContent = text;
    message.classList.toggle("runs-message--error", !!isError);
  }

  function act(promise, done) {
    say("Working…");
    promise.then(function () {
      say(done);
      window.location.reload();
    }, function (error) {
      say((error && error.message) || "That did not work; try again.", true);
    });
  }

  function numbered(n, colour) {
    return L.divIcon({
      className: "map-stop",
      html: '<span class="map-stop__n" style="background:' + colour + '">' + n + "</span>",
      iconSize: [26, 26],
      iconAnchor: [13, 13],
    });
  }

  function drawMap(box) {
    var data = JSON.parse(box.parentNode.querySelector("[data-run-data]").textContent);
    var map = L.map(box, { scrollWheelZoom: false });
    map.attributionControl.setPrefix('<a href="https://leafletjs.com">Leaflet</a>');
    var tiles = L.tileLayer(box.dataset.tiles, {
      maxZoom: 18,
      attribution: "&copy; OpenStreetMap contributors",
    });
    var note = box.parentNode.querySelector("[data-tiles-note]");
    tiles.on("tileerror", function () { note.hidden = false; });
    tiles.addTo(map);
    var home = [data.warehouse.lat, data.warehouse.lng];
    var bounds = L.latLngBounds([home]);
    L.marker(home, {
      icon: L.divIcon({ className: "map-depot", html: "<span>W</span>", iconSize: [30, 30], iconAnchor: [15, 15] }),
      title: data.warehouse.name,
      zIndexOffset: 1000,
    }).addTo(map).bindPopup(data.warehouse.name);
    data.routes.forEach(function (route) {
      var path = [home];
      route.stops.forEach(function (stop) {
        if (!stop.lat && !stop.lng) return;
        var at = [stop.lat, stop.lng];
        path.push(at);
        bounds.extend(at);
        L.marker(at, { icon: numbered(stop.sequence, route.colour), title: stop.buyer })
          .addTo(map)
          .bindPopup(route.vehicle + " · " + stop.sequence + ". " + stop.buyer + " · ETA " + stop.eta);
      });
      if (path.length < 2) return;  // an idle van: no line
      path.push(home);
      L.polyline(path, { color: route.colour, weight: 4, opacity: 0.85 }).addTo(map);
    });
    map.fitBounds(bounds.pad(0.15));
    box.setAttribute("data-map-ready", "");
  }

  document.addEventListener("DOMContentLoaded", function () {
    message = document.querySelector("[data-runs-message]");
    var api = window.Ordertalk.api;

    if (window.L) document.querySelectorAll("[data-run-map]").forEach(drawMap);

    var plan = document.querySelector("[data-plan]");
    if (plan) plan.addEventListener("click", function () {
      plan.disabled = true;
      act(api("/runs", { method: "POST", body: {
        warehouse_id: Number(plan.dataset.warehouse), date: plan.dataset.date,
      } }), "Planned.");
      setTimeout(function () { plan.disabled = false; }, 1500);
    });

    var dispatch = document.querySelector("[data-dispatch]");
    if (dispatch) dispatch.addEventListener("click", function () {
      if (!window.confirm("Dispatch this run? Orders ship and buyers get their arrival windows.")) return;
      dispatch.disabled = true;
      act(api("/runs/" + dispatch.dataset.dispatch + "/dispatch", { method: "POST" }), "Dispatched.");
    });

    document.querySelectorAll("[data-lock]").forEach(function (button) {
      button.addEventListener("click", function () {
        act(api("/stops/" + button.dataset.lock + "/lock", { method: "POST", body: {
          locked: button.dataset.locked !== "true",
        } }), "Saved.");
      });
    });

    // Drag a stop onto another stop (of any route of the run): it takes that place; dropped
    // on a route's list elsewhere (an empty van's too), it goes last on that route.
    // The Move form beside each stop does the same from the keyboard.
    var dragged = null;
    document.querySelectorAll("[data-run][data-status=planned] [data-stop]").forEach(function (item) {
      item.draggable = true;
      item.addEventListener("dragstart", function (event) {
        dragged = item.dataset.stop;
        event.dataTransfer.effectAllowed = "move";
        event.dataTransfer.setData("text/plain", dragged);
        item.classList.add("stop--dragging");
      });
      item.addEventListener("dragend", function () {
        item.classList.remove("stop--dragging");
        dragged = null;
      });
    });

    function dropTarget(event) {
      var stop = event.target.closest("[data-stop]");
      return stop && stop.dataset.stop !== dragged ? stop : event.currentTarget;
    }

    function clearDrop(list) {
      list.querySelectorAll(".stop--drop").forEach(function (el) { el.classList.remove("stop--drop"); });
      list.classList.remove("stops--drop");
    }

    document.querySelectorAll("[data-run][data-status=planned] [data-stops]").forEach(function (list) {
      list.addEventListener("dragover", function (event) {
        if (!dragged) return;
        event.preventDefault();
        clearDrop(list);
        var target = dropTarget(event);
        target.classList.add(target === list ? "stops--drop" : "stop--drop");
      });
      list.addEventListener("dragleave", function (event) {
        if (!list.contains(event.relatedTarget)) clearDrop(list);
      });
      list.addEventListener("drop", function (event) {
        event.preventDefault();
        clearDrop(list);
        var stop = dragged || event.dataTransfer.getData("text/plain");
        var target = dropTarget(event);
        if (!stop || (target !== list && target.dataset.stop === stop)) return;
        var position = target === list
          ? list.querySelectorAll("[data-stop]").length + 1
          : Number(target.dataset.sequence);
        act(api("/stops/" + stop + "/move", { method: "POST", body: {
          route_id: Number(list.closest("[data-route]").dataset.route),
          position: position,
        } }), "Moved.");
      });
    });

    document.querySelectorAll("[data-move]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        act(api("/stops/" + form.dataset.move + "/move", { method: "POST", body: {
          route_id: Number(form.elements.route_id.value),
          position: Number(form.elements.position.value),
        } }), "Moved.");
      });
    });

    // Rendered disabled: they do nothing until this script has wired them.
    document.querySelectorAll("[data-needs-script]").forEach(function (button) {
      button.disabled = false;
    });
  });
})();
