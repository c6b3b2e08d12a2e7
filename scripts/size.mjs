// What neuronine costs to download and install (npm run size):
//
//   - the npm tarball (packed and unpacked), built fresh from the current sources;
//   - the browser entry as a user's bundler ships it: dist/index.js bundled by esbuild (platform
//     browser, ESM, minified, code splitting), gzip -9 (zlib). The core figure is every chunk but
//     the bundled data sets, which are lazy import() chunks fetched only when called (reported on
//     their own), the relaxed-SIMD kernel build and the worker pool, lazy chunks as well. The
//     core includes the portable kernel module, embedded deflated as base64;
//   - the breakdown: the JS without the embedded wasm, and the .wasm file gzipped (what a user who
//     streams dist/neuronine.wasm downloads beside the JS);
//   - a tree-shaken app that imports only createModel (sideEffects: false at work);
//   - the interop entry points neuronine/onnx and neuronine/tfjs: what an app that already ships
//     the core adds by importing one (the core bundle with and without it), and the entry bundled
//     alone (it imports createModel, so that includes the core it needs).
//
// Usage: node scripts/size.mjs            print a table
//        node scripts/size.mjs --json     print the figures as JSON
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import * as esbuild from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const work = mkdtempSync(join(tmpdir(), 'neuronine-size-'));
const gz = (bytes) => gzipSync(bytes, { level: 9 }).length;
const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`;

function run(command, args, cwd) {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8' });
  if (result.status !== 0) {
    console.error(`size: ${command} ${args.join(' ')} failed:\n${result.stdout}\n${result.stderr}`);
    process.exit(1);
  }
  return result.stdout;
}

try {
  if (!existsSync(join(root, 'build/neuronine.wasm'))) {
    console.error('size: build/neuronine.wasm is missing; run `npm run build:wasm` first');
    process.exit(1);
  }
  // 1. a fresh package, packed
  const stage = join(work, 'package');
  run(process.execPath, [join(root, 'scripts/build-package.mjs'), '--out', stage, '--quiet'], root);
  for (const file of ['package.json', 'LICENSE', 'README.md', 'data/SOURCES.md']) {
    if (existsSync(join(root, file))) {
      mkdirSync(dirname(join(stage, file)), { recursive: true });
      cpSync(join(root, file), join(stage, file));
    }
  }
  const [pack] = JSON.parse(run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], stage));

  // 2. the browser entry as a bundler ships it
  const dist = join(stage, 'dist');
  const isDataset = (path) => /data[\\/]bundled[\\/]/.test(path);
  // the relaxed-SIMD kernel build: a lazy chunk that only engines with relaxed SIMD fetch
  const isRelaxed = (path) => /runtime[\\/]wasm-relaxed\.js$/.test(path);
  // the worker pool: a lazy chunk that only models with threads > 1 fetch
  const isThreads = (path) => /runtime[\\/]threads\.js$/.test(path);
  async function bundle(name, options = {}) {
    const result = await esbuild.build({
      stdin: options.stdin,
      entryPoints: options.stdin ? undefined : [join(dist, 'index.js')],
      bundle: true,
      platform: 'browser',
      format: 'esm',
      splitting: true,
      minify: true,
      target: 'es2022',
      outdir: join(work, name),
      write: false,
      metafile: true,
      legalComments: 'none',
      logLevel: 'error',
      plugins: options.plugins ?? [],
    });
    const metaByPath = new Map(Object.entries(result.metafile.outputs).map(([key, meta]) => [resolve(key), meta]));
    const chunks = result.outputFiles.filter((f) => f.path.endsWith('.js')).map((f) => {
      const inputs = Object.keys(metaByPath.get(f.path)?.inputs ?? {});
      return { path: f.path, bytes: f.contents.length, gzip: gz(f.contents), dataset: inputs.length > 0 && inputs.every(isDataset),
        relaxed: inputs.length > 0 && inputs.every(isRelaxed), threads: inputs.length > 0 && inputs.every(isThreads), inputs };
    });
    const core = chunks.filter((c) => !c.dataset && !c.relaxed && !c.threads);
    return {
      chunks,
      core: { bytes: core.reduce((s, c) => s + c.bytes, 0), gzip: core.reduce((s, c) => s + c.gzip, 0), files: core.length },
    };
  }
  // the same bundle with the base64 kernel module emptied: the JS alone
  const noWasm = {
    name: 'no-wasm',
    setup(build) {
      build.onLoad({ filter: /runtime[\\/]wasm-binary\.js$/ }, () => ({ contents: "export const wasmDeflated = '';", loader: 'js' }));
    },
  };
  const full = await bundle('full');
  const jsOnly = await bundle('js-only', { plugins: [noWasm] });
  const shaken = await bundle('create-model-only', { stdin: { contents: "export { createModel } from './index.js';", resolveDir: dist, loader: 'js' } });
  const interop = {};
  for (const entry of ['onnx', 'tfjs']) {
    const withEntry = await bundle(`core-and-${entry}`, { stdin: { contents: `export * from './index.js';\nexport * from './${entry}.js';`, resolveDir: dist, loader: 'js' } });
    const alone = await bundle(`${entry}-alone`, { stdin: { contents: `export * from './${entry}.js';`, resolveDir: dist, loader: 'js' } });
    interop[entry] = {
      added: { bytes: withEntry.core.bytes - full.core.bytes, gzip: withEntry.core.gzip - full.core.gzip },
      alone: alone.core,
    };
  }
  const wasm = readFileSync(join(dist, 'neuronine.wasm'));
  const datasets = full.chunks.filter((c) => c.dataset).map((c) => ({
    name: c.inputs.map((i) => i.replace(/^.*bundled[\\/]/, '').replace(/\.js$/, '')).join('+'), bytes: c.bytes, gzip: c.gzip,
  })).sort((a, b) => a.name.localeCompare(b.name));

  const figures = {
    packed: pack.size,
    unpacked: pack.unpackedSize,
    packedFiles: pack.entryCount,
    core: full.core,
    coreJsOnly: jsOnly.core,
    wasm: { bytes: wasm.length, gzip: gz(wasm) },
    createModelOnly: shaken.core,
    interop,
    datasets,
    relaxed: full.chunks.filter((c) => c.relaxed).map((c) => ({ bytes: c.bytes, gzip: c.gzip }))[0],
    threads: full.chunks.filter((c) => c.threads).map((c) => ({ bytes: c.bytes, gzip: c.gzip }))[0],
  };

  if (process.argv.includes('--json')) {
    console.log(JSON.stringify(figures, null, 2));
  } else {
    const rows = [
      ['npm tarball (packed / unpacked)', `${kb(figures.packed)} / ${kb(figures.unpacked)}`, `${figures.packedFiles} files`],
      ['browser core: JS + embedded wasm (all exports)', kb(figures.core.bytes), kb(figures.core.gzip)],
      ['  of which JS alone', kb(figures.coreJsOnly.bytes), kb(figures.coreJsOnly.gzip)],
      ['  the .wasm file (streaming users)', kb(figures.wasm.bytes), kb(figures.wasm.gzip)],
      ['tree-shaken: only createModel (+ embedded wasm)', kb(figures.createModelOnly.bytes), kb(figures.createModelOnly.gzip)],
      ...(figures.relaxed ? [["lazy chunk: relaxed-SIMD kernels (kernels: 'relaxed'/'auto' where supported)", kb(figures.relaxed.bytes), kb(figures.relaxed.gzip)]] : []),
      ...(figures.threads ? [['lazy chunk: worker pool (models with threads > 1)', kb(figures.threads.bytes), kb(figures.threads.gzip)]] : []),
      ...Object.entries(interop).flatMap(([entry, f]) => [
        [`neuronine/${entry}: added to an app that has the core`, kb(f.added.bytes), kb(f.added.gzip)],
        [`neuronine/${entry} alone (with the core parts it uses)`, kb(f.alone.bytes), kb(f.alone.gzip)],
      ]),
      ...datasets.map((d) => [`lazy chunk: datasets.${d.name}()`, kb(d.bytes), kb(d.gzip)]),
    ];
    const width = Math.max(...rows.map((r) => r[0].length));
    console.log(`${'what'.padEnd(width)}  ${'minified'.padStart(10)}  ${'gzip -9'.padStart(10)}`);
    for (const [what, a, b] of rows) console.log(`${what.padEnd(width)}  ${a.padStart(10)}  ${b.padStart(10)}`);
    console.log('\nKB = 1024 bytes; esbuild platform=browser, ESM, minified, splitting; gzip level 9 (node:zlib).');
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
