/**
 * CSV bigger than memory: `streamCSV` reads a CSV source chunk by chunk and hands out batches
 * `{ x, y }` of encoded rows, an async iterable that `model.fit` trains on. A first pass over the
 * source fits the pipeline with the same {@link TableFitter} that `loadCSV` uses (statistics
 * only, never the rows), unless a pipeline is given; every iteration then reads the source again
 * and encodes its rows through the pipeline, shuffled within a buffer of `shuffleBuffer` rows.
 * Memory is the shuffle buffer, one batch and one chunk of text, whatever the file's size.
 *
 * This module is browser safe: it reads Web `ReadableStream`s (or any async iterable of text or
 * bytes); `neuronine/node` adds file paths.
 */
import type { Matrix } from '../types.js';
import { checkKeys, isRecord } from '../check.js';
import { CSVLayout, readOptions, RecordReader, UnnamedColumnHasData, type CSVReadOptions } from './csv.js';
import { kindOf, show } from './errors.js';
import { Pipeline, type Task } from './pipeline.js';
import { createRng, type Rng } from './random.js';
import { TABLE_OPTION_NAMES, TableEncoder, TableFitter, type TableOptions } from './table.js';

/** Chunks of CSV text: strings, or UTF-8 bytes. */
export type CSVChunks = AsyncIterable<string | Uint8Array> | Iterable<string | Uint8Array>;

/**
 * What {@link streamCSV} reads: a Web `ReadableStream` of bytes or text (read once), or a function
 * that opens the source anew each time it is called (needed to fit a pipeline and to train more
 * than one epoch: each pass calls it).
 */
export type CSVStreamSource = ReadableStream<string | Uint8Array> | (() => ReadableStream<string | Uint8Array> | CSVChunks | Promise<ReadableStream<string | Uint8Array> | CSVChunks>);

/** Options of {@link streamCSV}. */
export interface StreamCSVOptions extends CSVReadOptions, TableOptions {
  /** Rows per batch (the last batch of a pass may be shorter). Default 32. */
  batchSize?: number;
  /**
   * Rows held to shuffle: each row read replaces a random one of the buffer, which goes out
   * (TF.js's `shuffle(bufferSize)`). 0 or 1 keeps the file order. Default 1024.
   */
  shuffleBuffer?: number;
  /** Seed of the shuffle (a safe integer). Default: a random one. */
  seed?: number;
  /** Encode with this pipeline instead of fitting one on a first pass (e.g. a trained model's). */
  pipeline?: Pipeline;
  /** Aborts reading. */
  signal?: AbortSignal;
}

/** One batch of encoded rows. */
export interface Batch {
  /** Features: rows × `pipeline.inputs`. */
  x: Matrix;
  /** Class indices (classification) or rows × target columns (regression). */
  y: Int32Array | Matrix;
}

/**
 * Batches of a CSV source, re-read on every iteration (one iteration = one epoch of `fit`), with
 * what a model needs to know about them.
 */
export interface CSVBatches extends AsyncIterable<Batch> {
  pipeline: Pipeline;
  task: Task;
  /** Class labels (classification), as `predictClass` returns them. */
  classes?: (string | number)[];
  /** Encoded feature names. */
  features: string[];
  /** The target column(s). */
  target: string;
  /** Rows per pass, when the first pass counted them (not with a given pipeline). */
  rows: number | undefined;
  batchSize: number;
}

const STREAM_OPTION_NAMES = [...TABLE_OPTION_NAMES, 'delimiter', 'header', 'batchSize', 'shuffleBuffer', 'seed', 'pipeline', 'signal'];

const isReadableStream = (value: unknown): value is ReadableStream<string | Uint8Array> =>
  typeof ReadableStream !== 'undefined' && value instanceof ReadableStream;

/** A Web stream as an async iterable (Node 20's streams are iterable, Safari's are not). */
async function* streamChunks(stream: ReadableStream<string | Uint8Array>): AsyncGenerator<string | Uint8Array> {
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    reader.releaseLock();
  }
}

