/**
 * Layer cost (bench/train.ts `layers`, the network view), kernel binary A against B in the same
 * process: for each thread count, the five networks of LAYER_COST_NETS are built on each binary
 * and trained one batch at a time in rotating order, A's and B's rounds alternating (A B B A …),
 * so that load from other processes hits both alike. Per binary it prints the median step time of
 * each network and each layer's cost (its added step time ÷ the added step time of a dense
 * 256 → 256 layer, median and quartiles of the per-round ratios), as bench/train.ts defines it.
 * Both binaries must give the same losses (checked first).
 *
 * Then, on B alone, the layers' kernels at batch 128 × 256 columns on a board of the largest
 * thread count with its workers running: the plain kernels (on the calling thread, as the driver
 * ran them before they were split) against their par_ versions (same bits, checked), median µs of
 * the fastest of 3 tries per round, interleaved. The network view is what a user sees, but
 * its quartiles on a shared machine are wider than the layers' whole cost; the kernel view
 * isolates them.
 *
 *   npx tsx bench/layers-ab.ts A.wasm B.wasm [--rounds 60] [--threads 1,2] [--kernels]   (--kernels: that view alone)
 */
import { readFileSync } from 'node:fs';
import { Model } from '../src/model/model.js';
import { resolveSpec } from '../src/model/spec.js';
import { createMemory, instantiateModule, unshareMemory } from '../src/runtime/module.js';
import type { ModelRuntime } from '../src/runtime/runtime.js';
import { WorkerPool, wrapKernels } from '../src/runtime/threads.js';
import { printTable } from './peers/harness.js';
import { caseData, LAYER_COST_NETS, LEARNING_RATE } from './train.js';

const args = process.argv.slice(2);
const option = (name: string, fallback: string) => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? args[at + 1] : fallback;
};
const files = args.filter((a, i) => a.endsWith('.wasm') && !args[i - 1]?.startsWith('--'));
if (files.length !== 2) throw new Error('usage: npx tsx bench/layers-ab.ts A.wasm B.wasm [--rounds 60] [--threads 1,2]');
const rounds = Number(option('rounds', '60'));
const threadCounts = option('threads', '1,2').split(',').map(Number);
const batch = 128;

const bytes = files.map((file) => readFileSync(file));
const modules = bytes.map((b) => ({ shared: new WebAssembly.Module(b), plain: new WebAssembly.Module(unshareMemory(new Uint8Array(b))) }));

/** A model on binary `which`, as createModel builds one (workers included). */
function modelOn(which: number, layers: (typeof LAYER_COST_NETS)[string]['layers'], threads: number): Model {
  const spec = resolveSpec({ inputs: 784, layers, optimizer: { type: 'sgd', learningRate: LEARNING_RATE }, seed: 1 });
  const shared = threads > 1;
  const module = shared ? modules[which].shared : modules[which].plain;
  const memory = createMemory(shared);
  const runtime: ModelRuntime = {
    kernels: instantiateModule(module, memory), build: 'portable', threads, note: undefined,
    startWorkers: (board) => new WorkerPool(module, memory, board, threads - 1),
    wrap: wrapKernels,
  };
  return new Model(runtime.kernels, spec, runtime);
}

const quantile = (sorted: number[], q: number) => {
  const at = (sorted.length - 1) * q, lo = Math.floor(at), hi = Math.ceil(at);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (at - lo);
};
const spread = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return { median: quantile(sorted, 0.5), q1: quantile(sorted, 0.25), q3: quantile(sorted, 0.75) };
};
const pct = (v: number) => `${(100 * v).toFixed(1)} %`;

const data = caseData([784, 256, 128, 10], batch);
const x = { rows: batch, cols: 784, data: data.x.subarray(0, batch * 784) };
const y = data.labels.subarray(0, batch);
const options = { epochs: 1, batchSize: batch, shuffle: false };
const keys = Object.keys(LAYER_COST_NETS);

for (const threads of args.includes('--kernels') ? [] : threadCounts) {
  const models = [0, 1].map((which) => keys.map((key) => modelOn(which, LAYER_COST_NETS[key].layers, threads)));
  // the same losses on both binaries (a binary that trains differently is not comparable)
  for (let k = 0; k < keys.length; k++) {
    const losses = models.map((m) => m[k].fitSync(x, y, options).loss[0]);
    if (losses[0] !== losses[1]) throw new Error(`${LAYER_COST_NETS[keys[k]].name}: loss ${losses[0]} on A, ${losses[1]} on B`);
  }
  for (let w = 0; w < 10; w++) for (const set of models) for (const model of set) model.fitSync(x, y, options);
  // times[which][net][round]: the fastest of 3 steps
  const times = models.map((set) => set.map(() => [] as number[]));
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? [0, 1] : [1, 0];
    for (const which of order) {
      for (let o = 0; o < keys.length; o++) {
        const k = (o + r) % keys.length;
        let best = Infinity;
        for (let t = 0; t < 3; t++) {
          const t0 = performance.now();
          models[which][k].fitSync(x, y, options);
          best = Math.min(best, performance.now() - t0);
        }
        times[which][k].push(best);
      }
    }
  }
  const used = models[0][0].threads;
  for (const set of models) for (const model of set) model.dispose();
  console.log(`\n${used} thread${used > 1 ? 's' : ''}, batch ${batch}, ${rounds} rounds (A ${files[0]}, B ${files[1]})`);
  const at = (which: number, key: string) => times[which][keys.indexOf(key)];
  const rows: string[][] = [];
  for (const key of keys) {
    const row = [LAYER_COST_NETS[key].name];
    for (const which of [0, 1]) row.push(spread(at(which, key)).median.toFixed(3));
    for (const which of [0, 1]) {
      if (key === 'plain' || key === 'dense') { row.push('—'); continue; }
      const plain = at(which, 'plain'), dense = at(which, 'dense');
      const c = spread(at(which, key).map((v, i) => (v - plain[i]) / (dense[i] - plain[i])));
      row.push(`${pct(c.median)} (${pct(c.q1)} … ${pct(c.q3)})`);
    }
    rows.push(row);
  }
  printTable(['network', 'A ms/step', 'B ms/step', 'A cost ÷ dense 256 → 256', 'B cost ÷ dense 256 → 256'], rows);
}

