/**
 * "How fast does it train?" Samples per second over an epoch of synthetic MNIST-shaped rows
 * (784 features in 0–1, 10 classes; 4 features and 3 classes for the overhead case), minibatch
 * SGD, ReLU hidden layers, softmax + cross-entropy, with every peer side by side in the same
 * run. Before timing, every contender is checked against neuronine from the same initial
 * weights: one SGD step on the same batch must give the same loss and the same outputs after
 * the step (per-sample libraries: the same outputs before training). Results go to the
 * terminal and bench/results/train.json.
 *
 *   npx tsx bench/train.ts [--quick] [layers]     (layers: only the dropout / batch-normalization row,
 *                                                  written to bench/results/layer-cost.json)
 */
import { pathToFileURL } from 'node:url';
import { createModel, type LayerSpec } from '../src/index.js';
import { createMemory, instantiateModule, kernelModule } from '../src/runtime/module.js';
import {
  compareOutputs, describeMachine, seeded, forwardMacs, FULL, fmtRate, fmtRatio, headRows, machine, parseArgs, printTable, QUICK,
  sizesName, syntheticData, timeTraining, writeResult,
  type Budget, type Check, type Dataset, type Machine, type Rate, type Sizes, type TrainContender,
} from './peers/harness.js';
import { buildModel, neuronineFit, neuronineFitSync } from './peers/neuronine.js';
import { probeThreaded, tfjsLayersTrain, tfjsTrain } from './peers/tfjs.js';
import { plainTrain } from './peers/plainjs.js';
import { brainTrain } from './peers/brainjs.js';
import { synapticTrain } from './peers/synaptic.js';

export interface TrainCase {
  id: string;
  sizes: Sizes;
  batch: number;
  rows: number;
  /** The issue's target for neuronine (samples/s) and the TF.js wasm rate it quotes. */
  target: number;
  issueTfjs: number;
  /** Time the async `fit` too (once is enough to show its cost). */
  async?: boolean;
}

export const TRAIN_CASES: TrainCase[] = [
  { id: 'mlp-b64', sizes: [784, 128, 10], batch: 64, rows: 10_000, target: 80_000, issueTfjs: 12_000, async: true },
  { id: 'mlp-b256', sizes: [784, 128, 10], batch: 256, rows: 10_000, target: 90_000, issueTfjs: 14_000 },
  { id: 'deep-b128', sizes: [784, 512, 256, 10], batch: 128, rows: 10_000, target: 16_000, issueTfjs: 1_240 },
  { id: 'tiny-b16', sizes: [4, 16, 3], batch: 16, rows: 1_500, target: 3_000_000, issueTfjs: 68_000 },
];

export const LEARNING_RATE = 0.05;
const TOLERANCE = 1e-4;

/** The headline cases run TF.js both ways (hand-written loop and layers model.fit); ratios use its faster one. */
export const PEERS: TrainContender[] = [tfjsTrain('wasm'), tfjsLayersTrain('wasm'), tfjsTrain('cpu'), plainTrain, brainTrain, synapticTrain];

export interface ContenderResult {
  name: string;
  note: string;
  check: Check;
  /** Absent when the check failed or the contender could not run. */
  result?: Rate;
  error?: string;
}

export interface TrainCaseResult {
  id: string;
  sizes: string;
  batch: number;
  rows: number;
  target: number;
  issueTfjs: number;
  contenders: ContenderResult[];
  /** neuronine fitSync's median rate ÷ each contender's. */
  ratios: Record<string, number>;
  verdict: string;
}

const dataCache = new Map<string, Dataset>();
export function caseData(sizes: Sizes, rows: number): Dataset {
  const key = `${sizes[0]}x${sizes[sizes.length - 1]}`;
  let data = dataCache.get(key);
  if (!data || data.rows < rows) {
    data = syntheticData(Math.max(rows, 10_000), sizes[0], sizes[sizes.length - 1]);
    dataCache.set(key, data);
  }
  return headRows(data, rows);
}

