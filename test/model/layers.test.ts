/**
 * Dropout, batch normalization, the new losses and optimizers, clipping and L1/L2 through the
 * public API: learning on bundled data sets, prediction without dropout, same bits for the same
 * seed, saving and loading (version 2, and version 1 files), evaluate's loss with penalties, no
 * memory growth, and the bad input of each new field refused with its layer index and name.
 */
import { describe, expect, it } from 'vitest';
import { createModel, datasets, loadModel, trainTestSplit, type ModelSpec } from '../../src/index.js';
import { randomArray } from '../reference.js';

const net = (inputs: number, hidden: ModelSpec['layers'], classes: number, seed: number): ModelSpec => ({
  inputs, layers: [...hidden, { units: classes, activation: 'softmax' }], optimizer: { type: 'adam', learningRate: 0.01 }, seed,
});

describe('learning with batch normalization and dropout', () => {
  it.each([
    ['iris', 40, 16],
    ['digits', 15, 32],
  ] as const)('%s: a 64-unit hidden layer with BN and dropout reaches at least the plain network\'s held-out accuracy', async (name, epochs, batchSize) => {
    const data = await datasets[name]();
    const { train, test } = trainTestSplit(data, { testSize: 0.3, seed: 3, stratify: true, scale: 'standard' });
    const inputs = train.x.cols, classes = data.classes!.length;
    const plain = await createModel(net(inputs, [{ units: 64, activation: 'relu' }], classes, 5));
    const regularized = await createModel(net(inputs, [{ units: 64, activation: 'relu' }, { type: 'batchNormalization' }, { type: 'dropout', rate: 0.2 }], classes, 5));
    plain.fitSync(train, { epochs, batchSize });
    regularized.fitSync(train, { epochs, batchSize });
    const a = plain.evaluate(test).accuracy!, b = regularized.evaluate(test).accuracy!;
    expect(b, `plain ${a}, with BN and dropout ${b}`).toBeGreaterThanOrEqual(a);
    expect(b).toBeGreaterThan(name === 'iris' ? 0.9 : 0.95);
  });

  it('13-64-BN-dropout-3 on a wine-like tabular set (13 features of very different scales, 3 classes) reaches at least 13-64-3\'s held-out accuracy', async () => {
    // 300 rows: three class centres in 13 dimensions, features scaled from 0.01 to 1000 (as the
    // wine data's magnesium and hue are), Gaussian noise, no standardisation: the case batch
    // normalization is for
    const rows = 300, cols = 13;
    const u = randomArray(rows * cols * 2 + rows + 3 * cols, 17, 0, 1);
    let k = 0;
    const centres = Array.from({ length: 3 * cols }, () => u[k++] * 2 - 1);
    const scales = Array.from({ length: cols }, (_, j) => 10 ** (-2 + (5 * j) / (cols - 1)));
    const x = new Float32Array(rows * cols);
    const labels = new Int32Array(rows);
    for (let r = 0; r < rows; r++) {
      const c = Math.floor(u[k++] * 3);
      labels[r] = c;
      for (let j = 0; j < cols; j++) {
        // Box–Muller from two uniforms
        const g = Math.sqrt(-2 * Math.log(1 - u[k++])) * Math.cos(2 * Math.PI * u[k++]);
        x[r * cols + j] = (centres[c * cols + j] + 0.5 * g) * scales[j];
      }
    }
    const split = 210;
    const train = { x: x.subarray(0, split * cols), y: labels.subarray(0, split) };
    const testX = x.subarray(split * cols), testY = labels.subarray(split);
    const spec = (hidden: ModelSpec['layers']): ModelSpec => ({
      inputs: cols, layers: [...hidden, { units: 3, activation: 'softmax' }], optimizer: { type: 'adam', learningRate: 0.01 }, seed: 7,
    });
    const plain = await createModel(spec([{ units: 64, activation: 'relu' }]));
    const regularized = await createModel(spec([{ units: 64, activation: 'relu' }, { type: 'batchNormalization' }, { type: 'dropout', rate: 0.2 }]));
    for (const model of [plain, regularized]) model.fitSync({ rows: split, cols, data: train.x }, train.y, { epochs: 60, batchSize: 16 });
    const a = plain.evaluate({ rows: rows - split, cols, data: testX }, testY).accuracy!;
    const b = regularized.evaluate({ rows: rows - split, cols, data: testX }, testY).accuracy!;
    expect(b, `13-64-3 ${a}, 13-64-BN-dropout-3 ${b}`).toBeGreaterThanOrEqual(a);
    expect(b).toBeGreaterThan(0.8);
  });

  it('every new activation, loss and optimizer learns (loss falls by half on a smooth regression)', async () => {
    const x = Float32Array.from(randomArray(400 * 3, 1, -1, 1));
    const y = Float32Array.from({ length: 400 }, (_, r) => Math.sin(2 * x[r * 3]) + x[r * 3 + 1] * x[r * 3 + 2]);
    const cases: Partial<ModelSpec>[] = [
      ...(['elu', 'selu', 'gelu', 'softplus', 'swish', 'silu', 'softsign'] as const).map((activation) => ({ layers: [{ units: 16, activation }, { units: 1 }] })),
      { loss: 'mae' }, { loss: { type: 'huber', delta: 0.5 } },
      ...(['rmsprop', 'adagrad', 'adamax', 'nadam', 'adamw'] as const).map((type) => ({ optimizer: { type, learningRate: type === 'adagrad' ? 0.1 : 0.01 } })),
      { optimizer: { type: 'rmsprop', learningRate: 0.01, momentum: 0.5, centered: true, clipNorm: 1, clipValue: 0.5 } },
    ];
    for (const c of cases) {
      const model = await createModel({ inputs: 3, layers: [{ units: 16, activation: 'tanh' }, { units: 1 }], optimizer: { type: 'adam', learningRate: 0.01 }, seed: 2, ...c } as ModelSpec);
      const before = model.evaluate(x, y).loss;
      model.fitSync(x, y, { epochs: 30, batchSize: 16 });
      const after = model.evaluate(x, y).loss;
      expect(after, JSON.stringify(c)).toBeLessThan(before / 2);
    }
  });
});

