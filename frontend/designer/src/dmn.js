// The DMN modeler (decision requirements diagram, decision tables, literal expressions).
import DmnModeler from 'dmn-js/lib/Modeler';
import DmnViewer from 'dmn-js/lib/NavigatedViewer';
import { translateModule } from './i18n/translate';
import { ProblemList } from './problems';

export async function mountDmn(el, options, translate) {
  el.classList.add('bf-modeler', 'bf-modeler-dmn');
  const canvas = document.createElement('div');
  canvas.className = 'bf-canvas';
  el.append(canvas);
  const translation = translateModule(options.locale);
  const Editor = options.readOnly ? DmnViewer : DmnModeler;
  const modeler = new Editor({
    container: canvas,
    common: { additionalModules: [translation] }
  });
  await modeler.importXML(options.xml);
  const list = new ProblemList(el, translate);
  list.render([], () => {});
  if (options.onChange && !options.readOnly) {
    modeler.on('views.changed', () => {
      const viewer = modeler.getActiveViewer();
      if (viewer && !viewer.__bfWatched) {
        viewer.__bfWatched = true;
        viewer.on('commandStack.changed', () => options.onChange());
      }
    });
  }
  const open = (id) => {
    const view = modeler.getViews().find((v) => v.element.id === id);
    if (view) modeler.open(view);
  };
  return {
    modeler,
    async getXML() {
      const { xml } = await modeler.saveXML({ format: true });
      return xml;
    },
    showProblems(problems) {
      list.render(problems, open);
    },
    async lint() {
      return []; // no browser rules for DMN: the server checks every cell on save
    },
    simulate() {
      return false;
    },
    destroy() {
      modeler.destroy();
    }
  };
}
