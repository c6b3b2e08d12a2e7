/**
 * Resumable training: 10 epochs equal 5 epochs, toJSON → text → loadModel, then 5 more, bit for
 * bit, for every optimizer — with shuffling, a schedule, reduceLROnPlateau, early stopping and
 * sample weights all carrying state across the save. And the saved form's options and old files.
 */
import { describe, expect, it } from 'vitest';
import { createModel, loadModel, type FitOptions, type Model, type ModelSpec } from '../../src/index.js';
import { OPTIMIZERS } from '../../src/model/spec.js';
import { randomArray } from '../reference.js';

const rows = 67;
const x = Array.from({ length: rows }, (_, r) => Array.from(randomArray(5, 100 + r)));
const y = x.map((row) => (row[0] + 0.5 * row[1] - row[2] * row[3] > 0 ? 1 : row[4] > 0.3 ? 2 : 0));
const vx = x.slice(0, 20).map((row) => row.map((v) => v * 0.9));
const vy = y.slice(0, 20);
const sampleWeight = Array.from({ length: rows }, (_, r) => (r % 7 === 0 ? 0 : 1 + (r % 3) * 0.5));

const bits = (m: Model) => m.getWeights().flatMap((w) => [...new Uint32Array(w.weight.buffer), ...new Uint32Array(w.bias.buffer)]);
const spec = (optimizer: string): ModelSpec => ({
  inputs: 5, layers: [{ units: 9, activation: 'tanh' }, { units: 3, activation: 'softmax' }],
  optimizer: { type: optimizer, learningRate: optimizer === 'sgd' || optimizer === 'momentum' ? 0.05 : 0.01, ...(optimizer === 'momentum' ? { nesterov: true } : {}) } as ModelSpec['optimizer'],
  seed: 7,
});
const options = (epochs: number): FitOptions => ({
  epochs, batchSize: 8, validationData: [vx, vy], sampleWeight, metrics: ['f1'],
  schedule: { type: 'cosine', epochs: 10, warmupEpochs: 2, minLearningRate: 1e-4 },
  reduceLROnPlateau: { monitor: 'valF1', patience: 1, factor: 0.5 },
  earlyStopping: { monitor: 'valLoss', patience: 30, restoreBestWeights: true },
});

