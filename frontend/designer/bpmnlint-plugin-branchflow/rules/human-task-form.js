const { is } = require('bpmnlint-utils');
const { branchflowProperties } = require('./properties');

// The engine refuses a user task without a form: the person would have nothing to fill in.
module.exports = function() {
  function check(node, reporter) {
    if (is(node, 'bpmn:UserTask') && !branchflowProperties(node).formKey) {
      reporter.report(node.id, 'User task names no form (formKey)');
    }
  }
  return { check };
};
