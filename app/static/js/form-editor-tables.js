// The two tables of the form editor's properties panel (form-editor.js): an option list's values
// with their Chinese and English labels, and an item list's columns. Each edit changes the field's
// schema in place and tells the editor, which redraws the JSON and asks for a new preview.
import { kindOf, optionValues, specOf } from "./form-editor-kinds.js";

function cell(child) {
  const td = document.createElement("td");
  td.append(child);
  return td;
}

function textCell(editor, value, label, onInput, lang) {
  const input = document.createElement("input");
  input.type = "text";
  input.value = value === undefined ? "" : value;
  input.disabled = editor.readOnly;
  input.setAttribute("aria-label", label);
  if (lang) input.lang = lang;
  input.addEventListener("input", () => { onInput(input.value); editor.changed({ props: false }); });
  return cell(input);
}

function removeCell(editor, label, onClick) {
  return cell(editor.button({ text: "✕", aria: label }, {}, () => { onClick(); editor.changed(); }));
}

// The column headings, so that each cell's input is named by its heading and row.
function headings(body) {
  return Array.from(body.closest("table").querySelectorAll("th")).map((th) => th.textContent.trim());
}

function renameOption(spec, index, value) {
  const values = optionValues(spec);
  const old = values[index];
  values[index] = value;
  ["x-labels", "x-labels-en"].forEach((k) => {
    if (old in spec[k]) { spec[k][value] = spec[k][old]; delete spec[k][old]; }
  });
}

export function renderOptions(editor, box, spec) {
  const body = box.querySelector("[data-fe-options]");
  const heads = headings(body);
  spec["x-labels"] = spec["x-labels"] || {};
  spec["x-labels-en"] = spec["x-labels-en"] || {};
  const labels = (k, i) => (v) => {
    if (v) spec[k][optionValues(spec)[i]] = v;
    else delete spec[k][optionValues(spec)[i]]; // no label: the value is shown
  };
  const values = optionValues(spec);
  values.forEach((value, i) => {
    const row = document.createElement("tr");
    row.append(
      textCell(editor, value, `${heads[0]} ${i + 1}`, (v) => renameOption(spec, i, v)),
      textCell(editor, spec["x-labels"][value], `${heads[1]} ${i + 1}`, labels("x-labels", i)),
      textCell(editor, spec["x-labels-en"][value], `${heads[2]} ${i + 1}`, labels("x-labels-en", i), "en"),
      removeCell(editor, `${editor.text.textRemove} ${i + 1}`, () => {
        const gone = values.splice(i, 1)[0];
        delete spec["x-labels"][gone];
        delete spec["x-labels-en"][gone];
      }),
    );
    body.append(row);
  });
  box.querySelector('[data-fe-action="add-option"]').addEventListener("click", () => {
    let n = values.length + 1;
    while (values.includes(`option_${n}`)) n += 1;
    values.push(`option_${n}`);
    editor.changed();
  });
}

function columnRow(editor, item, column, i, heads) {
  const col = () => item.properties[column];
  const row = document.createElement("tr");
  const rename = (v) => {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(v) || v in item.properties) return;
    const renamed = {};
    Object.entries(item.properties).forEach(([k, s]) => { renamed[k === column ? v : k] = s; });
    item.properties = renamed;
    item.required = item.required.map((r) => (r === column ? v : r));
    column = v;
  };
  const kind = document.createElement("select");
  kind.append(editor.root.querySelector("[data-fe-column-kinds]").content.cloneNode(true));
  kind.value = kindOf(col());
  kind.disabled = editor.readOnly;
  kind.setAttribute("aria-label", `${heads[1]} ${i + 1}`);
  kind.addEventListener("change", () => { item.properties[column] = specOf(kind.value, col()); editor.changed({ props: false }); });
  const required = document.createElement("input");
  required.type = "checkbox";
  required.checked = item.required.includes(column);
  required.disabled = editor.readOnly;
  required.setAttribute("aria-label", `${heads[4]} ${i + 1}`);
  required.addEventListener("change", () => {
    item.required = item.required.filter((r) => r !== column).concat(required.checked ? [column] : []);
    editor.changed({ props: false });
  });
  row.append(
    textCell(editor, column, `${heads[0]} ${i + 1}`, rename),
    cell(kind),
    textCell(editor, col().title, `${heads[2]} ${i + 1}`, (v) => { col().title = v; }),
    textCell(editor, col()["x-title-en"], `${heads[3]} ${i + 1}`, (v) => { col()["x-title-en"] = v; }, "en"),
    cell(required),
    removeCell(editor, `${editor.text.textRemove} ${i + 1}`, () => {
      delete item.properties[column];
      item.required = item.required.filter((r) => r !== column);
    }),
  );
  return row;
}

export function renderColumns(editor, box, spec) {
  const item = spec.items;
  item.properties = item.properties || {};
  item.required = item.required || [];
  const body = box.querySelector("[data-fe-columns]");
  const heads = headings(body);
  Object.keys(item.properties).forEach((column, i) => body.append(columnRow(editor, item, column, i, heads)));
  box.querySelector('[data-fe-action="add-column"]').addEventListener("click", () => {
    let n = Object.keys(item.properties).length + 1;
    while (`column_${n}` in item.properties) n += 1;
    item.properties[`column_${n}`] = { type: "string", title: "" };
    editor.changed();
  });
}
