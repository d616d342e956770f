/* Dashboard charts (app/templates/levels/dashboard.html): ECharts from app/static/vendor/echarts.
 * The numbers come from /dashboard/data.json (the same level-history queries as the tables on the
 * page); no inline script, as the Content-Security-Policy requires. */
(function () {
  "use strict";

  var COLOURS = {
    model: "#8b1a1a",
    red_flag: "#d7263d",
    standardised: "#f0a030",
    basic: "#7fa86b",
    not_up_to_standard: "#9aa0a6"
  };

  function series(data, key, type) {
    return data.levels.map(function (level) {
      return {
        name: level.label,
        type: type,
        stack: type === "bar" && key === "by_unit" ? "levels" : undefined,
        itemStyle: { color: COLOURS[level.key] },
        emphasis: { focus: "series" },
        data: data[key][level.key]
      };
    });
  }

  function draw(holder, data) {
    var units = echarts.init(holder.querySelector("#chart-units"));
    units.setOption({
      title: { text: data.titles.units, left: "center", textStyle: { fontSize: 14 } },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { top: 28 },
      grid: { top: 70, left: 40, right: 20, bottom: 80 },
      xAxis: { type: "category", data: data.units, axisLabel: { interval: 0, rotate: 30 } },
      yAxis: { type: "value", minInterval: 1 },
      series: series(data, "by_unit", "bar")
    });
    var years = echarts.init(holder.querySelector("#chart-years"));
    years.setOption({
      title: { text: data.titles.years, left: "center", textStyle: { fontSize: 14 } },
      tooltip: { trigger: "axis" },
      legend: { top: 28 },
      grid: { top: 70, left: 40, right: 20, bottom: 40 },
      xAxis: { type: "category", data: data.years },
      yAxis: { type: "value", minInterval: 1 },
      series: series(data, "by_year", "bar")
    });
    window.addEventListener("resize", function () {
      units.resize();
      years.resize();
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var holder = document.getElementById("dashboard-charts");
    if (!holder || typeof echarts === "undefined") {
      return;
    }
    fetch(holder.getAttribute("data-src"), {
      credentials: "same-origin",
      headers: { Accept: "application/json" }
    })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.json();
      })
      .then(function (data) {
        draw(holder, data);
      })
      .catch(function () {
        holder.classList.add("chart-failed");
      });
  });
})();
