/**
 * CSV to dataset: `parseCSV` for text in hand (synchronous) and `loadCSV` for everything a
 * browser or Node can hand us (text, `Blob`/`File`, `Response`, `URL`, bytes). Reading a file by
 * path is Node-only and lives in `src/node.ts` (`loadCSVFile`), so this module, like everything
 * reachable from the browser entry, imports no `node:` module. A `file:` URL is still read in
 * Node, through `process.getBuiltinModule`, which bundlers do not follow.
 */

import { CSVLayout, readOptions, RecordReader, UnnamedColumnHasData, type CSVReadOptions } from './csv.js';
import type { Dataset } from './dataset.js';
import { kindOf, show } from './errors.js';
import { buildDataset, checkOptionNames, TABLE_OPTION_NAMES, type Table, type TableOptions } from './table.js';

/** Options of {@link parseCSV}: how to read the text and how to turn it into a dataset. */
export interface CSVOptions extends CSVReadOptions, TableOptions {}

/** Options of {@link loadCSV}: {@link CSVOptions} plus an abort signal for fetches. */
export interface LoadCSVOptions extends CSVOptions {
  /** Aborts a fetch of a URL. */
  signal?: AbortSignal;
}

/** What {@link loadCSV} reads. A string is always CSV text, never a path or URL. */
export type CSVSource = string | Blob | Response | URL | ArrayBuffer | ArrayBufferView;

const CSV_OPTION_NAMES = [...TABLE_OPTION_NAMES, 'delimiter', 'header'];

/**
 * CSV text as a {@link Table}: each scan reads the records straight from the text, so building a
 * data set never holds the file as rows of strings (the text, and the encoded matrices, are all
 * the memory it needs).
 */
function csvTable(fn: string, text: string, header: boolean, delimiter: string, dropUnnamedLast: boolean): Table {
  const start = text.charCodeAt(0) === 0xfeff ? 1 : 0; // UTF-8 byte-order mark
  const first = new CSVLayout(fn, header, delimiter, dropUnnamedLast);
  new RecordReader(fn, delimiter).read(text, start, true, (fields, row) => {
    first.accept(fields, row);
    return false;
  });
  if (first.columns === undefined) first.finish(text.length === 0, 0);
  return {
    columns: first.columns!,
    scan(_used, visit) {
      const layout = new CSVLayout(fn, header, delimiter, dropUnnamedLast);
      let rows = 0;
      new RecordReader(fn, delimiter).read(text, start, true, (fields, row) => {
        const cells = layout.accept(fields, row);
        if (cells) {
          rows++;
          visit(cells, row);
        }
      });
      layout.finish(text.length === 0, rows);
    },
    rowText: (row) => `row ${row}`,
  };
}

/**
 * `parseCSV` under another public name (for messages): the shared body of every CSV loader.
 *
 * @internal
 */
export function parseCSVAs(fn: string, text: string, options: CSVOptions = {}, extraOptions: readonly string[] = []): Dataset {
  checkOptionNames(fn, options, [...CSV_OPTION_NAMES, ...extraOptions]);
  if (typeof text !== 'string') throw new TypeError(`${fn}: text: expected a string, got ${kindOf(text)}`);
  const { header, delimiter } = readOptions(fn, options, text);
  try {
    return buildDataset(fn, csvTable(fn, text, header, delimiter, true), options);
  } catch (error) {
    // The unnamed last column was not the empty one a trailing delimiter leaves: keep it.
    if (!(error instanceof UnnamedColumnHasData)) throw error;
    return buildDataset(fn, csvTable(fn, text, header, delimiter, false), options);
  }
}

/**
 * Parses CSV text into a training-ready {@link Dataset} (synchronously).
 *
 * Rows in error messages are spreadsheet rows: the header is row 1, the first data row row 2.
 *
 * @param text - CSV text (RFC 4180; header row unless `header: false`).
 * @param options - reading ({@link CSVReadOptions}) and encoding ({@link TableOptions}) choices.
 * @throws {RangeError} for empty text, a header without rows, ragged rows, NaN/Infinity, a single
 *   class, too many categories; {TypeError} for a non-numeric cell in a numeric column or a
 *   missing value; {Error} for a missing or duplicate column. See docs/data.md.
 *
 * @example
 * const data = parseCSV('size,color,label\n1,red,yes\n2,blue,no\n3,red,yes\n');
 * data.features; // ['size', 'color=blue', 'color=red']
 * data.classes;  // ['no', 'yes']
 */
