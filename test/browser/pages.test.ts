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
    const { result, page } = await runPage<{
      fitMs: number; batches: number; epochs: number; stopReason: string; ticks: number; maxGap: number; p99Gap: number; medianGap: number; loss: number;
    }>(chromium.browser, `${server.origin}/responsive.html?ms=2500`, 120_000);
    await page.close();
    console.log(`main-thread responsiveness: fit ran ${(result.fitMs / 1000).toFixed(2)} s (${result.batches} batches of 32, `
      + `64-256-256-10 on digits, ${result.epochs} epochs); setInterval(10 ms) fired ${result.ticks} times; `
      + `longest gap ${result.maxGap.toFixed(1)} ms, p99 ${result.p99Gap.toFixed(1)} ms, median ${result.medianGap.toFixed(1)} ms`);
    expect(result.stopReason).toBe('aborted');
    expect(result.fitMs).toBeGreaterThanOrEqual(2000);
    expect(result.batches).toBeGreaterThan(100);
    expect(Number.isFinite(result.loss)).toBe(true);
    expect(result.maxGap).toBeLessThan(100);
  });
});