/** Checks a contender against neuronine from the same weights (see the file comment). */
async function check(contender: TrainContender, trainer: Awaited<ReturnType<TrainContender['create']>>,
  reference: { loss: number; probs: Float32Array }, batch: Dataset, probe: Dataset, sizes: Sizes,
  weights: Awaited<ReturnType<typeof initialWeights>>): Promise<Check> {
  if (contender.check === 'step') {
    const got = await trainer.step!(batch, probe);
    const lossDiff = Math.abs(got.loss - reference.loss);
    const outputs = compareOutputs('outputs after 1 step', reference.probs, got.probs, TOLERANCE);
    const lossOk = lossDiff <= TOLERANCE * Math.max(1, Math.abs(reference.loss));
    return { ok: lossOk && outputs.ok, detail: `loss ${got.loss.toFixed(6)} vs ${reference.loss.toFixed(6)}; ${outputs.detail}` };
  }
  const model = await buildModel(sizes, weights, LEARNING_RATE, contender.outputActivation);
  const ours = model.predict({ rows: probe.rows, cols: probe.cols, data: probe.x }).data;
  model.dispose();
  return compareOutputs(`outputs, ${contender.outputActivation} output layer`, ours, await trainer.predict!(probe), TOLERANCE);
}

async function initialWeights(sizes: Sizes) {
  const model = await buildModel(sizes, undefined, LEARNING_RATE);
  const weights = model.getWeights();
  model.dispose();
  return weights;
}

export async function runTrainCase(c: TrainCase, budget: Budget, peers: TrainContender[] = PEERS): Promise<TrainCaseResult> {
  const rows = budget.quick ? Math.min(c.rows, 2_000) : c.rows;
  const data = caseData(c.sizes, rows);
  const weights = await initialWeights(c.sizes);
  const setup = { sizes: c.sizes, weights, learningRate: LEARNING_RATE };
  const batch = headRows(data, c.batch);
  const probeRows = 32;
  const probe = { ...data, rows: probeRows, x: data.x.subarray((rows - probeRows) * data.cols, rows * data.cols), labels: data.labels.subarray(rows - probeRows, rows) };

  const contenders = [neuronineFitSync, ...(c.async ? [neuronineFit] : []), ...peers];
  const results: ContenderResult[] = [];
  let reference: { loss: number; probs: Float32Array } | undefined;
  for (const contender of contenders) {
    let trainer: Awaited<ReturnType<TrainContender['create']>> | undefined;
    const skipped = contender.skip?.(c.sizes)
      ?? (budget.quick && contender.check === 'forward' && forwardMacs(c.sizes) > 10_000 ? 'quick mode runs per-sample peers on the small network only' : undefined);
    if (skipped) {
      results.push({ name: contender.name, note: contender.note, check: { ok: false, detail: 'left out' }, error: `left out: ${skipped}` });
      continue;
    }
    try {
      trainer = await contender.create(setup);
      if (!reference) reference = await trainer.step!(batch, probe);
      const verdict = await check(contender, trainer, reference, batch, probe, c.sizes, weights);
      const entry: ContenderResult = { name: contender.name, note: contender.note, check: verdict };
      if (verdict.ok) entry.result = await timeTraining(trainer, data, c.batch, budget, contender.check === 'forward');
      results.push(entry);
    } catch (error) {
      results.push({ name: contender.name, note: contender.note, check: { ok: false, detail: 'did not run' }, error: String((error as Error)?.message ?? error).slice(0, 300) });
    } finally {
      trainer?.dispose();
    }
  }
  const ours = results[0].result?.rate.median ?? NaN;
  const ratios: Record<string, number> = {};
  for (const r of results.slice(1)) if (r.result) ratios[r.name] = ours / r.result.rate.median;
  const tfjsRates = results.filter((r) => r.name.startsWith('tfjs-wasm') && r.result).map((r) => r.result!.rate.median);
  const tfjs = tfjsRates.length ? Math.max(...tfjsRates) : undefined;
  const verdict = `target ≥ ${fmtRate(c.target)}: ${fmtRate(ours)} → ${ours >= c.target ? 'met' : `missed (${(100 * ours / c.target).toFixed(0)} % of it)`}`
    + (tfjs ? `; ${fmtRatio(ours / tfjs)} TF.js wasm's faster path (${fmtRate(tfjs)} here; issue quotes ≈ ${fmtRate(c.issueTfjs)}, target ratio ${fmtRatio(c.target / c.issueTfjs)})` : '');
  return { id: c.id, sizes: sizesName(c.sizes), batch: c.batch, rows, target: c.target, issueTfjs: c.issueTfjs, contenders: results, ratios, verdict };
}