export function parseCSV(text: string, options: CSVOptions = {}): Dataset {
  return parseCSVAs('parseCSV', text, options);
}

interface NodeFsPromises {
  readFile(path: URL, encoding: 'utf8'): Promise<string>;
}

/** Node's `fs/promises` without a static `node:` import (undefined outside Node ≥ 20.16). */
function nodeFs(): NodeFsPromises | undefined {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  return typeof proc?.getBuiltinModule === 'function' ? (proc.getBuiltinModule('fs/promises') as NodeFsPromises) : undefined;
}

async function responseText(fn: string, response: Response): Promise<string> {
  if (!response.ok) {
    throw new Error(`${fn}: source: HTTP ${response.status} ${response.statusText} for ${response.url || 'the response'}`);
  }
  return response.text();
}

/**
 * Reads CSV text from any source and parses it like {@link parseCSV}.
 *
 * @param source - CSV text (a string is always text), a `Blob`/`File` (e.g. from
 *   `<input type="file">`), a `Response`, a `URL` (`http:`/`https:`/`data:`/`blob:` are fetched;
 *   `file:` is read in Node), or bytes (`ArrayBuffer`, `Uint8Array`; UTF-8). For a file path in
 *   Node use `loadCSVFile` from `neuronine/node`.
 * @param options - as {@link parseCSV}, plus `signal` to abort a fetch.
 * @throws as {@link parseCSV}; {Error} for an HTTP error status; {TypeError} for another kind of
 *   source, or a string that looks like a file name or URL rather than CSV text.
 *
 * @example
 * const iris = await loadCSV(await (await fetch('/iris.csv')).text(), { target: 'species' });
 * const same = await loadCSV(new URL('/iris.csv', location.href), { target: 'species' });
 * const picked = await loadCSV(fileInput.files[0]);
 */
export async function loadCSV(source: CSVSource, options: LoadCSVOptions = {}): Promise<Dataset> {
  const fn = 'loadCSV';
  checkOptionNames(fn, options, [...CSV_OPTION_NAMES, 'signal']);
  let text: string;
  if (typeof source === 'string') {
    if (!/[\r\n]/.test(source) && (/^[a-z][a-z0-9+.-]*:\/\//i.test(source) || /\.(csv|tsv|txt)$/i.test(source.trim()))) {
      throw new TypeError(
        `${fn}: source: a string is read as CSV text, and ${show(source)} looks like a file name or URL; ` +
          "pass new URL(...) to fetch a URL, or use loadCSVFile(path) from 'neuronine/node' for a file",
      );
    }
    text = source;
  } else if (typeof Blob !== 'undefined' && source instanceof Blob) {
    text = await source.text();
  } else if (typeof Response !== 'undefined' && source instanceof Response) {
    text = await responseText(fn, source);
  } else if (source instanceof URL) {
    if (source.protocol === 'file:') {
      const fs = nodeFs();
      if (!fs) throw new TypeError(`${fn}: source: cannot read the file: URL ${show(source.href)} outside Node`);
      text = await fs.readFile(source, 'utf8');
    } else if (['http:', 'https:', 'data:', 'blob:'].includes(source.protocol)) {
      text = await responseText(fn, await fetch(source, { signal: options.signal }));
    } else {
      throw new TypeError(`${fn}: source: expected an http:, https:, data:, blob: or file: URL, got ${show(source.href)}`);
    }
  } else if (source instanceof ArrayBuffer || ArrayBuffer.isView(source)) {
    text = new TextDecoder('utf-8').decode(source);
  } else {
    throw new TypeError(`${fn}: source: expected CSV text, a Blob/File, a Response, a URL or bytes, got ${kindOf(source)}`);
  }
  const { signal: _signal, ...csvOptions } = options;
  return parseCSVAs(fn, text, csvOptions);
}
