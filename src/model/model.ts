/**
 * The model: a stack of dense layers with its own wasm instance and memory, trained by the wasm
 * network driver in runs of batches. This file holds the public `Model` class and
 * `createModel`; the memory layout is in network.ts, input checking in inputs.ts, the spec in
 * spec.ts. A model's memory is collected with the model: there is nothing to free by hand.
 */
import type { Matrix } from '../types.js';
import type { KernelExports } from '../runtime/abi.js';
import { instantiateKernels, type KernelFactory } from '../runtime/module.js';
import { createRng, type Rng } from '../data/random.js';
import { checkKeys, parameterCount, resolveSpec, type ModelSpec, type ResolvedSpec, type ResolvedOptimizer } from './spec.js';
import { Network } from './network.js';
import { initialiseWeights } from './init.js';
import { isMatrix, readFeatures, readTargets, type Features, type Targets } from './inputs.js';
import { encodeFloats, FORMAT, VERSION, type ModelJSON } from '../io/format.js';

/** The typed arrays that hold numbers (all but the BigInt ones). */
export type NumericArray = Float32Array | Float64Array | Int8Array | Uint8Array | Uint8ClampedArray | Int16Array
  | Uint16Array | Int32Array | Uint32Array;

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

/** `evaluate`'s answer. */
export interface Evaluation {
  loss: number;
  /** For classification models (argmax for softmax outputs, the 0.5 threshold for sigmoid outputs). */
  accuracy?: number;
}

/** Options of `createModel` beyond the spec. */
export interface CreateOptions {
  /** Supplies the kernel instance (tests use it to run on the debug build). */
  kernels?: KernelFactory;
}

const FIT_KEYS = ['epochs', 'batchSize', 'shuffle', 'validationData', 'validationSplit', 'onEpochEnd',
  'onBatchEnd', 'signal', 'yieldEvery'] as const;

interface Prepared {
  features: Features;
  targets: Targets;
}

const now = (): number => (typeof performance !== 'undefined' ? performance.now() : Date.now());

