// Builds app/static/designer/ from src/: the lint config packed first (bpmnlint resolves rules
// by name, which a browser cannot), then one minified script and one stylesheet with the fonts,
// then THIRD_PARTY_LICENSES.txt from the licence files of every package that ended up bundled.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const here = path.dirname(fileURLToPath(import.meta.url));
const out = path.resolve(here, '../../app/static/designer');
const packed = path.join(here, 'build/packed-lint-config.mjs');

// bpmn.io's licence (bpmn-js, dmn-js): MIT-like, on condition that the watermark stays visible.
const ALLOWED = /^(MIT|ISC|BSD-2-Clause|BSD-3-Clause|Apache-2\.0|0BSD|CC0|CC0-1\.0|bpmn\.io)$/;

mkdirSync(path.dirname(packed), { recursive: true });
execFileSync(
  process.execPath,
  [path.join(here, 'node_modules/bpmnlint-pack-config/bin/cli.js'), '-c', '.bpmnlintrc', '-o', packed, '-t', 'es'],
  { cwd: here, stdio: 'inherit' }
);

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const result = await esbuild.build({
  // build/meta.json (not committed) says what each package weighs in the bundle.
  entryPoints: { designer: path.join(here, 'src/index.js') },
  bundle: true,
  minify: true,
  // An ES module split in chunks: the DMN modeler loads only on DMN pages, and a page that
  // includes the partial twice still runs the module once.
  format: 'esm',
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
  outdir: out,
  metafile: true,
  legalComments: 'none',
  jsx: 'automatic',
  jsxImportSource: '@bpmn-io/properties-panel/preact',
  loader: { '.woff': 'file', '.woff2': 'file', '.ttf': 'file', '.eot': 'file', '.svg': 'file' },
  assetNames: 'fonts/[name]-[hash]',
  define: { 'process.env.NODE_ENV': '"production"' },
  logLevel: 'warning'
});

writeFileSync(path.join(here, 'build/meta.json'), JSON.stringify(result.metafile));

// A package that ships no licence file: its declared licence with its author, and for MIT the
// licence's own text, which the MIT licence asks to accompany the software.
const MIT_TEXT = `Permission is hereby granted, free of charge, to any person obtaining a copy of this software
and associated documentation files (the "Software"), to deal in the Software without restriction,
including without limitation the rights to use, copy, modify, merge, publish, distribute,
sublicense, and/or sell copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all copies or
substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING BUT
NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND
NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES
OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT OF OR IN
CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.`;

function withoutFile(meta, declared) {
  const author = typeof meta.author === 'string' ? meta.author : (meta.author && meta.author.name) || 'its authors';
  const head = `${declared} licence, declared in package.json (no licence file in the package); copyright ${author}.`;
  return declared === 'MIT' ? `${head}\n\n${MIT_TEXT}` : head;
}

// Which packages were bundled: from the inputs esbuild read.
const packages = new Set();
for (const input of Object.keys(result.metafile.inputs)) {
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
  if (match) packages.add(match[1]);
}
const sections = [];
const refused = [];
for (const name of [...packages].sort()) {
  const dir = path.join(here, 'node_modules', name);
  const meta = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
  const licenceFile = readdirSync(dir).find((f) => /^(licen[cs]e|copying)/i.test(f));
  const text = licenceFile ? readFileSync(path.join(dir, licenceFile), 'utf8').trim() : '';
  const declared = typeof meta.license === 'string' ? meta.license : (meta.license && meta.license.type) || '';
  const kind = /bpmn\.io/i.test(text) && /watermark|bpmn\.io/.test(text) && /SEE LICENSE/i.test(declared) ? 'bpmn.io' : declared;
  if (!ALLOWED.test(kind)) refused.push(`${name}: ${declared || 'no licence declared'}`);
  sections.push(`${name} ${meta.version} (${kind})\n${'-'.repeat(72)}\n${text || withoutFile(meta, declared)}\n`);
}
if (refused.length) {
  console.error(`packages with a licence not known to be permissive:\n  ${refused.join('\n  ')}`);
  process.exit(1);
}
writeFileSync(
  path.join(out, 'THIRD_PARTY_LICENSES.txt'),
  'Third-party software bundled in designer.js and designer.css (generated by\n' +
    'frontend/designer/build.mjs; do not edit). bpmn-js and dmn-js are under the bpmn.io licence:\n' +
    'the bpmn.io watermark shown on every diagram must stay visible.\n\n' + sections.join('\n')
);
const { gzipSync } = await import('node:zlib');
for (const output of Object.keys(result.metafile.outputs).filter((f) => /\.(js|css)$/.test(f))) {
  const bytes = readFileSync(path.resolve(output));
  const size = (n) => `${(n / 1024).toFixed(0)} KiB`;
  console.log(`${path.relative(out, path.resolve(output))}: ${size(bytes.length)}, gzip ${size(gzipSync(bytes).length)}`);
}
console.log(`${packages.size} packages bundled; licences in THIRD_PARTY_LICENSES.txt`);
if (!existsSync(path.join(out, 'designer.js'))) process.exit(1);
