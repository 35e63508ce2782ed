/* Bar charts drawn with the local ECharts copy.
 *
 * Markup: <div data-chart="bar" data-chart-source="ID" style="height: 360px"></div>, where ID is the
 * id of a json_script element holding {"categories": [...], "series": [{"name": ..., "values": [...]}]}.
 * Categories run down the vertical axis, so long city names stay readable on a phone.
 */
(function () {
  "use strict";

  var PALETTE = ["#0d6efd", "#20c997", "#fd7e14", "#6f42c1", "#dc3545"];

  function draw(element) {
    if (typeof echarts === "undefined" || element.dataset.chartDrawn) {
      return;
    }
    var source = document.getElementById(element.dataset.chartSource);
    if (!source) {
      return;
    }
    var data = JSON.parse(source.textContent);
    var categories = data.categories.slice().reverse(); // first category on top
    var series = data.series.map(function (item, index) {
      return {
        name: item.name,
        type: "bar",
        data: item.values.slice().reverse(),
        itemStyle: { color: PALETTE[index % PALETTE.length] },
        label: {
          show: true,
          position: "right",
          fontSize: 11,
          formatter: function (params) {
            return params.value ? String(params.value) : ""; // no clutter of zeros
          },
        },
        barMaxWidth: 18,
      };
    });
    var chart = echarts.init(element, null, { renderer: "svg" });
    chart.setOption({
      animation: false,
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { show: series.length > 1, top: 0 },
      grid: { left: 8, right: 40, top: series.length > 1 ? 32 : 8, bottom: 8, containLabel: true },
      xAxis: { type: "value", minInterval: 1, axisLabel: { hideOverlap: true } },
      yAxis: {
        type: "category",
        data: categories,
        axisTick: { show: false },
        // long names (offices, clients) keep at most 40 % of a narrow chart; the tooltip has them whole
        axisLabel: { width: Math.max(element.clientWidth * 0.4, 80), overflow: "truncate" },
      },
      series: series,
    });
    element.dataset.chartDrawn = "1";
    window.addEventListener("resize", function () {
      chart.resize();
    });
  }

  function drawAll(root) {
    (root || document).querySelectorAll("[data-chart]").forEach(draw);
  }

  document.addEventListener("DOMContentLoaded", function () {
    drawAll(document);
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    drawAll(event.target);
  });
  window.cpahubCharts = { drawAll: drawAll };
})();
