/**
 * Shared by the demo test (test/demo/demo.test.ts) and the demo benchmark (bench/demo.ts): builds
 * the demo with Vite (from the current src/) into a folder, adds a `fitSync` worker beside it
 * (test/demo/fitsync-worker.ts bundled by esbuild: the demo's digits, split and network, trained
 * with `fitSync`; started by the demo page itself, so both run in the same renderer), serves the folder on 127.0.0.1 with or without the COOP/COEP headers, records
 * every message the demo's worker posts to the page, and drives a training run.
 */
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import type { TrainConfig } from '../../demo/src/protocol.ts';
import { serveStatic, type StaticServer } from '../browser/harness.js';

const repo = fileURLToPath(new URL('../..', import.meta.url));

export const ISOLATION = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

/** The page's default network: 784-128-10, ReLU, Adam at 0.001, batches of 32. */
export const DEFAULT_CONFIG: TrainConfig = { hidden: [128], activation: 'relu', optimizer: 'adam', learningRate: 0.001, batchSize: 32, epochs: 10, seed: 42 };

/** Builds the demo into `outDir`, and the fitSync worker into `outDir/fitsync/worker.js`. */
export async function buildDemo(outDir: string): Promise<void> {
  const { build } = await import('vite');
  await build({ configFile: resolve(repo, 'demo/vite.config.ts'), logLevel: 'warn', build: { outDir, emptyOutDir: true } });
  const esbuild = await import('esbuild');
  await esbuild.build({
    entryPoints: [resolve(repo, 'test/demo/fitsync-worker.ts')], bundle: true, format: 'esm', platform: 'browser',
    target: 'es2022', outfile: join(outDir, 'fitsync/worker.js'), logLevel: 'warning',
  });
}

export const serveDemo = (outDir: string, isolated: boolean): Promise<StaticServer> => serveStatic({ '/': outDir }, { headers: isolated ? ISOLATION : {} });

/** One message from the demo's worker, as the page received it (`t`: the page's clock, ms). */
export interface Recorded {
  t: number;
  type: string;
  /** 'progress': how many batches it carried (its other fields as posted; the evaluation without its images), the run count so far, the last batch. */
  items?: number;
  runs?: number;
  last?: { epoch: number; batch: number; loss: number; accuracy: number };
  samplesPerSecond?: number;
  [key: string]: unknown;
}

/** Before the page's scripts: wraps `Worker` so that every message of the demo's worker is also recorded in `window.__demoMessages`. */
export async function recordWorkerMessages(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const Native = window.Worker;
    const log: unknown[] = [];
    (window as unknown as { __demoMessages: unknown[]; __NativeWorker: typeof Worker }).__demoMessages = log;
    (window as unknown as { __NativeWorker: typeof Worker }).__NativeWorker = Native;
    window.Worker = class extends Native {
      constructor(url: string | URL, options?: WorkerOptions) {
        super(url, options);
        this.addEventListener('message', (event: MessageEvent) => {
          const m = event.data as Record<string, unknown> & { type: string; batches?: unknown[]; evaluation?: Record<string, unknown> | null };
          const entry: Record<string, unknown> = { t: performance.now() };
          for (const [key, value] of Object.entries(m)) if (key !== 'batches' && key !== 'evaluation') entry[key] = value;
          if (m.type === 'progress') {
            entry.items = m.batches!.length;
            entry.last = m.batches![m.batches!.length - 1];
            entry.evaluation = m.evaluation ? { accuracy: m.evaluation.accuracy, mistakeCount: m.evaluation.mistakeCount, confusion: m.evaluation.confusion } : null;
          }
          log.push(entry);
        });
      }
    };
  });
}

export const recorded = (page: Page): Promise<Recorded[]> => page.evaluate(() => (window as unknown as { __demoMessages: Recorded[] }).__demoMessages);

/** Fills the settings, presses Train and waits for the run's 'done'; returns the messages of this run. */
export async function trainInDemo(page: Page, config: TrainConfig, timeoutMs = 60_000): Promise<Recorded[]> {
  await page.locator('#train:not([disabled])').waitFor({ timeout: 30_000 });
  await page.fill('#hidden', config.hidden.join(','));
  await page.selectOption('#activation', config.activation);
  await page.selectOption('#optimizer', config.optimizer);
  await page.fill('#learning-rate', String(config.learningRate));
  await page.fill('#batch-size', String(config.batchSize));
  await page.fill('#epochs', String(config.epochs));
  const from = (await recorded(page)).length;
  await page.click('#train');
  await page.waitForFunction((n) => (window as unknown as { __demoMessages: { type: string }[] }).__demoMessages.slice(n).some((m) => m.type === 'done'),
    from, { timeout: timeoutMs, polling: 50 });
  const run = (await recorded(page)).slice(from);
  const error = run.find((m) => m.type === 'error');
  if (error) throw new Error(`demo worker: ${String(error.message)}`);
  return run.slice(0, run.findIndex((m) => m.type === 'done') + 1);
}

