// Numbers that are finite as doubles but not as float32, checked where the model takes them (issue
// 13): optimizer constants that float32 rounds to 0 or 1, weights beyond float32, outputs that
// overflow, one validator for createModel, the learningRate setter and loadModel, and loadModel's
// allocation cap. Each refusal names the field, the value and the limit, and leaves the model as
// it was.

import { describe, expect, it } from 'vitest';
import { createModel, DEFAULT_MAX_PARAMETERS, loadModel, type Model } from '../../src/index.js';

const base = { inputs: 2, layers: [{ units: 3, activation: 'relu' as const }, { units: 2, activation: 'softmax' as const }], seed: 4 };
const x = [[0, 1], [1, 0], [1, 1], [0, 0]];
const y = [1, 1, 0, 0];
const snapshot = (model: Model): string => JSON.stringify(model.toJSON());

async function refused(action: () => Promise<unknown>): Promise<RangeError> {
  const started = performance.now();
  const error = await action().then(() => undefined, (caught: unknown) => caught);
  expect(performance.now() - started).toBeLessThan(1000);
  expect(error).toBeInstanceOf(RangeError);
  return error as RangeError;
}

describe('float32 limits of the spec', () => {
  it.each([
    ['a learning rate that is 0 in float32', { type: 'adam', learningRate: 1e-50 }, "createModel: optimizer.learningRate is 1e-50, which is 0 in float32, the precision the kernels compute in (the smallest positive float32 is 1.4e-45)"],
    ['an sgd learning rate just under float32', { type: 'sgd', learningRate: 5e-46 }, 'createModel: optimizer.learningRate is 5e-46, which is 0 in float32'],
    ["Adam's beta2 that is 1 in float32", { type: 'adam', beta2: 0.99999999999 }, 'createModel: optimizer.beta2 is 0.99999999999, which is 1 in float32, the precision the kernels compute in (the largest float32 below 1 is 0.99999994; use at most 0.9999999)'],
    ["Adam's beta1 that is 1 in float32", { type: 'adam', beta1: 1 - 1e-9 }, 'createModel: optimizer.beta1 is 0.999999999, which is 1 in float32'],
    ["Adam's epsilon that is 0 in float32", { type: 'adam', epsilon: 1e-50 }, 'createModel: optimizer.epsilon is 1e-50, which is 0 in float32'],
    ["RMSprop's rho that is 1 in float32", { type: 'rmsprop', rho: 0.99999999999 }, 'createModel: optimizer.rho is 0.99999999999, which is 1 in float32'],
    ["RMSprop's epsilon that is 0 in float32", { type: 'rmsprop', epsilon: 1e-46 }, 'createModel: optimizer.epsilon is 1e-46, which is 0 in float32'],
    ['momentum that is 1 in float32', { type: 'momentum', momentum: 0.999999999 }, 'createModel: optimizer.momentum is 0.999999999, which is 1 in float32'],
  ])('refuses %s', async (_, optimizer, message) => {
    const error = await refused(() => createModel({ ...base, optimizer: optimizer as never }));
    expect(error.message.startsWith(message)).toBe(true);
  });

  it('accepts the values float32 can hold next to them', async () => {
    for (const optimizer of [{ type: 'adam', learningRate: 1e-40, beta2: 0.9999999, epsilon: 1e-40 }, { type: 'rmsprop', rho: 0.99999994 }, { type: 'sgd', learningRate: 1e6 }]) {
      const model = await createModel({ ...base, optimizer: optimizer as never });
      expect(model.learningRate).toBe(optimizer.type === 'sgd' ? 1e6 : optimizer.type === 'adam' ? 1e-40 : 0.001);
    }
  });

  it('createModel, the learningRate setter and loadModel take the same learning rates', async () => {
    const model = await createModel({ ...base, optimizer: { type: 'sgd', learningRate: 0.1 } });
    const before = snapshot(model);
    for (const rate of [2e6, 1e-50, 0, -1, Number.NaN]) {
      const viaCreate = await createModel({ ...base, optimizer: { type: 'sgd', learningRate: rate } }).then(() => 'accepted', (e: Error) => e.message.replace(/^createModel: optimizer\./, ''));
      let viaSetter = 'accepted';
      try {
        model.learningRate = rate;
      } catch (e) {
        viaSetter = (e as Error).message.replace(/^model\./, '');
      }
      expect(viaSetter).toBe(viaCreate);
      expect(snapshot(model)).toBe(before);
    }
    model.learningRate = 1e6;
    const loaded = await loadModel(JSON.stringify(model));
    expect(loaded.learningRate).toBe(1e6);
    model.learningRate = 1e-40;
    expect((await loadModel(JSON.stringify(model))).learningRate).toBe(1e-40);
    // a file with a rate no model can have is refused like createModel refuses it
    const json = model.toJSON() as unknown as { spec: { optimizer: { learningRate: number } } };
    json.spec.optimizer.learningRate = 2e6;
    expect((await refused(() => loadModel(json))).message).toBe('loadModel: spec: optimizer.learningRate must be a number in [0, 1000000]; got 2000000');
  });
});

