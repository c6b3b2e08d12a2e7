/**
 * From a table of raw cells (CSV strings, record values, array values) to a {@link Dataset}, in
 * two passes over the rows and named steps between them:
 *
 *   1. `resolveColumns`   options → target, feature, categorical, numeric and ignored columns;
 *   2. `TableFitter.row`  first pass: read each used cell once and keep only statistics per
 *                         column (counts, distinct values up to a cap, sums, the first problem
 *                         cell of each kind) — never the cells themselves;
 *   3. `decideTypes`      each column numeric or categorical, the task;
 *   4. `checkCells`       the first bad cell in reading order (row by row, left to right);
 *   5. `refuseIdColumns`  text columns whose values are (nearly) all distinct, integer columns
 *                         that count the rows;
 *   6. `fitEncoders`      one-hot categories, fills, classes → a {@link Pipeline};
 *   7. `TableEncoder.row` second pass: every kept row through the pipeline's encoders
 *                         (encoders.ts, the same code `Pipeline.transform` runs).
 *
 * Because the first pass keeps statistics only, a data set needs the memory of its encoded
 * matrices plus the source, and the same fitter serves `streamCSV`, whose source is bigger than
 * memory. Decisions (docs/data.md has the user-facing version):
 * - column type: a column is numeric when at least as many of its non-missing cells are
 *   numbers as are text; its text cells are then errors. Otherwise it is categorical. The
 *   `categorical` option forces one-hot encoding of numeric codes, `numeric` keeps a column
 *   numeric (text cells are errors) and lets a row-number column through.
 * - task: a text target is classification; a numeric target with non-integers or more than
 *   {@link MAX_AUTO_CLASSES} distinct values is regression, else classification; `task` overrides.
 * - classes and categories are sorted (numeric labels numerically, text by UTF-16 code units,
 *   which does not depend on the locale), so the same data gives the same indices everywhere.
 */

import type { Matrix } from '../types.js';
import { checkKeys, didYouMean } from '../check.js';
import { cellReader, cellValue, MISSING, NUMBER, readCell, TEXT, type CellReader } from './cells.js';
import type { Dataset } from './dataset.js';
import { describeProblem, kindProblem, NO_FILL, RowEncoder, TargetEncoder as TargetCellEncoder, type FeatureEncoder, type UnknownCategory } from './encoders.js';
import { columnLabel, dataError, kindOf, listNames, show } from './errors.js';
import { Pipeline, type TargetEncoder, type Task } from './pipeline.js';

/** A column named by header name or by 0-based index (negative counts from the end). */
export type ColumnRef = string | number;

/** How a table becomes a dataset (shared by `parseCSV`, `loadCSV`, `fromObjects`, `fromArrays`, `streamCSV`). */
export interface TableOptions {
  /**
   * The target column by name or 0-based index (−1 = last), or several columns for
   * multi-output regression. Default: the last column.
   */
  target?: ColumnRef | readonly ColumnRef[];
  /** Feature columns to use, in this order. Default: every column except target and `ignore`. */
  features?: readonly ColumnRef[];
  /** Columns to leave out (IDs, names, free text), by name or 0-based index. Default none. */
  ignore?: readonly ColumnRef[];
  /**
   * Feature columns to one-hot encode even though they hold numbers (codes, zip codes), or
   * whose values are nearly all distinct (which is refused otherwise).
   */
  categorical?: readonly ColumnRef[];
  /**
   * Feature columns to keep numeric: their text cells are errors even when text is the majority,
   * and a column that counts the rows (1, 2, 3, …) is accepted.
   */
  numeric?: readonly ColumnRef[];
  /** Force the task. Default: decided from the target (see docs/data.md). */
  task?: Task;
  /**
   * What to do with missing cells: `'error'` (default) throws naming the cell; `'drop'` drops
   * rows with a missing cell in a used column; `'mean'` fills numeric features with the column
   * mean and categorical ones with the most frequent category (the fills are kept in the
   * pipeline and used for missing cells at prediction time; a missing target is still an error).
   * A key absent from a record is never a missing cell: it is always an error.
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
  /**
   * A category the pipeline has not seen, at prediction time: `'error'` (default) throws naming
   * it; `'ignore'` encodes it as all zeros in its one-hot block. Saved in the pipeline.
   */
  unknownCategory?: UnknownCategory;
}

