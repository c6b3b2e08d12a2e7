/**
 * The training worker: loads the packed digits, splits them (8,000 to train, 2,000 held out),
 * trains a neuronine model with `fit` — which yields to the event loop every few milliseconds,
 * so Stop and the drawing canvas's predictions are answered mid-training — and reports
 * progress to the page.
 */
/// <reference lib="webworker" />
import { createModel, createRng, type History, type Matrix, type Model } from '../../src/index.ts';
import { parsePacked, PIXELS } from './format.ts';
import type { FromWorker, SampleItem, ToWorker, TrainConfig } from './protocol.ts';

declare const self: DedicatedWorkerGlobalScope;

const TEST_ROWS = 2000;
const SPLIT_SEED = 20240601;
const GRID = 48;
/** Held-out evaluations per epoch for the validation curve (the last one is fit's own). */
const CHECKS_PER_EPOCH = 4;
/** At most ~30 progress messages a second. */
const FLUSH_MS = 34;

/** Thrown from onBatchEnd to end a fit that Stop asked to end (see run). */
class Stopped extends Error {}

interface Split {
  trainX: Matrix;
  trainY: Int32Array;
  testX: Matrix;
  testY: Int32Array;
  /** The held-out images as bytes, for the sample grid. */
  testBytes: Uint8Array;
}

let data: Split | undefined;
let model: Model | undefined;
let training: AbortController | undefined;

const post = (message: FromWorker, transfer: Transferable[] = []): void => self.postMessage(message, transfer);

async function download(url: string): Promise<ArrayBuffer> {
  const response = await fetch(url);
  if (!response.ok || !response.body) throw new Error(`could not fetch the MNIST data (${url}): HTTP ${response.status}`);
  const total = Number(response.headers.get('Content-Length')) || 0;
  const chunks: Uint8Array[] = [];
  let loaded = 0;
  let last = 0;
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    loaded += value.length;
    if (performance.now() - last > 50) {
      last = performance.now();
      post({ type: 'loading', loaded, total });
    }
  }
  post({ type: 'loading', loaded, total: total || loaded });
  const bytes = new Uint8Array(loaded);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.length;
  }
  // the file is gzip; a server that sends it with Content-Encoding: gzip has already inflated it
  if (bytes[0] !== 0x1f || bytes[1] !== 0x8b) return bytes.buffer;
  const inflated = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'));
  return new Response(inflated).arrayBuffer();
}

