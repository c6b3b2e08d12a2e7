// Threads: one model's kernels split across worker threads that share its memory. Any thread
// count gives the same bits (training and prediction), workers do take part, misuse and bad
// values are refused, workers are stopped by dispose() and by garbage collection, never keep
// the process alive, and a failed worker surfaces as an Error.
import { describe, expect, it } from 'vitest';
import { createModel, type Model } from '../../src/index.js';
import { cores } from '../../src/runtime/runtime.js';
import { runScript } from '../helpers/scripts.js';
import { BOARD } from '../../src/runtime/abi.js';

type Spec = Parameters<typeof createModel>[0];
interface Internals {
  pool?: { helped: number; running: number; stopped: boolean; failure?: string; kill(id: number, ms?: number): void };
  net: { board: number; ws: { i32: Int32Array } };
}
const internals = (model: Model) => model as unknown as Internals;

function data(rows: number, inputs: number, classes: number, seed: number) {
  const x = new Float32Array(rows * inputs);
  for (let i = 0; i < x.length; i++) x[i] = Math.sin(i * 0.713 + seed) * Math.cos(i * 0.031);
  const y = Array.from({ length: rows }, (_, r) => (r * 7 + seed) % classes);
  return { x: { rows, cols: inputs, data: x }, y };
}

