/**
 * The model description users write (`ModelSpec`) and its validation into a complete, checked
 * form (`ResolvedSpec`) with every default filled in. Nothing here touches wasm memory: a spec
 * that fails here leaves nothing behind.
 */

import { checkKeys } from '../check.js';
import { ACTIVATION_ALIASES, ACTIVATION_TABLE, ACTIVATIONS, type ActivationName, type CanonicalActivation } from './activations.js';
import { LOSS_TABLE, LOSSES, type LossName } from './losses.js';
import { OPTIMIZER_TABLE, OPTIMIZERS, UNUSED_DEFAULTS, type OptimizerName, type ResolvedOptimizer } from './optimizers.js';
import { LAYER_TABLE, LAYER_TYPES, type LayerType } from './layers.js';

export type { ActivationName, LossName, OptimizerName, ResolvedOptimizer, LayerType };
export { ACTIVATIONS, LOSSES, OPTIMIZERS, LAYER_TYPES };

/** Weight initialisations. */
export type InitName = 'uniform' | 'xavier' | 'he';
export const INITS: readonly InitName[] = ['uniform', 'xavier', 'he'];

/** A dense layer: `units` outputs, then the activation. `type: 'dense'` may be written or left out. */
export interface DenseLayerSpec {
  type?: 'dense';
  units: number;
  /** Default `'linear'`. */
  activation?: ActivationName;
  /** Slope for negative inputs of `leakyRelu` (default 0.01, in [0, 1)), or `elu`'s α (default 1, > 0). */
  alpha?: number;
  /** L1 penalty on the weights (not the bias), added to the loss: l1·Σ|w|. Default 0. */
  l1?: number;
  /** L2 penalty on the weights (not the bias), added to the loss: l2·Σw² (Keras's form, no ½). Default 0. */
  l2?: number;
}

/** Inverted dropout while training (kept units scaled by 1/(1 − rate)); the identity in predict and evaluate. */
export interface DropoutLayerSpec {
  type: 'dropout';
  /** Fraction of the units dropped, 0 ≤ rate < 1. */
  rate: number;
}

/** Batch normalization as Keras defines it: batch statistics while training, moving statistics after. */
export interface BatchNormalizationLayerSpec {
  type: 'batchNormalization';
  /** Moving statistics: moving = momentum·moving + (1 − momentum)·batch. Default 0.99, in [0, 1). */
  momentum?: number;
  /** Added to the variance before the square root. Default 1e-3, > 0. */
  epsilon?: number;
}

/** One layer, input side first. */
export type LayerSpec = DenseLayerSpec | DropoutLayerSpec | BatchNormalizationLayerSpec;

/** A loss with its options: `{ type: 'huber', delta: 2 }`. */
export interface LossSpec {
  type: LossName;
  /** huber: where the loss turns from quadratic to linear. Default 1, > 0. */
  delta?: number;
}

/** Optimizer settings; every field but `type` has a default (Keras 3's), see the README's table. */
export interface OptimizerSpec {
  type: OptimizerName;
  /** Default 0.01 for sgd and momentum, 0.001 for the others. */
  learningRate?: number;
  /** momentum: the velocity decay μ (default 0.9); rmsprop: its momentum (default 0). */
  momentum?: number;
  /** momentum: Nesterov's look-ahead form. Default false. */
  nesterov?: boolean;
  /** adam, adamw, adamax, nadam: first-moment decay. Default 0.9. */
  beta1?: number;
  /** adam, adamw, adamax, nadam: second-moment decay. Default 0.999. */
  beta2?: number;
  /** adam, adamw, adamax, nadam, rmsprop, adagrad: ε. Default 1e-7. */
  epsilon?: number;
  /** sgd, momentum: L2 decay added to the gradient; adam, adamw: decoupled decay. Default 0 (adamw 0.004). */
  weightDecay?: number;
  /** rmsprop: decay of the squared-gradient average. Default 0.9. */
  rho?: number;
  /** rmsprop: divide by the gradient's variance rather than its second moment. Default false. */
  centered?: boolean;
  /** adagrad: the accumulator's starting value. Default 0.1. */
  initialAccumulatorValue?: number;
  /** Scales all gradients together so that their global L2 norm is at most this (Keras's `global_clipnorm`). Default off. */
  clipNorm?: number;
  /** Clips every gradient value to [−clipValue, clipValue] (after clipNorm). Default off. */
  clipValue?: number;
}

