/**
 * The `Dataset`: what every loader returns and what `model.fit(dataset)` takes. Features are one
 * float32 row-major matrix; targets are class indices (classification) or a float32 matrix
 * (regression); the `Pipeline` remembers how raw rows became those numbers. Small helpers to take
 * rows and to one-hot class indices live here too.
 */

import type { Matrix } from '../types.js';
import { kindOf } from './errors.js';
import type { Pipeline, Task } from './pipeline.js';

/**
 * A training-ready table.
 *
 * @example
 * const iris = await datasets.iris();
 * iris.x;        // Matrix 150 × 4
 * iris.y;        // Int32Array of class indices 0..2
 * iris.classes;  // ['setosa', 'versicolor', 'virginica']
 * iris.pipeline.transform([{ sepal_length: 5.1, sepal_width: 3.5, petal_length: 1.4, petal_width: 0.2 }]);
 */
export interface Dataset {
  /** Encoded (and, after `scale`, scaled) features: `rows × features.length`. */
  x: Matrix;
  /** Class indices (classification) or targets `rows × target columns` (regression). */
  y: Int32Array | Matrix;
  /** Encoded feature names, one per column of `x` (`'sepal_length'`, `'color=red'`). */
  features: string[];
  /** The target column's name (several regression targets: names joined by `,`). */
  target: string;
  /**
   * Class labels, index i ↔ `classes[i]` (classification only), of the type `predictClass`
   * returns: numbers when the target held numbers (`[0, 1]`), else strings.
   */
  classes?: (string | number)[];
  task: Task;
  /** Encoders, scaler and target encoding: apply to raw rows with `pipeline.transform`. */
  pipeline: Pipeline;
  /** Number of rows (`x.rows`). */
  rows: number;
}

/** Checks that `data` looks like a {@link Dataset} (shapes agree). */
export function checkDataset(fn: string, name: string, data: unknown): Dataset {
  const d = data as Dataset;
  if (typeof data !== 'object' || data === null || typeof d.x !== 'object' || d.x === null || !(d.x.data instanceof Float32Array)) {
    throw new TypeError(`${fn}: ${name}: expected a Dataset {x, y, pipeline, ...} (from loadCSV, fromObjects, fromArrays or datasets.*), got ${kindOf(data)}`);
  }
  const rows = d.x.rows;
  const yRows = d.y instanceof Int32Array ? d.y.length : d.y?.rows;
  if (yRows !== rows || d.rows !== rows) {
    throw new RangeError(`${fn}: ${name}: expected x, y and rows to agree, got x.rows ${rows}, y rows ${yRows}, rows ${d.rows}`);
  }
  return d;
}

/**
 * A new dataset holding the given rows of `data`, in the given order (rows are copied; the
 * pipeline is shared, it is immutable).
 *
 * @throws {RangeError} for an index outside 0..rows−1.
 *
 * @example
 * const firstTen = subset(iris, Array.from({ length: 10 }, (_, i) => i));
 */
export function subset(data: Dataset, indices: ArrayLike<number>): Dataset {
  const d = checkDataset('subset', 'data', data);
  const n = indices.length;
  const cols = d.x.cols;
  const x = new Float32Array(n * cols);
  for (let i = 0; i < n; i++) {
    const r = indices[i];
    if (!Number.isInteger(r) || r < 0 || r >= d.rows) {
      throw new RangeError(`subset: indices[${i}]: expected a row index in 0..${d.rows - 1}, got ${r}`);
    }
    x.set(d.x.data.subarray(r * cols, (r + 1) * cols), i * cols);
  }
  let y: Int32Array | Matrix;
  if (d.y instanceof Int32Array) {
    const labels = d.y;
    y = Int32Array.from({ length: n }, (_, i) => labels[indices[i]]);
  } else {
    const k = d.y.cols;
    const data = new Float32Array(n * k);
    for (let i = 0; i < n; i++) data.set(d.y.data.subarray(indices[i] * k, (indices[i] + 1) * k), i * k);
    y = { rows: n, cols: k, data };
  }
  return { ...d, x: { rows: n, cols, data: x }, y, features: d.features.slice(), classes: d.classes?.slice(), rows: n };
}

/**
 * One-hot rows from class indices: row i has a 1 in column `y[i]`.
 *
 * @throws {RangeError} for an index outside 0..classes−1.
 *
 * @example
 * oneHot(new Int32Array([0, 2]), 3); // { rows: 2, cols: 3, data: [1,0,0, 0,0,1] }
 */
export function oneHot(y: ArrayLike<number>, classes: number): Matrix {
  if (!Number.isInteger(classes) || classes < 1) {
    throw new RangeError(`oneHot: classes: expected a positive integer, got ${classes}`);
  }
  const data = new Float32Array(y.length * classes);
  for (let i = 0; i < y.length; i++) {
    const k = y[i];
    if (!Number.isInteger(k) || k < 0 || k >= classes) {
      throw new RangeError(`oneHot: y[${i}]: expected a class index in 0..${classes - 1}, got ${k}`);
    }
    data[i * classes + k] = 1;
  }
  return { rows: y.length, cols: classes, data };
}
