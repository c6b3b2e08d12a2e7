/**
 * Feature scalers: z-score standardisation and min-max scaling, fitted on training rows and
 * then applied unchanged to test rows and to raw rows at prediction time (through the
 * `Pipeline`). Both kinds reduce to one affine map per column, `x' = (x − offset) / scale`:
 *
 *   standard: offset = mean, scale = population standard deviation (divide by m, like
 *             scikit-learn's StandardScaler)
 *   minmax:   offset = min,  scale = max − min   (training rows land in [0, 1])
 *
 * A constant column has scale 0; it gets scale 1 instead, so it maps to 0 rather than to NaN.
 * Statistics are accumulated in float64 (two passes for the variance), results stored as float64
 * and the output rounded once to float32.
 */

import type { Matrix } from '../types.js';
import { kindOf } from './errors.js';

/** Which scaler. */
export type ScalerKind = 'standard' | 'minmax';

/** The plain-JSON form of a fitted scaler. */
export interface ScalerJSON {
  kind: ScalerKind;
  /** Per-column value subtracted first (mean or min). */
  offset: number[];
  /** Per-column divisor (standard deviation or range; 1 for constant columns). */
  scale: number[];
}

/** Reads a `Matrix` or `number[][]` as rows/cols/element accessor; validates shape and values. */
function asMatrix(fn: string, name: string, x: unknown): Matrix {
  if (Array.isArray(x)) {
    const rows = x.length;
    const cols = rows > 0 && Array.isArray(x[0]) ? x[0].length : 0;
    const data = new Float32Array(rows * cols);
    for (let r = 0; r < rows; r++) {
      const row = x[r];
      if (!Array.isArray(row) || row.length !== cols) {
        throw new RangeError(
          `${fn}: ${name}: expected rows of ${cols} numbers, got ${Array.isArray(row) ? `${row.length} in row ${r + 1} (index ${r})` : `${kindOf(row)} in row ${r + 1} (index ${r})`}`,
        );
      }
      for (let c = 0; c < cols; c++) {
        const value = row[c];
        if (typeof value !== 'number') {
          throw new TypeError(`${fn}: ${name}: row ${r + 1} (index ${r}), column ${c + 1}: expected a number, got ${kindOf(value)}`);
        }
        data[r * cols + c] = value;
      }
    }
    return { rows, cols, data };
  }
  if (
    typeof x === 'object' && x !== null && (x as Matrix).data instanceof Float32Array &&
    Number.isInteger((x as Matrix).rows) && Number.isInteger((x as Matrix).cols)
  ) {
    const m = x as Matrix;
    if (m.rows < 0 || m.cols < 0 || m.data.length < m.rows * m.cols) {
      throw new RangeError(`${fn}: ${name}: expected data of at least rows × cols = ${m.rows * m.cols} values, got ${m.data.length}`);
    }
    return m;
  }
  throw new TypeError(`${fn}: ${name}: expected a Matrix {rows, cols, data: Float32Array} or number[][], got ${kindOf(x)}`);
}

/**
 * A column scaler of kind `'standard'` or `'minmax'`. Fit it on training features, then
 * transform any matrix with the same number of columns.
 *
 * @example
 * const scaler = new Scaler('standard').fit(train.x);
 * const xTest = scaler.transform(test.x);
 * const again = Scaler.fromJSON(JSON.parse(JSON.stringify(scaler)));
 */
export class Scaler {
  /** `'standard'` (z-score) or `'minmax'` (to [0, 1]). */
  readonly kind: ScalerKind;
  #offset: Float64Array | undefined;
  #scale: Float64Array | undefined;

  /**
   * @param kind - `'standard'` or `'minmax'`.
   *
   * @example
   * const scaler = new Scaler('minmax');
   */
  constructor(kind: ScalerKind) {
    if (kind !== 'standard' && kind !== 'minmax') {
      throw new TypeError(`Scaler: kind: expected 'standard' or 'minmax', got ${JSON.stringify(kind)}`);
    }
    this.kind = kind;
  }

  /** Whether `fit` (or `fromJSON`) has set the statistics. */
  get fitted(): boolean {
    return this.#offset !== undefined;
  }

