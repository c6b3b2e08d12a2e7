/**
 * The package's dist/ in real Chromium, without a bundler: a plain `<script type="module">` page
 * (import map to dist/index.js) trains iris with the embedded module and again with the shipped
 * .wasm compiled by streaming; a module Web Worker does the same; and a page measures how late a
 * 10 ms timer fires while `fit` trains on the main thread for 2.5 s.
 *
 * The browser's weights are compared with the same training in this Node process: same seed, same
 * data, same binary must give bit-identical weights (DESIGN.md, Public API).
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as nn from '../../src/index.js';
// @ts-expect-error plain JS fixture shared with the pages
import { trainIris } from '../fixtures/browser/train-iris.js';
import { root, stagePackage } from '../package/stage.js';
import { chromiumAvailable, launchChromium, runPage, serveStatic, type ChromiumSession, type StaticServer } from './harness.js';

interface IrisResult {
  accuracy: number;
  loss: number;
  epochs: number;
  ms: number;
  weights: unknown;
  label: string;
}

describe.skipIf(!chromiumAvailable())('the package in Chromium, no bundler', () => {
  let chromium: ChromiumSession;
  let server: StaticServer;
  let reference: IrisResult;

  beforeAll(async () => {
    const stage = await stagePackage();
    server = await serveStatic({ '/': join(root, 'test/fixtures/browser'), '/neuronine/': stage });
    chromium = await launchChromium();
    reference = await trainIris(nn) as IrisResult;
  });

  afterAll(async () => {
    await chromium?.close();
    await server?.close();
  });

  it('a <script type="module"> page imports dist/index.js and trains iris (embedded and streamed wasm)', async () => {
    const { result, page } = await runPage<{ embedded: IrisResult; streamed: IrisResult }>(chromium.browser, `${server.origin}/module.html`);
    await page.close();
    const { embedded, streamed } = result;
    console.log(`module page: iris accuracy ${embedded.accuracy.toFixed(3)}, 100 epochs in ${embedded.ms.toFixed(0)} ms`);
    expect(embedded.epochs).toBe(100);
    expect(embedded.accuracy).toBeGreaterThanOrEqual(0.9);
    expect(embedded.label).toBe('setosa');
    // the streamed .wasm is the same binary: the same weights, bit for bit, and the same as Node's
    expect(streamed.weights).toEqual(embedded.weights);
    expect(embedded.weights).toEqual(reference.weights);
    expect(embedded.accuracy).toBe(reference.accuracy);
    // the bundled data set came as its own lazily loaded module; the digits were never fetched
    expect(server.requests).toContain('/neuronine/dist/data/bundled/iris.js');
    expect(server.requests).not.toContain('/neuronine/dist/data/bundled/digits.js');
  });

  it('a module Web Worker imports dist/index.js and trains iris (fit) and XOR (fitSync)', async () => {
    const { result, page } = await runPage<IrisResult & { xor: number[]; inWorker: boolean }>(chromium.browser, `${server.origin}/worker.html`);
    await page.close();
    console.log(`module worker: iris accuracy ${result.accuracy.toFixed(3)}, 100 epochs in ${result.ms.toFixed(0)} ms`);
    expect(result.inWorker).toBe(true);
    expect(result.accuracy).toBeGreaterThanOrEqual(0.9);
    expect(result.weights).toEqual(reference.weights);
    expect(result.xor).toEqual([0, 1, 1, 0]);
  });

  it('stays responsive while fit trains on the main thread: a 10 ms timer is never late by 100 ms', async () => {
    // Timer lateness is wall time, so it also counts the OS taking the CPU away (npm test runs
    // test files in parallel on 2 cores, and the machine may be shared). The page measures a
    // second of idling first to show that noise; an attempt that fails is repeated, up to five
    // times, and one attempt under 100 ms passes. A library that stalls fails every attempt.
    // (Diagnosed on a machine at load average 11: the over-long gaps were runs of 6 batches,
    // sized for ~10 ms, that took 110 ms of wall time because the renderer lost the CPU.)
    type Responsiveness = {
      fitMs: number; batches: number; epochs: number; stopReason: string; ticks: number; idleMaxGap: number;
      maxGap: number; p99Gap: number; medianGap: number; loss: number;
    };
    const attempts: Responsiveness[] = [];
    for (let attempt = 1; attempt <= 5; attempt++) {
      const { result, page } = await runPage<Responsiveness>(chromium.browser, `${server.origin}/responsive.html?ms=2500`, 120_000);
      await page.close();
      attempts.push(result);
      console.log(`main-thread responsiveness (attempt ${attempt}): fit ran ${(result.fitMs / 1000).toFixed(2)} s (${result.batches} batches of 32, `
        + `64-256-256-10 on digits, ${result.epochs} epochs, yieldEvery 10 ms); setInterval(10 ms) fired ${result.ticks} times; `
        + `longest gap ${result.maxGap.toFixed(1)} ms, p99 ${result.p99Gap.toFixed(1)} ms, median ${result.medianGap.toFixed(1)} ms `
        + `(idle page beforehand: longest gap ${result.idleMaxGap.toFixed(1)} ms)`);
      expect(result.stopReason).toBe('aborted');
      expect(result.fitMs).toBeGreaterThanOrEqual(2000);
      expect(result.batches).toBeGreaterThan(100);
      expect(Number.isFinite(result.loss)).toBe(true);
      if (result.maxGap < 100) break;
    }
    expect(Math.min(...attempts.map((a) => a.maxGap))).toBeLessThan(100);
  });
});
