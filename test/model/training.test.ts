/**
 * The training loop's options: early stopping (restored weights are exactly those of
 * bestEpoch), schedules and reduceLROnPlateau against their formulas, class and sample weights
 * (weighted mean, rows of weight 0 change nothing), callbacks, summary — and their bad input.
 */
import { describe, expect, it } from 'vitest';
import { createModel, datasets, loadModel, trainTestSplit, type Model, type ModelSpec } from '../../src/index.js';
import { randomArray } from '../reference.js';

const rows = 61;
const x = Array.from({ length: rows }, (_, r) => Array.from(randomArray(4, 300 + r)));
const y = x.map((row) => (row[0] - row[1] + 0.3 * row[2] > 0 ? 1 : row[3] > 0 ? 2 : 0));
const vx = x.slice(0, 25).map((row) => row.map((v) => v + 0.2));
const vy = y.slice(0, 25);
const spec = (extra: Partial<ModelSpec> = {}): ModelSpec => ({
  inputs: 4, layers: [{ units: 7, activation: 'relu' }, { units: 3, activation: 'softmax' }],
  optimizer: { type: 'adam', learningRate: 0.03 }, seed: 3, ...extra,
});
const flat = (m: Model) => m.getWeights().flatMap((w) => [...w.weight, ...w.bias]);
const snapshot = (m: Model) => JSON.stringify(m.toJSON());

describe('earlyStopping', () => {
  it('stops on the monitored figure and ends with exactly the weights of bestEpoch', async () => {
    const model = await createModel(spec({ optimizer: { type: 'adam', learningRate: 0.2 } }));
    const seen: number[][] = [];
    const history = await model.fit(x, y, {
      epochs: 200, batchSize: 8, validationData: [vx, vy],
      earlyStopping: { monitor: 'valLoss', patience: 3, restoreBestWeights: true },
      onEpochEnd: () => { seen.push(flat(model)); },
    });
    expect(history.stopReason).toBe('earlyStopping');
    const best = history.bestEpoch!;
    const valLoss = history.valLoss!;
    expect(valLoss[best]).toBe(Math.min(...valLoss));
    expect(history.epochs).toBe(best + 4); // patience 3: three epochs without improvement after the best one, Keras's count
    expect(flat(model)).toEqual(seen[best]);
    expect(flat(model)).not.toEqual(seen.at(-1));
  });

  it('restores batch normalization\'s moving statistics of bestEpoch too (Keras counts them as weights)', async () => {
    const model = await createModel(spec({
      layers: [{ units: 7, activation: 'relu' }, { type: 'batchNormalization' }, { units: 3, activation: 'softmax' }],
      optimizer: { type: 'adam', learningRate: 0.2 },
    }));
    const every = (m: Model) => m.getWeights().flatMap((w) => [...w.weight, ...w.bias,
      ...((w as { movingMean?: Float32Array }).movingMean ?? []), ...((w as { movingVariance?: Float32Array }).movingVariance ?? [])]);
    const seen: number[][] = [];
    const history = await model.fit(x, y, {
      epochs: 200, batchSize: 8, validationData: [vx, vy],
      earlyStopping: { monitor: 'valLoss', patience: 3, restoreBestWeights: true },
      onEpochEnd: () => { seen.push(every(model)); },
    });
    expect(history.stopReason).toBe('earlyStopping');
    const best = history.bestEpoch!;
    expect(every(model)).toEqual(seen[best]);
    // the moving statistics (layer 1's 7 + 7 values after γ and β) changed after bestEpoch and came back
    const start = 4 * 7 + 7 + 7 + 7;
    const stats = (w: number[]) => w.slice(start, start + 14);
    expect(stats(seen.at(-1)!)).not.toEqual(stats(seen[best]));
    expect(stats(every(model))).toEqual(stats(seen[best]));
    // and the snapshot travels through a save: the loaded model's state equals the saved one
    const again = await loadModel(JSON.parse(snapshot(model)));
    expect(every(again)).toEqual(every(model));
  });

  it('true takes the defaults (valLoss, patience 0); without restoreBestWeights the last weights stay', async () => {
    const model = await createModel(spec({ optimizer: { type: 'adam', learningRate: 0.3 } }));
    let last: number[] = [];
    const history = await model.fit(x, y, { epochs: 300, validationData: [vx, vy], earlyStopping: true, onEpochEnd: () => { last = flat(model); } });
    expect(history.stopReason).toBe('earlyStopping');
    expect(history.epochs).toBe(history.bestEpoch! + 2);
    expect(flat(model)).toEqual(last);
  });

  it('mode auto maximises accuracy-like figures and minDelta demands a real improvement', async () => {
    const model = await createModel(spec());
    const history = await model.fit(x, y, { epochs: 100, validationData: [vx, vy], metrics: ['f1'], earlyStopping: { monitor: 'valF1', patience: 2, minDelta: 0.5 } });
    // nothing improves f1 by 0.5 after the first epoch
    expect(history.epochs).toBe(3);
    expect(history.bestEpoch).toBe(0);
  });
});

