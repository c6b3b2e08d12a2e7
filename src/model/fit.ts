/**
 * The fit loop: `resolveFit` checks `fit`'s options and data and fills in the defaults (as
 * `resolveSpec` does for a spec) before anything in the model changes; `trainingRun` is the
 * epoch loop as a generator that the async and sync drivers step through. The loop talks to the
 * model through {@link FitHost} only: the network it trains, the spec, the shuffle stream.
 */
import type { Rng } from '../data/random.js';
import type { Network } from './network.js';
import type { ResolvedOptimizer, ResolvedSpec } from './spec.js';
import { checkKeys } from './spec.js';
import { isMatrix } from './inputs.js';
import { fromStaged, metricFor, prepare, score, stage, toStaged, type MetricKind, type Prepared, type StagedRows } from './evaluate.js';

/** What a data pipeline (src/data) offers a model: raw rows in, features out, labels back. */
export interface PipelineLike {
  /** Encodes (and scales) raw rows — objects, arrays of cells or CSV text — into features. */
  transform(rows: unknown): import('../types.js').Matrix;
  /** The original label of a class index. */
  decode?(index: number): string | number;
  /** Class labels, for classification. */
  classes?: readonly string[];
  toJSON(): unknown;
}

/** A data set as `loadCSV` and `trainTestSplit` produce it. */
export interface DatasetLike {
  x: import('../types.js').Matrix;
  y: unknown;
  pipeline?: PipelineLike;
}

/** Figures for one epoch, passed to `onEpochEnd` and kept in the history. */
export interface EpochLogs {
  /** 0-based epoch index within this fit call. */
  epoch: number;
  /** Mean training loss over the epoch's samples (each batch's loss before its update). */
  loss: number;
  /** Training accuracy over the epoch (classification only). */
  accuracy?: number;
  valLoss?: number;
  valAccuracy?: number;
  /** Seconds the epoch spent training: the shuffle and the wasm runs (not validation, callbacks or yields to the event loop). */
  seconds: number;
  samplesPerSecond: number;
}

/** Figures for one batch, passed to `onBatchEnd`. */
export interface BatchLogs {
  epoch: number;
  /** 0-based batch index within the epoch. */
  batch: number;
  /** Rows in the batch (the last one of an epoch may be short). */
  size: number;
  loss: number;
  accuracy?: number;
}

/** What `fit` returns: one entry per completed epoch. */
export interface History {
  loss: number[];
  accuracy?: number[];
  valLoss?: number[];
  valAccuracy?: number[];
  samplesPerSecond: number[];
  /** Epochs completed. */
  epochs: number;
  /** Why training ended. */
  stopReason: 'completed' | 'aborted' | 'callback';
}

/** Options of `fit` and `fitSync`; all optional. */
export interface FitOptions {
  /** Passes over the training data. Default 10. */
  epochs?: number;
  /** Rows per gradient step. Default 32. */
  batchSize?: number;
  /** Visit rows in a new seeded random order every epoch. Default true. */
  shuffle?: boolean;
  /** Data to evaluate after every epoch: `[x, y]` or a data set `{ x, y }`. */
  validationData?: [unknown, unknown] | DatasetLike;
  /** Hold out this fraction (0–1) of the rows — the last ones, before shuffling — for validation. */
  validationSplit?: number;
  /** Called after every epoch; return `false` to stop training. */
  onEpochEnd?: (epoch: number, logs: EpochLogs) => void | boolean | Promise<void | boolean>;
  /** Called after every batch, in order (batches run in short runs between calls). */
  onBatchEnd?: (batch: number, logs: BatchLogs) => void;
  /** Stops training between batches when aborted; `fit` then resolves with the history so far. */
  signal?: AbortSignal;
  /** `fit` only: longest stretch in milliseconds to train before yielding to the event loop. Default 10. */
  yieldEvery?: number;
}

const FIT_KEYS = ['epochs', 'batchSize', 'shuffle', 'validationData', 'validationSplit', 'onEpochEnd',
  'onBatchEnd', 'signal', 'yieldEvery'] as const;

/** What the fit loop needs from the model. */
export interface FitHost {
  readonly spec: ResolvedSpec;
  /** The model's network; throws naming `where` when the model was disposed. */
  network(where: string): Network;
  /** Raw rows through the given pipeline (or the model's); encoded input passes unchanged. */
  encode(x: unknown, pipeline?: PipelineLike): unknown;
  /** The model's shuffle stream (kept across fits). */
  readonly shuffleRng: Rng;
}

