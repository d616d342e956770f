// The form editor (templates/designer/_form_editor.html): edits a forms/<key>.json definition as
// a field list with properties, or as raw JSON, and asks the server for its checks and a preview
// rendered by the task page's own macros. The definition object itself is the editor's state, so
// the JSON tab and the lists always show the same thing. The contract is in the partial.

import * as edits from "./form-editor-doc.js";
import { kindOf } from "./form-editor-kinds.js";
import { renderFieldList } from "./form-editor-list.js";
import { renderColumns, renderOptions } from "./form-editor-tables.js";

const DELAY_MS = 600;

function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  if (meta) return meta.content;
  const field = document.querySelector('input[name="csrf_token"]');
  return field ? field.value : "";
}

async function postJson(url, body) {
  const response = await fetch(url, {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken(), Accept: "application/json" },
    body: JSON.stringify(body),
  });
  if (!response.ok && response.status !== 422) throw new Error(String(response.status));
  return response.json();
}

// JSON the lists can show: an object whose fields, if any, are objects by name (the server names
// every other problem; this only keeps the editor from drawing what is not a field).
function editable(typed) {
  const isObject = (v) => Boolean(v) && typeof v === "object" && !Array.isArray(v);
  if (!isObject(typed)) return false;
  const props = typed.schema && typed.schema.properties;
  if (typed.schema !== undefined && !isObject(typed.schema)) return false;
  if (typed.ui !== undefined && !isObject(typed.ui)) return false;
  const sections = typed.ui && typed.ui.sections;
  if (sections !== undefined && !(Array.isArray(sections) && sections.every(isObject))) return false;
  return props === undefined || (isObject(props) && Object.values(props).every(isObject));
}

class FormEditor {
  constructor(root) {
    this.root = root;
    this.text = root.dataset;
    this.readOnly = root.dataset.readOnly === "true";
    this.doc = { title: "", schema: { type: "object", properties: {}, required: [] }, ui: {} };
    this.selected = null;
    this.problems = [];
    this.tried = false;
    this.timer = null;
  }

  $(selector) { return this.root.querySelector(selector); }

  get props() { return this.doc.schema.properties; }

  async load() {
    this.status(this.text.textLoading);
    const response = await fetch(this.text.formUrl, { credentials: "same-origin", headers: { Accept: "application/json" } });
    if (!response.ok) { this.status(this.text.textFailed); return; }
    this.setDoc(await response.json());
    this.status("");
    this.wire();
    this.changed({ later: false });
  }

  setDoc(doc) {
    doc.schema = doc.schema && typeof doc.schema === "object" ? doc.schema : { type: "object" };
    doc.schema.properties = doc.schema.properties || {};
    doc.ui = doc.ui && typeof doc.ui === "object" ? doc.ui : {};
    this.doc = doc;
    if (this.selected && !(this.selected in this.props)) this.selected = null;
  }

  status(message, kind) {
    const el = this.$("[data-fe-status]");
    el.textContent = message || "";
    el.dataset.kind = kind || "";
  }

  moveField(name, step) {
    if (!edits.moveField(this.doc, name, step)) return;
    this.changed();
    this.focusLater(`[data-field-row="${CSS.escape(name)}"]`, step);
  }

  moveSection(index, step) {
    if (!edits.moveSection(this.doc, index, step)) return;
    this.changed();
    this.focusLater(`[data-section-row="${index + step}"]`, step);
  }

  // Keyboard users keep their place: the same button on the moved row, else its first control.
  focusLater(row, step) {
    const target = this.$(`${row} [data-move="${step}"]`);
    if (target && !target.disabled) target.focus();
    else { const other = this.$(`${row} button:not([disabled]), ${row} input`); if (other) other.focus(); }
  }

  addField() {
    this.selected = edits.addField(this.doc);
    this.changed();
    const first = this.$('[data-fe-props] [data-prop="title"]');
    if (first) first.focus();
  }

  removeField(name) {
    edits.removeField(this.doc, name);
    if (this.selected === name) this.selected = null;
    this.changed();
    const add = this.$('[data-fe-action="add-field"]');
    if (add) add.focus();
  }

  addSection() {
    edits.addSection(this.doc);
    this.changed();
    const inputs = this.root.querySelectorAll("[data-section-title]");
    if (inputs.length) inputs[inputs.length - 1].focus();
  }

  button(label, attrs, onClick) {
    const b = document.createElement("button");
    b.type = "button";
    b.textContent = label.text;
    if (label.aria) b.setAttribute("aria-label", label.aria);
    Object.entries(attrs).forEach(([k, v]) => b.setAttribute(k, v));
    b.disabled = this.readOnly;
    b.addEventListener("click", onClick);
    return b;
  }

