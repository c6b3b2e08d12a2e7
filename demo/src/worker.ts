/**
 * The training worker: loads the packed digits, splits them (8,000 to train, 2,000 held out),
 * trains a neuronine model with `fit` — which yields to the event loop every few milliseconds,
 * so Stop and the drawing canvas's predictions are answered mid-training — and reports
 * progress to the page.
 */
/// <reference lib="webworker" />
import { createModel, type History, type Model } from '../../src/index.ts';
import { download, splitDigits, type Split } from './digits.ts';
import { PIXELS } from './format.ts';
import { specFor, YIELD_MS } from './spec.ts';
import type { BatchItem, EpochFigures, Evaluation, FromWorker, SampleItem, ToWorker, TrainConfig, ValidationPoint } from './protocol.ts';

declare const self: DedicatedWorkerGlobalScope;

const GRID = 48;
/** Held-out checks per epoch for the validation curve, at most (the last one at the epoch's end). */
const CHECKS_PER_EPOCH = 4;
/** A held-out check is due once training has run this many times as long as the last check took. */
const CHECK_BUDGET = 20;
/**
 * At most one progress message every 100 ms (10 a second; the page's prediction requests while
 * training add ≤ 5): every message makes the page lay out, draw the curves and paint, CPU that
 * the training threads need on a small machine, and 10 a second already look live.
 */
const FLUSH_MS = 100;

/** Thrown from onBatchEnd to end a fit that Stop asked to end (see run). */
class Stopped extends Error {}

let data: Split | undefined;
let model: Model | undefined;
let training: AbortController | undefined;

const post = (message: FromWorker, transfer: Transferable[] = []): void => self.postMessage(message, transfer);

async function load(url: string): Promise<void> {
  const started = performance.now();
  data = splitDigits(await download(url, (loaded, total) => post({ type: 'loading', loaded, total })));
  post({ type: 'ready', train: data.trainX.rows, test: data.testX.rows, seconds: (performance.now() - started) / 1000 });
}

/**
 * The held-out figures of the current weights from one pass of `predict` over the 2,000 held-out
 * digits: loss (the mean of −ln max(p, 1e-7) over the true digits' probabilities, the library's
 * crossEntropy), accuracy, and — when `full` — the confusion matrix and sample predictions.
 */