describe('schedules', () => {
  const rates = async (schedule: unknown, epochs = 8, lr = 0.04) => {
    const model = await createModel(spec({ optimizer: { type: 'sgd', learningRate: lr } }));
    return { model, history: await model.fit(x, y, { epochs, schedule: schedule as never }) };
  };
  it('step, exponential and cosine with warm-up follow their formulas', async () => {
    const step = await rates({ type: 'step', every: 3, factor: 0.5 });
    expect(step.history.learningRate).toEqual([0, 1, 2, 3, 4, 5, 6, 7].map((e) => 0.04 * 0.5 ** Math.floor(e / 3)));
    const exp = await rates({ type: 'exponential', rate: 0.9 });
    expect(exp.history.learningRate).toEqual([0, 1, 2, 3, 4, 5, 6, 7].map((e) => 0.04 * 0.9 ** e));
    const cos = await rates({ type: 'cosine', warmupEpochs: 2, minLearningRate: 0.001 });
    const expected = [0, 1, 2, 3, 4, 5, 6, 7].map((e) => (e < 2 ? (0.04 * (e + 1)) / 2 : 0.001 + ((0.04 - 0.001) * (1 + Math.cos((Math.PI * (e - 2)) / 6))) / 2));
    cos.history.learningRate.forEach((v, i) => expect(v).toBeCloseTo(expected[i], 15));
    expect(cos.model.learningRate).toBe(cos.history.learningRate.at(-1));
  });

  it('a second fit continues the schedule; a rate set by hand starts it afresh', async () => {
    const { model, history } = await rates({ type: 'step', every: 2, factor: 0.1 }, 3);
    const again = await model.fit(x, y, { epochs: 3, schedule: { type: 'step', every: 2, factor: 0.1 } });
    expect([...history.learningRate, ...again.learningRate].map((v) => +v.toPrecision(12))).toEqual([0.04, 0.04, 0.004, 0.004, 0.0004, 0.0004]);
    model.learningRate = 0.5;
    const fresh = await model.fit(x, y, { epochs: 3, schedule: { type: 'step', every: 2, factor: 0.1 } });
    expect(fresh.learningRate.map((v) => +v.toPrecision(12))).toEqual([0.5, 0.5, 0.05]);
  });

  it('a function gets the model epoch and the current rate, so rates chain', async () => {
    const calls: [number, number][] = [];
    const { history } = await rates((epoch: number, rate: number) => { calls.push([epoch, rate]); return rate * 0.5; }, 4);
    expect(history.learningRate).toEqual([0.02, 0.01, 0.005, 0.0025]);
    expect(calls).toEqual([[0, 0.04], [1, 0.02], [2, 0.01], [3, 0.005]]);
  });

  it('reduceLROnPlateau follows Keras\'s rule on the logged figure', async () => {
    const model = await createModel(spec({ optimizer: { type: 'adam', learningRate: 0.2 } }));
    const options = { monitor: 'valLoss', factor: 0.5, patience: 2, minDelta: 1e-3, cooldown: 1, minLearningRate: 0.02 };
    const history = await model.fit(x, y, { epochs: 40, batchSize: 16, validationData: [vx, vy], reduceLROnPlateau: options });
    // replay the rule on the history
    let lr = 0.2, best = Infinity, wait = 0, cooldown = 0;
    const expected: number[] = [];
    for (const value of history.valLoss!) {
      expected.push(lr);
      if (cooldown > 0) { cooldown--; wait = 0; }
      if (value < best - options.minDelta) { best = value; wait = 0; continue; }
      if (cooldown > 0) continue;
      wait++;
      if (wait >= options.patience && lr > options.minLearningRate) { lr = Math.max(lr * options.factor, options.minLearningRate); cooldown = options.cooldown; wait = 0; }
    }
    expect(history.learningRate).toEqual(expected);
    expect(new Set(history.learningRate).size).toBeGreaterThan(1);
  });
});