/** Everything `createModel` needs. */
export interface ModelSpec {
  /** Number of input features. */
  inputs: number;
  /** The layers, input side first; the last one is the output and must be dense. */
  layers: LayerSpec[];
  /**
   * A name or `{ type, delta }`. Default: `'crossEntropy'` after a softmax output,
   * `'binaryCrossEntropy'` after a sigmoid output, `'mse'` otherwise.
   */
  loss?: LossName | LossSpec;
  /** Default `{ type: 'adam', learningRate: 0.001 }`. A name alone takes that optimizer's defaults. */
  optimizer?: OptimizerName | OptimizerSpec;
  /**
   * Weight initialisation; biases always start at 0. Default `'uniform'`:
   * U(−1/√fan_in, 1/√fan_in). `'xavier'`: U(±√(6/(fan_in + fan_out))). `'he'`: U(±√(6/fan_in)).
   */
  init?: InitName;
  /** Seed for initialisation, shuffling and dropout masks (an integer). Default: a random one, kept in `model.seed`. */
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
  type: LayerType;
  inputs: number;
  /** Output width (a dropout or batch-normalization layer's equals its input's). */
  units: number;
  /** 'linear' for layers that are not dense. */
  activation: CanonicalActivation;
  alpha: number;
  l1: number;
  l2: number;
  /** dropout */
  rate: number;
  /** batchNormalization */
  momentum: number;
  epsilon: number;
}

export interface ResolvedSpec {
  inputs: number;
  layers: ResolvedLayer[];
  loss: LossName;
  /** huber's δ (1 for the other losses). */
  delta: number;
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

/** The option-key check with "did you mean", shared with the data layer (src/check.ts). */
export { checkKeys };

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

/**
 * A number in [lo, hi] (or [lo, hi) with `openHi`), checked as the kernels will hold it: in
 * float32. A value the interval admits as a double but float32 rounds onto the open end (β₂ =
 * 0.99999999999 becomes 1, and Adam's second moment stops decaying) is refused naming the value
 * and the limit.
 */
function realIn(where: string, value: unknown, fallback: number, lo: number, hi: number, openHi = false): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < lo || (openHi ? value >= hi : value > hi)) {
    throw new RangeError(`${where} must be a number in [${lo}, ${hi}${openHi ? ')' : ']'}; got ${describe(value)}`);
  }
  if (openHi && Math.fround(value) >= hi) {
    const below = hi === 1 ? ` (the largest float32 below 1 is ${FLOAT32_BELOW_ONE}; use at most ${FLOAT32_BELOW_ONE_SAFE})` : '';
    throw new RangeError(`${where} is ${value}, which is ${hi} in float32, the precision the kernels compute in${below}`);
  }
  return value;
}

/** The largest float32 below 1, 1 − 2⁻²⁴, and a round value at most it. */
const FLOAT32_BELOW_ONE = '0.99999994';
const FLOAT32_BELOW_ONE_SAFE = '0.9999999';
/** The smallest positive float32 (a subnormal, 2⁻¹⁴⁹); values below about half of it round to 0. */
const FLOAT32_MIN_POSITIVE = '1.4e-45';

/**
 * Like realIn over (0, hi]: zero is refused (Adam's ε = 0 divides 0 by 0 for a parameter with no
 * gradient), and so is a positive value that float32 rounds to 0 (a learning rate of 1e-50 would
 * train nothing, an ε of 1e-50 would be 0).
 */
function positiveIn(where: string, value: unknown, fallback: number, hi: number): number {
  const v = realIn(where, value, fallback, 0, hi);
  if (!(v > 0)) throw new RangeError(`${where} must be greater than 0 and at most ${hi}; got 0`);
  if (Math.fround(v) === 0) {
    throw new RangeError(`${where} is ${v}, which is 0 in float32, the precision the kernels compute in (the smallest positive float32 is ${FLOAT32_MIN_POSITIVE})`);
  }
  return v;
}

/**
 * Checks a learning rate as `createModel`, `loadModel` and the `model.learningRate` setter all
 * do: greater than 0, at most 1e6, not 0 in float32. One validator, so what one accepts the others
 * accept (a model saved with a rate the setter took always loads).
 */
export function checkLearningRate(where: string, value: unknown): number {
  const [, hi] = OPTIMIZER_RANGES.learningRate;
  return positiveIn(where, value, NaN, hi);
}