describe('dropout and batch normalization at prediction', () => {
  const spec: ModelSpec = {
    inputs: 6, layers: [{ units: 12, activation: 'relu' }, { type: 'batchNormalization' }, { type: 'dropout', rate: 0.5 }, { units: 3, activation: 'softmax' }], seed: 9,
  };
  const x = Float32Array.from(randomArray(50 * 6, 4, -2, 2));
  const y = Int32Array.from({ length: 50 }, (_, i) => i % 3);

  it('predict twice gives identical outputs; evaluate twice the same loss', async () => {
    const model = await createModel(spec);
    model.fitSync(x, y, { epochs: 3, batchSize: 8 });
    const a = model.predict({ rows: 50, cols: 6, data: x }), b = model.predict({ rows: 50, cols: 6, data: x });
    expect(Array.from(b.data)).toEqual(Array.from(a.data));
    expect(model.evaluate(x, y)).toEqual(model.evaluate(x, y));
  });

  it('the same seed gives the same masks and bits; another seed other weights', async () => {
    const runs = await Promise.all([9, 9, 10].map(async (seed) => {
      const model = await createModel({ ...spec, seed });
      model.fitSync(x, y, { epochs: 2, batchSize: 8 });
      return model.getWeights().flatMap((w) => [...w.weight, ...w.bias, ...(w.movingMean ?? []), ...(w.movingVariance ?? [])]);
    }));
    expect(runs[1]).toEqual(runs[0]);
    expect(runs[2]).not.toEqual(runs[0]);
  });

  it('getWeights: one entry per layer; BN gives γ, β and the moving statistics (γ = 1, β = 0, variance 1 at the start)', async () => {
    const model = await createModel(spec);
    const w = model.getWeights();
    expect(w.map((e) => [e.weight.length, e.bias.length])).toEqual([[72, 12], [12, 12], [0, 0], [36, 3]]);
    expect(Array.from(w[1].weight)).toEqual(new Array(12).fill(1));
    expect(Array.from(w[1].movingVariance!)).toEqual(new Array(12).fill(1));
    expect(model.parameterCount).toBe(72 + 12 + 24 + 39);
  });

  it('training grows no memory after the first epoch', async () => {
    const model = await createModel(spec);
    model.fitSync(x, y, { epochs: 1, batchSize: 8 });
    const bytes = model.memoryBytes;
    model.fitSync(x, y, { epochs: 5, batchSize: 8 });
    model.predict({ rows: 50, cols: 6, data: x });
    expect(model.memoryBytes).toBe(bytes);
  });
});

