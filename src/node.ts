/**
 * Node-only helpers (the `neuronine/node` entry point): reading CSV files by path, whole
 * (`loadCSVFile`) or streamed in batches (`streamCSV`). Kept apart from the browser entry so that
 * file-system code never reaches a browser bundle.
 *
 * `fs` comes from `process.getBuiltinModule` (Node ≥ 20.16) with a local type, rather than an
 * `import 'node:fs/promises'`: the build compiles with `types: []` so that Node-only globals in
 * browser code fail to type-check, and a `/// <reference types="node" />` here would switch that
 * check off for the whole package.
 */

import type { Dataset } from './data/dataset.js';
import { parseCSVAs, type CSVOptions } from './data/load.js';
import { streamCSV as streamWebCSV, streamCSVFrom, type CSVBatches, type CSVStreamSource, type StreamCSVOptions } from './data/stream.js';
import type { Model } from './model/model.js';
import { concatenate, fromTFJS, tfjsModelJSON, toTFJS, type TFJSWeightSpec } from './io/tfjs.js';

interface NodeFsPromises {
  readFile(path: string | URL, encoding: 'utf8'): Promise<string>;
  readFile(path: string | URL): Promise<Uint8Array>;
  writeFile(path: string | URL, data: string | Uint8Array): Promise<void>;
  mkdir(path: string | URL, options: { recursive: true }): Promise<unknown>;
  stat(path: string | URL): Promise<{ isDirectory(): boolean }>;
}

interface NodeFs {
  promises: NodeFsPromises;
  createReadStream(path: string | URL, options: { highWaterMark: number }): AsyncIterable<Uint8Array>;
}

function nodeFs(fn: string): NodeFs {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  if (typeof proc?.getBuiltinModule !== 'function') {
    throw new Error(`${fn}: needs Node 20.16 or later (process.getBuiltinModule); in a browser use loadCSV with a File, Blob, Response or URL`);
  }
  return proc.getBuiltinModule('fs') as NodeFs;
}

function fsPromises(fn: string): NodeFsPromises {
  return nodeFs(fn).promises;
}

function checkPath(fn: string, path: unknown): asserts path is string | URL {
  if (typeof path !== 'string' && !(path instanceof URL)) {
    throw new TypeError(`${fn}: path: expected a string or a file: URL, got ${path === null ? 'null' : typeof path}`);
  }
  if (typeof path === 'string' && path.length === 0) throw new TypeError(`${fn}: path: expected a file path, got an empty string`);
}

/** A file-system error in the library's words, naming the path; the original is the `cause`. */
function fileError(fn: string, path: string | URL, error: unknown): Error {
  const code = (error as { code?: string })?.code;
  const name = JSON.stringify(path instanceof URL ? path.href : path);
  const what = code === 'ENOENT' ? `no file at ${name}`
    : code === 'EISDIR' ? `${name} is a directory, not a CSV file`
      : code === 'EACCES' || code === 'EPERM' ? `no permission to read ${name}`
        : `cannot read ${name} (${(error as Error)?.message ?? String(error)})`;
  const wrapped = new Error(`${fn}: path: ${what}`, { cause: error });
  if (code) (wrapped as Error & { code?: string }).code = code;
  return wrapped;
}

/**
 * Reads a CSV file (UTF-8) and parses it like `parseCSV`.
 *
 * @param path - a file path or a `file:` URL.
 * @param options - as for `parseCSV`: target, features, delimiter, header, missing values...
 * @throws {Error} naming the path for a missing, unreadable or directory path (`error.code` is
 *   Node's, `error.cause` Node's error); otherwise as `parseCSV`.
 *
 * @example
 * import { loadCSVFile } from 'neuronine/node';
 * const iris = await loadCSVFile('data/iris.csv', { target: 'species' });
 */
export async function loadCSVFile(path: string | URL, options: CSVOptions = {}): Promise<Dataset> {
  const fn = 'loadCSVFile';
  checkPath(fn, path);
  let text: string;
  try {
    text = await nodeFs(fn).promises.readFile(path, 'utf8');
  } catch (error) {
    throw fileError(fn, path, error);
  }
  return parseCSVAs(fn, text, options);
}

/**
 * Streams a CSV file (or any `streamCSV` source) as batches for `model.fit`, for files bigger
 * than memory: a first pass fits the pipeline, then every iteration (epoch) reads the file again
 * in 64 KiB chunks. Memory is the shuffle buffer and a batch, not the file. See `streamCSV` in the
 * main entry for the options.
 *
 * @param source - a file path or `file:` URL (or what the main entry's `streamCSV` takes).
 * @throws {Error} naming the path for a missing or unreadable file; otherwise as `loadCSV`.
 *
 * @example
 * import { streamCSV } from 'neuronine/node';
 * const batches = await streamCSV('big.csv', { target: 'label', batchSize: 64, shuffleBuffer: 4096 });
 * const model = await createModel({ data: batches, layers: [{ units: 32, activation: 'relu' }] });
 * await model.fit(batches, { epochs: 2 });
 */
