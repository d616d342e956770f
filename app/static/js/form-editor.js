// The form editor (templates/designer/_form_editor.html): edits a forms/<key>.json definition as
// a field list with properties, or as raw JSON, and asks the server for its checks and a preview
// rendered by the task page's own macros. The definition object itself is the editor's state, so
// the JSON tab and the lists always show the same thing. The contract is in the partial.

const KINDS_OF_TYPE = { integer: "int", boolean: "bool" };
const TEXT_PROPS = ["title", "x-title-en", "description", "x-description-en"];
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

// The kind of a field as app/formdefs/registry.py reads it off the schema.
export function kindOf(spec, widget) {
  if (spec["x-type"]) return spec["x-type"];
  const items = spec.items || {};
  if ("x-optionsFrom" in spec) return spec.type === "array" ? "multi_enum" : "enum";
  if ("enum" in spec) return "enum";
  if (spec.type === "array") return "enum" in items ? "multi_enum" : "items";
  if (spec.type in KINDS_OF_TYPE) return KINDS_OF_TYPE[spec.type];
  if (spec.type === "number") return spec["x-money"] ? "money" : "decimal";
  if (spec.format === "date") return "date";
  if (spec.format === "date-time") return "datetime";
  if (widget === "month") return "month";
  if (widget === "textarea" || (spec.maxLength || 0) > 200) return "text";
  return "string";
}

// A fresh spec of a kind, keeping the texts a designer already wrote.
function specOf(kind, old) {
  const texts = {};
  TEXT_PROPS.forEach((p) => { if (old && old[p] !== undefined) texts[p] = old[p]; });
  const option = { enum: ["option_1"], "x-labels": { option_1: "" }, "x-labels-en": { option_1: "" } };
  const shapes = {
    string: { type: "string", maxLength: 200 },
    text: { type: "string", maxLength: 2000 },
    month: { type: "string", pattern: "^[0-9]{4}-[0-9]{2}$" },
    int: { type: "integer" },
    decimal: { type: "number" },
    money: { type: "number", "x-money": true },
    bool: { type: "boolean" },
    date: { type: "string", format: "date" },
    datetime: { type: "string", format: "date-time" },
    enum: { type: "string", ...option },
    multi_enum: { type: "array", items: { type: "string", enum: ["option_1"] }, "x-labels": { option_1: "" }, "x-labels-en": { option_1: "" } },
    items: { type: "array", items: { type: "object", properties: { item: { type: "string", title: "" } }, required: [] } },
  };
  return { ...(shapes[kind] || { "x-type": kind }), ...texts };
}

