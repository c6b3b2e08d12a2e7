/**
 * Datasets from JavaScript values: `fromObjects` for records (what a JSON API or a database
 * returns) and `fromArrays` for a feature matrix plus targets. Both build the same kind of
 * {@link Dataset} and {@link Pipeline} as CSV loading, through the same rules (`table.ts`).
 * Rows in messages are array elements, named both ways: "row 3 (index 2)".
 */

import type { Matrix } from '../types.js';
import { didYouMean, hasOwn, isMatrix, isRecord } from '../check.js';
import type { Dataset } from './dataset.js';
import { dataError, kindOf, listNames, show } from './errors.js';
import { buildDataset, checkOptionNames, TABLE_OPTION_NAMES, type Table, type TableOptions } from './table.js';

/** Options of {@link fromArrays}. */
export interface FromArraysOptions extends Omit<TableOptions, 'target' | 'features' | 'ignore' | 'categorical'> {
  /** Names of the columns of `x`. Default `column1`…`columnN`. */
  features?: readonly string[];
  /** Name of the target (or names, one per column of a matrix `y`). Default `target` (`target1`…). */
  target?: string | readonly string[];
  /** Feature columns (names or 0-based indices into `x`'s columns) to one-hot encode. */
  categorical?: readonly (string | number)[];
}

const arrayRows = (r: number): string => `row ${r + 1} (index ${r})`;

/**
 * Builds a dataset from records keyed by column name. Columns are the own keys in order of first
 * appearance. Every record must have every used column as an own key: an absent key is an error
 * naming it (with the closest key the record has), never a missing value; write a missing value
 * as `''`, `null` or `undefined`, and leave unused columns out with `ignore`.
 *
 * @param rows - an array of plain objects.
 * @param options - as for CSV: target (default: the last key), features, missing values...
 * @throws {RangeError} for an empty array; {TypeError} for an element that is not an object;
 *   {Error} for a record without a used key; otherwise as {@link parseCSV}.
 *
 * @example
 * const data = fromObjects([
 *   { size: 1, color: 'red', label: 'yes' },
 *   { size: 2, color: 'blue', label: 'no' },
 * ], { target: 'label' });
 */
export function fromObjects(rows: readonly Record<string, unknown>[], options: TableOptions = {}): Dataset {
  const fn = 'fromObjects';
  checkOptionNames(fn, options, TABLE_OPTION_NAMES);
  if (!Array.isArray(rows)) throw new TypeError(`${fn}: rows: expected an array of objects, got ${kindOf(rows)}`);
  if (rows.length === 0) throw new RangeError(`${fn}: rows: expected at least one record, got an empty array`);
  const columns: string[] = [];
  const seen = new Set<string>();
  rows.forEach((row: unknown, r: number) => {
    if (!isRecord(row)) {
      throw dataError(TypeError, `${fn}: ${arrayRows(r)}: expected an object keyed by column name, got ${kindOf(row)}`, { row: r + 1, value: row });
    }
    for (const key of Object.keys(row)) {
      if (!seen.has(key)) {
        seen.add(key);
        columns.push(key);
      }
    }
  });
  const cells: unknown[] = new Array(columns.length);
  const table: Table = {
    columns,
    scan(used, visit) {
      for (let r = 0; r < rows.length; r++) {
        const row = rows[r];
        for (const c of used) {
          const name = columns[c];
          if (!hasOwn(row, name)) {
            const keys = Object.keys(row);
            throw dataError(
              Error,
              `${fn}: ${arrayRows(r)} has no key ${show(name)}${didYouMean(name, keys, '"')} (its keys are ${listNames(keys)}); ` +
                "every record needs every used column: write a missing value as '', null or undefined, or leave the column out with options.ignore",
              { row: r + 1, column: c + 1, columnName: name },
            );
          }
          cells[c] = row[name];
        }
        visit(cells, r + 1);
      }
    },
    rowText: (row) => arrayRows(row - 1),
  };
  return buildDataset(fn, table, options);
}

/** A rectangular block of cells: `x` or a multi-column `y`. */
interface Cells {
  rows: number;
  cols: number;
  cell(r: number, c: number): unknown;
}

