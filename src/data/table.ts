/**
 * From a table of raw cells (CSV strings, record values, array values) to a {@link Dataset}:
 * choose the target and feature columns, decide each column's type, check every cell, handle
 * missing values, fit the encoders (one-hot categories, fills, classes) and build the matrices
 * and the {@link Pipeline} that repeats the encoding on new rows. `parseCSV`, `fromObjects` and
 * `fromArrays` are thin front ends over {@link buildDataset}.
 *
 * Decisions, in order (docs/data.md has the user-facing version):
 * - column type: a column is numeric when at least as many of its non-missing cells are
 *   numbers as are text; its text cells are then errors. Otherwise it is categorical. The
 *   `categorical` option forces one-hot encoding of numeric codes.
 * - task: a text target is classification; a numeric target with non-integers or more than
 *   {@link MAX_AUTO_CLASSES} distinct values is regression, else classification; `task` overrides.
 * - classes and categories are sorted (numeric labels numerically, text by UTF-16 code units,
 *   which does not depend on the locale), so the same data gives the same indices everywhere.
 * - errors are reported for the first bad cell in reading order (row by row, left to right).
 */

import type { Matrix } from '../types.js';
import { cellReader, cellValue, INVALID, MISSING, NON_FINITE, NUMBER, readCell, TEXT } from './cells.js';
import type { Dataset } from './dataset.js';
import { columnLabel, dataError, kindOf, listNames, show } from './errors.js';
import { Pipeline, type FeatureEncoder, type TargetEncoder, type Task } from './pipeline.js';

/** A column named by header name or by 0-based index (negative counts from the end). */
export type ColumnRef = string | number;

/** How a table becomes a dataset (shared by `parseCSV`, `loadCSV`, `fromObjects`, `fromArrays`). */
export interface TableOptions {
  /**
   * The target column by name or 0-based index (−1 = last), or several columns for
   * multi-output regression. Default: the last column.
   */
  target?: ColumnRef | readonly ColumnRef[];
  /** Feature columns to use, in this order. Default: every column except target and `ignore`. */
  features?: readonly ColumnRef[];
  /** Columns to leave out (IDs, free text). */
  ignore?: readonly ColumnRef[];
  /** Feature columns to one-hot encode even though they hold numbers (codes, zip codes). */
  categorical?: readonly ColumnRef[];
  /** Force the task. Default: decided from the target (see docs/data.md). */
  task?: Task;
  /**
   * What to do with missing cells: `'error'` (default) throws naming the cell; `'drop'` drops
   * rows with a missing cell in a used column; `'mean'` fills numeric features with the column
   * mean and categorical ones with the most frequent category (the fills are kept in the
   * pipeline and used for missing cells at prediction time; a missing target is still an error).
   */
  missing?: 'error' | 'drop' | 'mean';
  /** Text read as missing. Default `['', 'NA', 'N/A', 'null', 'NULL', '?']`. */
  missingValues?: string[];
  /** Decimal separator in text cells: `'.'` (default) or `','` (with `;`-separated files). */
  decimal?: '.' | ',';
  /**
   * Most distinct values a categorical feature may have; more is an error (it is probably an ID
   * or free-text column). Default 50.
   */
  maxCategories?: number;
}

/** Option names accepted by {@link buildDataset}. */
export const TABLE_OPTION_NAMES = [
  'target', 'features', 'ignore', 'categorical', 'task', 'missing', 'missingValues', 'decimal', 'maxCategories',
] as const;

/** Above this many distinct integer values a numeric target is taken as regression. */
export const MAX_AUTO_CLASSES = 20;

const DEFAULT_MAX_CATEGORIES = 50;

/** The raw input of {@link buildDataset}. */
export interface Table {
  columns: readonly string[];
  /** Number of data rows. */
  rowCount: number;
  /** The raw cell of row r, column c (`undefined` reads as a missing value). */
  cell(r: number, c: number): unknown;
  /** The row number put in messages and `error.row` (CSV: spreadsheet row; arrays: r + 1). */
  rowNumber(r: number): number;
  /** How row r is named in messages: `row 5`, or `row 5 (index 4)` for arrays. */
  rowText(r: number): string;
}