describe('L1/L2 penalties in the reported loss', () => {
  it('evaluate\'s loss is the data loss plus l1·Σ|w| + l2·Σw² over dense weights (not biases)', async () => {
    const x = Float32Array.from(randomArray(20 * 4, 1));
    const y = Float32Array.from(randomArray(20 * 2, 2));
    const layers = (l1: number, l2: number): ModelSpec['layers'] => [{ units: 5, activation: 'tanh', l1 }, { units: 2, l2 }];
    const a = await createModel({ inputs: 4, layers: layers(0, 0), loss: 'mse', seed: 1 });
    const b = await createModel({ inputs: 4, layers: layers(0.01, 0.1), loss: 'mse', seed: 1 });
    const w = a.getWeights();
    let penalty = 0;
    for (const v of w[0].weight) penalty += Math.fround(0.01) * Math.abs(v);
    for (const v of w[1].weight) penalty += Math.fround(0.1) * v * v;
    expect(b.evaluate(x, y).loss).toBeCloseTo(a.evaluate(x, y).loss + penalty, 6);
    // and training reports it too: the first batch's loss of a full-batch epoch is evaluate's
    const h = b.fitSync(x, y, { epochs: 1, batchSize: 20, shuffle: false });
    expect(h.loss[0]).toBeCloseTo(a.evaluate(x, y).loss + penalty, 5);
  });
});