async function load(url: string): Promise<void> {
  const started = performance.now();
  const { count, labels, pixels } = parsePacked(await download(url));
  // the file is in digit order: shuffle once, with a fixed seed, then split
  const order = Array.from({ length: count }, (_, i) => i);
  const random = createRng(SPLIT_SEED); // the library's seeded generator: the same split on every load
  for (let i = count - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  const testRows = Math.min(TEST_ROWS, Math.floor(count / 5));
  const trainRows = count - testRows;
  const x = new Float32Array(count * PIXELS);
  const y = new Int32Array(count);
  const testBytes = new Uint8Array(testRows * PIXELS);
  order.forEach((source, row) => {
    const image = pixels.subarray(source * PIXELS, (source + 1) * PIXELS);
    for (let p = 0; p < PIXELS; p++) x[row * PIXELS + p] = image[p] / 255;
    y[row] = labels[source];
    if (row >= trainRows) testBytes.set(image, (row - trainRows) * PIXELS);
  });
  data = {
    trainX: { rows: trainRows, cols: PIXELS, data: x.subarray(0, trainRows * PIXELS) },
    trainY: y.subarray(0, trainRows),
    testX: { rows: testRows, cols: PIXELS, data: x.subarray(trainRows * PIXELS) },
    testY: y.subarray(trainRows),
    testBytes,
  };
  post({ type: 'ready', train: trainRows, test: testRows, seconds: (performance.now() - started) / 1000 });
}

/** Confusion matrix and sample predictions on the held-out set, with the current weights. */
function evaluation(m: Model, split: Split): FromWorker & { type: 'evaluation' } {
  const { testX, testY, testBytes } = split;
  const out = m.predict(testX);
  const confusion = new Array<number>(100).fill(0);
  const samples: SampleItem[] = [];
  const mistakes: SampleItem[] = [];
  let right = 0;
  let mistakeCount = 0;
  for (let r = 0; r < testX.rows; r++) {
    let best = 0;
    for (let c = 1; c < 10; c++) if (out.data[r * 10 + c] > out.data[r * 10 + best]) best = c;
    const label = testY[r];
    confusion[label * 10 + best]++;
    const item = (): SampleItem => ({
      index: r, label, predicted: best, confidence: out.data[r * 10 + best],
      image: testBytes.slice(r * PIXELS, (r + 1) * PIXELS),
    });
    if (best === label) right++;
    else {
      mistakeCount++;
      if (mistakes.length < GRID) mistakes.push(item());
    }
    if (r < GRID) samples.push(item());
  }
  return { type: 'evaluation', accuracy: right / testX.rows, confusion, samples, mistakes, mistakeCount };
}

async function train(config: TrainConfig): Promise<void> {
  if (!data) throw new Error('the data is still loading');
  const split = data;
  const controller = new AbortController();
  training = controller; // set before the first await: a second 'train' is refused
  try {
    await run(config, split, controller);
  } finally {
    training = undefined;
  }
}

async function run(config: TrainConfig, split: Split, controller: AbortController): Promise<void> {
  const relu = config.activation === 'relu' || config.activation === 'leakyRelu';
  const m = await createModel({
    inputs: PIXELS,
    layers: [...config.hidden.map((units) => ({ units, activation: config.activation })), { units: 10, activation: 'softmax' as const }],
    loss: 'crossEntropy',
    optimizer: { type: config.optimizer, learningRate: config.learningRate },
    init: relu ? 'he' : 'xavier',
    seed: config.seed,
  });
  model = m; // the drawing canvas asks this model, and watches it learn
  const rows = split.trainX.rows;
  const batches = Math.ceil(rows / config.batchSize);
  const checkEvery = Math.max(1, Math.ceil(batches / CHECKS_PER_EPOCH));
  post({ type: 'started', parameters: m.parameterCount, batchesPerEpoch: batches, trainRows: rows, config });
  const before = m.evaluate(split.testX, split.testY);
  post({ type: 'validation', at: 0, loss: before.loss, accuracy: before.accuracy ?? 0 });

  let pending: (FromWorker & { type: 'batches' })['items'] = [];
  let lastFlush = performance.now();
  let windowStart = performance.now();
  let windowRows = 0;
  let rate = 0;
  const flush = () => {
    if (pending.length === 0) return;
    const t = performance.now();
    if (t > windowStart) rate = (windowRows * 1000) / (t - windowStart);
    post({ type: 'batches', items: pending, samplesPerSecond: rate });
    pending = [];
    lastFlush = t;
    if (t - windowStart > 500) {
      windowStart = t;
      windowRows = 0;
    }
  };

  const started = performance.now();
  // Stop ends the fit from onBatchEnd, not through fit's `signal`: with both a signal and
  // onBatchEnd, fit runs one batch per wasm call (so that it can stop right after the batch whose
  // callback aborted), which costs the small batches here most of their speed. Thrown from
  // onBatchEnd, Stopped ends the fit after the current run of batches (≤ yieldEvery ms).
  let history: { stopReason: History['stopReason']; epochs: number };
  let epochsDone = 0;
  try {
    history = await m.fit(split.trainX, split.trainY, {
    epochs: config.epochs,
    batchSize: config.batchSize,
    shuffle: true,
    validationData: [split.testX, split.testY],
    yieldEvery: 8,
    onBatchEnd(batch, logs) {
      if (controller.signal.aborted) throw new Stopped();
      pending.push({ epoch: logs.epoch, batch, loss: logs.loss, accuracy: logs.accuracy ?? 0 });
      windowRows += logs.size;
      if (performance.now() - lastFlush >= FLUSH_MS) flush();
      // a few held-out checks inside each epoch draw the validation curve (the epoch's end is fit's
      // own). They run as a microtask, i.e. once fit pauses after this run of batches: evaluating
      // inside onBatchEnd can grow the model's memory, and fit's reads of the logs of the run's
      // remaining batches then come back undefined (see docs/demo.md).
      if ((batch + 1) % checkEvery === 0 && batch + 1 < batches) {
        const at = logs.epoch + (batch + 1) / batches;
        queueMicrotask(() => {
          const v = m.evaluate(split.testX, split.testY);
          flush();
          post({ type: 'validation', at, loss: v.loss, accuracy: v.accuracy ?? 0 });
        });
      }
    },
    onEpochEnd(epoch, logs) {
      epochsDone = epoch + 1;
      flush();
      post({ type: 'validation', at: epoch + 1, loss: logs.valLoss ?? NaN, accuracy: logs.valAccuracy ?? NaN });
      post({
        type: 'epoch', epoch, loss: logs.loss, accuracy: logs.accuracy ?? NaN, valLoss: logs.valLoss ?? NaN,
        valAccuracy: logs.valAccuracy ?? NaN, seconds: logs.seconds, samplesPerSecond: logs.samplesPerSecond,
      });
      post(evaluation(m, split));
      return !controller.signal.aborted;
    },
  });
  } catch (error) {
    if (!(error instanceof Stopped)) throw error;
    history = { stopReason: 'aborted', epochs: epochsDone };
  }
  flush();
  // Stop seen at an epoch's end makes onEpochEnd answer false: that is a stop too
  if (history.stopReason === 'callback') history = { ...history, stopReason: 'aborted' };
  if (history.stopReason !== 'completed') post(evaluation(m, split));
  post({ type: 'done', stopReason: history.stopReason, epochs: history.epochs, seconds: (performance.now() - started) / 1000 });
}

function predict(id: number, pixels: Float32Array): void {
  if (!model) {
    post({ type: 'prediction', id, probabilities: null });
    return;
  }
  const out = model.predict({ rows: 1, cols: PIXELS, data: pixels });
  post({ type: 'prediction', id, probabilities: Array.from(out.data) });
}

const fail = (error: unknown): void => post({ type: 'error', message: error instanceof Error ? error.message : String(error) });

self.onmessage = (event: MessageEvent<ToWorker>) => {
  const message = event.data;
  try {
    switch (message.type) {
      case 'init': load(message.dataUrl).catch(fail); break;
      case 'train':
        if (training) {
          fail(new Error('a network is already training; stop it first'));
          break;
        }
        train(message.config).catch((error: unknown) => {
          fail(error);
          post({ type: 'done', stopReason: 'aborted', epochs: 0, seconds: 0 });
        });
        break;
      case 'stop': training?.abort(); break;
      case 'predict': predict(message.id, message.pixels); break;
    }
  } catch (error) {
    fail(error);
  }
};
