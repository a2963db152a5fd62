// Order forms (checkout, phone orders): add and remove rows of contacts or lines from a
// <template>, submit once (the server also refuses a second order for the same form), and
// pick a customer without a Continue button.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function setupRows(group) {
    var list = group.querySelector("[data-rows-list]");
    var template = group.querySelector("[data-row-template]");
    var add = group.querySelector("[data-add-row]");
    if (!list || !template || !add) return;
    var next = list.querySelectorAll("[data-row]").length;

    function wire(row) {
      var remove = row.querySelector("[data-remove-row]");
      if (!remove) return;
      remove.hidden = false;
      remove.addEventListener("click", function () {
        var rows = list.querySelectorAll("[data-row]");
        if (rows.length > 1) {
          row.remove();
        } else {
          row.querySelectorAll("input, select").forEach(function (input) { input.value = ""; });
        }
      });
    }

    list.querySelectorAll("[data-row]").forEach(wire);
    add.hidden = false;
    add.addEventListener("click", function () {
      var html = template.innerHTML.replace(/__i__/g, String(next++));
      var holder = document.createElement("ol");
      holder.innerHTML = html.trim();
      var row = holder.firstElementChild;
      list.appendChild(row);
      wire(row);
      var first = row.querySelector("input, select");
      if (first) first.focus();
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-rows]").forEach(setupRows);

    document.querySelectorAll("form[data-once]").forEach(function (form) {
      form.addEventListener("submit", function () {
        var button = form.querySelector("[data-submit]");
        if (!button) return;
        setTimeout(function () {
          button.disabled = true;
          button.setAttribute("aria-busy", "true");
        }, 0);
      });
    });

    document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
      select.addEventListener("change", function () {
        if (select.value) select.form.submit();
      });
    });
  });
})();
