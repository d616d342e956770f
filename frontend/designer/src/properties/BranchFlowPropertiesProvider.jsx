// Adds BranchFlow's groups to the bpmn-js properties panel: what the engine reads from a model
// (roles of lanes, task properties, domain actions, expressions) and the server's verdict.
import { is } from 'bpmn-js/lib/util/ModelUtil';
import { serviceTaskEntries } from './action';
import { codeEntries } from './code';
import { ServerProblems } from './common';
import { englishEntries, humanTaskEntries, laneEntries } from './task';

function group(id, label, entries) {
  return entries.length ? { id, label, entries } : null;
}

export default function BranchFlowPropertiesProvider(propertiesPanel, translate, config, problems) {
  const catalog = (config && config.catalog) || {};

  this.getGroups = function(element) {
    return function(groups) {
      const ours = [];
      const code = codeEntries(element);
      // A condition, script or timer shows its problems under its text instead.
      if (problems.of(element.id).length && !code.length) {
        ours.push(group('bf-problems', translate('Problems'), [
          { id: 'bf-problem-list', element, component: ServerProblems }
        ]));
      }
      if (is(element, 'bpmn:Lane')) ours.push(group('bf-lane', translate('Role (lane)'), laneEntries(element)));
      if (is(element, 'bpmn:UserTask') || is(element, 'bpmn:ManualTask')) {
        ours.push(group('bf-task', translate('BranchFlow task'), humanTaskEntries(element)));
      }
      if (is(element, 'bpmn:ServiceTask')) {
        ours.push(group('bf-action', translate('Domain action'), serviceTaskEntries(element, catalog)));
      }
      if (code.length) ours.push(group('bf-code', translate(code[0].id.startsWith('bf-timer') ? 'Timer' : 'Condition'), code));
      if (is(element, 'bpmn:FlowNode')) ours.push(group('bf-english', translate('English'), englishEntries(element)));
      // Ours right after "General", so the things the engine reads come first.
      const general = groups.findIndex((g) => g.id === 'general');
      groups.splice(general + 1, 0, ...ours.filter(Boolean));
      return groups;
    };
  };
  // After getGroups exists: registering checks the provider's API.
  propertiesPanel.registerProvider(500, this);
}

BranchFlowPropertiesProvider.$inject = ['propertiesPanel', 'translate', 'config.branchflow', 'branchflowProblems'];