/** `fit`'s options checked, defaults filled in, and its data read and checked. */
export interface ResolvedFit {
  epochs: number;
  batchSize: number;
  shuffle: boolean;
  yieldEvery: number;
  onEpochEnd: FitOptions['onEpochEnd'];
  onBatchEnd: FitOptions['onBatchEnd'];
  signal: AbortSignal | undefined;
  /** The training rows (all rows but a validation split). */
  train: Prepared;
  /** Training rows already staged as float32 (when a validation split was cut from them). */
  trainStaged: StagedRows | undefined;
  trainRows: number;
  validation: StagedRows | undefined;
  /** How training accuracy is counted. */
  metric: MetricKind;
  /** The data set's pipeline, which the model adopts once training starts. */
  pipeline: PipelineLike | undefined;
}

export function isDataset(x: unknown): x is DatasetLike {
  return typeof x === 'object' && x !== null && !Array.isArray(x) && !ArrayBuffer.isView(x)
    && 'x' in x && 'y' in x && !isMatrix(x);
}

/** `(x, y, options)` or `(dataset, options)` → x, y, options and the data set's pipeline. */
export function splitArguments(where: string, a: unknown, b: unknown, c: unknown): { x: unknown; y: unknown; options: FitOptions; pipeline?: PipelineLike } {
  if (isDataset(a)) {
    if (b !== undefined && (typeof b !== 'object' || b === null)) throw new TypeError(`${where}: after a data set the second argument is the options object; got ${b === null ? 'null' : typeof b}`);
    return { x: a.x, y: a.y, options: (b ?? {}) as FitOptions, pipeline: a.pipeline };
  }
  if (c !== undefined && (typeof c !== 'object' || c === null)) throw new TypeError(`${where}: options must be an object; got ${c === null ? 'null' : typeof c}`);
  return { x: a, y: b, options: (c ?? {}) as FitOptions };
}

/**
 * Checks `fit`'s arguments and fills in the defaults; reads and checks all data. Touches
 * nothing in the model.
 * @throws TypeError or RangeError naming the option or the row and column that is wrong.
 */
export function resolveFit(where: string, host: FitHost, a: unknown, b: unknown, c: unknown): ResolvedFit {
  const { x, y, options, pipeline } = splitArguments(where, a, b, c);
  checkKeys(`${where}: options`, options, FIT_KEYS);
  const epochs = options.epochs ?? 10;
  if (!Number.isInteger(epochs) || epochs < 0) throw new RangeError(`${where}: options.epochs must be a non-negative integer; got ${String(epochs)}`);
  const batchSize = options.batchSize ?? 32;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`${where}: options.batchSize must be a positive integer; got ${String(batchSize)}`);
  if (batchSize > 1 << 20) throw new RangeError(`${where}: options.batchSize is ${batchSize}, above the limit of ${1 << 20}`);
  const yieldEvery = options.yieldEvery ?? 10;
  if (typeof yieldEvery !== 'number' || !(yieldEvery >= 0)) throw new RangeError(`${where}: options.yieldEvery must be a number of milliseconds ≥ 0; got ${String(yieldEvery)}`);
  for (const name of ['onEpochEnd', 'onBatchEnd'] as const) {
    if (options[name] !== undefined && typeof options[name] !== 'function') throw new TypeError(`${where}: options.${name} must be a function; got ${typeof options[name]}`);
  }
  if (options.signal !== undefined && typeof (options.signal as AbortSignal)?.aborted !== 'boolean') {
    throw new TypeError(`${where}: options.signal must be an AbortSignal (from an AbortController); got ${options.signal === null ? 'null' : typeof options.signal}`);
  }
  if (options.shuffle !== undefined && typeof options.shuffle !== 'boolean') throw new TypeError(`${where}: options.shuffle must be true or false; got ${typeof options.shuffle}`);
  const split = options.validationSplit ?? 0;
  if (typeof split !== 'number' || !(split >= 0 && split < 1)) throw new RangeError(`${where}: options.validationSplit must be a fraction in [0, 1); got ${String(split)}`);
  if (split > 0 && options.validationData !== undefined) throw new TypeError(`${where}: give options.validationData or options.validationSplit, not both`);

  // read and check everything before touching the model; with a pipeline, raw rows (records,
  // nested arrays, CSV text) are encoded as predict and evaluate encode them
  const { spec } = host;
  const all = prepare(where, spec, host.encode(x, pipeline), y);
  let validation: StagedRows | undefined;
  if (options.validationData !== undefined) {
    const v = options.validationData;
    const [vx, vy] = isDataset(v) ? [v.x, v.y] : Array.isArray(v) && v.length === 2 ? v : [undefined, undefined];
    if (vx === undefined) throw new TypeError(`${where}: options.validationData must be [x, y] or a data set { x, y }`);
    validation = toStaged(prepare(`${where}: validationData`, spec, host.encode(vx, pipeline), vy), spec);
  }
  const rowsAll = all.features.rows;
  let trainRows = rowsAll;
  let trainStaged: StagedRows | undefined;
  if (split > 0) {
    const held = Math.floor(rowsAll * split);
    if (held < 1 || held >= rowsAll) throw new RangeError(`${where}: options.validationSplit ${split} of ${rowsAll} rows leaves ${held} for validation and ${rowsAll - held} for training; both need at least one`);
    const staged = toStaged(all, spec);
    const inputs = spec.inputs;
    const outputs = spec.layers[spec.layers.length - 1].units;
    trainRows = rowsAll - held;
    trainStaged = { x: staged.x.subarray(0, trainRows * inputs), y: staged.y.subarray(0, trainRows * outputs), rows: trainRows, kind: staged.kind };
    validation = { x: staged.x.subarray(trainRows * inputs), y: staged.y.subarray(trainRows * outputs), rows: held, kind: staged.kind };
  }
  return {
    epochs, batchSize, yieldEvery, shuffle: options.shuffle !== false,
    onEpochEnd: options.onEpochEnd, onBatchEnd: options.onBatchEnd, signal: options.signal,
    train: all, trainStaged, trainRows, validation, metric: metricFor(spec, all.targets.kind), pipeline,
  };
}

