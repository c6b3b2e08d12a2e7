/**
 * The model description users write (`ModelSpec`) and its validation into a complete, checked
 * form (`ResolvedSpec`) with every default filled in. Nothing here touches wasm memory: a spec
 * that fails here leaves nothing behind.
 */

/** Activation functions. `softmax` is row-wise; the others are elementwise. */
export type ActivationName = 'sigmoid' | 'relu' | 'leakyRelu' | 'tanh' | 'linear' | 'softmax';
/** Loss functions (means over the batch). */
export type LossName = 'mse' | 'crossEntropy' | 'binaryCrossEntropy';
/** Weight initialisations. */
export type InitName = 'uniform' | 'xavier' | 'he';
/** Optimizers. */
export type OptimizerName = 'sgd' | 'momentum' | 'adam';

export const ACTIVATIONS: readonly ActivationName[] = ['sigmoid', 'relu', 'leakyRelu', 'tanh', 'linear', 'softmax'];
export const LOSSES: readonly LossName[] = ['mse', 'crossEntropy', 'binaryCrossEntropy'];
export const INITS: readonly InitName[] = ['uniform', 'xavier', 'he'];
export const OPTIMIZERS: readonly OptimizerName[] = ['sgd', 'momentum', 'adam'];

/** One dense layer: `units` outputs, then the activation. */
export interface LayerSpec {
  units: number;
  /** Default `'linear'`. */
  activation?: ActivationName;
  /** Slope for negative inputs of `leakyRelu`, in [0, 1). Default 0.01. */
  alpha?: number;
}

/** Optimizer settings; every field but `type` has a default. */
export interface OptimizerSpec {
  type: OptimizerName;
  /** Default 0.01 for sgd and momentum, 0.001 for adam. */
  learningRate?: number;
  /** momentum: the velocity decay μ. Default 0.9. */
  momentum?: number;
  /** momentum: Nesterov's look-ahead form. Default false. */
  nesterov?: boolean;
  /** adam: first-moment decay. Default 0.9. */
  beta1?: number;
  /** adam: second-moment decay. Default 0.999. */
  beta2?: number;
  /** adam: ε added to √v̂. Default 1e-7. */
  epsilon?: number;
  /** L2 weight decay (decoupled, AdamW-style, for adam). Default 0. */
  weightDecay?: number;
}

/** Everything `createModel` needs. */
export interface ModelSpec {
  /** Number of input features. */
  inputs: number;
  /** The dense layers, input side first; the last one is the output. */
  layers: LayerSpec[];
  /**
   * Default: `'crossEntropy'` after a softmax output, `'binaryCrossEntropy'` after a sigmoid
   * output, `'mse'` otherwise.
   */
  loss?: LossName;
  /** Default `{ type: 'adam', learningRate: 0.001 }`. A name alone takes that optimizer's defaults. */
  optimizer?: OptimizerName | OptimizerSpec;
  /**
   * Weight initialisation; biases always start at 0. Default `'uniform'`:
   * U(−1/√fan_in, 1/√fan_in). `'xavier'`: U(±√(6/(fan_in + fan_out))). `'he'`: U(±√(6/fan_in)).
   */
  init?: InitName;
  /** Seed for initialisation and shuffling (an integer). Default: a random one, kept in `model.seed`. */
  seed?: number;
  /**
   * Threads that train and predict (1 … 64), sharing the model's memory; the same bits for any
   * count. Default `'auto'`: the cores, or 1 for a network too small to gain or where threads are
   * unavailable (a page that is not cross-origin isolated; `model.threadsNote` says why).
   */
  threads?: number | 'auto';
  /**
   * Kernel build. `'portable'`: the same bits in every engine. `'relaxed'`: fused multiply-add
   * (relaxed SIMD), faster, its last bits may differ between engines. Default `'auto'`: relaxed
   * where the engine has it, else portable.
   */
  kernels?: KernelsName;
}

/** Kernel builds a spec may ask for. */
export type KernelsName = 'portable' | 'relaxed' | 'auto';
export const KERNELS: readonly KernelsName[] = ['portable', 'relaxed', 'auto'];

export interface ResolvedLayer {
  inputs: number;
  units: number;
  activation: ActivationName;
  alpha: number;
}

export interface ResolvedOptimizer {
  type: OptimizerName;
  learningRate: number;
  momentum: number;
  nesterov: boolean;
  beta1: number;
  beta2: number;
  epsilon: number;
  weightDecay: number;
}

export interface ResolvedSpec {
  inputs: number;
  layers: ResolvedLayer[];
  loss: LossName;
  optimizer: ResolvedOptimizer;
  init: InitName;
  seed: number;
  threads: number | 'auto';
  kernels: KernelsName;
}

