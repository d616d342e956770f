// Long task forms (the self-assessment above all): the running total against the level
// thresholds, each section's subtotal, notes marked required while their score is below full
// marks (reasons while a measured score is changed), the section being read highlighted, and a
// draft saved a moment after the user stops typing. The server checks and sums everything again;
// without this script the form still works.
(function () {
  "use strict";
  var form = document.querySelector("form.process-form");
  if (!form) return;
  var AUTOSAVE_DELAY_MS = 1500;

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_, key) { return values[key]; });
  }

  function number(name) {
    var input = form.elements.namedItem(name);
    if (!input || input.disabled || input.value === undefined) return null;
    var text = String(input.value).trim().replace("．", ".");
    if (text === "") return null;
    var value = Number(text);
    return isFinite(value) ? value : null;
  }

  function round(value) { return Math.round(value * 100) / 100; }

  function markNeeded() {
    form.querySelectorAll("[data-needed-when]").forEach(function (field) {
      var score = number(field.dataset.neededWhen);
      var needed = "neededBelow" in field.dataset
        ? score !== null && score < Number(field.dataset.neededBelow)  // a note below full marks
        : score !== null && score !== Number(field.dataset.neededUnless);  // a measured value changed
      var mark = field.querySelector("[data-needed-mark]");
      if (mark) mark.hidden = !needed;
      field.classList.toggle("is-needed", needed);
    });
  }

  var totalBox = document.querySelector("[data-running-total]");
  var tally = totalBox ? JSON.parse(totalBox.dataset.runningTotal) : null;

  function levelText(total) {
    var reached = null, next = null;
    tally.thresholds.forEach(function (t) {  // highest first
      if (total >= t.score) { reached = reached || t; } else { next = t; }
    });
    var parts = [];
    if (reached) parts.push(fill(totalBox.dataset.textReached, { level: reached.label, score: reached.score }));
    if (next && reached) {
      parts.push(fill(totalBox.dataset.textNext, { gap: round(next.score - total), level: next.label, score: next.score }));
    } else if (next) {
      parts.push(fill(totalBox.dataset.textBelow, { level: next.label, score: next.score }));
    }
    return parts;
  }

  function showTotal() {
    if (!tally) return;
    var base = 0, missing = 0;
    tally.fields.forEach(function (name) {
      var value = number(name);
      if (value === null) { missing += 1; } else { base += value; }
    });
    var bonus = tally.bonus ? number(tally.bonus) || 0 : 0;
    if (tally.bonusCap !== null) bonus = Math.min(bonus, tally.bonusCap);
    var total = round(base + bonus);
    var parts = [fill(totalBox.dataset.textTotal, { total: total, base: round(base), bonus: round(bonus) })];
    parts = parts.concat(levelText(total));
    if (missing) parts.push(fill(totalBox.dataset.textMissing, { n: missing }));
    totalBox.textContent = parts.join(" · ");
    totalBox.dataset.total = total;
  }

  function showSubtotals() {
    if (!tally) return;
    document.querySelectorAll("[data-subtotal-of]").forEach(function (out) {
      var section = document.getElementById(out.dataset.subtotalOf);
      var sum = 0, full = 0, any = false;
      tally.fields.forEach(function (name) {
        var input = form.elements.namedItem(name);
        if (!input || !section || !section.contains(input)) return;
        any = true;
        sum += number(name) || 0;
        full += tally.maxima[name] || 0;
      });
      out.textContent = any ? round(sum) + "/" + round(full) : "";
    });
  }

  function followSections() {
    var links = document.querySelectorAll("[data-section-link]");
    if (!links.length || !window.IntersectionObserver) return;
    var observer = new IntersectionObserver(function (entries) {
      entries.forEach(function (entry) {
        if (!entry.isIntersecting) return;
        links.forEach(function (link) {
          var current = link.dataset.sectionLink === entry.target.id;
          link.classList.toggle("current", current);
          if (!current) { link.removeAttribute("aria-current"); return; }
          link.setAttribute("aria-current", "location");
          link.parentNode.scrollLeft = link.offsetLeft - link.parentNode.offsetLeft;  // phones: one scrolling row
        });
      });
    }, { rootMargin: "-30% 0px -60% 0px" });
    links.forEach(function (link) {
      var section = document.getElementById(link.dataset.sectionLink);
      if (section) observer.observe(section);
    });
  }

  var status = form.querySelector(".autosave-status");
  var timer = null;

  function autosave() {
    var data = new FormData();
    new FormData(form).forEach(function (value, key) {  // text only: files go up on submit
      if (typeof value === "string" && key !== "action") data.append(key, value);
    });
    data.append("action", "autosave");
    // form.getAttribute, not form.action: the draft button is named "action"
    var options = { method: "POST", body: data, credentials: "same-origin", headers: { Accept: "application/json" } };
    fetch(form.getAttribute("action"), options)
      .then(function (response) { return response.json(); })
      .then(function (body) { status.textContent = body.message || form.dataset.textFailed; })
      .catch(function () { status.textContent = form.dataset.textFailed; });
  }

  function changed(event) {
    if (event.target.type === "file") return;
    markNeeded();
    showTotal();
    showSubtotals();
    if (form.hasAttribute("data-autosave") && status) {
      clearTimeout(timer);
      timer = setTimeout(autosave, AUTOSAVE_DELAY_MS);
    }
  }

  form.addEventListener("input", changed);
  form.addEventListener("change", changed);
  form.addEventListener("submit", function () { clearTimeout(timer); });
  markNeeded();
  showTotal();
  showSubtotals();
  followSections();
})();