/** Option names accepted by {@link buildDataset}. */
export const TABLE_OPTION_NAMES = [
  'target', 'features', 'ignore', 'categorical', 'numeric', 'task', 'missing', 'missingValues', 'decimal', 'maxCategories',
  'unknownCategory',
] as const;

/** Above this many distinct integer values a numeric target is taken as regression. */
export const MAX_AUTO_CLASSES = 20;
/** Most classes a classification target may have (as `Pipeline.fromJSON` allows). */
const MAX_CLASSES = 1 << 16;
const DEFAULT_MAX_CATEGORIES = 50;
/** A text feature with at least this many values, at least {@link ID_SHARE} of them distinct, is refused. */
const ID_MIN_VALUES = 10;
const ID_SHARE = 0.9;
/** Distinct values of a feature column tracked for that share (bounded memory per column). */
const ID_TRACKED = 4096;

/**
 * The raw input of {@link buildDataset}: named columns and rows that can be read twice.
 */
export interface Table {
  columns: readonly string[];
  /**
   * Reads every data row in order: `visit(cells, row)` with `cells[c]` the raw cell of column c
   * (for every c in `used`; others may be absent) and `row` the row number messages use.
   */
  scan(used: readonly number[], visit: (cells: ArrayLike<unknown>, row: number) => void): void;
  /** How row `row` is named in messages: `row 5`, or `row 5 (index 4)` for arrays. */
  rowText(row: number): string;
}

/** Throws a TypeError for unknown option names (catches typos such as `traget`, with the closest name). */
export function checkOptionNames(fn: string, options: unknown, allowed: readonly string[]): void {
  checkKeys(`${fn}: options`, options, allowed);
}

/** The checked options that steer the fit. */
interface Settings {
  reader: CellReader;
  missing: 'error' | 'drop' | 'mean';
  task: Task | undefined;
  maxCategories: number;
  unknownCategory: UnknownCategory;
}

function checkSettings(fn: string, options: TableOptions): Settings {
  const reader = cellReader(fn, options.missingValues, options.decimal);
  const missing = options.missing ?? 'error';
  if (missing !== 'error' && missing !== 'drop' && missing !== 'mean') {
    throw new TypeError(`${fn}: options.missing: expected 'error', 'drop' or 'mean', got ${show(missing)}`);
  }
  const task = options.task;
  if (task !== undefined && task !== 'classification' && task !== 'regression') {
    throw new TypeError(`${fn}: options.task: expected 'classification' or 'regression', got ${show(task)}`);
  }
  const maxCategories = options.maxCategories ?? DEFAULT_MAX_CATEGORIES;
  if (typeof maxCategories !== 'number' || !Number.isInteger(maxCategories) || maxCategories < 1 || maxCategories > MAX_CLASSES) {
    throw new RangeError(`${fn}: options.maxCategories: expected an integer in 1..${MAX_CLASSES}, got ${show(maxCategories)}`);
  }
  const unknownCategory = options.unknownCategory ?? 'error';
  if (unknownCategory !== 'error' && unknownCategory !== 'ignore') {
    throw new TypeError(`${fn}: options.unknownCategory: expected 'error' or 'ignore', got ${show(unknownCategory)}`);
  }
  return { reader, missing, task, maxCategories, unknownCategory };
}

/** Which columns play which part (step 1). */
interface ColumnPlan {
  targets: number[];
  features: number[];
  categorical: Set<number>;
  numeric: Set<number>;
  /** Features and targets, in table order. */
  used: number[];
}

