/**
 * Checking and converting user data into the model's memory: features as `number[][]`, a
 * `Float32Array` (or any numeric array) with a row count, or a `Matrix`; targets as one-hot or
 * value rows, class indices, or plain numbers. Every value is checked while it is copied, and a
 * bad one is reported by argument, row and column before any kernel runs, so the model's
 * parameters are never touched by bad data (the areas written here are scratch).
 */
import type { Matrix } from '../types.js';
import { isMatrix, isNumericArray } from '../check.js';
import type { LossName } from './spec.js';

/** A feature matrix as the model reads it: row-major values of known shape. */
export interface Features {
  rows: number;
  cols: number;
  /**
   * Copies the values into `dst` from index `at`, checking each; throws on the first bad one.
   * `allFinite` may supply a faster check of the copied range (the wasm kernel, for memory views).
   */
  copyTo(dst: Float32Array, at: number, allFinite?: FiniteCheck): void;
  /**
   * Copies rows `from` … `to` − 1 into `dst` (row r from index at + r·cols). Nested rows are
   * checked as they are copied (throws on the first bad value); a typed array is copied as it is,
   * for a check of the whole copy by {@link Features.reportNotFinite} when a kernel found a bad value.
   */
  copyRows(dst: Float32Array, at: number, from: number, to: number): void;
  /** After a copy that a kernel found not all finite: throws naming the first bad value. */
  reportNotFinite(dst: Float32Array, at: number): never;
  /** Whether the caller gave rows as nested arrays (predict then answers in kind). */
  nested: boolean;
}

const describe = (value: unknown): string =>
  typeof value === 'string' ? `the string '${value.length > 20 ? value.slice(0, 20) + '…' : value}'`
    : value === undefined ? 'undefined' : value === null ? 'null' : Array.isArray(value) ? 'an array'
      : typeof value === 'object' ? 'an object' : String(value);

/**
 * Rows and columns in messages: counted from 1, as the data layer and a spreadsheet count them,
 * with the 0-based array index beside: `row 3 (index 2), column 1 (index 0)`.
 */
export const rowText = (r: number): string => `row ${r + 1} (index ${r})`;
export const columnText = (c: number): string => `column ${c + 1} (index ${c})`;

export { isMatrix } from '../check.js';

/** Whether `length` floats from index `start` of the destination are all finite (a fast check). */
export type FiniteCheck = (start: number, length: number) => boolean;

function allFiniteJS(dst: Float32Array, start: number, length: number): boolean {
  let acc = 0;
  for (let i = start; i < start + length; i++) acc += dst[i] - dst[i];
  return acc === 0;
}

function flatFeatures(where: string, data: ArrayLike<number>, rows: number, cols: number): Features {
  const source = data as Float32Array;
  const features: Features = {
    rows, cols, nested: false,
    // a typed array is copied in bulk (converting to float32) and then checked in one pass;
    // only when the check fails is the first bad value searched for the message
    copyTo(dst, at, allFinite = (start, length) => allFiniteJS(dst, start, length)) {
      features.copyRows(dst, at, 0, rows);
      if (!allFinite(at, rows * cols)) features.reportNotFinite(dst, at);
    },
    copyRows(dst, at, from, to) {
      const whole = from === 0 && to * cols === source.length;
      dst.set(whole ? source : source.subarray(from * cols, to * cols), at + from * cols);
    },
    reportNotFinite(dst, at) {
      for (let i = 0; i < rows * cols; i++) {
        if (!Number.isFinite(dst[at + i])) {
          const v = data[i];
          throw new RangeError(`${where}: ${rowText(Math.floor(i / cols))}, ${columnText(i % cols)} (data[${i}]) is ${v}; expected a finite number${Number.isFinite(v) ? ' within float32 range (±3.4e38)' : ''}`);
        }
      }
      throw new Error(`${where}: a kernel found a value that is not finite, but the copy holds none (this is a bug)`);
    },
  };
  return features;
}

/**
 * Reads features of `cols` columns from `x`. `rowsHint` is the row count that goes with a flat
 * typed array (`fit(x, y, { rows })` style callers pass it; otherwise the length decides).
 * @throws TypeError for an unusable kind, RangeError for a wrong shape.
 */
