/**
 * The preprocessing pipeline that travels with a model: how raw rows (records, arrays of cells or
 * CSV text) became the feature matrix a model was trained on, and how class indices map back to
 * the original labels. Built by `parseCSV`/`loadCSV`/`fromObjects`/`fromArrays`, extended with a
 * fitted scaler by `trainTestSplit({ scale })`/`scale()`, saved inside the model JSON with
 * `toJSON()` and restored with `Pipeline.fromJSON()`, which validates every field.
 *
 * Encoding of one row, in order:
 *   1. each used input column is read as a cell (see cells.ts: numbers, text, missing);
 *   2. numeric columns pass through; categorical columns become one-hot blocks, one column per
 *      known category in sorted order, named `column=category`;
 *   3. missing values are filled with the fitted fill (column mean, or most frequent category)
 *      when the dataset was built with `missing: 'mean'`, and are an error otherwise;
 *   4. the optional scaler maps every encoded column `(x − offset) / scale`.
 */

import type { Matrix } from '../types.js';
import { didYouMean, hasOwn, isMatrix, isRecord } from '../check.js';
import { ABSENT_CELL, cellReader, type CellReader } from './cells.js';
import { parseCSVTable, type CSVReadOptions } from './csv.js';
import {
  describeProblem, RowEncoder, TargetEncoder as TargetCellEncoder, NO_KEY,
  type FeatureEncoder, type NumericEncoder, type OneHotEncoder, type UnknownCategory,
} from './encoders.js';
import { columnLabel, dataError, kindOf, listNames, show } from './errors.js';
import { Scaler, type ScalerJSON } from './scaler.js';

export type { FeatureEncoder, NumericEncoder, OneHotEncoder, UnknownCategory };

/** What a dataset's target is for. */
export type Task = 'classification' | 'regression';

/** How the target was encoded. */
export type TargetEncoder =
  | {
      task: 'classification';
      /** The target column (exactly one). */
      columns: string[];
      /** Class labels, index i ↔ label i (sorted: numerically for numeric labels). */
      classes: string[];
      /** Whether the original labels were numbers (`decode` then returns numbers). */
      labels: 'string' | 'number';
    }
  | {
      task: 'regression';
      /** The target columns (one per output). */
      columns: string[];
    };

/** Everything a pipeline is made of (what the constructor takes). */
export interface PipelineSpec {
  /** All input columns in their original order, targets excluded (positional rows follow it). */
  columns: readonly string[];
  /** One encoder per used feature column, in feature order. */
  encoders: readonly FeatureEncoder[];
  target: TargetEncoder;
  /** A fitted scaler over the encoded features, if any. */
  scaler?: Scaler;
  /** Strings read as missing values (default `['', 'NA', 'N/A', 'null', 'NULL', '?']`). */
  missingValues?: readonly string[];
  /** Decimal separator of numbers in text cells. */
  decimal?: '.' | ',';
  /** A category not in an encoder's list: `'error'` (default) or `'ignore'` (all-zero block). */
  unknownCategory?: UnknownCategory;
}

/** The plain-JSON form of a pipeline (what `toJSON` returns and `fromJSON` accepts). */
export interface PipelineJSON {
  format: 'neuronine-pipeline';
  version: 1;
  columns: string[];
  encoders: FeatureEncoder[];
  /** Encoded feature names (derived from the encoders; checked on load). */
  features: string[];
  scaler: ScalerJSON | null;
  target: TargetEncoder;
  missingValues: string[];
  decimal: '.' | ',';
  /** Absent in files written before it existed: read as `'error'`. */
  unknownCategory?: UnknownCategory;
}

/** A raw row: a record keyed by column name, or cells in column order. */
export type RawRow = Readonly<Record<string, unknown>> | readonly unknown[];

/** Options of {@link Pipeline.transform} for CSV text input. */
export interface TransformOptions extends CSVReadOptions {}

/** Refuse absurd sizes in JSON before allocating anything. */
const MAX_COLUMNS = 1 << 20;
const MAX_CATEGORIES = 1 << 16;
const MAX_CLASSES = 1 << 16;

