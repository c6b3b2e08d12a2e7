/**
 * Whole training steps against the float64 reference network: the same starting weights, the
 * same batches, every optimizer, on the release and the debug build; plus gradients of every
 * activation × loss pair against central finite differences through the public API.
 */
import { describe, expect, it } from 'vitest';
import { createModel, type ActivationName, type LossName, type OptimizerSpec } from '../../src/index.js';
import { BUILDS, instantiate } from '../helpers/wasm.js';
import {
  maxError, randomArray, referenceForward, referenceGradients, referenceLoss, referenceOptimizer,
  type ReferenceLayer, type ReferenceOptimizer,
} from '../reference.js';

const SHAPE = { inputs: 6, hidden: [9, 7], outputs: 4 };

function toReference(weights: { weight: Float32Array; bias: Float32Array }[], activations: ReferenceLayer['activation'][]): ReferenceLayer[] {
  let inputs = SHAPE.inputs;
  return weights.map((w, i) => {
    const units = w.bias.length;
    const layer = { inputs, units, activation: activations[i], weight: Float64Array.from(w.weight), bias: Float64Array.from(w.bias) };
    inputs = units;
    return layer;
  });
}

describe.each(BUILDS)('five training steps equal the float64 reference (%s build)', (build) => {
  const optimizers: (OptimizerSpec & { learningRate: number })[] = [
    { type: 'sgd', learningRate: 0.1 },
    { type: 'momentum', learningRate: 0.05, momentum: 0.9 },
    { type: 'momentum', learningRate: 0.05, momentum: 0.9, nesterov: true },
    { type: 'adam', learningRate: 0.01 },
    { type: 'adamw', learningRate: 0.01, weightDecay: 0.05 },
    { type: 'rmsprop', learningRate: 0.01, momentum: 0.5, centered: true },
    { type: 'adagrad', learningRate: 0.05 },
    { type: 'adamax', learningRate: 0.01 },
    { type: 'nadam', learningRate: 0.01 },
    // clipping: the global norm of these gradients is about 0.3, their largest value about 0.1
    { type: 'sgd', learningRate: 0.1, clipNorm: 0.05 },
    { type: 'adam', learningRate: 0.01, clipValue: 0.01 },
    { type: 'momentum', learningRate: 0.05, clipNorm: 0.1, clipValue: 0.02 },
  ];
  it.each(optimizers)('%o', async (optimizer) => {
    const activations: ReferenceLayer['activation'][] = ['tanh', 'sigmoid', 'softmax'];
    const model = await createModel({
      inputs: SHAPE.inputs,
      layers: [{ units: 9, activation: 'tanh' }, { units: 7, activation: 'sigmoid' }, { units: 4, activation: 'softmax' }],
      loss: 'crossEntropy', optimizer, seed: 11,
    }, { instantiate: () => instantiate(build) });
    const m = 20, batch = 4;
    const x = randomArray(m * SHAPE.inputs, 3, -2, 2);
    const labels = Array.from(randomArray(m, 4, 0, 4), Math.floor);
    const reference = toReference(model.getWeights(), activations);
    model.fitSync(new Float32Array(x), labels, { epochs: 1, batchSize: batch, shuffle: false });
    expect(model.steps).toBe(5);
    // the reference sees the float32-rounded inputs the model sees
    const x32 = Float64Array.from(new Float32Array(x));
    const step = referenceOptimizer(reference, optimizer as ReferenceOptimizer);
    for (let b = 0; b < m / batch; b++) {
      const xb = x32.subarray(b * batch * SHAPE.inputs, (b + 1) * batch * SHAPE.inputs);
      const yb = new Float64Array(batch * 4);
      for (let r = 0; r < batch; r++) yb[r * 4 + labels[b * batch + r]] = 1;
      step(referenceGradients(reference, 'crossEntropy', xb, yb, batch));
    }
    model.getWeights().forEach((w, i) => {
      expect(maxError(w.weight, reference[i].weight, 1e-2), `layer ${i} weights`).toBeLessThanOrEqual(1e-4);
      expect(maxError(w.bias, reference[i].bias, 1e-2), `layer ${i} biases`).toBeLessThanOrEqual(1e-4);
    });
  });
});

describe('gradients equal central finite differences for every activation × loss pair', () => {
  const hidden: ActivationName[] = ['sigmoid', 'relu', 'leakyRelu', 'tanh', 'linear', 'softmax'];
  const pairs: [ActivationName, LossName][] = [
    ...(['sigmoid', 'relu', 'leakyRelu', 'tanh', 'linear', 'softmax'] as ActivationName[]).map((a): [ActivationName, LossName] => [a, 'mse']),
    ['softmax', 'crossEntropy'],
    ['sigmoid', 'binaryCrossEntropy'],
  ];
  it.each(hidden.flatMap((h) => pairs.map(([out, loss]) => [h, out, loss] as const)))('hidden %s, output %s, loss %s', async (h, out, loss) => {
    // one SGD step with learning rate lr moves every parameter by −lr·g: recover g and compare
    // it with the float64 finite difference of the float64 reference loss
    const lr = 1;
    const model = await createModel({
      inputs: 3, layers: [{ units: 5, activation: h }, { units: 3, activation: out }], loss,
      optimizer: { type: 'sgd', learningRate: lr }, seed: 7,
    });
    const m = 6;
    const x = Float64Array.from(new Float32Array(randomArray(m * 3, 21, -1.5, 1.5)));
    const y = loss === 'mse' ? randomArray(m * 3, 22, 0, 1) : new Float64Array(m * 3);
    if (loss === 'crossEntropy') for (let r = 0; r < m; r++) y[r * 3 + (r % 3)] = 1;
    if (loss === 'binaryCrossEntropy') for (let i = 0; i < y.length; i++) y[i] = i % 2;
    const y32 = Float64Array.from(new Float32Array(y));
    const before = model.getWeights();
    const layers = [
      { inputs: 3, units: 5, activation: h, weight: Float64Array.from(before[0].weight), bias: Float64Array.from(before[0].bias) },
      { inputs: 5, units: 3, activation: out, weight: Float64Array.from(before[1].weight), bias: Float64Array.from(before[1].bias) },
    ];
    model.fitSync(new Float32Array(x), new Float32Array(y32), { epochs: 1, batchSize: m, shuffle: false });
    const after = model.getWeights();
    const lossAt = () => referenceLoss(loss, referenceForward(layers, x, m)[1], y32, m);
    const analytic = referenceGradients(layers, loss, x, y32, m);
    const h64 = 1e-6;
    for (let i = 0; i < 2; i++) {
      for (const key of ['weight', 'bias'] as const) {
        const params = layers[i][key];
        const numeric = new Float64Array(params.length);
        const ours = new Float64Array(params.length);
        for (let j = 0; j < params.length; j++) {
          const saved = params[j];
          params[j] = saved + h64; const up = lossAt();
          params[j] = saved - h64; const down = lossAt();
          params[j] = saved;
          numeric[j] = (up - down) / (2 * h64);
          ours[j] = (before[i][key][j] - after[i][key][j]) / lr;
        }
        // the reference's backprop is exact up to float64 rounding; ReLU kinks are avoided by
        // the random data (no pre-activation lands within 1e-6 of 0)
        expect(maxError(analytic[i][key], numeric, 1e-3), `reference ${key} ${i}`).toBeLessThan(1e-5);
        expect(maxError(ours, numeric, 1e-3), `model ${key} ${i}`).toBeLessThan(2e-3);
      }
    }
  });
});