export function readFeatures(where: string, x: unknown, cols: number): Features {
  if (Array.isArray(x)) {
    if (x.length === 0) throw new RangeError(`${where}: got no rows; expected at least one row of ${cols} numbers`);
    const features: Features = {
      rows: x.length, cols, nested: true,
      copyTo(dst, at) {
        features.copyRows(dst, at, 0, x.length);
      },
      reportNotFinite() {
        throw new Error(`${where}: a kernel found a value that is not finite in rows checked as they were copied (this is a bug)`);
      },
      copyRows(dst, at, from, to) {
        for (let r = from; r < to; r++) {
          const row = x[r] as unknown;
          if (!Array.isArray(row) && !isNumericArray(row)) {
            throw new TypeError(`${where}: ${rowText(r)} is ${describe(row)}; expected an array of ${cols} numbers`);
          }
          if (row.length !== cols) {
            throw new RangeError(`${where}: ${rowText(r)} has ${row.length} values; the model takes ${cols} features per row`);
          }
          for (let c = 0; c < cols; c++) {
            const v = (row as ArrayLike<unknown>)[c];
            const index = at + r * cols + c;
            if (typeof v === 'number') dst[index] = v;
            // the stored float32 is checked: a finite double beyond ±3.4e38 becomes Infinity
            if (typeof v !== 'number' || !Number.isFinite(dst[index])) {
              throw new RangeError(`${where}: ${rowText(r)}, ${columnText(c)} is ${describe(v)}; expected a finite number${typeof v === 'number' && Number.isFinite(v) ? ' within float32 range (±3.4e38)' : ''}`);
            }
          }
        }
      },
    };
    return features;
  }
  if (isMatrix(x)) {
    if (x.cols !== cols) throw new RangeError(`${where}: the matrix has ${x.cols} columns; the model takes ${cols} features per row`);
    if (!Number.isInteger(x.rows) || x.rows < 1) throw new RangeError(`${where}: the matrix has ${x.rows} rows; expected a positive integer`);
    if (x.data.length < x.rows * x.cols) {
      throw new RangeError(`${where}: the matrix data holds ${x.data.length} values; ${x.rows} rows × ${x.cols} columns need ${x.rows * x.cols}`);
    }
    return flatFeatures(where, x.data, x.rows, cols);
  }
  if (isNumericArray(x)) {
    if (x.length === 0 || x.length % cols !== 0) {
      throw new RangeError(`${where}: a flat array of ${x.length} values is not a whole number of rows of ${cols} features`);
    }
    return flatFeatures(where, x, x.length / cols, cols);
  }
  throw new TypeError(`${where}: expected rows as number[][], a Float32Array of rows × ${cols} values, or a matrix { rows, cols, data }; got ${describe(x)}`);
}

/** Targets checked against the output layer and loss. */
export interface Targets {
  rows: number;
  /** 'indices' when classes came as integers (copied out as one-hot rows). */
  kind: 'indices' | 'rows';
  copyTo(dst: Float32Array, at: number): void;
}

function checkTarget(where: string, v: unknown, loss: LossName, r: number, c: number): number {
  if (typeof v !== 'number' || !Number.isFinite(Math.fround(v))) {
    throw new RangeError(`${where}: ${rowText(r)}, ${columnText(c)} is ${describe(v)}; expected a finite number${typeof v === 'number' && Number.isFinite(v) ? ' within float32 range (±3.4e38)' : ''}`);
  }
  if (loss === 'binaryCrossEntropy' && (v < 0 || v > 1)) {
    throw new RangeError(`${where}: ${rowText(r)}, ${columnText(c)} is ${v}; loss 'binaryCrossEntropy' needs targets in [0, 1]`);
  }
  if (loss === 'crossEntropy' && v < 0) {
    throw new RangeError(`${where}: ${rowText(r)}, ${columnText(c)} is ${v}; loss 'crossEntropy' needs non-negative targets (one-hot rows or class probabilities)`);
  }
  return v;
}

function indexTargets(where: string, y: ArrayLike<unknown>, outputs: number): Targets {
  return {
    rows: y.length, kind: 'indices',
    copyTo(dst, at) {
      dst.fill(0, at, at + y.length * outputs);
      for (let r = 0; r < y.length; r++) {
        const v = y[r];
        if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v >= outputs) {
          const hint = typeof v === 'string' ? '; to train on label strings, encode them first: fromArrays(x, labels) gives class indices and keeps the labels' : '';
          throw new RangeError(`${where}: ${rowText(r)} is ${describe(v)}; expected a class index, an integer from 0 to ${outputs - 1} (the output layer has ${outputs} units)${hint}`);
        }
        dst[at + r * outputs + v] = 1;
      }
    },
  };
}

