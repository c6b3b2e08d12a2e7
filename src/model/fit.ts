/**
 * The fit loop: `resolveFit` checks `fit`'s options and data and fills in the defaults (as
 * `resolveSpec` does for a spec) before anything in the model changes; `trainingRun` is the
 * epoch loop as a generator that the async and sync drivers step through. The loop talks to the
 * model through {@link FitHost} only: the network it trains, the spec, the shuffle stream and the
 * training state that schedules and early stopping carry from one fit to the next. Schedules are
 * in schedule.ts, early stopping in early-stopping.ts, metrics in metrics.ts.
 */
import type { Rng } from '../data/random.js';
import type { Matrix } from '../types.js';
import type { Network } from './network.js';
import type { ResolvedOptimizer, ResolvedSpec } from './spec.js';
import { OPTIMIZER_TABLE } from './optimizers.js';
import { isMatrix } from './inputs.js';
import { checkOutputAgainstData, describeData } from './agreement.js';
import { fromStaged, metricFor, prepare, score, stage, toStaged, type MetricKind, type Prepared, type StagedRows } from './evaluate.js';
import { classificationMetrics, CLASSIFICATION_METRICS, isBinary, METRIC_NAMES, regressionMetrics, REGRESSION_METRICS, type MetricName } from './metrics.js';
import { checkOptionKeys, didYouMean, resolveMonitor, valName } from './monitor.js';
import { plateauStep, resolvePlateau, resolveSchedule, scheduledRate, type PlateauState, type ReduceLROnPlateau, type ResolvedPlateau, type ResolvedSchedule, type Schedule, type ScheduleState } from './schedule.js';
import { earlyStoppingStep, freshEarlyStopping, resolveEarlyStopping, type EarlyStopping, type EarlyStoppingState, type ResolvedEarlyStopping } from './early-stopping.js';

export type { EarlyStopping } from './early-stopping.js';
export type { ReduceLROnPlateau, Schedule } from './schedule.js';

/** What a data pipeline (src/data) offers a model: raw rows in, features out, labels back. */
export interface PipelineLike {
  /** Encodes (and scales) raw rows — objects, arrays of cells or CSV text — into features. */
  transform(rows: unknown): Matrix;
  /** The original label of a class index. */
  decode?(index: number): string | number;
  /** Class labels, for classification (numbers when the labels were numbers). */
  classes?: readonly (string | number)[];
  toJSON(): unknown;
}

/** A data set as `loadCSV` and `trainTestSplit` produce it. */
export interface DatasetLike {
  x: Matrix;
  y: unknown;
  pipeline?: PipelineLike;
}

/** The figures `metrics` may add to the logs and the history (with `val` prefixed for validation). */
export interface MetricFigures {
  precision?: number;
  recall?: number;
  f1?: number;
  auc?: number;
  mae?: number;
  rmse?: number;
  r2?: number;
  valPrecision?: number;
  valRecall?: number;
  valF1?: number;
  valAuc?: number;
  valMae?: number;
  valRmse?: number;
  valR2?: number;
}