function checkStrings(fn: string, path: string, value: unknown, max: number, minLength = 0): string[] {
  if (!Array.isArray(value)) throw new TypeError(`${fn}: ${path}: expected an array of strings, got ${kindOf(value)}`);
  if (value.length > max) throw new RangeError(`${fn}: ${path}: expected at most ${max} entries, got ${value.length}`);
  if (value.length < minLength) throw new RangeError(`${fn}: ${path}: expected at least ${minLength} entries, got ${value.length}`);
  const seen = new Set<string>();
  value.forEach((item: unknown, i: number) => {
    if (typeof item !== 'string') throw new TypeError(`${fn}: ${path}[${i}]: expected a string, got ${kindOf(item)}`);
    if (seen.has(item)) throw new RangeError(`${fn}: ${path}[${i}]: ${show(item)} appears twice`);
    seen.add(item);
  });
  return value.slice() as string[];
}

/** Validates a spec (from code or from JSON) and returns a private deep copy. */
function checkSpec(fn: string, root: string, spec: unknown): Required<Omit<PipelineSpec, 'scaler'>> & { scaler: Scaler | undefined } {
  if (!isRecord(spec)) throw new TypeError(`${fn}: ${root}: expected an object, got ${kindOf(spec)}`);
  const columns = checkStrings(fn, `${root}.columns`, spec.columns, MAX_COLUMNS);
  const known = new Set(columns);
  if (!Array.isArray(spec.encoders)) throw new TypeError(`${fn}: ${root}.encoders: expected an array, got ${kindOf(spec.encoders)}`);
  if (spec.encoders.length === 0 || spec.encoders.length > columns.length) {
    throw new RangeError(`${fn}: ${root}.encoders: expected 1 to ${columns.length} encoders (one per used column), got ${spec.encoders.length}`);
  }
  const used = new Set<string>();
  let featureCount = 0;
  const encoders: FeatureEncoder[] = spec.encoders.map((encoder: unknown, i: number): FeatureEncoder => {
    const path = `encoders[${i}]`;
    if (!isRecord(encoder)) throw new TypeError(`${fn}: ${root}.${path}: expected an object, got ${kindOf(encoder)}`);
    const { kind, column, fill } = encoder;
    if (typeof column !== 'string') throw new TypeError(`${fn}: ${root}.${path}.column: expected a string, got ${kindOf(column)}`);
    if (!known.has(column)) throw new RangeError(`${fn}: ${root}.${path}.column: ${show(column)} is not one of the columns (${listNames(columns)})`);
    if (used.has(column)) throw new RangeError(`${fn}: ${root}.${path}.column: ${show(column)} is encoded twice`);
    used.add(column);
    if (kind === 'numeric') {
      if (fill !== undefined && (typeof fill !== 'number' || !Number.isFinite(fill))) {
        throw new TypeError(`${fn}: ${root}.${path}.fill: expected a finite number or no fill, got ${show(fill)}`);
      }
      featureCount++;
      return fill === undefined ? { kind, column } : { kind, column, fill };
    }
    if (kind === 'onehot') {
      const categories = checkStrings(fn, `${root}.${path}.categories`, encoder.categories, MAX_CATEGORIES, 1);
      if (fill !== undefined && (typeof fill !== 'string' || !categories.includes(fill))) {
        throw new RangeError(`${fn}: ${root}.${path}.fill: expected one of the categories or no fill, got ${show(fill)}`);
      }
      featureCount += categories.length;
      return fill === undefined ? { kind, column, categories } : { kind, column, categories, fill };
    }
    throw new TypeError(`${fn}: ${root}.${path}.kind: expected 'numeric' or 'onehot', got ${show(kind)}`);
  });
  if (featureCount > MAX_COLUMNS) throw new RangeError(`${fn}: ${root}.encoders: expected at most ${MAX_COLUMNS} encoded features, got ${featureCount}`);

  const target = spec.target;
  if (!isRecord(target)) throw new TypeError(`${fn}: ${root}.target: expected an object, got ${kindOf(target)}`);
  const targetColumns = checkStrings(fn, `${root}.target.columns`, target.columns, MAX_COLUMNS, 1);
  for (const name of targetColumns) {
    if (known.has(name)) throw new RangeError(`${fn}: ${root}.target.columns: ${show(name)} is also an input column`);
  }
  let targetSpec: TargetEncoder;
  if (target.task === 'classification') {
    if (targetColumns.length !== 1) throw new RangeError(`${fn}: ${root}.target.columns: expected one column for classification, got ${targetColumns.length}`);
    const classes = checkStrings(fn, `${root}.target.classes`, target.classes, MAX_CLASSES, 2);
    if (target.labels !== 'string' && target.labels !== 'number') {
      throw new TypeError(`${fn}: ${root}.target.labels: expected 'string' or 'number', got ${show(target.labels)}`);
    }
    if (target.labels === 'number') {
      classes.forEach((label, i) => {
        if (!Number.isFinite(Number(label)) || label.trim() === '') throw new TypeError(`${fn}: ${root}.target.classes[${i}]: expected a numeric label, got ${show(label)}`);
      });
    }
    targetSpec = { task: 'classification', columns: targetColumns, classes, labels: target.labels };
  } else if (target.task === 'regression') {
    targetSpec = { task: 'regression', columns: targetColumns };
  } else {
    throw new TypeError(`${fn}: ${root}.target.task: expected 'classification' or 'regression', got ${show(target.task)}`);
  }

  let scaler: Scaler | undefined;
  if (spec.scaler !== undefined && spec.scaler !== null) {
    if (!(spec.scaler instanceof Scaler)) throw new TypeError(`${fn}: ${root}.scaler: expected a Scaler, got ${kindOf(spec.scaler)}`);
    if (spec.scaler.cols !== featureCount) {
      throw new RangeError(`${fn}: ${root}.scaler: expected a scaler fitted on ${featureCount} encoded features, got ${spec.scaler.fitted ? spec.scaler.cols : 'an unfitted one'}`);
    }
    scaler = spec.scaler;
  }
  const reader = cellReader(fn, spec.missingValues, spec.decimal, root);
  const unknownCategory = spec.unknownCategory ?? 'error';
  if (unknownCategory !== 'error' && unknownCategory !== 'ignore') {
    throw new TypeError(`${fn}: ${root}.unknownCategory: expected 'error' or 'ignore', got ${show(unknownCategory)}`);
  }
  return {
    columns,
    encoders,
    target: targetSpec,
    scaler,
    missingValues: [...reader.missing],
    decimal: reader.decimal,
    unknownCategory,
  };
}

