/**
 * Held-out figures for the commands. STOPGAP until issue 9's `evaluate` metrics land on main
 * (precision, recall, f1, confusionMatrix, perClass; mae, rmse, r2): this file then becomes a
 * call to `model.evaluate` and the counting below is deleted. The shapes already match that API
 * (macro averages; the confusion matrix has true classes as rows, predictions as columns).
 */
import type { Matrix, Model } from '../index.js';

export interface Metrics {
  loss: number;
  accuracy?: number;
  precision?: number;
  recall?: number;
  f1?: number;
  confusionMatrix?: number[][];
  perClass?: { precision: number[]; recall: number[]; f1: number[]; support: number[] };
  mae?: number;
  rmse?: number;
  r2?: number;
}

/** The model's figures on encoded rows `x` with targets `y` (class indices or a target matrix). */
export function measure(model: Model, x: Matrix, y: Int32Array | Matrix): Metrics {
  const { loss, accuracy } = model.evaluate(x, y);
  const out = model.predict(x);
  if (y instanceof Int32Array) {
    const n = out.cols === 1 ? 2 : out.cols;
    const confusion = Array.from({ length: n }, () => new Array<number>(n).fill(0));
    for (let r = 0; r < out.rows; r++) {
      let best = 0;
      if (out.cols === 1) best = out.data[r] >= 0.5 ? 1 : 0;
      else for (let j = 1; j < n; j++) if (out.data[r * n + j] > out.data[r * n + best]) best = j;
      confusion[y[r]][best]++;
    }
    const support = confusion.map((row) => row.reduce((a, b) => a + b, 0));
    const predicted = confusion[0].map((_, j) => confusion.reduce((a, row) => a + row[j], 0));
    const precision = confusion.map((row, k) => (predicted[k] ? row[k] / predicted[k] : 0));
    const recall = confusion.map((row, k) => (support[k] ? row[k] / support[k] : 0));
    const f1 = precision.map((p, k) => (p + recall[k] > 0 ? (2 * p * recall[k]) / (p + recall[k]) : 0));
    const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
    return { loss, accuracy, precision: mean(precision), recall: mean(recall), f1: mean(f1), confusionMatrix: confusion, perClass: { precision, recall, f1, support } };
  }
  let absolute = 0, squared = 0, r2 = 0;
  for (let c = 0; c < y.cols; c++) {
    let mean = 0;
    for (let r = 0; r < y.rows; r++) mean += y.data[r * y.cols + c] / y.rows;
    let residual = 0, total = 0;
    for (let r = 0; r < y.rows; r++) {
      const e = out.data[r * y.cols + c] - y.data[r * y.cols + c];
      absolute += Math.abs(e);
      residual += e * e;
      total += (y.data[r * y.cols + c] - mean) ** 2;
    }
    squared += residual;
    r2 += (total > 0 ? 1 - residual / total : 0) / y.cols;
  }
  const count = y.rows * y.cols;
  return { loss, mae: absolute / count, rmse: Math.sqrt(squared / count), r2 };
}