function booleanField(where: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new TypeError(`${where} must be true or false; got ${describe(value)}`);
  return value;
}

/** The checks of every optimizer option, by name: [lo, hi, open at hi, zero refused]. */
const OPTIMIZER_RANGES: Record<string, [number, number, boolean, boolean]> = {
  learningRate: [0, 1e6, false, true],
  momentum: [0, 1, true, false],
  beta1: [0, 1, true, false],
  beta2: [0, 1, true, false],
  rho: [0, 1, true, false],
  epsilon: [0, 1, false, true],
  weightDecay: [0, 1, false, false],
  initialAccumulatorValue: [0, 1e6, false, false],
};

function resolveOptimizer(value: unknown): ResolvedOptimizer {
  const where = 'createModel: optimizer';
  const spec = (value === undefined ? { type: 'adam' }
    : typeof value === 'string' ? { type: value } : value) as Record<string, unknown>;
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) {
    throw new TypeError(`${where} must be a name (${OPTIMIZERS.join(', ')}) or an object { type, learningRate, … }; got ${describe(value)}`);
  }
  const type = oneOf(`${where}.type`, spec.type, OPTIMIZERS);
  const row = OPTIMIZER_TABLE[type];
  const own = Object.keys(row.options);
  const all = new Set(Object.keys(UNUSED_DEFAULTS));
  // a key another optimizer takes gets a clear "applies to" message; anything else "unknown option"
  for (const key of Object.keys(spec)) {
    if (key !== 'type' && key !== 'clipNorm' && key !== 'clipValue' && !own.includes(key) && all.has(key)) {
      const takers = OPTIMIZERS.filter((name) => key in OPTIMIZER_TABLE[name].options);
      throw new TypeError(`${where}.${key} applies to ${takers.map((t) => `'${t}'`).join(', ')} only; got type '${type}'`);
    }
  }
  checkKeys(where, spec, ['type', ...own, 'clipNorm', 'clipValue']);
  const resolved = { ...UNUSED_DEFAULTS, ...row.options, type } as ResolvedOptimizer;
  const fields = resolved as unknown as Record<string, unknown>;
  for (const key of own) {
    const fallback = (row.options as Record<string, number | boolean>)[key];
    if (typeof fallback === 'boolean') {
      fields[key] = booleanField(`${where}.${key}`, spec[key], fallback);
    } else {
      const [lo, hi, openHi, positive] = OPTIMIZER_RANGES[key];
      fields[key] = positive ? positiveIn(`${where}.${key}`, spec[key], fallback, hi) : realIn(`${where}.${key}`, spec[key], fallback, lo, hi, openHi);
    }
  }
  for (const key of ['clipNorm', 'clipValue'] as const) {
    if (spec[key] !== undefined) resolved[key] = positiveIn(`${where}.${key}`, spec[key], 0, 1e30);
  }
  return resolved;
}

/** Trainable parameters (weights and biases, batch normalization's γ and β) of the layers. */
export function parameterCount(layers: readonly { type?: LayerType; inputs: number; units: number }[]): number {
  return layers.reduce((sum, l) => {
    const [w, b] = LAYER_TABLE[l.type ?? 'dense'].weights(l.inputs, l.units);
    return sum + w + b;
  }, 0);
}