/**
 * Fitted preprocessing: feature encoders, an optional scaler and the target's encoding. Immutable;
 * `withScaler` returns a new pipeline.
 *
 * @example
 * const iris = await datasets.iris();
 * const x = iris.pipeline.transform([{ sepal_length: 5.1, sepal_width: 3.5, petal_length: 1.4, petal_width: 0.2 }]);
 * iris.pipeline.decode(0); // 'setosa'
 * const restored = Pipeline.fromJSON(JSON.parse(JSON.stringify(iris.pipeline)));
 */
export class Pipeline {
  /** All input columns in original order, targets excluded. */
  readonly columns: readonly string[];
  /** One encoder per used feature column, in feature order. */
  readonly encoders: readonly FeatureEncoder[];
  /** Encoded feature names (`sepal_length`, `color=red`, ...), one per matrix column. */
  readonly features: readonly string[];
  /** How the target was encoded. */
  readonly target: TargetEncoder;
  /** The fitted scaler applied after encoding, if any. */
  readonly scaler: Scaler | undefined;
  /** What an unknown category becomes: an error, or an all-zero one-hot block. */
  readonly unknownCategory: UnknownCategory;
  readonly #reader: CellReader;
  readonly #columnIndex: Map<string, number>;
  readonly #rowEncoder: RowEncoder;