  problemsAt(prefixes) {
    return this.problems.filter((p) => prefixes.some((prefix) => p.path === prefix || p.path.startsWith(prefix + ".")));
  }

  fieldPrefixes(name) {
    return [`schema.properties.${name}`, `ui.visibleWhen.${name}`, `ui.widgets.${name}`];
  }

  renderFields() { renderFieldList(this); }

  renderProps() {
    const box = this.$("[data-fe-props]");
    box.replaceChildren();
    this.$("[data-fe-nothing]").hidden = Boolean(this.selected);
    if (!this.selected) return;
    const name = this.selected;
    const spec = this.props[name];
    const kind = kindOf(spec, (this.doc.ui.widgets || {})[name]);
    box.append(this.$("[data-fe-props-template]").content.cloneNode(true));
    box.querySelectorAll("[data-kinds]").forEach((row) => { row.hidden = !row.dataset.kinds.split(" ").includes(kind); });
    const visible = box.querySelector('[data-prop="visible-field"]');
    Object.keys(this.props).filter((n) => n !== name).forEach((n) => visible.append(new Option(n, n)));
    box.querySelectorAll("[data-prop]").forEach((input) => {
      this.showValue(input, name, spec, kind);
      input.disabled = this.readOnly;
      input.addEventListener(input.tagName === "SELECT" || input.type === "checkbox" ? "change" : "input", () => this.setProp(input, this.selected)); // renamed as typed
    });
    if (kind === "enum" || kind === "multi_enum") renderOptions(this, box, spec);
    if (kind === "items") renderColumns(this, box, spec);
    box.querySelectorAll("[data-fe-action]").forEach((b) => { b.disabled = this.readOnly; });
    const list = box.querySelector("[data-fe-field-problems]");
    this.problemsAt(this.fieldPrefixes(name)).forEach((p) => list.append(Object.assign(document.createElement("li"), { textContent: `${p.path}: ${p.message}` })));
  }

  showValue(input, name, spec, kind) {
    const prop = input.dataset.prop;
    const rule = (this.doc.ui.visibleWhen || {})[name] || {};
    const values = {
      key: name,
      kind,
      required: (this.doc.schema.required || []).includes(name),
      "visible-field": rule.field || "",
      "visible-values": (rule.in || ("equals" in rule ? [rule.equals] : [])).map((v) => (typeof v === "string" ? v : JSON.stringify(v))).join(", "),
    };
    const value = prop in values ? values[prop] : spec[prop];
    if (input.type === "checkbox") input.checked = Boolean(value);
    else input.value = Array.isArray(value) ? value.join(", ") : value === undefined || value === null ? "" : value;
  }

  setProp(input, name) {
    const prop = input.dataset.prop;
    const box = this.$("[data-fe-props]");
    if (prop === "key") {
      const wanted = input.value.trim();
      const renamed = wanted === name || edits.renameField(this.doc, name, wanted);
      input.setAttribute("aria-invalid", String(!renamed));
      if (!renamed || wanted === name) return;
      this.selected = wanted;
    } else if (prop === "kind") {
      edits.setKind(this.doc, name, input.value);
      return this.changed();
    } else if (prop === "required") {
      edits.setRequired(this.doc, name, input.checked);
    } else if (prop.startsWith("visible-")) {
      const field = box.querySelector('[data-prop="visible-field"]').value;
      edits.setVisibility(this.doc, name, field, box.querySelector('[data-prop="visible-values"]').value);
    } else {
      this.setSpecProp(this.props[name], prop, input);
    }
    this.changed({ props: false });
  }

  // A schema keyword typed in: a number, a comma-separated list or text; left empty, removed.
  setSpecProp(spec, prop, input) {
    let value = input.type === "checkbox" ? input.checked : input.value;
    if (input.dataset.type === "number") value = input.value === "" ? "" : Number(input.value);
    if (input.dataset.type === "list") value = input.value.split(",").map((s) => s.trim()).filter(Boolean);
    if (value === "" || value === false || (Array.isArray(value) && !value.length)) delete spec[prop];
    else spec[prop] = value;
  }

  renderFormTexts() {
    this.root.querySelectorAll("[data-form-prop]").forEach((input) => {
      if (document.activeElement !== input) input.value = this.doc[input.dataset.formProp] || "";
    });
  }

  renderJson() {
    const area = this.$("[data-fe-json]");
    if (document.activeElement !== area) area.value = JSON.stringify(this.doc, null, 2);
  }