/** Reads `x` (or a matrix `y`) as a rectangular block of cells, checking its shape. */
function matrixCells(fn: string, name: string, x: unknown): Cells {
  if (isMatrix(x)) {
    const m = x;
    if (!Number.isInteger(m.rows) || m.rows < 0 || !Number.isInteger(m.cols) || m.cols < 0) {
      throw new RangeError(`${fn}: ${name}: expected non-negative integer rows and cols, got ${m.rows} × ${m.cols}`);
    }
    if (m.data.length < m.rows * m.cols) {
      throw new RangeError(`${fn}: ${name}: expected data of rows × cols = ${m.rows * m.cols} values, got ${m.data.length}`);
    }
    return { rows: m.rows, cols: m.cols, cell: (r, c) => m.data[r * m.cols + c] };
  }
  if (!Array.isArray(x)) throw new TypeError(`${fn}: ${name}: expected number[][] or a Matrix {rows, cols, data}, got ${kindOf(x)}`);
  const cols = Array.isArray(x[0]) || ArrayBuffer.isView(x[0]) ? (x[0] as ArrayLike<unknown>).length : -1;
  x.forEach((row: unknown, r: number) => {
    if (!Array.isArray(row) && !(ArrayBuffer.isView(row) && !(row instanceof DataView))) {
      throw dataError(TypeError, `${fn}: ${name} ${arrayRows(r)}: expected an array of cells, got ${kindOf(row)}`, { row: r + 1, value: row });
    }
    const length = (row as ArrayLike<unknown>).length;
    if (length !== cols) {
      throw dataError(RangeError, `${fn}: ${name} ${arrayRows(r)}: expected ${cols} cells (as row 1), got ${length}`, { row: r + 1, value: row });
    }
  });
  const rows = x as ArrayLike<unknown>[];
  return { rows: rows.length, cols, cell: (r, c) => rows[r][c] };
}

/**
 * Builds a dataset from a feature matrix and targets.
 *
 * @param x - `number[][]` (or a `Matrix`); cells may also be strings (one-hot encoded) or
 *   `null` (missing).
 * @param y - one target per row: labels (strings or numbers; integers with at most 20 distinct
 *   values are classes unless `task: 'regression'`), or `number[][]`/a `Matrix` for several
 *   regression targets.
 * @param options - column names, task, missing-value handling.
 * @throws {RangeError} when `x` and `y` have different row counts or `x` is ragged; otherwise
 *   as {@link parseCSV}.
 *
 * @example
 * const xor = fromArrays([[0, 0], [0, 1], [1, 0], [1, 1]], [0, 1, 1, 0]);
 * xor.task;    // 'classification'
 * xor.classes; // ['0', '1']
 */
export function fromArrays(
  x: readonly (readonly unknown[])[] | Matrix,
  y: ArrayLike<unknown> | readonly (readonly number[])[] | Matrix,
  options: FromArraysOptions = {},
): Dataset {
  const fn = 'fromArrays';
  checkOptionNames(fn, options, TABLE_OPTION_NAMES);
  const features = matrixCells(fn, 'x', x);
  const n = features.rows;
  if (n === 0) throw new RangeError(`${fn}: x: expected at least one row, got 0`);
  let targets: Cells;
  const multi = isMatrix(y) || (Array.isArray(y) && (Array.isArray(y[0]) || ArrayBuffer.isView(y[0])));
  if (multi) {
    targets = matrixCells(fn, 'y', y);
  } else if (Array.isArray(y) || (ArrayBuffer.isView(y) && !(y instanceof DataView))) {
    const values = y as ArrayLike<unknown>;
    targets = { rows: values.length, cols: 1, cell: (r) => values[r] };
  } else {
    throw new TypeError(`${fn}: y: expected an array of labels or numbers, number[][] or a Matrix, got ${kindOf(y)}`);
  }
  if (targets.rows !== n) throw new RangeError(`${fn}: y: expected ${n} rows (as x), got ${targets.rows}`);

  const names = (given: unknown, count: number, base: string, what: string): string[] => {
    if (given === undefined) return count === 1 && base === 'target' ? ['target'] : Array.from({ length: count }, (_, i) => `${base}${i + 1}`);
    const list = typeof given === 'string' ? [given] : given;
    if (!Array.isArray(list) || !list.every((name) => typeof name === 'string')) {
      throw new TypeError(`${fn}: options.${what}: expected ${what === 'target' ? 'a string or ' : ''}an array of strings, got ${kindOf(given)}`);
    }
    if (list.length !== count) throw new RangeError(`${fn}: options.${what}: expected ${count} names (one per column), got ${list.length}`);
    return list.slice();
  };
  const featureNames = names(options.features, features.cols, 'column', 'features');
  const targetNames = names(options.target, targets.cols, 'target', 'target');
  const columns = [...featureNames, ...targetNames];
  const width = features.cols;
  const cells: unknown[] = new Array(columns.length);
  const table: Table = {
    columns,
    scan(used, visit) {
      for (let r = 0; r < n; r++) {
        for (const c of used) cells[c] = c < width ? features.cell(r, c) : targets.cell(r, c - width);
        visit(cells, r + 1);
      }
    },
    rowText: (row) => arrayRows(row - 1),
  };
  return buildDataset(fn, table, {
    ...options,
    features: undefined,
    target: targetNames.length === 1 ? targetNames[0] : targetNames,
    categorical: options.categorical?.map((ref) => (typeof ref === 'number' && ref >= 0 ? featureNames[ref] ?? ref : ref)),
  });
}
