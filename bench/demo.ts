/**
 * The demo page's training speed against `fitSync` (issue 12: demo worker ÷ fitSync ≥ 0.8 for
 * 784-128-10, batch 32). Builds the demo with Vite, serves it cross-origin isolated (COOP/COEP,
 * as the Vite servers and demo/public/_headers do), and opens it in Debian's Chromium through
 * playwright-core. Each round, interleaved:
 *   - demo: the page's own form and Train button, the default network (784-128-10 ReLU, Adam at
 *     0.001, batches of 32) for a few epochs; its rate is rows trained ÷ the worker's wall-clock
 *     seconds of the fit (the 'done' message: held-out checks, confusion matrix, progress posts
 *     and yields to the worker's event loop all count);
 *   - fitSync: the same network (demo/src/spec.ts), the same 8,000 digits and split
 *     (demo/src/digits.ts), the same epochs, in a second worker that the same page starts
 *     (test/demo/fitsync-worker.ts; the page's main thread idles meanwhile); rows ÷ seconds of
 *     the fitSync call.
 * Both use the default threads ('auto') and kernels ('auto'), so both get the same thread count
 * (printed), and both build a fresh model per run, as the page does on every Train: both rates
 * include fit's setup (checking the rows and copying them into the model's new memory). The
 * ratio is the median of the per-round ratios; beside it, the ratio of fit's own epoch figures
 * (training time only, in the worker and in fitSync), and a third contender that splits the
 * gap: the async `fit` as the worker calls it (runs of 50 ms, a batch callback) in an idle worker
 * of the same page, without the demo's posts, checks and drawing. Each round also checks that
 * all three trained the same bits (the same per-epoch training loss).
 *
 *   npx tsx bench/demo.ts [--quick]          (also part 'demo' of bench/index.ts)
 */
import os from 'node:os';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromiumAvailable, launchChromium } from '../test/browser/harness.js';
import { buildDemo, DEFAULT_CONFIG, demoRunFigures, fitSyncInPage, recordWorkerMessages, serveDemo, trainInDemo, type DemoRunFigures, type FitSyncResult } from '../test/demo/harness.js';
import { fmtRate, printTable, stats, writeResult } from './peers/harness.js';

export interface DemoBenchResult {
  case: string;
  rounds: number;
  epochsPerRound: number;
  threads: { demo: number; fitSync: number };
  demo: { samplesPerSecond: number; fitOwnSamplesPerSecond: number };
  fitSync: { samplesPerSecond: number; ownSamplesPerSecond: number };
  /** Per round: the demo's wall-clock rate ÷ fitSync's whole-call rate (the headline), and fit's own epoch rate in the worker ÷ fitSync's own. */
  ratios: number[];
  ratio: number;
  ownRatios: number[];
  ownRatio: number;
  /** The async fit as the demo's worker calls it, in an idle worker of the same page, ÷ fitSync: what the library's async loop costs without the demo around it. */
  fitAsync: { samplesPerSecond: number; ratios: number[]; ratio: number };
  target: string;
  progress: { postsPerSecondMax: number; batchesPerRun: number; batchesPerPost: number };
  /** The last round's demo run: seconds in all, in fit's training, in held-out checks. */
  lastRound: { seconds: number; fit: number; checks: number };
  loadAverage: { start: number[]; end: number[] };
}

