/**
 * The encoders: the one place a read cell becomes model numbers. A numeric column passes its
 * number through (or its fill when the cell is missing); a categorical column becomes a one-hot
 * block over its known categories (all zeros for an unknown category under
 * `unknownCategory: 'ignore'`); a classification target becomes a class index; a regression
 * target its number. Building a data set (table.ts) and `Pipeline.transform` both encode through
 * {@link RowEncoder}, so training rows and prediction rows cannot be encoded differently.
 *
 * Encoders report a problem as a small code instead of throwing, so the hot loop allocates
 * nothing; the caller turns a code into a message with {@link describeProblem}, which knows the
 * function, row and column.
 */
import { ABSENT, cellValue, INVALID, MISSING, NON_FINITE, NUMBER, readCell, TEXT, TOO_LARGE, FLOAT32_MAX, type CellReader, type CellValue } from './cells.js';
import { kindOf, listNames, show } from './errors.js';

/** A numeric input column, passed through (after an optional fill of missing values). */
export interface NumericEncoder {
  kind: 'numeric';
  column: string;
  /** Value used for a missing cell (`missing: 'mean'`); without it a missing cell is an error. */
  fill?: number;
}

/** A categorical input column, one-hot encoded over its known categories. */
export interface OneHotEncoder {
  kind: 'onehot';
  column: string;
  /** Known categories in encoding order (sorted by UTF-16 code units when fitted). */
  categories: string[];
  /** Category used for a missing cell (`missing: 'mean'`: the most frequent one). */
  fill?: string;
}

/** How one input column is encoded. */
export type FeatureEncoder = NumericEncoder | OneHotEncoder;

/** What to do with a category the encoder has not seen: throw (default) or encode all zeros. */
export type UnknownCategory = 'error' | 'ignore';

/** Problem codes (0 = encoded). */
export const OK = 0;
export const NOT_NUMBER = 1;
export const NO_FILL = 2;
export const UNKNOWN_CATEGORY = 3;
export const BAD_KIND = 4;
export const NOT_FINITE = 5;
export const BEYOND_FLOAT32 = 6;
export const NO_KEY = 7;
export const UNKNOWN_LABEL = 8;

/** The key a category or class label is known by: the trimmed text, or the number's canonical text. */
export function cellKey(kind: number, cell: CellValue): string {
  return kind === NUMBER ? String(cell.number) : cell.text;
}

/** Problems every cell can have whatever its encoder (0 when none). */
export function kindProblem(kind: number): number {
  return kind === INVALID ? BAD_KIND : kind === NON_FINITE ? NOT_FINITE : kind === TOO_LARGE ? BEYOND_FLOAT32 : kind === ABSENT ? NO_KEY : OK;
}

/** One feature encoder, ready to run: `width` output columns written by `encode`. */
interface CompiledEncoder {
  readonly width: number;
  /** Writes the encoding of a read cell at `out[k…k+width)`; returns a problem code. */
  encode(kind: number, cell: CellValue, out: Float32Array, k: number): number;
}

function compileEncoder(encoder: FeatureEncoder, unknown: UnknownCategory): CompiledEncoder {
  if (encoder.kind === 'numeric') {
    const fill = encoder.fill;
    return {
      width: 1,
      encode(kind, cell, out, k) {
        if (kind === NUMBER) out[k] = cell.number;
        else if (kind === MISSING && fill !== undefined) out[k] = fill;
        else return kind === MISSING ? NO_FILL : kind === TEXT ? NOT_NUMBER : kindProblem(kind);
        return OK;
      },
    };
  }
  const index = new Map(encoder.categories.map((category, i) => [category, i]));
  const width = encoder.categories.length;
  const fillIndex = encoder.fill === undefined ? -1 : index.get(encoder.fill)!;
  return {
    width,
    encode(kind, cell, out, k) {
      let i: number;
      if (kind === MISSING) {
        if (fillIndex < 0) return NO_FILL;
        i = fillIndex;
      } else if (kind === NUMBER || kind === TEXT) {
        i = index.get(cellKey(kind, cell)) ?? -1;
        if (i < 0 && unknown === 'error') return UNKNOWN_CATEGORY;
      } else {
        return kindProblem(kind);
      }
      out.fill(0, k, k + width);
      if (i >= 0) out[k + i] = 1;
      return OK;
    },
  };
}

/**
 * Encodes rows of raw values, one value per feature encoder, into feature rows. Holds its scratch
 * cell, so encoding allocates nothing per row.
 */
