/**
 * The model learns real problems: XOR, iris, the 8×8 digits and diabetes regression, held-out
 * figures on data the model never saw, through the data layer's splits and scaling.
 */
import { describe, expect, it } from 'vitest';
import { createModel, datasets, trainTestSplit, type Matrix } from '../../src/index.js';

describe('learning', () => {
  it('solves XOR to 100 %', async () => {
    const model = await createModel({
      inputs: 2, layers: [{ units: 8, activation: 'tanh' }, { units: 1, activation: 'sigmoid' }],
      loss: 'binaryCrossEntropy', optimizer: { type: 'adam', learningRate: 0.05 }, seed: 1,
    });
    const x = [[0, 0], [0, 1], [1, 0], [1, 1]];
    const history = await model.fit(x, [0, 1, 1, 0], { epochs: 400, batchSize: 4 });
    expect(history.accuracy?.at(-1)).toBe(1);
    expect(model.predictClass(x)).toEqual([0, 1, 1, 0]);
    expect(model.evaluate(x, [0, 1, 1, 0]).accuracy).toBe(1);
  });

  it('classifies iris with ≥ 0.95 held-out accuracy', async () => {
    const iris = await datasets.iris();
    const { train, test } = trainTestSplit(iris, { testSize: 0.5, seed: 1, stratify: true, scale: 'standard' });
    const model = await createModel({
      inputs: train.x.cols, layers: [{ units: 16, activation: 'relu' }, { units: 3, activation: 'softmax' }],
      loss: 'crossEntropy', optimizer: { type: 'adam', learningRate: 0.01 }, seed: 42,
    });
    await model.fit(train, { epochs: 100, batchSize: 16 });
    const { accuracy } = model.evaluate(test.x, test.y);
    expect(accuracy).toBeGreaterThanOrEqual(0.95);
  });

  it('classifies the 8×8 digits with ≥ 0.95 held-out accuracy', async () => {
    const digits = await datasets.digits();
    const { train, test } = trainTestSplit(digits, { testSize: 0.5, seed: 2, stratify: true, scale: 'standard' });
    const model = await createModel({
      inputs: 64, layers: [{ units: 64, activation: 'relu' }, { units: 10, activation: 'softmax' }],
      loss: 'crossEntropy', optimizer: { type: 'adam', learningRate: 0.005 }, seed: 3,
    });
    const history = await model.fit(train, { epochs: 30, batchSize: 32, validationData: test });
    expect(history.valAccuracy).toHaveLength(30);
    expect(model.evaluate(test).accuracy).toBeGreaterThanOrEqual(0.95);
    expect(history.valAccuracy!.at(-1)).toBeCloseTo(model.evaluate(test).accuracy!, 10);
  });

  it('fits diabetes clearly better than predicting the mean (R²)', async () => {
    const diabetes = await datasets.diabetes();
    const { train, test } = trainTestSplit(diabetes, { testSize: 0.5, seed: 4, scale: 'standard' });
    // targets are 25–346: scale them for training, undo it for R²
    const ty = train.y as Matrix, vy = test.y as Matrix;
    const mean = ty.data.reduce((s, v) => s + v, 0) / ty.rows;
    const sd = Math.sqrt(ty.data.reduce((s, v) => s + (v - mean) ** 2, 0) / ty.rows);
    const model = await createModel({
      inputs: 10, layers: [{ units: 8, activation: 'relu' }, { units: 1, activation: 'linear' }],
      loss: 'mse', optimizer: { type: 'adam', learningRate: 0.003 }, seed: 5,
    });
    await model.fit(train.x, Array.from(ty.data, (v) => (v - mean) / sd), { epochs: 100, batchSize: 32 });
    const predicted = model.predict(test.x).data;
    let ssRes = 0, ssTot = 0;
    for (let i = 0; i < vy.rows; i++) {
      ssRes += (vy.data[i] - (predicted[i] * sd + mean)) ** 2;
      ssTot += (vy.data[i] - mean) ** 2;
    }
    const r2 = 1 - ssRes / ssTot;
    console.log(`diabetes held-out R² = ${r2.toFixed(3)}`);
    // the mean scores 0; a linear fit scores about 0.45 on this split
    expect(r2).toBeGreaterThan(0.3);
  });
});
