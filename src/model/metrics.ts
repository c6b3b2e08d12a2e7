/**
 * Metrics over a forward pass's outputs where they lie in wasm memory: `view` is the memory as
 * float32, `pred` and `target` float indices of (rows × n) row-major blocks. Nothing is copied
 * out row by row; counting reads the view in place. Used by `evaluate` and by `fit`'s per-epoch
 * `metrics` (training rows' outputs are kept by the wasm driver as the batches run).
 *
 * Conventions (scikit-learn's, so a reference is one import away):
 * - classification: a row's class is the argmax of its outputs (of its target row); one sigmoid
 *   output is class 1 when ≥ 0.5. `confusionMatrix[t][p]` counts rows of true class t predicted p.
 * - precision = tp / (tp + fp), recall = tp / (tp + fn), f1 = 2pr / (p + r); 0 where the
 *   denominator is 0 (scikit-learn's `zero_division=0`).
 * - macro averages over the classes that occur in the targets or the predictions (scikit-learn's
 *   default labels). One sigmoid output reports the positive class (1) instead.
 * - several sigmoid outputs (multi-label): each output is its own yes/no class; `perClass` is per
 *   output, the averages are macro over outputs, `confusionMatrix` is one row [tn, fp, fn, tp] per output.
 * - auc: the area under the ROC curve of the positive class's score (the sigmoid output, or the
 *   second softmax output of two), ties counted half (the Mann–Whitney statistic); NaN when the
 *   targets hold one class only.
 * - regression: mae and rmse over every output value; r2 = 1 − SS_res/SS_tot per output, averaged
 *   over outputs (1 when an output's targets are constant and matched exactly, else 0 for it).
 */
import type { MetricKind } from './evaluate.js';

/** Per-class figures of `evaluate` (index = class, or output for multi-label). */
export interface PerClass {
  precision: number[];
  recall: number[];
  f1: number[];
  /** Rows whose target is this class. */
  support: number[];
}

/** Classification figures beyond loss and accuracy. */
export interface ClassificationMetrics {
  precision: number;
  recall: number;
  f1: number;
  confusionMatrix: number[][];
  perClass: PerClass;
  /** Binary problems only (one sigmoid output, or two softmax outputs). */
  auc?: number;
}

/** Regression figures beyond loss. */
export interface RegressionMetrics {
  mae: number;
  rmse: number;
  r2: number;
}

/** Metric names `fit`'s `metrics` option accepts. */
export const METRIC_NAMES = ['accuracy', 'precision', 'recall', 'f1', 'auc', 'mae', 'rmse', 'r2'] as const;
export type MetricName = (typeof METRIC_NAMES)[number];
export const CLASSIFICATION_METRICS: readonly MetricName[] = ['accuracy', 'precision', 'recall', 'f1', 'auc'];
export const REGRESSION_METRICS: readonly MetricName[] = ['mae', 'rmse', 'r2'];

/** Whether a larger value of a logged figure is better (accuracy, precision, …) or worse (losses, errors). */
export function higherIsBetter(name: string): boolean {
  const base = name.startsWith('val') ? name.charAt(3).toLowerCase() + name.slice(4) : name;
  return base === 'accuracy' || base === 'precision' || base === 'recall' || base === 'f1' || base === 'auc' || base === 'r2';
}

/** Whether the problem is binary with a single score per row (for auc). */
export function isBinary(kind: MetricKind, n: number): boolean {
  return (kind === 'threshold' && n === 1) || (kind === 'argmax' && n === 2);
}

function argmaxAt(view: Float32Array, at: number, n: number): number {
  let best = 0;
  for (let j = 1; j < n; j++) if (view[at + j] > view[at + best]) best = j;
  return best;
}

const ratio = (a: number, b: number): number => (b > 0 ? a / b : 0);
const f1Of = (p: number, r: number): number => (p + r > 0 ? (2 * p * r) / (p + r) : 0);

/**
 * Area under the ROC curve of output `column` against its 0/1 target, ties counted half: the
 * share of (positive, negative) pairs the score orders right. The two groups' scores are sorted
 * apart (native typed-array sorts) and merged, O(m log m).
 */
function rocAuc(view: Float32Array, pred: number, target: number, rows: number, n: number, column: number): number {
  let positives = 0;
  for (let r = 0; r < rows; r++) if (view[target + r * n + column] >= 0.5) positives++;
  const negatives = rows - positives;
  if (positives === 0 || negatives === 0) return NaN;
  const pos = new Float32Array(positives), neg = new Float32Array(negatives);
  for (let r = 0, p = 0, q = 0; r < rows; r++) {
    const score = view[pred + r * n + column];
    if (view[target + r * n + column] >= 0.5) pos[p++] = score;
    else neg[q++] = score;
  }
  pos.sort();
  neg.sort();
  // for each positive score: negatives below it count 1, equal ones 1/2
  let below = 0, equal = 0, pairs = 0;
  for (let i = 0; i < positives; i++) {
    const score = pos[i];
    if (i > 0 && score === pos[i - 1]) {
      pairs += below + equal / 2;
      continue;
    }
    below += equal;
    equal = 0;
    while (below < negatives && neg[below] < score) below++;
    while (below + equal < negatives && neg[below + equal] === score) equal++;
    pairs += below + equal / 2;
  }
  return pairs / (positives * negatives);
}

