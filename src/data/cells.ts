/**
 * How one raw cell is read: the single place that decides whether a CSV string or a JavaScript
 * value is missing, a finite number, a non-finite number (NaN/Infinity, always an error) or
 * text. Dataset building and `Pipeline.transform` both go through here, so a value is read the
 * same way at training time and at prediction time.
 */

/** A raw cell as it may come from CSV text or from user objects and arrays. */
export type Cell = string | number | boolean | bigint | null | undefined;

/** Cell kinds (small integers so per-column kind arrays can be `Uint8Array`s). */
export const MISSING = 0;
export const NUMBER = 1;
export const NON_FINITE = 2;
export const TEXT = 3;
/** A value of a kind no column can hold (object, function, symbol). */
export const INVALID = 4;
/** A finite double outside float32's finite range (|x| > 3.4028235e38): Infinity once stored. */
export const TOO_LARGE = 5;
/** A key absent from a record (never read from the prototype; always an error, never filled). */
export const ABSENT = 6;

/** Marks a cell whose record has no such own key (see {@link ABSENT}). */
export const ABSENT_CELL: unique symbol = Symbol('absent');

/** The largest finite float32, 2^128 − 2^104: the limit named in messages. */
export const FLOAT32_MAX = 3.4028234663852886e38;

/** Strings treated as missing values unless the `missingValues` option says otherwise. */
export const DEFAULT_MISSING_VALUES: readonly string[] = ['', 'NA', 'N/A', 'null', 'NULL', '?'];

/** How cells are read; built once per call from the user's options. */
export interface CellReader {
  missing: ReadonlySet<string>;
  /** `','` when numbers are written with a decimal comma (`3,14`). */
  decimal: '.' | ',';
}

/** The result of reading one cell; reused across calls to avoid allocation. */
export interface CellValue {
  kind: number;
  /** The number for `NUMBER` (and `NaN`/`±Infinity` for `NON_FINITE`). */
  number: number;
  /** The trimmed text for `TEXT`, `MISSING` and `NON_FINITE` strings (not set for numbers: use `String(number)`). */
  text: string;
}

const NON_FINITE_TEXT = /^[+-]?(?:nan|inf|infinity)$/i;

/**
 * Whether `text` is a decimal literal: `[+-]digits[.digits][(e|E)[+-]digits]`, with digits on at
 * least one side of the point (`1`, `-2.5e3`, `.5`, `5.`). One left-to-right scan: linear in the
 * length whatever the text (a backtracking regular expression was quadratic on long digit runs).
 * `comma` accepts `,` as the decimal point instead of `.`.
 */
export function isDecimal(text: string, comma = false): boolean {
  const n = text.length;
  const point = comma ? 44 : 46;
  let i = 0;
  let c = text.charCodeAt(0);
  if (c === 43 || c === 45) c = text.charCodeAt(++i); // + -
  let digits = 0;
  while (c >= 48 && c <= 57) { digits++; c = text.charCodeAt(++i); }
  if (c === point) {
    c = text.charCodeAt(++i);
    while (c >= 48 && c <= 57) { digits++; c = text.charCodeAt(++i); }
  }
  if (digits === 0) return false;
  if (c === 101 || c === 69) { // e E
    c = text.charCodeAt(++i);
    if (c === 43 || c === 45) c = text.charCodeAt(++i);
    let exponent = 0;
    while (c >= 48 && c <= 57) { exponent++; c = text.charCodeAt(++i); }
    if (exponent === 0) return false;
  }
  return i === n;
}

/** The kind of a finite double: NUMBER, or TOO_LARGE when float32 cannot hold it. */
function numberKind(value: number): number {
  return Number.isFinite(value) ? (value > FLOAT32_MAX || value < -FLOAT32_MAX) && !Number.isFinite(Math.fround(value)) ? TOO_LARGE : NUMBER : NON_FINITE;
}

/** Reads `cell` into `out` and returns its kind. */
export function readCell(cell: unknown, reader: CellReader, out: CellValue): number {
  if (typeof cell === 'number') {
    out.number = cell;
    out.text = '';
    return (out.kind = numberKind(cell));
  }
  if (typeof cell === 'string') {
    const text = cell.trim();
    out.text = text;
    if (reader.missing.has(text)) return (out.kind = MISSING);
    if (isDecimal(text, reader.decimal === ',')) {
      const value = Number(reader.decimal === ',' ? text.replace(',', '.') : text);
      out.number = value;
      return (out.kind = numberKind(value)); // 1e999 overflows to Infinity, 1e39 is beyond float32
    }
    if (NON_FINITE_TEXT.test(text)) {
      out.number = NaN;
      return (out.kind = NON_FINITE);
    }
    return (out.kind = TEXT);
  }
  if (cell === null || cell === undefined) {
    out.text = '';
    return (out.kind = MISSING);
  }
  if (typeof cell === 'boolean') {
    out.text = String(cell);
    return (out.kind = TEXT);
  }
  if (typeof cell === 'bigint') {
    out.number = Number(cell);
    out.text = String(cell);
    return (out.kind = numberKind(out.number));
  }
  out.text = '';
  return (out.kind = cell === ABSENT_CELL ? ABSENT : INVALID);
}

/** Builds a {@link CellReader} from user options, validating them. */
export function cellReader(fn: string, missingValues: unknown, decimal: unknown, prefix = 'options'): CellReader {
  let missing: readonly string[] = DEFAULT_MISSING_VALUES;
  if (missingValues !== undefined) {
    if (!Array.isArray(missingValues) || !missingValues.every((value) => typeof value === 'string')) {
      throw new TypeError(`${fn}: ${prefix}.missingValues: expected an array of strings, got ${typeof missingValues}`);
    }
    missing = missingValues.map((value: string) => value.trim());
  }
  if (decimal !== undefined && decimal !== '.' && decimal !== ',') {
    throw new TypeError(`${fn}: ${prefix}.decimal: expected '.' or ',', got ${JSON.stringify(decimal)}`);
  }
  return { missing: new Set(missing), decimal: decimal ?? '.' };
}

/** A fresh scratch {@link CellValue}. */
export function cellValue(): CellValue {
  return { kind: MISSING, number: 0, text: '' };
}
