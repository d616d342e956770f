// The BPMN modeler with BranchFlow's panel, Chinese labels, lint and token simulation.
import BpmnModeler from 'bpmn-js/lib/Modeler';
import NavigatedViewer from 'bpmn-js/lib/NavigatedViewer';
import { BpmnPropertiesPanelModule, BpmnPropertiesProviderModule } from 'bpmn-js-properties-panel';
import lintModule from 'bpmn-js-bpmnlint';
import TokenSimulationModule from 'bpmn-js-token-simulation';
import lintConfig from '../build/packed-lint-config.mjs';
import spiffworkflow from './spiffworkflow-moddle.json';
import branchflowProperties from './properties';
import { translateModule } from './i18n/translate';
import { ProblemList, focusBpmnElement, markBpmnProblems } from './problems';

const OPEN_GROUPS = ['bf-problems', 'bf-lane', 'bf-task', 'bf-action', 'bf-code'];

/** A read-only page (a published version): the diagram and the problems, nothing to edit. */
async function mountViewer(el, options, translate) {
  el.classList.add('bf-modeler', 'bf-modeler-bpmn', 'bf-read-only');
  const canvas = document.createElement('div');
  canvas.className = 'bf-canvas';
  el.append(canvas);
  const viewer = new NavigatedViewer({
    container: canvas,
    moddleExtensions: { spiffworkflow },
    additionalModules: [translateModule(options.locale)]
  });
  await viewer.importXML(options.xml);
  viewer.get('canvas').zoom('fit-viewport');
  const list = new ProblemList(el, translate);
  list.render([], () => {});
  let marked = new Set();
  return {
    modeler: viewer,
    async getXML() {
      const { xml } = await viewer.saveXML({ format: true });
      return xml;
    },
    showProblems(problems) {
      marked = markBpmnProblems(viewer, problems, marked);
      list.render(problems, (id) => focusBpmnElement(viewer, id));
    },
    async lint() {
      return [];
    },
    simulate() {
      return false;
    },
    destroy() {
      viewer.destroy();
    }
  };
}

export async function mountBpmn(el, options, translate) {
  if (options.readOnly) return mountViewer(el, options, translate);
  el.classList.add('bf-modeler', 'bf-modeler-bpmn');
  const canvas = document.createElement('div');
  canvas.className = 'bf-canvas';
  const panel = document.createElement('div');
  panel.className = 'bf-panel';
  el.append(canvas, panel);
  const modeler = new BpmnModeler({
    container: canvas,
    propertiesPanel: {
      parent: panel,
      // BranchFlow's groups open: they hold what the engine reads.
      layout: { groups: Object.fromEntries(OPEN_GROUPS.map((id) => [id, { open: true }])) }
    },
    linting: { bpmnlint: lintConfig, active: true },
    moddleExtensions: { spiffworkflow },
    branchflow: { catalog: options.catalog || {}, locale: options.locale },
    additionalModules: [
      BpmnPropertiesPanelModule,
      BpmnPropertiesProviderModule,
      branchflowProperties,
      lintModule,
      TokenSimulationModule,
      translateModule(options.locale)
    ]
  });
  const { warnings } = await modeler.importXML(options.xml);
  keepNamedCollections(modeler.get('moddle'), warnings);
  fitBesidePalette(modeler.get('canvas'), el);
  const list = new ProblemList(el, translate);
  list.render([], () => {});
  let marked = new Set();
  let simulating = false;
  // The token simulation writes its own English label; relabel it after each toggle.
  const relabel = () => {
    const label = canvas.querySelector('.bts-toggle-mode');
    if (label && label.firstChild && label.firstChild.nodeType === Node.TEXT_NODE) {
      label.firstChild.textContent = `${translate('Token simulation')} `;
    }
  };
  relabel();
  modeler.on('tokenSimulation.toggleMode', (event) => {
    simulating = event.active;
    relabel();
  });
  if (options.onChange) modeler.on('commandStack.changed', () => options.onChange());

  return {
    modeler,
    async getXML() {
      const { xml } = await modeler.saveXML({ format: true });
      return xml;
    },
    showProblems(problems) {
      modeler.get('branchflowProblems').set(problems);
      marked = markBpmnProblems(modeler, problems, marked);
      list.render(problems, (id) => focusBpmnElement(modeler, id));
    },
    async lint() {
      const results = await modeler.get('linting').lint();
      const problems = [];
      for (const [rule, reports] of Object.entries(results)) {
        for (const report of reports) {
          problems.push({
            element_id: report.id,
            message: translate(report.message),
            severity: report.category === 'warn' ? 'warning' : report.category,
            rule
          });
        }
      }
      return problems;
    },
    simulate() {
      modeler.get('toggleMode').toggleMode();
      return simulating;
    },
    destroy() {
      // A lint still running would draw its overlays on the destroyed canvas: bpmn-js-bpmnlint
      // drops a result whose start marker changed.
      modeler.get('linting')._lintStart = null;
      modeler.destroy();
    }
  };
}


// Fit the diagram into what the palette leaves free: fitted to the whole canvas, its left edge
// (the lanes' headers, the start events) lay under the palette.
function fitBesidePalette(canvas, el) {
  canvas.zoom('fit-viewport');
  const palette = el.querySelector('.djs-palette');
  const covered = palette ? palette.getBoundingClientRect().right - canvas._container.getBoundingClientRect().left + 12 : 0;
  if (covered <= 0) return;
  const box = canvas.viewbox();
  const width = canvas._container.clientWidth;
  if (width <= covered) return;
  const scale = box.scale * (width - covered) / width;
  canvas.viewbox({ x: box.x - covered / scale, y: box.y, width: width / scale, height: box.height * box.scale / scale });
}

// A multi-instance task names its collections by variable (loopDataInputRef 'participants'), as
// the engine reads them; BPMN expects the id of a data element there, so the import drops the
// reference as unresolved and the saved model lost its collection. A detached element with that
// id restores it: it is written back as the same name and is itself never written.
function keepNamedCollections(moddle, warnings) {
  for (const warning of warnings || []) {
    const property = String(warning.property || '');
    if (!warning.element || !warning.value || !/loopData(Input|Output)Ref$/.test(property)) continue;
    warning.element.set(property.replace(/^bpmn:/, ''), moddle.create('bpmn:DataInput', { id: warning.value }));
  }
}
