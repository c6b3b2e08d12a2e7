/**
 * Training on batches that arrive one at a time: `fit(source)` where the source is an iterable
 * or async iterable of `{ x, y }` batches (`streamCSV`'s result, or any generator). Each epoch
 * iterates the source again, so the source must start over on every `[Symbol.asyncIterator]()`
 * call (a `streamCSV` result does; a generator object does not, and then only one epoch runs).
 * Each batch is checked like `fit`'s data, copied into the training area and trained as one
 * gradient step by the same wasm driver as in-memory training; memory is one batch, whatever the
 * source's size. The in-memory loop (fit.ts) shuffles and batches itself; here the source does.
 */
import { isRecord } from '../check.js';
import { checkKeys } from '../check.js';
import type { Network } from './network.js';
import type { ResolvedSpec } from './spec.js';
import { metricFor, prepare, score, stage, toStaged, fromStaged, type MetricKind, type Prepared } from './evaluate.js';
import { checkRunControls, isDataset, yieldToEventLoop, type BatchLogs, type EpochLogs, type FitOptions, type History, type PipelineLike } from './fit.js';
import { checkOutputAgainstData, describeData } from './agreement.js';

/** Options of `fit` on a batch source. */
export type StreamFitOptions = Pick<FitOptions, 'epochs' | 'validationData' | 'onEpochEnd' | 'onBatchEnd' | 'signal' | 'yieldEvery'>;

const STREAM_FIT_KEYS = ['epochs', 'validationData', 'onEpochEnd', 'onBatchEnd', 'signal', 'yieldEvery'] as const;

/** What the stream loop needs from the model. */
export interface StreamFitHost {
  readonly spec: ResolvedSpec;
  network(where: string): Network;
  encode(x: unknown, pipeline?: PipelineLike): unknown;
}

/** A source of batches: an iterable or async iterable of `{ x, y }`, not an array or a data set. */
export function isBatchSource(value: unknown): value is AsyncIterable<unknown> | Iterable<unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || ArrayBuffer.isView(value) || isDataset(value)) return false;
  return Symbol.asyncIterator in value || Symbol.iterator in value;
}

const now = (): number => (typeof performance !== 'undefined' ? performance.now() : Date.now());

/** Checks the options of a stream fit; those that belong to the source get a pointed message. */
function resolveStreamOptions(where: string, options: unknown): Required<Pick<StreamFitOptions, 'epochs' | 'yieldEvery'>> & StreamFitOptions {
  if (options === undefined) return { epochs: 1, yieldEvery: 10 };
  if (!isRecord(options)) throw new TypeError(`${where}: options must be an object; got ${options === null ? 'null' : typeof options}`);
  for (const key of ['batchSize', 'shuffle', 'validationSplit'] as const) {
    if (key in options) {
      throw new TypeError(`${where}: options.${key} does not apply to a source of batches: the source makes the batches` +
        (key === 'validationSplit' ? '; give options.validationData instead' : ` (e.g. streamCSV's ${key === 'batchSize' ? 'batchSize' : 'shuffleBuffer'})`));
    }
  }
  checkKeys(`${where}: options`, options, STREAM_FIT_KEYS);
  const o = options as StreamFitOptions;
  const epochs = o.epochs ?? 1;
  if (!Number.isInteger(epochs) || epochs < 0) throw new RangeError(`${where}: options.epochs must be a non-negative integer; got ${String(epochs)}`);
  const yieldEvery = checkRunControls(where, o);
  return { ...o, epochs, yieldEvery };
}

/** The source's pipeline, if it carries one (streamCSV's result does). */
export function sourcePipeline(source: unknown): PipelineLike | undefined {
  const pipeline = (source as { pipeline?: unknown }).pipeline;
  return typeof pipeline === 'object' && pipeline !== null && typeof (pipeline as PipelineLike).transform === 'function' ? pipeline as PipelineLike : undefined;
}

/**
 * Checks a stream fit's options and the source against the model (nothing changes in the model).
 * Returns what {@link fitBatches} needs.
 */
export function resolveStreamFit(where: string, host: StreamFitHost, source: unknown, options: unknown) {
  const resolved = resolveStreamOptions(where, options);
  checkOutputAgainstData(where, host.spec, describeData(source));
  const pipeline = sourcePipeline(source);
  let validation: Prepared | undefined;
  if (resolved.validationData !== undefined) {
    const v = resolved.validationData;
    const [vx, vy] = isDataset(v) ? [v.x, v.y] : Array.isArray(v) && v.length === 2 ? v : [undefined, undefined];
    if (vx === undefined) throw new TypeError(`${where}: options.validationData must be [x, y] or a data set { x, y }`);
    const prepared = prepare(`${where}: validationData`, host.spec, host.encode(vx, pipeline), vy);
    validation = fromStaged(`${where}: validationData: x`, toStaged(prepared, host.spec), host.spec);
  }
  return { ...resolved, pipeline, validation };
}

/**
 * Trains on every batch of `source`, `epochs` times. Batches are checked as they come: a bad one
 * stops training with the batch and row named, and the steps before it stay taken (the model is as
 * after the last good batch). A non-finite loss or gradient refuses that step and stops, as in-memory fit.
 */