export function printTrainCase(r: TrainCaseResult): void {
  console.log(`\ntrain ${r.sizes}, batch ${r.batch}, ${fmtRate(r.rows)} rows, SGD lr ${LEARNING_RATE}`);
  const ours = r.contenders[0].result?.rate.median ?? NaN;
  printTable(['contender', 'samples/s', 'min–max', 'rows/epoch', 'neuronine ÷', 'check'], r.contenders.map((c) => {
    if (!c.result) return [c.name, '—', '—', '—', '—', c.error ? (c.error.startsWith('left out') ? c.error : `did not run: ${c.error}`) : `FAILED ${c.check.detail}`];
    const { rate, rows, extrapolated } = c.result;
    return [c.name, fmtRate(rate.median), `${fmtRate(rate.min)}–${fmtRate(rate.max)}`, `${fmtRate(rows)}${extrapolated ? ' (extrap.)' : ''}`,
      c === r.contenders[0] ? '1.00×' : fmtRatio(ours / rate.median), `ok (${c.check.detail})`];
  }));
  console.log(r.verdict);
}

/**
 * Issue 8's row: what a batch-normalization and a dropout layer cost at batch 128, each as a
 * share of a dense layer of the same width (256 → 256): "a dense step of the same width" read
 * as one dense layer's forward + backward + update, the thing a BN or dropout layer sits beside
 * (÷ the whole plain network's step, a far easier bar, is printed next to it). Two views, each
 * interleaved in one process, each the median of per-round ratios:
 *
 * Network: five nets take turns —
 *   plain     784-256-128-10
 *   BN        784-256-BN-128-10
 *   dropout   784-256-dropout(0.2)-128-10
 *   both      784-256-BN-dropout(0.2)-128-10     (the issue's row)
 *   dense     784-256-256-128-10                  (one more dense 256 → 256 ReLU layer)
 * A round times single SGD steps (fitSync on one batch, no shuffle) of each net, in an order
 * that rotates from round to round, each net `tries` times keeping its fastest; per round
 *   cost = (t(net with the layer) − t(plain)) ÷ (t(dense) − t(plain)).
 *
 * Kernels: the same work as the driver runs it, one thread, 128 × 256, on one instance —
 *   dense:   gemm_nn (+ fused ReLU), activation_backward, gemm_tn (dW, db), gemm_nt (dX),
 *            sgd_update of the 65,792 parameters
 *   BN:      batchnorm_forward, batchnorm_backward, batchnorm_update_moving, sgd_update of γ, β
 *   dropout: dropout_forward, dropout_backward
 * per round cost = t(layer's kernels) ÷ t(dense's kernels), each the fastest of `tries`.
 * The network view includes what the kernels leave out (the driver, the extra buffers' cache
 * traffic) but its differences of ~1 % of a step drown in a shared machine's noise; the kernel
 * view is the precise one.
 */
export interface LayerCostRun {
  threads: number;
  rounds: number;
  /** Median ms per training step of each net over the rounds (fastest try of each round). */
  stepMs: Record<string, number>;
  /** Per layer (BN, dropout, both): median and quartiles of the per-round ratios. */
  ofDense: Record<string, Spread>;
  ofPlainStep: Record<string, number>;
  /** The same ratio from each net's fastest step over the whole run (load only ever adds time). */
  ofDenseFastest: Record<string, number>;
}

export interface Spread { median: number; q1: number; q3: number }

export interface KernelCostRun {
  rounds: number;
  /** Median µs of each group of kernels (fastest try of each round). */
  micros: Record<string, number>;
  ofDense: Record<string, Spread>;
}

export interface LayerCostResult {
  batch: number;
  definition: string;
  target: number;
  runs: LayerCostRun[];
  kernels: KernelCostRun;
}