  /**
   * Builds a pipeline from its parts, validating them (the data layer builds pipelines for you;
   * use this for hand-made ones).
   *
   * @throws {TypeError} / {RangeError} naming the first invalid field.
   *
   * @example
   * const pipeline = new Pipeline({
   *   columns: ['size', 'color'],
   *   encoders: [{ kind: 'numeric', column: 'size' }, { kind: 'onehot', column: 'color', categories: ['blue', 'red'] }],
   *   target: { task: 'classification', columns: ['label'], classes: ['no', 'yes'], labels: 'string' },
   * });
   * pipeline.features; // ['size', 'color=blue', 'color=red']
   */
  constructor(spec: PipelineSpec, /** @internal */ fn = 'Pipeline', /** @internal */ root = 'spec') {
    const checked = checkSpec(fn, root, spec);
    this.columns = Object.freeze(checked.columns);
    this.encoders = Object.freeze(checked.encoders.map((encoder) => Object.freeze(encoder)));
    this.target = Object.freeze(checked.target);
    this.scaler = checked.scaler;
    this.#reader = { missing: new Set(checked.missingValues), decimal: checked.decimal };
    this.features = Object.freeze(
      checked.encoders.flatMap((encoder) =>
        encoder.kind === 'numeric' ? [encoder.column] : encoder.categories.map((category) => `${encoder.column}=${category}`),
      ),
    );
    this.#columnIndex = new Map(checked.columns.map((name, i) => [name, i]));
    this.unknownCategory = checked.unknownCategory;
    this.#rowEncoder = this.rowEncoder();
  }

