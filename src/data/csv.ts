/**
 * A small RFC 4180 CSV reader: text in, a header and rows of string cells out, with spreadsheet
 * row numbers kept for error messages. It handles quoted fields with embedded delimiters,
 * doubled quotes and line breaks, CRLF/LF/CR line ends, a UTF-8 byte-order mark, blank lines
 * (skipped, but still counted for row numbers), and detects the delimiter among `,` `;` and tab.
 * Turning the cells into numbers and matrices is `table.ts`'s job.
 *
 * Why our own and not papaparse: the cases above are all a training library needs; they fit in
 * 1.8 KB gzip with zero dependencies (papaparse 5.7: 6.9 KB gzip, which also carries streaming,
 * workers and unparse); and owning the reader lets every error name the spreadsheet row and column. The
 * tests check it against papaparse on every case (docs/data.md).
 */

import { columnLabel, dataError, show } from './errors.js';

/** Options of the CSV reader. */
export interface CSVReadOptions {
  /**
   * Field separator. Default: detected among `,`, `;` and tab from the first 20 records (the
   * candidate that splits them into the most consistent number of fields; ties prefer `,`).
   */
  delimiter?: string;
  /**
   * Whether the first record is a header of column names. Default `true`. With `false` the
   * columns are named `column1`…`columnN` and the first record is data (row 1).
   */
  header?: boolean;
}

/** A CSV file read into strings. */
export interface CSVTable {
  /** Column names (header cells trimmed; an empty name becomes `columnN`). */
  columns: string[];
  /** Data rows, each with exactly `columns.length` cells (ragged rows are an error). */
  rows: string[][];
  /** The spreadsheet row number (1-based, header = 1, blank lines counted) of each data row. */
  rowNumbers: number[];
  /** The delimiter used (given or detected). */
  delimiter: string;
}

const QUOTE = 34; // "
const LF = 10;
const CR = 13;

/** Called for each non-blank record with its fields and spreadsheet row; `false` stops reading. */
export type RecordVisitor = (fields: string[], row: number) => boolean | void;

/**
 * Splits CSV text into records, resumably: {@link RecordReader.read} reads the complete records
 * of a piece of text and returns where the unfinished one starts, so a stream can hand it the
 * text chunk by chunk and an in-memory file all at once, through the same code. Blank and
 * whitespace-only lines are skipped but counted in row numbers. Rows count records, not
 * physical lines: a quoted field with line breaks stays in one row, as in a spreadsheet. Every
 * character is looked at a bounded number of times (no backtracking), so reading is linear in
 * the text's length.
 */
export class RecordReader {
  /** Records started so far (blank lines included): the spreadsheet row of the last record. */
  row = 0;
  readonly #fn: string;
  readonly #delimiter: string;

  constructor(fn: string, delimiter: string) {
    this.#fn = fn;
    this.#delimiter = delimiter;
  }

