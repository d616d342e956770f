// Field kinds for the form editor (form-editor.js): read off a field's schema as the server's
// loader (app/formdefs/registry.py) reads them, and a fresh schema for a kind a designer picks.

const KINDS_OF_TYPE = { integer: "int", boolean: "bool" };
const TEXT_PROPS = ["title", "x-title-en", "description", "x-description-en"];

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
export function specOf(kind, old) {
  const texts = {};
  TEXT_PROPS.forEach((p) => { if (old && old[p] !== undefined) texts[p] = old[p]; });
  // Options start without labels: the form shows an option's value until it has one.
  const option = { enum: ["option_1"], "x-labels": {}, "x-labels-en": {} };
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
    multi_enum: { type: "array", items: { type: "string", enum: ["option_1"] }, "x-labels": {}, "x-labels-en": {} },
    items: { type: "array", items: { type: "object", properties: { item: { type: "string", title: "" } }, required: [] } },
  };
  return { ...(shapes[kind] || { "x-type": kind }), ...texts };
}

export function optionValues(spec) {
  return spec.enum || (spec.items && spec.items.enum) || [];
}
