/* Dashboard charts (Chart.js, served from static/vendor/). The data is in
   <script id="dashboard-data">; without JavaScript the tables next to the canvases show. */
(function () {
  "use strict";
  function ready(fn) {
    if (document.readyState !== "loading") fn();
    else document.addEventListener("DOMContentLoaded", fn);
  }
  var palette = ["#4f46e5", "#0ea5e9", "#16a34a", "#f59e0b", "#db2777", "#64748b"];

  // Definitions: a tap or click on "?" pins its tip open (hover and focus show it too);
  // Escape or a click elsewhere closes it.
  function closeTips(except) {
    document.querySelectorAll(".dash-info[aria-expanded='true']").forEach(function (button) {
      if (button === except) return;
      button.setAttribute("aria-expanded", "false");
      document.getElementById(button.dataset.def).classList.remove("is-open");
    });
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest(".dash-info");
    closeTips(button);
    if (!button) return;
    var open = button.getAttribute("aria-expanded") !== "true";
    button.setAttribute("aria-expanded", open ? "true" : "false");
    document.getElementById(button.dataset.def).classList.toggle("is-open", open);
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    closeTips(null);
    var active = document.activeElement;
    if (active && active.classList.contains("dash-info")) active.blur();
  });

  ready(function () {
    var node = document.getElementById("dashboard-data");
    if (!node || typeof window.Chart === "undefined") return;
    var data = JSON.parse(node.textContent || "{}");
    document.documentElement.classList.add("has-charts");
    var Chart = window.Chart;
    Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
    Chart.defaults.color = "#646b78";
    var common = {
      responsive: true, maintainAspectRatio: false, animation: false,
      plugins: { legend: { display: false } },
      scales: { x: { grid: { display: false } }, y: { beginAtZero: true, ticks: { precision: 0 } } }
    };
    var revenue = document.getElementById("revenue-chart");
    if (revenue && data.revenue) {
      new Chart(revenue, {
        type: "bar",
        data: { labels: data.revenue.labels,
                datasets: [{ data: data.revenue.data, backgroundColor: palette[0], borderRadius: 4 }] },
        options: common
      });
    }
    var spend = document.getElementById("spend-chart");
    if (spend && data.spend) {
      new Chart(spend, {
        type: "bar",
        data: { labels: data.spend.labels,
                datasets: data.spend.series.map(function (s, i) {
                  return { label: s.label, data: s.data, backgroundColor: palette[i % palette.length],
                           borderRadius: 3 };
                }) },
        options: Object.assign({}, common, {
          plugins: { legend: { display: data.spend.series.length > 1, position: "bottom" } },
          scales: { x: { stacked: true, grid: { display: false } }, y: { stacked: true, beginAtZero: true } }
        })
      });
    }
  });
})();