describe('saving and loading the new kinds', () => {
  it('version 2 keeps layer kinds, γ/β, moving statistics, penalties, huber δ, the optimizer and its clipping: the loaded model predicts the same bits', async () => {
    const model = await createModel({
      inputs: 5, layers: [{ units: 8, activation: 'elu', alpha: 0.5, l2: 0.01 }, { type: 'batchNormalization', momentum: 0.9, epsilon: 0.01 }, { type: 'dropout', rate: 0.25 }, { units: 2, activation: 'gelu', l1: 0.001 }],
      loss: { type: 'huber', delta: 0.7 }, optimizer: { type: 'rmsprop', centered: true, momentum: 0.3, clipNorm: 2, clipValue: 1 }, seed: 4,
    });
    const x = Float32Array.from(randomArray(30 * 5, 3));
    const y = Float32Array.from(randomArray(30 * 2, 4));
    model.fitSync(x, y, { epochs: 2, batchSize: 7 });
    const json = JSON.parse(JSON.stringify(model));
    expect(json.version).toBe(2);
    expect(json.spec.layers).toEqual([
      { units: 8, activation: 'elu', alpha: 0.5, l2: 0.01 }, { type: 'batchNormalization', momentum: 0.9, epsilon: 0.01 }, { type: 'dropout', rate: 0.25 }, { units: 2, activation: 'gelu', l1: 0.001 },
    ]);
    expect(json.spec.loss).toEqual({ type: 'huber', delta: 0.7 });
    expect(json.spec.optimizer).toEqual({ type: 'rmsprop', learningRate: 0.001, rho: 0.9, momentum: 0.3, centered: true, epsilon: 1e-7, clipNorm: 2, clipValue: 1 });
    expect(Object.keys(json.weights[1]).sort()).toEqual(['bias', 'movingMean', 'movingVariance', 'weight']);
    expect(json.weights[2]).toEqual({});
    const copy = await loadModel(json);
    const data = { rows: 30, cols: 5, data: x };
    expect(Array.from(copy.predict(data).data)).toEqual(Array.from(model.predict(data).data));
    expect(copy.getWeights()).toEqual(model.getWeights());
    // and trains on as the original would (the optimizer state and the dropout stream are saved)
    model.fitSync(x, y, { epochs: 1, batchSize: 7 });
    copy.fitSync(x, y, { epochs: 1, batchSize: 7 });
    expect(copy.getWeights()).toEqual(model.getWeights());
  });

  it('a version 1 file (every optimizer field written) still loads', async () => {
    const model = await createModel({ inputs: 2, layers: [{ units: 3, activation: 'leakyRelu', alpha: 0.1 }, { units: 1, activation: 'sigmoid' }], seed: 1 });
    const json = JSON.parse(JSON.stringify(model));
    const v1 = {
      format: 'neuronine-model', version: 1,
      spec: { inputs: 2, layers: json.spec.layers, loss: 'binaryCrossEntropy', optimizer: { type: 'adam', learningRate: 0.001, momentum: 0.9, nesterov: false, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, weightDecay: 0 }, init: 'uniform', seed: 1 },
      weights: json.weights, steps: 0,
    };
    const copy = await loadModel(v1);
    expect(copy.getWeights()).toEqual(model.getWeights());
    expect(copy.spec.optimizer.type).toBe('adam');
  });

  it.each([
    ['a dropout rate of 1', (j: any) => { j.spec.layers[2].rate = 1; }, RangeError, /spec: layers\[2\]\.rate must be a number in \[0, 1\)/],
    ['a negative moving variance', (j: any) => { j.weights[1].movingVariance = Buffer.from(new Float32Array([1, 1, 1, -1]).buffer).toString('base64'); }, RangeError, /weights\[1\]\.movingVariance value 3 is -1/],
    ['moving statistics missing', (j: any) => { delete j.weights[1].movingMean; }, TypeError, /weights\[1\]\.movingMean must be a base64 string/],
    ['weights given to a dropout layer', (j: any) => { j.weights[2] = { weight: '' }; }, TypeError, /weights\[2\]\.weight does not belong to a 'dropout' layer/],
    ['an unknown layer type', (j: any) => { j.spec.layers[1].type = 'layerNorm'; }, TypeError, /spec: layers\[1\]\.type must be one of 'dense', 'dropout', 'batchNormalization'; got 'layerNorm'/],
    ['a BN momentum of 1', (j: any) => { j.spec.layers[1].momentum = 1; }, RangeError, /layers\[1\]\.momentum must be a number in \[0, 1\)/],
  ])('refuses %s, naming the field', async (_name, spoil, kind, message) => {
    const model = await createModel({ inputs: 3, layers: [{ units: 4 }, { type: 'batchNormalization' }, { type: 'dropout', rate: 0.1 }, { units: 1 }], seed: 1 });
    const json = JSON.parse(JSON.stringify(model));
    spoil(json);
    const attempt = loadModel(json);
    await expect(attempt).rejects.toThrow(kind);
    await expect(loadModel(json)).rejects.toThrow(message);
  });
});