  renderProblems() {
    const list = this.$("[data-fe-problems]");
    list.replaceChildren();
    this.problems.forEach((p) => {
      const item = document.createElement("li");
      const name = (p.path.match(/^(?:schema\.properties|ui\.visibleWhen|ui\.widgets)\.([^.]+)/) || [])[1];
      const place = document.createElement(name && name in this.props ? "button" : "code");
      place.textContent = p.path || this.text.textFormLevel;
      if (place.tagName === "BUTTON") {
        place.type = "button";
        place.className = "link";
        place.addEventListener("click", () => { this.selected = name; this.renderFields(); this.renderProps(); });
      }
      item.append(place, document.createTextNode(` ${p.message}`));
      list.append(item);
    });
  }

  // After each edit: redraw what shows the definition, then ask for a preview a moment later.
  // ``props``/``list`` false keep the properties panel or the field list (and the input being
  // typed in) as they are.
  changed({ later = true, props = true, list = true } = {}) {
    if (list) this.renderFields();
    if (props) this.renderProps();
    this.renderFormTexts();
    this.renderJson();
    clearTimeout(this.timer);
    if (later) this.timer = setTimeout(() => this.preview(), DELAY_MS);
    else this.preview();
  }

  sampleInput() {
    const data = {};
    this.$("[data-fe-preview]").querySelectorAll("input[name], select[name], textarea[name]").forEach((el) => {
      if (el.disabled || el.type === "file") return;
      const values = el.tagName === "SELECT" ? Array.from(el.selectedOptions).map((o) => o.value) : (el.type === "checkbox" || el.type === "radio") ? (el.checked ? [el.value] : []) : [el.value];
      data[el.name] = (data[el.name] || []).concat(values);
    });
    return data;
  }

  async preview() {
    const body = { form: this.doc };
    if (this.tried) body.data = this.sampleInput();
    let answer;
    try {
      answer = await postJson(this.text.previewUrl, body);
    } catch (error) {
      this.status(this.text.textFailed, "error");
      return;
    }
    this.problems = answer.problems || [];
    if (answer.html) this.$("[data-fe-preview]").innerHTML = answer.html; // the server's own markup
    this.renderProblems();
    this.renderFields();
    const list = this.$("[data-fe-props] [data-fe-field-problems]");
    if (list) {
      list.replaceChildren();
      this.problemsAt(this.fieldPrefixes(this.selected)).forEach((p) => list.append(Object.assign(document.createElement("li"), { textContent: `${p.path}: ${p.message}` })));
    }
  }

  async save() {
    try {
      const answer = await postJson(this.text.saveUrl, { form: this.doc });
      this.problems = answer.problems || [];
      this.renderProblems();
      this.renderFields();
      this.status(answer.ok ? this.text.textSaved : answer.message || this.text.textProblems, answer.ok ? "ok" : "error");
    } catch (error) {
      this.status(this.text.textFailed, "error");
    }
  }

  showTab(name) {
    this.root.querySelectorAll("[data-fe-tab]").forEach((tab) => {
      const on = tab.dataset.feTab === name;
      tab.setAttribute("aria-selected", String(on));
      tab.tabIndex = on ? 0 : -1;
      if (on) tab.focus();
    });
    this.root.querySelectorAll("[data-fe-panel]").forEach((panel) => { panel.hidden = panel.dataset.fePanel !== name; });
  }

  wire() {
    const actions = {
      save: () => this.save(),
      "add-field": () => this.addField(),
      "add-section": () => this.addSection(),
      try: () => { this.tried = true; this.preview(); },
    };
    this.root.querySelectorAll(".fe-toolbar [data-fe-action], [data-fe-action='try']").forEach((b) => {
      b.addEventListener("click", actions[b.dataset.feAction]);
    });
    this.root.querySelectorAll("[data-form-prop]").forEach((input) => {
      input.disabled = this.readOnly;
      input.addEventListener("input", () => {
        if (input.value) this.doc[input.dataset.formProp] = input.value;
        else delete this.doc[input.dataset.formProp];
        this.changed({ props: false });
      });
    });
    const tabs = Array.from(this.root.querySelectorAll("[data-fe-tab]"));
    tabs.forEach((tab, i) => {
      tab.addEventListener("click", () => this.showTab(tab.dataset.feTab));
      tab.addEventListener("keydown", (event) => { // arrow keys move between tabs
        const step = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
        if (step) this.showTab(tabs[(i + step + tabs.length) % tabs.length].dataset.feTab);
      });
    });
    const area = this.$("[data-fe-json]");
    const error = this.$("[data-fe-json-error]");
    let timer = null;
    area.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        let typed;
        try { typed = JSON.parse(area.value); } catch (e) { typed = null; }
        error.hidden = editable(typed);
        error.textContent = error.hidden ? "" : this.text.textBadJson;
        if (error.hidden) { this.setDoc(typed); this.changed({ later: false }); }
      }, DELAY_MS);
    });
  }
}

document.querySelectorAll("[data-form-editor]").forEach((root) => {
  const editor = new FormEditor(root);
  root.formEditor = editor;
  editor.load();
});