/** Cross-entropy's fused gradient (ŷ − y)/m is the loss's gradient only when each target row sums to 1. */
function checkRowSum(where: string, dst: Float32Array, at: number, r: number, outputs: number): void {
  let sum = 0;
  for (let c = 0; c < outputs; c++) sum += dst[at + r * outputs + c];
  if (Math.abs(sum - 1) > 1e-3) {
    throw new RangeError(`${where}: ${rowText(r)} sums to ${sum}; loss 'crossEntropy' needs each target row to sum to 1 (one-hot rows or class probabilities)`);
  }
}

function valueTargets(where: string, data: ArrayLike<unknown>, rows: number, outputs: number, loss: LossName): Targets {
  return {
    rows, kind: 'rows',
    copyTo(dst, at) {
      for (let i = 0; i < rows * outputs; i++) dst[at + i] = checkTarget(where, data[i], loss, Math.floor(i / outputs), i % outputs);
      if (loss === 'crossEntropy') for (let r = 0; r < rows; r++) checkRowSum(where, dst, at, r, outputs);
    },
  };
}

/**
 * Reads targets for an output layer of `outputs` units: rows of `outputs` values (one-hot for
 * classification), or — when `outputs` > 1 — one class index per row, or — when `outputs` is 1 —
 * one number per row. A flat array of `expectedRows × outputs` values is read as rows.
 */
export function readTargets(where: string, y: unknown, outputs: number, loss: LossName, expectedRows: number): Targets {
  if (Array.isArray(y)) {
    if (y.length === 0) throw new RangeError(`${where}: got no rows`);
    if (Array.isArray(y[0]) || isNumericArray(y[0])) {
      return {
        rows: y.length, kind: 'rows',
        copyTo(dst, at) {
          for (let r = 0; r < y.length; r++) {
            const row = y[r] as unknown;
            if (!Array.isArray(row) && !isNumericArray(row)) throw new TypeError(`${where}: ${rowText(r)} is ${describe(row)}; expected an array of ${outputs} numbers`);
            if (row.length !== outputs) {
              throw new RangeError(`${where}: ${rowText(r)} has ${row.length} values; the output layer has ${outputs} units${outputs > 1 && row.length === 1 ? ' (give class indices as a flat array, e.g. [0, 2, 1])' : ''}`);
            }
            for (let c = 0; c < outputs; c++) dst[at + r * outputs + c] = checkTarget(where, (row as ArrayLike<unknown>)[c], loss, r, c);
            if (loss === 'crossEntropy') checkRowSum(where, dst, at, r, outputs);
          }
        },
      };
    }
    if (outputs === 1) return valueTargets(where, y, y.length, 1, loss);
    if (y.length === expectedRows * outputs) return valueTargets(where, y, expectedRows, outputs, loss);
    return indexTargets(where, y, outputs);
  }
  if (isMatrix(y)) {
    if (y.cols === outputs) {
      if (y.data.length < y.rows * y.cols) throw new RangeError(`${where}: the matrix data holds ${y.data.length} values; ${y.rows} × ${y.cols} need ${y.rows * y.cols}`);
      return valueTargets(where, y.data, y.rows, outputs, loss);
    }
    if (y.cols === 1 && outputs > 1) return indexTargets(where, Array.prototype.slice.call(y.data, 0, y.rows), outputs);
    throw new RangeError(`${where}: the matrix has ${y.cols} columns; the output layer has ${outputs} units`);
  }
  if (isNumericArray(y)) {
    if (y.length === 0) throw new RangeError(`${where}: got no rows`);
    if (outputs === 1) return valueTargets(where, y, y.length, 1, loss);
    // a flat array: one class index per row, or rows × outputs values (one-hot rows, say)
    if (y.length === expectedRows * outputs) return valueTargets(where, y, expectedRows, outputs, loss);
    return indexTargets(where, y, outputs);
  }
  throw new TypeError(`${where}: expected class indices (number[] or Int32Array), rows as number[][], or a matrix { rows, cols, data }; got ${describe(y)}`);
}