function asChunks(fn: string, value: unknown): CSVChunks {
  if (isReadableStream(value)) return streamChunks(value);
  if (typeof value === 'object' && value !== null && (Symbol.asyncIterator in value || Symbol.iterator in value)) return value as CSVChunks;
  throw new TypeError(`${fn}: source: expected the function to return a ReadableStream or an iterable of text or bytes, got ${kindOf(value)}`);
}

/**
 * Reads CSV text chunk by chunk and calls `visit` for every data row with its cells and
 * spreadsheet row number; `flush` runs after each chunk (the encoder hands out batches there).
 * A record split across chunks is read again once more text has come, and only when the
 * unread text has at least doubled, so reading stays linear even for a record longer than a chunk.
 */
async function* readRows(
  fn: string,
  chunks: CSVChunks,
  options: CSVReadOptions,
  dropUnnamedLast: boolean,
  signal: AbortSignal | undefined,
  visit: (cells: string[], row: number) => void,
  onHeader?: (columns: readonly string[]) => void,
): AsyncGenerator<void> {
  const decoder = new TextDecoder('utf-8');
  let pending = '';
  let position = 0;
  let reader: RecordReader | undefined;
  let layout: CSVLayout | undefined;
  let sawText = false;
  let rows = 0;
  let retryAt = 0;
  const accept = (fields: string[], row: number): void => {
    const first = layout!.columns === undefined;
    const cells = layout!.accept(fields, row);
    if (first) onHeader?.(layout!.columns!);
    if (cells) {
      rows++;
      visit(cells, row);
    }
  };
  const start = (final: boolean): boolean => {
    // The delimiter is detected on the first 64 K characters (or all, if shorter).
    if (reader) return true;
    if (!final && pending.length < 1 << 16) return false;
    if (pending.charCodeAt(0) === 0xfeff) pending = pending.slice(1);
    const { header, delimiter } = readOptions(fn, options, pending);
    reader = new RecordReader(fn, delimiter);
    layout = new CSVLayout(fn, header, delimiter, dropUnnamedLast);
    return true;
  };
  for await (const chunk of chunks as AsyncIterable<string | Uint8Array>) {
    signal?.throwIfAborted();
    const text = typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    if (text.length === 0) continue;
    sawText = true;
    pending = position > 0 ? pending.slice(position) + text : pending + text;
    position = 0;
    if (!start(false) || pending.length < retryAt) continue;
    position = reader!.read(pending, 0, false, accept);
    retryAt = 2 * (pending.length - position);
    yield;
  }
  pending = pending.slice(position) + decoder.decode();
  start(true);
  reader!.read(pending, 0, true, accept);
  layout!.finish(!sawText, rows);
  yield;
}

/** Validates the batching options. */
function checkStreamOptions(fn: string, options: StreamCSVOptions): { batchSize: number; shuffleBuffer: number; seed: number } {
  checkKeys(`${fn}: options`, options, STREAM_OPTION_NAMES);
  const batchSize = options.batchSize ?? 32;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 1 << 20) {
    throw new RangeError(`${fn}: options.batchSize: expected an integer in 1..${1 << 20}, got ${show(batchSize)}`);
  }
  const shuffleBuffer = options.shuffleBuffer ?? 1024;
  if (!Number.isInteger(shuffleBuffer) || shuffleBuffer < 0 || shuffleBuffer > 1 << 24) {
    throw new RangeError(`${fn}: options.shuffleBuffer: expected an integer in 0..${1 << 24} (rows), got ${show(shuffleBuffer)}`);
  }
  const seed = options.seed ?? Math.floor(Math.random() * 2 ** 31);
  if (!Number.isSafeInteger(seed)) throw new TypeError(`${fn}: options.seed: expected a safe integer, got ${show(seed)}`);
  if (options.pipeline !== undefined && !(options.pipeline instanceof Pipeline)) {
    throw new TypeError(`${fn}: options.pipeline: expected a Pipeline (a data set's or model's pipeline), got ${kindOf(options.pipeline)}`);
  }
  if (options.signal !== undefined && typeof (options.signal as AbortSignal)?.aborted !== 'boolean') {
    throw new TypeError(`${fn}: options.signal: expected an AbortSignal, got ${kindOf(options.signal)}`);
  }
  return { batchSize, shuffleBuffer, seed };
}

