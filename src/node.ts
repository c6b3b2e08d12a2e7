/**
 * Node-only helpers (the `neuronine/node` entry point): reading CSV files by path. Kept apart
 * from the browser entry so that file-system code never reaches a browser bundle.
 *
 * `fs` comes from `process.getBuiltinModule` (Node ≥ 20.16) with a local type, rather than an
 * `import 'node:fs/promises'`: the build compiles with `types: []` so that Node-only globals in
 * browser code fail to type-check, and a `/// <reference types="node" />` here would switch that
 * check off for the whole package.
 */

import type { Dataset } from './data/dataset.js';
import { parseCSVAs, type CSVOptions } from './data/load.js';

interface NodeFsPromises {
  readFile(path: string | URL, encoding: 'utf8'): Promise<string>;
}

function fsPromises(fn: string): NodeFsPromises {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  if (typeof proc?.getBuiltinModule !== 'function') {
    throw new Error(`${fn}: needs Node 20.16 or later (process.getBuiltinModule); in a browser use loadCSV with a File, Blob, Response or URL`);
  }
  return proc.getBuiltinModule('fs/promises') as NodeFsPromises;
}

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
  const fn = 'loadCSVFile';
  if (typeof path !== 'string' && !(path instanceof URL)) {
    throw new TypeError(`${fn}: path: expected a string or a file: URL, got ${path === null ? 'null' : typeof path}`);
  }
  const text = await fsPromises(fn).readFile(path, 'utf8');
  return parseCSVAs(fn, text, options);
}
