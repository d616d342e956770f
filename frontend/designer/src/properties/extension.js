// Reading and writing the spiffworkflow extension elements the engine reads. Every write is one
// command on the command stack (undo/redo work; the panel re-renders from `elements.changed`).
import { getBusinessObject, is } from 'bpmn-js/lib/util/ModelUtil';

export const PROPERTIES = 'spiffworkflow:Properties';
export const OPERATOR = 'spiffworkflow:ServiceTaskOperator';

export function extensionValues(bo) {
  return (bo.extensionElements && bo.extensionElements.values) || [];
}

function findExtension(bo, type) {
  return extensionValues(bo).find((value) => is(value, type));
}

/** name -> value of spiffworkflow:properties, as app/engine/runtime.py reads them. */
export function readProperties(element) {
  const properties = findExtension(getBusinessObject(element), PROPERTIES);
  const result = {};
  for (const property of (properties && properties.properties) || []) {
    result[property.name] = property.value;
  }
  return result;
}

export function readProperty(element, name) {
  return readProperties(element)[name] || '';
}

function update(element, moddleElement, properties) {
  return { cmd: 'element.updateModdleProperties', context: { element, moddleElement, properties } };
}

/** Commands that make sure the element has bpmn:extensionElements, and that element. */
function ensureExtensionElements(element, bpmnFactory) {
  const bo = getBusinessObject(element);
  if (bo.extensionElements) return { commands: [], extensionElements: bo.extensionElements };
  const extensionElements = bpmnFactory.create('bpmn:ExtensionElements', { values: [] });
  extensionElements.$parent = bo;
  return { commands: [update(element, bo, { extensionElements })], extensionElements };
}

/** Commands that make sure the element has an extension of `type`, and that extension. */
function ensureExtension(element, bpmnFactory, type, attrs) {
  const { commands, extensionElements } = ensureExtensionElements(element, bpmnFactory);
  let holder = extensionElements.values.find((value) => is(value, type));
  if (!holder) {
    holder = bpmnFactory.create(type, attrs);
    holder.$parent = extensionElements;
    commands.push(update(element, extensionElements, { values: [...extensionElements.values, holder] }));
  }
  return { commands, holder };
}

function execute(commandStack, commands) {
  if (commands.length) commandStack.execute('properties-panel.multi-command-executor', commands);
}

/** Sets one spiffworkflow:property; an empty value removes it (and an empty properties list). */
export function writeProperty(services, element, name, value) {
  const { bpmnFactory, commandStack } = services;
  const text = (value || '').trim();
  const bo = getBusinessObject(element);
  const existing = findExtension(bo, PROPERTIES);
  if (!text) {
    if (!existing) return;
    const kept = existing.properties.filter((p) => p.name !== name);
    if (kept.length === existing.properties.length) return;
    const commands = kept.length
      ? [update(element, existing, { properties: kept })]
      : [update(element, bo.extensionElements, { values: bo.extensionElements.values.filter((v) => v !== existing) })];
    return execute(commandStack, commands);
  }
  const { commands, holder } = ensureExtension(element, bpmnFactory, PROPERTIES, { properties: [] });
  const property = (holder.properties || []).find((p) => p.name === name);
  if (property) {
    commands.push(update(element, property, { value: text }));
  } else {
    const created = bpmnFactory.create('spiffworkflow:Property', { name, value: text });
    created.$parent = holder;
    commands.push(update(element, holder, { properties: [...(holder.properties || []), created] }));
  }
  execute(commandStack, commands);
}

export function readOperator(element) {
  const operator = findExtension(getBusinessObject(element), OPERATOR);
  if (!operator) return null;
  const parameters = {};
  for (const parameter of (operator.parameterList && operator.parameterList.parameters) || []) {
    parameters[parameter.id] = { type: parameter.type, value: parameter.value };
  }
  return { action: operator.id || '', resultVariable: operator.resultVariable || '', parameters };
}

/**
 * Writes spiffworkflow:serviceTaskOperator id=<action> with its parameters, in the catalogue's
 * order and with the catalogue's types: `values` maps parameter name -> expression; parameters
 * with no value are left out (the server names a missing required one).
 */
export function writeOperator(services, element, { action, resultVariable, values, signature }) {
  const { bpmnFactory, commandStack } = services;
  const bo = getBusinessObject(element);
  const old = findExtension(bo, OPERATOR);
  // An action the catalogue does not know keeps the parameters it has (the server names it).
  const known = signature
    ? signature.params
    : ((old && old.parameterList && old.parameterList.parameters) || []).map((p) => ({ name: p.id, type: p.type }));
  const parameters = known
    .filter((param) => (values[param.name] || '').trim())
    .map((param) =>
      bpmnFactory.create('spiffworkflow:Parameter', {
        id: param.name,
        type: param.type,
        value: values[param.name].trim()
      })
    );
  const parameterList = bpmnFactory.create('spiffworkflow:Parameters', { parameters });
  parameters.forEach((p) => (p.$parent = parameterList));
  const operator = bpmnFactory.create(OPERATOR, { id: action, parameterList });
  if (resultVariable) operator.resultVariable = resultVariable;
  parameterList.$parent = operator;
  if (!action) {
    if (!old) return;
    return execute(commandStack, [
      update(element, bo.extensionElements, { values: bo.extensionElements.values.filter((v) => v !== old) })
    ]);
  }
  const { commands, extensionElements } = ensureExtensionElements(element, bpmnFactory);
  const kept = extensionElements.values.filter((v) => v !== old);
  operator.$parent = extensionElements;
  commands.push(update(element, extensionElements, { values: [...kept, operator] }));
  execute(commandStack, commands);
}
