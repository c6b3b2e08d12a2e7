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

/** Model factory of the bench's MLPs (relu hidden layers, softmax output, sgd). */
function mlp(sizes: number[], threads: number | 'auto', kernels: 'portable' | 'relaxed') {
  return createModel({
    inputs: sizes[0],
    layers: sizes.slice(1).map((units, i) => ({ units, activation: i === sizes.length - 2 ? 'softmax' as const : 'relu' as const })),
    optimizer: { type: 'sgd', learningRate: 0.01 }, seed: 3, threads, kernels,
  });
}

interface Paired {
  /** Median samples (or rows) per second of each variant. */
  rates: number[];
  /** Median over rounds of variant i's rate ÷ variant 0's in the same round. */
  ratios: number[];
  weights: Float32Array[][];
  threads: number[];
}

/**
 * Trains one model per variant on the same data, interleaved: each round runs one epoch of every
 * model in turn (A B C A B C …), so that load from other processes falls on all of them alike;
 * the ratio of a round compares epochs run seconds apart. Every model runs the same epochs, so
 * their weights can be compared bit for bit.
 */
async function pairedTrain(sizes: number[], batch: number, variants: { threads: number | 'auto'; kernels?: 'portable' | 'relaxed' }[],
  data: Dataset, rounds: number): Promise<Paired> {
  const models = [];
  for (const v of variants) models.push(await mlp(sizes, v.threads, v.kernels ?? 'portable'));
  // warm-up (and let the workers start)
  for (const model of models) model.fitSync(matrix(data), data.labels, { epochs: 1, batchSize: batch, shuffle: false });
  await new Promise((resolve) => setTimeout(resolve, 50));
  const times: number[][] = models.map(() => []);
  for (let round = 0; round < rounds; round++) {
    models.forEach((model, i) => {
      const t0 = performance.now();
      model.fitSync(matrix(data), data.labels, { epochs: 1, batchSize: batch, shuffle: false });
      times[i].push(performance.now() - t0);
    });
  }
  const result: Paired = {
    rates: times.map((t) => data.rows / (stats(t).median / 1000)),
    ratios: times.map((t) => stats(t.map((ms, round) => times[0][round] / ms)).median),
    weights: models.map((m) => m.getWeights().map((w) => w.weight)),
    threads: models.map((m) => m.threads),
  };
  for (const model of models) model.dispose();
  return result;
}

/** Predicts `data` with one model per thread count, interleaved like pairedTrain. */
async function pairedPredict(threads: number[], data: Dataset, rounds: number): Promise<Paired & { outs: Float32Array[] }> {
  const models = [];
  for (const t of threads) models.push(await mlp([784, 128, 10], t, 'portable'));
  const outs = models.map((m) => m.predict(matrix(data)).data);
  await new Promise((resolve) => setTimeout(resolve, 50));
  const times: number[][] = models.map(() => []);
  for (let round = 0; round < rounds; round++) {
    models.forEach((model, i) => {
      const t0 = performance.now();
      outs[i] = model.predict(matrix(data)).data;
      times[i].push(performance.now() - t0);
    });
  }
  const result = {
    rates: times.map((t) => data.rows / (stats(t).median / 1000)),
    ratios: times.map((t) => stats(t.map((ms, round) => times[0][round] / ms)).median),
    weights: [], threads: models.map((m) => m.threads), outs,
  };
  for (const model of models) model.dispose();
  return result;
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

async function measureRelaxed(rounds: number): Promise<Row> {
  const data = syntheticData(4096, 784, 10, 1);
  const run = await pairedTrain([784, 128, 10], 64, [{ threads: 1, kernels: 'portable' }, { threads: 1, kernels: 'relaxed' }], data, rounds);
  return { case: 'train 784-128-10 b64, 1 thread: relaxed ÷ portable', rates: { portable: run.rates[0], relaxed: run.rates[1] }, ratio: run.ratios[1], ratioOf: 'relaxed ÷ portable', target: '≥ 1.1×' };
}

export async function runThreadsBench(options: { quick: boolean }): Promise<Row[]> {
  const rounds = options.quick ? 5 : 15;
  const load = os.loadavg();
  console.log(`threads: ${os.availableParallelism()} cores, load average ${load.map((l) => l.toFixed(2)).join(' / ')} (1 / 5 / 15 min) at the start`);
  const rows: Row[] = [];
  for (const [sizes, batch, target] of [[[784, 128, 10], 64, '≥ 1.8×'], [[784, 512, 256, 10], 128, '≥ 1.85×']] as const) {
    const data = syntheticData(options.quick ? 2048 : 4096, 784, 10, 1);
    const run = await pairedTrain([...sizes], batch, [{ threads: 1 }, { threads: 2 }, { threads: 3 }], data, rounds);
    if (!same(run.weights[0], run.weights[1]) || !same(run.weights[0], run.weights[2])) throw new Error(`threads bench: ${sizes.join('-')} weights differ between thread counts`);
    rows.push({
      case: `train ${sizes.join('-')} b${batch}: 2 threads ÷ 1`, rates: { '1 thread': run.rates[0], '2 threads': run.rates[1], '3 threads': run.rates[2] },
      ratio: run.ratios[1], ratioOf: '2 ÷ 1', target,
    });
  }
  {
    const data = syntheticData(10_000, 784, 10, 2);
    const run = await pairedPredict([1, 2], data, rounds * 2);
    if (!Buffer.from(run.outs[0].buffer).equals(Buffer.from(run.outs[1].buffer))) throw new Error('threads bench: predictions differ between thread counts');
    rows.push({ case: 'predict 784-128-10, 10,000 rows: 2 threads ÷ 1', rates: { '1 thread': run.rates[0], '2 threads': run.rates[1] }, ratio: run.ratios[1], ratioOf: '2 ÷ 1', target: '≥ 1.8×' });
  }
  {
    const data = syntheticData(4096, 4, 3, 3);
    const run = await pairedTrain([4, 16, 3], 16, [{ threads: 1 }, { threads: 'auto' }], data, rounds);
    rows.push({ case: `train 4-16-3 b16: 'auto' (${run.threads[1]} thread) ÷ 1`, rates: { '1 thread': run.rates[0], auto: run.rates[1] }, ratio: run.ratios[1], ratioOf: 'auto ÷ 1', target: 'not slower' });
  }
  const relaxed = relaxedRow(options.quick);
  if (relaxed === 'in-process') rows.push(await measureRelaxed(rounds));
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
  const row = await measureRelaxed(process.argv.includes('--quick') ? 5 : 15);
  console.log(`relaxed-row ${JSON.stringify(row)}`);
} else if (import.meta.url === `file://${process.argv[1]}`) {
  await runThreadsBench({ quick: process.argv.includes('--quick') });
}
