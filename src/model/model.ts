/**
 * The model: a stack of dense layers with its own wasm instance and memory, trained by the wasm
 * network driver in runs of batches. This file holds the public `Model` class and
 * `createModel`; the fit loop and its options are in fit.ts, evaluation staging in evaluate.ts,
 * the memory layout in network.ts, input checking in inputs.ts, the spec in spec.ts, the saved
 * form in ../io/json.ts. A model's memory is collected with the model: there is nothing to free
 * by hand.
 */
import type { Matrix } from '../types.js';
import type { KernelExports } from '../runtime/abi.js';
import { createMemory, type KernelFactory } from '../runtime/module.js';
import { createRuntime, type ModelRuntime } from '../runtime/runtime.js';
import type { WorkerPool } from '../runtime/threads.js';
import { createRng, type Rng } from '../data/random.js';
import { checkKeys, checkLearningRate, KERNELS, parameterCount, resolveSpec, resolveThreads, type KernelsName, type ModelSpec, type ResolvedSpec,
  type ResolvedOptimizer } from './spec.js';
import { Network } from './network.js';
import { initialiseWeights } from './init.js';
import { columnText, isMatrix, readFeatures, rowText, type Features } from './inputs.js';
import { fullScore, metricFor, prepare, stage, type Evaluation } from './evaluate.js';
import { driveAsync, driveSync, isDataset, loadTraining, resolveFit, trainingRun, type DatasetLike, type FitHost,
  type FitOptions, type History, type PipelineLike, type TrainingRun, type TrainingState } from './fit.js';
import { modelToJSON, type SaveOptions } from '../io/json.js';
import { specFromData, type DataModelSpec } from './agreement.js';
import { fitBatches, isBatchSource, resolveStreamFit, type StreamFitOptions } from './fit-stream.js';
import { summarize, summaryText, type Summary } from './summary.js';
import type { ModelJSON } from '../io/format.js';

export type { BatchLogs, Callback, DatasetLike, EarlyStopping, EpochLogs, FitOptions, History, MetricFigures, PipelineLike, ReduceLROnPlateau, Schedule } from './fit.js';
export type { Evaluation } from './evaluate.js';
export type { DataModelSpec } from './agreement.js';
export type { StreamFitOptions } from './fit-stream.js';
export type { Summary, SummaryLayer } from './summary.js';
export type { PerClass } from './metrics.js';

/** The typed arrays that hold numbers (all but the BigInt ones). */
export type NumericArray = Float32Array | Float64Array | Int8Array | Uint8Array | Uint8ClampedArray | Int16Array
  | Uint16Array | Int32Array | Uint32Array;

/** Options of `createModel` and `loadModel` beyond the spec. */
export interface CreateOptions {
  /** Overrides the spec's `threads` (a saved model does not keep it). */
  threads?: number | 'auto';
  /** Overrides the spec's `kernels` (a saved model does not keep it). */
  kernels?: KernelsName;
  /**
   * Instantiates the kernel module yourself (e.g. dist/neuronine.wasm compiled by streaming):
   * called with the imports (`{ env: { memory } }`, a fresh memory) and returns the instance or
   * its exports. The model then runs on one thread. Default: the embedded module.
   */
  instantiate?: KernelFactory;
}

/** Stops the workers of models that were garbage-collected without dispose(). */
const orphans = typeof FinalizationRegistry === 'function' ? new FinalizationRegistry<WorkerPool>((pool) => pool.dispose()) : undefined;

/**
 * One layer's parameters as `getWeights` gives them: a dense layer's `weight` (inputs × units,
 * row-major) and `bias`; a batch normalization's γ (`weight`), β (`bias`) and moving statistics;
 * a dropout layer's two empty arrays.
 */
export interface LayerWeights {
  weight: Float32Array;
  bias: Float32Array;
  movingMean?: Float32Array;
  movingVariance?: Float32Array;
}

/**
 * A multi-layer perceptron with its own WebAssembly memory. Create one with {@link createModel}
 * or {@link loadModel}.
 *
 * @example
 * const model = await createModel({ inputs: 2, layers: [{ units: 8, activation: 'tanh' }, { units: 1, activation: 'sigmoid' }] });
 * await model.fit([[0, 0], [0, 1], [1, 0], [1, 1]], [0, 1, 1, 0], { epochs: 500, batchSize: 4 });
 * model.predict([[1, 0]]); // [[0.97…]]
 */