describe('training resumes exactly after toJSON and loadModel', () => {
  it.each(OPTIMIZERS)('%s: 10 epochs equal 5 + save + load + 5, bit for bit', async (optimizer) => {
    const straight = await createModel(spec(optimizer));
    const whole = await straight.fit(x, y, options(10));
    const first = await createModel(spec(optimizer));
    const before = await first.fit(x, y, options(5));
    const resumed = await loadModel(JSON.stringify(first));
    const after = await resumed.fit(x, y, options(5));
    expect(bits(resumed)).toEqual(bits(straight));
    expect([...before.loss, ...after.loss]).toEqual(whole.loss);
    expect([...before.learningRate, ...after.learningRate]).toEqual(whole.learningRate);
    expect(resumed.steps).toBe(straight.steps);
    expect(resumed.epochs).toBe(10);
    expect(JSON.stringify(resumed)).toBe(JSON.stringify(straight));
  });

  it.each([
    ['rmsprop centered with momentum and clipNorm', { type: 'rmsprop', centered: true, momentum: 0.9, clipNorm: 1 }],
    ['nadam with clipValue', { type: 'nadam', clipValue: 0.05 }],
    ['adamw', { type: 'adamw', weightDecay: 0.01 }],
  ])('%s, through batch normalization and dropout: 10 epochs equal 5 + save + load + 5', async (_, optimizer) => {
    const deep: ModelSpec = {
      inputs: 5, layers: [{ units: 12, activation: 'relu' }, { type: 'batchNormalization' }, { type: 'dropout', rate: 0.3 }, { units: 3, activation: 'softmax' }],
      optimizer: optimizer as ModelSpec['optimizer'], seed: 11,
    };
    const straight = await createModel(deep);
    await straight.fit(x, y, options(10));
    const first = await createModel(deep);
    await first.fit(x, y, options(5));
    const resumed = await loadModel(JSON.stringify(first));
    await resumed.fit(x, y, options(5));
    expect(bits(resumed)).toEqual(bits(straight));
    expect(resumed.predict(vx)).toEqual(straight.predict(vx));
    expect(JSON.stringify(resumed)).toBe(JSON.stringify(straight));
  });

  it('an early stop in the second half happens at the same epoch and restores the same weights', async () => {
    const es: FitOptions = { epochs: 12, batchSize: 16, validationData: [vx, vy], earlyStopping: { monitor: 'valLoss', patience: 1, restoreBestWeights: true }, schedule: { type: 'step', every: 2, factor: 3 } };
    const run = async (m: Model, epochs: number) => m.fit(x, y, { ...es, epochs });
    const straight = await createModel(spec('adam'));
    const whole = await run(straight, 40);
    expect(whole.stopReason).toBe('earlyStopping');
    const cut = Math.floor(whole.epochs / 2);
    const first = await createModel(spec('adam'));
    await run(first, cut);
    const resumed = await loadModel(JSON.stringify(first));
    const rest = await run(resumed, 40 - cut);
    expect(rest.stopReason).toBe('earlyStopping');
    expect(cut + rest.epochs).toBe(whole.epochs);
    expect(rest.bestEpoch! + cut).toBe(whole.bestEpoch);
    expect(bits(resumed)).toEqual(bits(straight));
  });

  it("toJSON({ optimizer: false }) leaves the moments out: a smaller file whose model restarts them", async () => {
    const model = await createModel(spec('adam'));
    await model.fit(x, y, { epochs: 3 });
    const full = JSON.stringify(model);
    const light = JSON.stringify(model.toJSON({ optimizer: false }));
    expect(light.length).toBeLessThan(full.length * 0.5);
    const a = await loadModel(full);
    const b = await loadModel(light);
    expect(b.predict(x)).toEqual(model.predict(x));
    expect(b.steps).toBe(model.steps);
    await model.fit(x, y, { epochs: 1 });
    await a.fit(x, y, { epochs: 1 });
    await b.fit(x, y, { epochs: 1 });
    expect(bits(a)).toEqual(bits(model));
    expect(bits(b)).not.toEqual(bits(model));
    expect(() => model.toJSON({ optimiser: false } as never)).toThrow(/model\.toJSON: options: unknown option 'optimiser' \(did you mean 'optimizer'\?\)/);
  });

  it('a version 1 file (no optimizer or training state) still loads and trains', async () => {
    const model = await createModel(spec('momentum'));
    await model.fit(x, y, { epochs: 2 });
    const v1 = { ...model.toJSON() } as Record<string, unknown>;
    delete v1.optimizerState;
    delete v1.training;
    v1.version = 1;
    const loaded = await loadModel(JSON.stringify(v1));
    expect(loaded.predict(x)).toEqual(model.predict(x));
    expect(loaded.epochs).toBe(0);
    expect((await loaded.fit(x, y, { epochs: 1 })).epochs).toBe(1);
  });

  it('refuses a corrupted training or optimizer state, naming the field', async () => {
    const model = await createModel(spec('adam'));
    await model.fit(x, y, { epochs: 1 });
    const json = model.toJSON() as unknown as Record<string, any>;
    await expect(loadModel({ ...json, training: { ...json.training, shuffle: [0, 0, 0, 0] } })).rejects.toThrow(/loadModel: training\.shuffle must be four 32-bit unsigned integers, not all 0/);
    await expect(loadModel({ ...json, training: { ...json.training, epoch: -1 } })).rejects.toThrow(/loadModel: training\.epoch must be a non-negative integer; got -1/);
    await expect(loadModel({ ...json, optimizerState: { ...json.optimizerState, blocks: [json.optimizerState.blocks[0]] } })).rejects.toThrow(/optimizerState\.blocks holds 1 blocks; optimizer 'adam' keeps 2/);
    await expect(loadModel({ ...json, optimizerState: { ...json.optimizerState, blocks: [json.optimizerState.blocks[0], 'AAAA'] } })).rejects.toThrow(/optimizerState\.blocks\[1\] holds 4 base64 characters/);
    await expect(loadModel({ ...json, optimizerState: { ...json.optimizerState, biasCorrection: [2, 0.5] } })).rejects.toThrow(/biasCorrection must be two or four numbers in \[0, 1\]/);
  });
});
