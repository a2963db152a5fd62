// The CSV import page: upload with a progress bar (XHR), show the dry run (every bad row,
// or a preview), then import the same file for real — all or nothing, on the server.
(function () {
  "use strict";

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) { node.setAttribute(key, attrs[key]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function table(headers, rows) {
    var wrap = el("div", { class: "table-wrap" });
    var t = el("table", { class: "table" });
    var head = el("tr");
    headers.forEach(function (h) { head.appendChild(el("th", { scope: "col" }, h)); });
    t.appendChild(el("thead")).appendChild(head);
    var body = el("tbody");
    rows.forEach(function (cells) {
      var tr = el("tr");
      cells.forEach(function (c) { tr.appendChild(el("td", {}, c === null || c === undefined ? "" : String(c))); });
      body.appendChild(tr);
    });
    t.appendChild(body);
    wrap.appendChild(t);
    return wrap;
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector("[data-import-form]");
    if (!form) return;
    var fileInput = form.querySelector("input[type=file]");
    var checkButton = form.querySelector("[data-check]");
    var applyButton = form.querySelector("[data-apply]");
    var applyLabel = form.querySelector("[data-apply-label]");
    var progress = form.querySelector("[data-progress]");
    var bar = form.querySelector("[data-progress-bar]");
    var track = progress.querySelector("[role=progressbar]");
    var progressText = form.querySelector("[data-progress-text]");
    var result = document.querySelector("[data-result]");
    var busy = false;

    function kind() { return form.querySelector("input[name=kind]:checked").value; }
    function endpoint(dryRun) {
      var k = kind();
      var query = "?dry_run=" + (dryRun ? "true" : "false");
      if (k === "products") return "/api/v1/products/import" + query;
      return "/api/v1/stock/import" + query + "&mode=" + (k === "stock-add" ? "add" : "set");
    }
    function showHelp() {
      var stock = kind() !== "products";
      document.querySelector("[data-help=products]").hidden = stock;
      document.querySelector("[data-help=stock]").hidden = !stock;
    }
    form.querySelectorAll("input[name=kind]").forEach(function (r) {
      r.addEventListener("change", function () { showHelp(); reset(); });
    });
    fileInput.addEventListener("change", reset);
    showHelp();

    function reset() {
      applyButton.hidden = true;
      result.replaceChildren();
    }

    function setProgress(fraction, text) {
      var pct = Math.round(fraction * 100);
      bar.style.width = pct + "%";
      track.setAttribute("aria-valuenow", String(pct));
      progressText.textContent = text;
    }

    function send(dryRun) {
      var file = fileInput.files[0];
      if (!file) {
        fileInput.focus();
        result.replaceChildren(el("div", { class: "alert alert--error", role: "alert" }, "Choose a CSV file first."));
        return;
      }
      if (busy) return;
      busy = true;
      checkButton.disabled = applyButton.disabled = true;
      progress.hidden = false;
      setProgress(0, dryRun ? "Uploading the file to check it…" : "Uploading…");
      var data = new FormData();
      data.append("file", file);
      var xhr = new XMLHttpRequest();
      xhr.open("POST", endpoint(dryRun));
      xhr.setRequestHeader("X-CSRFToken", window.Ordertalk ? window.Ordertalk.csrfToken() : "");
      xhr.setRequestHeader("Accept", "application/json");
      xhr.upload.addEventListener("progress", function (event) {
        if (event.lengthComputable) {
          var done = event.loaded / event.total;
          setProgress(done * 0.9, done < 1 ? "Uploading… " + Math.round(done * 100) + " %"
            : (dryRun ? "Checking every row…" : "Importing…"));
        }
      });
      xhr.addEventListener("load", function () {
        busy = false;
        checkButton.disabled = applyButton.disabled = false;
        var body = {};
        try { body = JSON.parse(xhr.responseText); } catch (e) { body = {}; }
        setProgress(1, xhr.status === 200 ? "Done." : "Stopped.");
        if (xhr.status === 200) {
          render(body, dryRun);
        } else {
          renderError(body.error || { message: "The server answered " + xhr.status + "." });
        }
      });
      xhr.addEventListener("error", function () {
        busy = false;
        checkButton.disabled = applyButton.disabled = false;
        setProgress(0, "");
        renderError({ message: "The upload failed: check your connection and try again." });
      });
      xhr.send(data);
    }

    function renderError(error) {
      applyButton.hidden = true;
      var box = el("div", { class: "alert alert--error", role: "alert" });
      var text = el("div");
      text.appendChild(el("p", {}, error.message || "That didn't work."));
      var fields = error.fields || {};
      var list = el("ul", { class: "error-list" });
      Object.keys(fields).slice(0, 200).forEach(function (key) {
        list.appendChild(el("li", {}, key.replace(/^rows\./, "row ").replace(/\./g, ", ") + ": " + fields[key].join(" ")));
      });
      if (list.children.length) text.appendChild(list);
      box.appendChild(text);
      result.replaceChildren(box);
    }

    function render(report, dryRun) {
      var nodes = [];
      var what = report.kind === "products" ? "product" : "stock line";
      if (!report.ok) {
        applyButton.hidden = true;
        nodes.push(el("div", { class: "alert alert--error", role: "alert" },
          report.error_count + " problem" + (report.error_count > 1 ? "s" : "") + " in " +
          report.rows + " rows. Nothing was changed: fix the file and check it again."));
        var errors = report.errors.map(function (e) { return [e.row, e.column || "—", e.message]; });
        var card = el("div", { class: "card" });
        card.appendChild(table(["Row", "Column", "Problem"], errors));
        nodes.push(card);
        if (report.error_count > report.errors.length) {
          nodes.push(el("p", { class: "muted small" }, "… and " + (report.error_count - report.errors.length) + " more."));
        }
      } else if (dryRun) {
        var summary = report.kind === "products"
          ? report.creates + " new and " + report.updates + " updated " + what + "s"
          : report.updates + " change" + (report.updates === 1 ? "" : "s") + ", " + report.unchanged + " unchanged";
        nodes.push(el("div", { class: "alert alert--success", role: "status" },
          "All " + report.rows + " rows are fine: " + summary + ". Nothing is changed until you import."));
        applyLabel.textContent = "Import " + report.rows + " rows";
        applyButton.hidden = false;
        if (report.preview.length) {
          var columns = (report.preview_columns && report.preview_columns.length)
            ? report.preview_columns : Object.keys(report.preview[0]);
          var rows = report.preview.map(function (row) { return columns.map(function (c) { return row[c]; }); });
          var previewCard = el("div", { class: "card" });
          previewCard.appendChild(el("p", { class: "card__header card__title" },
            "Preview" + (report.rows > report.preview.length ? " (first " + report.preview.length + " rows)" : "")));
          previewCard.appendChild(table(columns.map(function (c) { return c.replace(/_/g, " "); }), rows));
          nodes.push(previewCard);
        }
      } else {
        applyButton.hidden = true;
        var done = report.kind === "products"
          ? report.creates + " added, " + report.updates + " updated."
          : report.updates + " stock level" + (report.updates === 1 ? "" : "s") + " changed.";
        var ok = el("div", { class: "alert alert--success", role: "status" }, "Imported " + report.rows + " rows: " + done + " ");
        var link = el("a", { href: report.kind === "products" ? "/catalog" : "/inventory" }, report.kind === "products" ? "See the catalog" : "See the stock");
        ok.appendChild(link);
        nodes.push(ok);
        fileInput.value = "";
      }
      result.replaceChildren.apply(result, nodes);
    }

    form.addEventListener("submit", function (event) { event.preventDefault(); send(true); });
    applyButton.addEventListener("click", function () { send(false); });
  });
})();