function resolveColumns(fn: string, columns: readonly string[], options: TableOptions): ColumnPlan {
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
        throw dataError(
          Error,
          `${fn}: options.${what}: no column named ${show(ref)}${didYouMean(ref, columns, '"')}; the columns are ${listNames(columns, 20)}`,
          { columnName: ref },
        );
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
  const numeric = new Set(resolveList(options.numeric, 'numeric'));
  for (const c of numeric) {
    if (!features.includes(c)) throw new RangeError(`${fn}: options.numeric: ${columnLabel(c, columns[c])} is not a feature column`);
    if (categorical.has(c)) throw new RangeError(`${fn}: options.numeric: ${columnLabel(c, columns[c])} is also in options.categorical`);
  }
  if (targets.length > 1 && options.task === 'classification') {
    throw new RangeError(`${fn}: options.target: classification takes one target column, got ${targets.length}`);
  }
  return { targets, features, categorical, numeric, used: [...features, ...targets].sort((a, b) => a - b) };
}

/** Where a cell was first seen: data-row order `r`, the row number in messages, the raw value. */
interface Place {
  r: number;
  row: number;
  value: unknown;
  kind: number;
}

/** What the first pass keeps about one used column. */
class ColumnStats {
  readonly index: number;
  readonly name: string;
  /** Counts over the kept rows. */
  numbers = 0;
  texts = 0;
  missing = 0;
  /** Non-missing cells over all rows (for the all-missing check). */
  present = 0;
  sum = 0;
  integers = true;
  /** Distinct values and their counts, up to `cap` (numbers by value, text by trimmed text). */
  readonly numberCounts = new Map<number, number>();
  readonly textCounts = new Map<string, number>();
  readonly cap: number;
  /** Set when value number cap + 1 appeared: where, and how many values had been seen then. */
  overflow: (Place & { seen: number }) | undefined;
  /** Most categories a one-hot encoder of this column may have, and where value number max + 1 appeared. */
  readonly maxCategories: number;
  overCategories: Place | undefined;
  /** Whether the kept values so far are 0, 1, 2, … or 1, 2, 3, … (a row number). */
  counting = true;
  last = NaN;
  /** The first cell of each problem kind, over all rows. */
  firstText: Place | undefined;
  firstMissing: Place | undefined;
  firstBad: Place | undefined;
  type: 'numeric' | 'categorical' = 'numeric';

  constructor(index: number, name: string, cap: number, maxCategories: number) {
    this.index = index;
    this.name = name;
    this.cap = cap;
    this.maxCategories = maxCategories;
  }

  get distinct(): number {
    return this.numberCounts.size + this.textCounts.size;
  }
}

/** Builds a {@link Place} only when one is needed (the first of its kind). */
const place = (r: number, row: number, value: unknown, kind: number): Place => ({ r, row, value, kind });

/** The result of a fit: the pipeline and what the second pass needs. */
export interface FittedTable {
  pipeline: Pipeline;
  task: Task;
  /** Rows kept (all rows, less those dropped by `missing: 'drop'`). */
  rows: number;
  dropMissing: boolean;
}

/**
 * The first pass and the steps after it: feed rows with {@link TableFitter.row}, then
 * {@link TableFitter.finish} decides types and the task, checks cells, refuses ID-like columns and
 * fits the encoders.
 */
export class TableFitter {
  readonly plan: ColumnPlan;
  readonly #fn: string;
  readonly #columns: readonly string[];
  readonly #settings: Settings;
  readonly #stats: ColumnStats[];
  readonly #rowText: (row: number) => string;
  readonly #cell = cellValue();
  readonly #kinds: Uint8Array;
  readonly #values: Float64Array;
  readonly #texts: string[];
  #r = 0;
  #kept = 0;
  #firstKept: number | undefined;