/**
 * Streams CSV from any source of chunks; the shared body of `streamCSV` here and in
 * `neuronine/node`.
 *
 * @internal
 */
export async function streamCSVFrom(
  fn: string,
  open: (() => CSVChunks | Promise<CSVChunks>) | undefined,
  once: CSVChunks | undefined,
  options: StreamCSVOptions,
): Promise<CSVBatches> {
  const raw: unknown = options;
  if (!isRecord(raw)) throw new TypeError(`${fn}: options: expected an object, got ${kindOf(raw)}`);
  const { batchSize, shuffleBuffer, seed } = checkStreamOptions(fn, options);
  const { pipeline: given, signal } = options;
  const { batchSize: _b, shuffleBuffer: _s, seed: _seed, pipeline: _p, signal: _signal, delimiter, header, ...table } = options;
  const read: CSVReadOptions = { delimiter, header };
  let unread = once;
  const chunks = async (): Promise<CSVChunks> => {
    if (open) return open();
    if (unread) {
      const chunks = unread;
      unread = undefined;
      return chunks;
    }
    throw new Error(
      `${fn}: source: a ReadableStream can be read once and it has been read; ` +
        'pass a function that returns a new stream (source: () => …) to fit a pipeline and train more than one epoch',
    );
  };
  if (!open && !given) {
    throw new TypeError(
      `${fn}: source: a ReadableStream can be read once, and without options.pipeline it must be read twice ` +
        '(to fit the pipeline, then to encode the rows); pass a function that returns a new stream, or options.pipeline',
    );
  }

  // First pass: fit the pipeline (statistics only), unless one was given.
  let pipeline: Pipeline;
  let rows: number | undefined;
  let task: Task;
  let dropMissing = options.missing === 'drop';
  let dropUnnamedLast = true;
  if (given) {
    pipeline = given;
    task = given.task;
  } else {
    const fit = async (drop: boolean) => {
      let fitter: TableFitter | undefined;
      const pass = readRows(fn, await chunks(), read, drop, signal, (cells, row) => fitter!.row(cells, row), (columns) => {
        fitter = new TableFitter(fn, columns, table, (row) => `row ${row}`);
      });
      for await (const _ of pass);
      return fitter!.finish();
    };
    let fitted;
    try {
      fitted = await fit(true);
    } catch (error) {
      if (!(error instanceof UnnamedColumnHasData)) throw error;
      dropUnnamedLast = false;
      fitted = await fit(false);
    }
    pipeline = fitted.pipeline;
    rows = fitted.rows;
    task = fitted.task;
    dropMissing = fitted.dropMissing;
  }

  const rng: Rng = createRng(seed);
  const classification = pipeline.target.task === 'classification';
  return {
    pipeline,
    task,
    ...(classification ? { classes: pipeline.classes } : {}),
    features: pipeline.features.slice(),
    target: pipeline.target.columns.join(','),
    rows,
    batchSize,
    async *[Symbol.asyncIterator](): AsyncGenerator<Batch> {
      let encoder: TableEncoder | undefined;
      let width = 0;
      let targetWidth = 0;
      // the shuffle buffer, one scratch row, the batch being filled and the batches ready
      let bufferX = new Float32Array(0);
      let bufferY: Float32Array | Int32Array = new Float32Array(0);
      let held = 0;
      let rowX = new Float32Array(0);
      let rowY: Float32Array | Int32Array = new Float32Array(0);
      let batchX = new Float32Array(0);
      let batchY: Float32Array | Int32Array = new Float32Array(0);
      let filled = 0;
      const ready: Batch[] = [];
      const newBatch = () => {
        batchX = new Float32Array(batchSize * width);
        batchY = classification ? new Int32Array(batchSize) : new Float32Array(batchSize * targetWidth);
        filled = 0;
      };
      const finishBatch = () => {
        const x: Matrix = { rows: filled, cols: width, data: filled === batchSize ? batchX : batchX.slice(0, filled * width) };
        const ys = filled === batchSize ? batchY : batchY.slice(0, filled * targetWidth);
        ready.push({ x, y: classification ? (ys as Int32Array) : { rows: filled, cols: targetWidth, data: ys as Float32Array } });
        newBatch();
      };
      const emit = (sourceX: Float32Array, sourceY: Float32Array | Int32Array, at: number) => {
        batchX.set(sourceX.subarray(at * width, (at + 1) * width), filled * width);
        batchY.set(sourceY.subarray(at * targetWidth, (at + 1) * targetWidth), filled * targetWidth);
        if (++filled === batchSize) finishBatch();
      };
      const visit = (cells: string[], row: number) => {
        if (!encoder!.row(cells, row, rowX, rowY, 0)) return;
        if (shuffleBuffer <= 1) {
          emit(rowX, rowY, 0);
        } else if (held < shuffleBuffer) {
          bufferX.set(rowX, held * width);
          bufferY.set(rowY, held * targetWidth);
          held++;
        } else {
          const j = Math.floor(rng() * shuffleBuffer);
          emit(bufferX, bufferY, j);
          bufferX.set(rowX, j * width);
          bufferY.set(rowY, j * targetWidth);
        }
      };
      const pass = readRows(fn, await chunks(), read, dropUnnamedLast, signal, visit, (columns) => {
        encoder = new TableEncoder(fn, columns, pipeline, dropMissing, (row) => `row ${row}`);
        width = encoder.width;
        targetWidth = encoder.targetWidth;
        const buffered = Math.max(shuffleBuffer, 1);
        bufferX = new Float32Array(buffered * width);
        bufferY = classification ? new Int32Array(buffered) : new Float32Array(buffered * targetWidth);
        rowX = new Float32Array(width);
        rowY = classification ? new Int32Array(1) : new Float32Array(targetWidth);
        newBatch();
      });
      for await (const _ of pass) {
        while (ready.length > 0) yield ready.shift()!;
      }
      // Drain the buffer in a random order, then the short last batch.
      for (let i = held - 1; i >= 0; i--) {
        const j = Math.floor(rng() * (i + 1));
        emit(bufferX, bufferY, j);
        if (j !== i) {
          bufferX.copyWithin(j * width, i * width, (i + 1) * width);
          bufferY.copyWithin(j * targetWidth, i * targetWidth, (i + 1) * targetWidth);
        }
      }
      if (filled > 0) finishBatch();
      while (ready.length > 0) yield ready.shift()!;
    },
  };
}

