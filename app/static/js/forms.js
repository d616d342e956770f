// Process forms: show fields only while their condition holds, count attendance and votes as the
// user types, add rows to item lists. The server checks all of it again; without this script every
// field shows and the form still works.
(function () {
  "use strict";
  var form = document.querySelector("form.process-form");
  if (!form) return;

  function currentValue(name) {
    var inputs = form.querySelectorAll('[name="' + CSS.escape(name) + '"]');
    if (!inputs.length) return null;
    var input = inputs[0];
    if (input.type === "checkbox" && inputs.length === 1) return input.checked;
    if (input.type === "radio") {
      var chosen = form.querySelector('[name="' + CSS.escape(name) + '"]:checked');
      return chosen ? chosen.value : null;
    }
    return input.value;
  }

  function applyVisibility() {
    form.querySelectorAll("[data-visible-field]").forEach(function (field) {
      var wanted = JSON.parse(field.dataset.visibleValues);
      var value = currentValue(field.dataset.visibleField);
      var shown = wanted.some(function (w) { return w === value || String(w) === String(value); });
      field.hidden = !shown;
      field.querySelectorAll("input, select, textarea").forEach(function (el) { el.disabled = !shown; });
    });
  }

  function fill(template, values) {
    return template.replace(/\{(\w)\}/g, function (_, key) { return values[key]; });
  }

  function countQuorum(box) {
    var entitled = parseInt(box.querySelector("[data-entitled]").value, 10);
    var present = box.querySelectorAll('input[type="checkbox"]:checked').length;
    var out = box.querySelector("output");
    if (!entitled) { out.textContent = ""; return; }
    var met = present * 2 > entitled;
    out.textContent = fill(met ? out.dataset.textMet : out.dataset.textShort, { p: present, e: entitled });
    out.className = "quorum " + (met ? "met" : "short");
  }

  function countVotes(box) {
    if (box.dataset.excusedFrom) {  // the roll less the members excused with approval
      var excused = form.querySelectorAll('[name="' + CSS.escape(box.dataset.excusedFrom) + '"]:checked').length;
      box.querySelector('[data-part="eligible"]').value = parseInt(box.dataset.roll, 10) - excused;
    }
    var value = function (part) { return parseInt(box.querySelector('[data-part="' + part + '"]').value, 10); };
    var eligible = value("eligible"), votesFor = value("for");
    var out = box.querySelector("output");
    if (!eligible || isNaN(votesFor)) { out.textContent = ""; return; }
    var passed = votesFor * 2 > eligible;
    out.textContent = fill(passed ? out.dataset.textMet : out.dataset.textShort, { f: votesFor, e: eligible });
    out.className = "quorum " + (passed ? "met" : "short");
  }

  function addRow(box) {
    var body = box.querySelector("tbody");
    var last = body.lastElementChild;
    var index = body.children.length;
    var row = last.cloneNode(true);
    row.dataset.row = index;
    row.firstElementChild.textContent = index + 1;
    row.querySelectorAll("input, select, textarea").forEach(function (el) {
      el.name = el.name.replace(/\.\d+\./, "." + index + ".");
      el.id = el.id.replace(/-\d+-/, "-" + index + "-");
      el.removeAttribute("aria-invalid");
      if (el.tagName === "SELECT") el.selectedIndex = 0; else el.value = "";
      el.setAttribute("aria-label", (el.getAttribute("aria-label") || "").replace(/\d+$/, index + 1));
    });
    body.appendChild(row);
    row.querySelector("input, select, textarea").focus();
  }

  form.querySelectorAll("[data-quorum]").forEach(function (box) {
    box.addEventListener("input", function () { countQuorum(box); });
    box.addEventListener("change", function () { countQuorum(box); });
    countQuorum(box);
  });
  form.querySelectorAll("[data-tally]").forEach(function (box) {
    box.addEventListener("input", function () { countVotes(box); });
    if (box.dataset.excusedFrom) form.addEventListener("change", function () { countVotes(box); });
    countVotes(box);
  });
  form.querySelectorAll("[data-items]").forEach(function (box) {
    var button = box.querySelector(".add-row");
    button.hidden = false;
    button.addEventListener("click", function () { addRow(box); });
  });
  form.addEventListener("change", applyVisibility);
  applyVisibility();
})();
