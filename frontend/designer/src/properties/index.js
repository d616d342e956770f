import BranchFlowPropertiesProvider from './BranchFlowPropertiesProvider';

// The problems the server last reported, by element id; the panel and the problem list read it.
export function ProblemStore(eventBus, selection) {
  let byElement = new Map();
  this.set = (problems) => {
    byElement = new Map();
    for (const problem of problems) {
      const id = problem.element_id || '';
      byElement.set(id, [...(byElement.get(id) || []), problem]);
    }
    // Re-render the panel for what is selected now (a "providers changed" event would re-render
    // the element the panel showed before a selection still being rendered).
    const elements = selection.get();
    if (elements.length) eventBus.fire('elements.changed', { elements });
  };
  this.of = (id) => byElement.get(id) || [];
}
ProblemStore.$inject = ['eventBus', 'selection'];

export default {
  __init__: ['branchflowPropertiesProvider'],
  branchflowPropertiesProvider: ['type', BranchFlowPropertiesProvider],
  branchflowProblems: ['type', ProblemStore]
};
