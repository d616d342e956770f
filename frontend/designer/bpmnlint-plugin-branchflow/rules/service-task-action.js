const { is } = require('bpmnlint-utils');

// A service task runs a domain action of the catalogue; without one the engine refuses it.
module.exports = function() {
  function check(node, reporter) {
    if (!is(node, 'bpmn:ServiceTask')) return;
    const values = (node.extensionElements && node.extensionElements.values) || [];
    const operator = values.find((v) => v.$type === 'spiffworkflow:ServiceTaskOperator');
    if (!operator || !operator.id) {
      reporter.report(node.id, 'Service task names no domain action');
    }
  }
  return { check };
};