/** Precision, recall, f1, the confusion matrix and per-class figures (see the file's conventions). */
export function classificationMetrics(view: Float32Array, pred: number, target: number, rows: number, n: number, kind: MetricKind): ClassificationMetrics {
  if (kind === 'threshold' && n > 1) return multiLabel(view, pred, target, rows, n);
  const classes = kind === 'threshold' ? 2 : n;
  const counts = new Float64Array(classes * classes);
  for (let r = 0; r < rows; r++) {
    const at = r * n;
    const t = kind === 'threshold' ? (view[target + at] >= 0.5 ? 1 : 0) : argmaxAt(view, target + at, n);
    const p = kind === 'threshold' ? (view[pred + at] >= 0.5 ? 1 : 0) : argmaxAt(view, pred + at, n);
    counts[t * classes + p]++;
  }
  const confusionMatrix: number[][] = [];
  for (let t = 0; t < classes; t++) confusionMatrix.push(Array.from(counts.subarray(t * classes, (t + 1) * classes)));
  const perClass: PerClass = { precision: [], recall: [], f1: [], support: [] };
  let sumP = 0, sumR = 0, sumF = 0, present = 0;
  for (let c = 0; c < classes; c++) {
    let predicted = 0, actual = 0;
    for (let j = 0; j < classes; j++) {
      predicted += counts[j * classes + c];
      actual += counts[c * classes + j];
    }
    const tp = counts[c * classes + c];
    const p = ratio(tp, predicted), rc = ratio(tp, actual), f = f1Of(p, rc);
    perClass.precision.push(p);
    perClass.recall.push(rc);
    perClass.f1.push(f);
    perClass.support.push(actual);
    if (predicted + actual > 0) {
      sumP += p; sumR += rc; sumF += f; present++;
    }
  }
  const result: ClassificationMetrics = kind === 'threshold'
    ? { precision: perClass.precision[1], recall: perClass.recall[1], f1: perClass.f1[1], confusionMatrix, perClass }
    : { precision: ratio(sumP, present), recall: ratio(sumR, present), f1: ratio(sumF, present), confusionMatrix, perClass };
  if (isBinary(kind, n)) result.auc = rocAuc(view, pred, target, rows, n, n - 1);
  return result;
}

function multiLabel(view: Float32Array, pred: number, target: number, rows: number, n: number): ClassificationMetrics {
  const perClass: PerClass = { precision: [], recall: [], f1: [], support: [] };
  const confusionMatrix: number[][] = [];
  let sumP = 0, sumR = 0, sumF = 0, present = 0;
  for (let c = 0; c < n; c++) {
    let tn = 0, fp = 0, fn = 0, tp = 0;
    for (let r = 0; r < rows; r++) {
      const t = view[target + r * n + c] >= 0.5, p = view[pred + r * n + c] >= 0.5;
      if (t) { if (p) tp++; else fn++; } else if (p) fp++; else tn++;
    }
    confusionMatrix.push([tn, fp, fn, tp]);
    const pr = ratio(tp, tp + fp), rc = ratio(tp, tp + fn), f = f1Of(pr, rc);
    perClass.precision.push(pr);
    perClass.recall.push(rc);
    perClass.f1.push(f);
    perClass.support.push(tp + fn);
    if (tp + fp + fn > 0) {
      sumP += pr; sumR += rc; sumF += f; present++;
    }
  }
  return { precision: ratio(sumP, present), recall: ratio(sumR, present), f1: ratio(sumF, present), confusionMatrix, perClass };
}

/** Mean absolute error, root mean squared error and R² (see the file's conventions). */
export function regressionMetrics(view: Float32Array, pred: number, target: number, rows: number, n: number): RegressionMetrics {
  let abs = 0, squares = 0, r2Sum = 0;
  for (let c = 0; c < n; c++) {
    let mean = 0;
    for (let r = 0; r < rows; r++) mean += view[target + r * n + c];
    mean /= rows;
    let residual = 0, total = 0;
    for (let r = 0; r < rows; r++) {
      const y = view[target + r * n + c];
      const d = view[pred + r * n + c] - y;
      abs += Math.abs(d);
      residual += d * d;
      total += (y - mean) * (y - mean);
    }
    squares += residual;
    r2Sum += total > 0 ? 1 - residual / total : residual === 0 ? 1 : 0;
  }
  return { mae: abs / (rows * n), rmse: Math.sqrt(squares / (rows * n)), r2: r2Sum / n };
}