export class Model implements FitHost {
  /** The validated spec, defaults filled in. */
  readonly spec: ResolvedSpec;
  /** The data pipeline that encodes raw rows, when the model was trained on a data set that has one. */
  pipeline: PipelineLike | undefined;
  private net: Network | undefined;
  /** The shuffle stream, kept across fits. @internal */
  shuffleRng: Rng;
  /** Schedules' and early stopping's progress, kept across fits (and saved). @internal */
  trainingState: TrainingState = { epoch: 0 };
  private training = false;
  private pool: WorkerPool | undefined;
  private threadCount: number;
  private note: string | undefined;
  private build: 'portable' | 'relaxed';
  /** Why every call is refused, once a worker died in the middle of an optimizer update. */
  private broken: string | undefined;

  /** @internal use createModel or loadModel */
  constructor(kernels: KernelExports, spec: ResolvedSpec, runtime?: ModelRuntime) {
    this.spec = spec;
    this.threadCount = runtime?.threads ?? 1;
    this.note = runtime?.note;
    this.build = runtime?.build ?? 'portable';
    if (runtime && runtime.threads > 1) {
      // a trap that a worker caused becomes an Error naming it, and the model goes on with one thread
      kernels = runtime.wrap(kernels, () => {
        const failure = this.pool?.takeFailure();
        if (failure !== undefined) {
          this.dropThreads(`running on 1 thread: a worker failed (${failure.message})`);
          // a worker that died during the optimizer update left the parameters half-updated
          if (failure.unsafe) this.broken = `a worker thread failed during an optimizer update, which left the parameters half-updated (${failure.message}); create or load the model again`;
        }
        return failure;
      });
    }
    this.net = new Network(kernels, spec, this.threadCount);
    if (runtime && runtime.threads > 1) {
      this.pool = runtime.startWorkers(this.net.board);
      orphans?.register(this, this.pool, this);
    }
    // a stream of its own, so that init and shuffling do not depend on each other
    this.shuffleRng = createRng((createRng(spec.seed).uint32() ^ 0x9e3779b9) >>> 0);
    initialiseWeights(spec.layers, spec.init, spec.seed, this.layerViews());
  }

  /** The seed of initialisation and shuffling. */
  get seed(): number {
    return this.spec.seed;
  }
  /** Input features per row. */
  get inputs(): number {
    return this.spec.inputs;
  }
  /** Output units. */
  get outputs(): number {
    return this.spec.layers[this.spec.layers.length - 1].units;
  }
  /** Trainable parameters (weights and biases). */
  get parameterCount(): number {
    return parameterCount(this.spec.layers);
  }
  /** Optimizer steps taken so far. */
  get steps(): number {
    return this.network('steps').step;
  }
  /** The optimizer's learning rate; may be changed between (or during) fits. */
  get learningRate(): number {
    return this.spec.optimizer.learningRate;
  }
  set learningRate(value: number) {
    if (value === undefined) throw new RangeError('model.learningRate must be a number in [0, 1000000]; got undefined');
    this.applyLearningRate(checkLearningRate('model.learningRate', value));
    // a rate set by hand is the base a schedule starts from next time
    this.trainingState.schedule = undefined;
  }

  /** Sets the learning rate without restarting the schedule (the fit loop's schedules use it). @internal */
  applyLearningRate(value: number): void {
    const net = this.network('learningRate');
    (this.spec.optimizer as ResolvedOptimizer).learningRate = value;
    net.writeOptimizer();
  }
  /** Epochs trained over all fits (schedules count from it). */
  get epochs(): number {
    return this.trainingState.epoch;
  }
  /**
   * Threads that train and predict: what the spec's `threads` came to on this engine (`'auto'`:
   * the cores, 1 for a small network), 1 where threads are unavailable (`threadsNote` says why).
   */
  get threads(): number {
    return this.threadCount;
  }
  /** Why the model runs on fewer threads than its spec asked for, if it does. */
  get threadsNote(): string | undefined {
    return this.note;
  }
  /** The kernel build in use: `'portable'` or `'relaxed'` (what the spec's `kernels` came to). */
  get kernels(): 'portable' | 'relaxed' {
    return this.build;
  }

