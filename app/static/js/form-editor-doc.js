// Edits of a form definition (forms/README.md) that the form editor (form-editor.js) makes: the
// layout (fields in sections or in order), adding, removing and renaming fields, a field's kind,
// whether it is required and when it shows. Pure functions of the definition object, no page.
import { specOf } from "./form-editor-kinds.js";

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const BY_NAME = ["widgets", "visibleWhen"];

// The layout as groups of field names: one per section, then the fields placed nowhere (shown
// last); without sections one group, in ui.order and then properties order.
export function groups(doc) {
  const names = Object.keys(doc.schema.properties);
  const sections = Array.isArray(doc.ui.sections) ? doc.ui.sections : null;
  const placed = new Set();
  const found = (sections || [{ fields: doc.ui.order || [] }]).map((section) => {
    const fields = (section.fields || []).filter((n) => names.includes(n) && !placed.has(n));
    fields.forEach((n) => placed.add(n));
    return { section: sections ? section : null, names: fields };
  });
  const rest = names.filter((n) => !placed.has(n));
  if (sections) found.push({ section: null, names: rest });
  else found[0].names.push(...rest);
  return found;
}

// Write a layout back: the sections' fields (or ui.order), and properties in the order shown,
// so that the JSON reads in the form's order too.
export function setGroups(doc, layout) {
  const ordered = {};
  layout.forEach((g) => g.names.forEach((n) => { ordered[n] = doc.schema.properties[n]; }));
  doc.schema.properties = ordered;
  if (Array.isArray(doc.ui.sections)) layout.filter((g) => g.section).forEach((g) => { g.section.fields = g.names; });
  else if (doc.ui.order) doc.ui.order = layout[0].names;
}

// One place up (step -1) or down (+1); past a section's edge into the neighbouring section.
export function moveField(doc, name, step) {
  const layout = groups(doc);
  const g = layout.findIndex((group) => group.names.includes(name));
  const names = layout[g].names;
  const i = names.indexOf(name);
  const j = i + step;
  if (j >= 0 && j < names.length) {
    [names[i], names[j]] = [names[j], names[i]];
  } else if (layout[g + step]) {
    names.splice(i, 1);
    if (step < 0) layout[g + step].names.push(name);
    else layout[g + step].names.unshift(name);
  } else return false;
  setGroups(doc, layout);
  return true;
}

export function moveSection(doc, index, step) {
  const sections = doc.ui.sections;
  const j = index + step;
  if (j < 0 || j >= sections.length) return false;
  [sections[index], sections[j]] = [sections[j], sections[index]];
  return true;
}

// A new one-line text field, last in the last section (where the form shows it); its name.
export function addField(doc) {
  const props = doc.schema.properties;
  let n = Object.keys(props).length + 1;
  while (`field_${n}` in props) n += 1;
  const name = `field_${n}`;
  props[name] = specOf("string");
  const layout = groups(doc);
  const target = layout.filter((g) => g.section).pop();
  if (target) { layout[layout.length - 1].names.pop(); target.names.push(name); }
  setGroups(doc, layout);
  return name;
}

export function removeField(doc, name) {
  const { schema, ui } = doc;
  delete schema.properties[name];
  if (Array.isArray(schema.required)) schema.required = schema.required.filter((n) => n !== name);
  (ui.sections || []).forEach((s) => { s.fields = (s.fields || []).filter((n) => n !== name); });
  if (ui.order) ui.order = ui.order.filter((n) => n !== name);
  BY_NAME.forEach((k) => { if (ui[k]) delete ui[k][name]; });
}

// The first section takes the fields placed so far; later ones start empty.
export function addSection(doc) {
  const ui = doc.ui;
  if (!Array.isArray(ui.sections)) {
    ui.sections = [{ title: "", "x-title-en": "", fields: groups(doc)[0].names }];
    delete ui.order;
  } else {
    ui.sections.push({ title: "", "x-title-en": "", fields: [] });
  }
}

// A removed section's fields join the section before it (or are placed nowhere, shown last).
export function removeSection(doc, index) {
  const sections = doc.ui.sections;
  const [gone] = sections.splice(index, 1);
  if (sections[index - 1]) sections[index - 1].fields.push(...(gone.fields || []));
  if (!sections.length) delete doc.ui.sections;
}

// A new key everywhere the old one is named; false (nothing changed) for a bad or taken name.
export function renameField(doc, name, wanted) {
  const props = doc.schema.properties;
  if (!NAME.test(wanted) || wanted in props) return false;
  const swap = (n) => (n === name ? wanted : n);
  const renamed = {};
  Object.entries(props).forEach(([n, s]) => { renamed[swap(n)] = s; });
  const { schema, ui } = doc;
  schema.properties = renamed;
  if (Array.isArray(schema.required)) schema.required = schema.required.map(swap);
  (ui.sections || []).forEach((s) => { s.fields = (s.fields || []).map(swap); });
  if (ui.order) ui.order = ui.order.map(swap);
  BY_NAME.forEach((k) => { if (ui[k] && name in ui[k]) { ui[k][wanted] = ui[k][name]; delete ui[k][name]; } });
  Object.values(ui.visibleWhen || {}).forEach((rule) => { if (rule.field === name) rule.field = wanted; });
  return true;
}

export function setKind(doc, name, kind) {
  doc.schema.properties[name] = specOf(kind, doc.schema.properties[name]);
  const ui = doc.ui;
  ui.widgets = ui.widgets || {};
  if (kind === "month") ui.widgets[name] = "month";
  else delete ui.widgets[name];
  if (!Object.keys(ui.widgets).length) delete ui.widgets;
}

export function setRequired(doc, name, on) {
  const required = (doc.schema.required || []).filter((n) => n !== name);
  if (on) required.push(name);
  doc.schema.required = required;
}

// Shown only while ``field`` has one of the comma-separated values (JSON where they read as it:
// true, 3); without a field or values, always shown.
export function setVisibility(doc, name, field, raw) {
  const ui = doc.ui;
  ui.visibleWhen = ui.visibleWhen || {};
  const parse = (s) => { try { return JSON.parse(s); } catch (e) { return s; } };
  const values = raw.split(",").map((s) => s.trim()).filter(Boolean).map(parse);
  if (field && values.length) ui.visibleWhen[name] = values.length === 1 ? { field, equals: values[0] } : { field, in: values };
  else delete ui.visibleWhen[name];
  if (!Object.keys(ui.visibleWhen).length) delete ui.visibleWhen;
}