  /** @internal A fresh encoder of feature rows (the data set builder's second pass uses one). */
  rowEncoder(): RowEncoder {
    return new RowEncoder(this.encoders, this.#reader, this.unknownCategory);
  }

  /** @internal A fresh encoder of target cells. */
  targetEncoder(): TargetCellEncoder {
    return new TargetCellEncoder(this.target.task === 'classification' ? this.target.classes : undefined, this.#reader);
  }

  /** `'classification'` or `'regression'`. */
  get task(): Task {
    return this.target.task;
  }

  /**
   * Class labels in class-index order (classification only), of the type `decode` returns:
   * numbers when the labels were numbers, else strings.
   */
  get classes(): (string | number)[] | undefined {
    if (this.target.task !== 'classification') return undefined;
    return this.target.labels === 'number' ? this.target.classes.map(Number) : this.target.classes.slice();
  }

  /** Number of encoded features: the model's input width. */
  get inputs(): number {
    return this.features.length;
  }

  /** Number of model outputs this target implies (classes, or target columns). */
  get outputs(): number {
    return this.target.task === 'classification' ? this.target.classes.length : this.target.columns.length;
  }

  /**
   * A copy of this pipeline with `scaler` (fitted on this pipeline's encoded features) applied
   * after encoding, or without a scaler when `undefined`.
   *
   * @example
   * const scaled = pipeline.withScaler(standardScaler().fit(train.x));
   */
  withScaler(scaler: Scaler | undefined): Pipeline {
    return new Pipeline({ ...this.#spec(), scaler }, 'Pipeline.withScaler', 'pipeline');
  }

  #spec(): PipelineSpec {
    return {
      columns: this.columns,
      encoders: this.encoders,
      target: this.target,
      scaler: this.scaler,
      missingValues: [...this.#reader.missing],
      decimal: this.#reader.decimal,
      unknownCategory: this.unknownCategory,
    };
  }

  /**
   * Encodes (and scales) raw rows into the feature matrix a model trained on this pipeline
   * expects. Accepts:
   * - records keyed by column name (extra keys, the target among them, are ignored);
   * - arrays of cells in the original column order without the target (`columns`), or in
   *   feature-column order (`encoders`) when the dataset used only some columns;
   * - a single record or a single array of cells;
   * - CSV text with a header row (columns matched by name; `options` as for CSV reading);
   * - a `Matrix` of raw numbers in column order.
   *
   * @throws {RangeError} for a wrong number of cells, an unknown category or NaN/Infinity;
   *   {TypeError} for a non-numeric value in a numeric column or a missing value without a
   *   fitted fill; {Error} for a missing column. Messages name row, column and value.
   *
   * @example
   * pipeline.transform([{ sepal_length: 5.1, sepal_width: 3.5, petal_length: 1.4, petal_width: 0.2 }]);
   * pipeline.transform([[5.1, 3.5, 1.4, 0.2]]);
   * pipeline.transform('sepal_length,sepal_width,petal_length,petal_width\n5.1,3.5,1.4,0.2\n');
   */
  transform(rows: string | RawRow | readonly RawRow[] | Matrix, options: TransformOptions = {}): Matrix {
    const fn = 'Pipeline.transform';
    const encoders = this.encoders;
    const names = encoders.map((encoder) => encoder.column);
    const identity = Int32Array.from(encoders, (_, e) => e);
    let count: number;
    // `fetch(r)` returns row r's cells and `positions[e]` the cell of encoder e in it; `label(r)`
    // names row r; `columnOf(e)` is the 0-based column of encoder e in messages.
    let fetch: (r: number) => ArrayLike<unknown>;
    let positions: ArrayLike<number> = identity;
    let label: (r: number) => { text: string; row: number };
    let columnOf: (e: number) => number = (e) => this.#columnIndex.get(names[e]) ?? e;
    let keysOf: (r: number) => string[] = () => [];
    const arrayLabel = (r: number) => ({ text: `row ${r + 1} (index ${r})`, row: r + 1 });

    if (typeof rows === 'string') {
      const table = parseCSVTable(rows, options, fn);
      const at = names.map((name) => table.columns.indexOf(name));
      const absent = at.findIndex((p) => p < 0);
      if (absent >= 0) {
        throw dataError(
          Error,
          `${fn}: rows: the CSV header has no column ${show(names[absent])}${didYouMean(names[absent], table.columns, '"')} ` +
            `(expected ${listNames(names)}; got ${listNames(table.columns)})`,
          { columnName: names[absent] },
        );
      }
      count = table.rows.length;
      positions = at;
      fetch = (r) => table.rows[r];
      label = (r) => ({ text: `row ${table.rowNumbers[r]}`, row: table.rowNumbers[r] });
      columnOf = (e) => at[e];
    } else if (isMatrix(rows)) {
      const m = rows;
      if (!Number.isInteger(m.rows) || m.rows < 0 || !Number.isInteger(m.cols) || m.data.length < m.rows * m.cols) {
        throw new RangeError(`${fn}: rows: expected a matrix whose data holds rows × cols values, got rows ${m.rows}, cols ${m.cols} and ${m.data.length} values`);
      }
      const mapping = this.#positional(fn, m.cols, 'the matrix has', -1);
      count = m.rows;
      fetch = (r) => m.data.subarray(r * m.cols, (r + 1) * m.cols);
      positions = mapping;
      label = arrayLabel;
      columnOf = (e) => mapping[e];
    } else {
      let list: readonly RawRow[];
      if (Array.isArray(rows)) {
        const first = rows[0];
        // An array of rows, or (its first element a cell) a single row of cells.
        const ofRows = rows.length === 0 || Array.isArray(first) || isRecord(first);
        list = ofRows ? (rows as readonly RawRow[]) : [rows as readonly unknown[]];
      } else if (isRecord(rows)) {
        list = [rows];
      } else {
        throw new TypeError(
          `${fn}: rows: expected records, arrays of cells, CSV text or a Matrix, got ${kindOf(rows)}`,
        );
      }
      count = list.length;
      let mapping: number[] | undefined;
      const mappings = new Map<number, number[]>(); // by row length: computed once, not per row
      const values: unknown[] = new Array(encoders.length);
      fetch = (r) => {
        const row = list[r];
        if (Array.isArray(row)) {
          let map = mappings.get(row.length);
          if (!map) mappings.set(row.length, (map = this.#positional(fn, row.length, `row ${r + 1} (index ${r}) has`, r + 1)));
          mapping = map;
          positions = map;
          return row;
        }
        if (isRecord(row)) {
          // Own keys only: a column named `constructor` is never read from the prototype.
          mapping = undefined;
          positions = identity;
          for (let e = 0; e < encoders.length; e++) values[e] = hasOwn(row, names[e]) ? row[names[e]] : ABSENT_CELL;
          return values;
        }
        throw dataError(TypeError, `${fn}: row ${r + 1} (index ${r}): expected a record or an array of cells, got ${kindOf(row)}`, {
          row: r + 1,
          value: row,
        });
      };
      keysOf = (r) => Object.keys(list[r] as object);
      label = arrayLabel;
      columnOf = (e) => (mapping ? mapping[e] : this.#columnIndex.get(names[e])!);
    }

    const width = this.features.length;
    const out: Matrix = { rows: count, cols: width, data: new Float32Array(count * width) };
    const encoder = this.#rowEncoder;
    for (let r = 0; r < count; r++) {
      const cells = fetch(r);
      const e = encoder.encodeRow(cells, positions, out.data, r * width);
      if (e < 0) continue;
      const { text, row } = label(r);
      const name = names[e];
      const value = cells[positions[e]];
      const column = columnOf(e);
      if (encoder.problem === NO_KEY) {
        const keys = keysOf(r);
        throw dataError(
          Error,
          `${fn}: ${text} has no key ${show(name)}${didYouMean(name, keys, '"')} ` +
            `(expected keys ${listNames(names)}; got ${listNames(keys)}); a missing value must be present as '', null or undefined`,
          { row, column: column + 1, columnName: name },
        );
      }
      const problem = describeProblem(encoder.problem, value, {
        column: name,
        known: encoders[e].kind === 'onehot' ? (encoders[e] as OneHotEncoder).categories : undefined,
      });
      throw dataError(problem.Kind, `${fn}: ${text}, ${columnLabel(column, name)}: ${problem.text}`, {
        row,
        column: column + 1,
        columnName: name,
        value,
      });
    }
    if (this.scaler) this.scaler.transform(out, out);
    return out;
  }

  /** For a positional row of `length` cells: the cell index of each encoder's column. */
  #positional(fn: string, length: number, what: string, row: number): number[] {
    if (length === this.columns.length) return this.encoders.map((encoder) => this.#columnIndex.get(encoder.column)!);
    if (length === this.encoders.length) return this.encoders.map((_, e) => e);
    const columns = this.columns.length === this.encoders.length
      ? `${this.columns.length} cells (${listNames(this.columns as string[])})`
      : `${this.columns.length} cells (${listNames(this.columns as string[])}) or ${this.encoders.length} (${listNames(this.encoders.map((e) => e.column))})`;
    throw dataError(RangeError, `Pipeline.transform: ${what} ${length} cells; expected ${columns}`, row > 0 ? { row } : {});
  }

  /**
   * The original label of class `index` (classification): a string, or a number when the
   * labels were numbers. For regression, returns `index` (the predicted value) unchanged.
   *
   * @throws {RangeError} for an index that is not an integer class index.
   *
   * @example
   * iris.pipeline.decode(2); // 'virginica'
   * digits.pipeline.decode(7); // 7
   */
  decode(index: number): string | number {
    if (this.target.task === 'regression') return index;
    const classes = this.target.classes;
    if (!Number.isInteger(index) || index < 0 || index >= classes.length) {
      throw new RangeError(`Pipeline.decode: index: expected an integer class index in 0..${classes.length - 1}, got ${index}`);
    }
    return this.target.labels === 'number' ? Number(classes[index]) : classes[index];
  }

  /**
   * {@link Pipeline.decode} over many indices.
   *
   * @example
   * iris.pipeline.decodeAll([0, 2]); // ['setosa', 'virginica']
   */
  decodeAll(indices: ArrayLike<number>): (string | number)[] {
    return Array.from(indices, (index) => this.decode(index));
  }

  /**
   * Encodes raw target values (labels for classification, numbers for regression, arrays of
   * numbers for several regression targets) the way the training targets were encoded.
   *
   * @throws {RangeError} for an unknown label; {TypeError} for a non-numeric regression target.
   *
   * @example
   * iris.pipeline.encodeTarget(['setosa', 'virginica']); // Int32Array [0, 2]
   */
  encodeTarget(values: readonly unknown[]): Int32Array | Matrix {
    const fn = 'Pipeline.encodeTarget';
    if (!Array.isArray(values)) throw new TypeError(`${fn}: values: expected an array, got ${kindOf(values)}`);
    const target = this.target;
    const encoder = this.targetEncoder();
    const fail = (r: number, value: unknown, c: number): never => {
      const problem = describeProblem(encoder.problem, value, {
        column: target.columns[c],
        known: target.task === 'classification' ? target.classes : undefined,
        target: true,
      });
      const column = target.task === 'regression' && target.columns.length > 1 ? `, target ${show(target.columns[c])}` : '';
      throw dataError(problem.Kind, `${fn}: row ${r + 1} (index ${r})${column}: ${problem.text}`, {
        row: r + 1,
        ...(target.task === 'regression' ? { column: c + 1, columnName: target.columns[c] } : {}),
        value,
      });
    };
    if (target.task === 'classification') {
      const out = new Int32Array(values.length);
      values.forEach((value: unknown, r: number) => {
        const index = encoder.encode(value);
        if (Number.isNaN(index)) fail(r, value, 0);
        out[r] = index;
      });
      return out;
    }
    const cols = target.columns.length;
    const data = new Float32Array(values.length * cols);
    values.forEach((value: unknown, r: number) => {
      const cells = cols === 1 && !Array.isArray(value) ? [value] : value;
      if (!Array.isArray(cells) || cells.length !== cols) {
        throw dataError(RangeError, `${fn}: row ${r + 1} (index ${r}): expected ${cols} target values, got ${show(value)}`, { row: r + 1, value });
      }
      cells.forEach((cell: unknown, c: number) => {
        const number = encoder.encode(cell);
        if (Number.isNaN(number)) fail(r, cell, c);
        data[r * cols + c] = number;
      });
    });
    return { rows: values.length, cols, data };
  }

  /**
   * The pipeline as plain JSON (stored inside a saved model).
   *
   * @example
   * const json = JSON.stringify(pipeline.toJSON());
   */
  toJSON(): PipelineJSON {
    return {
      format: 'neuronine-pipeline',
      version: 1,
      columns: this.columns.slice(),
      encoders: this.encoders.map((encoder) => (encoder.kind === 'onehot' ? { ...encoder, categories: encoder.categories.slice() } : { ...encoder })),
      features: this.features.slice(),
      scaler: this.scaler ? this.scaler.toJSON() : null,
      target: this.target.task === 'classification' ? { ...this.target, columns: this.target.columns.slice(), classes: this.target.classes.slice() } : { ...this.target, columns: this.target.columns.slice() },
      missingValues: [...this.#reader.missing],
      decimal: this.#reader.decimal,
      ...(this.unknownCategory === 'error' ? {} : { unknownCategory: this.unknownCategory }),
    };
  }

  /**
   * Restores a pipeline from {@link Pipeline.toJSON} output (parsed JSON), validating every
   * field: format and version, names, encoder kinds, category lists, scaler sizes and values,
   * classes.
   *
   * @throws {TypeError} for a field of the wrong kind; {RangeError} for wrong sizes, duplicates or
   *   inconsistent parts; {Error} for another format or an unsupported version.
   *
   * @example
   * const pipeline = Pipeline.fromJSON(JSON.parse(text));
   */
  static fromJSON(json: unknown): Pipeline {
    const fn = 'Pipeline.fromJSON';
    if (!isRecord(json)) throw new TypeError(`${fn}: json: expected an object, got ${kindOf(json)}`);
    if (json.format !== 'neuronine-pipeline') {
      throw new Error(`${fn}: json.format: expected "neuronine-pipeline", got ${show(json.format)}`);
    }
    if (json.version !== 1) throw new Error(`${fn}: json.version: expected 1 (the only version this release reads), got ${show(json.version)}`);
    const scaler = json.scaler === null || json.scaler === undefined ? undefined : Scaler.fromJSON(json.scaler, fn, 'json.scaler');
    const pipeline = new Pipeline(
      {
        columns: json.columns as string[],
        encoders: json.encoders as FeatureEncoder[],
        target: json.target as TargetEncoder,
        scaler,
        missingValues: json.missingValues as string[],
        decimal: json.decimal as '.' | ',',
        unknownCategory: json.unknownCategory as UnknownCategory | undefined,
      },
      fn,
      'json',
    );
    if (json.features !== undefined) {
      const features = checkStrings(fn, 'json.features', json.features, MAX_COLUMNS);
      if (features.length !== pipeline.features.length || features.some((name, i) => name !== pipeline.features[i])) {
        throw new RangeError(`${fn}: json.features: expected ${listNames(pipeline.features as string[])} (derived from the encoders), got ${listNames(features)}`);
      }
    }
    return pipeline;
  }
}