  constructor(fn: string, columns: readonly string[], options: TableOptions, rowText: (row: number) => string) {
    this.#fn = fn;
    this.#columns = columns;
    this.#settings = checkSettings(fn, options);
    this.plan = resolveColumns(fn, columns, options);
    this.#rowText = rowText;
    const targets = new Set(this.plan.targets);
    const max = this.#settings.maxCategories;
    // Features: distinct values are tracked well past maxCategories, so the share of distinct
    // values (an ID column) is measured on up to ID_TRACKED of them, in bounded memory.
    this.#stats = this.plan.used.map((c) => targets.has(c)
      ? new ColumnStats(c, columns[c], MAX_CLASSES, MAX_CLASSES)
      : new ColumnStats(c, columns[c], Math.max(max, ID_TRACKED), max));
    this.#kinds = new Uint8Array(this.#stats.length);
    this.#values = new Float64Array(this.#stats.length);
    this.#texts = new Array<string>(this.#stats.length).fill('');
  }

  /** Step 2: reads one data row (`cells[c]` for every used column c). */
  row(cells: ArrayLike<unknown>, row: number): void {
    const r = this.#r++;
    const stats = this.#stats;
    const cell = this.#cell;
    const reader = this.#settings.reader;
    let anyMissing = false;
    for (let i = 0; i < stats.length; i++) {
      const column = stats[i];
      const value = cells[column.index];
      const kind = readCell(value, reader, cell);
      this.#kinds[i] = kind;
      if (kind === NUMBER) {
        this.#values[i] = cell.number;
        column.present++;
      } else if (kind === TEXT) {
        this.#texts[i] = cell.text;
        column.present++;
        column.firstText ??= place(r, row, value, kind);
      } else if (kind === MISSING) {
        anyMissing = true;
        column.firstMissing ??= place(r, row, value, kind);
      } else {
        column.firstBad ??= place(r, row, value, kind);
      }
    }
    if (anyMissing && this.#settings.missing === 'drop') return;
    this.#kept++;
    this.#firstKept ??= row;
    for (let i = 0; i < stats.length; i++) {
      const column = stats[i];
      const kind = this.#kinds[i];
      if (kind === NUMBER) {
        const v = this.#values[i];
        column.numbers++;
        column.sum += v;
        if (column.integers && !Number.isInteger(v)) column.integers = false;
        if (column.counting) {
          column.counting = column.numbers === 1 ? v === 0 || v === 1 : v === column.last + 1;
          column.last = v;
        }
        const count = column.numberCounts.get(v);
        if (count !== undefined) column.numberCounts.set(v, count + 1);
        else if (column.overflow === undefined) this.#addDistinct(column, r, row, cells[column.index], kind, () => column.numberCounts.set(v, 1));
      } else if (kind === TEXT) {
        column.texts++;
        column.counting = false;
        const text = this.#texts[i];
        const count = column.textCounts.get(text);
        if (count !== undefined) column.textCounts.set(text, count + 1);
        else if (column.overflow === undefined) this.#addDistinct(column, r, row, cells[column.index], kind, () => column.textCounts.set(text, 1));
      } else if (kind === MISSING) {
        column.missing++;
        column.counting = false;
      }
    }
  }

  #addDistinct(column: ColumnStats, r: number, row: number, value: unknown, kind: number, add: () => void): void {
    const distinct = column.distinct;
    if (distinct === column.maxCategories) column.overCategories ??= place(r, row, value, kind);
    if (distinct < column.cap) add();
    else column.overflow = { ...place(r, row, value, kind), seen: column.numbers + column.texts };
  }

  /** Steps 3 to 6; throws the first problem found. */
  finish(): FittedTable {
    const fn = this.#fn;
    const n = this.#r;
    if (n === 0) throw new RangeError(`${fn}: expected at least one data row, got 0`);
    const { plan, settings } = { plan: this.plan, settings: this.#settings };
    const byIndex = new Map(this.#stats.map((column) => [column.index, column]));
    const targetSet = new Set(plan.targets);

    // An all-missing column: nothing to learn from, whatever the options.
    for (const column of this.#stats) {
      if (column.present === 0 && column.firstMissing) {
        const at = column.firstMissing;
        this.#fail(TypeError, at, column, `the column has no values (all ${n} cells are missing, e.g. ${show(at.value)})`);
      }
    }
    if (this.#kept === 0) {
      throw new RangeError(`${fn}: every one of the ${n} rows has a missing value in a used column; nothing left after options.missing: 'drop'`);
    }
    const task = this.#decideTypes(byIndex);
    this.#checkCells(task, targetSet);
    this.#refuseIdColumns(byIndex);
    const encoders = plan.features.map((c) => this.#fitEncoder(byIndex.get(c)!));
    const target = this.#fitTarget(task, plan.targets.map((t) => byIndex.get(t)!));
    const pipeline = new Pipeline(
      {
        columns: this.#columns.filter((_, c) => !targetSet.has(c)),
        encoders,
        target,
        missingValues: [...settings.reader.missing],
        decimal: settings.reader.decimal,
        unknownCategory: settings.unknownCategory,
      },
      fn,
    );
    return { pipeline, task, rows: this.#kept, dropMissing: settings.missing === 'drop' };
  }

  #fail(Kind: new (message: string) => Error, at: Place, column: ColumnStats, problem: string): never {
    throw dataError(Kind, `${this.#fn}: ${this.#rowText(at.row)}, ${columnLabel(column.index, column.name)}: ${problem}`, {
      row: at.row,
      column: column.index + 1,
      columnName: column.name,
      value: at.value,
    });
  }

  /** Step 3: numeric or categorical per column, and the task. */
  #decideTypes(byIndex: Map<number, ColumnStats>): Task {
    const { plan } = this;
    for (const c of plan.features) {
      const column = byIndex.get(c)!;
      const majorityNumeric = column.numbers > 0 && column.numbers >= column.texts;
      column.type = plan.categorical.has(c) ? 'categorical' : plan.numeric.has(c) || majorityNumeric ? 'numeric' : 'categorical';
    }
    const targets = plan.targets.map((t) => byIndex.get(t)!);
    let task = this.#settings.task;
    if (task === undefined) {
      if (targets.length > 1) task = 'regression';
      else {
        const column = targets[0];
        const textual = !(column.numbers > 0 && column.numbers >= column.texts);
        task = textual || (column.integers && column.overflow === undefined && column.numberCounts.size <= MAX_AUTO_CLASSES)
          ? 'classification'
          : 'regression';
      }
    }
    if (task === 'classification') {
      // Labels: any non-missing text or numbers; they are numbers only if all are numbers.
      targets[0].type = targets[0].texts === 0 ? 'numeric' : 'categorical';
    } else {
      for (const column of targets) column.type = 'numeric';
    }
    return task;
  }

  /** Step 4: the first bad cell in reading order (row by row, left to right). */
  #checkCells(task: Task, targetSet: Set<number>): void {
    const missing = this.#settings.missing;
    let first: { at: Place; column: ColumnStats; Kind: new (message: string) => Error; text: string } | undefined;
    const consider = (at: Place | undefined, column: ColumnStats, Kind: new (message: string) => Error, text: () => string): void => {
      if (at === undefined) return;
      if (first === undefined || at.r < first.at.r || (at.r === first.at.r && column.index < first.column.index)) {
        first = { at, column, Kind, text: text() };
      }
    };
    for (const column of this.#stats) {
      const isTarget = targetSet.has(column.index);
      const bad = column.firstBad;
      if (bad) {
        const { Kind, text } = describeProblem(kindProblem(bad.kind), bad.value, { column: column.name });
        consider(bad, column, Kind, () => text);
      }
      if (column.type === 'numeric' && column.firstText) {
        const at = column.firstText;
        consider(at, column, TypeError, () => {
          const share = `${column.numbers} of the column's ${column.numbers + column.texts} values are numbers`;
          return `expected a number, got ${show(at.value)} (${share}` +
            (isTarget
              ? `; the ${task} target must be numeric`
              : this.plan.numeric.has(column.index)
                ? '; the column is in options.numeric'
                : '; use options.categorical to one-hot encode it, or fix the cell') + ')';
        });
      }
      if (column.firstMissing && (missing === 'error' || (missing === 'mean' && isTarget))) {
        const at = column.firstMissing;
        consider(at, column, TypeError, () =>
          `missing value ${show(at.value)}; ` +
            (isTarget ? `the target cannot be filled: use options.missing: 'drop'` : `use options.missing: 'drop' or 'mean', or fix the cell`));
      }
    }
    if (first) this.#fail(first.Kind, first.at, first.column, first.text);
  }

  /** Step 5: columns that identify rows rather than describe them. */
  #refuseIdColumns(byIndex: Map<number, ColumnStats>): void {
    const { plan } = this;
    for (const c of plan.features) {
      const column = byIndex.get(c)!;
      const label = columnLabel(c, column.name);
      const others = plan.features.length > 1;
      if (column.type === 'categorical' && column.texts > 0 && !plan.categorical.has(c)) {
        const values = column.overflow ? column.overflow.seen : column.numbers + column.texts;
        const distinct = column.overflow ? column.distinct + 1 : column.distinct;
        if (values >= ID_MIN_VALUES && distinct >= ID_SHARE * values) {
          throw dataError(
            RangeError,
            `${this.#fn}: ${label} is a text column whose values are ${distinct === values ? 'all' : 'nearly all'} distinct ` +
              `(${distinct} different in ${column.overflow ? 'the first ' : ''}${values} rows): it names rows (an ID, a name, free text) ` +
              `and would become ${distinct} one-hot features that cannot generalise; leave it out with options.ignore: [${show(column.name)}], ` +
              `or keep it with options.categorical: [${show(column.name)}]`,
            { column: c + 1, columnName: column.name },
          );
        }
      }
      if (column.type === 'numeric' && others && column.counting && column.missing === 0 && column.numbers >= ID_MIN_VALUES && !plan.numeric.has(c)) {
        const start = column.last - column.numbers + 1;
        throw dataError(
          RangeError,
          `${this.#fn}: ${label} counts the rows (${start}, ${start + 1}, …, ${column.last}): it is a row number or ID, ` +
            `not a feature, and a model would learn the row order; leave it out with options.ignore: [${show(column.name)}], ` +
            `or keep it with options.numeric: [${show(column.name)}]`,
          { column: c + 1, columnName: column.name },
        );
      }
    }
  }

  /** Step 6: the encoder of one feature column. */
  #fitEncoder(column: ColumnStats): FeatureEncoder {
    const mean = this.#settings.missing === 'mean';
    if (column.type === 'numeric') {
      // With 'mean' every column gets a fill, so missing cells at prediction time are filled too.
      return mean ? { kind: 'numeric', column: column.name, fill: column.sum / column.numbers } : { kind: 'numeric', column: column.name };
    }
    const max = this.#settings.maxCategories;
    if (column.overCategories) {
      const at = column.overCategories;
      this.#fail(
        RangeError,
        at,
        column,
        `value ${show(at.value)} is distinct value number ${max + 1} of this categorical column ` +
          `(options.maxCategories is ${max}); a column with this many categories is probably an ID or free-text ` +
          `column: leave it out with options.ignore: [${show(column.name)}], or raise options.maxCategories`,
      );
    }
    const counts = new Map<string, number>(column.textCounts);
    for (const [value, count] of column.numberCounts) counts.set(String(value), count);
    const categories = [...counts.keys()].sort(compareKeys(column.texts === 0));
    if (!mean) return { kind: 'onehot', column: column.name, categories };
    let best = categories[0];
    for (const category of categories) if (counts.get(category)! > counts.get(best)!) best = category;
    return { kind: 'onehot', column: column.name, categories, fill: best };
  }

  /** Step 6: the target's encoding. */
  #fitTarget(task: Task, targets: ColumnStats[]): TargetEncoder {
    if (task === 'regression') return { task, columns: targets.map((column) => column.name) };
    const column = targets[0];
    if (column.overflow) {
      this.#fail(RangeError, column.overflow, column, `label ${show(column.overflow.value)} is class number ${MAX_CLASSES + 1}; at most ${MAX_CLASSES} classes are supported (is this a regression target? set options.task: 'regression')`);
    }
    const numericLabels = column.type === 'numeric';
    const classes = [...column.textCounts.keys(), ...[...column.numberCounts.keys()].map(String)].sort(compareKeys(numericLabels));
    if (classes.length < 2) {
      throw dataError(
        RangeError,
        `${this.#fn}: ${this.#rowText(this.#firstKept!)}, ${columnLabel(column.index, column.name)}: the target has only one class, ` +
          `${show(classes[0])}, in all ${this.#kept} rows; classification needs at least two (is this the right target column?)`,
        { row: this.#firstKept, column: column.index + 1, columnName: column.name },
      );
    }
    return { task, columns: [column.name], classes, labels: numericLabels ? 'number' : 'string' };
  }
}