  private dropThreads(note: string): void {
    this.pool?.dispose();
    if (this.pool) orphans?.unregister(this);
    this.pool = undefined;
    this.threadCount = 1;
    this.note = note;
  }

  /** Bytes of WebAssembly memory this model holds. */
  get memoryBytes(): number {
    return this.network('memoryBytes').ws.byteLength;
  }

  /** The network, or an error naming `where` once disposed. @internal */
  network(where: string): Network {
    if (!this.net) throw new Error(`model.${where}: the model was disposed`);
    if (this.broken) throw new Error(`model.${where}: ${this.broken}`);
    return this.net;
  }

  /** Live views of each layer's blocks (see {@link LayerWeights}); do not keep them. @internal */
  layerViews(): LayerWeights[] {
    const net = this.network('weights');
    const f32 = net.ws.f32;
    const view = (address: number, length: number) => f32.subarray(address >>> 2, (address >>> 2) + length);
    return this.spec.layers.map((layer, i) => {
      const b = net.blocks[i];
      const views: LayerWeights = { weight: view(b.weight, b.weightFloats), bias: view(b.bias, b.biasFloats) };
      if (b.movingMean) {
        views.movingMean = view(b.movingMean, layer.units);
        views.movingVariance = view(b.movingVariance, layer.units);
      }
      return views;
    });
  }

  /**
   * Copies of every layer's parameters, one entry per layer. Dense: `weight` (inputs × units,
   * row-major) and `bias` (units). Batch normalization: `weight` is γ, `bias` is β (units each, as
   * PyTorch names them), with `movingMean` and `movingVariance`. Dropout: both empty.
   *
   * @example
   * const [{ weight, bias }] = model.getWeights();
   */
  getWeights(): LayerWeights[] {
    return this.layerViews().map((views) => {
      const copy: LayerWeights = { weight: views.weight.slice(), bias: views.bias.slice() };
      if (views.movingMean && views.movingVariance) {
        copy.movingMean = views.movingMean.slice();
        copy.movingVariance = views.movingVariance.slice();
      }
      return copy;
    });
  }

  /**
   * Replaces every layer's parameters (shapes as `getWeights` gives them; a batch normalization's
   * `movingMean` and `movingVariance` may be left out to keep them). Everything is checked before
   * anything is written.
   */
  setWeights(layers: readonly { weight: ArrayLike<number>; bias: ArrayLike<number>; movingMean?: ArrayLike<number>; movingVariance?: ArrayLike<number> }[]): void {
    const where = 'model.setWeights';
    if (!Array.isArray(layers) || layers.length !== this.spec.layers.length) {
      throw new RangeError(`${where}: expected an array of ${this.spec.layers.length} layers { weight, bias }; got ${Array.isArray(layers) ? `${layers.length}` : typeof layers}`);
    }
    const views = this.layerViews();
    this.spec.layers.forEach((spec, i) => {
      const layer = layers[i];
      if (!layer || !layer.weight || !layer.bias) throw new TypeError(`${where}: layers[${i}] must be { weight, bias }`);
      const normalization = spec.type === 'batchNormalization';
      const checks: [string, ArrayLike<number> | undefined, number][] = [['weight', layer.weight, views[i].weight.length], ['bias', layer.bias, views[i].bias.length]];
      if (normalization) checks.push(['movingMean', layer.movingMean, spec.units], ['movingVariance', layer.movingVariance, spec.units]);
      else if (layer.movingMean !== undefined || layer.movingVariance !== undefined) {
        throw new TypeError(`${where}: layers[${i}] is a '${spec.type}' layer; movingMean and movingVariance belong to batchNormalization layers`);
      }
      for (const [name, values, length] of checks) {
        if (values === undefined) continue;
        const shape = spec.type === 'dense' && name === 'weight' ? ` (${spec.inputs} inputs × ${spec.units} units)`
          : spec.type === 'dropout' ? ' (a dropout layer has no weights)' : '';
        if (values.length !== length) throw new RangeError(`${where}: layers[${i}].${name} has ${values.length} values; expected ${length}${shape}`);
        for (let j = 0; j < length; j++) {
          if (typeof values[j] !== 'number' || !Number.isFinite(values[j])) throw new RangeError(`${where}: layers[${i}].${name}[${j}] is ${String(values[j])}; expected a finite number`);
          if (!Number.isFinite(Math.fround(values[j]))) {
            throw new RangeError(`${where}: layers[${i}].${name}[${j}] is ${values[j]}, outside float32's finite range (±${FLOAT32_MAX_TEXT}); the model stores weights as float32`);
          }
          if (name === 'movingVariance' && values[j] < 0) throw new RangeError(`${where}: layers[${i}].movingVariance[${j}] is ${values[j]}; a variance is at least 0`);
        }
      }
    });
    this.layerViews().forEach((view, i) => {
      const layer = layers[i];
      view.weight.set(layer.weight);
      view.bias.set(layer.bias);
      if (view.movingMean && layer.movingMean) view.movingMean.set(layer.movingMean);
      if (view.movingVariance && layer.movingVariance) view.movingVariance.set(layer.movingVariance);
    });
  }

