/**
 * Threads and relaxed SIMD: how much faster does a model train and predict on more threads, and
 * with fused multiply-add? Every row is a ratio measured in the same run, on the same synthetic
 * MNIST-shaped data, through the public API (fitSync / predict), after a warm-up:
 *   - train 784-128-10 batch 64 and 784-512-256-10 batch 128: 2 threads ÷ 1 (and 3 ÷ 1 for show)
 *   - predict 784-128-10 on 10,000 rows: 2 threads ÷ 1
 *   - train 4-16-3 batch 16: threads 'auto' ÷ 1 (auto gives it one thread: the ratio is ~1)
 *   - relaxed ÷ portable, train 784-128-10 batch 64 (a child process with Node 20's
 *     --experimental-wasm-relaxed-simd; skipped where the engine refuses it)
 * Each model's weights are checked bit-identical across thread counts before its rate counts.
 * Thread speedups need idle cores: the load average at the start is printed beside them.
 *
 *   npx tsx bench/threads.ts [--quick]          (also part 'threads' of bench/index.ts)
 */
import os from 'node:os';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createModel } from '../src/index.js';
import { relaxedSimdAvailable } from '../src/runtime/module.js';
import { fmtRate, fmtRatio, printTable, stats, syntheticData, writeResult, type Dataset } from './peers/harness.js';

interface Row {
  case: string;
  rates: Record<string, number>;
  ratio: number;
  ratioOf: string;
  target?: string;
}

const matrix = (d: Dataset) => ({ rows: d.rows, cols: d.cols, data: d.x });

async function trainRate(sizes: number[], batch: number, threads: number | 'auto', data: Dataset, reps: number,
  kernels: 'portable' | 'relaxed' = 'portable'): Promise<{ rate: number; weights: Float32Array[]; threads: number }> {
  const model = await createModel({
    inputs: sizes[0],
    layers: sizes.slice(1).map((units, i) => ({ units, activation: i === sizes.length - 2 ? 'softmax' as const : 'relu' as const })),
    optimizer: { type: 'sgd', learningRate: 0.01 }, seed: 3, threads, kernels,
  });
  // warm-up (and let the workers start)
  model.fitSync(matrix(data), data.labels, { epochs: 1, batchSize: batch, shuffle: false });
  await new Promise((resolve) => setTimeout(resolve, 50));
  // a fixed number of timed epochs, so that the weights can be compared across thread counts
  const rates: number[] = [];
  for (let rep = 0; rep < reps; rep++) {
    const t0 = performance.now();
    model.fitSync(matrix(data), data.labels, { epochs: 1, batchSize: batch, shuffle: false });
    rates.push(data.rows / ((performance.now() - t0) / 1000));
  }
  const result = { rate: stats(rates).median, weights: model.getWeights().map((w) => w.weight), threads: model.threads };
  model.dispose();
  return result;
}

async function predictRate(threads: number, data: Dataset, seconds: number): Promise<{ rate: number; out: Float32Array }> {
  const model = await createModel({ inputs: 784, layers: [{ units: 128, activation: 'relu' }, { units: 10, activation: 'softmax' }], seed: 3, threads, kernels: 'portable' });
  let out = model.predict(matrix(data)).data;
  await new Promise((resolve) => setTimeout(resolve, 50));
  const rates: number[] = [];
  const until = performance.now() + seconds * 1000;
  do {
    const t0 = performance.now();
    out = model.predict(matrix(data)).data;
    rates.push(data.rows / ((performance.now() - t0) / 1000));
  } while (performance.now() < until || rates.length < 3);
  model.dispose();
  return { rate: stats(rates).median, out };
}

const same = (a: Float32Array[], b: Float32Array[]) => a.every((w, i) => Buffer.from(w.buffer, w.byteOffset, w.byteLength).equals(Buffer.from(b[i].buffer, b[i].byteOffset, b[i].byteLength)));

/** The relaxed ÷ portable row, measured in a child process that has relaxed SIMD. */
function relaxedRow(quick: boolean): Row | string {
  if (relaxedSimdAvailable()) return 'in-process';
  const self = fileURLToPath(import.meta.url);
  const child = spawnSync(process.execPath, ['--experimental-wasm-relaxed-simd', '--import', 'tsx', self, '--relaxed-child', ...(quick ? ['--quick'] : [])], { encoding: 'utf8' });
  const line = /^relaxed-row (.*)$/m.exec(child.stdout ?? '');
  if (!line) return `the child with --experimental-wasm-relaxed-simd failed: ${(child.stderr ?? '').slice(0, 300)}`;
  return JSON.parse(line[1]) as Row;
}

