// The page glue for templates/designer/_modeler.html: reads the data-* attributes the macro
// renders, loads the model and the catalogue, and wires the Save / Check / Lint / Simulate
// buttons to the server's URLs. No inline script: the Content-Security-Policy forbids it.

function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  if (meta) return meta.content;
  const field = document.querySelector('input[name="csrf_token"]');
  return field ? field.value : '';
}

async function postXml(url, xml) {
  const response = await fetch(url, {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'Content-Type': 'application/json', 'X-CSRFToken': csrfToken(), Accept: 'application/json' },
    body: JSON.stringify({ xml })
  });
  if (!response.ok && response.status !== 422) {
    throw Object.assign(new Error(String(response.status)), { status: response.status });
  }
  return response.json();
}

async function getJson(url, as) {
  const response = await fetch(url, { credentials: 'same-origin', headers: { Accept: as } });
  if (!response.ok) throw Object.assign(new Error(String(response.status)), { status: response.status });
  return as === 'application/json' ? response.json() : response.text();
}

function setStatus(root, text, kind) {
  const status = root.querySelector('[data-bf-status]');
  if (!status) return;
  status.textContent = text;
  status.dataset.kind = kind || '';
}

export async function attach(root, api) {
  const data = root.dataset;
  const translate = api.translate;
  const [xml, catalog] = await Promise.all([
    getJson(data.xmlUrl, 'application/xml'),
    data.catalogUrl ? getJson(data.catalogUrl, 'application/json') : {}
  ]);
  const canvas = root.querySelector('[data-bf-canvas]');
  let checkTimer = null;
  let changes = 0; // edits so far, and how many of them the last save held
  let saved = 0;
  const readOnly = data.readOnly === 'true';
  // Leaving with unsaved changes asks first (the browser's own question).
  window.addEventListener('beforeunload', (event) => {
    if (changes !== saved) event.preventDefault();
  });
  const mounted = await api.mountModeler(canvas, {
    kind: data.kind,
    xml,
    catalog,
    readOnly,
    onChange() {
      changes += 1;
      setStatus(root, '', '');
      if (!data.checkUrl || readOnly) return;
      clearTimeout(checkTimer);
      checkTimer = setTimeout(() => run(data.checkUrl, 'Checking…', null), 1500);
    }
  });
  root.branchflow = mounted;
  // The server's checks include what our own lint rules say (branchflow/*): show those once.
  let serverProblems = null;
  const showAll = async () => {
    const lint = (await mounted.lint()).filter((p) => !(serverProblems && (p.rule || '').startsWith('branchflow/')));
    mounted.showProblems([...(serverProblems || []), ...lint]);
  };
  async function run(url, busy, done) {
    if (!url) return;
    setStatus(root, translate(busy), 'busy');
    try {
      const held = changes;
      const result = await postXml(url, await mounted.getXML());
      if (url === data.saveUrl) saved = held;
      serverProblems = result.problems || [];
      await showAll();
      if (done) setStatus(root, translate(result.problems && result.problems.length ? 'Saved, with problems.' : done), result.ok ? 'ok' : 'problems');
      else setStatus(root, '', '');
      root.dispatchEvent(new CustomEvent('branchflow:result', { detail: result }));
    } catch (error) {
      setStatus(root, error.status ? translate('The server refused: {status}', { status: error.status }) : translate('Could not reach the server.'), 'error');
    }
  }
  const on = (action, handler) => {
    const button = root.querySelector(`[data-bf-action="${action}"]`);
    if (button) button.addEventListener('click', handler);
  };
  on('save', () => run(data.saveUrl, 'Saving…', 'Saved.'));
  on('check', () => run(data.checkUrl, 'Checking…', null));
  on('lint', showAll);
  on('simulate', (event) => event.currentTarget.setAttribute('aria-pressed', String(mounted.simulate())));
  return mounted;
}
