// Builds the publishable package into <out>/dist (default: the repository's own dist/):
//
//   dist/index.js, dist/**/*.js     ESM, one file per source module (tsc; relative imports carry
//                                   `.js`, so Node, browsers and bundlers load it as is)
//   dist/**/*.d.ts                  types with the TSDoc comments, for `import`
//   dist/**/*.d.cts                 the same types for `require` (specifiers rewritten to .cjs)
//   dist/index.cjs, dist/node.cjs,  CommonJS entries for `require('neuronine')`,
//   dist/onnx.cjs, dist/tfjs.cjs     `require('neuronine/node')`, `…/onnx` and `…/tfjs`, over one
//                                   esbuild bundle dist/internal.cjs (so CJS never relies on
//                                   require(esm))
//   dist/neuronine.wasm             the release kernel module, for streaming compilation
//   dist/cli.js                     the `neuronine` command (package.json `bin`), bundled from
//                                   src/cli by scripts/build-cli.mjs over the entries above
//
// and then checks that the browser entries (neuronine, neuronine/onnx, neuronine/tfjs) bundle for
// platform=browser with no Node built-in in their module graphs (a `node:` import would break
// every browser bundle), and that the core entry does not reach the interop code.
//
// It needs src/runtime/wasm-binary.ts and build/neuronine.wasm from `npm run build:wasm`.
//
// Usage: node scripts/build-package.mjs               build ./dist (npm run build:ts)
//        node scripts/build-package.mjs --out DIR     build DIR/dist (the package tests use it
//                                                     so that they never race on ./dist)
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { builtinModules, createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { buildCLI } from './build-cli.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
/** The package's entry points: `neuronine`, `neuronine/node`, `neuronine/onnx`, `neuronine/tfjs`. */
const ENTRIES = ['src/index.ts', 'src/node.ts', 'src/onnx.ts', 'src/tfjs.ts'];
/** The entries that must bundle for browsers. */
const BROWSER_ENTRIES = ['index', 'onnx', 'tfjs'];
const require = createRequire(import.meta.url);

const args = process.argv.slice(2);
const outArg = args.indexOf('--out');
const outRoot = outArg >= 0 ? resolve(args[outArg + 1] ?? '') : root;
const dist = join(outRoot, 'dist');
const quiet = args.includes('--quiet');
const log = (text) => { if (!quiet) console.log(`build-package: ${text}`); };

function fail(message) {
  console.error(`build-package: ${message}`);
  process.exit(1);
}

for (const needed of ['src/runtime/wasm-binary.ts', 'build/neuronine.wasm']) {
  if (!existsSync(join(root, needed))) fail(`${needed} is missing; run \`npm run build:wasm\` first`);
}

// 1. ESM + .d.ts with tsc. The settings live in tsconfig.build.json; the files are the two entry
// points and what they import, so Node-only tools under src/ (the CLI) stay out of the package.
rmSync(dist, { recursive: true, force: true });
const configDir = mkdtempSync(join(tmpdir(), 'neuronine-tsconfig-'));
const config = join(configDir, 'tsconfig.json');
writeFileSync(config, JSON.stringify({
  extends: join(root, 'tsconfig.build.json'),
  compilerOptions: { rootDir: join(root, 'src'), outDir: dist },
  files: ENTRIES.map((entry) => join(root, entry)),
  include: [],
}));
const tsc = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', config], { cwd: root, stdio: 'inherit' });
rmSync(configDir, { recursive: true, force: true });
if (tsc.status !== 0) fail(`tsc failed (exit ${tsc.status})`);

function* walk(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(path);
    else yield path;
  }
}