describe('classWeight and sampleWeight', () => {
  const sgd = spec({ optimizer: { type: 'sgd', learningRate: 0.1 } });
  it('weights of 1 train exactly as no weights', async () => {
    const a = await createModel(sgd);
    const b = await createModel(sgd);
    await a.fit(x, y, { epochs: 3, batchSize: 8 });
    await b.fit(x, y, { epochs: 3, batchSize: 8, sampleWeight: new Array(rows).fill(1), classWeight: [1, 1, 1] });
    expect(flat(b)).toEqual(flat(a));
  });

  it('rows of weight 0 change nothing: their contents do not matter', async () => {
    const w = Array.from({ length: rows }, (_, r) => (r % 4 === 1 ? 0 : 1 + (r % 3)));
    const yChanged = y.map((c, r) => (r % 4 === 1 ? (c + 1) % 3 : c));
    const xChanged = x.map((row, r) => (r % 4 === 1 ? row.map((v) => v * 100) : row));
    const a = await createModel(sgd);
    const b = await createModel(sgd);
    await a.fit(x, y, { epochs: 4, batchSize: 8, sampleWeight: w });
    await b.fit(xChanged, yChanged, { epochs: 4, batchSize: 8, sampleWeight: w });
    expect(flat(b)).toEqual(flat(a));
  });

  it('the loss is Σ w·loss / Σ w and the step equals duplicating rows', async () => {
    const w = Array.from({ length: rows }, (_, r) => (r % 5 === 0 ? 2 : 1));
    const model = await createModel(sgd);
    const before = model.predict(x);
    const history = await model.fit(x, y, { epochs: 1, batchSize: rows, shuffle: false, sampleWeight: w });
    let sum = 0, total = 0;
    before.forEach((p, r) => { sum += -Math.log(Math.max(p[y[r]], 1e-7)) * w[r]; total += w[r]; });
    expect(history.loss[0]).toBeCloseTo(sum / total, 6);
    const twice = await createModel(sgd);
    const dx = [...x, ...x.filter((_, r) => r % 5 === 0)];
    const dy = [...y, ...y.filter((_, r) => r % 5 === 0)];
    await twice.fit(dx, dy, { epochs: 1, batchSize: dx.length, shuffle: false });
    const a = flat(model), b = flat(twice);
    a.forEach((v, i) => expect(v).toBeCloseTo(b[i], 6));
  });

  it('classWeight is sampleWeight by class, keyed by index, label or as an array', async () => {
    const iris = await datasets.iris();
    const { train } = trainTestSplit(iris, { seed: 2, scale: 'standard' });
    const irisSpec: ModelSpec = { inputs: 4, layers: [{ units: 5, activation: 'tanh' }, { units: 3, activation: 'softmax' }], optimizer: 'sgd', seed: 1 };
    const labels = train.pipeline!.classes!;
    const byLabel = await createModel(irisSpec);
    await byLabel.fit(train, { epochs: 2, classWeight: { [labels[2]]: 3, [labels[0]]: 0.5 } });
    const byIndex = await createModel(irisSpec);
    await byIndex.fit(train, { epochs: 2, classWeight: { 2: 3, 0: 0.5 } });
    const byRow = await createModel(irisSpec);
    const classes = Array.from(train.y as ArrayLike<number>);
    await byRow.fit(train, { epochs: 2, sampleWeight: classes.map((c) => [0.5, 1, 3][c]) });
    const byArray = await createModel(irisSpec);
    await byArray.fit(train, { epochs: 2, classWeight: [0.5, 1, 3] });
    expect(flat(byIndex)).toEqual(flat(byLabel));
    expect(flat(byRow)).toEqual(flat(byLabel));
    expect(flat(byArray)).toEqual(flat(byLabel));
  });

  it('a single sigmoid output weighs classes 0 and 1', async () => {
    const binarySpec: ModelSpec = { inputs: 4, layers: [{ units: 5, activation: 'tanh' }, { units: 1, activation: 'sigmoid' }], optimizer: 'adam', seed: 1 };
    const yb = y.map((c) => (c === 1 ? 1 : 0));
    const a = await createModel(binarySpec);
    await a.fit(x, yb, { epochs: 3, classWeight: { 1: 4 } });
    const b = await createModel(binarySpec);
    await b.fit(x, yb, { epochs: 3, sampleWeight: yb.map((c) => (c ? 4 : 1)) });
    expect(flat(a)).toEqual(flat(b));
  });
});

