/* Draws the BPMN diagram of an instance and marks each element: done, active or incident.
   The XML and states come from the instance's diagram.json (same origin; no inline script). */
(function () {
  "use strict";
  var box = document.getElementById("diagram");
  if (!box || !window.BpmnJS) { return; }
  var viewer = new window.BpmnJS({ container: box });
  fetch(box.dataset.src, { credentials: "same-origin" })
    .then(function (response) { return response.json(); })
    .then(function (data) {
      if (!data.has_layout) {
        box.textContent = box.dataset.nolayout;
        box.setAttribute("data-ready", "none");
        return null;
      }
      return viewer.importXML(data.xml).then(function () {
        var canvas = viewer.get("canvas");
        var registry = viewer.get("elementRegistry");
        canvas.zoom("fit-viewport");
        Object.keys(data.states).forEach(function (id) {
          if (registry.get(id)) { canvas.addMarker(id, "bf-" + data.states[id]); }
        });
        box.setAttribute("data-ready", "true");
      });
    })
    .catch(function (error) {
      box.textContent = box.dataset.failed || "diagram unavailable";
      console.error(error);
    });
})();
