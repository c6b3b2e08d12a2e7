/**
 * Evaluation staging: the one path by which rows reach the model's evaluation area and come back
 * scored. `predict`, `predictClass`, `evaluate` and the per-epoch validation of `fit` all read
 * their rows with {@link prepare} (or {@link readFeatures}), copy them in with {@link stage}, run
 * the forward pass and read the outputs where the forward pass left them, in wasm memory.
 */
import type { Network } from './network.js';
import type { ResolvedSpec } from './spec.js';
import { LOSS_TABLE } from './losses.js';
import { readFeatures, readTargets, type Features, type Targets } from './inputs.js';
import { classificationMetrics, regressionMetrics, type PerClass } from './metrics.js';

/**
 * `evaluate`'s answer: the loss; for classification accuracy, precision, recall, f1 (macro
 * averages; the positive class for one sigmoid output), the confusion matrix, per-class
 * figures and, for binary problems, the ROC AUC; for regression mae, rmse and r2. The
 * conventions are in metrics.ts (scikit-learn's).
 */
export interface Evaluation {
  loss: number;
  /** For classification models (argmax for softmax outputs, the 0.5 threshold for sigmoid outputs). */
  accuracy?: number;
  precision?: number;
  recall?: number;
  f1?: number;
  /** `confusionMatrix[t][p]`: rows of true class t predicted as p (multi-label: one [tn, fp, fn, tp] per output). */
  confusionMatrix?: number[][];
  perClass?: PerClass;
  /** Area under the ROC curve (binary problems). */
  auc?: number;
  /** Regression: mean absolute error over every output value. */
  mae?: number;
  /** Regression: root mean squared error over every output value. */
  rmse?: number;
  /** Regression: coefficient of determination, averaged over outputs. */
  r2?: number;
}

/** How accuracy is counted for a model and kind of targets (see Network.metric). */
export type MetricKind = 'argmax' | 'threshold' | 'none';

/** Rows read and checked against the model, not yet copied anywhere. */
export interface Prepared {
  features: Features;
  targets: Targets;
}

/** Rows already checked and converted to float32 (validation data kept across epochs). */
export interface StagedRows {
  x: Float32Array;
  y: Float32Array;
  rows: number;
  kind: Targets['kind'];
}

const outputsOf = (spec: ResolvedSpec): number => spec.layers[spec.layers.length - 1].units;

/** Reads x and y against the spec; checks that their row counts agree. */
export function prepare(where: string, spec: ResolvedSpec, x: unknown, y: unknown): Prepared {
  const features = readFeatures(`${where}: x`, x, spec.inputs);
  const targets = readTargets(`${where}: y`, y, outputsOf(spec), spec.loss, features.rows);
  if (features.rows !== targets.rows) {
    throw new RangeError(`${where}: x has ${features.rows} rows but y has ${targets.rows}; they must match`);
  }
  return { features, targets };
}

/** Copies prepared rows out of the caller's arrays into float32 arrays (checking every value). */
export function toStaged(p: Prepared, spec: ResolvedSpec): StagedRows {
  const x = new Float32Array(p.features.rows * spec.inputs);
  const y = new Float32Array(p.features.rows * outputsOf(spec));
  p.features.copyTo(x, 0);
  p.targets.copyTo(y, 0);
  return { x, y, rows: p.features.rows, kind: p.targets.kind };
}

/** Prepared rows over staged arrays: copying them in is two bulk copies and one SIMD check. */
export function fromStaged(where: string, staged: StagedRows, spec: ResolvedSpec): Prepared {
  const { y, rows, kind } = staged;
  return {
    features: readFeatures(where, { rows, cols: spec.inputs, data: staged.x }, spec.inputs),
    targets: { rows, kind, copyTo: (dst, at) => dst.set(y, at) },
  };
}

/**
 * Copies features (and targets, when given) into the evaluation area and runs the forward pass;
 * the outputs are then at `net.evalOut` (rows × outputs). Returns the row count.
 */
export function stage(net: Network, features: Features, targets?: Targets): number {
  net.ensureBatch(1);
  net.ensureEval(features.rows);
  const f32 = net.ws.f32;
  const x = net.evalX >>> 2;
  const k = net.k;
  // on threads, the prediction starts while its input is still being copied in: the workers take
  // each block of rows as soon as it is in place, the calling thread copies and then joins them
  const chunk = k.network_predict_open(net.plan, net.evalX, net.evalOut, features.rows);
  if (chunk === 0) {
    features.copyTo(f32, x, net.finiteCheck);
    targets?.copyTo(f32, net.evalY >>> 2);
    k.network_predict(net.plan, net.evalX, net.evalOut, features.rows);
    return features.rows;
  }
  const tasks = Math.ceil(features.rows / chunk);
  let copied = 0;
  try {
    for (; copied < tasks; copied++) {
      features.copyRows(f32, x, copied * chunk, Math.min(features.rows, (copied + 1) * chunk));
      k.parallel_ready(copied + 1);
    }
    targets?.copyTo(f32, net.evalY >>> 2);
  } finally {
    // after a bad row the tasks not yet copied are given up; the ones running finish first
    const finite = k.par_predict_finish(copied);
    if (copied === tasks && finite === 0) features.reportNotFinite(f32, x);
  }
  return features.rows;
}

/** How accuracy is counted for this model's loss and output layer, given the kind of targets. */
export function metricFor(spec: ResolvedSpec, kind: Targets['kind']): MetricKind {
  const last = spec.layers[spec.layers.length - 1];
  const metric = LOSS_TABLE[spec.loss].metric;
  if (metric !== 'none') return metric;
  return kind === 'indices' || last.activation === 'softmax' ? 'argmax' : 'none';
}

/** Every figure of {@link Evaluation} for the `rows` staged rows whose outputs the forward pass left in memory. */
export function fullScore(net: Network, spec: ResolvedSpec, rows: number, metric: MetricKind): Evaluation {
  const result = score(net, spec, rows, metric);
  const n = outputsOf(spec);
  const view = net.ws.f32;
  if (metric === 'none') Object.assign(result, regressionMetrics(view, net.evalOut >>> 2, net.evalY >>> 2, rows, n));
  else Object.assign(result, classificationMetrics(view, net.evalOut >>> 2, net.evalY >>> 2, rows, n, metric));
  return result;
}

/** Loss (and accuracy) of the `rows` staged rows whose outputs the forward pass left in memory. */
export function score(net: Network, spec: ResolvedSpec, rows: number, metric: MetricKind): Evaluation {
  const k = net.k;
  const n = outputsOf(spec);
  // the loss as training reports it: the data loss plus the layers' L1/L2 penalties
  const loss = k.network_score(net.plan, net.evalOut, net.evalY, rows);
  const result: Evaluation = { loss };
  if (metric !== 'none') {
    const hits = k.count_correct(net.evalOut, net.evalY, rows, n, metric === 'argmax' ? 0 : 1);
    result.accuracy = hits / (rows * (metric === 'threshold' ? n : 1));
  }
  return result;
}
