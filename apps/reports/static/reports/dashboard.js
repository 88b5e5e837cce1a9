/* The dashboard's charts (templates/admin/reports/dashboard_charts.html): each canvas names the
 * json_script element that holds its data (apps/reports/dashboard.py, Table.chart_data), and
 * Chart.js (vendored, reports/vendor/) draws it. No inline script, no network: the page works
 * under a strict Content-Security-Policy. Labels come formatted from the server (Russian days
 * and months); values are formatted here in the page's language. */
(function () {
  "use strict";

  if (typeof window.Chart === "undefined") { return; } // the tables still show everything

  var lang = document.documentElement.lang || "ru";
  var PALETTE = ["#417690", "#e0a526", "#5b9f5b", "#c8553d", "#8b6bb1", "#3aa6a6", "#d17fa8", "#7a7a7a"];
  var whole = new Intl.NumberFormat(lang, { maximumFractionDigits: 0 });
  var precise = new Intl.NumberFormat(lang, { minimumFractionDigits: 0, maximumFractionDigits: 2 });
  var percent = new Intl.NumberFormat(lang, { minimumFractionDigits: 1, maximumFractionDigits: 1 });
  var style = getComputedStyle(document.body);

  window.Chart.defaults.animation = false; // instant, printable, and steady for screenshots
  window.Chart.defaults.color = style.color || "#333";
  window.Chart.defaults.font.family = style.fontFamily || window.Chart.defaults.font.family;

  function formatter(kind, sign) {
    if (kind === "money") { return function (v) { return precise.format(v) + "\u00a0" + sign; }; }
    if (kind === "percent") { return function (v) { return percent.format(v) + "\u00a0%"; }; }
    return function (v) { return whole.format(v); };
  }

  function shortMoney(sign) {
    // Axis ticks: 1,2 млн / 350 тыс. in Russian (Intl's compact notation), the sign after.
    var compact = new Intl.NumberFormat(lang, { notation: "compact", maximumFractionDigits: 1 });
    return function (v) { return compact.format(v) + "\u00a0" + sign; };
  }

  function barChart(canvas, data) {
    var kind = data.series[0].kind;
    var valueAxis = data.horizontal ? "x" : "y";
    var scales = {};
    scales[valueAxis] = {
      beginAtZero: true,
      ticks: { callback: kind === "money" ? shortMoney(data.currency_sign) : formatter(kind, data.currency_sign) }
    };
    scales[data.horizontal ? "y" : "x"] = { ticks: { autoSkip: true, maxRotation: 0 } };
    return new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: data.labels,
        datasets: data.series.map(function (s, i) {
          return { label: s.label, data: s.data, backgroundColor: PALETTE[i % PALETTE.length], borderRadius: 2 };
        })
      },
      options: {
        indexAxis: data.horizontal ? "y" : "x",
        responsive: true,
        maintainAspectRatio: false,
        scales: scales,
        plugins: {
          legend: { display: data.series.length > 1, position: "top" },
          tooltip: {
            callbacks: {
              label: function (ctx) {
                var s = data.series[ctx.datasetIndex];
                return s.label + ": " + formatter(s.kind, data.currency_sign)(ctx.raw);
              }
            }
          }
        }
      }
    });
  }

  function doughnutChart(canvas, data) {
    var s = data.series[0];
    var total = s.data.reduce(function (a, b) { return a + b; }, 0);
    return new window.Chart(canvas, {
      type: "doughnut",
      data: {
        labels: data.labels,
        datasets: [{ label: s.label, data: s.data, backgroundColor: data.labels.map(function (_, i) { return PALETTE[i % PALETTE.length]; }) }]
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        plugins: {
          legend: { position: "right" },
          tooltip: {
            callbacks: {
              label: function (ctx) {
                var share = total ? " (" + percent.format((ctx.raw / total) * 100) + "\u00a0%)" : "";
                return ctx.label + ": " + formatter(s.kind, data.currency_sign)(ctx.raw) + share;
              }
            }
          }
        }
      }
    });
  }

  var canvases = document.querySelectorAll("#reports canvas[data-chart]");
  Array.prototype.forEach.call(canvases, function (canvas) {
    var source = document.getElementById(canvas.getAttribute("data-chart"));
    if (!source) { return; }
    var data = JSON.parse(source.textContent);
    (data.type === "doughnut" ? doughnutChart : barChart)(canvas, data);
    canvas.setAttribute("data-drawn", "true");
  });
})();