const bits = (a: Float32Array, b: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

/** Waits until the model's workers have started and taken tasks (they start in the background). */
async function warmedUp(model: Model, x: { rows: number; cols: number; data: Float32Array }) {
  for (let i = 0; i < 200 && (internals(model).pool?.helped ?? 0) === 0; i++) {
    model.predict(x);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

// Odd sizes on every axis, each GEMM and element-wise job large enough to be split.
const SHAPES: { name: string; spec: Spec; batch: number; rows: number }[] = [
  { name: '97-133-65-17, batch 63', spec: { inputs: 97, layers: [{ units: 133, activation: 'tanh' }, { units: 65, activation: 'sigmoid' }, { units: 17, activation: 'softmax' }], optimizer: 'adam' }, batch: 63, rows: 200 },
  { name: '784-128-10, batch 64', spec: { inputs: 784, layers: [{ units: 128, activation: 'relu' }, { units: 10, activation: 'softmax' }], optimizer: { type: 'momentum', nesterov: true } }, batch: 64, rows: 256 },
  { name: '50-gelu 200-dropout-batchNormalization-7, batch 100', spec: { inputs: 50, layers: [{ units: 200, activation: 'gelu' }, { type: 'dropout', rate: 0.2 }, { type: 'batchNormalization' }, { units: 7, activation: 'softmax' }], optimizer: 'rmsprop' }, batch: 100, rows: 250 },
  { name: '33-300-5 mse, batch 300', spec: { inputs: 33, layers: [{ units: 300, activation: 'leakyRelu' }, { units: 5 }], loss: 'mse', optimizer: 'sgd' }, batch: 300, rows: 301 },
];

describe('threads', () => {
  it.each(SHAPES)('trains $name to the same bits on 1, 2 and 3 threads, workers taking part', async ({ spec, batch, rows }) => {
    const classes = (spec.layers[spec.layers.length - 1] as { units: number }).units;
    const { x, y } = data(rows, spec.inputs!, classes, 3);
    const target = spec.loss === 'mse' ? Array.from({ length: rows }, (_, r) => Array.from({ length: classes }, (_, c) => Math.sin(r + c))) : y;
    const results: { weights: ReturnType<Model['getWeights']>; predictions: Float32Array; losses: number[] }[] = [];
    for (const threads of [1, 2, 3]) {
      const model = await createModel({ ...spec, seed: 11, threads, kernels: 'portable' });
      expect(model.threads).toBe(threads);
      if (threads > 1) await warmedUp(model, x);
      const history = await model.fit(x, target, { epochs: 3, batchSize: batch });
      if (threads > 1) expect(internals(model).pool!.helped, 'tasks run by workers').toBeGreaterThan(0);
      results.push({ weights: model.getWeights(), predictions: model.predict(x).data, losses: history.loss });
      model.dispose();
    }
    for (const other of results.slice(1)) {
      expect(other.losses).toEqual(results[0].losses);
      other.weights.forEach((layer, i) => {
        expect(bits(layer.weight, results[0].weights[i].weight), `layer ${i} weights`).toBe(true);
        expect(bits(layer.bias, results[0].weights[i].bias), `layer ${i} biases`).toBe(true);
      });
      expect(bits(other.predictions, results[0].predictions), 'predictions').toBe(true);
    }
  });

  // every optimizer's update, and both clippings (the gradient summary's Σg² and max |g|), split
  // across threads: parameters large enough (> 8,192 floats) for the update and the summary to be split
  it.each([
    ['adagrad', { type: 'adagrad' }], ['adamax', { type: 'adamax' }], ['nadam', { type: 'nadam' }],
    ['adamw', { type: 'adamw', weightDecay: 0.01 }], ['centered rmsprop with momentum', { type: 'rmsprop', centered: true, momentum: 0.5 }],
    ['momentum, clipNorm 0.5', { type: 'momentum', clipNorm: 0.5 }], ['sgd, clipValue 0.001', { type: 'sgd', clipValue: 0.001 }],
  ] as const)('updates with %s to the same bits on 1, 2 and 3 threads', async (_name, optimizer) => {
    const spec: Spec = { inputs: 70, layers: [{ units: 150, activation: 'relu' }, { units: 9, activation: 'softmax' }], optimizer: optimizer as Spec['optimizer'], seed: 5, kernels: 'portable' };
    const { x, y } = data(160, 70, 9, 4);
    const weights: ReturnType<Model['getWeights']>[] = [];
    for (const threads of [1, 2, 3]) {
      const model = await createModel({ ...spec, threads });
      if (threads > 1) await warmedUp(model, x);
      await model.fit(x, y, { epochs: 2, batchSize: 40 });
      weights.push(model.getWeights());
      model.dispose();
    }
    for (const other of weights.slice(1)) {
      other.forEach((layer, i) => {
        expect(bits(layer.weight, weights[0][i].weight), `layer ${i} weights`).toBe(true);
        expect(bits(layer.bias, weights[0][i].bias), `layer ${i} biases`).toBe(true);
      });
    }
  });

  it('finds a non-finite input value anywhere in a large input on threads (the check is split into ranges)', async () => {
    const model = await createModel({ ...SHAPES[1].spec, seed: 1, threads: 3 });
    const { x } = data(300, 784, 10, 1);
    await warmedUp(model, x);
    for (const at of [0, 123 * 784 + 5, 300 * 784 - 1]) {
      const bad = { ...x, data: x.data.slice() };
      bad.data[at] = at % 2 ? Number.POSITIVE_INFINITY : Number.NaN;
      expect(() => model.predict(bad)).toThrow(RangeError);
      expect(() => model.predict(bad)).toThrow(new RegExp(`row \\d+ \\(index ${Math.floor(at / 784)}\\), column \\d+ \\(index ${at % 784}\\)`));
    }
    expect(model.predict(x).rows).toBe(300);
    expect(internals(model).pool!.helped).toBeGreaterThan(0);
    model.dispose();
  });

  // predict splits by rows: every thread runs all layers on blocks of rows, and the workers start on
  // a block as soon as the calling thread has copied it in (the copy and the prediction overlap)
  it.each([1, 2, 5, 31, 32, 33, 65, 257, 1000])('predicts %i rows to the same bits on 1, 2 and 3 threads, row by row as alone', async (rows) => {
    const spec: Spec = { inputs: 61, layers: [{ units: 67, activation: 'elu' }, { type: 'batchNormalization' }, { type: 'dropout', rate: 0.5 }, { units: 5, activation: 'softmax' }], seed: 9, kernels: 'portable' };
    const { x, y } = data(rows, 61, 5, 2);
    const nested = Array.from({ length: rows }, (_, r) => Array.from(x.data.subarray(r * 61, r * 61 + 61)));
    const outs: Float32Array[] = [];
    const evaluations: ReturnType<Model['evaluate']>[] = [];
    for (const threads of [1, 2, 3]) {
      const model = await createModel({ ...spec, threads });
      await model.fit(x, y, { epochs: 1, batchSize: 16 });
      if (threads > 1) await warmedUp(model, x);
      const helped = internals(model).pool?.helped ?? 0;
      const out = model.predict(x).data;
      // nested rows are copied (and checked) block by block too
      expect(bits(Float32Array.from(model.predict(nested).flat()), out), 'number[][] rows').toBe(true);
      // workers take blocks (on tiny inputs the calling thread may finish first: try a few times)
      if (threads > 1 && rows >= 257) {
        for (let i = 0; i < 100 && internals(model).pool!.helped === helped; i++) model.predict(x);
        expect(internals(model).pool!.helped, 'workers took prediction blocks').toBeGreaterThan(helped);
      }
      for (const r of [0, rows >> 1, rows - 1]) {
        const alone = model.predict({ rows: 1, cols: 61, data: x.data.slice(r * 61, r * 61 + 61) }).data;
        expect(bits(alone, out.subarray(r * 5, r * 5 + 5)), `row ${r} alone`).toBe(true);
      }
      // evaluate stages its targets behind the same split prediction
      evaluations.push(model.evaluate(x, y));
      outs.push(out);
      model.dispose();
    }
    expect(bits(outs[1], outs[0]), '2 threads').toBe(true);
    expect(bits(outs[2], outs[0]), '3 threads').toBe(true);
    expect(evaluations[1]).toEqual(evaluations[0]);
    expect(evaluations[2]).toEqual(evaluations[0]);
  });

  it('predicts in blocks of at most 256 rows after training with larger batches (the arenas do not grow with the batch)', async () => {
    const spec: Spec = { inputs: 40, layers: [{ units: 300, activation: 'relu' }, { units: 3, activation: 'softmax' }], seed: 4, kernels: 'portable' };
    const { x, y } = data(1500, 40, 3, 8);
    const outs: Float32Array[] = [];
    for (const threads of [1, 2]) {
      const model = await createModel({ ...spec, threads });
      await model.fit(x, y, { epochs: 1, batchSize: 700 });
      outs.push(model.predict(x).data);
      const net = (model as unknown as { net: { ws: { i32: Int32Array }; plan: number } }).net;
      // the plan's arena rows (word 50): capped at 256 although the batch buffers hold 700 rows
      expect(net.ws.i32[(net.plan >>> 2) + 50]).toBe(256);
      model.dispose();
    }
    expect(bits(outs[1], outs[0])).toBe(true);
    // every row as it predicts alone
    const one = await createModel({ ...spec, threads: 1 });
    await one.fit(x, y, { epochs: 1, batchSize: 700 });
    for (const r of [0, 255, 256, 1499]) expect(bits(one.predict({ rows: 1, cols: 40, data: x.data.slice(r * 40, r * 40 + 40) }).data, outs[0].subarray(r * 3, r * 3 + 3)), `row ${r}`).toBe(true);
  });

  it('wakes sleeping workers for each block of a prediction as its rows are copied in', async () => {
    const model = await createModel({ ...SHAPES[1].spec, seed: 3, threads: 2 });
    const { x } = data(1200, 784, 10, 2);
    await warmedUp(model, x);
    // rows behind a Proxy copy slowly (a trap per value: milliseconds per block of 128 rows), so
    // the worker, woken when the prediction is posted, finds nothing ready, spins out and sleeps
    // long before each block is in place: only the wake that comes with each ready block brings it back
    const rows = Array.from({ length: 1200 }, (_, r) => new Proxy(Array.from(x.data.subarray(r * 784, r * 784 + 784)), {}));
    const before = internals(model).pool!.helped;
    const out = model.predict(rows);
    expect(internals(model).pool!.helped, 'the worker took blocks while they were being copied in').toBeGreaterThan(before);
    expect(bits(Float32Array.from(out.flat()), model.predict(x).data)).toBe(true);
    model.dispose();
  });

  it('stops a prediction at a bad nested row while it is being copied in, and predicts the next input exactly', async () => {
    const model = await createModel({ ...SHAPES[1].spec, seed: 2, threads: 2 });
    const { x } = data(3000, 784, 10, 1);
    await warmedUp(model, x);
    const rows = Array.from({ length: 3000 }, (_, r) => Array.from(x.data.subarray(r * 784, r * 784 + 784)) as unknown[]);
    rows[2100][7] = 'seven';
    expect(() => model.predict(rows as number[][])).toThrow(/predict: x: row 2101 \(index 2100\), column 8 \(index 7\) is the string 'seven'/);
    (rows[2100] as number[])[7] = 1e39;
    expect(() => model.predict(rows as number[][])).toThrow(/row 2101 \(index 2100\), column 8 \(index 7\) is 1e\+39; expected a finite number within float32 range/);
    const one = await createModel({ ...SHAPES[1].spec, seed: 2, threads: 1 });
    expect(bits(model.predict(x).data, one.predict(x).data)).toBe(true);
    expect(model.threads).toBe(2);
    model.dispose();
  });

  it('splits even the smallest jobs to the same bits (thresholds at 1: every GEMM and element-wise job is split)', async () => {
    const spec: Spec = { inputs: 5, layers: [{ units: 3, activation: 'tanh' }, { type: 'dropout', rate: 0.3 }, { units: 17, activation: 'relu' }, { units: 2, activation: 'softmax' }], optimizer: 'nadam', seed: 8, kernels: 'portable' };
    const { x, y } = data(37, 5, 2, 6);
    const one = await createModel({ ...spec, threads: 1 });
    await one.fit(x, y, { epochs: 3, batchSize: 7 });
    const split = await createModel({ ...spec, threads: 3 });
    (split as unknown as { net: { k: { parallel_thresholds(macs: number, elements: number): void } } }).net.k.parallel_thresholds(1, 1);
    await warmedUp(split, x);
    await split.fit(x, y, { epochs: 3, batchSize: 7 });
    expect(internals(split).pool!.helped).toBeGreaterThan(0);
    split.getWeights().forEach((layer, i) => {
      expect(bits(layer.weight, one.getWeights()[i].weight), `layer ${i} weights`).toBe(true);
      expect(bits(layer.bias, one.getWeights()[i].bias), `layer ${i} biases`).toBe(true);
    });
    expect(bits(split.predict(x).data, one.predict(x).data)).toBe(true);
    split.dispose();
  });

  // dropout in ranges of elements, batch normalization in blocks of 16 columns: at odd widths
  // (17: one block and a tail; 63, 65: blocks, vectors and a scalar tail split across tasks) and
  // batch sizes down to 1, with every job split (thresholds at 1)
  it.each([1, 5, 64])('trains dropout and batchNormalization layers at batch %i to the same bits on 1, 2 and 3 threads, every job split', async (batch) => {
    const spec: Spec = {
      inputs: 29, layers: [{ units: 65, activation: 'relu' }, { type: 'batchNormalization' }, { type: 'dropout', rate: 0.3 },
        { units: 63, activation: 'tanh' }, { type: 'dropout', rate: 0.1 }, { type: 'batchNormalization', momentum: 0.9 },
        { units: 17, activation: 'elu' }, { type: 'batchNormalization' }, { type: 'dropout', rate: 0.5 }, { units: 5, activation: 'softmax' }],
      optimizer: 'adam', seed: 21, kernels: 'portable',
    };
    const { x, y } = data(batch === 1 ? 40 : 130, 29, 5, 8);
    const results: { weights: ReturnType<Model['getWeights']>; predictions: Float32Array; losses: number[] }[] = [];
    for (const threads of [1, 2, 3]) {
      const model = await createModel({ ...spec, threads });
      if (threads > 1) {
        (model as unknown as { net: { k: { parallel_thresholds(macs: number, elements: number): void } } }).net.k.parallel_thresholds(1, 1);
        await warmedUp(model, x);
      }
      const history = await model.fit(x, y, { epochs: 2, batchSize: batch });
      results.push({ weights: model.getWeights(), predictions: model.predict(x).data, losses: history.loss });
      model.dispose();
    }
    for (const other of results.slice(1)) {
      expect(other.losses).toEqual(results[0].losses);
      other.weights.forEach((layer, i) => {
        for (const key of ['weight', 'bias', 'movingMean', 'movingVariance'] as const) {
          const want = results[0].weights[i][key];
          if (want) expect(bits(layer[key]!, want), `layer ${i} ${key}`).toBe(true);
          else expect(layer[key], `layer ${i} ${key}`).toBeUndefined();
        }
      });
      expect(bits(other.predictions, results[0].predictions), 'predictions').toBe(true);
    }
  });

  it('runs dropout and batchNormalization on the workers during fit (the only jobs of this net large enough to be split)', async () => {
    // batch 64 × 300 columns = 19,200 values ≥ 16,384: batchnorm_forward/backward and
    // dropout_forward/backward are split. Everything else stays below its threshold: the batch
    // copy (2 × 16,384 values), the dense layer's products (64·300·3 < 131,072 multiply-adds),
    // its softmax, bias sums and update (≤ 1,200 values), the input check (180·300 < 4 × 16,384).
    const { x, y } = data(180, 300, 3, 2);
    const helpedDuringFit = async (layers: Spec['layers']) => {
      const model = await createModel({ inputs: 300, layers, seed: 3, threads: 3, kernels: 'portable' });
      let helped = 0;
      for (let attempt = 0; attempt < 40 && helped === 0; attempt++) {
        await new Promise((resolve) => setTimeout(resolve, 10)); // the workers start in the background
        const before = internals(model).pool!.helped;
        await model.fit(x, y, { epochs: 3, batchSize: 64 });
        helped = internals(model).pool!.helped - before;
      }
      model.dispose();
      return helped;
    };
    expect(await helpedDuringFit([{ type: 'batchNormalization' }, { type: 'dropout', rate: 0.25 }, { units: 3, activation: 'softmax' }]),
      'tasks workers ran').toBeGreaterThan(0);
    // the control: the same net without the two layers splits nothing
    expect(await helpedDuringFit([{ units: 3, activation: 'softmax' }]), 'tasks workers ran without the layers').toBe(0);
  });

  it("'auto' gives a small network one thread and a large one the cores", async () => {
    const small = await createModel({ inputs: 4, layers: [{ units: 16, activation: 'relu' }, { units: 3, activation: 'softmax' }] });
    expect(small.threads).toBe(1);
    expect(small.threadsNote).toBeUndefined();
    const large = await createModel({ inputs: 784, layers: [{ units: 128, activation: 'relu' }, { units: 10, activation: 'softmax' }] });
    expect(large.threads).toBe(cores());
    large.dispose();
  });

  it.each([
    [0, RangeError], [-2, RangeError], [1.5, RangeError], [65, RangeError], [Number.NaN, RangeError],
    ['many', TypeError], [true, TypeError], [null, TypeError],
  ])('refuses threads %s with a %o naming the field', async (threads, kind) => {
    const spec = { inputs: 2, layers: [{ units: 1 }], threads } as unknown as Spec;
    await expect(createModel(spec)).rejects.toThrow(kind);
    await expect(createModel(spec)).rejects.toThrow(/createModel: threads must be 'auto' or a whole number of threads from 1 to 64/);
  });

  it('stops the workers on dispose() and refuses later calls', async () => {
    const model = await createModel({ ...SHAPES[1].spec, threads: 3 });
    const { x, y } = data(64, 784, 10, 1);
    await warmedUp(model, x);
    const pool = internals(model).pool!;
    expect(pool.running).toBe(2);
    model.dispose();
    expect(pool.stopped).toBe(true);
    for (let i = 0; i < 100 && pool.running > 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(pool.running).toBe(0);
    await expect(model.fit(x, y)).rejects.toThrow(/model\.fit: the model was disposed/);
  });

  it('turns a failed worker into an Error, leaves the weights as they were and goes on with one thread', async () => {
    const model = await createModel({ ...SHAPES[1].spec, seed: 4, threads: 2 });
    const { x, y } = data(128, 784, 10, 2);
    await model.fit(x, y, { epochs: 1, batchSize: 64 });
    const before = model.getWeights();
    // what a worker's trap does (src/runtime/threads.ts): mark the board failed
    const { board, ws } = internals(model).net;
    Atomics.store(ws.i32, (board >>> 2) + BOARD.failed, 1);
    internals(model).pool!.failure = 'RuntimeError: unreachable (simulated)';
    await expect(model.fit(x, y, { epochs: 1, batchSize: 64 })).rejects.toThrow(/a worker thread failed.*simulated/);
    expect(model.getWeights()).toEqual(before);
    expect(model.threads).toBe(1);
    expect(model.threadsNote).toMatch(/running on 1 thread: a worker failed/);
    const history = await model.fit(x, y, { epochs: 1, batchSize: 64 });
    expect(Number.isFinite(history.loss[0])).toBe(true);
  });

  it('turns a worker killed while the calling thread is inside predict() into an Error, not a hang, and goes on with one thread', async () => {
    const spec: Spec = { inputs: 784, layers: [{ units: 512, activation: 'relu' }, { units: 10, activation: 'softmax' }], seed: 6, kernels: 'portable' };
    const model = await createModel({ ...spec, threads: 2 });
    const { x } = data(2000, 784, 10, 5);
    await warmedUp(model, x);
    const pool = internals(model).pool!;
    expect(pool.running).toBe(1);
    // the supervisor stops the worker 30 ms from now: the calling thread is then spinning in wasm
    pool.kill(1, 30);
    const until = Date.now() + 20_000;
    let error: unknown;
    while (!error && Date.now() < until) {
      try {
        model.predict(x);
      } catch (caught) {
        error = caught;
      }
    }
    expect(error, 'predict() never noticed the dead worker').toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/neuronine: a worker thread failed, so the running step or prediction was abandoned .*worker thread 1 exited \(code 1\)/);
    expect(model.threads).toBe(1);
    expect(model.threadsNote).toMatch(/running on 1 thread: a worker failed \(worker thread 1 exited/);
    expect(pool.stopped).toBe(true);
    // one thread from now on, the same bits as a one-thread model
    const one = await createModel({ ...spec, threads: 1 });
    expect(bits(model.predict(x).data, one.predict(x).data)).toBe(true);
    const history = await model.fit(x, data(2000, 784, 10, 5).y, { epochs: 1, batchSize: 100 });
    expect(Number.isFinite(history.loss[0])).toBe(true);
  });

  it('turns a worker killed during fit() into an Error; the model either goes on with one thread or, when the update was cut, refuses calls', async () => {
    // an update-heavy net (batch 1 on a wide layer, adam): the kill lands in the update about half the time
    const model = await createModel({ inputs: 512, layers: [{ units: 256, activation: 'relu' }, { units: 4, activation: 'softmax' }], optimizer: 'adam', seed: 2, threads: 2, kernels: 'portable' });
    const { x, y } = data(400, 512, 4, 1);
    await warmedUp(model, x);
    internals(model).pool!.kill(1, 40);
    const error = await model.fit(x, y, { epochs: 200, batchSize: 1 }).then(() => undefined, (caught: unknown) => caught);
    expect(error, 'fit() ran 200 epochs without noticing the dead worker').toBeInstanceOf(Error);
    const message = (error as Error).message;
    expect(message).toMatch(/a worker thread failed.*worker thread 1 exited/);
    expect(model.threads).toBe(1);
    if (/half-updated/.test(message)) {
      expect(() => model.getWeights()).toThrow(/model\.weights: a worker thread failed during an optimizer update, which left the parameters half-updated/);
      await expect(model.fit(x, y)).rejects.toThrow(/model\.fit: a worker thread failed during an optimizer update/);
    } else {
      expect(message).toMatch(/its update was not applied; the model goes on with one thread/);
      const history = await model.fit(x, y, { epochs: 1, batchSize: 50 });
      expect(Number.isFinite(history.loss[0])).toBe(true);
    }
  });

  it('lets a process with an undisposed threaded model exit, and stops the workers of a collected one', () => {
    const { status, signal, output } = runScript(['--expose-gc', 'test/threads/fixtures/exit.ts', '--gc'], 60_000);
    expect(signal, `the process did not exit by itself:\n${output}`).toBeNull();
    expect(status, output).toBe(0);
    expect(output).toMatch(/trained on 2 threads/);
    expect(output).toMatch(/collected model's workers stopped: true/);
  });

  it('lets a process whose model lost a worker exit by itself', () => {
    const { status, signal, output } = runScript(['test/threads/fixtures/exit.ts', '--kill'], 60_000);
    expect(signal, `the process did not exit by itself:\n${output}`).toBeNull();
    expect(status, output).toBe(0);
    expect(output).toMatch(/fit after the kill: Error: neuronine: a worker thread failed/);
  });

  it('runs create/fit/dispose cycles with threads', () => {
    const { status, signal, output } = runScript(['scripts/soak.ts', '40', '2'], 60_000);
    expect(signal, output).toBeNull();
    expect(status, output).toBe(0);
  });
});
