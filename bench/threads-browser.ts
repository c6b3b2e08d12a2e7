/**
 * Threads in a browser, beside TF.js's threaded wasm backend. TF.js's multi-threaded wasm build
 * does not initialise in Node (see bench/peers/tfjs.ts, probeThreaded), so this comparison runs in
 * Chromium: a cross-origin isolated page (COOP/COEP headers) loads TF.js 4.22 with the wasm backend
 * (XNNPACK, SIMD, `setThreadsCount(n)`) and neuronine (bundled from src/ by esbuild), and trains
 * the same networks on the same synthetic MNIST-shaped rows (made here, served as binary):
 *   - train 784-128-10 batch 64 and 784-512-256-10 batch 128, SGD, softmax + cross-entropy;
 *   - predict 784-128-10 on 10,000 rows.
 * neuronine: 1 and 2 threads with the portable kernels, and 2 threads with kernels 'auto' (the
 * relaxed-SIMD build where Chromium has it), fitSync / predict on the page's main thread.
 * TF.js: a hand-written loop (fused matMul + bias + ReLU, softmaxCrossEntropy, sgd minimize), the
 * same as bench/peers/tfjs.ts; a page can initialise the wasm backend once, so each TF.js thread
 * count gets a page of its own. Rates are medians over timed epochs after a warm-up epoch.
 *
 *   npx tsx bench/threads-browser.ts [--quick]     (also part 'browser-threads' of bench/index.ts)
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { chromiumAvailable, launchChromium, runPage, serveStatic } from '../test/browser/harness.js';
import { fmtRate, fmtRatio, printTable, syntheticData, writeResult } from './peers/harness.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const tfDir = join(dirname(require.resolve('@tensorflow/tfjs/package.json')), 'dist');
const tfWasmDir = join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
const ISOLATION = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

interface Case { id: string; sizes: number[]; batch: number; rows: number }
const TRAIN: Case[] = [
  { id: 'train 784-128-10 b64', sizes: [784, 128, 10], batch: 64, rows: 8192 },
  { id: 'train 784-512-256-10 b128', sizes: [784, 512, 256, 10], batch: 128, rows: 2048 },
];
const PREDICT_ROWS = 10_000;

/** One page's work: TF.js on `tf` threads (0: skip), neuronine on each of `nn`. */
const PAGE = String.raw`<!doctype html><meta charset="utf-8"><title>threads: neuronine and TF.js wasm</title>
<script src="/tf/tf.min.js"></script><script src="/tfwasm/tf-backend-wasm.min.js"></script>
<script type="module">
import { createModel } from '/nn/index.js';
const params = new URLSearchParams(location.search);
const tfThreads = Number(params.get('tf'));
const nn = JSON.parse(params.get('nn'));
const { train, predictRows, epochs } = JSON.parse(params.get('plan'));
const median = (a) => [...a].sort((p, q) => p - q)[a.length >> 1];
async function data(rows, name) {
  const bytes = await (await fetch('/data-' + name.replace(/\W+/g, '_') + '.bin')).arrayBuffer();
  return { x: new Float32Array(bytes, 0, rows * 784), labels: new Int32Array(bytes, rows * 784 * 4, rows) };
}
const spec = (sizes) => ({ inputs: sizes[0], layers: sizes.slice(1).map((units, i) => ({ units, activation: i === sizes.length - 2 ? 'softmax' : 'relu' })), optimizer: { type: 'sgd', learningRate: 0.01 }, seed: 3 });
async function ready(model, x) {
  for (let i = 0; i < 500 && model.threads > 1 && !(model.pool?.helped > 0); i++) { model.predict(x); await new Promise((r) => setTimeout(r, 10)); }
}
async function neuronine(threads, kernels) {
  const out = { threads, kernels, train: {}, predict: 0 };
  for (const c of train) {
    const d = await data(c.rows, c.id);
    const x = { rows: c.rows, cols: 784, data: d.x };
    const model = await createModel({ ...spec(c.sizes), threads, kernels });
    out.got = model.threads; out.note = model.threadsNote ?? null; out.build = model.kernels;
    await ready(model, x);
    model.fitSync(x, d.labels, { epochs: 1, batchSize: c.batch, shuffle: false });
    const rates = [];
    for (let e = 0; e < epochs; e++) { const t = performance.now(); model.fitSync(x, d.labels, { epochs: 1, batchSize: c.batch, shuffle: false }); rates.push(c.rows / ((performance.now() - t) / 1000)); }
    out.train[c.id] = median(rates);
    model.dispose();
  }
  const d = await data(predictRows, 'predict');
  const x = { rows: predictRows, cols: 784, data: d.x };
  const model = await createModel({ ...spec([784, 128, 10]), threads, kernels });
  await ready(model, x);
  model.predict(x);
  const rates = [];
  for (let e = 0; e < epochs; e++) { const t = performance.now(); model.predict(x); rates.push(predictRows / ((performance.now() - t) / 1000)); }
  out.predict = median(rates);
  model.dispose();
  return out;
}
async function tfjs(threads) {
  tf.wasm.setWasmPaths('/tfwasm/');
  tf.wasm.setThreadsCount(threads);
  if (!(await tf.setBackend('wasm'))) throw new Error('tfjs: the wasm backend did not initialise');
  await tf.ready();
  const out = { threads: tf.wasm.getThreadsCount(), simd: tf.env().getBool('WASM_HAS_SIMD_SUPPORT'), multithread: tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT'), train: {}, predict: 0 };
  const net = (sizes) => ({ w: sizes.slice(1).map((n, i) => tf.variable(tf.randomUniform([sizes[i], n], -0.05, 0.05, 'float32', 3))), b: sizes.slice(1).map((n) => tf.variable(tf.zeros([n]))) });
  const logits = (n, x) => { let a = x; n.w.forEach((w, i) => { a = tf.fused.matMul({ a, b: w, bias: n.b[i], activation: i < n.w.length - 1 ? 'relu' : 'linear' }); }); return a; };
  for (const c of train) {
    const d = await data(c.rows, c.id);
    const n = net(c.sizes);
    const vars = [...n.w, ...n.b];
    const optimizer = tf.train.sgd(0.01);
    const x = tf.tensor2d(d.x, [c.rows, 784]);
    const y = tf.tidy(() => tf.oneHot(tf.tensor1d(d.labels, 'int32'), c.sizes[c.sizes.length - 1]));
    const epoch = () => {
      const order = tf.util.createShuffledIndices(c.rows);
      for (let start = 0; start < c.rows; start += c.batch) {
        const idx = tf.tensor1d(new Int32Array(order.subarray(start, Math.min(start + c.batch, c.rows))), 'int32');
        const xb = tf.gather(x, idx), yb = tf.gather(y, idx);
        optimizer.minimize(() => tf.losses.softmaxCrossEntropy(yb, logits(n, xb)), false, vars);
        tf.dispose([idx, xb, yb]);
      }
      n.w[0].dataSync();
    };
    epoch();
    const rates = [];
    for (let e = 0; e < epochs; e++) { const t = performance.now(); epoch(); rates.push(c.rows / ((performance.now() - t) / 1000)); }
    out.train[c.id] = median(rates);
    tf.dispose([x, y, ...vars]); optimizer.dispose();
  }
  const d = await data(predictRows, 'predict');
  const n = net([784, 128, 10]);
  const x = tf.tensor2d(d.x, [predictRows, 784]);
  const run = () => tf.tidy(() => tf.softmax(logits(n, x)).dataSync());
  run();
  const rates = [];
  for (let e = 0; e < epochs; e++) { const t = performance.now(); run(); rates.push(predictRows / ((performance.now() - t) / 1000)); }
  out.predict = median(rates);
  return out;
}
try {
  const result = { isolated: globalThis.crossOriginIsolated === true, nn: [] };
  for (const [threads, kernels] of nn) result.nn.push(await neuronine(threads, kernels));
  if (tfThreads > 0) result.tf = await tfjs(tfThreads);
  window.__result = result;
} catch (error) {
  window.__error = String(error && error.stack || error);
}
</script>`;