  /**
   * Reads records from `text[start…]`, calling `visit` for each non-blank one. Unless `final`,
   * stops before a record that the text ends inside of (it may continue in the next chunk).
   * Returns the position after the last record read.
   */
  read(text: string, start: number, final: boolean, visit: RecordVisitor): number {
    const fn = this.#fn;
    const delimiter = this.#delimiter;
    const n = text.length;
    const delimiterCode = delimiter.charCodeAt(0);
    const singleChar = delimiter.length === 1;
    let i = start;
    while (i < n) {
      const recordStart = i;
      const row = this.row + 1;
      const fields: string[] = [];
      let anyQuoted = false;
      let complete = true;
      // One record: fields separated by the delimiter, ended by a line break or the end.
      for (;;) {
        if (text.charCodeAt(i) === QUOTE) {
          anyQuoted = true;
          const column = fields.length;
          let from = i + 1;
          let closed = -1;
          let doubled = false;
          for (;;) {
            // a plain scan: indexOf from a position was slow on long runs of doubled quotes
            let close = from;
            while (close < n && text.charCodeAt(close) !== QUOTE) close++;
            if (close >= n || (!final && close + 1 >= n)) break; // the field may go on in the next chunk
            if (text.charCodeAt(close + 1) === QUOTE) {
              doubled = true;
              from = close + 2;
              continue;
            }
            closed = close;
            break;
          }
          if (closed < 0) {
            if (!final) {
              complete = false;
              break;
            }
            throw dataError(
              RangeError,
              `${fn}: row ${row}, column ${column + 1}: a quoted field opens here and is never closed ` +
                `(it starts with ${show(text.slice(i, i + 20))}); close it with '"' and write quotes inside ` +
                `quoted fields as '""'`,
              { row, column: column + 1, value: text.slice(i, i + 20) },
            );
          }
          // split/join: V8's replaceAll is quadratic-like on many matches (1.5 s for 500,000).
          const value = doubled ? text.slice(i + 1, closed).split('""').join('"') : text.slice(i + 1, closed);
          i = closed + 1;
          // Spaces (not tabs when tab is the delimiter) may follow a closing quote.
          while (i < n && (text.charCodeAt(i) === 32 || (text.charCodeAt(i) === 9 && delimiter !== '\t'))) i++;
          if (i >= n && !final) {
            complete = false;
            break;
          }
          const next = text.charCodeAt(i);
          if (i < n && next !== CR && next !== LF && !text.startsWith(delimiter, i)) {
            throw dataError(
              RangeError,
              `${fn}: row ${row}, column ${column + 1}: unexpected ${show(text[i])} after the closing quote of ` +
                `${show(value)}; inside a quoted field write a quote as '""'`,
              { row, column: column + 1, value: text[i] },
            );
          }
          fields.push(value);
        } else {
          let end = i;
          if (singleChar) {
            while (end < n) {
              const c = text.charCodeAt(end);
              if (c === delimiterCode || c === LF || c === CR) break;
              end++;
            }
          } else {
            while (end < n && !text.startsWith(delimiter, end)) {
              const c = text.charCodeAt(end);
              if (c === LF || c === CR) break;
              end++;
            }
          }
          if (end >= n && !final) {
            complete = false;
            break;
          }
          fields.push(text.slice(i, end));
          i = end;
        }
        if (i < n && text.startsWith(delimiter, i)) {
          i += delimiter.length;
          continue;
        }
        // Line end (CRLF, LF or a lone CR) or end of text.
        if (text.charCodeAt(i) === CR) {
          if (i + 1 >= n && !final) {
            complete = false; // an LF may follow in the next chunk
            break;
          }
          i++;
        }
        if (text.charCodeAt(i) === LF) i++;
        break;
      }
      if (!complete) return recordStart;
      this.row = row;
      const blank = !anyQuoted && fields.length === 1 && fields[0].trim() === '';
      if (!blank && visit(fields, row) === false) return i;
    }
    return i;
  }
}

/** Reads all of `text` (skipping a byte-order mark), calling `visit` per record. */
function readAll(fn: string, text: string, delimiter: string, visit: RecordVisitor): void {
  new RecordReader(fn, delimiter).read(text, text.charCodeAt(0) === 0xfeff ? 1 : 0, true, visit);
}

const CANDIDATES = [',', ';', '\t'] as const;

/**
 * Picks the delimiter that splits the first 20 records most consistently into more than one
 * field: score = number of records with the same field count as the first record; ties go to the
 * larger field count, then to the order `,` `;` tab. Text that no candidate splits gets `,`.
 *
 * @example
 * detectDelimiter('a;b\n1,5;2\n'); // ';'
 */
export function detectDelimiter(text: string): string {
  let best: string = ',';
  let bestScore = -1;
  let bestFields = 1;
  for (const candidate of CANDIDATES) {
    const records: string[][] = [];
    try {
      readAll('detectDelimiter', text, candidate, (fields) => records.push(fields) < 20);
    } catch {
      continue; // a quoting error under this delimiter: it is not the one
    }
    if (records.length === 0) continue;
    const fields = records[0].length;
    if (fields < 2) continue;
    const score = records.filter((record) => record.length === fields).length;
    if (score > bestScore || (score === bestScore && fields > bestFields)) {
      best = candidate;
      bestScore = score;
      bestFields = fields;
    }
  }
  return best;
}

/**
 * Reads CSV text into a header and rows of string cells (no type conversion). Use it to inspect
 * a file; {@link parseCSV} turns text straight into a training-ready dataset.
 *
 * @param text - the CSV text.
 * @param options - delimiter and header choices.
 * @param fn - the public function name to put in error messages.
 * @throws {RangeError} for empty text, a header without data rows, ragged rows and broken
 *   quoting, naming the row and column.
 *
 * @example
 * const table = parseCSVTable('a;b\n1;"x;y"\n');
 * // { columns: ['a', 'b'], rows: [['1', 'x;y']], rowNumbers: [2], delimiter: ';' }
 */
export function parseCSVTable(text: string, options: CSVReadOptions = {}, fn = 'parseCSVTable'): CSVTable {
  if (typeof text !== 'string') {
    throw new TypeError(`${fn}: text: expected a string, got ${text === null ? 'null' : typeof text}`);
  }
  const { header, delimiter } = readOptions(fn, options, text);
  const layout = new CSVLayout(fn, header, delimiter, false);
  const rows: string[][] = [];
  const rowNumbers: number[] = [];
  readAll(fn, text, delimiter, (fields, row) => {
    const cells = layout.accept(fields, row);
    if (cells) {
      rows.push(cells);
      rowNumbers.push(row);
    }
  });
  layout.finish(text.length === 0, rows.length);
  const columns = layout.columns!.slice();
  // A trailing delimiter on every line leaves an unnamed, empty last column: drop it.
  const width = columns.length;
  if (layout.unnamedLast && rows.every((cells) => cells[width - 1].trim() === '')) {
    columns.pop();
    for (const cells of rows) cells.pop();
  }
  return { columns, rows, rowNumbers, delimiter };
}