function resolveLayer(layer: unknown, i: number, fanIn: number): ResolvedLayer {
  const where = `createModel: layers[${i}]`;
  if (typeof layer !== 'object' || layer === null || Array.isArray(layer)) throw new TypeError(`${where} must be an object { units, activation } or { type, … }; got ${describe(layer)}`);
  const fields = layer as Record<string, unknown>;
  const type = oneOf(`${where}.type`, fields.type ?? 'dense', LAYER_TYPES);
  const row = LAYER_TABLE[type];
  checkKeys(where, fields, ['type', ...row.keys]);
  const base: ResolvedLayer = {
    type, inputs: fanIn, units: fanIn, activation: 'linear', alpha: 0, l1: 0, l2: 0, rate: 0, momentum: 0, epsilon: 0,
  };
  if (type === 'dense') {
    base.units = positiveInteger(`${where}.units`, fields.units, LIMITS.units);
    const named = oneOf(`${where}.activation`, fields.activation ?? 'linear', ACTIVATIONS);
    const activation: CanonicalActivation = (ACTIVATION_ALIASES as Record<string, CanonicalActivation>)[named] ?? named;
    base.activation = activation;
    const defaultAlpha = (ACTIVATION_TABLE[activation] as { alpha?: number }).alpha;
    if (fields.alpha !== undefined && defaultAlpha === undefined) {
      throw new TypeError(`${where}.alpha applies to activations 'leakyRelu' and 'elu' only; got activation '${activation}'`);
    }
    if (activation === 'leakyRelu') base.alpha = realIn(`${where}.alpha`, fields.alpha, 0.01, 0, 1, true);
    else if (defaultAlpha !== undefined) base.alpha = positiveIn(`${where}.alpha`, fields.alpha, defaultAlpha, 1e6);
    base.l1 = realIn(`${where}.l1`, fields.l1, 0, 0, 1e6);
    base.l2 = realIn(`${where}.l2`, fields.l2, 0, 0, 1e6);
  } else if (type === 'dropout') {
    if (fields.rate === undefined) throw new TypeError(`${where}.rate is missing: a dropout layer needs { type: 'dropout', rate } with 0 ≤ rate < 1`);
    base.rate = realIn(`${where}.rate`, fields.rate, 0, 0, 1, true);
  } else {
    base.momentum = realIn(`${where}.momentum`, fields.momentum, LAYER_TABLE.batchNormalization.defaults.momentum, 0, 1, true);
    base.epsilon = positiveIn(`${where}.epsilon`, fields.epsilon, LAYER_TABLE.batchNormalization.defaults.epsilon, 1e6);
  }
  return base;
}

function resolveLoss(value: unknown, lastLayer: ResolvedLayer): { loss: LossName; delta: number } {
  const where = 'createModel: loss';
  if (value === undefined) {
    const loss: LossName = lastLayer.activation === 'softmax' && lastLayer.units > 1 ? 'crossEntropy'
      : lastLayer.activation === 'sigmoid' ? 'binaryCrossEntropy' : 'mse';
    return { loss, delta: 1 };
  }
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const spec = value as Record<string, unknown>;
    const loss = oneOf(`${where}.type`, spec.type, LOSSES);
    checkKeys(where, spec, ['type', ...Object.keys(LOSS_TABLE[loss].options)]);
    const delta = loss === 'huber' ? positiveIn(`${where}.delta`, spec.delta, LOSS_TABLE.huber.options.delta, 1e30) : 1;
    return { loss, delta };
  }
  return { loss: oneOf(where, value, LOSSES), delta: 1 };
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
    const resolved = resolveLayer(layer, i, fanIn);
    fanIn = resolved.units;
    return resolved;
  });
  const last = layers[layers.length - 1];
  if (last.type !== 'dense') {
    throw new TypeError(`createModel: layers[${layers.length - 1}] is a '${last.type}' layer, but the last layer must be dense ({ units, activation }): add the output layer after it`);
  }
  const count = parameterCount(layers);
  if (count > LIMITS.parameters) throw new RangeError(`createModel: the layers hold ${count} parameters, above the limit of ${LIMITS.parameters}`);
  const { loss, delta } = resolveLoss(spec.loss, last);
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
    inputs, layers, loss, delta, optimizer: resolveOptimizer(spec.optimizer), init, seed,
    threads: resolveThreads('createModel: threads', spec.threads),
    kernels: oneOf('createModel: kernels', spec.kernels === undefined ? 'auto' : spec.kernels, KERNELS),
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

/** A resolved optimizer as the spec a user would write: its type's own options, clipping when set. */
export function optimizerToSpec(o: ResolvedOptimizer): OptimizerSpec {
  const fields = o as unknown as Record<string, unknown>;
  const out: Record<string, unknown> = { type: o.type };
  for (const key of Object.keys(OPTIMIZER_TABLE[o.type].options)) out[key] = fields[key];
  if (o.clipNorm !== undefined) out.clipNorm = o.clipNorm;
  if (o.clipValue !== undefined) out.clipValue = o.clipValue;
  return out as unknown as OptimizerSpec;
}

/** A resolved loss as the spec a user would write: the name, or `{ type: 'huber', delta }`. */
export function lossToSpec(spec: ResolvedSpec): LossName | LossSpec {
  return spec.loss === 'huber' ? { type: 'huber', delta: spec.delta } : spec.loss;
}
