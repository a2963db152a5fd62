// The cart: quantities are saved and checked as they are typed (minimum, multiples, stock),
// through POST /cart/items/<product_id> with the CSRF header. Without this script each line
// has its own Update button.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  var SYMBOLS = { USD: "$", CAD: "CA$", AUD: "A$", EUR: "€", GBP: "£", NZD: "NZ$" };

  function money(amount, currency) {
    var text = Number(amount).toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
    return SYMBOLS[currency] ? SYMBOLS[currency] + text : text + " " + currency;
  }

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  function message(kind, text, tag) {
    var box = document.createElement(tag || "span");
    box.className = kind === "problem" ? "cart__problem" : "cart__note";
    var icon = document.querySelector('template[data-icon="' + kind + '"]');
    if (icon) box.appendChild(icon.content.cloneNode(true));
    var words = document.createElement("span");
    words.textContent = text;
    box.appendChild(words);
    return box;
  }

  function showLine(row, line, currency) {
    row.querySelector("[data-unit-price]").textContent = money(line.unit_price, currency);
    row.querySelector("[data-line-total]").textContent = money(line.line_total, currency);
    var box = row.querySelector("[data-messages]");
    box.textContent = "";
    line.problems.forEach(function (text) { box.appendChild(message("problem", text)); });
    line.notes.forEach(function (text) { box.appendChild(message("note", text)); });
    var input = row.querySelector("[data-qty]");
    row.classList.toggle("cart__row--problem", line.problems.length > 0);
    if (line.problems.length) input.setAttribute("aria-invalid", "true");
    else input.removeAttribute("aria-invalid");
  }

  // The Cart links (sidebar, phone top bar) count every cart's lines on this page.
  function showNavCount() {
    var total = 0;
    document.querySelectorAll("[data-cart-count]").forEach(function (node) {
      total += Number(node.textContent) || 0;
    });
    document.querySelectorAll("[data-cart-nav-count]").forEach(function (badge) {
      badge.textContent = total;
      badge.setAttribute("aria-label", total + " in cart");
      badge.hidden = !total;
    });
  }

  function showCart(section, cart) {
    var byProduct = {};
    cart.lines.forEach(function (line) { byProduct[line.product_id] = line; });
    section.querySelectorAll("[data-line]").forEach(function (row) {
      var line = byProduct[row.getAttribute("data-product")];
      if (line) showLine(row, line, cart.currency);
      else row.remove();
    });
    section.querySelector("[data-subtotal]").textContent = money(cart.subtotal, cart.currency);
    section.querySelector("[data-cart-count]").textContent = cart.count;
    showNavCount();
    var problems = section.querySelector("[data-cart-problems]");
    problems.textContent = "";
    cart.problems.forEach(function (text) {
      problems.appendChild(message("problem", text, "p"));
    });
    var checkout = section.querySelector("[data-checkout]");
    checkout.classList.toggle("is-disabled", !cart.can_checkout);
    if (cart.can_checkout) checkout.removeAttribute("aria-disabled");
    else checkout.setAttribute("aria-disabled", "true");
    if (!cart.count) window.location.reload();
  }

  function save(section, row, quantity) {
    var form = row.querySelector("form");
    section.classList.add("is-saving");
    return fetch(form.getAttribute("action"), {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify({ quantity: quantity })
    }).then(function (response) {
      return response.json().then(function (data) {
        if (!response.ok) throw (data && data.error) || { message: "Could not save." };
        showCart(section, data);
      });
    }).catch(function (error) {
      var box = row.querySelector("[data-messages]");
      box.textContent = "";
      var fields = error.fields || {};
      var text = (fields.quantity && fields.quantity[0]) || error.message || "Could not save the quantity.";
      box.appendChild(message("problem", text));
      row.classList.add("cart__row--problem");
      row.querySelector("[data-qty]").setAttribute("aria-invalid", "true");
    }).finally(function () {
      section.classList.remove("is-saving");
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-cart]").forEach(function (section) {
      section.querySelectorAll("[data-line]").forEach(function (row) {
        var input = row.querySelector("[data-qty]");
        var timer = null;
        var last = input.value;
        function queue(delay) {
          clearTimeout(timer);
          timer = setTimeout(function () {
            if (input.value === last || input.value === "") return;
            last = input.value;
            save(section, row, input.value);
          }, delay);
        }
        input.addEventListener("input", function () { queue(450); });
        input.addEventListener("change", function () { queue(0); });
        row.querySelector("form").addEventListener("submit", function (event) {
          event.preventDefault();
          queue(0);
        });
      });
    });
  });
})();