/** Layers, inputs and units above these are refused as absurd (they could not fit in memory). */
export const LIMITS = { units: 1 << 20, layers: 1000, parameters: 1 << 28 } as const;

const describe = (value: unknown): string =>
  typeof value === 'string' ? `'${value}'` : Array.isArray(value) ? 'an array'
    : value === null ? 'null' : typeof value === 'object' ? 'an object' : String(value);

/** Throws a TypeError naming keys of `options` that are not in `known` (catches typos like `epoch`). */
export function checkKeys(where: string, options: object, known: readonly string[]): void {
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) {
      // same letters ignoring case and separators (validation_split), else the same start (epoch)
      const letters = (k: string) => k.toLowerCase().replace(/[^a-z0-9]/g, '');
      const near = known.find((k) => letters(k) === letters(key))
        ?? known.find((k) => letters(k).startsWith(letters(key).slice(0, 4)));
      throw new TypeError(`${where}: unknown option '${key}'${near ? ` (did you mean '${near}'?)` : ''}; known options: ${known.join(', ')}`);
    }
  }
}

function oneOf<T extends string>(where: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !allowed.includes(value as T)) {
    throw new TypeError(`${where} must be one of ${allowed.map((a) => `'${a}'`).join(', ')}; got ${describe(value)}`);
  }
  return value as T;
}

function positiveInteger(where: string, value: unknown, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new RangeError(`${where} must be a positive integer; got ${describe(value)}`);
  }
  if (value > max) throw new RangeError(`${where} is ${value}, above the limit of ${max}`);
  return value;
}

function realIn(where: string, value: unknown, fallback: number, lo: number, hi: number, openHi = false): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < lo || (openHi ? value >= hi : value > hi)) {
    throw new RangeError(`${where} must be a number in [${lo}, ${hi}${openHi ? ')' : ']'}; got ${describe(value)}`);
  }
  return value;
}

/** Like realIn over (0, hi]: zero is refused (Adam's ε = 0 divides 0 by 0 for a parameter with no gradient). */
function positiveIn(where: string, value: unknown, fallback: number, hi: number): number {
  const v = realIn(where, value, fallback, 0, hi);
  if (!(v > 0)) throw new RangeError(`${where} must be greater than 0 and at most ${hi}; got 0`);
  return v;
}

function resolveOptimizer(value: unknown): ResolvedOptimizer {
  const where = 'createModel: optimizer';
  const spec: OptimizerSpec = value === undefined ? { type: 'adam' }
    : typeof value === 'string' ? { type: value as OptimizerName } : (value as OptimizerSpec);
  if (typeof spec !== 'object' || spec === null) {
    throw new TypeError(`${where} must be a name (${OPTIMIZERS.join(', ')}) or an object { type, learningRate, … }; got ${describe(value)}`);
  }
  checkKeys(where, spec, ['type', 'learningRate', 'momentum', 'nesterov', 'beta1', 'beta2', 'epsilon', 'weightDecay']);
  const type = oneOf(`${where}.type`, spec.type, OPTIMIZERS);
  const learningRate = realIn(`${where}.learningRate`, spec.learningRate, type === 'adam' ? 0.001 : 0.01, 0, 1e6);
  if (!(learningRate > 0)) throw new RangeError(`${where}.learningRate must be greater than 0; got 0`);
  if (spec.nesterov !== undefined && typeof spec.nesterov !== 'boolean') {
    throw new TypeError(`${where}.nesterov must be true or false; got ${describe(spec.nesterov)}`);
  }
  if (spec.nesterov && type !== 'momentum') throw new TypeError(`${where}.nesterov applies to type 'momentum' only; got type '${type}'`);
  return {
    type,
    learningRate,
    momentum: realIn(`${where}.momentum`, spec.momentum, 0.9, 0, 1, true),
    nesterov: spec.nesterov ?? false,
    beta1: realIn(`${where}.beta1`, spec.beta1, 0.9, 0, 1, true),
    beta2: realIn(`${where}.beta2`, spec.beta2, 0.999, 0, 1, true),
    epsilon: positiveIn(`${where}.epsilon`, spec.epsilon, 1e-7, 1),
    weightDecay: realIn(`${where}.weightDecay`, spec.weightDecay, 0, 0, 1),
  };
}

/** Number of parameters (weights and biases) of the layers. */
export function parameterCount(layers: readonly { inputs: number; units: number }[]): number {
  return layers.reduce((sum, l) => sum + l.inputs * l.units + l.units, 0);
}