interface NnRun { threads: number; kernels: string; got: number; note: string | null; build: string; train: Record<string, number>; predict: number }
interface TfRun { threads: number; simd: boolean; multithread: boolean; train: Record<string, number>; predict: number }
interface PageResult { isolated: boolean; nn: NnRun[]; tf?: TfRun }

export async function runBrowserThreadsBench(options: { quick: boolean }): Promise<void> {
  if (!chromiumAvailable()) return;
  const work = mkdtempSync(join(os.tmpdir(), 'neuronine-threads-browser-'));
  const load = os.loadavg();
  console.log(`browser threads: ${os.availableParallelism()} cores, load average ${load.map((l) => l.toFixed(2)).join(' / ')} at the start`);
  const chromium = await launchChromium();
  try {
    await esbuild.build({
      entryPoints: [join(root, 'src/index.ts')], bundle: true, platform: 'browser', format: 'esm', splitting: true,
      target: 'es2022', outdir: join(work, 'nn'), logLevel: 'error',
    });
    writeFileSync(join(work, 'index.html'), PAGE);
    const plan = {
      train: TRAIN.map((c) => ({ ...c, rows: options.quick ? c.rows / 4 : c.rows })),
      predictRows: options.quick ? PREDICT_ROWS / 4 : PREDICT_ROWS,
      epochs: options.quick ? 3 : 7,
    };
    const files: Record<string, { rows: number; seed: number }> = { predict: { rows: plan.predictRows, seed: 2 } };
    for (const c of plan.train) files[c.id] = { rows: c.rows, seed: 1 };
    for (const [name, { rows, seed }] of Object.entries(files)) {
      const d = syntheticData(rows, 784, 10, seed);
      const bytes = new Uint8Array(rows * 784 * 4 + rows * 4);
      bytes.set(new Uint8Array(d.x.buffer, d.x.byteOffset, d.x.byteLength), 0);
      bytes.set(new Uint8Array(d.labels.buffer, d.labels.byteOffset, d.labels.byteLength), rows * 784 * 4);
      writeFileSync(join(work, `data-${name.replace(/\W+/g, '_')}.bin`), bytes);
    }
    const server = await serveStatic({ '/': work, '/tf/': tfDir, '/tfwasm/': tfWasmDir }, { headers: ISOLATION });
    const page = (tf: number, nn: [number, string][]) => `${server.origin}/index.html?tf=${tf}&nn=${encodeURIComponent(JSON.stringify(nn))}&plan=${encodeURIComponent(JSON.stringify(plan))}`;
    const results: PageResult[] = [];
    try {
      for (const [tf, nn] of [[1, [[1, 'portable'], [2, 'portable'], [2, 'auto']]], [2, []]] as [number, [number, string][]][]) {
        const { result, page: p, logs } = await runPage<PageResult>(chromium.browser, page(tf, nn), 600_000);
        if (logs.some((l) => l.startsWith('[pageerror]'))) console.log(logs.join('\n'));
        await p.close();
        results.push(result);
      }
    } finally {
      await server.close();
    }
    const [first, second] = results;
    if (!first.isolated) throw new Error('browser threads: the page is not cross-origin isolated');
    const [nn1, nn2, nnAuto] = first.nn;
    if (!second.tf || !first.tf) throw new Error('browser threads: a TF.js run is missing');
    const tf1 = first.tf, tf2 = second.tf;
    if (nn2.got !== 2) throw new Error(`browser threads: neuronine got ${nn2.got} threads (${nn2.note})`);
    const rows: string[][] = [];
    const record: Record<string, unknown>[] = [];
    for (const c of TRAIN) {
      const v = [nn1.train[c.id], nn2.train[c.id], nnAuto.train[c.id], tf1.train[c.id], tf2.train[c.id]];
      rows.push([`${c.id} (samples/s)`, ...v.map(fmtRate), fmtRatio(v[1] / v[0]), fmtRatio(v[4] / v[3]), fmtRatio(v[1] / v[4])]);
      record.push({ case: c.id, neuronine1: v[0], neuronine2: v[1], neuronine2Auto: v[2], tfjs1: v[3], tfjs2: v[4] });
    }
    const p = [nn1.predict, nn2.predict, nnAuto.predict, tf1.predict, tf2.predict];
    rows.push(['predict 784-128-10 (rows/s)', ...p.map(fmtRate), fmtRatio(p[1] / p[0]), fmtRatio(p[4] / p[3]), fmtRatio(p[1] / p[4])]);
    record.push({ case: 'predict 784-128-10', neuronine1: p[0], neuronine2: p[1], neuronine2Auto: p[2], tfjs1: p[3], tfjs2: p[4] });
    printTable(['case (Chromium, COI page)', 'neuronine 1t', 'neuronine 2t', `neuronine 2t ${nnAuto.build}`, 'tfjs-wasm 1t', `tfjs-wasm ${tf2.threads}t`, 'nn 2÷1', 'tfjs 2÷1', 'nn 2t ÷ tfjs 2t'], rows);
    console.log(`TF.js wasm: asked for 1 then 2 threads, got ${tf1.threads} then ${tf2.threads} (getThreadsCount), SIMD ${tf2.simd}, multithread build ${tf2.multithread}; load average at the end ${os.loadavg().map((l) => l.toFixed(2)).join(' / ')}`);
    if (tf2.threads < 2) console.log('note: TF.js\'s threaded wasm build loaded, but its thread pool reports one thread, so its "2t" column is a second one-thread run');
    writeResult('threads-browser.json', { loadAverage: { start: load, end: os.loadavg() }, browser: chromium.browser.version(), tfjsThreads: [tf1.threads, tf2.threads], neuronineAutoBuild: nnAuto.build, rows: record });
  } finally {
    await chromium.close();
    rmSync(work, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await runBrowserThreadsBench({ quick: process.argv.includes('--quick') });
}