/** Figures for one epoch, passed to `onEpochEnd` and kept in the history. */
export interface EpochLogs extends MetricFigures {
  /** 0-based epoch index within this fit call. */
  epoch: number;
  /**
   * Mean training loss over the epoch's samples (each batch's loss before its update); with
   * `classWeight`/`sampleWeight`, the weighted mean Σ w·loss / Σ w.
   */
  loss: number;
  /** Training accuracy over the epoch (classification only). */
  accuracy?: number;
  valLoss?: number;
  valAccuracy?: number;
  /** The learning rate the epoch trained with. */
  learningRate: number;
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

type Series = { [K in keyof MetricFigures]?: number[] };

/** What `fit` returns: one entry per completed epoch. */
export interface History extends Series {
  loss: number[];
  accuracy?: number[];
  valLoss?: number[];
  valAccuracy?: number[];
  /** The learning rate of each epoch. */
  learningRate: number[];
  samplesPerSecond: number[];
  /** Epochs completed. */
  epochs: number;
  /** Why training ended. */
  stopReason: 'completed' | 'aborted' | 'callback' | 'earlyStopping';
  /**
   * With `earlyStopping`: the 0-based index (in this history) of the epoch with the best
   * monitored value. Negative when the best epoch came in an earlier fit whose early-stopping
   * state this one continued (−1 is the last epoch before this fit).
   */
  bestEpoch?: number;
}

/** Hooks into the loop (`fit` option `callbacks`); each may be async (epoch and train hooks are awaited by `fit`). */
export interface Callback {
  /** Before the first epoch. */
  onTrainBegin?: () => void | Promise<void>;
  /** Before each epoch, after the schedule set its rate; return `false` to stop before training it. */
  onEpochBegin?: (epoch: number, logs: { epoch: number; learningRate: number }) => void | boolean | Promise<void | boolean>;
  /** After each epoch; return `false` to stop training. */
  onEpochEnd?: (epoch: number, logs: EpochLogs) => void | boolean | Promise<void | boolean>;
  /** After each batch, in order (not awaited: batches run in runs between calls). */
  onBatchEnd?: (batch: number, logs: BatchLogs) => void;
  /** After the last epoch, however training ended (not after an error). */
  onTrainEnd?: (history: History) => void | Promise<void>;
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
  /** Stop when a logged figure stops improving (see {@link EarlyStopping}); `true` for the defaults. */
  earlyStopping?: boolean | EarlyStopping;
  /** The learning rate per epoch (see {@link Schedule}). */
  schedule?: Schedule;
  /** Multiply the learning rate by `factor` when a logged figure stops improving; `true` for the defaults. */
  reduceLROnPlateau?: boolean | ReduceLROnPlateau;
  /**
   * Weight of each class in the loss and its gradient: an array (index = class) or an object
   * keyed by class index or label. Classes left out weigh 1. Multiplies `sampleWeight`.
   */
  classWeight?: readonly number[] | Record<string, number>;
  /** Weight of each row (one number ≥ 0 per row of x) in the loss and its gradient. */
  sampleWeight?: ArrayLike<number>;
  /** Figures to log per epoch, for the training and the validation rows: 'accuracy', 'precision', 'recall', 'f1', 'auc' (classification) or 'mae', 'rmse', 'r2' (regression). */
  metrics?: readonly MetricName[];
  /** Hooks called by the loop (see {@link Callback}). */
  callbacks?: readonly Callback[];
}

const FIT_KEYS = ['epochs', 'batchSize', 'shuffle', 'validationData', 'validationSplit', 'onEpochEnd',
  'onBatchEnd', 'signal', 'yieldEvery', 'earlyStopping', 'schedule', 'reduceLROnPlateau', 'classWeight',
  'sampleWeight', 'metrics', 'callbacks'] as const;

/** What carries over from one fit to the next (and into the saved form): see schedule.ts and early-stopping.ts. */
export interface TrainingState {
  /** Epochs completed over all fits. */
  epoch: number;
  schedule?: ScheduleState;
  plateau?: PlateauState;
  earlyStopping?: EarlyStoppingState;
}

/** What the fit loop needs from the model. */
export interface FitHost {
  readonly spec: ResolvedSpec;
  /** The model's network; throws naming `where` when the model was disposed. */
  network(where: string): Network;
  /** Raw rows through the given pipeline (or the model's); encoded input passes unchanged. */
  encode(x: unknown, pipeline?: PipelineLike): unknown;
  /** The model's shuffle stream (kept across fits). */
  readonly shuffleRng: Rng;
  /** Schedules' and early stopping's progress (kept across fits). */
  readonly trainingState: TrainingState;
  /** The model's pipeline (class labels for classWeight). */
  readonly pipeline: PipelineLike | undefined;
  /** Sets the optimizer's learning rate without restarting the schedule. */
  applyLearningRate(value: number): void;
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
  earlyStopping: ResolvedEarlyStopping | undefined;
  schedule: ResolvedSchedule | undefined;
  plateau: ResolvedPlateau | undefined;
  /** Per-class weights (index = class), or undefined. */
  classWeight: Float64Array | undefined;
  /** Per-row weights of the training rows, or undefined. */
  sampleWeight: ArrayLike<number> | undefined;
  /** Metrics beyond loss and accuracy to log each epoch. */
  metrics: MetricName[];
  callbacks: Callback[];
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

function resolveMetrics(where: string, value: unknown, metric: MetricKind, outputs: number): MetricName[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new TypeError(`${where} must be an array of metric names (${METRIC_NAMES.join(', ')}); got ${typeof value}`);
  const out: MetricName[] = [];
  for (const [i, name] of value.entries()) {
    if (typeof name !== 'string' || !(METRIC_NAMES as readonly string[]).includes(name)) {
      const near = typeof name === 'string' ? didYouMean(name, METRIC_NAMES) : undefined;
      throw new TypeError(`${where}[${i}]: unknown metric ${typeof name === 'string' ? `'${name}'` : String(name)}${near ? ` (did you mean '${near}'?)` : ''}; known metrics: ${METRIC_NAMES.join(', ')}`);
    }
    const m = name as MetricName;
    if (metric === 'none' && CLASSIFICATION_METRICS.includes(m)) throw new TypeError(`${where}[${i}]: '${m}' is a classification metric; this model does regression (use ${REGRESSION_METRICS.join(', ')})`);
    if (metric !== 'none' && REGRESSION_METRICS.includes(m)) throw new TypeError(`${where}[${i}]: '${m}' is a regression metric; this model classifies (use ${CLASSIFICATION_METRICS.join(', ')})`);
    if (m === 'auc' && !isBinary(metric, outputs)) throw new TypeError(`${where}[${i}]: 'auc' needs a binary problem (one sigmoid output, or two softmax outputs); this model has ${outputs} outputs`);
    if (m !== 'accuracy' && !out.includes(m)) out.push(m);
  }
  return out;
}

function resolveClassWeight(where: string, value: unknown, metric: MetricKind, outputs: number, pipeline: PipelineLike | undefined): Float64Array | undefined {
  if (value === undefined) return undefined;
  if (metric === 'none' || (metric === 'threshold' && outputs > 1)) {
    throw new TypeError(`${where} needs a classification model with one class per row (a softmax output, or one sigmoid unit); this one ${metric === 'none' ? 'does regression' : 'has several sigmoid outputs (multi-label): use sampleWeight'}`);
  }
  const classes = metric === 'threshold' ? 2 : outputs;
  const weights = new Float64Array(classes).fill(1);
  const check = (name: string, w: unknown): number => {
    if (typeof w !== 'number' || !Number.isFinite(w) || w < 0) throw new RangeError(`${where}${name} is ${String(w)}; a weight must be a finite number ≥ 0`);
    return w;
  };
  if (Array.isArray(value)) {
    if (value.length !== classes) throw new RangeError(`${where} has ${value.length} weights; the model has ${classes} classes`);
    value.forEach((w, i) => { weights[i] = check(`[${i}]`, w); });
    return weights;
  }
  if (typeof value !== 'object' || value === null || ArrayBuffer.isView(value)) throw new TypeError(`${where} must be an array (index = class) or an object keyed by class index or label; got ${value === null ? 'null' : typeof value}`);
  const labels = pipeline?.classes;
  for (const [key, w] of Object.entries(value)) {
    let index = labels ? labels.indexOf(key) : -1;
    if (index < 0 && /^(0|[1-9][0-9]*)$/.test(key) && Number(key) < classes) index = Number(key);
    if (index < 0) {
      const names = labels ? labels.map((l) => `'${l}'`).join(', ') : `0 to ${classes - 1}`;
      throw new RangeError(`${where}: class '${key}' does not exist; the classes are ${names}`);
    }
    weights[index] = check(`['${key}']`, w);
  }
  return weights;
}

function resolveSampleWeight(where: string, value: unknown, rows: number): ArrayLike<number> | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) && !(ArrayBuffer.isView(value) && !(value instanceof DataView))) throw new TypeError(`${where} must be an array of numbers, one per row; got ${value === null ? 'null' : typeof value}`);
  const w = value as ArrayLike<unknown>;
  if (w.length !== rows) throw new RangeError(`${where} has ${w.length} weights; x has ${rows} rows`);
  for (let r = 0; r < rows; r++) {
    const v = w[r];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || !Number.isFinite(Math.fround(v))) throw new RangeError(`${where}[${r}] is ${String(v)}; a weight must be a finite number ≥ 0`);
  }
  return w as ArrayLike<number>;
}

