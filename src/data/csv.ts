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

interface RawRecords {
  records: string[][];
  rowNumbers: number[];
}

/**
 * Splits text into records. `maxRecords` stops early (delimiter detection); blank and
 * whitespace-only lines are skipped but counted in `rowNumbers`. Rows count records, not
 * physical lines: a quoted field with line breaks stays in one row, as in a spreadsheet.
 */
function readRecords(fn: string, text: string, delimiter: string, maxRecords = Infinity): RawRecords {
  const records: string[][] = [];
  const rowNumbers: number[] = [];
  const n = text.length;
  const delimiterCode = delimiter.charCodeAt(0);
  const singleChar = delimiter.length === 1;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0; // UTF-8 byte-order mark
  let row = 0;
  while (i < n && records.length < maxRecords) {
    row++;
    const fields: string[] = [];
    let anyQuoted = false;
    // One record: fields separated by the delimiter, ended by a line break or the end.
    for (;;) {
      if (text.charCodeAt(i) === QUOTE) {
        anyQuoted = true;
        const openRow = row;
        const column = fields.length;
        let value = '';
        let start = i + 1;
        for (;;) {
          const close = text.indexOf('"', start);
          if (close < 0) {
            throw dataError(
              RangeError,
              `${fn}: row ${openRow}, column ${column + 1}: a quoted field opens here and is never closed ` +
                `(it starts with ${show(text.slice(i, i + 20))}); close it with '"' and write quotes inside ` +
                `quoted fields as '""'`,
              { row: openRow, column: column + 1, value: text.slice(i, i + 20) },
            );
          }
          value += text.slice(start, close);
          if (text.charCodeAt(close + 1) === QUOTE) {
            value += '"';
            start = close + 2;
            continue;
          }
          i = close + 1;
          break;
        }
        // Spaces (not tabs when tab is the delimiter) may follow a closing quote.
        while (i < n && (text.charCodeAt(i) === 32 || (text.charCodeAt(i) === 9 && delimiter !== '\t'))) i++;
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
        fields.push(text.slice(i, end));
        i = end;
      }
      if (i < n && text.startsWith(delimiter, i)) {
        i += delimiter.length;
        continue;
      }
      // Line end (CRLF, LF or a lone CR) or end of text.
      if (text.charCodeAt(i) === CR) i++;
      if (text.charCodeAt(i) === LF) i++;
      break;
    }
    const blank = !anyQuoted && fields.length === 1 && fields[0].trim() === '';
    if (!blank) {
      records.push(fields);
      rowNumbers.push(row);
    }
  }
  return { records, rowNumbers };
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
    let sample: RawRecords;
    try {
      sample = readRecords('detectDelimiter', text, candidate, 20);
    } catch {
      continue; // a quoting error under this delimiter: it is not the one
    }
    if (sample.records.length === 0) continue;
    const fields = sample.records[0].length;
    if (fields < 2) continue;
    const score = sample.records.filter((record) => record.length === fields).length;
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
  const header = options.header ?? true;
  if (typeof header !== 'boolean') {
    throw new TypeError(`${fn}: options.header: expected a boolean, got ${typeof header}`);
  }
  let delimiter = options.delimiter;
  if (delimiter !== undefined) {
    if (typeof delimiter !== 'string' || delimiter.length === 0 || /["\r\n]/.test(delimiter)) {
      throw new TypeError(
        `${fn}: options.delimiter: expected a non-empty string without quotes or line breaks, got ${show(delimiter)}`,
      );
    }
  } else {
    delimiter = detectDelimiter(text);
  }
  const { records, rowNumbers } = readRecords(fn, text, delimiter);
  if (records.length === 0) {
    throw new RangeError(`${fn}: text: expected a header and data rows, got ${text.length === 0 ? 'an empty text' : 'only blank lines'}`);
  }
  const width = records[0].length;
  let columns: string[];
  let start: number;
  if (header) {
    columns = records[0].map((name, c) => name.trim() || `column${c + 1}`);
    start = 1;
    if (records.length === 1) {
      throw new RangeError(
        `${fn}: text: found a header row with ${width} column${width === 1 ? '' : 's'} ` +
          `(${columns.slice(0, 6).join(', ')}${width > 6 ? ', ...' : ''}) but no data rows`,
      );
    }
  } else {
    columns = Array.from({ length: width }, (_, c) => `column${c + 1}`);
    start = 0;
  }
  const rows = records.slice(start);
  const numbers = rowNumbers.slice(start);
  for (let r = 0; r < rows.length; r++) {
    const cells = rows[r];
    if (cells.length === width) continue;
    const row = numbers[r];
    const expected = header ? `the header (row ${rowNumbers[0]}) has ${width}` : `row ${rowNumbers[0]} has ${width}`;
    if (cells.length < width) {
      throw dataError(
        RangeError,
        `${fn}: row ${row} has ${cells.length} field${cells.length === 1 ? '' : 's'} but ${expected}: ` +
          `${columnLabel(cells.length, columns[cells.length])} and after are missing ` +
          `(the row ends with ${show(cells[cells.length - 1])})`,
        { row, column: cells.length + 1, columnName: columns[cells.length], value: cells[cells.length - 1] },
      );
    }
    throw dataError(
      RangeError,
      `${fn}: row ${row} has ${cells.length} fields but ${expected}: column ${width + 1} holds an extra ` +
        `value ${show(cells[width])}${delimiter === ',' ? ' (a decimal comma or an unquoted comma inside a field?)' : ''}`,
      { row, column: width + 1, value: cells[width] },
    );
  }
  // A trailing delimiter on every line leaves an unnamed, empty last column: drop it.
  if (header && width > 1 && records[0][width - 1].trim() === '' && rows.every((cells) => cells[width - 1].trim() === '')) {
    columns.pop();
    for (const cells of rows) cells.pop();
  }
  return { columns, rows, rowNumbers: numbers, delimiter };
}