export async function streamCSV(source: string | URL | CSVStreamSource, options: StreamCSVOptions = {}): Promise<CSVBatches> {
  const fn = 'streamCSV';
  if (typeof source !== 'string' && !(source instanceof URL)) return streamWebCSV(source, options);
  checkPath(fn, source);
  const fs = nodeFs(fn);
  try {
    if ((await fs.promises.stat(source)).isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
  } catch (error) {
    throw fileError(fn, source, error);
  }
  const open = () => {
    const chunks = fs.createReadStream(source, { highWaterMark: 1 << 16 });
    return (async function* () {
      try {
        yield* chunks;
      } catch (error) {
        throw fileError(fn, source, error);
      }
    })();
  };
  return streamCSVFrom(fn, open, undefined, options);
}

/** `folder/name` for a path string or a folder URL. */
function inFolder(folder: string | URL, name: string): string | URL {
  if (folder instanceof URL) return new URL(name, folder.href.endsWith('/') ? folder : new URL(`${folder.href}/`));
  return folder.endsWith('/') || folder.endsWith('\\') ? folder + name : `${folder}/${name}`;
}

function checkFolder(fn: string, folder: unknown): asserts folder is string | URL {
  if (typeof folder !== 'string' && !(folder instanceof URL)) {
    throw new TypeError(`${fn}: folder: expected a path string or a file: URL, got ${folder === null ? 'null' : typeof folder}`);
  }
}

/**
 * Saves the model in the TF.js layers format: `folder/model.json` (topology and weights
 * manifest) and `folder/weights.bin` (float32 little-endian), the files that
 * `tf.loadLayersModel('file://…/model.json')` (tfjs-node) or an http server + `tf.loadLayersModel(url)`
 * read. The folder is created when missing; existing files of those names are replaced.
 *
 * @example
 * import { saveTFJS } from 'neuronine/node';
 * await saveTFJS(model, 'exported/iris');
 */
export async function saveTFJS(model: Model, folder: string | URL): Promise<void> {
  const fn = 'saveTFJS';
  checkFolder(fn, folder);
  const artifacts = toTFJS(model);
  const fs = fsPromises(fn);
  await fs.mkdir(folder, { recursive: true });
  await fs.writeFile(inFolder(folder, 'weights.bin'), new Uint8Array(artifacts.weightData as ArrayBuffer));
  await fs.writeFile(inFolder(folder, 'model.json'), tfjsModelJSON(artifacts, 'weights.bin'));
}

/**
 * Loads a TF.js layers model from a folder: `folder/model.json` and the weight files its
 * manifest names (one `weights.bin`, or the `group1-shard1of2.bin`… shards that
 * `tensorflowjs_converter` writes), read in manifest order, then as `fromTFJS`.
 *
 * @throws as fromTFJS; the file system's error for a missing file (naming the path); Error for a
 *   model.json that is not JSON or has no weightsManifest.
 *
 * @example
 * import { loadTFJS } from 'neuronine/node';
 * const model = await loadTFJS('web_model');   // from tensorflowjs_converter --input_format keras
 */
export async function loadTFJS(folder: string | URL): Promise<Model> {
  const fn = 'loadTFJS';
  checkFolder(fn, folder);
  const fs = fsPromises(fn);
  const text = await fs.readFile(inFolder(folder, 'model.json'), 'utf8');
  let json: { modelTopology?: unknown; weightsManifest?: { paths?: unknown; weights?: unknown }[]; format?: string; userDefinedMetadata?: Record<string, unknown> };
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new Error(`${fn}: model.json is not valid JSON: ${(cause as Error).message}`, { cause });
  }
  const manifest = json.weightsManifest;
  if (!Array.isArray(manifest)) throw new Error(`${fn}: model.json has no weightsManifest array; expected a TF.js layers model`);
  const specs: TFJSWeightSpec[] = [];
  const buffers: Uint8Array[] = [];
  for (const [g, group] of manifest.entries()) {
    if (!Array.isArray(group.paths) || !Array.isArray(group.weights)) throw new Error(`${fn}: weightsManifest[${g}] must be { paths, weights }`);
    for (const path of group.paths) {
      if (typeof path !== 'string' || path.includes('..') || path.startsWith('/')) throw new Error(`${fn}: weightsManifest[${g}].paths has ${JSON.stringify(path)}; expected a file name inside the folder`);
      buffers.push(await fs.readFile(inFolder(folder, path)));
    }
    specs.push(...(group.weights as TFJSWeightSpec[]));
  }
  const data = concatenate(buffers, (length) => new Uint8Array(length));
  const model = await fromTFJS({
    modelTopology: json.modelTopology as Record<string, unknown>, weightSpecs: specs, weightData: data.buffer,
    ...(json.userDefinedMetadata ? { userDefinedMetadata: json.userDefinedMetadata } : {}),
  }).catch((error: Error) => {
    error.message = error.message.replace(/^fromTFJS/, fn);
    throw error;
  });
  return model;
}