const RELU_256: LayerSpec = { units: 256, activation: 'relu' };
const TAIL: LayerSpec[] = [{ units: 128, activation: 'relu' }, { units: 10, activation: 'softmax' }];
const BN: LayerSpec = { type: 'batchNormalization' };
const DROPOUT: LayerSpec = { type: 'dropout', rate: 0.2 };
export const LAYER_COST_NETS: Record<string, { name: string; layers: LayerSpec[] }> = {
  plain: { name: '784-256-128-10', layers: [RELU_256, ...TAIL] },
  BN: { name: '784-256-BN-128-10', layers: [RELU_256, BN, ...TAIL] },
  dropout: { name: '784-256-dropout-128-10', layers: [RELU_256, DROPOUT, ...TAIL] },
  both: { name: '784-256-BN-dropout-128-10', layers: [RELU_256, BN, DROPOUT, ...TAIL] },
  dense: { name: '784-256-256-128-10', layers: [RELU_256, RELU_256, ...TAIL] },
};
const LAYER_COST_DEFINITION = 'cost of a layer = its added time ÷ the added time of one dense 256 → 256 ReLU layer '
  + '(forward + backward + SGD update) at batch 128; network: (t(net with it) − t(plain)) ÷ (t(784-256-256-128-10) − t(plain)) per step; '
  + 'kernels: t(its kernels) ÷ t(the dense layer\'s kernels); median of per-round ratios, nets/kernels interleaved';

function quantile(sorted: number[], q: number): number {
  const at = (sorted.length - 1) * q;
  const lo = Math.floor(at), hi = Math.ceil(at);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (at - lo);
}
const median = (values: number[]): number => quantile([...values].sort((a, b) => a - b), 0.5);
function spread(values: number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  return { median: quantile(sorted, 0.5), q1: quantile(sorted, 0.25), q3: quantile(sorted, 0.75) };
}

/** Rounds of `groups` in rotating order, each the fastest of `tries`; times in ms, per group. */
function interleave(groups: (() => void)[], rounds: number, tries: number): number[][] {
  const times = groups.map(() => [] as number[]);
  for (let r = 0; r < rounds; r++) {
    for (let o = 0; o < groups.length; o++) {
      const i = (o + r) % groups.length;
      let best = Infinity;
      for (let t = 0; t < tries; t++) {
        const t0 = performance.now();
        groups[i]();
        best = Math.min(best, performance.now() - t0);
      }
      times[i].push(best);
    }
  }
  return times;
}

async function layerCostRun(threads: number | 'auto', rounds: number, tries: number, batch: number): Promise<LayerCostRun> {
  const data = caseData([784, 256, 128, 10], batch);
  const x = { rows: batch, cols: 784, data: data.x.subarray(0, batch * 784) };
  const y = data.labels.subarray(0, batch);
  const keys = Object.keys(LAYER_COST_NETS);
  const models = await Promise.all(keys.map((key) =>
    createModel({ inputs: 784, layers: LAYER_COST_NETS[key].layers, optimizer: { type: 'sgd', learningRate: LEARNING_RATE }, seed: 1, threads })));
  const options = { epochs: 1, batchSize: batch, shuffle: false };
  for (let w = 0; w < 5; w++) for (const model of models) model.fitSync(x, y, options); // warm-up, plans memory
  const times = interleave(models.map((model) => () => { model.fitSync(x, y, options); }), rounds, tries);
  const usedThreads = models[0].threads;
  for (const model of models) model.dispose();
  const at = (key: string) => times[keys.indexOf(key)];
  const stepMs: Record<string, number> = {};
  for (const key of keys) stepMs[key] = median(at(key));
  const ofDense: Record<string, Spread> = {};
  const ofPlainStep: Record<string, number> = {};
  const ofDenseFastest: Record<string, number> = {};
  const plain = at('plain'), dense = at('dense');
  const fastest = (key: string) => Math.min(...at(key));
  for (const key of ['BN', 'dropout', 'both']) {
    const t = at(key);
    ofDense[key] = spread(t.map((v, r) => (v - plain[r]) / (dense[r] - plain[r])));
    ofPlainStep[key] = median(t.map((v, r) => (v - plain[r]) / plain[r]));
    ofDenseFastest[key] = (fastest(key) - fastest('plain')) / (fastest('dense') - fastest('plain'));
  }
  return { threads: usedThreads, rounds, stepMs, ofDense, ofPlainStep, ofDenseFastest };
}