  /**
   * Trains the model. Takes `(x, y, options)` or `(dataset, options)`; resolves with the
   * per-epoch history. Yields to the event loop every `yieldEvery` ms so a page stays
   * responsive; an aborted `signal` ends training after the current batch.
   *
   * @throws RangeError/TypeError for bad data or options (before anything is trained); Error when
   * the loss or a gradient stops being finite (the weights are left as they were before that step).
   *
   * @example
   * const history = await model.fit(x, labels, { epochs: 20, batchSize: 32, validationSplit: 0.1 });
   * console.log(history.loss.at(-1), history.valAccuracy?.at(-1));
   */
  fit(data: DatasetLike, options?: FitOptions): Promise<History>;
  fit(batches: AsyncIterable<{ x: unknown; y: unknown }> | Iterable<{ x: unknown; y: unknown }>, options?: StreamFitOptions): Promise<History>;
  fit(x: unknown, y: unknown, options?: FitOptions): Promise<History>;
  async fit(x: unknown, y?: unknown, options?: FitOptions): Promise<History> {
    if (isBatchSource(x)) return this.fitSource('fit', x, y);
    const run = this.startRun('fit', x, y, options);
    try {
      return await driveAsync(run);
    } finally {
      this.training = false;
    }
  }

  /**
   * The synchronous twin of `fit` for scripts and workers: blocks until training ends. An
   * `onEpochEnd` that returns a promise is not awaited.
   */
  fitSync(data: DatasetLike, options?: FitOptions): History;
  fitSync(x: unknown, y: unknown, options?: FitOptions): History;
  fitSync(x: unknown, y?: unknown, options?: FitOptions): History {
    const run = this.startRun('fitSync', x, y, options);
    try {
      return driveSync(run);
    } finally {
      this.training = false;
    }
  }

  /** `fit` on a source of batches (fit-stream.ts): every check first, then one step per batch. */
  private async fitSource(where: string, source: AsyncIterable<unknown> | Iterable<unknown>, options: unknown): Promise<History> {
    this.network(where);
    if (this.training) throw new Error(`${where}: this model is already training; wait for the running fit to end`);
    const fit = resolveStreamFit(where, this, source, options);
    if (fit.pipeline) this.pipeline = fit.pipeline;
    this.training = true;
    try {
      return await fitBatches(where, this, source, fit);
    } finally {
      this.training = false;
    }
  }

  /** Checks everything, loads the training rows and starts the epoch loop; the model changes only once all checks pass. */
  private startRun(where: string, a: unknown, b: unknown, c: unknown): TrainingRun {
    const net = this.network(where);
    if (this.training) throw new Error(`${where}: this model is already training; wait for the running fit to end`);
    const fit = resolveFit(where, this, a, b, c);
    const batches = loadTraining(net, fit);
    if (fit.pipeline) this.pipeline = fit.pipeline;
    this.training = true;
    return trainingRun(this, net, fit, batches);
  }

  /**
   * Raw rows (records, nested arrays, CSV text) through the pipeline — the data set's being fitted,
   * else the model's; matrices and typed arrays are already encoded and pass unchanged.
   */
  encode(x: unknown, pipeline = this.pipeline): unknown {
    return pipeline && !isNumericInput(x) ? pipeline.transform(x) : x;
  }

  /** Runs rows through the network into the evaluation area; returns the row count. */
  private forward(where: string, x: unknown): Features {
    const net = this.network(where);
    const features = readFeatures(`${where}: x`, this.encode(x), this.spec.inputs);
    stage(net, features);
    checkOutputsFinite(where, net, features.rows, this.outputs);
    return features;
  }

