// The visual difference of two BPMN versions: both diagrams side by side, added elements green
// (new), removed red (old), changed orange (both), moved blue; and a table of what changed,
// including the BranchFlow properties the engine reads (bpmn-js-differ sees attributes only).
import NavigatedViewer from 'bpmn-js/lib/NavigatedViewer';
import { diff } from 'bpmn-js-differ';
import spiffworkflow from './spiffworkflow-moddle.json';
import { readOperator, readProperties } from './properties/extension';
import { makeTranslate, pageLocale, translateModule } from './i18n/translate';

function node(tag, className, text) {
  const created = document.createElement(tag);
  if (className) created.className = className;
  if (text !== undefined) created.textContent = text;
  return created;
}

function flatProperties(bo) {
  const result = { ...readProperties({ businessObject: bo }) };
  const operator = readOperator({ businessObject: bo });
  if (operator) {
    result['action'] = operator.action;
    for (const [name, parameter] of Object.entries(operator.parameters)) result[`action.${name}`] = parameter.value;
  }
  if (bo.conditionExpression) result['condition'] = bo.conditionExpression.body;
  if (bo.script) result['script'] = bo.script;
  return result;
}

function propertyRows(oldBo, newBo) {
  const before = flatProperties(oldBo);
  const after = flatProperties(newBo);
  const names = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...names].filter((n) => before[n] !== after[n]).map((n) => [n, before[n] || '', after[n] || '']);
}

// The values come from the two documents themselves: which side the differ calls "old" has
// not been stable across its versions.
function attributeRows(change, oldBo, newBo) {
  return Object.keys(change.attrs || {})
    .filter((name) => !['extensionElements', 'di', 'conditionExpression', 'script'].includes(name) && !name.startsWith('$'))
    .map((name) => [name, show(oldBo && oldBo.get(name)), show(newBo && newBo.get(name))])
    .filter(([, before, after]) => before !== after);
}

function show(value) {
  if (value === undefined || value === null) return '';
  if (typeof value === 'object') return value.id || value.body || value.$type || '';
  return String(value);
}

function everyElement(definitions) {
  const byId = new Map();
  const visit = (element) => {
    if (!element || typeof element !== 'object' || byId.has(element.id) && byId.get(element.id) === element) return;
    if (element.id && element.$type) byId.set(element.id, element);
    for (const key of ['rootElements', 'flowElements', 'laneSets', 'lanes', 'participants', 'messageFlows', 'artifacts']) {
      for (const child of element[key] || []) visit(child);
    }
    if (element.processRef) visit(element.processRef);
  };
  visit(definitions);
  return byId;
}

/** Rows [element id, name, kind, property, old, new] of everything that differs. */
export function changeRows(oldDefinitions, newDefinitions, changes) {
  const rows = [];
  const olds = everyElement(oldDefinitions);
  const news = everyElement(newDefinitions);
  for (const [id, bo] of Object.entries(changes._added)) rows.push([id, bo.name || '', 'Added', '', '', '']);
  for (const [id, bo] of Object.entries(changes._removed)) rows.push([id, bo.name || '', 'Removed', '', '', '']);
  const changed = new Set(Object.keys(changes._changed));
  // The differ does not look into extension elements: compare those ourselves.
  for (const [id, newBo] of news) {
    const oldBo = olds.get(id);
    if (oldBo && propertyRows(oldBo, newBo).length) changed.add(id);
  }
  for (const id of changed) {
    const newBo = news.get(id);
    const oldBo = olds.get(id);
    const change = changes._changed[id] || {};
    const details = [...attributeRows(change, oldBo, newBo), ...(oldBo && newBo ? propertyRows(oldBo, newBo) : [])];
    for (const [property, before, after] of details.length ? details : [['', '', '']]) {
      rows.push([id, (newBo && newBo.name) || '', 'Changed', property, before, after]);
    }
  }
  for (const id of Object.keys(changes._layoutChanged)) {
    if (!changed.has(id)) rows.push([id, (news.get(id) || {}).name || '', 'Moved', '', '', '']);
  }
  return { rows, changed };
}

function mark(viewer, ids, marker) {
  const registry = viewer.get('elementRegistry');
  const canvas = viewer.get('canvas');
  for (const id of ids) if (registry.get(id)) canvas.addMarker(id, marker);
}

function table(rows, translate) {
  if (!rows.length) return node('p', 'bf-diff-none', translate('No differences.'));
  const result = node('table', 'bf-diff-table');
  const head = node('tr');
  for (const title of ['Element', 'Name', 'Type', 'Property', 'Old value', 'New value']) {
    head.append(node('th', '', translate(title)));
  }
  result.append(node('thead'), node('tbody'));
  result.tHead.append(head);
  for (const [id, name, kind, property, before, after] of rows) {
    const row = node('tr', `bf-diff-${kind.toLowerCase()}`);
    for (const cell of [id, name, translate(kind), property, before, after]) row.append(node('td', '', cell));
    result.tBodies[0].append(row);
  }
  return result;
}

export async function showDiff(container, oldXml, newXml, options = {}) {
  const locale = options.locale || pageLocale();
  const translate = makeTranslate(locale);
  container.replaceChildren();
  container.classList.add('bf-diff');
  const panes = node('div', 'bf-diff-panes');
  container.append(panes); // in the page before the viewers measure their canvas
  const viewers = [];
  for (const [title, xml] of [['Before the change', oldXml], ['After the change', newXml]]) {
    const pane = node('div', 'bf-diff-pane');
    const canvas = node('div', 'bf-diff-canvas');
    pane.append(node('h3', '', translate(title)), canvas);
    panes.append(pane);
    const viewer = new NavigatedViewer({
      container: canvas,
      moddleExtensions: { spiffworkflow },
      additionalModules: [translateModule(locale)]
    });
    viewers.push(viewer);
    await viewer.importXML(xml);
    viewer.get('canvas').zoom('fit-viewport');
  }
  const [before, after] = viewers;
  const changes = diff(before.getDefinitions(), after.getDefinitions());
  const { rows, changed } = changeRows(before.getDefinitions(), after.getDefinitions(), changes);
  mark(after, Object.keys(changes._added), 'bf-diff-added');
  mark(before, Object.keys(changes._removed), 'bf-diff-removed');
  mark(before, changed, 'bf-diff-changed');
  mark(after, changed, 'bf-diff-changed');
  mark(after, Object.keys(changes._layoutChanged).filter((id) => !changed.has(id)), 'bf-diff-moved');
  container.append(table(rows, translate));
  return { rows, changes, viewers };
}
