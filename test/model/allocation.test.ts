/**
 * A training step allocates nothing. Inside wasm: the release module has no imports (so no step
 * can call into JavaScript) and the model's memory does not grow after the first epoch. Across
 * the boundary: with a long enough yield interval an epoch of a thousand steps is a couple of
 * calls into wasm, so JavaScript runs once per run of batches, not once per step or layer.
 */
import { describe, expect, it } from 'vitest';
import { createModel } from '../../src/index.js';
import type { KernelExports } from '../../src/runtime/abi.js';
import { instantiate } from '../helpers/wasm.js';
import { randomArray } from '../reference.js';

function counted(calls: Map<string, number>): () => KernelExports {
  return () => {
    // the exports object is frozen: wrap each function in a plain object instead
    const kernels = instantiate('release') as unknown as Record<string, unknown>;
    const wrapped: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(kernels)) {
      wrapped[key] = typeof value !== 'function' ? value : (...args: number[]) => {
        calls.set(key, (calls.get(key) ?? 0) + 1);
        return (value as (...a: number[]) => number)(...args);
      };
    }
    return wrapped as unknown as KernelExports;
  };
}

describe('allocation', () => {
  it('runs a thousand training steps in a handful of wasm calls and grows no memory', async () => {
    const calls = new Map<string, number>();
    const model = await createModel({
      inputs: 8, layers: [{ units: 16, activation: 'relu' }, { units: 4, activation: 'softmax' }],
      optimizer: { type: 'adam', learningRate: 0.01 }, seed: 1,
    }, { instantiate: counted(calls) });
    const x = new Float32Array(randomArray(2000 * 8, 5));
    const y = Int32Array.from({ length: 2000 }, (_, i) => i % 4);
    model.fitSync(x, y, { epochs: 1, batchSize: 2 }); // plans memory
    const bytes = model.memoryBytes;
    calls.clear();
    model.fitSync(x, y, { epochs: 1, batchSize: 2, yieldEvery: 1e9 });
    expect(model.steps).toBe(2000);
    // one single-batch run to measure the step time, then one run for the other 999 batches
    expect(calls.get('network_train_batches')).toBe(2);
    // and one check that the copied-in training rows are finite
    expect([...calls.keys()].sort()).toEqual(['network_train_batches', 'par_all_finite']);
    expect(calls.get('par_all_finite')).toBe(1);
    expect(model.memoryBytes).toBe(bytes);
  });

  it('with weights, metrics, a schedule, plateau and early stopping the loop still grows no memory', async () => {
    const calls = new Map<string, number>();
    const model = await createModel({
      inputs: 8, layers: [{ units: 16, activation: 'relu' }, { units: 4, activation: 'softmax' }],
      optimizer: { type: 'adam', learningRate: 0.01 }, seed: 1,
    }, { instantiate: counted(calls) });
    const x = new Float32Array(randomArray(2000 * 8, 5));
    const y = Int32Array.from({ length: 2000 }, (_, i) => i % 4);
    const options = {
      batchSize: 2, yieldEvery: 1e9, validationSplit: 0.1, metrics: ['precision', 'f1'] as const,
      sampleWeight: Float32Array.from({ length: 2000 }, (_, i) => 1 + (i % 3)), classWeight: [1, 2, 1, 0.5],
      schedule: { type: 'cosine', epochs: 20 } as const, reduceLROnPlateau: { monitor: 'valF1', patience: 1 },
      earlyStopping: { monitor: 'valLoss', patience: 100, restoreBestWeights: true },
    };
    model.fitSync(x, y, { ...options, epochs: 1, metrics: [...options.metrics] });
    const bytes = model.memoryBytes;
    calls.clear();
    model.fitSync(x, y, { ...options, epochs: 3, metrics: [...options.metrics] });
    expect(model.steps).toBe(4 * 900);
    expect(model.memoryBytes).toBe(bytes);
    // a timing run and one run of the rest of the first epoch, then one run per epoch; per epoch
    // the validation pass (predict — network_predict_open answers that one thread copies first —, loss, hits)
    expect(calls.get('network_train_batches')).toBe(4);
    expect([...calls.keys()].sort()).toEqual(['count_correct', 'network_predict', 'network_predict_open', 'network_score',
      'network_train_batches', 'par_all_finite']);
  });
});