async function measureRelaxed(reps: number): Promise<Row> {
  const data = syntheticData(4096, 784, 10, 1);
  const portable = await trainRate([784, 128, 10], 64, 1, data, reps, 'portable');
  const relaxed = await trainRate([784, 128, 10], 64, 1, data, reps, 'relaxed');
  return { case: 'train 784-128-10 b64, 1 thread: relaxed ÷ portable', rates: { portable: portable.rate, relaxed: relaxed.rate }, ratio: relaxed.rate / portable.rate, ratioOf: 'relaxed ÷ portable', target: '≥ 1.1×' };
}

export async function runThreadsBench(options: { quick: boolean }): Promise<Row[]> {
  const seconds = options.quick ? 0.5 : 2;
  const reps = options.quick ? 3 : 7;
  const load = os.loadavg();
  console.log(`threads: ${os.availableParallelism()} cores, load average ${load.map((l) => l.toFixed(2)).join(' / ')} (1 / 5 / 15 min) at the start`);
  const rows: Row[] = [];
  for (const [sizes, batch, target] of [[[784, 128, 10], 64, '≥ 1.8×'], [[784, 512, 256, 10], 128, '≥ 1.85×']] as const) {
    const data = syntheticData(options.quick ? 2048 : 8192, 784, 10, 1);
    const runs = [];
    for (const threads of [1, 2, 3]) runs.push(await trainRate([...sizes], batch, threads, data, reps));
    if (!same(runs[0].weights, runs[1].weights) || !same(runs[0].weights, runs[2].weights)) throw new Error(`threads bench: ${sizes.join('-')} weights differ between thread counts`);
    rows.push({
      case: `train ${sizes.join('-')} b${batch}: 2 threads ÷ 1`, rates: { '1 thread': runs[0].rate, '2 threads': runs[1].rate, '3 threads': runs[2].rate },
      ratio: runs[1].rate / runs[0].rate, ratioOf: '2 ÷ 1', target,
    });
  }
  {
    const data = syntheticData(10_000, 784, 10, 2);
    const one = await predictRate(1, data, seconds);
    const two = await predictRate(2, data, seconds);
    if (!Buffer.from(one.out.buffer).equals(Buffer.from(two.out.buffer))) throw new Error('threads bench: predictions differ between thread counts');
    rows.push({ case: 'predict 784-128-10, 10,000 rows: 2 threads ÷ 1', rates: { '1 thread': one.rate, '2 threads': two.rate }, ratio: two.rate / one.rate, ratioOf: '2 ÷ 1', target: '≥ 1.8×' });
  }
  {
    const data = syntheticData(4096, 4, 3, 3);
    const one = await trainRate([4, 16, 3], 16, 1, data, reps);
    const auto = await trainRate([4, 16, 3], 16, 'auto', data, reps);
    rows.push({ case: `train 4-16-3 b16: 'auto' (${auto.threads} thread) ÷ 1`, rates: { '1 thread': one.rate, auto: auto.rate }, ratio: auto.rate / one.rate, ratioOf: 'auto ÷ 1', target: 'not slower' });
  }
  const relaxed = relaxedRow(options.quick);
  if (relaxed === 'in-process') rows.push(await measureRelaxed(reps));
  else if (typeof relaxed === 'string') console.log(`relaxed ÷ portable: not run — ${relaxed}`);
  else rows.push(relaxed);

  printTable(['case', 'rates (samples or rows/s)', 'ratio', 'target'], rows.map((r) => [
    r.case, Object.entries(r.rates).map(([k, v]) => `${k} ${fmtRate(v)}`).join(', '), fmtRatio(r.ratio), r.target ?? '',
  ]));
  console.log(`load average at the end: ${os.loadavg().map((l) => l.toFixed(2)).join(' / ')}`);
  writeResult('threads.json', { loadAverage: { start: load, end: os.loadavg() }, cores: os.availableParallelism(), rows });
  return rows;
}

if (process.argv.includes('--relaxed-child')) {
  const row = await measureRelaxed(process.argv.includes('--quick') ? 3 : 7);
  console.log(`relaxed-row ${JSON.stringify(row)}`);
} else if (import.meta.url === `file://${process.argv[1]}`) {
  await runThreadsBench({ quick: process.argv.includes('--quick') });
}
