/**
 * The other side of the demo's speed ratio (bench/demo.ts, test/demo/demo.test.ts): a module
 * worker, served beside the built demo (same origin, same COOP/COEP headers), that loads the
 * demo's digits with the demo's own code (same file, same seeded split), builds the demo's network
 * for a configuration (demo/src/spec.ts) and trains it with `fitSync`, timing the call.
 *
 * Message in: { config, mode: 'fitSync' (default) or 'fit', yieldEvery (for 'fit'; default the demo's) }. Message out: { seconds, samplesPerSecond (rows ÷ seconds of the whole
 * call), epochSamplesPerSecond (fitSync's own per-epoch figures: training time only), loss,
 * accuracy, testAccuracy, threads, threadsNote } or { error }.
 */
/// <reference lib="webworker" />
import { createModel } from '../../src/index.ts';
import { download, splitDigits, type Split } from '../../demo/src/digits.ts';
import { DATA_FILE } from '../../demo/src/format.ts';
import { specFor, YIELD_MS } from '../../demo/src/spec.ts';
import type { TrainConfig } from '../../demo/src/protocol.ts';

declare const self: DedicatedWorkerGlobalScope;

let data: Promise<Split> | undefined;

self.onmessage = async (event: MessageEvent<{ config: TrainConfig; dataUrl?: string; mode?: 'fitSync' | 'fit'; yieldEvery?: number }>) => {
  try {
    const { config } = event.data;
    data ??= download(event.data.dataUrl ?? `../${DATA_FILE}`).then(splitDigits);
    const split = await data;
    const model = await createModel(specFor(config));
    const t0 = performance.now();
    const options = { epochs: config.epochs, batchSize: config.batchSize, shuffle: true };
    // 'fit': the async fit as the demo's worker calls it (runs of YIELD_MS, a batch callback),
    // without the demo's work around it (progress posts, held-out checks) or a page that draws
    const history = event.data.mode === 'fit'
      ? await model.fit(split.trainX, split.trainY, { ...options, yieldEvery: event.data.yieldEvery ?? YIELD_MS, onBatchEnd: () => undefined })
      : model.fitSync(split.trainX, split.trainY, options);
    const seconds = (performance.now() - t0) / 1000;
    const test = model.evaluate(split.testX, split.testY);
    self.postMessage({
      seconds, samplesPerSecond: (split.trainX.rows * config.epochs) / seconds, epochSamplesPerSecond: history.samplesPerSecond,
      loss: history.loss, accuracy: history.accuracy,
      testAccuracy: test.accuracy, threads: model.threads, threadsNote: model.threadsNote ?? null,
    });
    model.dispose();
  } catch (error) {
    self.postMessage({ error: error instanceof Error ? `${error.message}\n${error.stack}` : String(error) });
  }
};
