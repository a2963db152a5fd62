// Ship by carrier (templates/fulfilment/_actions.html): choose what goes in the parcel
// (all of it, or less for a partial shipment), edit the parcels, get the rates side by side
// (POST /api/v1/orders/<id>/shipping-rates with the lines when partial), buy one (POST
// …/labels: it ships what the rate was quoted for); the page then reloads to show the
// shipment with its tracking and label. Parcels the supplier has not touched are the
// catalog's for the quantities chosen: the rates' answer fills them in.
(function () {
  "use strict";

  var KEYS = ["weight_kg", "length_cm", "width_cm", "height_cm"];

  function setup(box) {
    var body = box.querySelector("[data-parcels]");
    var ratesBox = box.querySelector("[data-rates]");
    var errorBox = box.querySelector("[data-carrier-error]");
    var getRates = box.querySelector("[data-get-rates]");
    var quantities = box.querySelectorAll("[data-line-id]");
    var parcelsEdited = false;

    function post(url, payload) {
      return fetch(url, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": box.dataset.csrf },
        body: JSON.stringify(payload),
      }).then(function (response) {
        return response.json().then(function (json) {
          if (!response.ok) {
            var error = (json && json.error) || {};
            var fields = error.fields ? Object.values(error.fields)[0] : null;
            throw new Error((fields && fields[0]) || error.message || "That didn't work.");
          }
          return json;
        });
      });
    }

    function showError(message) {
      errorBox.textContent = message || "";
      errorBox.hidden = !message;
    }

    function parcels() {
      return Array.prototype.map.call(body.querySelectorAll("[data-parcel]"), function (row) {
        var parcel = {};
        KEYS.forEach(function (key) {
          parcel[key] = Number(row.querySelector('[name="' + key + '"]').value);
        });
        return parcel;
      });
    }

    function wireRow(row) {
      row.querySelector("[data-remove-parcel]").addEventListener("click", function () {
        if (body.querySelectorAll("[data-parcel]").length > 1) row.remove();
        parcelsEdited = true;
      });
      row.addEventListener("input", function () { parcelsEdited = true; });
    }

    // {line_id, quantity} of each line with units in the parcel; null when it is everything.
    function lines() {
      var chosen = [];
      var partial = false;
      quantities.forEach(function (input) {
        var quantity = Number(input.value);
        if (quantity !== Number(input.max)) partial = true;
        if (quantity > 0) {
          chosen.push({ line_id: Number(input.dataset.lineId), quantity: quantity });
        }
      });
      return partial ? chosen : null;
    }

    function showParcels(list) {
      var rows = body.querySelectorAll("[data-parcel]");
      var template = rows[0];
      list.forEach(function (parcel, index) {
        var row = rows[index];
        if (!row) {
          row = template.cloneNode(true);
          body.appendChild(row);
          wireRow(row);
        }
        KEYS.forEach(function (key) {
          row.querySelector('[name="' + key + '"]').value = String(Number(parcel[key]));
        });
      });
      for (var i = list.length; i < rows.length; i++) rows[i].remove();
    }

    quantities.forEach(function (input) {
      input.addEventListener("input", function () {
        ratesBox.textContent = "";  // those rates were for other quantities
      });
    });

    body.querySelectorAll("[data-parcel]").forEach(wireRow);
    box.querySelector("[data-add-parcel]").addEventListener("click", function () {
      var rows = body.querySelectorAll("[data-parcel]");
      var row = rows[rows.length - 1].cloneNode(true);
      body.appendChild(row);
      wireRow(row);
      parcelsEdited = true;
    });

    function cell(row, text, className) {
      var td = document.createElement("td");
      td.textContent = text;
      if (className) td.className = className;
      row.appendChild(td);
      return td;
    }

    function rateRow(rate) {
      var row = document.createElement("tr");
      row.setAttribute("data-rate", rate.id);
      var name = cell(row, "");
      var carrier = document.createElement("strong");
      carrier.textContent = rate.carrier;
      name.append(carrier, document.createElement("br"), rate.service);
      cell(row, rate.amount + " " + rate.currency, "num");
      cell(row, rate.days == null ? "–" : rate.days + (rate.days === 1 ? " day" : " days"),
           "num");
      var buy = document.createElement("button");
      buy.type = "button";
      buy.className = "btn btn--primary btn--sm";
      buy.textContent = "Buy";
      buy.setAttribute("data-buy", "");
      buy.setAttribute("aria-label", "Buy the " + rate.carrier + " " + rate.service + " label");
      buy.addEventListener("click", function () {
        buy.disabled = true;
        showError("");
        post(box.dataset.labelsUrl, { rate_id: rate.id }).then(function () {
          window.location.reload();
        }, function (error) {
          buy.disabled = false;
          showError(error.message);
        });
      });
      cell(row, "").appendChild(buy);
      return row;
    }

    function rateTable(items) {
      var table = document.createElement("table");
      table.className = "rates";
      var head = table.createTHead().insertRow();
      ["Service", "Price", "Days", ""].forEach(function (label) {
        var th = document.createElement("th");
        th.scope = "col";
        th.textContent = label;
        head.appendChild(th);
      });
      var body = table.createTBody();
      items.forEach(function (rate) { body.appendChild(rateRow(rate)); });
      return table;
    }

    getRates.addEventListener("click", function () {
      showError("");
      ratesBox.textContent = "";
      var chosen = lines();
      if (chosen && !chosen.length) {
        showError("Put at least one unit in the parcel.");
        return;
      }
      var payload = {};
      if (chosen) payload.lines = chosen;
      if (parcelsEdited) payload.parcels = parcels();
      getRates.disabled = true;
      post(box.dataset.ratesUrl, payload).then(function (json) {
        if (!parcelsEdited) showParcels(json.parcels);
        ratesBox.appendChild(rateTable(json.items));
        box.setAttribute("data-live-busy", "");  // rates to choose from: not swapped away
      }, function (error) {
        showError(error.message);
      }).then(function () { getRates.disabled = false; });
    });
  }

  // The order page swaps its actions in live (live-parts.js): set up the new box too.
  var ready = new WeakSet();
  function setupAll() {
    document.querySelectorAll("[data-carrier-ship]").forEach(function (box) {
      if (ready.has(box)) return;
      ready.add(box);
      setup(box);
    });
  }
  setupAll();
  document.addEventListener("ordertalk:live", setupAll);
})();