export async function runDemoBench(options: { quick: boolean }): Promise<DemoBenchResult | undefined> {
  if (!chromiumAvailable()) return undefined;
  const rounds = options.quick ? 3 : 7;
  const epochs = options.quick ? 2 : 3;
  const config = { ...DEFAULT_CONFIG, epochs };
  const load = os.loadavg();
  const dir = await mkdtemp(join(tmpdir(), 'neuronine-demo-bench-'));
  const chromium = await launchChromium();
  try {
    await buildDemo(dir);
    const server = await serveDemo(dir, true);
    try {
      const demo = await chromium.browser.newPage();
      await recordWorkerMessages(demo);
      await demo.goto(`${server.origin}/`);
      if (!(await demo.evaluate(() => crossOriginIsolated))) throw new Error('demo bench: the page is not cross-origin isolated');
      // warm-up: the data loads in both workers, the kernels compile, the threads start
      const warm = { ...config, epochs: 1 };
      await trainInDemo(demo, warm);
      await fitSyncInPage(demo, warm);

      const trainRows = 8000;
      const ratios: number[] = [], ownRatios: number[] = [], asyncRatios: number[] = [];
      const demoRates: number[] = [], ownRates: number[] = [], fitRates: number[] = [], syncOwnRates: number[] = [], asyncRates: number[] = [];
      let figures;
      let fitThreads = 0;
      for (let round = 0; round < rounds; round++) {
        // rotate the order, so that none always runs right after another
        const steps = [
          async () => demoRunFigures(await trainInDemo(demo, config), trainRows),
          () => fitSyncInPage(demo, config),
          () => fitSyncInPage(demo, config, 'fit'),
        ];
        const out: unknown[] = [];
        for (let i = 0; i < 3; i++) out[(i + round) % 3] = await steps[(i + round) % 3]();
        const [run, sync, fitAsync] = out as [DemoRunFigures, FitSyncResult, FitSyncResult];
        figures = run;
        fitThreads = sync.threads;
        for (const other of [sync, fitAsync]) {
          if (run.epochLoss.some((l, i) => l !== other.loss[i])) {
            throw new Error(`demo bench: the demo's epoch losses ${run.epochLoss.join(', ')} differ from fitSync's ${other.loss.join(', ')}`);
          }
        }
        demoRates.push(run.samplesPerSecond);
        ownRates.push(run.fitSamplesPerSecond);
        fitRates.push(sync.samplesPerSecond);
        asyncRates.push(fitAsync.samplesPerSecond);
        const syncOwn = stats(sync.epochSamplesPerSecond).median;
        syncOwnRates.push(syncOwn);
        ratios.push(run.samplesPerSecond / sync.samplesPerSecond);
        ownRatios.push(run.fitSamplesPerSecond / syncOwn);
        asyncRatios.push(fitAsync.samplesPerSecond / sync.samplesPerSecond);
      }
      const f = figures!;
      const result: DemoBenchResult = {
        case: `demo worker ÷ fitSync, 784-128-10 b32, ${epochs} epochs of ${trainRows} digits per round`,
        rounds, epochsPerRound: epochs,
        threads: { demo: f.threads, fitSync: fitThreads },
        demo: { samplesPerSecond: stats(demoRates).median, fitOwnSamplesPerSecond: stats(ownRates).median },
        fitSync: { samplesPerSecond: stats(fitRates).median, ownSamplesPerSecond: stats(syncOwnRates).median },
        ratios, ratio: stats(ratios).median, ownRatios, ownRatio: stats(ownRatios).median,
        fitAsync: { samplesPerSecond: stats(asyncRates).median, ratios: asyncRatios, ratio: stats(asyncRatios).median },
        target: '≥ 0.8',
        progress: { postsPerSecondMax: f.maxPostsPerSecond, batchesPerRun: f.batches / f.runs, batchesPerPost: f.batches / f.progressPosts },
        lastRound: { seconds: f.seconds, ...f.timing },
        loadAverage: { start: load, end: os.loadavg() },
      };
      console.log(`demo: Chromium, cross-origin isolated, ${f.threads} thread(s) in the demo's model, ${fitThreads} in fitSync's; load average ${load.map((l) => l.toFixed(2)).join(' / ')} at the start`);
      printTable(['case', 'demo samples/s', 'fitSync samples/s', 'ratio: median (rounds)', 'target'], [
        ['demo worker ÷ fitSync, 784-128-10 b32, wall clock', fmtRate(result.demo.samplesPerSecond), fmtRate(result.fitSync.samplesPerSecond),
          `${result.ratio.toFixed(2)} (${ratios.map((r) => r.toFixed(2)).join(', ')})`, result.target],
        ['  the same, training time only (fit\'s own epoch figures)', fmtRate(result.demo.fitOwnSamplesPerSecond), fmtRate(result.fitSync.ownSamplesPerSecond),
          `${result.ownRatio.toFixed(2)} (${ownRatios.map((r) => r.toFixed(2)).join(', ')})`, ''],
        ['  async fit alone (yieldEvery 50, empty onBatchEnd, idle page) ÷ fitSync, wall clock', fmtRate(result.fitAsync.samplesPerSecond), fmtRate(result.fitSync.samplesPerSecond),
          `${result.fitAsync.ratio.toFixed(2)} (${asyncRatios.map((r) => r.toFixed(2)).join(', ')})`, ''],
      ]);
      console.log(`demo: last round ${f.runs} runs of batches for ${f.batches} batches `
        + `(${result.progress.batchesPerRun.toFixed(1)} per run), ${f.progressPosts} progress posts (${result.progress.batchesPerPost.toFixed(1)} batches each), at most ${f.maxPostsPerSecond} posts in any second; `
        + `its ${f.seconds.toFixed(2)} s: fit ${f.timing.fit.toFixed(2)} s, held-out checks ${f.timing.checks.toFixed(2)} s, the rest (fit's setup: checking and copying the rows into the model; yields, callbacks, posts) ${(f.seconds - f.timing.fit - f.timing.checks).toFixed(2)} s`);
      console.log(`demo: load average at the end ${os.loadavg().map((l) => l.toFixed(2)).join(' / ')}`);
      writeResult('demo.json', result);
      return result;
    } finally {
      await server.close();
    }
  } finally {
    await chromium.close();
    await rm(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await runDemoBench({ quick: process.argv.includes('--quick') });
}