async function kernelCostRun(rounds: number, tries: number, m: number, n: number): Promise<KernelCostRun> {
  const k = instantiateModule(await kernelModule('portable'), createMemory(false));
  let top = (k.heap_base() + 63) & ~63;
  const alloc = (floats: number, fill?: () => number): number => {
    const at = top;
    top = (top + floats * 4 + 63) & ~63;
    const need = top - k.memory.buffer.byteLength;
    if (need > 0) k.memory.grow(Math.ceil(need / 65536));
    if (fill) {
      const view = new Float32Array(k.memory.buffer, at, floats);
      for (let i = 0; i < floats; i++) view[i] = fill();
    }
    return at;
  };
  const random = seeded(7);
  const uniform = () => random() * 2 - 1;
  const scratch = alloc(Math.max(...[0, 1, 2].map((form) => k.gemm_scratch_bytes(form, m, n, n))) / 4 + 16);
  // dense 256 → 256: A0 (m, n) → A1 (m, n), W (n, n), b (n), params and grads contiguous like the plan's
  const a0 = alloc(m * n, () => random()), a1 = alloc(m * n), da1 = alloc(m * n, uniform), da0 = alloc(m * n);
  const params = alloc(n * n + n, () => uniform() * 0.1), grads = alloc(n * n + n);
  const relu = 1;
  const dense = () => {
    k.gemm_nn(a1, a0, params, params + n * n * 4, m, n, n, relu, 0, 0, scratch);
    k.activation_backward(da1, da1, a1, m * n, relu, 0);
    k.gemm_tn(grads, a0, da1, grads + n * n * 4, n, m, n, 0, scratch);
    k.gemm_nt(da0, da1, params, m, n, n, 0, scratch);
    k.sgd_update(params, grads, n * n + n, 1e-6, 0, 1, Infinity);
  };
  // batch normalization: γ, β with their gradients, statistics, x̂
  const bnParams = alloc(2 * n, () => 1), bnGrads = alloc(2 * n), xhat = alloc(m * n), bnOut = alloc(m * n);
  const mean = alloc(n), variance = alloc(n), invStd = alloc(n), movingMean = alloc(n), movingVar = alloc(n, () => 1);
  const dbn = alloc(m * n, uniform), dbnIn = alloc(m * n);
  const batchNorm = () => {
    k.batchnorm_forward(bnOut, xhat, mean, variance, invStd, a0, bnParams, bnParams + n * 4, m, n, 1e-3);
    k.batchnorm_backward(dbnIn, bnGrads, bnGrads + n * 4, dbn, xhat, bnParams, invStd, m, n);
    k.batchnorm_update_moving(movingMean, movingVar, mean, variance, n, 0.99);
    k.sgd_update(bnParams, bnGrads, 2 * n, 1e-6, 0, 1, Infinity);
  };
  const mask = alloc(m * n), dropOut = alloc(m * n), ddrop = alloc(m * n, uniform), ddropIn = alloc(m * n);
  let stream = 0;
  const dropout = () => {
    k.dropout_forward(dropOut, mask, a0, m * n, 0.2, 1, stream++);
    k.dropout_backward(ddropIn, ddrop, mask, m * n);
  };
  const groups: Record<string, () => void> = { dense, BN: batchNorm, dropout };
  const keys = Object.keys(groups);
  for (let w = 0; w < 20; w++) for (const key of keys) groups[key]();
  const times = interleave(keys.map((key) => groups[key]), rounds, tries);
  const at = (key: string) => times[keys.indexOf(key)];
  const micros: Record<string, number> = {};
  for (const key of keys) micros[key] = 1000 * median(at(key));
  const ofDense: Record<string, Spread> = {};
  for (const key of ['BN', 'dropout']) ofDense[key] = spread(at(key).map((v, r) => v / at('dense')[r]));
  ofDense.both = spread(at('BN').map((v, r) => (v + at('dropout')[r]) / at('dense')[r]));
  return { rounds, micros, ofDense };
}