/**
 * The options that steer a run, checked alike by `fit` and the streamed fit: `yieldEvery`
 * (returned, default 10 ms), the `onEpochEnd`/`onBatchEnd` callbacks and `signal`.
 */
export function checkRunControls(where: string, options: Pick<FitOptions, 'yieldEvery' | 'onEpochEnd' | 'onBatchEnd' | 'signal'>): number {
  const yieldEvery = options.yieldEvery ?? 10;
  if (typeof yieldEvery !== 'number' || !(yieldEvery >= 0)) throw new RangeError(`${where}: options.yieldEvery must be a number of milliseconds ≥ 0; got ${String(yieldEvery)}`);
  for (const name of ['onEpochEnd', 'onBatchEnd'] as const) {
    if (options[name] !== undefined && typeof options[name] !== 'function') throw new TypeError(`${where}: options.${name} must be a function; got ${typeof options[name]}`);
  }
  if (options.signal !== undefined && typeof (options.signal as AbortSignal)?.aborted !== 'boolean') {
    throw new TypeError(`${where}: options.signal must be an AbortSignal (from an AbortController); got ${options.signal === null ? 'null' : typeof options.signal}`);
  }
  return yieldEvery;
}

/**
 * Checks `fit`'s arguments and fills in the defaults; reads and checks all data. Touches
 * nothing in the model.
 * @throws TypeError or RangeError naming the option or the row and column that is wrong.
 */