export interface FitSyncResult {
  seconds: number;
  /** Rows trained ÷ seconds of the whole fitSync call (its checks and copying of the rows included). */
  samplesPerSecond: number;
  /** fitSync's own figure per epoch (training time only). */
  epochSamplesPerSecond: number[];
  loss: number[];
  accuracy: number[];
  testAccuracy: number;
  threads: number;
  threadsNote: string | null;
  error?: string;
}

/**
 * Trains the demo's network on the demo's digits with fitSync (or, `mode` 'fit', with the async
 * fit as the demo's worker calls it, without the demo's work around it), in a worker that the demo page
 * (opened with {@link recordWorkerMessages}) starts beside its own: the same renderer process,
 * origin and headers, so that the two rates differ only by what the workers do.
 */
export async function fitSyncInPage(page: Page, config: TrainConfig, mode: 'fitSync' | 'fit' = 'fitSync'): Promise<FitSyncResult> {
  const result = await page.evaluate(([c, how]) => {
    const w = window as unknown as { __NativeWorker: typeof Worker; __fitSync?: Worker };
    w.__fitSync ??= new w.__NativeWorker(new URL('fitsync/worker.js', location.href), { type: 'module', name: 'fitSync' });
    const worker = w.__fitSync;
    return new Promise<FitSyncResult>((done) => {
      worker.onmessage = (event) => done(event.data as FitSyncResult);
      worker.onerror = (event) => done({ error: `the fitSync worker failed: ${event.message}` } as FitSyncResult);
      worker.postMessage({ config: c, mode: how });
    });
  }, [config, mode] as const);
  if (result.error) throw new Error(`fitSync worker: ${result.error}`);
  return result;
}

/** What one demo run's messages say about its speed and its messaging. */
export interface DemoRunFigures {
  /** Rows trained ÷ the worker's wall-clock seconds of the fit (its 'done' figure: everything the run did after building the model). */
  samplesPerSecond: number;
  /** fit's own epoch figures (training time only: no yields, callbacks or held-out checks), median. */
  fitSamplesPerSecond: number;
  threads: number;
  threadsNote: string | null;
  /** Progress messages, batches they carried, runs of batches fit trained. */
  progressPosts: number;
  batches: number;
  runs: number;
  /** All messages from 'started' to 'done', and the most in any 1-second window. */
  posts: number;
  maxPostsPerSecond: number;
  epochLoss: number[];
  epochAccuracy: number[];
  /** Held-out accuracy after each epoch. */
  heldOutAccuracy: number[];
  seconds: number;
  /** Of `seconds`: fit's training time and the held-out checks' (the rest: yields, callbacks, posts). */
  timing: { fit: number; checks: number };
}

export function demoRunFigures(run: Recorded[], trainRows: number): DemoRunFigures {
  const started = run.find((m) => m.type === 'started');
  const done = run.find((m) => m.type === 'done');
  if (!started || !done) throw new Error('demo run: no started/done message');
  const inRun = run.slice(run.indexOf(started), run.indexOf(done) + 1);
  const progress = inRun.filter((m) => m.type === 'progress');
  const epochs = progress.flatMap((m) => m.epochs as { loss: number; accuracy: number; valAccuracy: number; samplesPerSecond: number }[]);
  let maxPostsPerSecond = 0;
  for (let i = 0, j = 0; i < inRun.length; i++) {
    while (inRun[i].t - inRun[j].t > 1000) j++;
    maxPostsPerSecond = Math.max(maxPostsPerSecond, i - j + 1);
  }
  const rates = epochs.map((e) => Number(e.samplesPerSecond)).sort((a, b) => a - b);
  const seconds = Number(done.seconds);
  return {
    samplesPerSecond: (trainRows * Number(done.epochs)) / seconds,
    fitSamplesPerSecond: rates[rates.length >> 1],
    threads: Number(started.threads),
    threadsNote: (started.threadsNote as string | null) ?? null,
    progressPosts: progress.length,
    batches: progress.reduce((n, m) => n + (m.items ?? 0), 0),
    runs: Number(progress.at(-1)?.runs ?? 0),
    posts: inRun.length,
    maxPostsPerSecond,
    epochLoss: epochs.map((e) => Number(e.loss)),
    epochAccuracy: epochs.map((e) => Number(e.accuracy)),
    heldOutAccuracy: epochs.map((e) => Number(e.valAccuracy)),
    seconds,
    timing: done.timing as { fit: number; checks: number },
  };
}