/**
 * Streams a CSV source as batches for `model.fit`, for data bigger than memory. A first pass fits
 * the pipeline (column types, categories, classes, fills) with the rules of `loadCSV`, keeping
 * statistics only; each iteration (each epoch of `fit`) reads the source again and yields
 * `{ x, y }` batches of `batchSize` rows, shuffled within `shuffleBuffer` rows.
 *
 * @param source - a function returning a new `ReadableStream` (of bytes or text) each call (the
 *   source is read once to fit and once per epoch), or a `ReadableStream` with
 *   `options.pipeline` (read once). For a file path in Node use `streamCSV` from `neuronine/node`.
 * @param options - `batchSize` (32), `shuffleBuffer` (1024 rows), `seed`, `pipeline`, `signal`,
 *   and every `loadCSV` option (`target`, `ignore`, `missing`, …).
 * @throws as `loadCSV`, naming the row and column, for the first pass; an iteration throws the
 *   same errors at the row where the source first disagrees with the pipeline.
 *
 * @example
 * const batches = await streamCSV(async () => (await fetch('/big.csv')).body!, { target: 'label', batchSize: 64 });
 * const model = await createModel({ data: batches, layers: [{ units: 32, activation: 'relu' }] });
 * await model.fit(batches, { epochs: 3 });
 */
export async function streamCSV(source: CSVStreamSource, options: StreamCSVOptions = {}): Promise<CSVBatches> {
  const fn = 'streamCSV';
  if (isReadableStream(source)) return streamCSVFrom(fn, undefined, streamChunks(source), options);
  if (typeof source === 'function') {
    return streamCSVFrom(fn, async () => asChunks(fn, await source()), undefined, options);
  }
  throw new TypeError(
    `${fn}: source: expected a ReadableStream or a function that returns one, got ${kindOf(source)}` +
      (typeof source === 'string' ? "; for a file path use streamCSV from 'neuronine/node', for CSV text parseCSV" : ''),
  );
}
