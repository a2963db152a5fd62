// Catalog and inventory pages: filters that apply themselves, row selection for bulk price
// edits, and adding/removing rows (volume prices, price list items). The pages work
// without it, except for adding rows.
(function () {
  "use strict";

  function autosubmit() {
    document.querySelectorAll("[data-autosubmit]").forEach(function (input) {
      input.addEventListener("change", function () {
        if (input.form) input.form.submit();
      });
    });
  }

  function bulkSelection() {
    var form = document.querySelector("[data-bulk-form]");
    if (!form) return;
    var all = form.querySelector("[data-select-all]");
    var rows = Array.prototype.slice.call(form.querySelectorAll("[data-select-row]"));
    var count = form.querySelector("[data-bulk-count]");
    var apply = form.querySelector("[data-bulk-apply]");
    var action = form.querySelector("#bulk-action");
    var value = form.querySelector("#bulk-value");
    var bar = form.querySelector("[data-bulk-bar]");

    function update() {
      var chosen = rows.filter(function (r) { return r.checked; }).length;
      count.textContent = chosen
        ? chosen + " selected"
        : "Select products to change several at once";
      apply.disabled = chosen === 0;
      bar.classList.toggle("bulk-bar--active", chosen > 0);
      if (all) {
        all.checked = chosen > 0 && chosen === rows.length;
        all.indeterminate = chosen > 0 && chosen < rows.length;
      }
      rows.forEach(function (r) { r.closest("tr").classList.toggle("is-selected", r.checked); });
    }
    function updateValue() {
      var needsValue = action.value === "set_price" || action.value === "percent";
      value.hidden = !needsValue;
      value.required = needsValue;
      value.placeholder = action.value === "percent" ? "e.g. 5 or -10" : "e.g. 12.50";
    }
    if (all) {
      all.addEventListener("change", function () {
        rows.forEach(function (r) { r.checked = all.checked; });
        update();
      });
    }
    rows.forEach(function (r) { r.addEventListener("change", update); });
    action.addEventListener("change", updateValue);
    form.addEventListener("submit", function (event) {
      if (!value.hidden && !value.value.trim()) {
        event.preventDefault();
        value.focus();
      }
    });
    updateValue();
    update();
  }

  // A container with [data-*-body], a <template> and add/remove buttons.
  function repeatableRows(containerSel, bodySel, templateSel, addSel, removeSel) {
    document.querySelectorAll(containerSel).forEach(function (box) {
      var body = box.querySelector(bodySel);
      var template = box.querySelector(templateSel);
      var add = box.querySelector(addSel);
      if (!body || !template || !add) return;
      add.addEventListener("click", function () {
        var row = template.content.firstElementChild.cloneNode(true);
        body.appendChild(row);
        var first = row.querySelector("input");
        if (first) first.focus();
      });
      body.addEventListener("click", function (event) {
        var button = event.target.closest(removeSel);
        if (button) button.closest("tr").remove();
      });
    });
  }

  // Add to cart without leaving the page: the card says what is in the cart and offers
  // the way to it, and every Cart link's count follows. Without script the form posts.
  function addToCart() {
    document.querySelectorAll("form[data-add-to-cart]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        var button = form.querySelector("button[type=submit]");
        if (button) button.disabled = true;
        fetch(form.action, {
          method: "POST", body: new FormData(form), credentials: "same-origin",
          headers: { Accept: "application/json" }
        }).then(function (response) {
          return response.json().then(function (data) { return { ok: response.ok, data: data }; });
        }).then(function (result) {
          showAdded(form, result.ok, result.data);
        }).catch(function () {
          showAdded(form, false, { error: { message: "Not added: check your connection." } });
        }).then(function () { if (button) button.disabled = false; });
      });
    });
  }

  function showAdded(form, ok, data) {
    var card = form.parentNode;
    var box = card.querySelector("[data-added]");
    if (!box) {
      box = document.createElement("p");
      box.setAttribute("role", "status");
      box.dataset.added = "1";
      card.appendChild(box);
    }
    box.className = ok ? "product-card__added" : "product-card__added product-card__added--error";
    box.textContent = "";
    if (!ok) {
      var error = (data && data.error) || {};
      var fields = error.fields || {};
      var first = Object.keys(fields)[0];
      box.textContent = first ? fields[first].join(" ") : (error.message || "Not added.");
      return;
    }
    box.appendChild(document.createTextNode(data.message + " "));
    var link = document.createElement("a");
    link.href = data.cart_url;
    link.textContent = "View cart & check out";
    link.dataset.addedCart = "1";
    box.appendChild(link);
    document.querySelectorAll("[data-cart-nav-count]").forEach(function (badge) {
      badge.textContent = data.cart_count;
      badge.setAttribute("aria-label", data.cart_count + " in cart");
      badge.hidden = !data.cart_count;
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    autosubmit();
    addToCart();
    bulkSelection();
    repeatableRows("[data-breaks]", "[data-breaks-body]", "[data-break-template]",
      "[data-break-add]", "[data-break-remove]");
    repeatableRows("[data-rows]", "[data-rows-body]", "[data-row-template]",
      "[data-row-add]", "[data-row-remove]");
  });
})();