function heldOut(m: Model, split: Split, full: boolean): { loss: number; accuracy: number; evaluation: Evaluation | null } {
  const { testX, testY, testBytes } = split;
  const out = m.predict(testX).data;
  const confusion = new Array<number>(100).fill(0);
  const samples: SampleItem[] = [];
  const mistakes: SampleItem[] = [];
  let right = 0;
  let loss = 0;
  for (let r = 0; r < testX.rows; r++) {
    let best = 0;
    for (let c = 1; c < 10; c++) if (out[r * 10 + c] > out[r * 10 + best]) best = c;
    const label = testY[r];
    loss -= Math.log(Math.max(out[r * 10 + label], 1e-7));
    if (best === label) right++;
    if (!full) continue;
    confusion[label * 10 + best]++;
    const item = (): SampleItem => ({
      index: r, label, predicted: best, confidence: out[r * 10 + best],
      image: testBytes.slice(r * PIXELS, (r + 1) * PIXELS),
    });
    if (best !== label && mistakes.length < GRID) mistakes.push(item());
    if (r < GRID) samples.push(item());
  }
  const accuracy = right / testX.rows;
  return { loss: loss / testX.rows, accuracy, evaluation: full ? { accuracy, confusion, samples, mistakes, mistakeCount: testX.rows - right } : null };
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
  const m = await createModel(specFor(config));
  model?.dispose(); // the previous network's memory and threads
  model = m; // the drawing canvas asks this model, and watches it learn
  const rows = split.trainX.rows;
  const batches = Math.ceil(rows / config.batchSize);
  const checkEvery = Math.max(1, Math.ceil(batches / CHECKS_PER_EPOCH));
  post({ type: 'started', parameters: m.parameterCount, batchesPerEpoch: batches, trainRows: rows, config, threads: m.threads, threadsNote: m.threadsNote ?? null });

  // everything for the page goes out in one 'progress' post at most every FLUSH_MS
  const outbox = { batches: [] as BatchItem[], validation: [] as ValidationPoint[], epochs: [] as EpochFigures[], evaluation: null as Evaluation | null };
  let lastFlush = -Infinity;
  let windowStart = performance.now();
  let windowRows = 0;
  let rate = 0;
  // runs of batches fit has trained: its batches of one run reach onBatchEnd back to back, in
  // one task; a microtask queued at a run's first batch runs once fit pauses after the run
  let runs = 0;
  let inRun = false;
  const endRun = () => { inRun = false; };
  const flush = (force: boolean) => {
    const t = performance.now();
    if (!force && t - lastFlush < FLUSH_MS) return;
    if (outbox.batches.length + outbox.validation.length + outbox.epochs.length === 0 && !outbox.evaluation) return;
    if (t > windowStart) rate = (windowRows * 1000) / (t - windowStart);
    post({ type: 'progress', ...outbox, samplesPerSecond: rate, runs });
    outbox.batches = [];
    outbox.validation = [];
    outbox.epochs = [];
    outbox.evaluation = null;
    lastFlush = t;
    if (t - windowStart > 500) {
      windowStart = t;
      windowRows = 0;
    }
  };

  // held-out checks cost a pass of predict over the 2,000 held-out digits each, so they are
  // rationed by time: one is due only once training has run CHECK_BUDGET times as long as the
  // last check took, since that check (checks then take at most ~1/CHECK_BUDGET of the time).
  // Due checks happen at CHECKS_PER_EPOCH points of an epoch, so a slow network gets four per
  // epoch and a fast one one every few epochs; the last epoch's end always gets one. Each check
  // also refreshes the confusion matrix and the sample predictions.
  let checkSeconds = 0;
  let lastCheckCost = 0;
  let lastCheckEnd = performance.now();
  const check = (at: number, full: boolean) => {
    const t0 = performance.now();
    const v = heldOut(m, split, full);
    outbox.validation.push({ at, loss: v.loss, accuracy: v.accuracy });
    if (v.evaluation) outbox.evaluation = v.evaluation;
    lastCheckEnd = performance.now();
    lastCheckCost = lastCheckEnd - t0;
    checkSeconds += lastCheckCost / 1000;
    return v;
  };
  const due = () => performance.now() - lastCheckEnd >= CHECK_BUDGET * lastCheckCost;
  check(0, false);
  flush(true);

  const started = performance.now();
  checkSeconds = 0;
  let fitSeconds = 0;
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
      yieldEvery: YIELD_MS,
      onBatchEnd(batch, logs) {
        if (controller.signal.aborted) throw new Stopped();
        if (!inRun) {
          inRun = true;
          runs++;
          queueMicrotask(endRun);
        }
        outbox.batches.push({ epoch: logs.epoch, batch, loss: logs.loss, accuracy: logs.accuracy ?? 0 });
        windowRows += logs.size;
        flush(false);
        // a mid-epoch check runs as a microtask, i.e. once fit pauses after this run of batches
        // (evaluating inside onBatchEnd would run between two batches of fit's run)
        if ((batch + 1) % checkEvery === 0 && batch + 1 < batches && due()) {
          const at = logs.epoch + (batch + 1) / batches;
          queueMicrotask(() => check(at, true));
        }
      },
      onEpochEnd(epoch, logs) {
        epochsDone = epoch + 1;
        fitSeconds += logs.seconds;
        const v = epoch + 1 === config.epochs || due() ? check(epoch + 1, true) : undefined;
        outbox.epochs.push({
          epoch, loss: logs.loss, accuracy: logs.accuracy ?? NaN, valLoss: v?.loss ?? NaN, valAccuracy: v?.accuracy ?? NaN,
          seconds: logs.seconds, samplesPerSecond: logs.samplesPerSecond,
        });
        flush(false);
        return !controller.signal.aborted;
      },
    });
  } catch (error) {
    if (!(error instanceof Stopped)) throw error;
    history = { stopReason: 'aborted', epochs: epochsDone };
  }
  // Stop seen at an epoch's end makes onEpochEnd answer false: that is a stop too
  if (history.stopReason === 'callback') history = { ...history, stopReason: 'aborted' };
  // stopped mid-epoch: the confusion matrix and samples of the weights it stopped with
  if (history.stopReason !== 'completed') outbox.evaluation = heldOut(m, split, true).evaluation;
  const seconds = (performance.now() - started) / 1000;
  flush(true);
  post({ type: 'done', stopReason: history.stopReason, epochs: history.epochs, seconds, timing: { fit: fitSeconds, checks: checkSeconds } });
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
          post({ type: 'done', stopReason: 'aborted', epochs: 0, seconds: 0, timing: { fit: 0, checks: 0 } });
        });
        break;
      case 'stop': training?.abort(); break;
      case 'predict': predict(message.id, message.pixels); break;
    }
  } catch (error) {
    fail(error);
  }
};