export function resolveFit(where: string, host: FitHost, a: unknown, b: unknown, c: unknown): ResolvedFit {
  const { x, y, options, pipeline } = splitArguments(where, a, b, c);
  checkOptionKeys(`${where}: options`, options, FIT_KEYS);
  if (isDataset(a)) checkOutputAgainstData(where, host.spec, describeData(a));
  const epochs = options.epochs ?? 10;
  if (!Number.isInteger(epochs) || epochs < 0) throw new RangeError(`${where}: options.epochs must be a non-negative integer; got ${String(epochs)}`);
  const batchSize = options.batchSize ?? 32;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`${where}: options.batchSize must be a positive integer; got ${String(batchSize)}`);
  if (batchSize > 1 << 20) throw new RangeError(`${where}: options.batchSize is ${batchSize}, above the limit of ${1 << 20}`);
  const yieldEvery = checkRunControls(where, options);
  if (options.shuffle !== undefined && typeof options.shuffle !== 'boolean') throw new TypeError(`${where}: options.shuffle must be true or false; got ${typeof options.shuffle}`);
  const split = options.validationSplit ?? 0;
  if (typeof split !== 'number' || !(split >= 0 && split < 1)) throw new RangeError(`${where}: options.validationSplit must be a fraction in [0, 1); got ${String(split)}`);
  if (split > 0 && options.validationData !== undefined) throw new TypeError(`${where}: give options.validationData or options.validationSplit, not both`);
  const callbacks = options.callbacks ?? [];
  if (!Array.isArray(callbacks)) throw new TypeError(`${where}: options.callbacks must be an array of { onTrainBegin, onEpochBegin, onEpochEnd, onBatchEnd, onTrainEnd }; got ${typeof callbacks}`);
  callbacks.forEach((cb: unknown, i) => {
    if (typeof cb !== 'object' || cb === null) throw new TypeError(`${where}: options.callbacks[${i}] must be an object of hooks; got ${cb === null ? 'null' : typeof cb}`);
    checkOptionKeys(`${where}: options.callbacks[${i}]`, cb, ['onTrainBegin', 'onEpochBegin', 'onEpochEnd', 'onBatchEnd', 'onTrainEnd']);
    for (const [key, fn] of Object.entries(cb)) if (fn !== undefined && typeof fn !== 'function') throw new TypeError(`${where}: options.callbacks[${i}].${key} must be a function; got ${typeof fn}`);
  });

  // read and check everything before touching the model; with a pipeline, raw rows (records,
  // nested arrays, CSV text) are encoded as predict and evaluate encode them
  const { spec } = host;
  const outputs = spec.layers[spec.layers.length - 1].units;
  const all = prepare(where, spec, host.encode(x, pipeline), y);
  const metric = metricFor(spec, all.targets.kind);
  const metrics = resolveMetrics(`${where}: options.metrics`, options.metrics, metric, outputs);
  const hasValidation = options.validationData !== undefined || split > 0;
  const logged = ['loss', ...(metric !== 'none' ? ['accuracy'] : []), ...metrics];
  if (hasValidation) logged.push(...logged.map(valName));
  const monitor = (w: string, name: unknown, mode: unknown) => resolveMonitor(w, name, mode, logged);
  const earlyStopping = resolveEarlyStopping(`${where}: options.earlyStopping`, options.earlyStopping, monitor);
  const schedule = resolveSchedule(`${where}: options.schedule`, options.schedule);
  const plateau = resolvePlateau(`${where}: options.reduceLROnPlateau`, options.reduceLROnPlateau === false ? undefined : options.reduceLROnPlateau, monitor);
  const classWeight = resolveClassWeight(`${where}: options.classWeight`, options.classWeight, metric, outputs, pipeline ?? host.pipeline);
  const rowsAll = all.features.rows;
  let sampleWeight = resolveSampleWeight(`${where}: options.sampleWeight`, options.sampleWeight, rowsAll);

  let validation: StagedRows | undefined;
  if (options.validationData !== undefined) {
    const v = options.validationData;
    const [vx, vy] = isDataset(v) ? [v.x, v.y] : Array.isArray(v) && v.length === 2 ? v : [undefined, undefined];
    if (vx === undefined) throw new TypeError(`${where}: options.validationData must be [x, y] or a data set { x, y }`);
    validation = toStaged(prepare(`${where}: validationData`, spec, host.encode(vx, pipeline), vy), spec);
  }
  let trainRows = rowsAll;
  let trainStaged: StagedRows | undefined;
  if (split > 0) {
    const held = Math.floor(rowsAll * split);
    if (held < 1 || held >= rowsAll) throw new RangeError(`${where}: options.validationSplit ${split} of ${rowsAll} rows leaves ${held} for validation and ${rowsAll - held} for training; both need at least one`);
    const staged = toStaged(all, spec);
    const inputs = spec.inputs;
    trainRows = rowsAll - held;
    trainStaged = { x: staged.x.subarray(0, trainRows * inputs), y: staged.y.subarray(0, trainRows * outputs), rows: trainRows, kind: staged.kind };
    validation = { x: staged.x.subarray(trainRows * inputs), y: staged.y.subarray(trainRows * outputs), rows: held, kind: staged.kind };
  }
  if (sampleWeight) {
    let total = 0;
    for (let r = 0; r < trainRows; r++) total += sampleWeight[r];
    if (!(total > 0)) throw new RangeError(`${where}: options.sampleWeight gives every training row weight 0; nothing would train`);
    if (trainRows < rowsAll) sampleWeight = Array.prototype.slice.call(sampleWeight, 0, trainRows) as number[];
  }
  return {
    epochs, batchSize, yieldEvery, shuffle: options.shuffle !== false,
    onEpochEnd: options.onEpochEnd, onBatchEnd: options.onBatchEnd, signal: options.signal,
    train: all, trainStaged, trainRows, validation, metric, pipeline,
    earlyStopping, schedule, plateau, classWeight, sampleWeight, metrics, callbacks: [...callbacks],
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
 * Copies the training rows (and their weights) into the model's memory, planning it larger only.
 * After this the model is committed to the run: call only once every check has passed.
 */
export function loadTraining(net: Network, fit: ResolvedFit): number {
  const rows = fit.trainRows;
  const batches = Math.ceil(rows / fit.batchSize);
  net.ensureBatch(Math.min(fit.batchSize, rows));
  net.ensureTrain(rows, batches);
  const f32 = net.ws.f32;
  if (fit.trainStaged) {
    f32.set(fit.trainStaged.x, net.trainX >>> 2);
    f32.set(fit.trainStaged.y, net.trainY >>> 2);
  } else {
    fit.train.features.copyTo(f32, net.trainX >>> 2, net.finiteCheck);
    fit.train.targets.copyTo(f32, net.trainY >>> 2);
  }
  net.metric = fit.metric;
  const weighted = fit.classWeight !== undefined || fit.sampleWeight !== undefined;
  if (weighted) {
    // w_r = classWeight[class of row r] · sampleWeight[r]; the class is the target's argmax (0.5 threshold for one sigmoid unit)
    const n = net.outputs;
    const y = net.trainY >>> 2, w = net.trainWeight >>> 2;
    for (let r = 0; r < rows; r++) {
      let weight = fit.sampleWeight ? fit.sampleWeight[r] : 1;
      if (fit.classWeight) {
        let c = 0;
        if (n === 1) c = f32[y + r] >= 0.5 ? 1 : 0;
        else for (let j = 1; j < n; j++) if (f32[y + r * n + j] > f32[y + r * n + c]) c = j;
        weight *= fit.classWeight[c];
      }
      f32[w + r] = weight;
    }
  }
  net.useTrainingExtras(weighted, fit.metrics.length > 0);
  return batches;
}

/** The error for a refused training step: what went wrong, where, and what to try. */
function failure(net: Network, optimizer: ResolvedOptimizer, epoch: number, batch: number, batches: number): Error {
  const loss = net.ws.f32[(net.losses >>> 2) + batch];
  const status = net.status;
  const what = status === 'loss' ? `the loss became ${loss}`
    : status === 'gradient' ? `a gradient stopped being finite (the loss was ${loss})`
      : `the update grew too large (a weight would move by more than 1e30${OPTIMIZER_TABLE[optimizer.type].reach === 'squared' ? `, or a squared gradient would overflow ${optimizer.type}'s state` : ''})`;
  return new Error(`fit: ${what} at epoch ${epoch + 1}, batch ${batch + 1} of ${batches}; training stopped and `
    + `the weights are left as they were before that step. Scale the inputs (standardise them, e.g. trainTestSplit(data, { scale: 'standard' })) `
    + `or lower the learning rate (now ${optimizer.learningRate}).`);
}

/** The metrics of `rows` rows whose outputs are at float index `pred` and targets at `target`. */
function metricFigures(view: Float32Array, pred: number, target: number, rows: number, n: number, kind: MetricKind, names: readonly MetricName[]): Partial<Record<MetricName, number>> {
  const out: Partial<Record<MetricName, number>> = {};
  if (names.length === 0) return out;
  const figures: Record<string, unknown> = kind === 'none' ? { ...regressionMetrics(view, pred, target, rows, n) } : { ...classificationMetrics(view, pred, target, rows, n, kind) };
  for (const name of names) out[name] = figures[name] as number;
  return out;
}

/** Whether a learning rate can be used: finite, > 0, not 0 in float32, within the spec's limit. */
const usableRate = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v > 0 && Math.fround(v) > 0 && v <= 1e6;

/**
 * The epoch loop over training rows already in memory (see {@link loadTraining}). Yields 'yield'
 * to let the event loop run, or a callback's answer for the driver to settle; the driver resumes
 * it with whether to go on.
 */
export function* trainingRun(host: FitHost, net: Network, fit: ResolvedFit, batches: number): TrainingRun {
  const { spec } = host;
  const state = host.trainingState;
  const { epochs, batchSize, trainRows: rows, validation, yieldEvery, signal, onBatchEnd, onEpochEnd, callbacks, metrics } = fit;
  const k = net.k;
  const metric = net.metric;
  const outputs = spec.layers[spec.layers.length - 1].units;
  const perRowHits = metric === 'threshold' ? outputs : 1;
  const weighted = fit.classWeight !== undefined || fit.sampleWeight !== undefined;
  const history: History = { loss: [], learningRate: [], samplesPerSecond: [], epochs: 0, stopReason: 'completed' };
  const series = history as unknown as Record<string, number[]>;
  const names: string[] = [...(metric !== 'none' ? ['accuracy'] : []), ...metrics];
  const logged = [...names, ...(validation ? ['valLoss', ...names.map(valName)] : [])];
  for (const name of logged) series[name] = [];
  const validationRows = validation && fromStaged('fit: validationData: x', validation, spec);
  const batchCallbacks = callbacks.filter((cb) => cb.onBatchEnd);

  // schedules and early stopping continue from the model's state when they are the same as last time
  // (a fit without one of them drops its state: only the fit right after continues it)
  const { schedule, plateau, earlyStopping } = fit;
  const startSchedule = () => {
    if (schedule && schedule.kind !== 'function' && state.schedule?.key !== schedule.key) {
      state.schedule = { key: schedule.key, start: state.epoch, base: spec.optimizer.learningRate, period: schedule.epochs || epochs };
    }
  };
  if (!schedule || schedule.kind === 'function') state.schedule = undefined;
  startSchedule();
  state.plateau = plateau && (state.plateau?.key === plateau.key ? state.plateau : { key: plateau.key, best: NaN, wait: 0, cooldown: 0 });
  state.earlyStopping = earlyStopping && (state.earlyStopping?.key === earlyStopping.key ? state.earlyStopping : freshEarlyStopping(earlyStopping));
  if (earlyStopping?.restoreBestWeights && state.earlyStopping && !state.earlyStopping.weights) {
    state.earlyStopping.weights = new Float32Array(net.snapshotFloats);
    net.saveSnapshot(state.earlyStopping.weights);
  }
  const firstEpoch = state.epoch;

  for (const cb of callbacks) {
    const answer = cb.onTrainBegin?.();
    if (answer !== undefined) yield answer as Promise<void>;
  }
  let chunk = 1;
  // with both a signal and a batch callback, a callback may abort: run one batch at a time so
  // that training stops right after the batch whose callback aborted
  const exact = signal !== undefined && (onBatchEnd !== undefined || batchCallbacks.length > 0);
  let stop: History['stopReason'] | undefined;
  for (let epoch = 0; epoch < epochs && !stop; epoch++) {
    if (signal?.aborted) {
      stop = 'aborted';
      break;
    }
    if (schedule) {
      // a rate set by hand (model.learningRate, say in a callback) restarts the schedule from it
      startSchedule();
      const current = spec.optimizer.learningRate;
      const rate = schedule.fn ? schedule.fn(state.epoch, current) : scheduledRate(schedule, state.schedule!, state.epoch - state.schedule!.start);
      if (!usableRate(rate)) {
        throw new RangeError(`fit: options.schedule gave the learning rate ${typeof rate === 'number' ? rate : typeof rate} for epoch ${epoch} of this fit (the model's epoch ${state.epoch}); `
          + `a learning rate must be a finite number greater than 0 (and at most 1e6, not 0 in float32). Training stopped before that epoch; the model is as it was after the epoch before.`);
      }
      host.applyLearningRate(rate);
    }
    for (const cb of callbacks) {
      if (!cb.onEpochBegin) continue;
      const answer = cb.onEpochBegin(epoch, { epoch, learningRate: spec.optimizer.learningRate });
      const goOn = answer === undefined ? true : yield answer;
      if (goOn === false) stop = 'callback';
    }
    if (stop) break;
    const learningRate = spec.optimizer.learningRate;
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
        for (const cb of callbacks) {
          const answer = cb.onTrainEnd?.(history);
          if (answer !== undefined) yield answer as Promise<void>;
        }
        return history;
      }
      const count = Math.min(chunk, batches - first);
      const t0 = now();
      const done = k.network_train_batches(net.plan, net.trainX, net.trainY, net.order, rows, batchSize,
        first, count, net.losses, net.correct);
      const elapsed = now() - t0;
      busy += elapsed;
      if (done < count) throw failure(net, spec.optimizer, epoch, first + done, batches);
      if (onBatchEnd || batchCallbacks.length > 0) {
        for (let b = first; b < first + count; b++) {
          const size = Math.min(batchSize, rows - b * batchSize);
          // views are read per batch: a callback may grow memory (evaluate on more rows)
          const logs: BatchLogs = { epoch, batch: b, size, loss: net.ws.f32[(net.losses >>> 2) + b] };
          if (metric !== 'none') logs.accuracy = net.ws.i32[(net.correct >>> 2) + b] / (size * perRowHits);
          onBatchEnd?.(b, logs);
          for (const cb of batchCallbacks) cb.onBatchEnd!(b, logs);
        }
      }
      // size the next run of batches to last about yieldEvery ms
      const perBatch = elapsed / count;
      chunk = exact ? 1 : Math.max(1, Math.min(batches, Math.floor(yieldEvery / Math.max(perBatch, 1e-3))));
      first += count;
      if (first < batches || epoch + 1 < epochs) yield 'yield';
    }
    const seconds = busy / 1000;
    // epoch figures: the row-weighted mean of batch losses (Σ w·loss / Σ w with weights), hits over all rows
    const f32 = net.ws.f32, i32 = net.ws.i32;
    let lossSum = 0, weightSum = 0, hits = 0;
    for (let b = 0; b < batches; b++) {
      const start = b * batchSize;
      const size = Math.min(batchSize, rows - start);
      let w = size;
      if (weighted) {
        w = 0;
        for (let r = start; r < start + size; r++) w += f32[(net.trainWeight >>> 2) + order[r]];
      }
      if (w > 0) lossSum += f32[(net.losses >>> 2) + b] * w;
      weightSum += w;
      hits += i32[(net.correct >>> 2) + b];
    }
    const logs: EpochLogs = { epoch, loss: lossSum / weightSum, learningRate, seconds, samplesPerSecond: rows / Math.max(seconds, 1e-9) };
    const figures = logs as unknown as Record<string, number>;
    if (metric !== 'none') logs.accuracy = hits / (rows * perRowHits);
    Object.assign(logs, metricFigures(f32, net.trainOut >>> 2, net.trainY >>> 2, rows, outputs, metric, metrics));
    if (validationRows) {
      const count = stage(net, validationRows.features, validationRows.targets);
      const v = score(net, spec, count, metric);
      logs.valLoss = v.loss;
      if (v.accuracy !== undefined) logs.valAccuracy = v.accuracy;
      const vm = metricFigures(net.ws.f32, net.evalOut >>> 2, net.evalY >>> 2, count, outputs, metric, metrics);
      for (const [name, value] of Object.entries(vm)) figures[valName(name)] = value;
    }
    history.loss.push(logs.loss);
    history.learningRate.push(learningRate);
    history.samplesPerSecond.push(logs.samplesPerSecond);
    for (const name of logged) series[name].push(figures[name]);
    history.epochs = epoch + 1;
    state.epoch++;

    if (plateau) {
      const reduced = plateauStep(plateau, state.plateau!, figures[plateau.monitor], spec.optimizer.learningRate);
      if (reduced !== undefined && usableRate(reduced)) {
        if (state.schedule && schedule && schedule.kind !== 'function') state.schedule.base *= reduced / spec.optimizer.learningRate;
        host.applyLearningRate(reduced);
      }
    }
    if (earlyStopping) {
      const es = state.earlyStopping!;
      const step = earlyStoppingStep(earlyStopping, es, figures[earlyStopping.monitor], state.epoch);
      if (step === 'improved' && es.weights) net.saveSnapshot(es.weights);
      history.bestEpoch = es.bestEpoch - 1 - firstEpoch;
      if (step === 'stop') stop = 'earlyStopping';
    }
    const hooks = [...(onEpochEnd ? [onEpochEnd] : []), ...callbacks.filter((cb) => cb.onEpochEnd).map((cb) => cb.onEpochEnd!)];
    for (const hook of hooks) {
      const answer = hook(epoch, logs);
      const goOn = answer === undefined ? true : yield answer;
      if (goOn === false && !stop) stop = 'callback';
    }
  }
  if (stop) history.stopReason = stop;
  if (stop === 'earlyStopping') {
    const es = state.earlyStopping!;
    if (es.weights) net.restoreSnapshot(es.weights);
    // training ended by early stopping: a later fit starts it afresh
    state.earlyStopping = undefined;
  }
  for (const cb of callbacks) {
    const answer = cb.onTrainEnd?.(history);
    if (answer !== undefined) yield answer as Promise<void>;
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