/** Sort for category/class keys: numbers numerically, text by code units. */
function compareKeys(numeric: boolean): (a: string, b: string) => number {
  return numeric ? (a, b) => Number(a) - Number(b) : (a, b) => (a < b ? -1 : a > b ? 1 : 0);
}

/**
 * Step 7, the second pass: encodes rows through a pipeline's encoders into feature and target
 * rows. Columns are found by name in `columns`, so it serves a pipeline fitted on this table and
 * one given to `streamCSV` alike.
 */
export class TableEncoder {
  readonly width: number;
  readonly targetWidth: number;
  readonly #fn: string;
  readonly #columns: readonly string[];
  readonly #pipeline: Pipeline;
  readonly #features: RowEncoder;
  readonly #positions: Int32Array;
  readonly #target: TargetCellEncoder;
  readonly #targetPositions: Int32Array;
  readonly #dropMissing: boolean;
  readonly #rowText: (row: number) => string;
  readonly #scratch: Float32Array;

  constructor(fn: string, columns: readonly string[], pipeline: Pipeline, dropMissing: boolean, rowText: (row: number) => string) {
    this.#fn = fn;
    this.#columns = columns;
    this.#pipeline = pipeline;
    this.#rowText = rowText;
    this.#dropMissing = dropMissing;
    const find = (name: string, what: string): number => {
      const c = columns.indexOf(name);
      if (c < 0) {
        throw dataError(Error, `${fn}: the ${what} column ${show(name)} of the pipeline is not in the header${didYouMean(name, columns, '"')}; the columns are ${listNames(columns, 20)}`, { columnName: name });
      }
      return c;
    };
    this.#features = pipeline.rowEncoder();
    this.#positions = Int32Array.from(pipeline.encoders, (encoder) => find(encoder.column, 'feature'));
    this.#targetPositions = Int32Array.from(pipeline.target.columns, (name) => find(name, 'target'));
    this.#target = pipeline.targetEncoder();
    this.width = this.#features.width;
    this.targetWidth = pipeline.target.task === 'classification' ? 1 : pipeline.target.columns.length;
    this.#scratch = new Float32Array(this.width);
  }

