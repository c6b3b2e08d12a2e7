/**
 * The format-neutral form of a network that the ONNX and TF.js converters share: a list of
 * layers with their parameters as plain float32 arrays, read from a `Model` through its public
 * API (`spec`, `getWeights`) and turned back into a `Model` through `createModel` +
 * `setWeights`. Each converter only maps its own format to and from this list.
 *
 * Weights are (inputs × units) row-major, the library's and Keras's layout; ONNX's Gemm reads
 * the same layout with transB = 0, PyTorch's (units × inputs) is transposed on import.
 */
import { createModel, type Model } from '../model/model.js';
import { ACTIVATIONS, type ActivationName, type LayerSpec, type ModelSpec } from '../model/spec.js';

/** A dense layer: `weight` is (inputs × units) row-major. */
export interface PortableDense {
  type: 'dense';
  inputs: number;
  units: number;
  activation: ActivationName;
  /** leakyRelu's slope for negative inputs, or elu's α. */
  alpha?: number;
  /** Penalties on the weights (l1·Σ|w|, l2·Σw², Keras's form), when not 0. */
  l1?: number;
  l2?: number;
  weight: Float32Array;
  bias: Float32Array;
  /** Where it came from (node or layer name), for error messages. */
  source?: string;
}

/** A dropout layer (the identity at inference). */
export interface PortableDropout {
  type: 'dropout';
  rate: number;
  source?: string;
}

/** Batch normalization in inference form: (x − movingMean) / √(movingVariance + ε) · gamma + beta. */
export interface PortableBatchNorm {
  type: 'batchNormalization';
  units: number;
  momentum: number;
  epsilon: number;
  gamma: Float32Array;
  beta: Float32Array;
  movingMean: Float32Array;
  movingVariance: Float32Array;
  source?: string;
}

export type PortableLayer = PortableDense | PortableDropout | PortableBatchNorm;

/** A network in neutral form. */
export interface PortableModel {
  inputs: number;
  layers: PortableLayer[];
}

/** Whether `name` is an activation this build of the library has. */
export function isActivation(name: string): name is ActivationName {
  return (ACTIVATIONS as readonly string[]).includes(name);
}

type AnyLayer = { type?: string; units?: number; activation?: ActivationName; alpha?: number; l1?: number; l2?: number; rate?: number; momentum?: number; epsilon?: number };

/** Activations that take `alpha`. */
export const WITH_ALPHA: readonly string[] = ['leakyRelu', 'elu'];
type AnyWeights = { weight: Float32Array; bias: Float32Array; movingMean?: Float32Array; movingVariance?: Float32Array };

/**
 * The model's layers with copies of their parameters. `getWeights` gives one entry per layer: a
 * dense layer's weight and bias, a batch normalization's γ (as `weight`), β (as `bias`) and
 * moving statistics, a dropout's two empty arrays.
 *
 * @throws Error when the model holds a layer kind this converter does not know (a newer library).
 */
export function describeModel(where: string, model: Model): PortableModel {
  const weights = model.getWeights() as unknown as AnyWeights[];
  const specLayers = model.spec.layers as unknown as AnyLayer[];
  let inputs = model.spec.inputs;
  const layers = specLayers.map((layer, i): PortableLayer => {
    const type = layer.type ?? 'dense';
    const entry = weights[i];
    if (type === 'dense') {
      const units = layer.units!;
      const dense: PortableDense = { type, inputs, units, activation: layer.activation ?? 'linear', weight: entry.weight, bias: entry.bias };
      if (WITH_ALPHA.includes(dense.activation) && layer.alpha !== undefined) dense.alpha = layer.alpha;
      if (layer.l1) dense.l1 = layer.l1;
      if (layer.l2) dense.l2 = layer.l2;
      inputs = units;
      return dense;
    }
    if (type === 'dropout') return { type, rate: layer.rate ?? 0 };
    if (type === 'batchNormalization') {
      return {
        type, units: inputs, momentum: layer.momentum ?? 0.99, epsilon: layer.epsilon ?? 1e-3,
        gamma: entry.weight, beta: entry.bias, movingMean: entry.movingMean!, movingVariance: entry.movingVariance!,
      };
    }
    throw new Error(`${where}: layers[${i}] is of type '${type}', which this converter does not know`);
  });
  return { inputs: model.spec.inputs, layers };
}

/** Extra settings a converter may know (from its own metadata) for the rebuilt model. */
export type BuildOptions = Pick<ModelSpec, 'loss' | 'optimizer' | 'init' | 'seed'>;

/**
 * Builds a model from the neutral form: `createModel` with the layer list, then `setWeights`.
 * Errors from either are re-thrown with `where` in front (they already name the layer).
 */
export async function buildModel(where: string, portable: PortableModel, options: BuildOptions = {}): Promise<Model> {
  const layers: LayerSpec[] = portable.layers.map((layer) => {
    if (layer.type === 'dense') {
      const spec: LayerSpec = { units: layer.units, activation: layer.activation };
      const extra = spec as { alpha?: number; l1?: number; l2?: number };
      if (WITH_ALPHA.includes(layer.activation) && layer.alpha !== undefined) extra.alpha = layer.alpha;
      if (layer.l1) extra.l1 = layer.l1;
      if (layer.l2) extra.l2 = layer.l2;
      return spec;
    }
    if (layer.type === 'dropout') return { type: 'dropout', rate: layer.rate } as unknown as LayerSpec;
    return { type: 'batchNormalization', momentum: layer.momentum, epsilon: layer.epsilon } as unknown as LayerSpec;
  });
  const spec: ModelSpec = { inputs: portable.inputs, layers };
  if (options.loss !== undefined) spec.loss = options.loss;
  if (options.optimizer !== undefined) spec.optimizer = options.optimizer;
  if (options.init !== undefined) spec.init = options.init;
  if (options.seed !== undefined) spec.seed = options.seed;
  let model: Model;
  try {
    model = await createModel(spec);
  } catch (error) {
    if (error instanceof Error) error.message = `${where}: ${error.message}`;
    throw error;
  }
  // one entry per layer, as setWeights takes them (see describeModel)
  const weights = portable.layers.map((layer): AnyWeights => {
    if (layer.type === 'dense') return { weight: layer.weight, bias: layer.bias };
    if (layer.type === 'dropout') return { weight: new Float32Array(0), bias: new Float32Array(0) };
    return { weight: layer.gamma, bias: layer.beta, movingMean: layer.movingMean, movingVariance: layer.movingVariance };
  });
  try {
    model.setWeights(weights as unknown as { weight: Float32Array; bias: Float32Array }[]);
  } catch (error) {
    if (error instanceof Error) error.message = `${where}: ${error.message}`;
    throw error;
  }
  return model;
}