/** Lets the event loop run (timers, input, rendering) between runs of batches. */
function yieldToEventLoop(): Promise<void> {
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

function isDataset(x: unknown): x is DatasetLike {
  return typeof x === 'object' && x !== null && !Array.isArray(x) && !ArrayBuffer.isView(x)
    && 'x' in x && 'y' in x && !isMatrix(x);
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
export class Model {
  /** The validated spec, defaults filled in. */
  readonly spec: ResolvedSpec;
  /** The data pipeline that encodes raw rows, when the model was trained on a data set that has one. */
  pipeline: PipelineLike | undefined;
  private net: Network | undefined;
  private shuffleRng: Rng;
  private training = false;

  /** @internal use createModel or loadModel */
  constructor(kernels: KernelExports, spec: ResolvedSpec) {
    this.spec = spec;
    this.net = new Network(kernels, spec);
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
    if (typeof value !== 'number' || !(value > 0) || !Number.isFinite(value)) {
      throw new RangeError(`model.learningRate must be a finite number greater than 0; got ${String(value)}`);
    }
    const net = this.network('learningRate');
    (this.spec.optimizer as ResolvedOptimizer).learningRate = value;
    net.writeOptimizer();
  }
  /** Bytes of WebAssembly memory this model holds. */
  get memoryBytes(): number {
    return this.network('memoryBytes').ws.byteLength;
  }

  private network(where: string): Network {
    if (!this.net) throw new Error(`model.${where}: the model was disposed`);
    return this.net;
  }

  /** Live views of each layer's weight (inputs × units, row-major) and bias; do not keep them. */
  private layerViews(): { weight: Float32Array; bias: Float32Array }[] {
    const net = this.network('weights');
    const f32 = net.ws.f32;
    return this.spec.layers.map((layer, i) => ({
      weight: f32.subarray(net.blocks[i].weight >>> 2, (net.blocks[i].weight >>> 2) + layer.inputs * layer.units),
      bias: f32.subarray(net.blocks[i].bias >>> 2, (net.blocks[i].bias >>> 2) + layer.units),
    }));
  }

  /**
   * Copies of every layer's parameters: `weight` is (inputs × units) row-major, `bias` (units).
   *
   * @example
   * const [{ weight, bias }] = model.getWeights();
   */
  getWeights(): { weight: Float32Array; bias: Float32Array }[] {
    return this.layerViews().map(({ weight, bias }) => ({ weight: weight.slice(), bias: bias.slice() }));
  }

  /**
   * Replaces every layer's parameters (shapes as `getWeights` gives them). Everything is checked
   * before anything is written.
   */
  setWeights(layers: readonly { weight: ArrayLike<number>; bias: ArrayLike<number> }[]): void {
    const where = 'model.setWeights';
    if (!Array.isArray(layers) || layers.length !== this.spec.layers.length) {
      throw new RangeError(`${where}: expected an array of ${this.spec.layers.length} layers { weight, bias }; got ${Array.isArray(layers) ? `${layers.length}` : typeof layers}`);
    }
    this.spec.layers.forEach((spec, i) => {
      const layer = layers[i];
      if (!layer || !layer.weight || !layer.bias) throw new TypeError(`${where}: layers[${i}] must be { weight, bias }`);
      const checks: [string, ArrayLike<number>, number][] = [['weight', layer.weight, spec.inputs * spec.units], ['bias', layer.bias, spec.units]];
      for (const [name, values, length] of checks) {
        if (values.length !== length) throw new RangeError(`${where}: layers[${i}].${name} has ${values.length} values; expected ${length}${name === 'weight' ? ` (${spec.inputs} inputs × ${spec.units} units)` : ''}`);
        for (let j = 0; j < length; j++) {
          if (typeof values[j] !== 'number' || !Number.isFinite(values[j])) throw new RangeError(`${where}: layers[${i}].${name}[${j}] is ${String(values[j])}; expected a finite number`);
        }
      }
    });
    this.layerViews().forEach((view, i) => {
      view.weight.set(layers[i].weight);
      view.bias.set(layers[i].bias);
    });
  }

  private prepare(where: string, x: unknown, y: unknown): Prepared {
    const features = readFeatures(`${where}: x`, x, this.spec.inputs);
    const targets = readTargets(`${where}: y`, y, this.outputs, this.spec.loss, features.rows);
    if (features.rows !== targets.rows) {
      throw new RangeError(`${where}: x has ${features.rows} rows but y has ${targets.rows}; they must match`);
    }
    return { features, targets };
  }

  private splitArguments(where: string, a: unknown, b: unknown, c: unknown): { x: unknown; y: unknown; options: FitOptions; pipeline?: PipelineLike } {
    if (isDataset(a)) {
      if (b !== undefined && (typeof b !== 'object' || b === null)) throw new TypeError(`${where}: after a data set the second argument is the options object; got ${b === null ? 'null' : typeof b}`);
      return { x: a.x, y: a.y, options: (b ?? {}) as FitOptions, pipeline: a.pipeline };
    }
    if (c !== undefined && (typeof c !== 'object' || c === null)) throw new TypeError(`${where}: options must be an object; got ${c === null ? 'null' : typeof c}`);
    return { x: a, y: b, options: (c ?? {}) as FitOptions };
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
  fit(x: unknown, y: unknown, options?: FitOptions): Promise<History>;
  async fit(x: unknown, y?: unknown, options?: FitOptions): Promise<History> {
    const run = this.startRun('fit', x, y, options);
    try {
      for (let r = run.next(); ; ) {
        if (r.done) return r.value;
        if (r.value === 'yield') {
          await yieldToEventLoop();
          r = run.next();
        } else {
          r = run.next((await r.value) !== false);
        }
      }
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
      for (let r = run.next(); ; ) {
        if (r.done) return r.value;
        r = r.value === 'yield' ? run.next() : run.next(r.value !== false);
      }
    } finally {
      this.training = false;
    }
  }

  private startRun(where: string, a: unknown, b: unknown, c: unknown) {
    const net = this.network(where);
    if (this.training) throw new Error(`${where}: this model is already training; wait for the running fit to end`);
    const { x, y, options, pipeline } = this.splitArguments(where, a, b, c);
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
    const encode = (rows: unknown) => this.encode(rows, pipeline);
    const all = this.prepare(where, encode(x), y);
    let train = all;
    let validation: { x: Float32Array; y: Float32Array; rows: number; kind: Targets['kind'] } | undefined;
    const rowsAll = all.features.rows;
    const outputs = this.outputs;
    const inputs = this.spec.inputs;
    const stage = (p: Prepared) => {
      const vx = new Float32Array(p.features.rows * inputs);
      const vy = new Float32Array(p.features.rows * outputs);
      p.features.copyTo(vx, 0);
      p.targets.copyTo(vy, 0);
      return { x: vx, y: vy, rows: p.features.rows, kind: p.targets.kind };
    };
    if (options.validationData !== undefined) {
      const v = options.validationData;
      const [vxRaw, vyRaw] = isDataset(v) ? [v.x, v.y] : Array.isArray(v) && v.length === 2 ? v : [undefined, undefined];
      if (vxRaw === undefined) throw new TypeError(`${where}: options.validationData must be [x, y] or a data set { x, y }`);
      validation = stage(this.prepare(`${where}: validationData`, encode(vxRaw), vyRaw));
    }
    let trainRows = rowsAll;
    let staged: ReturnType<typeof stage> | undefined;
    if (split > 0) {
      const held = Math.floor(rowsAll * split);
      if (held < 1 || held >= rowsAll) throw new RangeError(`${where}: options.validationSplit ${split} of ${rowsAll} rows leaves ${held} for validation and ${rowsAll - held} for training; both need at least one`);
      staged = stage(all);
      trainRows = rowsAll - held;
      validation = { x: staged.x.subarray(trainRows * inputs), y: staged.y.subarray(trainRows * outputs), rows: held, kind: staged.kind };
    }

    // plan memory (larger only), then copy the training rows in, checking every value
    net.ensureBatch(Math.min(batchSize, trainRows));
    const batches = Math.ceil(trainRows / batchSize);
    net.ensureTrain(trainRows, batches);
    const f32 = net.ws.f32;
    if (staged) {
      f32.set(staged.x.subarray(0, trainRows * inputs), net.trainX >>> 2);
      f32.set(staged.y.subarray(0, trainRows * outputs), net.trainY >>> 2);
    } else {
      train.features.copyTo(f32, net.trainX >>> 2, net.finiteCheck);
      train.targets.copyTo(f32, net.trainY >>> 2);
    }
    net.metric = this.metricFor(all.targets.kind);
    if (pipeline) this.pipeline = pipeline;
    this.training = true;
    return this.trainingRun(net, trainRows, batchSize, batches, epochs, options, validation, yieldEvery);
  }

  private metricFor(kind: Targets['kind']): 'argmax' | 'threshold' | 'none' {
    const { loss } = this.spec;
    const last = this.spec.layers[this.spec.layers.length - 1];
    if (loss === 'crossEntropy') return 'argmax';
    if (loss === 'binaryCrossEntropy') return 'threshold';
    return kind === 'indices' || last.activation === 'softmax' ? 'argmax' : 'none';
  }

  private trainingRun(net: Network, rows: number, batchSize: number, batches: number, epochs: number,
    options: FitOptions, validation: { x: Float32Array; y: Float32Array; rows: number; kind: Targets['kind'] } | undefined,
    yieldEvery: number) {
    const model = this;
    const k = net.k;
    const metric = net.metric;
    const perRowHits = metric === 'threshold' ? this.outputs : 1;
    const history: History = { loss: [], samplesPerSecond: [], epochs: 0, stopReason: 'completed' };
    if (metric !== 'none') history.accuracy = [];
    if (validation) {
      history.valLoss = [];
      if (metric !== 'none') history.valAccuracy = [];
    }
    // yields 'yield' to let the event loop run, or onEpochEnd's answer for the driver to settle;
    // the driver resumes it with whether to go on
    return (function* (): Generator<'yield' | boolean | Promise<void | boolean>, History, boolean | undefined> {
      let chunk = 1;
      // with both a signal and onBatchEnd, a callback may abort: run one batch at a time so that
      // training stops right after the batch whose callback aborted
      const exact = options.signal !== undefined && options.onBatchEnd !== undefined;
      for (let epoch = 0; epoch < epochs; epoch++) {
        if (options.signal?.aborted) {
          history.stopReason = 'aborted';
          return history;
        }
        // training time of the epoch: the shuffle and the wasm runs, not yields or callbacks
        let busy = -now();
        const order = net.ws.i32.subarray(net.order >>> 2, (net.order >>> 2) + rows);
        for (let i = 0; i < rows; i++) order[i] = i;
        if (options.shuffle !== false) {
          for (let i = rows - 1; i > 0; i--) {
            const j = Math.floor(model.shuffleRng() * (i + 1));
            const t = order[i]; order[i] = order[j]; order[j] = t;
          }
        }
        busy += now();
        for (let first = 0; first < batches;) {
          if (options.signal?.aborted) {
            history.stopReason = 'aborted';
            return history;
          }
          const count = Math.min(chunk, batches - first);
          const t0 = now();
          const done = k.network_train_batches(net.plan, net.trainX, net.trainY, net.order, rows, batchSize,
            first, count, net.losses, net.correct);
          const elapsed = now() - t0;
          busy += elapsed;
          if (done < count) model.failed(net, epoch, first + done, batches);
          if (options.onBatchEnd) {
            for (let b = first; b < first + count; b++) {
              const size = Math.min(batchSize, rows - b * batchSize);
              // views are read per batch: a callback may grow memory (evaluate on more rows)
              const logs: BatchLogs = { epoch, batch: b, size, loss: net.ws.f32[(net.losses >>> 2) + b] };
              if (metric !== 'none') logs.accuracy = net.ws.i32[(net.correct >>> 2) + b] / (size * perRowHits);
              options.onBatchEnd(b, logs);
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
        if (validation) {
          const v = model.evaluateStaged(net, validation.x, validation.y, validation.rows);
          logs.valLoss = v.loss;
          if (v.accuracy !== undefined) logs.valAccuracy = v.accuracy;
        }
        history.loss.push(logs.loss);
        history.samplesPerSecond.push(logs.samplesPerSecond);
        if (logs.accuracy !== undefined) history.accuracy?.push(logs.accuracy);
        if (logs.valLoss !== undefined) history.valLoss?.push(logs.valLoss);
        if (logs.valAccuracy !== undefined) history.valAccuracy?.push(logs.valAccuracy);
        history.epochs = epoch + 1;
        if (options.onEpochEnd) {
          const answer = options.onEpochEnd(epoch, logs);
          const goOn = answer === undefined ? true : yield answer;
          if (goOn === false) {
            history.stopReason = 'callback';
            return history;
          }
        }
      }
      return history;
    })();
  }

  private failed(net: Network, epoch: number, batch: number, batches: number): never {
    const loss = net.ws.f32[(net.losses >>> 2) + batch];
    const status = net.status;
    const what = status === 'loss' ? `the loss became ${loss}`
      : status === 'gradient' ? `a gradient stopped being finite (the loss was ${loss})`
        : `the update grew too large (a weight would move by more than 1e30${this.spec.optimizer.type === 'adam' ? ', or a squared gradient would overflow Adam\'s second moment' : ''})`;
    throw new Error(`fit: ${what} at epoch ${epoch + 1}, batch ${batch + 1} of ${batches}; training stopped and `
      + `the weights are left as they were before that step. Scale the inputs (standardise them, e.g. trainTestSplit(data, { scale: 'standard' })) `
      + `or lower the learning rate (now ${this.spec.optimizer.learningRate}).`);
  }

  /** Loss and accuracy of staged rows (x, y already float32), through the evaluation area. */
  private evaluateStaged(net: Network, x: Float32Array, y: Float32Array, rows: number): Evaluation {
    net.ensureBatch(1);
    net.ensureEval(rows);
    const f32 = net.ws.f32;
    f32.set(x, net.evalX >>> 2);
    f32.set(y, net.evalY >>> 2);
    return this.scoreEval(net, rows);
  }

  private scoreEval(net: Network, rows: number): Evaluation {
    const k = net.k;
    k.network_predict(net.plan, net.evalX, net.evalOut, rows);
    const n = this.outputs;
    const loss = this.spec.loss === 'mse' ? k.mse_loss(0, net.evalOut, net.evalY, rows, n)
      : this.spec.loss === 'crossEntropy' ? k.softmax_cross_entropy_loss(0, net.evalOut, net.evalY, rows, n)
        : k.sigmoid_binary_cross_entropy_loss(0, net.evalOut, net.evalY, rows, n);
    const result: Evaluation = { loss };
    const metric = net.metric;
    if (metric !== 'none') {
      const hits = k.count_correct(net.evalOut, net.evalY, rows, n, metric === 'argmax' ? 0 : 1);
      result.accuracy = hits / (rows * (metric === 'threshold' ? n : 1));
    }
    return result;
  }

  /**
   * Raw rows (records, nested arrays, CSV text) through the pipeline — the data set's being fitted,
   * else the model's; matrices and typed arrays are already encoded and pass unchanged.
   */
  private encode(x: unknown, pipeline = this.pipeline): unknown {
    return pipeline && !isNumericInput(x) ? pipeline.transform(x) : x;
  }

  /** Runs rows through the network into the evaluation area; returns the row count. */
  private forward(where: string, x: unknown): Features {
    const net = this.network(where);
    const features = readFeatures(`${where}: x`, this.encode(x), this.spec.inputs);
    net.ensureBatch(1);
    net.ensureEval(features.rows);
    features.copyTo(net.ws.f32, net.evalX >>> 2, net.finiteCheck);
    net.k.network_predict(net.plan, net.evalX, net.evalOut, features.rows);
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
   * Loss (and accuracy, for classification) over a data set, without training.
   *
   * @example
   * const { loss, accuracy } = model.evaluate(test.x, test.y);
   */
  evaluate(x: unknown, y?: unknown): Evaluation {
    const where = 'evaluate';
    const net = this.network(where);
    const data = isDataset(x) ? x : { x, y };
    const { features, targets } = this.prepare(where, this.encode(data.x), data.y);
    net.ensureBatch(1);
    net.ensureEval(features.rows);
    const f32 = net.ws.f32;
    features.copyTo(f32, net.evalX >>> 2, net.finiteCheck);
    targets.copyTo(f32, net.evalY >>> 2);
    const saved = net.metric;
    net.metric = this.metricFor(targets.kind);
    try {
      return this.scoreEval(net, features.rows);
    } finally {
      net.metric = saved;
    }
  }

  /**
   * The model as plain JSON (versioned format, weights as base64 float32), for `loadModel`.
   * `JSON.stringify(model)` gives the same.
   *
   * @example
   * localStorage.setItem('model', JSON.stringify(model));
   * const again = await loadModel(localStorage.getItem('model')!);
   */
  toJSON(): ModelJSON {
    const { spec } = this;
    const json: ModelJSON = {
      format: FORMAT,
      version: VERSION,
      spec: {
        inputs: spec.inputs,
        layers: spec.layers.map((l) => (l.activation === 'leakyRelu' ? { units: l.units, activation: l.activation, alpha: l.alpha } : { units: l.units, activation: l.activation })),
        loss: spec.loss,
        optimizer: { ...spec.optimizer },
        init: spec.init,
        seed: spec.seed,
      },
      weights: this.layerViews().map(({ weight, bias }) => ({ weight: encodeFloats(weight), bias: encodeFloats(bias) })),
      steps: this.steps,
    };
    if (spec.optimizer.type !== 'momentum') delete json.spec.optimizer.nesterov;
    if (this.pipeline) json.pipeline = this.pipeline.toJSON();
    return json;
  }

  /** Drops the model's memory early; any later call throws. */
  dispose(): void {
    if (this.training) throw new Error('model.dispose: the model is training; abort the fit first');
    this.net = undefined;
  }

  /** The optimizer step counter (for save/load). @internal */
  setSteps(steps: number): void {
    this.network('setSteps').step = steps;
  }
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
export async function createModel(spec: ModelSpec, options: CreateOptions = {}): Promise<Model> {
  const resolved = resolveSpec(spec);
  const kernels = await (options.kernels ?? instantiateKernels)();
  return new Model(kernels, resolved);
}