export async function fitBatches(
  where: string,
  host: StreamFitHost,
  source: AsyncIterable<unknown> | Iterable<unknown>,
  fit: ReturnType<typeof resolveStreamFit>,
): Promise<History> {
  const { spec } = host;
  const { epochs, yieldEvery, signal, onBatchEnd, onEpochEnd, validation, pipeline } = fit;
  const history: History = { loss: [], learningRate: [], samplesPerSecond: [], epochs: 0, stopReason: 'completed' };
  const outputs = spec.layers[spec.layers.length - 1].units;
  let metric: MetricKind | undefined;
  let lastYield = now();
  for (let epoch = 0; epoch < epochs; epoch++) {
    let lossSum = 0, hits = 0, rows = 0, batch = 0, busy = 0;
    const iterator = Symbol.asyncIterator in source
      ? (source as AsyncIterable<unknown>)[Symbol.asyncIterator]()
      : (source as Iterable<unknown>)[Symbol.iterator]();
    for (;;) {
      if (signal?.aborted) {
        history.stopReason = 'aborted';
        return history;
      }
      const next = await iterator.next();
      if (next.done) break;
      const item = next.value;
      const at = `${where}: epoch ${epoch + 1}, batch ${batch + 1}`;
      if (!isRecord(item) || !('x' in item) || !('y' in item)) {
        throw new TypeError(`${at}: expected a batch { x, y }; got ${item === null ? 'null' : Array.isArray(item) ? 'an array' : typeof item}`);
      }
      const prepared = prepare(at, spec, host.encode(item.x, pipeline), item.y);
      const net = host.network(where);
      const t0 = now();
      const size = prepared.features.rows;
      net.ensureBatch(size);
      net.ensureTrain(size, 1);
      const f32 = net.ws.f32;
      prepared.features.copyTo(f32, net.trainX >>> 2, net.finiteCheck);
      prepared.targets.copyTo(f32, net.trainY >>> 2);
      const kind = metricFor(spec, prepared.targets.kind);
      if (metric === undefined) metric = kind;
      net.metric = kind;
      const order = net.ws.i32;
      for (let i = 0; i < size; i++) order[(net.order >>> 2) + i] = i;
      const done = net.k.network_train_batches(net.plan, net.trainX, net.trainY, net.order, size, size, 0, 1, net.losses, net.correct);
      busy += now() - t0;
      const loss = net.ws.f32[net.losses >>> 2];
      if (done < 1) {
        throw new Error(`${at}: the ${net.status === 'loss' ? `loss became ${loss}` : net.status === 'gradient' ? 'gradient stopped being finite' : 'update grew too large'}; ` +
          'training stopped and the weights are left as they were before that step (the steps of earlier batches stay taken). ' +
          `Scale the inputs or lower the learning rate (now ${spec.optimizer.learningRate}).`);
      }
      const correct = net.ws.i32[net.correct >>> 2];
      const perRow = kind === 'threshold' ? outputs : 1;
      lossSum += loss * size;
      hits += correct;
      rows += size;
      if (onBatchEnd) {
        const logs: BatchLogs = { epoch, batch, size, loss };
        if (kind !== 'none') logs.accuracy = correct / (size * perRow);
        onBatchEnd(batch, logs);
      }
      batch++;
      if (now() - lastYield >= yieldEvery) {
        await yieldToEventLoop();
        lastYield = now();
      }
    }
    if (batch === 0) {
      throw new Error(epoch === 0
        ? `${where}: the source gave no batches`
        : `${where}: the source gave no batches in epoch ${epoch + 1}: it cannot start over (a generator object runs once); ` +
          'pass an object whose [Symbol.asyncIterator]() starts a new pass (streamCSV\'s result does), or epochs: 1');
    }
    const seconds = busy / 1000;
    const logs: EpochLogs = { epoch, loss: lossSum / rows, learningRate: spec.optimizer.learningRate, seconds, samplesPerSecond: rows / Math.max(seconds, 1e-9) };
    if (metric !== undefined && metric !== 'none') logs.accuracy = hits / (rows * (metric === 'threshold' ? outputs : 1));
    if (validation) {
      const net = host.network(where);
      const count = stage(net, validation.features, validation.targets);
      const v = score(net, spec, count, metricFor(spec, validation.targets.kind));
      logs.valLoss = v.loss;
      if (v.accuracy !== undefined) logs.valAccuracy = v.accuracy;
    }
    history.loss.push(logs.loss);
    history.learningRate.push(logs.learningRate);
    history.samplesPerSecond.push(logs.samplesPerSecond);
    if (logs.accuracy !== undefined) (history.accuracy ??= []).push(logs.accuracy);
    if (logs.valLoss !== undefined) (history.valLoss ??= []).push(logs.valLoss);
    if (logs.valAccuracy !== undefined) (history.valAccuracy ??= []).push(logs.valAccuracy);
    history.epochs = epoch + 1;
    if (onEpochEnd && (await onEpochEnd(epoch, logs)) === false) {
      history.stopReason = 'callback';
      return history;
    }
  }
  return history;
}