  /** Number of columns the scaler was fitted on (0 before fitting). */
  get cols(): number {
    return this.#offset?.length ?? 0;
  }

  /** Per-column offsets (copy). */
  get offset(): Float64Array {
    return this.#offset ? this.#offset.slice() : new Float64Array(0);
  }

  /** Per-column divisors (copy). */
  get scale(): Float64Array {
    return this.#scale ? this.#scale.slice() : new Float64Array(0);
  }

  /**
   * Learns per-column statistics from `x` (training rows only) and returns `this`.
   *
   * @throws {RangeError} for a matrix without rows; {TypeError} for a non-matrix;
   *   {RangeError} for a non-finite value (naming row and column).
   *
   * @example
   * const scaler = standardScaler().fit({ rows: 2, cols: 1, data: new Float32Array([1, 3]) });
   * // offset [2], scale [1]
   */
  fit(x: Matrix | number[][]): this {
    const m = asMatrix('Scaler.fit', 'x', x);
    const { rows, cols, data } = m;
    if (rows === 0) throw new RangeError('Scaler.fit: x: expected at least one row, got 0');
    const offset = new Float64Array(cols);
    const scale = new Float64Array(cols);
    for (let i = 0; i < rows * cols; i++) {
      if (!Number.isFinite(data[i])) {
        const r = Math.floor(i / cols);
        throw new RangeError(`Scaler.fit: x: row ${r + 1} (index ${r}), column ${(i % cols) + 1}: expected a finite number, got ${data[i]}`);
      }
    }
    if (this.kind === 'standard') {
      for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) offset[c] += data[r * cols + c];
      for (let c = 0; c < cols; c++) offset[c] /= rows;
      for (let r = 0; r < rows; r++) {
        for (let c = 0; c < cols; c++) {
          const d = data[r * cols + c] - offset[c];
          scale[c] += d * d;
        }
      }
      for (let c = 0; c < cols; c++) scale[c] = Math.sqrt(scale[c] / rows);
    } else {
      const max = new Float64Array(cols).fill(-Infinity);
      offset.fill(Infinity);
      for (let r = 0; r < rows; r++) {
        for (let c = 0; c < cols; c++) {
          const v = data[r * cols + c];
          if (v < offset[c]) offset[c] = v;
          if (v > max[c]) max[c] = v;
        }
      }
      for (let c = 0; c < cols; c++) scale[c] = max[c] - offset[c];
    }
    // Constant columns: scale 1, so they map to 0. (The float64 mean of equal float32 values is
    // exact, so a constant column's spread is exactly 0.)
    for (let c = 0; c < cols; c++) {
      if (!(scale[c] > 0 && Number.isFinite(scale[c]))) scale[c] = 1;
    }
    this.#offset = offset;
    this.#scale = scale;
    return this;
  }

  /**
   * Applies `(x − offset) / scale` per column. Writes into `out` when given (it may be `x`
   * itself), else into a new matrix, and returns it.
   *
   * @throws {Error} before `fit`; {RangeError} when the column count differs from the fitted one.
   *
   * @example
   * const xs = scaler.transform(test.x);
   * scaler.transform(m, m); // in place
   */
  transform(x: Matrix | number[][], out?: Matrix): Matrix {
    return this.#apply('Scaler.transform', x, out, false);
  }

  /**
   * Undoes {@link Scaler.transform}: `x · scale + offset` per column.
   *
   * @example
   * const original = scaler.inverseTransform(scaler.transform(x));
   */
  inverseTransform(x: Matrix | number[][], out?: Matrix): Matrix {
    return this.#apply('Scaler.inverseTransform', x, out, true);
  }

  /**
   * `fit(x)` then `transform(x)`.
   *
   * @example
   * const xs = minMaxScaler().fitTransform(train.x);
   */
  fitTransform(x: Matrix | number[][]): Matrix {
    return this.fit(x).transform(x);
  }

  #apply(fn: string, x: Matrix | number[][], out: Matrix | undefined, inverse: boolean): Matrix {
    const offset = this.#offset;
    const scale = this.#scale;
    if (offset === undefined || scale === undefined) {
      throw new Error(`${fn}: the scaler is not fitted; call fit(trainX) first`);
    }
    const m = asMatrix(fn, 'x', x);
    if (m.cols !== offset.length) {
      throw new RangeError(`${fn}: x: expected ${offset.length} columns (as fitted), got ${m.cols}`);
    }
    const size = m.rows * m.cols;
    let target: Matrix;
    if (out !== undefined) {
      const o = asMatrix(fn, 'out', out);
      if (o.rows !== m.rows || o.cols !== m.cols) {
        throw new RangeError(`${fn}: out: expected ${m.rows} × ${m.cols}, got ${o.rows} × ${o.cols}`);
      }
      target = o;
    } else {
      target = { rows: m.rows, cols: m.cols, data: new Float32Array(size) };
    }
    const cols = m.cols;
    const src = m.data;
    const dst = target.data;
    for (let i = 0; i < size; i++) {
      const c = i % cols;
      dst[i] = inverse ? src[i] * scale[c] + offset[c] : (src[i] - offset[c]) / scale[c];
    }
    return target;
  }

  /**
   * The fitted statistics as plain JSON.
   *
   * @throws {Error} before `fit`.
   *
   * @example
   * const json = JSON.stringify(scaler); // uses toJSON
   */
  toJSON(): ScalerJSON {
    if (this.#offset === undefined || this.#scale === undefined) {
      throw new Error('Scaler.toJSON: the scaler is not fitted; call fit(trainX) first');
    }
    return { kind: this.kind, offset: Array.from(this.#offset), scale: Array.from(this.#scale) };
  }

  /**
   * Rebuilds a fitted scaler from {@link Scaler.toJSON} output, validating it.
   *
   * @throws {TypeError} for wrong kinds of fields; {RangeError} for mismatched lengths, non-finite
   *   values or non-positive scales.
   *
   * @example
   * const scaler = Scaler.fromJSON({ kind: 'standard', offset: [5.8], scale: [0.83] });
   */
  static fromJSON(json: unknown, fn = 'Scaler.fromJSON', path = 'json'): Scaler {
    if (typeof json !== 'object' || json === null || Array.isArray(json)) {
      throw new TypeError(`${fn}: ${path}: expected an object {kind, offset, scale}, got ${kindOf(json)}`);
    }
    const { kind, offset, scale } = json as Record<string, unknown>;
    if (kind !== 'standard' && kind !== 'minmax') {
      throw new TypeError(`${fn}: ${path}.kind: expected 'standard' or 'minmax', got ${JSON.stringify(kind)}`);
    }
    for (const [name, values] of [['offset', offset], ['scale', scale]] as const) {
      if (!Array.isArray(values)) throw new TypeError(`${fn}: ${path}.${name}: expected an array of numbers, got ${kindOf(values)}`);
      values.forEach((value: unknown, i: number) => {
        if (typeof value !== 'number' || !Number.isFinite(value)) {
          throw new RangeError(`${fn}: ${path}.${name}[${i}]: expected a finite number, got ${JSON.stringify(value)}`);
        }
        if (name === 'scale' && !(value > 0)) {
          throw new RangeError(`${fn}: ${path}.scale[${i}]: expected a positive number, got ${value}`);
        }
      });
    }
    const offsets = offset as number[];
    const scales = scale as number[];
    if (offsets.length !== scales.length) {
      throw new RangeError(`${fn}: ${path}: expected offset and scale of equal length, got ${offsets.length} and ${scales.length}`);
    }
    const scaler = new Scaler(kind);
    scaler.#offset = Float64Array.from(offsets);
    scaler.#scale = Float64Array.from(scales);
    return scaler;
  }
}

/**
 * A new, unfitted z-score scaler: `(x − mean) / std` per column.
 *
 * @example
 * const xs = standardScaler().fitTransform(train.x);
 */
export function standardScaler(): Scaler {
  return new Scaler('standard');
}

/**
 * A new, unfitted min-max scaler: `(x − min) / (max − min)` per column.
 *
 * @example
 * const xs = minMaxScaler().fitTransform(train.x);
 */
export function minMaxScaler(): Scaler {
  return new Scaler('minmax');
}