function optionValues(spec) {
  return spec.enum || (spec.items && spec.items.enum) || [];
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
    this.changed(false);
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

  // Layout: groups of field names, one per section, then those placed nowhere.
  groups() {
    const names = Object.keys(this.props);
    const sections = Array.isArray(this.doc.ui.sections) ? this.doc.ui.sections : null;
    const placed = new Set();
    const groups = [];
    (sections || [{ fields: this.doc.ui.order || [] }]).forEach((section) => {
      const fields = (section.fields || []).filter((n) => names.includes(n) && !placed.has(n));
      fields.forEach((n) => placed.add(n));
      groups.push({ section: sections ? section : null, names: fields });
    });
    const rest = names.filter((n) => !placed.has(n));
    if (sections) groups.push({ section: null, names: rest });
    else groups[0].names.push(...rest);
    return groups;
  }

  // Write a layout back: sections' fields (or ui.order), and properties in the order shown.
  setGroups(groups) {
    const ordered = {};
    groups.forEach((g) => g.names.forEach((n) => { ordered[n] = this.props[n]; }));
    this.doc.schema.properties = ordered;
    if (Array.isArray(this.doc.ui.sections)) {
      groups.filter((g) => g.section).forEach((g) => { g.section.fields = g.names; });
    } else if (this.doc.ui.order) {
      this.doc.ui.order = groups[0].names;
    }
  }

  moveField(name, step) {
    const groups = this.groups();
    const g = groups.findIndex((group) => group.names.includes(name));
    const names = groups[g].names;
    const i = names.indexOf(name);
    const j = i + step;
    if (j >= 0 && j < names.length) {
      [names[i], names[j]] = [names[j], names[i]];
    } else if (groups[g + step]) { // across a section's edge: into the neighbouring section
      names.splice(i, 1);
      if (step < 0) groups[g + step].names.push(name);
      else groups[g + step].names.unshift(name);
    } else return;
    this.setGroups(groups);
    this.changed();
    this.focusLater(`[data-field-row="${CSS.escape(name)}"] [data-move="${step}"]`);
  }

  moveSection(index, step) {
    const sections = this.doc.ui.sections;
    const j = index + step;
    if (j < 0 || j >= sections.length) return;
    [sections[index], sections[j]] = [sections[j], sections[index]];
    this.changed();
    this.focusLater(`[data-section-row="${j}"] [data-move="${step}"]`);
  }

  focusLater(selector) {
    const target = this.$(selector);
    if (target && !target.disabled) target.focus();
    else { const row = this.$(selector.split(" ")[0] + " [data-select]"); if (row) row.focus(); }
  }

  addField() {
    let n = Object.keys(this.props).length + 1;
    while (`field_${n}` in this.props) n += 1;
    const name = `field_${n}`;
    this.props[name] = specOf("string");
    const groups = this.groups(); // a new field goes last in the last section, where it shows
    const target = groups.filter((g) => g.section).pop();
    if (target) { groups[groups.length - 1].names.pop(); target.names.push(name); }
    this.setGroups(groups);
    this.selected = name;
    this.changed();
    const first = this.$('[data-fe-props] [data-prop="title"]');
    if (first) first.focus();
  }

  removeField(name) {
    delete this.props[name];
    const schema = this.doc.schema;
    if (Array.isArray(schema.required)) schema.required = schema.required.filter((n) => n !== name);
    (this.doc.ui.sections || []).forEach((s) => { s.fields = (s.fields || []).filter((n) => n !== name); });
    if (this.doc.ui.order) this.doc.ui.order = this.doc.ui.order.filter((n) => n !== name);
    ["widgets", "visibleWhen"].forEach((k) => { if (this.doc.ui[k]) delete this.doc.ui[k][name]; });
    if (this.selected === name) this.selected = null;
    this.changed();
    const add = this.$('[data-fe-action="add-field"]');
    if (add) add.focus();
  }

  addSection() {
    const ui = this.doc.ui;
    if (!Array.isArray(ui.sections)) { // the first section takes the fields placed so far
      ui.sections = [{ title: "", "x-title-en": "", fields: this.groups()[0].names }];
      delete ui.order;
    } else {
      ui.sections.push({ title: "", "x-title-en": "", fields: [] });
    }
    this.changed();
    const inputs = this.root.querySelectorAll("[data-section-title]");
    if (inputs.length) inputs[inputs.length - 1].focus();
  }

  removeSection(index) {
    const sections = this.doc.ui.sections;
    const [gone] = sections.splice(index, 1);
    if (sections[index - 1]) sections[index - 1].fields.push(...(gone.fields || []));
    if (!sections.length) delete this.doc.ui.sections;
    this.changed();
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

  renderFields() {
    const box = this.$("[data-fe-fields]");
    box.replaceChildren();
    this.groups().forEach((group, index) => {
      if (!group.names.length && !group.section) return;
      const wrap = document.createElement("div");
      wrap.className = "fe-group";
      if (group.section) wrap.append(this.sectionHeader(group.section, index));
      else if (this.doc.ui.sections) wrap.append(Object.assign(document.createElement("p"), { className: "fe-group-title", textContent: this.text.textNoSection }));
      const list = document.createElement("ol");
      list.className = "fe-field-list";
      group.names.forEach((name) => list.append(this.fieldRow(name)));
      wrap.append(list);
      box.append(wrap);
    });
  }

  sectionHeader(section, index) {
    const row = document.createElement("div");
    row.className = "fe-section";
    row.dataset.sectionRow = index;
    const label = `${this.text.textSection} ${index + 1}`;
    ["title", "x-title-en"].forEach((prop) => {
      const input = document.createElement("input");
      input.type = "text";
      input.value = section[prop] || "";
      input.disabled = this.readOnly;
      input.dataset.sectionTitle = prop;
      input.setAttribute("aria-label", `${label} · ${prop === "title" ? "中文" : "English"}`);
      if (prop !== "title") input.lang = "en";
      input.addEventListener("input", () => { section[prop] = input.value; this.changed(true, false); });
      row.append(input);
    });
    const t = this.text;
    row.append(
      this.button({ text: "↑", aria: `${t.textUp}: ${label}` }, { "data-move": "-1" }, () => this.moveSection(index, -1)),
      this.button({ text: "↓", aria: `${t.textDown}: ${label}` }, { "data-move": "1" }, () => this.moveSection(index, 1)),
      this.button({ text: "✕", aria: `${t.textRemove}: ${label}` }, {}, () => this.removeSection(index)),
    );
    return row;
  }

  fieldRow(name) {
    const spec = this.props[name];
    const item = document.createElement("li");
    item.className = "fe-field" + (name === this.selected ? " selected" : "");
    item.dataset.fieldRow = name;
    const title = spec.title || this.text.textUntitled;
    const select = document.createElement("button");
    select.type = "button";
    select.className = "link fe-select";
    select.dataset.select = name;
    select.setAttribute("aria-pressed", String(name === this.selected));
    select.textContent = `${title} `;
    const key = document.createElement("code");
    key.textContent = name;
    select.append(key);
    select.addEventListener("click", () => { this.selected = name; this.renderFields(); this.renderProps(); });
    item.append(select);
    if (this.problemsAt(this.fieldPrefixes(name)).length) item.classList.add("has-problem");
    const t = this.text;
    item.append(
      this.button({ text: "↑", aria: `${t.textUp}: ${title}` }, { "data-move": "-1" }, () => this.moveField(name, -1)),
      this.button({ text: "↓", aria: `${t.textDown}: ${title}` }, { "data-move": "1" }, () => this.moveField(name, 1)),
      this.button({ text: "✕", aria: `${t.textRemove}: ${title}` }, { "data-remove": name }, () => this.removeField(name)),
    );
    return item;
  }

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
      input.addEventListener(input.tagName === "SELECT" || input.type === "checkbox" ? "change" : "input", () => this.setProp(input, name));
    });
    if (kind === "enum" || kind === "multi_enum") this.renderOptions(box, spec);
    if (kind === "items") this.renderColumns(box, spec);
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
    const spec = this.props[name];
    if (prop === "key") return this.rename(name, input.value.trim(), input);
    if (prop === "kind") return this.setKind(name, input.value);
    if (prop === "required") return this.setRequired(name, input.checked);
    if (prop === "visible-field" || prop === "visible-values") return this.setVisibility(name);
    let value = input.type === "checkbox" ? input.checked : input.value;
    if (input.dataset.type === "number") value = input.value === "" ? "" : Number(input.value);
    if (input.dataset.type === "list") value = input.value.split(",").map((s) => s.trim()).filter(Boolean);
    if (value === "" || value === false || (Array.isArray(value) && !value.length)) delete spec[prop];
    else spec[prop] = value;
    this.changed(true, false);
  }

  rename(name, wanted, input) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(wanted) || wanted in this.props) { input.setAttribute("aria-invalid", "true"); return; }
    input.removeAttribute("aria-invalid");
    const swap = (n) => (n === name ? wanted : n);
    const props = {};
    Object.entries(this.props).forEach(([n, s]) => { props[swap(n)] = s; });
    this.doc.schema.properties = props;
    const { schema, ui } = this.doc;
    if (Array.isArray(schema.required)) schema.required = schema.required.map(swap);
    (ui.sections || []).forEach((s) => { s.fields = (s.fields || []).map(swap); });
    if (ui.order) ui.order = ui.order.map(swap);
    ["widgets", "visibleWhen"].forEach((k) => {
      if (ui[k] && name in ui[k]) { ui[k][wanted] = ui[k][name]; delete ui[k][name]; }
    });
    Object.values(ui.visibleWhen || {}).forEach((rule) => { if (rule.field === name) rule.field = wanted; });
    this.selected = wanted;
    this.changed(true, false);
  }

  setKind(name, kind) {
    this.props[name] = specOf(kind, this.props[name]);
    const ui = this.doc.ui;
    ui.widgets = ui.widgets || {};
    if (kind === "month") ui.widgets[name] = "month";
    else delete ui.widgets[name];
    if (!Object.keys(ui.widgets).length) delete ui.widgets;
    this.changed();
  }

  setRequired(name, on) {
    const schema = this.doc.schema;
    const required = (schema.required || []).filter((n) => n !== name);
    if (on) required.push(name);
    schema.required = required;
    this.changed(true, false);
  }

  setVisibility(name) {
    const box = this.$("[data-fe-props]");
    const field = box.querySelector('[data-prop="visible-field"]').value;
    const raw = box.querySelector('[data-prop="visible-values"]').value;
    const ui = this.doc.ui;
    ui.visibleWhen = ui.visibleWhen || {};
    const parse = (s) => { try { return JSON.parse(s); } catch (e) { return s; } };
    const values = raw.split(",").map((s) => s.trim()).filter(Boolean).map(parse);
    if (field && values.length) ui.visibleWhen[name] = values.length === 1 ? { field, equals: values[0] } : { field, in: values };
    else delete ui.visibleWhen[name];
    if (!Object.keys(ui.visibleWhen).length) delete ui.visibleWhen;
    this.changed(true, false);
  }

  cellInput(value, label, onInput, lang) {
    const input = document.createElement("input");
    input.type = "text";
    input.value = value === undefined ? "" : value;
    input.disabled = this.readOnly;
    input.setAttribute("aria-label", label);
    if (lang) input.lang = lang;
    input.addEventListener("input", () => { onInput(input.value); this.changed(true, false); });
    const cell = document.createElement("td");
    cell.append(input);
    return cell;
  }

  headers(box, selector) {
    return Array.from(box.querySelector(selector).closest("table").querySelectorAll("th")).map((th) => th.textContent.trim());
  }

  renderOptions(box, spec) {
    const body = box.querySelector("[data-fe-options]");
    const heads = this.headers(box, "[data-fe-options]");
    spec["x-labels"] = spec["x-labels"] || {};
    spec["x-labels-en"] = spec["x-labels-en"] || {};
    const values = optionValues(spec);
    values.forEach((value, i) => {
      const row = document.createElement("tr");
      row.append(
        this.cellInput(value, `${heads[0]} ${i + 1}`, (v) => this.renameOption(spec, i, v)),
        this.cellInput(spec["x-labels"][value], `${heads[1]} ${i + 1}`, (v) => { spec["x-labels"][optionValues(spec)[i]] = v; }),
        this.cellInput(spec["x-labels-en"][value], `${heads[2]} ${i + 1}`, (v) => { spec["x-labels-en"][optionValues(spec)[i]] = v; }, "en"),
      );
      const cell = document.createElement("td");
      cell.append(this.button({ text: "✕", aria: `${this.text.textRemove} ${i + 1}` }, {}, () => {
        const gone = values.splice(i, 1)[0];
        delete spec["x-labels"][gone];
        delete spec["x-labels-en"][gone];
        this.changed();
      }));
      row.append(cell);
      body.append(row);
    });
    box.querySelector('[data-fe-action="add-option"]').addEventListener("click", () => {
      let n = values.length + 1;
      while (values.includes(`option_${n}`)) n += 1;
      values.push(`option_${n}`);
      this.changed();
    });
  }

  renameOption(spec, index, value) {
    const values = optionValues(spec);
    const old = values[index];
    values[index] = value;
    ["x-labels", "x-labels-en"].forEach((k) => { spec[k][value] = spec[k][old]; delete spec[k][old]; });
  }

  renderColumns(box, spec) {
    const item = spec.items;
    item.properties = item.properties || {};
    item.required = item.required || [];
    const body = box.querySelector("[data-fe-columns]");
    const heads = this.headers(box, "[data-fe-columns]");
    const kinds = this.$("[data-fe-column-kinds]").content;
    Object.keys(item.properties).forEach((column, i) => {
      const col = () => item.properties[column];
      const row = document.createElement("tr");
      row.append(this.cellInput(column, `${heads[0]} ${i + 1}`, (v) => {
        if (!v || v in item.properties) return;
        const renamed = {};
        Object.entries(item.properties).forEach(([k, s]) => { renamed[k === column ? v : k] = s; });
        item.properties = renamed;
        item.required = item.required.map((r) => (r === column ? v : r));
        column = v;
      }));
      const kindCell = document.createElement("td");
      const select = document.createElement("select");
      select.append(kinds.cloneNode(true));
      select.value = kindOf(col());
      select.disabled = this.readOnly;
      select.setAttribute("aria-label", `${heads[1]} ${i + 1}`);
      select.addEventListener("change", () => { item.properties[column] = specOf(select.value === "person" ? "person" : select.value, col()); this.changed(true, false); });
      kindCell.append(select);
      row.append(kindCell,
        this.cellInput(col().title, `${heads[2]} ${i + 1}`, (v) => { col().title = v; }),
        this.cellInput(col()["x-title-en"], `${heads[3]} ${i + 1}`, (v) => { col()["x-title-en"] = v; }, "en"));
      const requiredCell = document.createElement("td");
      const check = document.createElement("input");
      check.type = "checkbox";
      check.checked = item.required.includes(column);
      check.disabled = this.readOnly;
      check.setAttribute("aria-label", `${heads[4]} ${i + 1}`);
      check.addEventListener("change", () => {
        item.required = item.required.filter((r) => r !== column).concat(check.checked ? [column] : []);
        this.changed(true, false);
      });
      requiredCell.append(check);
      const removeCell = document.createElement("td");
      removeCell.append(this.button({ text: "✕", aria: `${this.text.textRemove} ${i + 1}` }, {}, () => {
        delete item.properties[column];
        item.required = item.required.filter((r) => r !== column);
        this.changed();
      }));
      row.append(requiredCell, removeCell);
      body.append(row);
    });
    box.querySelector('[data-fe-action="add-column"]').addEventListener("click", () => {
      let n = Object.keys(item.properties).length + 1;
      while (`column_${n}` in item.properties) n += 1;
      item.properties[`column_${n}`] = { type: "string", title: "" };
      this.changed();
    });
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
  // ``redrawProps`` false keeps the properties panel (and its focused input) as it is.
  changed(later = true, redrawProps = true) {
    this.renderFields();
    if (redrawProps) this.renderProps();
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
        this.changed(true, false);
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
        let doc;
        try { doc = JSON.parse(area.value); } catch (e) { doc = null; }
        error.hidden = Boolean(doc && typeof doc === "object" && !Array.isArray(doc));
        error.textContent = error.hidden ? "" : this.text.textBadJson;
        if (error.hidden) { this.setDoc(doc); this.changed(false); }
      }, DELAY_MS);
    });
  }
}

document.querySelectorAll("[data-form-editor]").forEach((root) => {
  const editor = new FormEditor(root);
  root.formEditor = editor;
  editor.load();
});