describe('callbacks', () => {
  it('calls the hooks in order, awaits async ones, and false from onEpochBegin stops before training', async () => {
    const model = await createModel(spec());
    const log: string[] = [];
    const history = await model.fit(x, y, {
      epochs: 5, batchSize: 30,
      callbacks: [
        {
          onTrainBegin: async () => { await new Promise((r) => setTimeout(r, 2)); log.push('train'); },
          onEpochBegin: (e, logs) => { log.push(`begin ${e} ${logs.learningRate}`); return e < 2; },
          onBatchEnd: (b) => { log.push(`batch ${b}`); },
          onEpochEnd: async (e) => { await new Promise((r) => setTimeout(r, 1)); log.push(`end ${e}`); },
          onTrainEnd: (h) => { log.push(`done ${h.stopReason} ${h.epochs}`); },
        },
        { onEpochEnd: (e) => { log.push(`second ${e}`); } },
      ],
    });
    expect(log).toEqual(['train', 'begin 0 0.03', 'batch 0', 'batch 1', 'batch 2', 'end 0', 'second 0', 'begin 1 0.03', 'batch 0', 'batch 1', 'batch 2', 'end 1', 'second 1', 'begin 2 0.03', 'done callback 2']);
    expect(history.stopReason).toBe('callback');
    expect(model.steps).toBe(6);
  });

  it('false from a callbacks[] onEpochEnd stops like onEpochEnd', async () => {
    const model = await createModel(spec());
    const history = await model.fit(x, y, { epochs: 9, callbacks: [{ onEpochEnd: (e) => e !== 3 }] });
    expect(history.epochs).toBe(4);
    expect(history.stopReason).toBe('callback');
  });
});