// ---- kernels on B: plain against par_ on a board with workers
{
  const threads = Math.max(...threadCounts);
  const m = batch, n = 256;
  const memory = createMemory(true);
  const k = instantiateModule(modules[1].shared, memory);
  let top = (k.heap_base() + 63) & ~63;
  const alloc = (floats: number, fill?: (i: number) => number) => {
    const at = top;
    top = (top + floats * 4 + 63) & ~63;
    const need = top - memory.buffer.byteLength;
    if (need > 0) memory.grow(Math.ceil(need / 65536));
    if (fill) new Float32Array(memory.buffer, at, floats).forEach((_, i, a) => { a[i] = fill(i); });
    return at;
  };
  const wave = (i: number) => Math.sin(i * 0.37) * 2 + Math.cos(i * 0.011);
  const x = alloc(m * n, wave), dy = alloc(m * n, (i) => Math.sin(i * 1.3)), gamma = alloc(n, () => 1.2), beta = alloc(n, () => 0.1);
  const out = alloc(m * n), xhat = alloc(m * n), mean = alloc(n), variance = alloc(n), invStd = alloc(n);
  const dx = alloc(m * n), dgamma = alloc(n), dbeta = alloc(n), mask = alloc(m * n), dropped = alloc(m * n), ddrop = alloc(m * n);
  const board = alloc(4096 / 4 + 16);
  const boardAt = (board + 63) & ~63;
  const kk = k as unknown as Record<string, (...a: number[]) => void>;
  const bn = (prefix: string) => () => {
    kk[`${prefix}batchnorm_forward`](out, xhat, mean, variance, invStd, x, gamma, beta, m, n, 1e-3);
    kk[`${prefix}batchnorm_backward`](dx, dgamma, dbeta, dy, xhat, gamma, invStd, m, n);
  };
  let stream = 0;
  const dropout = (prefix: string) => () => {
    kk[`${prefix}dropout_forward`](dropped, mask, x, m * n, 0.2, 1, stream++);
    kk[`${prefix}dropout_backward`](ddrop, dy, mask, m * n);
  };
  const snapshot = () => [out, xhat, dx, dgamma, dbeta, mask, dropped, ddrop].map((at) => new Uint32Array(memory.buffer, at, at === dgamma || at === dbeta ? n : m * n).slice());
  k.parallel_setup(boardAt, threads, 0, 0);
  const pool = new WorkerPool(modules[1].shared, memory, boardAt, threads - 1);
  const groups: Record<string, () => void> = { 'BN plain': bn(''), 'BN par_': bn('par_'), 'dropout plain': dropout(''), 'dropout par_': dropout('par_') };
  // the same bits both ways (the same dropout stream for both)
  stream = 7; groups['BN plain'](); groups['dropout plain'](); const want = snapshot();
  stream = 7; groups['BN par_'](); groups['dropout par_'](); const got = snapshot();
  if (!want.every((w, i) => Buffer.from(w.buffer).equals(Buffer.from(got[i].buffer)))) throw new Error('par_ layer kernels differ from the plain ones');
  const helped = () => Atomics.load(new Int32Array(memory.buffer), (boardAt >>> 2) + 17);
  for (let w = 0; w < 2000 && helped() === 0; w++) { groups['BN par_'](); await new Promise((resolve) => setTimeout(resolve, 1)); }
  const names = Object.keys(groups);
  const micros = names.map(() => [] as number[]);
  const reps = 20;
  for (let r = 0; r < rounds * 4; r++) {
    for (let o = 0; o < names.length; o++) {
      const g = (o + r) % names.length;
      let best = Infinity;
      for (let t = 0; t < 3; t++) {
        const t0 = performance.now();
        for (let i = 0; i < reps; i++) groups[names[g]]();
        best = Math.min(best, (performance.now() - t0) / reps);
      }
      micros[g].push(best * 1000);
    }
  }
  pool.dispose();
  console.log(`\nkernels on B, ${m} × ${n}, forward + backward, board of ${threads} threads (workers ran ${helped()} tasks), ${rounds * 4} rounds`);
  printTable(['layer', 'plain µs (calling thread)', 'par_ µs', 'plain ÷ par_'], ['BN', 'dropout'].map((layer) => {
    const plain = spread(micros[names.indexOf(`${layer} plain`)]).median, par = spread(micros[names.indexOf(`${layer} par_`)]).median;
    return [layer, plain.toFixed(1), par.toFixed(1), `${(plain / par).toFixed(2)}×`];
  }));
}
process.exit(0);