export async function runLayerCost(budget: Budget): Promise<LayerCostResult> {
  const batch = 128;
  const rounds = budget.quick ? 15 : 60;
  const kernels = await kernelCostRun(budget.quick ? 100 : 400, 3, batch, 256);
  const runs = [await layerCostRun(1, rounds, 3, batch), await layerCostRun('auto', rounds, 3, batch)];
  return { batch, definition: LAYER_COST_DEFINITION, target: 0.1, runs, kernels };
}

const pct = (v: number) => `${(100 * v).toFixed(1)} %`;
const spreadText = (c: Spread) => `${pct(c.median)} (${pct(c.q1)} … ${pct(c.q3)})`;

export function printLayerCost(r: LayerCostResult): void {
  console.log(`\nlayer cost at batch ${r.batch} (target ≤ ${100 * r.target} % per layer); ${r.definition}`);
  const verdict = (key: string, c: Spread) => key === 'both' ? '(two layers)' : c.median <= r.target ? 'met' : 'missed';
  const kr = r.kernels;
  console.log(`\nkernels, 1 thread, ${kr.rounds} rounds (fastest of 3 tries each)`);
  printTable(['layer', 'µs (median)', 'cost ÷ dense 256 → 256 (median, quartiles)', `≤ ${100 * r.target} %`],
    ['dense', 'BN', 'dropout', 'both'].map((key) => [key, key === 'both' ? '—' : kr.micros[key].toFixed(1),
      key === 'dense' ? '100 % (the yardstick)' : spreadText(kr.ofDense[key]), key === 'dense' ? '—' : verdict(key, kr.ofDense[key])]));
  for (const run of r.runs) {
    console.log(`\nnetworks, ${run.threads} thread${run.threads > 1 ? 's' : ''}, ${run.rounds} rounds (fastest of 3 steps each)`);
    printTable(['network', 'ms/step (median)', 'cost ÷ dense 256 → 256 (median, quartiles)', 'from fastest steps', '÷ plain step', `≤ ${100 * r.target} %`],
      Object.keys(LAYER_COST_NETS).map((key) => {
        const row = [LAYER_COST_NETS[key].name, run.stepMs[key].toFixed(3)];
        const c = run.ofDense[key];
        if (!c) return [...row, key === 'dense' ? '100 % (the yardstick)' : '—', '—', '—', '—'];
        return [...row, spreadText(c), pct(run.ofDenseFastest[key]), pct(run.ofPlainStep[key]), verdict(key, c)];
      }));
  }
}

export async function runTrain(budget: Budget, info?: { machine: Machine; threaded: string | null }): Promise<TrainCaseResult[]> {
  const m = info?.machine ?? machine();
  const threaded = info ? info.threaded : await probeThreaded();
  if (!info) console.log(describeMachine(m));
  const results: TrainCaseResult[] = [];
  for (const c of TRAIN_CASES) {
    const r = await runTrainCase(c, budget);
    printTrainCase(r);
    results.push(r);
  }
  const layerCost = await runLayerCost(budget);
  printLayerCost(layerCost);
  if (threaded) console.log(`\ntfjs-wasm threaded: not run — ${threaded}`);
  console.log(`rows/epoch "(extrap.)": a slow contender trained on fewer rows per epoch; its samples/s is extrapolated to the full epoch.`);
  const file = writeResult('train.json', {
    machine: m, mode: budget.quick ? 'quick' : 'full', budget, learningRate: LEARNING_RATE, tolerance: TOLERANCE,
    notRun: threaded ? [{ name: 'tfjs-wasm threaded', reason: threaded }] : [], cases: results, layerCost,
  });
  console.log(`wrote ${file}`);
  return results;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { quick, only } = parseArgs(process.argv.slice(2));
  if (only.includes('layers')) {
    const m = machine();
    console.log(describeMachine(m));
    const layerCost = await runLayerCost(quick ? QUICK : FULL);
    printLayerCost(layerCost);
    console.log(`wrote ${writeResult('layer-cost.json', { machine: m, loadAverageAtEnd: machine().loadAverage, mode: quick ? 'quick' : 'full', layerCost })}`);
  } else {
    await runTrain(quick ? QUICK : FULL);
  }
  process.exit(0);
}
