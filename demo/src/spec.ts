/**
 * The network the demo builds for a configuration. The worker trains it; the demo benchmark
 * (bench/demo.ts) times `fitSync` on the same spec, so the two rates compare the same network.
 */
import type { ModelSpec } from '../../src/index.ts';
import { PIXELS } from './format.ts';
import type { TrainConfig } from './protocol.ts';

/** fit's longest run of batches before it yields to the worker's event loop (Stop, predictions), in ms. */
export const YIELD_MS = 50;

export function specFor(config: TrainConfig): ModelSpec {
  const relu = config.activation === 'relu' || config.activation === 'leakyRelu';
  return {
    inputs: PIXELS,
    layers: [...config.hidden.map((units) => ({ units, activation: config.activation })), { units: 10, activation: 'softmax' as const }],
    loss: 'crossEntropy',
    optimizer: { type: config.optimizer, learningRate: config.learningRate },
    init: relu ? 'he' : 'xavier',
    seed: config.seed,
    // threads and kernels: the defaults ('auto'): every core when the page is cross-origin
    // isolated, fused multiply-add where the engine has it
  };
}
