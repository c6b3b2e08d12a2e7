/**
 * Threads in Chromium: a cross-origin isolated page (served with COOP/COEP) trains the same
 * network on 1, 2 and 3 threads — module workers from a Blob URL on the model's shared memory —
 * and gets the same weights, bit for bit, as each other and as this Node process; a page that is
 * not isolated falls back to one thread, says why in `model.threadsNote`, and trains the same bits.
 * A worker stopped while the page is inside predict() makes predict throw, not hang.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createModel } from '../../src/index.js';
// @ts-expect-error plain JS fixture shared with the page
import { trainThreads } from '../fixtures/browser/train-threads.js';
import { root, stagePackage } from '../package/stage.js';
import { chromiumAvailable, launchChromium, runPage, type ChromiumSession } from './harness.js';
import { serveStatic } from './harness.js';

interface Run {
  threads: number;
  note: string | null;
  helped: number;
  loss: number[];
  weights: unknown;
}
interface PageResult {
  isolated: boolean;
  runs: Run[];
  killed: { threads: number; message: string | null; note: string | null; after: number[] | null };
}

const ISOLATION = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

describe.skipIf(!chromiumAvailable())('threads in Chromium', () => {
  let chromium: ChromiumSession;
  let stage: string;
  let reference: Run;

  beforeAll(async () => {
    stage = await stagePackage();
    chromium = await launchChromium();
    reference = await trainThreads(createModel, 1) as Run;
  });

  afterAll(async () => {
    await chromium?.close();
  });

  async function open(headers: Record<string, string>): Promise<PageResult> {
    const server = await serveStatic({ '/': join(root, 'test/fixtures/browser'), '/neuronine/': stage }, { headers });
    try {
      const { result, page } = await runPage<PageResult>(chromium.browser, `${server.origin}/threads.html`);
      await page.close();
      return result;
    } finally {
      await server.close();
    }
  }

  it('a cross-origin isolated page trains to the same bits on 1, 2 and 3 threads, and as Node', async () => {
    const { isolated, runs, killed } = await open(ISOLATION);
    console.log(`isolated page: threads ${runs.map((r) => r.threads).join(', ')}, worker tasks before fit ${runs.map((r) => r.helped).join(', ')}`);
    expect(isolated).toBe(true);
    expect(runs.map((r) => r.threads)).toEqual([1, 2, 3]);
    expect(runs.map((r) => r.note)).toEqual([null, null, null]);
    expect(runs[1].helped).toBeGreaterThan(0);
    expect(runs[2].helped).toBeGreaterThan(0);
    for (const run of runs) {
      expect(run.weights).toEqual(reference.weights);
      expect(run.loss).toEqual(reference.loss);
    }
    // a worker stopped while the page's thread was inside predict(): an Error, then one thread
    expect(killed.message, 'predict() never noticed the dead worker').toMatch(/neuronine: a worker thread failed, so the running step or prediction was abandoned .*worker thread 1 was terminated/);
    expect(killed.threads).toBe(1);
    expect(killed.note).toMatch(/running on 1 thread: a worker failed/);
    expect(killed.after!.every(Number.isFinite)).toBe(true);
  });

  it('a page that is not isolated falls back to one thread, says why, and trains the same bits', async () => {
    const { isolated, runs, killed } = await open({});
    expect(isolated).toBe(false);
    expect(runs.map((r) => r.threads)).toEqual([1, 1, 1]);
    expect(runs[0].note).toBeNull();
    expect(runs[1].note).toMatch(/running on 1 thread instead of 2: SharedArrayBuffer is unavailable: the page is not cross-origin isolated/);
    for (const run of runs) expect(run.weights).toEqual(reference.weights);
    expect(killed.threads).toBe(1);
  });
});