  /**
   * The network's outputs for each row: probabilities for softmax/sigmoid outputs, values for
   * regression. Rows given as `number[][]` (or raw records, with a pipeline) come back as
   * `number[][]`; a matrix or flat typed array comes back as a `Matrix`.
   *
   * @example
   * const [[pSetosa, pVersicolor, pVirginica]] = model.predict([[5.1, 3.5, 1.4, 0.2]]);
   */
  predict(x: readonly ArrayLike<number>[] | readonly (readonly unknown[])[] | readonly Record<string, unknown>[] | string): number[][];
  predict(x: Matrix | NumericArray): Matrix;
  predict(x: readonly ArrayLike<number>[] | readonly (readonly unknown[])[] | readonly Record<string, unknown>[] | string | Matrix | NumericArray): number[][] | Matrix;
  predict(x: unknown): number[][] | Matrix {
    const features = this.forward('predict', x);
    const net = this.network('predict');
    const n = this.outputs;
    const start = net.evalOut >>> 2;
    const data = net.ws.f32.slice(start, start + features.rows * n);
    if (!features.nested && (isMatrix(x) || ArrayBuffer.isView(x))) return { rows: features.rows, cols: n, data };
    const out: number[][] = new Array(features.rows);
    for (let r = 0; r < features.rows; r++) out[r] = Array.from(data.subarray(r * n, r * n + n));
    return out;
  }

  /**
   * The predicted class of each row: the largest output's index (for one sigmoid output, 1 when
   * it is at least 0.5). With a pipeline that knows the class labels, the labels instead.
   *
   * @example
   * model.predictClass([{ sepal_length: 5.1, sepal_width: 3.5, petal_length: 1.4, petal_width: 0.2 }]); // ['setosa']
   */
  predictClass(x: unknown): (number | string)[] {
    const features = this.forward('predictClass', x);
    const net = this.network('predictClass');
    const n = this.outputs;
    const f32 = net.ws.f32;
    const start = net.evalOut >>> 2;
    const out: (number | string)[] = new Array(features.rows);
    for (let r = 0; r < features.rows; r++) {
      let best = 0;
      if (n === 1) best = f32[start + r] >= 0.5 ? 1 : 0;
      else for (let j = 1; j < n; j++) if (f32[start + r * n + j] > f32[start + r * n + best]) best = j;
      out[r] = this.pipeline?.decode && this.pipeline.classes ? this.pipeline.decode(best) : best;
    }
    return out;
  }

  /**
   * Scores the model on a data set, without training: the loss and, for classification,
   * accuracy, precision, recall, f1 (macro averages; the positive class for one sigmoid output),
   * the confusion matrix, per-class figures and, for binary problems, the ROC AUC; for regression
   * mae, rmse and r2.
   *
   * @example
   * const { loss, accuracy, f1, confusionMatrix } = model.evaluate(test.x, test.y);
   */
  evaluate(x: unknown, y?: unknown): Evaluation {
    const where = 'evaluate';
    const net = this.network(where);
    const data = isDataset(x) ? x : { x, y };
    const { features, targets } = prepare(where, this.spec, this.encode(data.x), data.y);
    const rows = stage(net, features, targets);
    checkOutputsFinite(where, net, rows, this.outputs);
    return fullScore(net, this.spec, rows, metricFor(this.spec, targets.kind));
  }

  /**
   * The model as plain JSON (versioned format, weights as base64 float32), for `loadModel`.
   * `JSON.stringify(model)` gives the same. The optimizer's state, the shuffle stream's position
   * and the schedule's and early stopping's progress are saved too, so a loaded model trains on
   * exactly as this one would; `{ optimizer: false }` leaves the optimizer state out (a smaller
   * file; that model restarts its moments).
   *
   * @example
   * localStorage.setItem('model', JSON.stringify(model));
   * const again = await loadModel(localStorage.getItem('model')!);
   */
  toJSON(options?: SaveOptions): ModelJSON {
    // JSON.stringify passes the property name (a string) as the argument
    if (options !== undefined && (typeof options !== 'object' || options === null)) return modelToJSON(this);
    if (options !== undefined) checkKeys('model.toJSON: options', options, ['optimizer']);
    return modelToJSON(this, options);
  }

