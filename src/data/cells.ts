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
  /** The trimmed text for `TEXT` and `NON_FINITE`, the canonical text for numbers. */
  text: string;
}

const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const NON_FINITE_TEXT = /^[+-]?(?:nan|inf|infinity)$/i;

/** Reads `cell` into `out` and returns its kind. */
export function readCell(cell: unknown, reader: CellReader, out: CellValue): number {
  if (typeof cell === 'number') {
    out.number = cell;
    out.text = String(cell);
    return (out.kind = Number.isFinite(cell) ? NUMBER : NON_FINITE);
  }
  if (typeof cell === 'string') {
    const text = cell.trim();
    out.text = text;
    if (reader.missing.has(text)) return (out.kind = MISSING);
    const numeric = reader.decimal === ',' ? text.replace(',', '.') : text;
    if (DECIMAL.test(numeric)) {
      const value = Number(numeric);
      out.number = value;
      return (out.kind = Number.isFinite(value) ? NUMBER : NON_FINITE); // 1e999 overflows
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
    return (out.kind = Number.isFinite(out.number) ? NUMBER : NON_FINITE);
  }
  out.text = '';
  return (out.kind = INVALID);
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
