const { isAny } = require('bpmnlint-utils');
const { branchflowProperties } = require('./properties');

// The same shape app/engine/deadlines.py accepts: a signed ISO 8601 duration.
const DURATION = /^[+-]?P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$/;

module.exports = function() {
  function check(node, reporter) {
    if (!isAny(node, ['bpmn:UserTask', 'bpmn:ManualTask'])) return;
    const dueIn = branchflowProperties(node).dueIn;
    if (dueIn && !DURATION.test(dueIn)) {
      reporter.report(node.id, 'dueIn is not an ISO 8601 duration (e.g. P3D)');
    }
  }
  return { check };
};
