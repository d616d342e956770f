// Reads spiffworkflow:properties the way the engine does (app/engine/runtime.py): name -> value.
function branchflowProperties(node) {
  const values = (node.extensionElements && node.extensionElements.values) || [];
  const result = {};
  for (const value of values) {
    if (value.$type !== 'spiffworkflow:Properties') continue;
    for (const property of value.properties || []) result[property.name] = property.value;
  }
  return result;
}

module.exports = { branchflowProperties };