/** Throws a TypeError for unknown option names (catches typos such as `traget`). */
export function checkOptionNames(fn: string, options: unknown, allowed: readonly string[]): void {
  if (options === undefined) return;
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new TypeError(`${fn}: options: expected an object, got ${kindOf(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (!allowed.includes(key)) {
      throw new TypeError(`${fn}: options.${key}: unknown option; expected one of ${allowed.join(', ')}`);
    }
  }
}

/** Column types after inspection. */
type ColumnType = 'numeric' | 'categorical';

/** One used column, classified once. */
interface ColumnData {
  index: number;
  name: string;
  kinds: Uint8Array;
  numbers: Float64Array;
  /** Text of TEXT cells (others undefined); allocated only if the column has text. */
  texts: (string | undefined)[] | undefined;
  numeric: number;
  text: number;
  missing: number;
  type: ColumnType;
}

/** Sort for category/class keys: numbers numerically, text by code units. */
function compareKeys(numeric: boolean): (a: string, b: string) => number {
  return numeric ? (a, b) => Number(a) - Number(b) : (a, b) => (a < b ? -1 : a > b ? 1 : 0);
}

/**
 * Builds a dataset from a table of raw cells (see the file comment for the rules).
 *
 * @param fn - the public function name for messages.
 *
 * @example
 * const data = buildDataset('fromObjects', table, { target: 'species' });
 */
export function buildDataset(fn: string, table: Table, options: TableOptions = {}): Dataset {
  const { columns } = table;
  const cell = (r: number, c: number): unknown => table.cell(r, c);
  const reader = cellReader(fn, options.missingValues, options.decimal);
  const missingMode = options.missing ?? 'error';
  if (missingMode !== 'error' && missingMode !== 'drop' && missingMode !== 'mean') {
    throw new TypeError(`${fn}: options.missing: expected 'error', 'drop' or 'mean', got ${show(missingMode)}`);
  }
  const task = options.task;
  if (task !== undefined && task !== 'classification' && task !== 'regression') {
    throw new TypeError(`${fn}: options.task: expected 'classification' or 'regression', got ${show(task)}`);
  }
  const maxCategories = options.maxCategories ?? DEFAULT_MAX_CATEGORIES;
  if (typeof maxCategories !== 'number' || !Number.isInteger(maxCategories) || maxCategories < 1) {
    throw new RangeError(`${fn}: options.maxCategories: expected a positive integer, got ${show(maxCategories)}`);
  }

  // Column names must be unique: records and the pipeline address columns by name.
  const firstIndex = new Map<string, number>();
  columns.forEach((name, c) => {
    const previous = firstIndex.get(name);
    if (previous === undefined) {
      firstIndex.set(name, c);
      return;
    }
    const isTarget = options.target === undefined ? c === columns.length - 1 : [options.target].flat().includes(name);
    throw dataError(
      Error,
      isTarget
        ? `${fn}: the target column ${show(name)} appears twice, as columns ${previous + 1} and ${c + 1}; ` +
            'rename one so the target is unambiguous'
        : `${fn}: columns ${previous + 1} and ${c + 1} are both named ${show(name)}; rename one ` +
            '(columns are matched by name when predicting)',
      { row: 1, column: c + 1, columnName: name, value: name },
    );
  });

  const resolve = (ref: unknown, what: string): number => {
    if (typeof ref === 'string') {
      const index = firstIndex.get(ref);
      if (index === undefined) {
        throw dataError(Error, `${fn}: options.${what}: no column named ${show(ref)}; the columns are ${listNames(columns, 20)}`, { columnName: ref });
      }
      return index;
    }
    if (typeof ref === 'number' && Number.isInteger(ref)) {
      const index = ref < 0 ? columns.length + ref : ref;
      if (index < 0 || index >= columns.length) {
        throw new RangeError(`${fn}: options.${what}: expected a column index in ${-columns.length}..${columns.length - 1}, got ${ref}`);
      }
      return index;
    }
    throw new TypeError(`${fn}: options.${what}: expected a column name or an integer index, got ${show(ref)}`);
  };
  const resolveList = (refs: unknown, what: string): number[] => {
    if (refs === undefined) return [];
    if (!Array.isArray(refs)) throw new TypeError(`${fn}: options.${what}: expected an array of column names or indices, got ${kindOf(refs)}`);
    const indices = refs.map((ref: unknown) => resolve(ref, what));
    const seen = new Set<number>();
    for (const index of indices) {
      if (seen.has(index)) throw new RangeError(`${fn}: options.${what}: ${columnLabel(index, columns[index])} is listed twice`);
      seen.add(index);
    }
    return indices;
  };

  if (columns.length < 2 && options.features === undefined) {
    throw new RangeError(
      `${fn}: expected at least two columns (features and a target), got ${columns.length} (${listNames(columns)}); ` +
        'if this is a CSV file, is the delimiter one of , ; or tab? Set options.delimiter otherwise',
    );
  }
  const targets = options.target === undefined ? [columns.length - 1] : Array.isArray(options.target) ? resolveList(options.target, 'target') : [resolve(options.target, 'target')];
  if (targets.length === 0) throw new RangeError(`${fn}: options.target: expected at least one column, got an empty list`);
  const targetSet = new Set(targets);
  const ignored = new Set(resolveList(options.ignore, 'ignore'));
  for (const t of targets) {
    if (ignored.has(t)) throw new RangeError(`${fn}: options.ignore: ${columnLabel(t, columns[t])} is the target`);
  }
  let features = options.features === undefined ? columns.map((_, c) => c).filter((c) => !targetSet.has(c)) : resolveList(options.features, 'features');
  for (const f of features) {
    if (targetSet.has(f)) throw new RangeError(`${fn}: options.features: ${columnLabel(f, columns[f])} is the target; a column cannot be both`);
  }
  features = features.filter((c) => !ignored.has(c));
  if (features.length === 0) throw new RangeError(`${fn}: no feature columns left (columns: ${listNames(columns)}; target: ${listNames(targets.map((t) => columns[t]))})`);
  const categorical = new Set(resolveList(options.categorical, 'categorical'));
  for (const c of categorical) {
    if (!features.includes(c)) throw new RangeError(`${fn}: options.categorical: ${columnLabel(c, columns[c])} is not a feature column`);
  }
  if (targets.length > 1 && task === 'classification') {
    throw new RangeError(`${fn}: options.target: classification takes one target column, got ${targets.length}`);
  }

  const n = table.rowCount;
  if (n === 0) throw new RangeError(`${fn}: expected at least one data row, got 0`);

  // 1. Read every used cell once.
  const used = [...features, ...targets].sort((a, b) => a - b);
  const scratch = cellValue();
  const data = new Map<number, ColumnData>();
  for (const c of used) {
    const column: ColumnData = {
      index: c,
      name: columns[c],
      kinds: new Uint8Array(n),
      numbers: new Float64Array(n),
      texts: undefined,
      numeric: 0,
      text: 0,
      missing: 0,
      type: 'numeric',
    };
    for (let r = 0; r < n; r++) {
      const kind = readCell(cell(r, c), reader, scratch);
      column.kinds[r] = kind;
      if (kind === NUMBER || kind === NON_FINITE) {
        column.numbers[r] = scratch.number;
        column.numeric++;
      } else if (kind === TEXT) {
        (column.texts ??= new Array(n))[r] = scratch.text;
        column.text++;
      } else if (kind === MISSING) {
        column.missing++;
      }
    }
    data.set(c, column);
  }

  // 2. Decide column types and the task.
  const where = (r: number, c: number): string => `${fn}: ${table.rowText(r)}, ${columnLabel(c, columns[c])}`;
  const details = (r: number, c: number) => ({ row: table.rowNumber(r), column: c + 1, columnName: columns[c], value: cell(r, c) });
  for (const column of data.values()) {
    if (column.numeric + column.text === 0 && column.missing > 0) {
      const r = column.kinds.indexOf(MISSING);
      throw dataError(TypeError, `${where(r, column.index)}: the column has no values (all ${n} cells are missing, e.g. ${show(cell(r, column.index))})`, details(r, column.index));
    }
    const majorityNumeric = column.numeric > 0 && column.numeric >= column.text;
    column.type = categorical.has(column.index) ? 'categorical' : majorityNumeric ? 'numeric' : 'categorical';
  }
  const targetColumns = targets.map((t) => data.get(t)!);
  let resolvedTask: Task;
  if (task !== undefined) {
    resolvedTask = task;
  } else if (targetColumns.length > 1) {
    resolvedTask = 'regression';
  } else {
    const column = targetColumns[0];
    if (column.type === 'categorical') {
      resolvedTask = 'classification';
    } else {
      const distinct = new Set<number>();
      let integers = true;
      for (let r = 0; r < n && integers && distinct.size <= MAX_AUTO_CLASSES; r++) {
        if (column.kinds[r] !== NUMBER) continue;
        const v = column.numbers[r];
        if (!Number.isInteger(v)) integers = false;
        distinct.add(v);
      }
      resolvedTask = integers && distinct.size <= MAX_AUTO_CLASSES ? 'classification' : 'regression';
    }
  }
  if (resolvedTask === 'classification') {
    // Labels: any non-missing text or numbers; they are numbers only if all are numbers.
    targetColumns[0].type = targetColumns[0].text === 0 ? 'numeric' : 'categorical';
  } else {
    for (const column of targetColumns) column.type = 'numeric';
  }

  // 3. Check every cell, row by row, left to right: the first problem in reading order wins.
  const drop = new Uint8Array(n);
  for (let r = 0; r < n; r++) {
    for (const c of used) {
      const column = data.get(c)!;
      const kind = column.kinds[r];
      if (kind === NUMBER) continue;
      if (kind === INVALID) {
        throw dataError(TypeError, `${where(r, c)}: expected a number, string, boolean or null, got ${kindOf(cell(r, c))}`, details(r, c));
      }
      if (kind === NON_FINITE) {
        throw dataError(
          RangeError,
          `${where(r, c)}: expected a finite number, got ${show(cell(r, c))}` +
            (typeof cell(r, c) === 'string' ? ` (if it marks a missing value, add ${show(String(cell(r, c)).trim())} to options.missingValues)` : ''),
          details(r, c),
        );
      }
      if (kind === TEXT && column.type === 'numeric') {
        const isTarget = targetSet.has(c);
        const share = `${column.numeric} of the column's ${column.numeric + column.text} values are numbers`;
        throw dataError(
          TypeError,
          `${where(r, c)}: expected a number, got ${show(cell(r, c))} (${share}` +
            (isTarget ? `; the ${resolvedTask} target must be numeric` : '; use options.categorical to one-hot encode it, or fix the cell') + ')',
          details(r, c),
        );
      }
      if (kind === MISSING) {
        if (missingMode === 'drop') {
          drop[r] = 1;
        } else if (missingMode === 'error' || targetSet.has(c)) {
          throw dataError(
            TypeError,
            `${where(r, c)}: missing value ${show(cell(r, c))}; ` +
              (targetSet.has(c) ? `the target cannot be filled: use options.missing: 'drop'` : `use options.missing: 'drop' or 'mean', or fix the cell`),
            details(r, c),
          );
        }
      }
    }
  }
  const kept: number[] = [];
  for (let r = 0; r < n; r++) if (!drop[r]) kept.push(r);
  if (kept.length === 0) throw new RangeError(`${fn}: every one of the ${n} rows has a missing value in a used column; nothing left after options.missing: 'drop'`);

  const keyOf = (column: ColumnData, r: number): string =>
    column.kinds[r] === TEXT ? column.texts![r]! : String(column.numbers[r]);

  // 4. Fit encoders on the kept rows.
  const encoders: FeatureEncoder[] = [];
  const categoryIndex = new Map<number, Map<string, number>>();
  for (const c of features) {
    const column = data.get(c)!;
    if (column.type === 'numeric') {
      const encoder: FeatureEncoder = { kind: 'numeric', column: column.name };
      if (missingMode === 'mean') {
        // Every column gets a fill, so missing cells at prediction time are filled too.
        let sum = 0;
        let count = 0;
        for (const r of kept) {
          if (column.kinds[r] === NUMBER) {
            sum += column.numbers[r];
            count++;
          }
        }
        encoder.fill = sum / count;
      }
      encoders.push(encoder);
      continue;
    }
    const counts = new Map<string, number>();
    for (const r of kept) {
      if (column.kinds[r] === MISSING) continue;
      const key = keyOf(column, r);
      if (!counts.has(key) && counts.size === maxCategories) {
        throw dataError(
          RangeError,
          `${where(r, c)}: value ${show(cell(r, c))} is distinct value number ${maxCategories + 1} of this categorical column ` +
            `(options.maxCategories is ${maxCategories}); a column with this many categories is probably an ID or free-text ` +
            `column: leave it out with options.ignore: [${show(column.name)}], or raise options.maxCategories`,
          details(r, c),
        );
      }
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    const categories = [...counts.keys()].sort(compareKeys(column.text === 0));
    const encoder: FeatureEncoder = { kind: 'onehot', column: column.name, categories };
    if (missingMode === 'mean') {
      let best = categories[0];
      for (const category of categories) if (counts.get(category)! > counts.get(best)!) best = category;
      encoder.fill = best;
    }
    encoders.push(encoder);
    categoryIndex.set(c, new Map(categories.map((category, i) => [category, i])));
  }

  // 5. Target encoding.
  let target: TargetEncoder;
  let y: Int32Array | Matrix;
  const m = kept.length;
  if (resolvedTask === 'classification') {
    const column = targetColumns[0];
    const firstRow = new Map<string, number>();
    for (const r of kept) {
      const key = keyOf(column, r);
      if (!firstRow.has(key)) firstRow.set(key, r);
    }
    const numericLabels = column.type === 'numeric';
    const classes = [...firstRow.keys()].sort(compareKeys(numericLabels));
    if (classes.length < 2) {
      const r = kept[0];
      throw dataError(
        RangeError,
        `${where(r, column.index)}: the target has only one class, ${show(classes[0])}, in all ${m} rows; ` +
          'classification needs at least two (is this the right target column?)',
        details(r, column.index),
      );
    }
    const index = new Map(classes.map((label, i) => [label, i]));
    const labels = new Int32Array(m);
    kept.forEach((r, i) => (labels[i] = index.get(keyOf(column, r))!));
    target = { task: 'classification', columns: [column.name], classes, labels: numericLabels ? 'number' : 'string' };
    y = labels;
  } else {
    const k = targetColumns.length;
    const values = new Float32Array(m * k);
    kept.forEach((r, i) => targetColumns.forEach((column, j) => (values[i * k + j] = column.numbers[r])));
    target = { task: 'regression', columns: targetColumns.map((column) => column.name) };
    y = { rows: m, cols: k, data: values };
  }

  // 6. Pipeline and the feature matrix (the same encoding the pipeline applies to new rows).
  const inputColumns = columns.filter((_, c) => !targetSet.has(c));
  const pipeline = new Pipeline(
    { columns: inputColumns, encoders, target, missingValues: [...reader.missing], decimal: reader.decimal },
    fn,
  );
  const width = pipeline.features.length;
  const x = new Float32Array(m * width);
  kept.forEach((r, i) => {
    let k = i * width;
    features.forEach((c, e) => {
      const column = data.get(c)!;
      const encoder = encoders[e];
      const missing = column.kinds[r] === MISSING;
      if (encoder.kind === 'numeric') {
        x[k++] = missing ? encoder.fill! : column.numbers[r];
      } else {
        const key = missing ? encoder.fill! : keyOf(column, r);
        x[k + categoryIndex.get(c)!.get(key)!] = 1;
        k += encoder.categories.length;
      }
    });
  });

  return {
    x: { rows: m, cols: width, data: x },
    y,
    features: pipeline.features.slice(),
    target: target.columns.join(','),
    ...(target.task === 'classification' ? { classes: target.classes.slice() } : {}),
    task: resolvedTask,
    pipeline,
    rows: m,
  };
}