describe('float32 limits of weights and outputs', () => {
  it('setWeights refuses a value beyond float32, the model untouched', async () => {
    const model = await createModel(base);
    const before = snapshot(model);
    const layers = model.getWeights();
    layers[1].weight = Float64Array.from(layers[1].weight) as never;
    (layers[1].weight as unknown as Float64Array)[4] = 1e39;
    const error = await refused(async () => model.setWeights(layers));
    expect(error.message).toBe("model.setWeights: layers[1].weight[4] is 1e+39, outside float32's finite range (±3.4028235e38); the model stores weights as float32");
    expect(snapshot(model)).toBe(before);
  });

  it('predict, predictClass and evaluate say so when the outputs overflow', async () => {
    const model = await createModel({ inputs: 2, layers: [{ units: 2, activation: 'relu' }, { units: 1 }], seed: 1 });
    model.setWeights([{ weight: new Float32Array([3e38, 3e38, 3e38, 3e38]), bias: new Float32Array(2) }, { weight: new Float32Array([3e38, 3e38]), bias: new Float32Array(1) }]);
    expect(model.predict([[0, 0]])).toEqual([[0]]);
    const predict = await refused(async () => model.predict([[0, 0], [1, 1]]));
    expect(predict.message).toMatch(/^predict: the outputs of row 2 \(index 1\) are not finite \(column 1 \(index 0\) is Infinity\): a value passed float32's range/);
    await refused(async () => model.predictClass([[1, 1]]));
    expect((await refused(async () => model.evaluate([[1, 1]], [[1]]))).message).toMatch(/^evaluate: the outputs of row 1 \(index 0\) are not finite/);
  });
});

describe("loadModel's allocation cap", () => {
  it('refuses a file describing more parameters than options.maxParameters before decoding anything', async () => {
    const model = await createModel({ inputs: 20, layers: [{ units: 20, activation: 'relu' }, { units: 2, activation: 'softmax' }], seed: 1 });
    await model.fit(Array.from({ length: 8 }, (_, r) => Array.from({ length: 20 }, (_, c) => Math.sin(r + c))), [0, 1, 0, 1, 0, 1, 0, 1], { epochs: 1 });
    const json = model.toJSON() as unknown as { weights: { weight: string }[] };
    expect(model.parameterCount).toBe(462);
    await expect(loadModel(json, { maxParameters: 462 })).resolves.toBeDefined();
    // corrupt weights too: the cap is checked first, so its error comes, not the weights'
    json.weights[0].weight = 'not base64!';
    const error = await refused(() => loadModel(json, { maxParameters: 400 }));
    expect(error.message).toBe('loadModel: the file describes a model of 462 parameters, above options.maxParameters (400); nothing was allocated. Pass a larger maxParameters to load it');
    expect(DEFAULT_MAX_PARAMETERS).toBe(2 ** 24);
    // a file claiming a huge model is refused by the default cap, at once
    const huge = { ...(model.toJSON() as object), spec: { ...(model.toJSON() as unknown as { spec: object }).spec, inputs: 8000, layers: [{ units: 4000, activation: 'relu' }, { units: 2, activation: 'softmax' }] } };
    expect((await refused(() => loadModel(huge))).message).toMatch(/^loadModel: the file describes a model of 32012002 parameters, above options.maxParameters \(16777216\)/);
    await expect(loadModel(json, { maxParameter: 1 } as never)).rejects.toThrow(/^loadModel: options: unknown option 'maxParameter' \(did you mean 'maxParameters'\?\)/);
    await expect(loadModel(json, { maxParameters: 0 })).rejects.toThrow(RangeError);
  });
});
