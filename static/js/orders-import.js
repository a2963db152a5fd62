// The order CSV import: upload with a progress bar (XHR upload progress), then show the dry
// run (every bad row, or the orders it will place) in the page. Without this script the
// form posts normally and the page comes back with the same result.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector("[data-import-form]");
    if (!form) return;
    var progress = form.querySelector("[data-progress]");
    var track = progress.querySelector("[role=progressbar]");
    var bar = form.querySelector("[data-progress-bar]");
    var text = form.querySelector("[data-progress-text]");
    var button = form.querySelector("[data-check]");
    var result = document.querySelector("[data-result]");

    function setProgress(percent, label) {
      bar.style.width = percent + "%";
      track.setAttribute("aria-valuenow", String(Math.round(percent)));
      text.textContent = label;
    }

    form.addEventListener("submit", function (event) {
      var file = form.querySelector("input[type=file]").files[0];
      if (!file) return;
      event.preventDefault();
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.getAttribute("action"));
      xhr.setRequestHeader("X-Requested-With", "XMLHttpRequest");
      xhr.upload.addEventListener("progress", function (e) {
        if (e.lengthComputable) {
          var percent = (e.loaded / e.total) * 100;
          setProgress(percent, percent >= 100 ? "Checking every row…" : "Uploading… " + Math.round(percent) + "%");
        }
      });
      xhr.upload.addEventListener("load", function () { setProgress(100, "Checking every row…"); });
      xhr.addEventListener("load", function () {
        button.disabled = false;
        if (xhr.status === 200 || xhr.status === 422) {
          result.innerHTML = xhr.responseText;
          setProgress(100, xhr.status === 200 ? "Checked: ready to import." : "Checked: see the problems below.");
          result.scrollIntoView({ behavior: "smooth", block: "start" });
        } else {
          setProgress(0, "The upload failed (" + xhr.status + "). Try again.");
        }
      });
      xhr.addEventListener("error", function () {
        button.disabled = false;
        setProgress(0, "The upload failed. Check your connection and try again.");
      });
      progress.hidden = false;
      button.disabled = true;
      result.textContent = "";
      setProgress(0, "Uploading…");
      xhr.send(new FormData(form));
    });
  });
})();
