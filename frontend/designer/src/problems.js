// Problems on the diagram (a marker and a badge on each element) and in a list beside it;
// clicking a problem selects its element and scrolls it into view.

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

export class ProblemList {
  constructor(container, translate) {
    this.translate = translate;
    this.root = element('section', 'bf-problems');
    this.root.setAttribute('aria-live', 'polite');
    this.heading = element('h2', 'bf-problems-heading', translate('Problems'));
    this.list = element('ol', 'bf-problems-list');
    this.root.append(this.heading, this.list);
    container.append(this.root);
  }

  /** problems: [{element_id, message, severity, source}]; focus(id) is called on a click. */
  render(problems, focus) {
    this.list.replaceChildren();
    this.root.classList.toggle('bf-has-problems', problems.length > 0);
    if (!problems.length) {
      this.list.append(element('li', 'bf-problem-none', this.translate('No problems.')));
      return;
    }
    for (const problem of problems) {
      const item = element('li', `bf-problem bf-severity-${problem.severity || 'error'}`);
      const button = element('button', 'bf-problem-focus');
      button.type = 'button';
      button.dataset.elementId = problem.element_id || '';
      button.append(
        element('span', 'bf-problem-severity', this.translate(problem.severity || 'error')),
        element('span', 'bf-problem-element', problem.element_id || ''),
        element('span', 'bf-problem-message', problem.message)
      );
      if (problem.element_id) button.addEventListener('click', () => focus(problem.element_id));
      else button.disabled = true;
      item.append(button);
      this.list.append(item);
    }
  }
}

/** Markers and badges on a bpmn-js canvas for the server's problems. */
export function markBpmnProblems(modeler, problems, previous) {
  const canvas = modeler.get('canvas');
  const overlays = modeler.get('overlays');
  const registry = modeler.get('elementRegistry');
  for (const id of previous) {
    if (registry.get(id)) {
      canvas.removeMarker(id, 'bf-problem-error');
      canvas.removeMarker(id, 'bf-problem-warning');
    }
  }
  overlays.remove({ type: 'bf-problem' });
  const marked = new Set();
  for (const problem of problems) {
    const shape = problem.element_id && registry.get(problem.element_id);
    if (!shape) continue;
    const severity = problem.severity === 'warning' ? 'warning' : 'error';
    canvas.addMarker(shape, `bf-problem-${severity}`);
    if (!marked.has(shape.id)) {
      const badge = element('span', `bf-problem-badge bf-severity-${severity}`, '!');
      badge.title = problem.message;
      overlays.add(shape, 'bf-problem', { position: { top: -8, right: 8 }, html: badge });
    }
    marked.add(shape.id);
  }
  return marked;
}

export function focusBpmnElement(modeler, id) {
  const shape = modeler.get('elementRegistry').get(id);
  if (!shape) return;
  modeler.get('canvas').scrollToElement(shape);
  const selection = modeler.get('selection', false);
  if (selection) selection.select(shape);
}