describe('summary', () => {
  it('prints a table like Keras\'s and gives the same as data', async () => {
    const model = await createModel({ inputs: 784, layers: [{ units: 128, activation: 'relu' }, { units: 10, activation: 'softmax' }], seed: 1 });
    const text = model.summary();
    expect(text).toContain('layers[0]   dense   relu         (None, 128)       100,480');
    expect(text).toContain('layers[1]   dense   softmax      (None, 10)          1,290');
    expect(text).toContain('Total params: 101,770 (397.54 KB)');
    const json = model.summary({ json: true });
    expect(json.totalParameters).toBe(model.parameterCount);
    expect(json.layers.map((l) => [l.kind, l.activation, l.outputShape, l.parameters])).toEqual([['dense', 'relu', [null, 128], 100480], ['dense', 'softmax', [null, 10], 1290]]);
  });

  it('counts batch normalization\'s moving statistics as non-trainable, as Keras does', async () => {
    const model = await createModel({ inputs: 13, layers: [{ units: 64, activation: 'relu' }, { type: 'batchNormalization' }, { type: 'dropout', rate: 0.2 }, { units: 3, activation: 'softmax' }], seed: 1 });
    const json = model.summary({ json: true });
    expect(json.layers.map((l) => [l.kind, l.outputShape[1], l.parameters, l.trainable])).toEqual([['dense', 64, 896, 896], ['batchNormalization', 64, 256, 128], ['dropout', 64, 0, 0], ['dense', 3, 195, 195]]);
    expect(json.trainableParameters).toBe(model.parameterCount);
    expect(json.totalParameters).toBe(896 + 256 + 195);
    const text = model.summary();
    expect(text).toContain('layers[1]   batchNormalization                (None, 64)            256');
    expect(text).toContain('Trainable params: 1,219 (4.76 KB)');
    expect(text).toContain('Non-trainable params: 128 (512 B)');
  });
});

