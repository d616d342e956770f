// window.BranchFlowDesigner: the API the designer pages use (see README.md and
// app/templates/designer/_modeler.html for the contract).
import './designer.css';
import { mountBpmn } from './bpmn';
import { showDiff } from './diff';
import { attach } from './glue';
import { makeTranslate, pageLocale } from './i18n/translate';
import { nextFirings } from './timer';

let current = null;

async function mountModeler(el, options = {}) {
  const locale = options.locale || pageLocale();
  const translate = makeTranslate(locale);
  const settings = { ...options, locale };
  if (options.kind === 'dmn') {
    const { mountDmn } = await import('./dmn'); // its own chunk: only DMN pages load it
    current = await mountDmn(el, settings, translate);
  } else {
    current = await mountBpmn(el, settings, translate);
  }
  return current;
}

const api = {
  mountModeler,
  showDiff,
  nextFirings,
  translate: makeTranslate(pageLocale()),
  /** Toggles the token simulation of the last mounted BPMN modeler; true when it is on. */
  simulate: () => (current ? current.simulate() : false)
};

window.BranchFlowDesigner = api;

function attachAll() {
  for (const root of document.querySelectorAll('[data-branchflow-modeler]')) {
    attach(root, api).catch((error) => {
      const status = root.querySelector('[data-bf-status]');
      if (status) status.textContent = String(error.message || error);
      console.error(error);
    });
  }
  for (const root of document.querySelectorAll('[data-branchflow-diff]')) {
    Promise.all([fetch(root.dataset.oldUrl).then((r) => r.text()), fetch(root.dataset.newUrl).then((r) => r.text())])
      .then(([oldXml, newXml]) => showDiff(root, oldXml, newXml))
      .catch((error) => console.error(error));
  }
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', attachAll);
else attachAll();
