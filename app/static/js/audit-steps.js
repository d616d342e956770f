/* Steps an auditor through an instance's history on its diagram: the slider picks a step, the
   diagram marks where the tokens were after it, and the table lists what the step changed.
   Everything comes from the audit JSON routes of the same origin; no inline script. */
(function () {
  "use strict";
  var box = document.getElementById("stepper");
  var slider = document.getElementById("step-slider");
  if (!box || !slider || !window.BpmnJS) { return; }
  var canvasBox = document.getElementById("diagram");
  var number = document.getElementById("step-number");
  var caption = document.getElementById("step-caption");
  var changes = document.querySelector("#step-changes tbody");
  var viewer = new window.BpmnJS({ container: canvasBox });
  var marked = [];
  var pending = 0;

  function text(value) {
    if (value === null || value === undefined) { return "—"; }
    return typeof value === "string" ? value : JSON.stringify(value);
  }

  function cell(row, value) {
    var td = document.createElement("td");
    td.textContent = value;
    row.appendChild(td);
  }

  function showChanges(list) {
    changes.textContent = "";
    if (!list.length) {
      var row = document.createElement("tr");
      cell(row, box.dataset.empty);
      row.firstChild.colSpan = 3;
      changes.appendChild(row);
      return;
    }
    list.forEach(function (change) {
      var row = document.createElement("tr");
      cell(row, change.label);
      cell(row, text(change.before));
      cell(row, text(change.after));
      changes.appendChild(row);
    });
  }

  function mark(states) {
    var canvas = viewer.get("canvas");
    var registry = viewer.get("elementRegistry");
    marked.forEach(function (pair) { canvas.removeMarker(pair[0], pair[1]); });
    marked = [];
    Object.keys(states).forEach(function (id) {
      if (registry.get(id)) {
        canvas.addMarker(id, "bf-" + states[id]);
        marked.push([id, "bf-" + states[id]]);
      }
    });
  }

  function show(seq) {
    var ticket = ++pending;
    number.textContent = seq;
    var row = document.querySelector('tr[data-seq="' + seq + '"]');
    caption.textContent = row ? row.dataset.caption : "";
    document.querySelectorAll("tr.current-step").forEach(function (r) { r.classList.remove("current-step"); });
    if (row) { row.classList.add("current-step"); }
    fetch(box.dataset.step.replace(/0\.json$/, seq + ".json"), { credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (step) {
        if (ticket !== pending) { return; }  // a later step was asked for meanwhile
        if (box.dataset.layout === "true") { mark(step.states); }
        showChanges(step.changes);
        box.setAttribute("data-shown", String(seq));
      });
  }

  fetch(box.dataset.diagram, { credentials: "same-origin" })
    .then(function (response) { return response.json(); })
    .then(function (data) {
      box.dataset.layout = String(data.has_layout);
      if (!data.has_layout) {
        canvasBox.textContent = box.dataset.nolayout;
        return null;
      }
      return viewer.importXML(data.xml).then(function () {
        viewer.get("canvas").zoom("fit-viewport");
      });
    })
    .catch(function (error) {
      canvasBox.textContent = box.dataset.failed;
      console.error(error);
    })
    .then(function () { show(parseInt(slider.value, 10)); });

  slider.addEventListener("input", function () { show(parseInt(slider.value, 10)); });
})();