describe('bad input: a clear error, nothing trained', () => {
  const cases: [string, Record<string, unknown>, RegExp, ErrorConstructor][] = [
    ['unknown monitor', { validationData: [vx, vy], earlyStopping: { monitor: 'valLos' } }, /options\.earlyStopping\.monitor: unknown figure 'valLos' \(did you mean 'valLoss'\?\); this fit logs loss, accuracy, valLoss, valAccuracy/, TypeError],
    ['snake-case monitor', { validationData: [vx, vy], earlyStopping: { monitor: 'val_accuracy' } }, /unknown figure 'val_accuracy' \(did you mean 'valAccuracy'\?\)/, TypeError],
    ['valLoss without validation', { earlyStopping: true }, /this fit does not log 'valLoss' \(give validationData or validationSplit/, TypeError],
    ['metric monitored but not logged', { reduceLROnPlateau: { monitor: 'f1' } }, /reduceLROnPlateau\.monitor: this fit does not log 'f1' \(add it to options\.metrics\)/, TypeError],
    ['negative patience', { earlyStopping: { monitor: 'loss', patience: -1 } }, /options\.earlyStopping\.patience must be a non-negative integer \(epochs\); got -1/, RangeError],
    ['bad mode', { earlyStopping: { monitor: 'loss', mode: 'up' } }, /earlyStopping\.mode must be 'auto', 'min' or 'max'; got 'up'/, TypeError],
    ['unknown earlyStopping option', { earlyStopping: { monitor: 'loss', patiense: 2 } }, /unknown option 'patiense' \(did you mean 'patience'\?\)/, TypeError],
    ['unknown schedule type', { schedule: { type: 'linear' } }, /schedule\.type must be one of 'step', 'exponential', 'cosine' \(or give a function\); got 'linear'/, TypeError],
    ['step without factor', { schedule: { type: 'step', every: 2 } }, /a 'step' schedule needs every \(epochs\) and factor/, TypeError],
    ['cosine warm-up too long', { schedule: { type: 'cosine', epochs: 3, warmupEpochs: 3 } }, /warmupEpochs \(3\) must be less than epochs \(3\)/, RangeError],
    ['plateau factor 1', { reduceLROnPlateau: { monitor: 'loss', factor: 1 } }, /reduceLROnPlateau\.factor must be a number in \(0, 1\); got 1/, RangeError],
    ['sampleWeight too short', { sampleWeight: [1, 2, 3] }, /options\.sampleWeight has 3 weights; x has 61 rows/, RangeError],
    ['negative sample weight', { sampleWeight: x.map((_, r) => (r === 5 ? -1 : 1)) }, /options\.sampleWeight\[5\] is -1; a weight must be a finite number ≥ 0/, RangeError],
    ['all weights 0', { sampleWeight: x.map(() => 0) }, /gives every training row weight 0; nothing would train/, RangeError],
    ['classWeight unknown class', { classWeight: { 3: 2 } }, /options\.classWeight: class '3' does not exist; the classes are 0 to 2/, RangeError],
    ['classWeight wrong length', { classWeight: [1, 2] }, /options\.classWeight has 2 weights; the model has 3 classes/, RangeError],
    ['classWeight NaN', { classWeight: { 1: NaN } }, /options\.classWeight\['1'\] is NaN; a weight must be a finite number ≥ 0/, RangeError],
    ['unknown metric', { metrics: ['f1', 'precission'] }, /options\.metrics\[1\]: unknown metric 'precission' \(did you mean 'precision'\?\); known metrics: accuracy, precision/, TypeError],
    ['regression metric on a classifier', { metrics: ['rmse'] }, /'rmse' is a regression metric; this model classifies/, TypeError],
    ['auc on three classes', { metrics: ['auc'] }, /'auc' needs a binary problem/, TypeError],
    ['callback not a function', { callbacks: [{ onEpochEnd: 3 }] }, /options\.callbacks\[0\]\.onEpochEnd must be a function; got number/, TypeError],
    ['unknown callback hook', { callbacks: [{ onEpochStart: () => 1 }] }, /callbacks\[0\]: unknown option 'onEpochStart' \(did you mean 'onEpochBegin'\?\)/, TypeError],
  ];
  it.each(cases)('%s', async (_, options, message, kind) => {
    const model = await createModel(spec());
    const before = snapshot(model);
    const attempt = model.fit(x, y, { epochs: 2, ...options });
    await expect(attempt).rejects.toThrow(message);
    await expect(attempt).rejects.toBeInstanceOf(kind);
    expect(snapshot(model)).toBe(before);
    expect(model.steps).toBe(0);
  });

  it('a schedule function returning NaN or a negative rate stops before that epoch, naming it', async () => {
    for (const bad of [NaN, -0.1, 0]) {
      const model = await createModel(spec());
      const reference = await createModel(spec());
      await reference.fit(x, y, { epochs: 2, schedule: (_, lr) => lr * 0.5 });
      const attempt = model.fit(x, y, { epochs: 5, schedule: (epoch, lr) => (epoch === 2 ? bad : lr * 0.5) });
      await expect(attempt).rejects.toThrow(new RegExp(`options\\.schedule gave the learning rate ${bad} for epoch 2 of this fit .*Training stopped before that epoch`));
      await expect(attempt).rejects.toBeInstanceOf(RangeError);
      expect(flat(model)).toEqual(flat(reference));
      expect(model.learningRate).toBe(reference.learningRate);
      expect(model.epochs).toBe(2);
      // and the model still trains
      expect((await model.fit(x, y, { epochs: 1 })).epochs).toBe(1);
    }
  });
});

describe('schedule state', () => {
  it('a rate set from a callback restarts the schedule there; a fit without the schedule drops it', async () => {
    const model = await createModel(spec({ optimizer: { type: 'sgd', learningRate: 0.04 } }));
    const step = { type: 'step', every: 1, factor: 0.5 } as const;
    const history = await model.fit(x, y, { epochs: 4, schedule: step, callbacks: [{ onEpochBegin: (e) => { if (e === 2) model.learningRate = 1; } }] });
    // epoch 2 began at 0.01 by the schedule; the callback set 1, which the schedule restarts from at epoch 3
    expect(history.learningRate).toEqual([0.04, 0.02, 1, 1]);
    await model.fit(x, y, { epochs: 1 });
    const again = await model.fit(x, y, { epochs: 2, schedule: step });
    expect(again.learningRate).toEqual([1, 0.5]);
  });
});