describe('bad input for the new fields: a TypeError or RangeError naming the layer and the field', () => {
  const base = (layers: unknown[], extra: object = {}) => ({ inputs: 3, layers: [...layers, { units: 2 }], ...extra }) as unknown as ModelSpec;
  it.each([
    ['dropout rate 1', base([{ units: 4 }, { type: 'dropout', rate: 1 }]), RangeError, /layers\[1\]\.rate must be a number in \[0, 1\); got 1/],
    ['dropout rate negative', base([{ type: 'dropout', rate: -0.1 }]), RangeError, /layers\[0\]\.rate must be a number in \[0, 1\); got -0\.1/],
    ['dropout without rate', base([{ type: 'dropout' }]), TypeError, /layers\[0\]\.rate is missing/],
    ['BN momentum 1', base([{ type: 'batchNormalization', momentum: 1 }]), RangeError, /layers\[0\]\.momentum must be a number in \[0, 1\); got 1/],
    ['BN momentum negative', base([{ type: 'batchNormalization', momentum: -0.5 }]), RangeError, /layers\[0\]\.momentum/],
    ['BN epsilon 0', base([{ units: 4 }, { type: 'batchNormalization', epsilon: 0 }]), RangeError, /layers\[1\]\.epsilon must be greater than 0/],
    ['BN epsilon negative', base([{ type: 'batchNormalization', epsilon: -1 }]), RangeError, /layers\[0\]\.epsilon/],
    ['dropout last', { inputs: 3, layers: [{ units: 4 }, { type: 'dropout', rate: 0.5 }] }, TypeError, /layers\[1\] is a 'dropout' layer, but the last layer must be dense/],
    ['BN last', { inputs: 3, layers: [{ type: 'batchNormalization' }] }, TypeError, /layers\[0\] is a 'batchNormalization' layer, but the last layer must be dense/],
    ['unknown type', base([{ type: 'conv1d', units: 3 }]), TypeError, /layers\[0\]\.type must be one of 'dense', 'dropout', 'batchNormalization'; got 'conv1d'/],
    ['units on dropout', base([{ type: 'dropout', rate: 0.1, units: 3 }]), TypeError, /layers\[0\]: unknown option 'units'/],
    ['l2 negative', base([{ units: 4, l2: -0.01 }]), RangeError, /layers\[0\]\.l2 must be a number in \[0, 1000000\]; got -0\.01/],
    ['l1 not a number', base([{ units: 4, l1: '0.1' }]), RangeError, /layers\[0\]\.l1/],
    ['elu alpha 0', base([{ units: 4, activation: 'elu', alpha: 0 }]), RangeError, /layers\[0\]\.alpha must be greater than 0/],
    ['huber delta 0', base([], { loss: { type: 'huber', delta: 0 } }), RangeError, /loss\.delta must be greater than 0/],
    ['huber delta negative', base([], { loss: { type: 'huber', delta: -1 } }), RangeError, /loss\.delta/],
    ['delta on mse', base([], { loss: { type: 'mse', delta: 1 } }), TypeError, /loss: unknown option 'delta'/],
    ['clipNorm 0', base([], { optimizer: { type: 'adam', clipNorm: 0 } }), RangeError, /optimizer\.clipNorm must be greater than 0/],
    ['clipNorm negative', base([], { optimizer: { type: 'sgd', clipNorm: -1 } }), RangeError, /optimizer\.clipNorm/],
    ['clipValue 0', base([], { optimizer: { type: 'nadam', clipValue: 0 } }), RangeError, /optimizer\.clipValue must be greater than 0/],
    ['rho 1', base([], { optimizer: { type: 'rmsprop', rho: 1 } }), RangeError, /optimizer\.rho must be a number in \[0, 1\)/],
    ['rho on adam', base([], { optimizer: { type: 'adam', rho: 0.9 } }), TypeError, /optimizer\.rho applies to 'rmsprop' only; got type 'adam'/],
    ['centered not boolean', base([], { optimizer: { type: 'rmsprop', centered: 1 } }), TypeError, /optimizer\.centered must be true or false/],
    ['initial accumulator negative', base([], { optimizer: { type: 'adagrad', initialAccumulatorValue: -1 } }), RangeError, /optimizer\.initialAccumulatorValue/],
  ])('%s', async (_name, spec, kind, message) => {
    await expect(createModel(spec as ModelSpec)).rejects.toThrow(kind);
    await expect(createModel(spec as ModelSpec)).rejects.toThrow(message);
  });
});
