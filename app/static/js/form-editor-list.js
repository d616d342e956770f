// The field list of the form editor (form-editor.js): the sections with their titles and the
// fields in each, with buttons to choose, move and remove them (each named for screen readers).
// Redrawn after every edit and answer, so the control in use keeps the focus (and the caret).
import * as edits from "./form-editor-doc.js";

export function renderFieldList(editor) {
  const box = editor.$("[data-fe-fields]");
  const restore = focusInList(box);
  box.replaceChildren();
  edits.groups(editor.doc).forEach((group, index) => {
    if (!group.names.length && !group.section) return;
    const wrap = document.createElement("div");
    wrap.className = "fe-group";
    if (group.section) wrap.append(sectionHeader(editor, group.section, index));
    else if (editor.doc.ui.sections) wrap.append(Object.assign(document.createElement("p"), { className: "fe-group-title", textContent: editor.text.textNoSection }));
    const list = document.createElement("ol");
    list.className = "fe-field-list";
    group.names.forEach((name) => list.append(fieldRow(editor, name)));
    wrap.append(list);
    box.append(wrap);
  });
  if (restore) restore();
}

function focusInList(box) {
  const active = document.activeElement;
  const row = box.contains(active) && active.closest("[data-field-row], [data-section-row]");
  if (!row) return null;
  const where = "fieldRow" in row.dataset ? `[data-field-row="${CSS.escape(row.dataset.fieldRow)}"]` : `[data-section-row="${row.dataset.sectionRow}"]`;
  const index = Array.from(row.querySelectorAll("button, input")).indexOf(active);
  const caret = active.tagName === "INPUT" ? active.selectionStart : null;
  return () => {
    const again = box.querySelector(where);
    const control = again && again.querySelectorAll("button, input")[index];
    if (!control) return;
    control.focus();
    if (caret !== null) control.setSelectionRange(caret, caret);
  };
}

function sectionHeader(editor, section, index) {
  const row = document.createElement("div");
  row.className = "fe-section";
  row.dataset.sectionRow = index;
  const label = `${editor.text.textSection} ${index + 1}`;
  ["title", "x-title-en"].forEach((prop) => {
    const input = document.createElement("input");
    input.type = "text";
    input.value = section[prop] || "";
    input.disabled = editor.readOnly;
    input.dataset.sectionTitle = prop;
    input.setAttribute("aria-label", `${label} · ${prop === "title" ? editor.text.textChinese : editor.text.textEnglish}`);
    input.placeholder = input.getAttribute("aria-label");
    if (prop !== "title") input.lang = "en";
    input.addEventListener("input", () => { section[prop] = input.value; editor.changed({ props: false, list: false }); });
    row.append(input);
  });
  const t = editor.text;
  row.append(
    editor.button({ text: "↑", aria: `${t.textUp}: ${label}` }, { "data-move": "-1" }, () => editor.moveSection(index, -1)),
    editor.button({ text: "↓", aria: `${t.textDown}: ${label}` }, { "data-move": "1" }, () => editor.moveSection(index, 1)),
    editor.button({ text: "✕", aria: `${t.textRemove}: ${label}` }, {}, () => { edits.removeSection(editor.doc, index); editor.changed(); }),
  );
  return row;
}

function fieldRow(editor, name) {
  const spec = editor.props[name];
  const item = document.createElement("li");
  item.className = "fe-field" + (name === editor.selected ? " selected" : "");
  item.dataset.fieldRow = name;
  const title = spec.title || editor.text.textUntitled;
  const select = document.createElement("button");
  select.type = "button";
  select.className = "link fe-select";
  select.dataset.select = name;
  select.setAttribute("aria-pressed", String(name === editor.selected));
  select.textContent = `${title} `;
  const key = document.createElement("code");
  key.textContent = name;
  select.append(key);
  select.addEventListener("click", () => { editor.selected = name; editor.renderFields(); editor.renderProps(); });
  item.append(select);
  if (editor.problemsAt(editor.fieldPrefixes(name)).length) item.classList.add("has-problem");
  const t = editor.text;
  item.append(
    editor.button({ text: "↑", aria: `${t.textUp}: ${title}` }, { "data-move": "-1" }, () => editor.moveField(name, -1)),
    editor.button({ text: "↓", aria: `${t.textDown}: ${title}` }, { "data-move": "1" }, () => editor.moveField(name, 1)),
    editor.button({ text: "✕", aria: `${t.textRemove}: ${title}` }, { "data-remove": name }, () => editor.removeField(name)),
  );
  return item;
}
