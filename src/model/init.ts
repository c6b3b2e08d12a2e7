/**
 * Weight initialisation, drawn from the seeded generator so that the same seed gives the same
 * weights on every engine. Biases start at 0. Each dense layer draws its weights row by row from
 * one stream in layer order; other layers draw nothing (batch normalization starts at γ = 1,
 * β = 0, set by the network), so adding dropout or normalization keeps the dense layers' start.
 *   uniform: U(−1/√fan_in, 1/√fan_in)          (the default; PyTorch's nn.Linear range)
 *   xavier:  U(±√(6 / (fan_in + fan_out)))     (Glorot & Bengio 2010, for tanh and sigmoid)
 *   he:      U(±√(6 / fan_in))                 (He et al. 2015, for ReLU)
 */
import { createRng } from '../data/random.js';
import type { InitName, ResolvedLayer } from './spec.js';

/** The half-width of the uniform range for a layer. */
export function initLimit(init: InitName, layer: ResolvedLayer): number {
  if (init === 'xavier') return Math.sqrt(6 / (layer.inputs + layer.units));
  if (init === 'he') return Math.sqrt(6 / layer.inputs);
  return 1 / Math.sqrt(layer.inputs);
}

/** Fills each dense layer's weight view with seeded uniform values and its bias view with 0. */
export function initialiseWeights(layers: readonly ResolvedLayer[], init: InitName, seed: number,
  views: readonly { weight: Float32Array; bias: Float32Array }[]): void {
  const rng = createRng(seed);
  layers.forEach((layer, i) => {
    if (layer.type !== 'dense') return;
    const limit = initLimit(init, layer);
    const { weight, bias } = views[i];
    for (let j = 0; j < weight.length; j++) weight[j] = (2 * rng() - 1) * limit;
    bias.fill(0);
  });
}