/**
 * Validates a spec and fills in the defaults.
 * @throws TypeError or RangeError naming the field, what was expected and what came.
 */
export function resolveSpec(spec: ModelSpec): ResolvedSpec {
  if (typeof spec !== 'object' || spec === null) throw new TypeError(`createModel: expected a spec object { inputs, layers, … }; got ${describe(spec)}`);
  checkKeys('createModel', spec, ['inputs', 'layers', 'loss', 'optimizer', 'init', 'seed', 'threads', 'kernels']);
  const inputs = positiveInteger('createModel: inputs', spec.inputs, LIMITS.units);
  if (!Array.isArray(spec.layers) || spec.layers.length === 0) {
    throw new TypeError(`createModel: layers must be a non-empty array of { units, activation }; got ${describe(spec.layers)}`);
  }
  if (spec.layers.length > LIMITS.layers) throw new RangeError(`createModel: ${spec.layers.length} layers is above the limit of ${LIMITS.layers}`);
  let fanIn = inputs;
  const layers = spec.layers.map((layer, i): ResolvedLayer => {
    const where = `createModel: layers[${i}]`;
    if (typeof layer !== 'object' || layer === null) throw new TypeError(`${where} must be an object { units, activation }; got ${describe(layer)}`);
    checkKeys(where, layer, ['units', 'activation', 'alpha']);
    const units = positiveInteger(`${where}.units`, layer.units, LIMITS.units);
    const activation = oneOf(`${where}.activation`, layer.activation ?? 'linear', ACTIVATIONS);
    if (layer.alpha !== undefined && activation !== 'leakyRelu') throw new TypeError(`${where}.alpha applies to activation 'leakyRelu' only; got activation '${activation}'`);
    const alpha = realIn(`${where}.alpha`, layer.alpha, 0.01, 0, 1, true);
    const resolved = { inputs: fanIn, units, activation, alpha: activation === 'leakyRelu' ? alpha : 0 };
    fanIn = units;
    return resolved;
  });
  const count = parameterCount(layers);
  if (count > LIMITS.parameters) throw new RangeError(`createModel: the layers hold ${count} parameters, above the limit of ${LIMITS.parameters}`);
  const last = layers[layers.length - 1];
  const loss = spec.loss === undefined
    ? (last.activation === 'softmax' && last.units > 1 ? 'crossEntropy' : last.activation === 'sigmoid' ? 'binaryCrossEntropy' : 'mse')
    : oneOf('createModel: loss', spec.loss, LOSSES);
  const lastName = `the output layer (layers[${layers.length - 1}]) is ${last.units} unit${last.units === 1 ? '' : 's'} of '${last.activation}'`;
  if (loss === 'crossEntropy' && (last.activation !== 'softmax' || last.units < 2)) {
    throw new TypeError(`createModel: loss 'crossEntropy' needs a 'softmax' output layer of at least 2 units, but ${lastName}; for one yes/no output use 1 'sigmoid' unit with loss 'binaryCrossEntropy', for regression use loss 'mse'`);
  }
  if (loss === 'binaryCrossEntropy' && last.activation !== 'sigmoid') {
    throw new TypeError(`createModel: loss 'binaryCrossEntropy' needs a 'sigmoid' output layer, but ${lastName}; for several exclusive classes use 'softmax' with loss 'crossEntropy'`);
  }
  const init = oneOf('createModel: init', spec.init ?? 'uniform', INITS);
  let seed: number;
  if (spec.seed === undefined) seed = Math.floor(Math.random() * 2 ** 31);
  else if (typeof spec.seed !== 'number' || !Number.isSafeInteger(spec.seed)) {
    throw new TypeError(`createModel: seed must be a safe integer (|seed| ≤ 2^53 − 1); got ${describe(spec.seed)}`);
  } else seed = spec.seed;
  return {
    inputs, layers, loss, optimizer: resolveOptimizer(spec.optimizer), init, seed,
    threads: resolveThreads('createModel: threads', spec.threads),
    kernels: oneOf('createModel: kernels', spec.kernels ?? 'auto', KERNELS),
  };
}

/** Checks a `threads` value: 'auto' or an integer 1 … 64. */
export function resolveThreads(where: string, value: unknown): number | 'auto' {
  if (value === undefined || value === 'auto') return 'auto';
  if (typeof value !== 'number') throw new TypeError(`${where} must be 'auto' or a whole number of threads from 1 to 64; got ${describe(value)}`);
  if (!Number.isInteger(value) || value < 1 || value > 64) {
    throw new RangeError(`${where} must be 'auto' or a whole number of threads from 1 to 64; got ${describe(value)}`);
  }
  return value;
}
