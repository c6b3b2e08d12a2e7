/**
 * Node-only helpers (the `neuronine/node` entry point): reading CSV files by path. Kept apart
 * from the browser entry so that `node:` imports never reach a browser bundle.
 */

import { readFile } from 'node:fs/promises';
import type { Dataset } from './data/dataset.js';
import { parseCSVAs, type CSVOptions } from './data/load.js';

/**
 * Reads a CSV file (UTF-8) and parses it like `parseCSV`.
 *
 * @param path - a file path or a `file:` URL.
 * @param options - as for `parseCSV`: target, features, delimiter, header, missing values...
 * @throws the file system's error for an unreadable file (its message names the path);
 *   otherwise as `parseCSV`.
 *
 * @example
 * import { loadCSVFile } from 'neuronine/node';
 * const iris = await loadCSVFile('data/iris.csv', { target: 'species' });
 */
export async function loadCSVFile(path: string | URL, options: CSVOptions = {}): Promise<Dataset> {
  if (typeof path !== 'string' && !(path instanceof URL)) {
    throw new TypeError(`loadCSVFile: path: expected a string or a file: URL, got ${path === null ? 'null' : typeof path}`);
  }
  return parseCSVAs('loadCSVFile', await readFile(path, 'utf8'), options);
}