export class RowEncoder {
  readonly encoders: readonly FeatureEncoder[];
  /** Output columns. */
  readonly width: number;
  /** After a failed {@link encodeRow}: the problem code and the cell as read. */
  problem = OK;
  readonly cell: CellValue = cellValue();
  readonly #compiled: CompiledEncoder[];
  readonly #reader: CellReader;

  constructor(encoders: readonly FeatureEncoder[], reader: CellReader, unknown: UnknownCategory) {
    this.encoders = encoders;
    this.#reader = reader;
    this.#compiled = encoders.map((encoder) => compileEncoder(encoder, unknown));
    this.width = this.#compiled.reduce((sum, e) => sum + e.width, 0);
  }

  /**
   * Encodes `values[positions[e]]` for every encoder e into `out[offset…offset+width)`.
   * Returns −1, or the index of the first encoder that failed (see `problem`).
   */
  encodeRow(values: ArrayLike<unknown>, positions: ArrayLike<number>, out: Float32Array, offset: number): number {
    const cell = this.cell;
    let k = offset;
    for (let e = 0; e < this.#compiled.length; e++) {
      const compiled = this.#compiled[e];
      const problem = compiled.encode(readCell(values[positions[e]], this.#reader, cell), cell, out, k);
      if (problem !== OK) {
        this.problem = problem;
        return e;
      }
      k += compiled.width;
    }
    return -1;
  }
}

/** Encodes one target cell: a class index (classification) or a number (regression). */
export class TargetEncoder {
  problem = OK;
  readonly cell: CellValue = cellValue();
  readonly #classes: Map<string, number> | undefined;
  readonly #reader: CellReader;

  /** `classes`: class labels (their index is the class index), or undefined for regression. */
  constructor(classes: readonly string[] | undefined, reader: CellReader) {
    this.#classes = classes && new Map(classes.map((label, i) => [label, i]));
    this.#reader = reader;
  }

  /** The class index or value of `value`, or NaN with `problem` set. */
  encode(value: unknown): number {
    const kind = readCell(value, this.#reader, this.cell);
    const general = kindProblem(kind);
    if (general !== OK) return this.#fail(general);
    if (this.#classes) {
      if (kind === MISSING) return this.#fail(NO_FILL);
      return this.#classes.get(cellKey(kind, this.cell)) ?? this.#fail(UNKNOWN_LABEL);
    }
    if (kind === NUMBER) return this.cell.number;
    return this.#fail(kind === MISSING ? NO_FILL : NOT_NUMBER);
  }

  #fail(problem: number): number {
    this.problem = problem;
    return NaN;
  }
}

/**
 * The message (after "fn: row …, column …: ") and error class for a problem code.
 *
 * @param value - the cell as it came; `known` - categories or class labels, for unknown ones;
 * `keys` - the record's own keys, for an absent key.
 */
export function describeProblem(
  problem: number,
  value: unknown,
  context: { column: string; known?: readonly string[]; keys?: readonly string[]; target?: boolean },
): { Kind: ErrorConstructor | RangeErrorConstructor | TypeErrorConstructor; text: string } {
  switch (problem) {
    case BAD_KIND:
      return { Kind: TypeError, text: `expected a number, string, boolean or null, got ${kindOf(value)}` };
    case NOT_FINITE:
      return {
        Kind: RangeError,
        text: `expected a finite number, got ${show(value)}` +
          (typeof value === 'string' ? ` (if it marks a missing value, add ${show(value.trim())} to options.missingValues)` : ''),
      };
    case BEYOND_FLOAT32:
      return { Kind: RangeError, text: `${show(value)} is outside float32's finite range (±${FLOAT32_MAX.toPrecision(8)}, the largest value a model holds); scale the column down` };
    case NOT_NUMBER:
      return { Kind: TypeError, text: `expected a number, got ${show(value)}` };
    case NO_FILL:
      return context.target
        ? { Kind: TypeError, text: `missing value ${show(value)}; the target cannot be filled: use options.missing: 'drop'` }
        : { Kind: TypeError, text: `missing value ${show(value)} and the pipeline has no fill for it (build the dataset with missing: 'mean' to fill)` };
    case UNKNOWN_CATEGORY:
      return {
        Kind: RangeError,
        text: `unknown category ${show(value)}; the pipeline knows ${listNames(context.known ?? [])} ` +
          "(build the dataset with unknownCategory: 'ignore' to encode unknown categories as all zeros)",
      };
    case UNKNOWN_LABEL:
      return { Kind: RangeError, text: `unknown label ${show(value)}; the classes are ${listNames(context.known ?? [])}` };
    case NO_KEY:
      return { Kind: Error, text: `has no key ${show(context.column)}` };
    default:
      return { Kind: Error, text: `cannot encode ${show(value)} (problem ${problem})` };
  }
}
