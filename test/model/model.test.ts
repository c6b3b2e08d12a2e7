/**
 * The model's behaviour through its public API: determinism, memory that stops growing,
 * callbacks, aborting, the event loop staying free, save and load, and the data pipeline
 * travelling with the model.
 */
import { describe, expect, it } from 'vitest';
import { createModel, fromObjects, loadCSV, loadModel, trainTestSplit, type Model } from '../../src/index.js';
import { randomArray } from '../reference.js';
import { readFileSync } from 'node:fs';

const spec = () => ({
  inputs: 5,
  layers: [{ units: 12, activation: 'relu' as const }, { units: 3, activation: 'softmax' as const }],
  loss: 'crossEntropy' as const, optimizer: { type: 'adam' as const, learningRate: 0.01 }, seed: 9,
});
const x = Array.from({ length: 200 }, (_, r) => Array.from(randomArray(5, r + 1, -1, 1)));
const y = x.map((row) => (row[0] + row[1] > 0.5 ? 2 : row[2] > 0 ? 1 : 0));

const weightsOf = (model: Model) => model.getWeights().flatMap((w) => [...w.weight, ...w.bias]);

describe('model', () => {
  it('same seed and data give bit-identical weights, twice in one process', async () => {
    const a = await createModel(spec());
    const b = await createModel(spec());
    expect(weightsOf(a)).toEqual(weightsOf(b));
    await a.fit(x, y, { epochs: 5, batchSize: 16 });
    await b.fit(x, y, { epochs: 5, batchSize: 16 });
    expect(weightsOf(a)).toEqual(weightsOf(b));
    const c = await createModel({ ...spec(), seed: 10 });
    expect(weightsOf(c)).not.toEqual(weightsOf(await createModel(spec())));
  });

  it('fitSync and fit give the same weights', async () => {
    const a = await createModel(spec());
    const b = await createModel(spec());
    a.fitSync(x, y, { epochs: 3, batchSize: 8 });
    await b.fit(x, y, { epochs: 3, batchSize: 8, yieldEvery: 0 });
    expect(weightsOf(a)).toEqual(weightsOf(b));
  });

  it('keeps its memory size after the first epoch: 100 more epochs allocate nothing', async () => {
    const model = await createModel(spec());
    await model.fit(x, y, { epochs: 1, batchSize: 32, validationData: [x.slice(0, 50), y.slice(0, 50)] });
    model.predict(x); // plans an evaluation area for 200 rows
    const bytes = model.memoryBytes;
    await model.fit(x, y, { epochs: 100, batchSize: 32, validationData: [x.slice(0, 50), y.slice(0, 50)] });
    model.predict(x);
    model.evaluate(x, y);
    expect(model.memoryBytes).toBe(bytes);
  });

  it('calls onBatchEnd for every batch in order and onEpochEnd per epoch; false stops', async () => {
    const model = await createModel(spec());
    const batches: number[] = [];
    const epochs: number[] = [];
    const history = await model.fit(x, y, {
      epochs: 10, batchSize: 30,
      onBatchEnd: (b, logs) => { batches.push(b); expect(logs.size).toBe(b === 6 ? 20 : 30); },
      onEpochEnd: (e, logs) => { epochs.push(e); expect(logs.accuracy).toBeGreaterThanOrEqual(0); return e < 2; },
    });
    expect(epochs).toEqual([0, 1, 2]);
    expect(batches).toEqual([0, 1, 2, 3, 4, 5, 6, 0, 1, 2, 3, 4, 5, 6, 0, 1, 2, 3, 4, 5, 6]);
    expect(history.stopReason).toBe('callback');
    expect(history.epochs).toBe(3);
    expect(history.loss).toHaveLength(3);
    expect(model.steps).toBe(21);
  });

  it('reports every batch right when a callback grows the memory mid-run', async () => {
    const model = await createModel(spec());
    const big = Array.from({ length: 5000 }, (_, r) => x[r % x.length]);
    const bigY = Array.from({ length: 5000 }, (_, r) => y[r % y.length]);
    const losses: number[] = [];
    model.fitSync(x, y, {
      epochs: 1, batchSize: 10, yieldEvery: 1e9,
      onBatchEnd: (b, logs) => {
        losses.push(logs.loss);
        if (b === 3) model.evaluate(big, bigY); // grows the evaluation area
      },
    });
    expect(losses).toHaveLength(20);
    for (const loss of losses) expect(Number.isFinite(loss)).toBe(true);
  });

  it('stops right after the batch whose onBatchEnd aborts', async () => {
    for (const sync of [true, false]) {
      const model = await createModel(spec());
      const controller = new AbortController();
      const seen: string[] = [];
      const options = {
        epochs: 5, batchSize: 10, signal: controller.signal, yieldEvery: 1e9,
        onBatchEnd: (b: number, logs: { epoch: number }) => { seen.push(`${logs.epoch}:${b}`); if (logs.epoch === 1 && b === 2) controller.abort(); },
        onEpochEnd: () => { seen.push('epoch end'); },
      };
      const history = sync ? model.fitSync(x, y, options) : await model.fit(x, y, options);
      expect(history.stopReason).toBe('aborted');
      expect(history.epochs).toBe(1);
      expect(model.steps).toBe(20 + 3);
      expect(seen.at(-1)).toBe('1:2');
    }
  });

  it('an already aborted signal trains nothing and leaves the shuffle stream as it was', async () => {
    const a = await createModel(spec());
    const b = await createModel(spec());
    const history = await a.fit(x, y, { epochs: 3, signal: AbortSignal.abort() });
    expect(history.epochs).toBe(0);
    expect(a.steps).toBe(0);
    await a.fit(x, y, { epochs: 2 });
    await b.fit(x, y, { epochs: 2 });
    expect(weightsOf(a)).toEqual(weightsOf(b));
  });

  it('awaits an async onEpochEnd', async () => {
    const model = await createModel(spec());
    const seen: number[] = [];
    await model.fit(x, y, { epochs: 3, onEpochEnd: async (e) => { await new Promise((r) => setTimeout(r, 5)); seen.push(e); } });
    expect(seen).toEqual([0, 1, 2]);
  });

  it('stops between batches when its AbortSignal fires and keeps the event loop turning', async () => {
    const model = await createModel({ ...spec(), layers: [{ units: 256, activation: 'relu' }, { units: 3, activation: 'softmax' }] });
    const big = Array.from({ length: 4000 }, (_, r) => x[r % x.length]);
    const bigY = Array.from({ length: 4000 }, (_, r) => y[r % y.length]);
    const controller = new AbortController();
    let ticks = 0;
    // the gap between timer ticks is measured in this process's CPU time, which a busy machine
    // taking the CPU away does not inflate; wall-clock gaps are printed for information
    let longestCpu = 0, longestWall = 0;
    let lastCpu = process.cpuUsage(), lastWall = performance.now();
    const timer = setInterval(() => {
      const cpu = process.cpuUsage(lastCpu), wall = performance.now();
      longestCpu = Math.max(longestCpu, (cpu.user + cpu.system) / 1000);
      longestWall = Math.max(longestWall, wall - lastWall);
      lastCpu = process.cpuUsage();
      lastWall = wall;
      if (++ticks === 20) controller.abort();
    }, 5);
    const history = await model.fit(big, bigY, { epochs: 10000, batchSize: 1, signal: controller.signal });
    clearInterval(timer);
    console.log(`event loop during fit: longest gap ${longestCpu.toFixed(1)} ms of CPU, ${longestWall.toFixed(1)} ms of wall clock`);
    expect(history.stopReason).toBe('aborted');
    expect(ticks).toBeGreaterThanOrEqual(20);
    expect(longestCpu).toBeLessThan(100);
  });

  it('refuses a second fit while one runs, and works after', async () => {
    const model = await createModel(spec());
    const running = model.fit(x, y, { epochs: 20, batchSize: 1 });
    await expect(model.fit(x, y)).rejects.toThrow(/already training/);
    await running;
    await expect(model.fit(x, y, { epochs: 1 })).resolves.toBeTruthy();
  });

  it('validationSplit holds out the last rows', async () => {
    const model = await createModel(spec());
    const history = await model.fit(x, y, { epochs: 2, validationSplit: 0.25 });
    expect(history.valLoss).toHaveLength(2);
    const held = model.evaluate(x.slice(150), y.slice(150));
    expect(history.valLoss!.at(-1)).toBeCloseTo(held.loss, 6);
  });

  it('saves and loads: same predictions, and the loaded model trains on', async () => {
    const model = await createModel({ ...spec(), layers: [{ units: 7, activation: 'leakyRelu', alpha: 0.1 }, { units: 3, activation: 'softmax' }] });
    await model.fit(x, y, { epochs: 3 });
    const text = JSON.stringify(model);
    const again = await loadModel(text);
    expect(again.predict(x)).toEqual(model.predict(x));
    expect(again.spec.layers[0].alpha).toBeCloseTo(0.1);
    expect(again.steps).toBe(model.steps);
    expect(again.toJSON()).toEqual(model.toJSON());
    await again.fit(x, y, { epochs: 1 });
    expect(weightsOf(again)).not.toEqual(weightsOf(model));
  });

  it('predict answers in kind: rows for rows, a matrix for a matrix', async () => {
    const model = await createModel(spec());
    const rows = model.predict(x.slice(0, 3));
    expect(rows).toHaveLength(3);
    expect(rows[0]).toHaveLength(3);
    expect(rows[0].reduce((s, v) => s + v, 0)).toBeCloseTo(1, 5);
    const flat = new Float32Array(x.slice(0, 3).flat());
    const matrix = model.predict({ rows: 3, cols: 5, data: flat });
    expect(matrix.rows).toBe(3);
    expect(Array.from(matrix.data)).toEqual(rows.flat());
    expect(model.predict(flat).data).toEqual(matrix.data);
  });

  it('a model trained through the pipeline predicts label strings from raw CSV rows after save and load', async () => {
    const text = readFileSync(new URL('../../data/iris.csv', import.meta.url), 'utf8');
    const iris = await loadCSV(text, { target: 'species' });
    const { train, test } = trainTestSplit(iris, { testSize: 0.5, seed: 1, stratify: true, scale: 'standard' });
    const model = await createModel({
      inputs: train.x.cols, layers: [{ units: 16, activation: 'relu' }, { units: 3, activation: 'softmax' }],
      loss: 'crossEntropy', optimizer: { type: 'adam', learningRate: 0.01 }, seed: 42,
    });
    await model.fit(train, { epochs: 100 });
    const raw = [
      { sepal_length: 5.1, sepal_width: 3.5, petal_length: 1.4, petal_width: 0.2 },
      { sepal_length: 6.7, sepal_width: 3.0, petal_length: 5.2, petal_width: 2.3 },
    ];
    expect(model.predictClass(raw)).toEqual(['setosa', 'virginica']);
    const again = await loadModel(JSON.stringify(model));
    expect(again.predictClass(raw)).toEqual(['setosa', 'virginica']);
    const csvRows = 'sepal_length,sepal_width,petal_length,petal_width\n5.9,3.0,4.2,1.5\n';
    expect(again.predictClass(csvRows)).toEqual(['versicolor']);
    expect(again.evaluate(test).accuracy).toBeGreaterThanOrEqual(0.9);
  });

  it('saves and loads a one-sigmoid binary classifier trained through a two-class pipeline', async () => {
    const rows = x.map((r, i) => ({ a: r[0], b: r[1], label: r[0] + r[1] > 0 ? 'yes' : 'no' }));
    const data = fromObjects(rows, { target: 'label' });
    const model = await createModel({ inputs: 2, layers: [{ units: 8, activation: 'tanh' }, { units: 1, activation: 'sigmoid' }], optimizer: { type: 'adam', learningRate: 0.05 }, seed: 3 });
    await model.fit(data, { epochs: 30 });
    const again = await loadModel(JSON.stringify(model));
    const probe = [{ a: 0.9, b: 0.8 }, { a: -0.9, b: -0.7 }];
    expect(again.predictClass(probe)).toEqual(['yes', 'no']);
    expect(again.predictClass(probe)).toEqual(model.predictClass(probe));
  });

  it('with a pipeline, raw rows mean the same in fit, validationData, evaluate and predict', async () => {
    const text = readFileSync(new URL('../../data/iris.csv', import.meta.url), 'utf8');
    const { train, test } = trainTestSplit(await loadCSV(text, { target: 'species' }), { seed: 1, stratify: true, scale: 'standard' });
    const raw = text.trim().split('\n').slice(1).map((line) => line.split(',').slice(0, 4).map(Number));
    const model = await createModel({ inputs: 4, layers: [{ units: 8, activation: 'relu' }, { units: 3, activation: 'softmax' }], optimizer: { type: 'adam', learningRate: 0.01 }, seed: 1 });
    await model.fit(train, { epochs: 5 });
    const labels = Int32Array.from(text.trim().split('\n').slice(1), (line) => ['setosa', 'versicolor', 'virginica'].indexOf(line.split(',')[4]));
    const history = await model.fit(train, { epochs: 1, validationData: [raw, labels] });
    const evaluated = model.evaluate(raw, labels);
    expect(history.valLoss![0]).toBeCloseTo(evaluated.loss, 5);
    expect(test.rows).toBe(75);
  });

  it('disposes: later calls say so', async () => {
    const model = await createModel(spec());
    model.dispose();
    expect(() => model.predict(x)).toThrow(/disposed/);
  });
});