  /**
   * The layers as a text table like Keras's `model.summary()` (layer, kind, activation, output
   * shape, parameters, totals), or with `{ json: true }` the same as data.
   *
   * @example
   * console.log(model.summary());
   * model.summary({ json: true }).totalParameters; // 67
   */
  summary(options: { json: true }): Summary;
  summary(options?: { json?: false }): string;
  summary(options: { json?: boolean } = {}): string | Summary {
    if (typeof options !== 'object' || options === null) throw new TypeError(`model.summary: options must be an object { json }; got ${options === null ? 'null' : typeof options}`);
    checkKeys('model.summary: options', options, ['json']);
    const summary = summarize(this.spec);
    return options.json ? summary : summaryText(summary);
  }

  /** Drops the model's memory early; any later call throws. */
  dispose(): void {
    if (this.training) throw new Error('model.dispose: the model is training; abort the fit first');
    this.pool?.dispose();
    if (this.pool) orphans?.unregister(this);
    this.pool = undefined;
    this.net = undefined;
  }

  /** The optimizer step counter (for save/load). @internal */
  setSteps(steps: number): void {
    this.network('setSteps').step = steps;
  }
}

/** The largest finite float32, as messages print it. */
const FLOAT32_MAX_TEXT = '3.4028235e38';

/**
 * Throws a RangeError naming the first row whose outputs overflowed float32 to NaN or Infinity
 * (the forward pass just ran), instead of handing them back as numbers.
 */
function checkOutputsFinite(where: string, net: Network, rows: number, outputs: number): void {
  const start = net.evalOut >>> 2;
  if (net.finiteCheck(start, rows * outputs)) return;
  const f32 = net.ws.f32;
  let i = 0;
  while (Number.isFinite(f32[start + i])) i++;
  const r = Math.floor(i / outputs);
  throw new RangeError(`${where}: the outputs of ${rowText(r)} are not finite (${columnText(i % outputs)} is ${f32[start + i]}): ` +
    `a value passed float32's range (±${FLOAT32_MAX_TEXT}) inside the network; scale the inputs (their size times the weights overflowed)`);
}

/**
 * Whether x is already-encoded features. With a pipeline, a matrix or typed array (what data sets
 * hold) is encoded; arrays of rows, records and CSV text are raw rows for the pipeline.
 */
function isNumericInput(x: unknown): boolean {
  return isMatrix(x) || ArrayBuffer.isView(x);
}

/**
 * Builds a model: validates the spec, instantiates its own wasm memory and initialises the
 * weights from the seed.
 *
 * @throws TypeError/RangeError naming the field that is wrong, what was expected and what came.
 *
 * @example
 * const model = await createModel({
 *   inputs: 4,
 *   layers: [{ units: 16, activation: 'relu' }, { units: 3, activation: 'softmax' }],
 *   loss: 'crossEntropy',
 *   optimizer: { type: 'adam', learningRate: 0.01 },
 *   seed: 42,
 * });
 */
export async function createModel(spec: ModelSpec | DataModelSpec, options: CreateOptions = {}): Promise<Model> {
  const { spec: plain, pipeline } = specFromData('createModel', spec);
  const resolved = resolveSpec(plain);
  if (typeof options !== 'object' || options === null) throw new TypeError(`createModel: options must be an object; got ${options === null ? 'null' : typeof options}`);
  if (options.threads !== undefined) resolved.threads = resolveThreads('createModel: options.threads', options.threads);
  if (options.kernels !== undefined) {
    if (!KERNELS.includes(options.kernels)) throw new TypeError(`createModel: options.kernels must be one of ${KERNELS.map((k) => `'${k}'`).join(', ')}; got ${String(options.kernels)}`);
    resolved.kernels = options.kernels;
  }
  let model: Model;
  if (options.instantiate) {
    if (typeof options.instantiate !== 'function') throw new TypeError(`createModel: options.instantiate must be a function; got ${typeof options.instantiate}`);
    const memory = createMemory(false);
    const made = await options.instantiate({ env: { memory } }) as { exports?: object; memory?: unknown };
    const exports = (made instanceof WebAssembly.Instance ? made.exports : made) as KernelExports;
    model = new Model({ ...exports, memory: exports.memory ?? memory }, resolved);
  } else {
    const runtime = await createRuntime(resolved);
    model = new Model(runtime.kernels, resolved, runtime);
  }
  if (pipeline !== undefined) model.pipeline = pipeline as PipelineLike;
  return model;
}
