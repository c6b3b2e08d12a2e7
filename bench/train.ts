/**
 * "How fast does it train?" Samples per second over an epoch of synthetic MNIST-shaped rows
 * (784 features in 0–1, 10 classes; 4 features and 3 classes for the overhead case), minibatch
 * SGD, ReLU hidden layers, softmax + cross-entropy, with every peer side by side in the same
 * run. Before timing, every contender is checked against neuronine from the same initial
 * weights: one SGD step on the same batch must give the same loss and the same outputs after
 * the step (per-sample libraries: the same outputs before training). Results go to the
 * terminal and bench/results/train.json.
 *
 *   npx tsx bench/train.ts [--quick] [layers]     (layers: only the dropout / batch-normalization row)
 */
import { pathToFileURL } from 'node:url';
import { createModel, type LayerSpec } from '../src/index.js';
import {
  compareOutputs, describeMachine, forwardMacs, FULL, fmtRate, fmtRatio, headRows, machine, parseArgs, printTable, QUICK,
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

/** What a batch-normalization and a dropout layer cost, next to a dense layer of the same width. */
export interface LayerCostResult {
  batch: number;
  rows: number;
  /** Median samples/s of fitSync for each network. */
  rates: Record<string, number>;
  /** Milliseconds per training step of each network. */
  stepMs: Record<string, number>;
  /** The added step time of BN + dropout (both layers) ÷ the added step time of one dense 256 → 256 layer. */
  ratio: number;
  /** The same for each layer alone: the issue's target is per layer. */
  batchNormalizationRatio: number;
  dropoutRatio: number;
  target: number;
}

const LAYER_COST_NETS: Record<string, LayerSpec[]> = {
  '784-256-128-10': [{ units: 256, activation: 'relu' }, { units: 128, activation: 'relu' }, { units: 10, activation: 'softmax' }],
  '784-256-BN-dropout-128-10': [{ units: 256, activation: 'relu' }, { type: 'batchNormalization' }, { type: 'dropout', rate: 0.2 },
    { units: 128, activation: 'relu' }, { units: 10, activation: 'softmax' }],
  '784-256-256-128-10': [{ units: 256, activation: 'relu' }, { units: 256, activation: 'relu' }, { units: 128, activation: 'relu' }, { units: 10, activation: 'softmax' }],
  '784-256-BN-128-10': [{ units: 256, activation: 'relu' }, { type: 'batchNormalization' }, { units: 128, activation: 'relu' }, { units: 10, activation: 'softmax' }],
  '784-256-dropout-128-10': [{ units: 256, activation: 'relu' }, { type: 'dropout', rate: 0.2 }, { units: 128, activation: 'relu' }, { units: 10, activation: 'softmax' }],
};

/**
 * Issue 8's row: 784-256-BN-dropout-128-10 at batch 128 beside the plain 784-256-128-10, and a
 * third net with one more dense 256 → 256 layer in their place, so that the two layers' cost can
 * be stated as a fraction of a dense step of the same width (target: at most 10 %).
 */
export async function runLayerCost(budget: Budget): Promise<LayerCostResult> {
  const batch = 128;
  const rows = budget.quick ? 2_048 : 10_240;
  const data = caseData([784, 256, 128, 10], rows);
  const x = { rows, cols: 784, data: data.x.subarray(0, rows * 784) };
  const y = data.labels.subarray(0, rows);
  const rates: Record<string, number> = {};
  const stepMs: Record<string, number> = {};
  const models = await Promise.all(Object.values(LAYER_COST_NETS).map((layers) =>
    createModel({ inputs: 784, layers, optimizer: { type: 'sgd', learningRate: LEARNING_RATE }, seed: 1 })));
  for (const model of models) model.fitSync(x, y, { epochs: 1, batchSize: batch }); // warm-up, plans memory
  // the three nets take turns, and each keeps its fastest epoch: on a shared machine a load spike
  // then slows one epoch of one net, not one net's whole median
  const best = models.map(() => Infinity);
  for (let r = 0; r < budget.reps + 2; r++) {
    models.forEach((model, i) => {
      const t0 = performance.now();
      model.fitSync(x, y, { epochs: 1, batchSize: batch, shuffle: false });
      best[i] = Math.min(best[i], (performance.now() - t0) / 1000);
    });
  }
  Object.keys(LAYER_COST_NETS).forEach((name, i) => {
    rates[name] = rows / best[i];
    stepMs[name] = (best[i] * 1000) / Math.ceil(rows / batch);
  });
  const [plain, regularized, deeper, normalized, dropped] = Object.keys(LAYER_COST_NETS).map((name) => stepMs[name]);
  const dense = deeper - plain;
  return {
    batch, rows, rates, stepMs, ratio: (regularized - plain) / dense,
    batchNormalizationRatio: (normalized - plain) / dense, dropoutRatio: (dropped - plain) / dense, target: 0.1,
  };
}

export function printLayerCost(r: LayerCostResult): void {
  console.log(`
layer cost: batch ${r.batch}, ${fmtRate(r.rows)} rows, SGD (fitSync, median of the epochs)`);
  printTable(['network', 'samples/s', 'ms/step'], Object.keys(r.rates).map((name) => [name, fmtRate(r.rates[name]), r.stepMs[name].toFixed(3)]));
  const verdict = (ratio: number) => `${(100 * ratio).toFixed(1)} % (${ratio <= r.target ? 'met' : 'missed'})`;
  console.log(`of a dense 256 → 256 layer's step time (target ≤ ${100 * r.target} % per layer): batch normalization ${verdict(r.batchNormalizationRatio)}, dropout ${verdict(r.dropoutRatio)}; both together ${(100 * r.ratio).toFixed(1)} %`);
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
  if (only.includes('layers')) printLayerCost(await runLayerCost(quick ? QUICK : FULL));
  else await runTrain(quick ? QUICK : FULL);
  process.exit(0);
}