const now = (): number => (typeof performance !== 'undefined' ? performance.now() : Date.now());

/** Lets the event loop run (timers, input, rendering) between runs of batches. */
export function yieldToEventLoop(): Promise<void> {
  // Node's setImmediate, looked up on globalThis: the build type-checks with `types: []`
  const setImmediate = (globalThis as { setImmediate?: (callback: () => void) => unknown }).setImmediate;
  if (typeof setImmediate === 'function') return new Promise((resolve) => setImmediate(resolve));
  if (typeof MessageChannel === 'function') {
    return new Promise((resolve) => {
      const channel = new MessageChannel();
      channel.port1.onmessage = () => { channel.port1.close(); resolve(); };
      channel.port2.postMessage(null);
    });
  }
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** What the training generator hands its driver: a request to yield, or a callback's answer to settle. */
export type RunStep = 'yield' | boolean | Promise<void | boolean>;
export type TrainingRun = Generator<RunStep, History, boolean | undefined>;

/**
 * Copies the training rows into the model's memory (planning it, larger only). After this the
 * model is committed to the run: call only once every check has passed.
 */
export function loadTraining(net: Network, fit: ResolvedFit): number {
  const batches = Math.ceil(fit.trainRows / fit.batchSize);
  net.ensureBatch(Math.min(fit.batchSize, fit.trainRows));
  net.ensureTrain(fit.trainRows, batches);
  const f32 = net.ws.f32;
  if (fit.trainStaged) {
    f32.set(fit.trainStaged.x, net.trainX >>> 2);
    f32.set(fit.trainStaged.y, net.trainY >>> 2);
  } else {
    fit.train.features.copyTo(f32, net.trainX >>> 2, net.finiteCheck);
    fit.train.targets.copyTo(f32, net.trainY >>> 2);
  }
  net.metric = fit.metric;
  return batches;
}

/** The error for a refused training step: what went wrong, where, and what to try. */
function failure(net: Network, optimizer: ResolvedOptimizer, epoch: number, batch: number, batches: number): Error {
  const loss = net.ws.f32[(net.losses >>> 2) + batch];
  const status = net.status;
  const what = status === 'loss' ? `the loss became ${loss}`
    : status === 'gradient' ? `a gradient stopped being finite (the loss was ${loss})`
      : `the update grew too large (a weight would move by more than 1e30${optimizer.type === 'adam' ? ', or a squared gradient would overflow Adam\'s second moment' : ''})`;
  return new Error(`fit: ${what} at epoch ${epoch + 1}, batch ${batch + 1} of ${batches}; training stopped and `
    + `the weights are left as they were before that step. Scale the inputs (standardise them, e.g. trainTestSplit(data, { scale: 'standard' })) `
    + `or lower the learning rate (now ${optimizer.learningRate}).`);
}

/**
 * The epoch loop over training rows already in memory (see {@link loadTraining}). Yields 'yield'
 * to let the event loop run, or onEpochEnd's answer for the driver to settle; the driver resumes
 * it with whether to go on.
 */
export function* trainingRun(host: FitHost, net: Network, fit: ResolvedFit, batches: number): TrainingRun {
  const { spec } = host;
  const { epochs, batchSize, trainRows: rows, validation, yieldEvery, signal, onBatchEnd, onEpochEnd } = fit;
  const k = net.k;
  const metric = net.metric;
  const outputs = spec.layers[spec.layers.length - 1].units;
  const perRowHits = metric === 'threshold' ? outputs : 1;
  const history: History = { loss: [], samplesPerSecond: [], epochs: 0, stopReason: 'completed' };
  if (metric !== 'none') history.accuracy = [];
  if (validation) {
    history.valLoss = [];
    if (metric !== 'none') history.valAccuracy = [];
  }
  const validationRows = validation && fromStaged('fit: validationData: x', validation, spec);
  let chunk = 1;
  // with both a signal and onBatchEnd, a callback may abort: run one batch at a time so that
  // training stops right after the batch whose callback aborted
  const exact = signal !== undefined && onBatchEnd !== undefined;
  for (let epoch = 0; epoch < epochs; epoch++) {
    if (signal?.aborted) {
      history.stopReason = 'aborted';
      return history;
    }
    // training time of the epoch: the shuffle and the wasm runs, not yields or callbacks
    let busy = -now();
    const order = net.ws.i32.subarray(net.order >>> 2, (net.order >>> 2) + rows);
    for (let i = 0; i < rows; i++) order[i] = i;
    if (fit.shuffle) {
      for (let i = rows - 1; i > 0; i--) {
        const j = Math.floor(host.shuffleRng() * (i + 1));
        const t = order[i]; order[i] = order[j]; order[j] = t;
      }
    }
    busy += now();
    for (let first = 0; first < batches;) {
      if (signal?.aborted) {
        history.stopReason = 'aborted';
        return history;
      }
      const count = Math.min(chunk, batches - first);
      const t0 = now();
      const done = k.network_train_batches(net.plan, net.trainX, net.trainY, net.order, rows, batchSize,
        first, count, net.losses, net.correct);
      const elapsed = now() - t0;
      busy += elapsed;
      if (done < count) throw failure(net, spec.optimizer, epoch, first + done, batches);
      if (onBatchEnd) {
        for (let b = first; b < first + count; b++) {
          const size = Math.min(batchSize, rows - b * batchSize);
          // views are read per batch: a callback may grow memory (evaluate on more rows)
          const logs: BatchLogs = { epoch, batch: b, size, loss: net.ws.f32[(net.losses >>> 2) + b] };
          if (metric !== 'none') logs.accuracy = net.ws.i32[(net.correct >>> 2) + b] / (size * perRowHits);
          onBatchEnd(b, logs);
        }
      }
      // size the next run of batches to last about yieldEvery ms
      const perBatch = elapsed / count;
      chunk = exact ? 1 : Math.max(1, Math.min(batches, Math.floor(yieldEvery / Math.max(perBatch, 1e-3))));
      first += count;
      if (first < batches || epoch + 1 < epochs) yield 'yield';
    }
    const seconds = busy / 1000;
    // epoch figures: sample-weighted mean of batch losses, hits over all rows
    const f32 = net.ws.f32, i32 = net.ws.i32;
    let lossSum = 0, hits = 0;
    for (let b = 0; b < batches; b++) {
      const size = Math.min(batchSize, rows - b * batchSize);
      lossSum += f32[(net.losses >>> 2) + b] * size;
      hits += i32[(net.correct >>> 2) + b];
    }
    const logs: EpochLogs = { epoch, loss: lossSum / rows, seconds, samplesPerSecond: rows / Math.max(seconds, 1e-9) };
    if (metric !== 'none') logs.accuracy = hits / (rows * perRowHits);
    if (validationRows) {
      const count = stage(net, validationRows.features, validationRows.targets);
      const v = score(net, spec, count, metric);
      logs.valLoss = v.loss;
      if (v.accuracy !== undefined) logs.valAccuracy = v.accuracy;
    }
    history.loss.push(logs.loss);
    history.samplesPerSecond.push(logs.samplesPerSecond);
    if (logs.accuracy !== undefined) history.accuracy?.push(logs.accuracy);
    if (logs.valLoss !== undefined) history.valLoss?.push(logs.valLoss);
    if (logs.valAccuracy !== undefined) history.valAccuracy?.push(logs.valAccuracy);
    history.epochs = epoch + 1;
    if (onEpochEnd) {
      const answer = onEpochEnd(epoch, logs);
      const goOn = answer === undefined ? true : yield answer;
      if (goOn === false) {
        history.stopReason = 'callback';
        return history;
      }
    }
  }
  return history;
}

/** Steps a training run to its end, yielding to the event loop and awaiting callbacks' promises. */
export async function driveAsync(run: TrainingRun): Promise<History> {
  for (let r = run.next(); ;) {
    if (r.done) return r.value;
    if (r.value === 'yield') {
      await yieldToEventLoop();
      r = run.next();
    } else {
      r = run.next((await r.value) !== false);
    }
  }
}

/** Steps a training run to its end without yielding; a callback's promise is not awaited. */
export function driveSync(run: TrainingRun): History {
  for (let r = run.next(); ;) {
    if (r.done) return r.value;
    r = r.value === 'yield' ? run.next() : run.next(r.value !== false);
  }
}
