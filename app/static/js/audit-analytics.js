/* Draws a procedure's figures on its model: a badge per user task (times, median waiting and
   working hours) and a colour that deepens with the share of times it ran past its deadline. */
(function () {
  "use strict";
  var box = document.getElementById("analytics");
  if (!box || !window.BpmnJS) { return; }
  var canvasBox = document.getElementById("diagram");
  var figures = JSON.parse(box.dataset.figures || "[]");
  var viewer = new window.BpmnJS({ container: canvasBox });

  function label(f) {
    return box.dataset.text
      .replace("{n}", f.count)
      .replace("{w}", f.wait_median_h === null ? "—" : f.wait_median_h)
      .replace("{k}", f.work_median_h === null ? "—" : f.work_median_h);
  }

  fetch(box.dataset.diagram, { credentials: "same-origin" })
    .then(function (response) { return response.json(); })
    .then(function (data) {
      if (!data.has_layout) {
        canvasBox.textContent = box.dataset.nolayout;
        return null;
      }
      return viewer.importXML(data.xml).then(function () {
        var canvas = viewer.get("canvas");
        var overlays = viewer.get("overlays");
        var registry = viewer.get("elementRegistry");
        canvas.zoom("fit-viewport");
        figures.forEach(function (f) {
          if (!registry.get(f.element)) { return; }
          var heat = Math.min(4, Math.ceil(f.overdue_share * 4));
          canvas.addMarker(f.element, "bf-heat-" + heat);
          var badge = document.createElement("div");
          badge.className = "bf-figure";
          badge.textContent = label(f);
          overlays.add(f.element, { position: { bottom: -4, left: 0 }, html: badge });
        });
        box.setAttribute("data-ready", "true");
      });
    })
    .catch(function (error) {
      canvasBox.textContent = box.dataset.failed;
      console.error(error);
    });
})();