/** Checks the reading options; detects the delimiter from `sample` when none is given. */
export function readOptions(fn: string, options: CSVReadOptions, sample: string): { header: boolean; delimiter: string } {
  const header = options.header ?? true;
  if (typeof header !== 'boolean') {
    throw new TypeError(`${fn}: options.header: expected a boolean, got ${typeof header}`);
  }
  const delimiter = options.delimiter;
  if (delimiter === undefined) return { header, delimiter: detectDelimiter(sample) };
  if (typeof delimiter !== 'string' || delimiter.length === 0 || /["\r\n]/.test(delimiter)) {
    throw new TypeError(
      `${fn}: options.delimiter: expected a non-empty string without quotes or line breaks, got ${show(delimiter)}`,
    );
  }
  return { header, delimiter };
}

/** Thrown by {@link CSVLayout} when an unnamed last column it dropped holds data after all. */
export class UnnamedColumnHasData extends Error {}

/**
 * The header and the field count, record by record: the first record names the columns (or,
 * with `header: false`, fixes their number), every later one must have as many fields.
 * `dropUnnamedLast`: a last column with an empty header name is taken for the empty column a
 * trailing delimiter leaves and dropped; should one of its cells hold data,
 * {@link UnnamedColumnHasData} is thrown so the caller can read again keeping it.
 */
export class CSVLayout {
  columns: string[] | undefined;
  /** Whether the header's last name is empty (a trailing delimiter). */
  unnamedLast = false;
  #width = 0;
  #headerRow = 0;
  readonly #fn: string;
  readonly #header: boolean;
  readonly #delimiter: string;
  readonly #drop: boolean;

  constructor(fn: string, header: boolean, delimiter: string, dropUnnamedLast: boolean) {
    this.#fn = fn;
    this.#header = header;
    this.#delimiter = delimiter;
    this.#drop = dropUnnamedLast;
  }

  /** The data cells of a record, or undefined for the header record. */
  accept(fields: string[], row: number): string[] | undefined {
    const fn = this.#fn;
    if (this.columns === undefined) {
      this.#width = fields.length;
      this.#headerRow = row;
      this.unnamedLast = this.#header && fields.length > 1 && fields[fields.length - 1].trim() === '';
      const columns = this.#header
        ? fields.map((name, c) => name.trim() || `column${c + 1}`)
        : Array.from({ length: fields.length }, (_, c) => `column${c + 1}`);
      this.columns = this.#drop && this.unnamedLast ? columns.slice(0, -1) : columns;
      if (this.#header) return undefined;
    }
    const width = this.#width;
    const columns = this.columns;
    if (fields.length !== width) {
      const expected = this.#header ? `the header (row ${this.#headerRow}) has ${width}` : `row ${this.#headerRow} has ${width}`;
      if (fields.length < width) {
        throw dataError(
          RangeError,
          `${fn}: row ${row} has ${fields.length} field${fields.length === 1 ? '' : 's'} but ${expected}: ` +
            `${columnLabel(fields.length, columns[fields.length] ?? `column${fields.length + 1}`)} and after are missing ` +
            `(the row ends with ${show(fields[fields.length - 1])})`,
          { row, column: fields.length + 1, columnName: columns[fields.length], value: fields[fields.length - 1] },
        );
      }
      throw dataError(
        RangeError,
        `${fn}: row ${row} has ${fields.length} fields but ${expected}: column ${width + 1} holds an extra ` +
          `value ${show(fields[width])}${this.#delimiter === ',' ? ' (a decimal comma or an unquoted comma inside a field?)' : ''}`,
        { row, column: width + 1, value: fields[width] },
      );
    }
    if (this.#drop && this.unnamedLast) {
      if (fields[width - 1].trim() !== '') throw new UnnamedColumnHasData();
      fields.pop();
    }
    return fields;
  }

  /** Checks that there was a header and data; `empty`: the text was empty. */
  finish(empty: boolean, dataRows: number): void {
    const fn = this.#fn;
    if (this.columns === undefined) {
      throw new RangeError(`${fn}: text: expected a header and data rows, got ${empty ? 'an empty text' : 'only blank lines'}`);
    }
    if (dataRows === 0) {
      const width = this.#width;
      const columns = this.columns;
      throw new RangeError(
        `${fn}: text: found a header row with ${width} column${width === 1 ? '' : 's'} ` +
          `(${columns.slice(0, 6).join(', ')}${width > 6 ? ', ...' : ''}) but no data rows`,
      );
    }
  }
}