// Every relative specifier in the emitted ESM must name a file (Node's ESM loader does not guess
// extensions); tsc keeps specifiers as written, so this catches a source import without `.js`.
const specifier = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(['"])(\.{1,2}\/[^'"]*)\1/g;
const missing = [];
for (const file of walk(dist)) {
  if (!file.endsWith('.js')) continue;
  const text = readFileSync(file, 'utf8');
  for (const [, , spec] of text.matchAll(specifier)) {
    if (!existsSync(join(dirname(file), spec))) missing.push(`${relative(dist, file)}: '${spec}'`);
  }
}
if (missing.length) fail(`emitted ESM has relative imports that do not name a file (add .js in src):\n  ${missing.join('\n  ')}`);

// 2. .d.cts twins so `require` consumers under moduleResolution node16/nodenext get CJS-shaped
// types (a .d.ts in a "type": "module" package describes ESM, which TS refuses to `require`).
let declarations = 0;
for (const file of [...walk(dist)]) {
  if (!file.endsWith('.d.ts')) continue;
  const text = readFileSync(file, 'utf8').replace(specifier, (match, quote, spec) =>
    match.replace(`${quote}${spec}${quote}`, `${quote}${spec.replace(/\.js$/, '.cjs')}${quote}`));
  writeFileSync(file.replace(/\.d\.ts$/, '.d.cts'), text);
  declarations++;
}

// 3. CommonJS. Both entries share one bundle, dist/internal.cjs, so that a data set read by
// `require('neuronine/node')` is made of the same classes as `require('neuronine')`'s (two
// separate bundles would each carry their own Scaler and Pipeline, and instanceof checks across
// them fail). dist/index.cjs and dist/node.cjs just pick their half. `import.meta.url` (used by
// datasets.mnist to find the `mnist` package) becomes `__filename`, which createRequire accepts
// as well; the bundled data sets stay lazy (esbuild turns their dynamic import() into a deferred
// require of an inlined module).
const esbuild = await import('esbuild');
const halves = { index: 'src/index.ts', node: 'src/node.ts', onnx: 'src/onnx.ts', tfjs: 'src/tfjs.ts' };
if (Object.values(halves).sort().join() !== [...ENTRIES].sort().join()) fail('the CommonJS halves do not match ENTRIES');
await esbuild.build({
  absWorkingDir: root,
  stdin: {
    contents: Object.entries(halves).map(([name, entry]) => `export * as ${name} from './${entry}';`).join('\n'),
    resolveDir: root,
    sourcefile: 'neuronine-cjs-entry.ts',
    loader: 'ts',
  },
  outfile: join(dist, 'internal.cjs'),
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  define: { 'import.meta.url': '__filename' },
  logLevel: 'warning',
  legalComments: 'none',
});
for (const name of Object.keys(halves)) {
  writeFileSync(join(dist, `${name}.cjs`), `'use strict';\n// CommonJS entry of '${name === 'index' ? 'neuronine' : `neuronine/${name}`}'; the code is in internal.cjs, shared by all entries.\nmodule.exports = require('./internal.cjs').${name};\n`);
}

// 4. the portable release wasm, for users who compile it themselves (WebAssembly.compileStreaming
// and createModel's `instantiate` option), with its memory import unshared (the threads of a
// model use the embedded builds): the same transformation as unshareMemory in src/runtime/module.ts
const wasm = readFileSync(join(root, 'build/neuronine.wasm'));
{
  let p = 8;
  const leb = () => { let r = 0, s = 0, b; do { b = wasm[p++]; r |= (b & 0x7f) << s; s += 7; } while (b & 0x80); return r >>> 0; };
  let done = false;
  while (p < wasm.length && !done) {
    const id = wasm[p++], size = leb(), end = p + size;
    if (id === 2) {
      for (let count = leb(); count > 0 && !done; count--) {
        for (let name = 0; name < 2; name++) { const length = leb(); p += length; }
        const kind = wasm[p++];
        if (kind === 0) leb();
        else if (kind === 1) { p++; const flags = wasm[p++]; leb(); if (flags & 1) leb(); }
        else if (kind === 3) p += 2;
        else if (kind === 2) { wasm[p] &= ~2; done = true; }
      }
    }
    p = end;
  }
  if (!done) fail('build/neuronine.wasm imports no memory');
}
writeFileSync(join(dist, 'neuronine.wasm'), wasm);

// 4b. the command line, over the ESM entries
await buildCLI({ root, dist, entries: ENTRIES });

// 5. the browser entry must not reach a Node built-in: bundle the emitted ESM for the browser
// (esbuild cannot resolve `node:*` for platform=browser, so the build itself fails on one) and
// also check the module graph for bare built-in names.
const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
for (const entry of BROWSER_ENTRIES) {
  const browser = await esbuild.build({
    entryPoints: [join(dist, `${entry}.js`)],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    splitting: true,
    outdir: join(outRoot, '.browser-check'),
    write: false,
    metafile: true,
    logLevel: 'silent',
  }).catch((error) => fail(`the browser entry ${entry}.js does not bundle for platform=browser:\n${error.message}`));
  const nodeImports = Object.entries(browser.metafile.inputs)
    .flatMap(([file, input]) => input.imports.filter((i) => builtins.has(i.path) || i.path.startsWith('node:')).map((i) => `${file} -> ${i.path}`));
  if (nodeImports.length) fail(`the browser entry ${entry}.js imports Node built-ins:\n  ${nodeImports.join('\n  ')}`);
  // the core must not carry the interop code (it has its own entry points)
  const interop = Object.keys(browser.metafile.inputs).filter((file) => /io[\\/](onnx|onnx-proto|protobuf|tfjs|portable)\.js$/.test(file));
  if (entry === 'index' && interop.length) fail(`the core entry reaches interop modules:\n  ${interop.join('\n  ')}`);
}

const files = [...walk(dist)];
const bytes = files.reduce((sum, f) => sum + readFileSync(f).length, 0);
log(`${relative(root, dist) || 'dist'}: ${files.length} files, ${(bytes / 1024).toFixed(1)} KiB `
  + `(ESM + ${declarations} .d.ts/.d.cts pairs, CommonJS ${Object.keys(halves).map((h) => `${h}.cjs`).join('/')} over internal.cjs, neuronine.wasm, cli.js); browser entries have no Node imports`);
