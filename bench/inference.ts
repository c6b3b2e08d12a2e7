/**
 * "How fast does it predict?" Rows per second through a trained-shape 784-128-10 network
 * (ReLU hidden, softmax output), 10,000 synthetic MNIST-shaped rows per call, every peer side
 * by side. Before timing, each contender's outputs for the same weights are compared with
 * neuronine's (brain.js and synaptic have no softmax: they are compared with a neuronine model
 * whose output layer has their activation). Results: terminal and bench/results/inference.json.
 *
 *   npx tsx bench/inference.ts [--quick]
 */
import { pathToFileURL } from 'node:url';
import {
  compareOutputs, describeMachine, FULL, fmtRate, fmtRatio, headRows, machine, now, parseArgs, printTable, QUICK,
  sizesName, stats, writeResult,
  type Budget, type Check, type InferenceContender, type Machine, type Rate, type Sizes,
} from './peers/harness.js';
import { buildModel, neuronineInference } from './peers/neuronine.js';
import { tfjsInference } from './peers/tfjs.js';
import { plainInference } from './peers/plainjs.js';
import { brainInference } from './peers/brainjs.js';
import { synapticInference } from './peers/synaptic.js';
import { caseData } from './train.js';

export const INFERENCE_SIZES: Sizes = [784, 128, 10];
export const INFERENCE_ROWS = 10_000;
export const INFERENCE_TARGET = 200_000;
export const ISSUE_TFJS_INFERENCE = 160_000;
const TOLERANCE = 1e-4;

export const INFERENCE_CONTENDERS: InferenceContender[] = [
  neuronineInference, tfjsInference('wasm'), tfjsInference('cpu'), plainInference, brainInference, synapticInference,
];

export interface InferenceResult {
  name: string;
  note: string;
  check: Check;
  result?: Rate;
  error?: string;
}

export async function runInference(budget: Budget, info?: { machine: Machine }): Promise<InferenceResult[]> {
  const m = info?.machine ?? machine();
  if (!info) console.log(describeMachine(m));
  const sizes = INFERENCE_SIZES;
  const rows = budget.quick ? 2_000 : INFERENCE_ROWS;
  const data = caseData(sizes, rows);
  const seedModel = await buildModel(sizes, undefined);
  const weights = seedModel.getWeights();
  seedModel.dispose();
  const checkRows = headRows(data, 256);
  const references = new Map<string, Float32Array>();
  const reference = async (activation: 'softmax' | 'relu' | 'sigmoid') => {
    if (!references.has(activation)) {
      const model = await buildModel(sizes, weights, 0.05, activation);
      references.set(activation, model.predict({ rows: checkRows.rows, cols: checkRows.cols, data: checkRows.x }).data);
      model.dispose();
    }
    return references.get(activation)!;
  };
  const results: InferenceResult[] = [];
  for (const contender of INFERENCE_CONTENDERS) {
    if (budget.quick && contender.outputActivation) {
      results.push({ name: contender.name, note: contender.note, check: { ok: false, detail: 'left out' }, error: 'left out: quick mode skips the per-sample peers' });
      continue;
    }
    try {
      const predictor = await contender.create(sizes, weights);
      const activation = contender.outputActivation ?? 'softmax';
      const check = compareOutputs(`outputs of 256 rows${activation === 'softmax' ? '' : `, ${activation} output layer`}`,
        await reference(activation), await predictor.predict(checkRows), TOLERANCE);
      const entry: InferenceResult = { name: contender.name, note: contender.note, check };
      if (check.ok) {
        // slow contenders predict fewer rows per call (whole rows/s is what is reported)
        const t0 = now();
        await predictor.predict(headRows(data, 100));
        const perRow = (now() - t0) / 1000 / 100;
        const callRows = Math.min(rows, Math.max(100, Math.floor(budget.maxEpochSeconds / perRow)));
        const slice = headRows(data, callRows);
        const rate = await timeRows(() => predictor.predict(slice), callRows, budget);
        entry.result = { ...rate, extrapolated: callRows < rows };
      }
      predictor.dispose();
      results.push(entry);
    } catch (error) {
      results.push({ name: contender.name, note: contender.note, check: { ok: false, detail: 'did not run' }, error: String((error as Error)?.message ?? error).slice(0, 300) });
    }
  }
  const ours = results[0].result?.rate.median ?? NaN;
  console.log(`\ninference ${sizesName(sizes)}, ${fmtRate(rows)} rows per call`);
  printTable(['contender', 'rows/s', 'min–max', 'rows/call', 'neuronine ÷', 'check'], results.map((r) => {
    if (!r.result) return [r.name, '—', '—', '—', '—', r.error ? (r.error.startsWith('left out') ? r.error : `did not run: ${r.error}`) : `FAILED ${r.check.detail}`];
    const { rate } = r.result;
    return [r.name, fmtRate(rate.median), `${fmtRate(rate.min)}–${fmtRate(rate.max)}`, `${fmtRate(r.result.rows)}${r.result.extrapolated ? ' (extrap.)' : ''}`,
      r === results[0] ? '1.00×' : fmtRatio(ours / rate.median), `ok (${r.check.detail})`];
  }));
  const tfjs = results.find((r) => r.name.startsWith('tfjs-wasm'))?.result?.rate.median;
  const verdict = `target ≥ ${fmtRate(INFERENCE_TARGET)}: ${fmtRate(ours)} → ${ours >= INFERENCE_TARGET ? 'met' : `missed (${(100 * ours / INFERENCE_TARGET).toFixed(0)} % of it)`}`
    + (tfjs ? `; ${fmtRatio(ours / tfjs)} TF.js wasm (${fmtRate(tfjs)} here; issue quotes ≈ ${fmtRate(ISSUE_TFJS_INFERENCE)})` : '');
  console.log(verdict);
  const file = writeResult('inference.json', {
    machine: m, mode: budget.quick ? 'quick' : 'full', budget, sizes: sizesName(sizes), rows, target: INFERENCE_TARGET,
    issueTfjs: ISSUE_TFJS_INFERENCE, tolerance: TOLERANCE, verdict, contenders: results,
    ratios: Object.fromEntries(results.slice(1).filter((r) => r.result).map((r) => [r.name, ours / r.result!.rate.median])),
  });
  console.log(`wrote ${file}`);
  return results;
}

/** Times calls that each handle `rows` rows: one warm-up call, then reps of ≥ minRepSeconds. */
async function timeRows(run: () => unknown, rows: number, budget: Budget): Promise<Rate> {
  const t0 = now();
  await run();
  const once = (now() - t0) / 1000;
  const calls = Math.max(1, Math.ceil(budget.minRepSeconds / Math.max(once, 1e-6)));
  const rates: number[] = [];
  for (let r = 0; r < budget.reps; r++) {
    const start = now();
    for (let c = 0; c < calls; c++) await run();
    rates.push((rows * calls) / ((now() - start) / 1000));
  }
  return { rate: stats(rates), rows, epochsPerRep: calls, reps: budget.reps, extrapolated: false };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { quick } = parseArgs(process.argv.slice(2));
  await runInference(quick ? QUICK : FULL);
  process.exit(0);
}