  /** The table columns the encoders read. */
  get used(): number[] {
    return [...new Set([...this.#positions, ...this.#targetPositions])].sort((a, b) => a - b);
  }

  /**
   * Encodes one row into `x[at·width…]` and the target into `y[at·targetWidth…]`. Returns
   * false (and writes nothing) for a row dropped for a missing cell.
   */
  row(cells: ArrayLike<unknown>, row: number, x: Float32Array, y: Float32Array | Int32Array, at: number): boolean {
    const failed = this.#features.encodeRow(cells, this.#positions, this.#dropMissing ? this.#scratch : x, this.#dropMissing ? 0 : at * this.width);
    if (failed >= 0) {
      if (this.#dropMissing && this.#features.problem === NO_FILL) return false;
      const encoder = this.#pipeline.encoders[failed];
      this.#fail(this.#features.problem, cells[this.#positions[failed]], this.#positions[failed], row, {
        column: encoder.column,
        known: encoder.kind === 'onehot' ? encoder.categories : undefined,
      });
    }
    const k = this.targetWidth;
    for (let j = 0; j < k; j++) {
      const value = cells[this.#targetPositions[j]];
      const encoded = this.#target.encode(value);
      if (Number.isNaN(encoded)) {
        if (this.#dropMissing && this.#target.problem === NO_FILL) return false;
        const target = this.#pipeline.target;
        this.#fail(this.#target.problem, value, this.#targetPositions[j], row, {
          column: target.columns[j],
          known: target.task === 'classification' ? target.classes : undefined,
          target: true,
        });
      }
      y[at * k + j] = encoded;
    }
    if (this.#dropMissing) x.set(this.#scratch, at * this.width);
    return true;
  }

  #fail(problem: number, value: unknown, c: number, row: number, context: Parameters<typeof describeProblem>[2]): never {
    const { Kind, text } = describeProblem(problem, value, context);
    throw dataError(Kind, `${this.#fn}: ${this.#rowText(row)}, ${columnLabel(c, this.#columns[c])}: ${text}`, {
      row,
      column: c + 1,
      columnName: this.#columns[c],
      value,
    });
  }
}

/**
 * Builds a dataset from a table of raw cells (see the file comment for the steps and rules).
 *
 * @param fn - the public function name for messages.
 *
 * @example
 * const data = buildDataset('fromObjects', table, { target: 'species' });
 */
export function buildDataset(fn: string, table: Table, options: TableOptions = {}): Dataset {
  const fitter = new TableFitter(fn, table.columns, options, table.rowText);
  table.scan(fitter.plan.used, (cells, row) => fitter.row(cells, row));
  const fitted = fitter.finish();
  return encodeTable(fn, table, fitted, fitter.plan.used);
}

/** Runs the second pass of a fitted table into a {@link Dataset}. */
function encodeTable(fn: string, table: Table, fitted: FittedTable, used: readonly number[]): Dataset {
  const { pipeline, rows } = fitted;
  const encoder = new TableEncoder(fn, table.columns, pipeline, fitted.dropMissing, table.rowText);
  const x = new Float32Array(rows * encoder.width);
  const classification = pipeline.target.task === 'classification';
  const y = classification ? new Int32Array(rows) : new Float32Array(rows * encoder.targetWidth);
  let m = 0;
  const spareX = new Float32Array(encoder.width);
  const spareY = classification ? new Int32Array(1) : new Float32Array(encoder.targetWidth);
  table.scan(used, (cells, row) => {
    if (m < rows) {
      if (encoder.row(cells, row, x, y, m)) m++;
    } else if (encoder.row(cells, row, spareX, spareY, 0)) {
      throw new Error(`${fn}: the source changed between the two passes (more rows the second time)`);
    }
  });
  if (m !== rows) throw new Error(`${fn}: the source changed between the two passes (${rows} rows, then ${m})`);
  const target = pipeline.target;
  return {
    x: { rows, cols: encoder.width, data: x },
    y: classification ? (y as Int32Array) : ({ rows, cols: encoder.targetWidth, data: y as Float32Array } satisfies Matrix),
    features: pipeline.features.slice(),
    target: target.columns.join(','),
    ...(classification ? { classes: pipeline.classes } : {}),
    task: fitted.task,
    pipeline,
    rows,
  };
}
