/**
 * The demo page end to end: builds it with Vite (from the current src/), serves the static
 * files on 127.0.0.1, opens them in Debian's Chromium through playwright-core, trains one short
 * epoch, draws a stroke and checks the probability bars, and saves test-results/demo.png.
 * Without Chromium the test is skipped locally and fails in CI.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';

const CHROMIUM = '/usr/bin/chromium';
const repo = fileURLToPath(new URL('../..', import.meta.url));
const inCI = process.env.CI === 'true';
const hasChromium = existsSync(CHROMIUM);

if (inCI && !hasChromium) {
  throw new Error(`demo test: ${CHROMIUM} is missing in CI; install it (apt-get install chromium) — this test must not be skipped there`);
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.gz': 'application/octet-stream',
  '.svg': 'image/svg+xml',
};

/** A minimal static file server for the built demo. */
function serve(root: string): Promise<Server> {
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const file = normalize(join(root, path.endsWith('/') ? `${path}index.html` : path));
    if (!file.startsWith(root + sep)) {
      res.writeHead(403).end();
      return;
    }
    readFile(file).then(
      (body) => res.writeHead(200, { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream', 'Content-Length': body.length }).end(body),
      () => res.writeHead(404).end('not found'),
    );
  });
  return new Promise((done) => server.listen(0, '127.0.0.1', () => done(server)));
}

describe.skipIf(!hasChromium)('demo page (Chromium)', () => {
  let outDir: string;
  let server: Server | undefined;
  let browser: Browser | undefined;
  let url: string;

  beforeAll(async () => {
    outDir = await mkdtemp(join(tmpdir(), 'neuronine-demo-'));
    const { build } = await import('vite');
    await build({
      configFile: resolve(repo, 'demo/vite.config.ts'),
      logLevel: 'warn',
      build: { outDir, emptyOutDir: true },
    });
    server = await serve(outDir);
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      // playwright gives every launch a fresh temporary profile (--user-data-dir)
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
    });
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise((done) => (server ? server.close(done) : done(undefined)));
    if (outDir) await rm(outDir, { recursive: true, force: true });
  });

  it('trains, shows curves and predictions, and answers a drawn digit', async () => {
    const page = await browser!.newPage({ viewport: { width: 1280, height: 900 } });
    const problems: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console: ${message.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('requestfailed', (request) => problems.push(`request failed: ${request.url()} ${request.failure()?.errorText ?? ''}`));
    page.on('response', (response) => {
      if (response.status() >= 400) problems.push(`HTTP ${response.status()}: ${response.url()}`);
    });

    await page.goto(url);
    // the worker has fetched, inflated and split the 10,000 digits
    await page.locator('#train:not([disabled])').waitFor({ timeout: 30_000 });
    await expect(page.locator('#status').textContent()).resolves.toContain('10,000 digits ready');

    // Stop aborts a long run through the worker's AbortSignal
    await page.fill('#epochs', '50');
    await page.click('#train');
    await page.waitForFunction(() => document.querySelector<HTMLProgressElement>('#progress')!.value > 0.002, null, { timeout: 30_000 });
    await page.click('#stop');
    await page.locator('#train:not([disabled])').waitFor({ timeout: 10_000 });
    const stopped = (await page.locator('#status').textContent()) ?? '';
    expect(stopped).toMatch(/^Stopped after [\d,]+ batch(es)? \(\d+ epochs? in/);
    expect(Number(/\((\d+) epoch/.exec(stopped)?.[1])).toBeLessThan(50);

    // a small, quick configuration
    await page.fill('#hidden', '64');
    await page.selectOption('#activation', 'relu');
    await page.selectOption('#optimizer', 'adam');
    await page.fill('#learning-rate', '0.002');
    await page.fill('#batch-size', '32');
    await page.fill('#epochs', '2');
    const started = Date.now();
    await page.click('#train');
    await expect(page.locator('#stop').isEnabled()).resolves.toBe(true);

    // held-out accuracy of at least 0.8 appears while it trains or when it ends
    await page.waitForFunction(() => Number(document.querySelector<HTMLElement>('#stat-test-accuracy')?.dataset.value) >= 0.8, null, { timeout: 60_000 });
    await page.locator('#train:not([disabled])').waitFor({ timeout: 60_000 });
    const seconds = (Date.now() - started) / 1000;
    const accuracy = Number(await page.locator('#stat-test-accuracy').getAttribute('data-value'));
    expect(accuracy).toBeGreaterThanOrEqual(0.8);
    await expect(page.locator('#status').textContent()).resolves.toMatch(/^Done — 2 epochs in/);
    console.log(`demo test: 2 epochs of 8,000 digits trained in ${seconds.toFixed(1)} s in Chromium; held-out accuracy ${(accuracy * 100).toFixed(1)}%`);

    // the confusion matrix counts every held-out digit; the sample grid is filled
    const confusionTotal = await page.$$eval('#confusion tbody td', (cells) => cells.reduce((sum, cell) => sum + Number(cell.textContent), 0));
    expect(confusionTotal).toBe(2000);
    expect(await page.locator('#sample-grid li').count()).toBe(48);
    await page.click('label[for="view-mistakes"]');
    const mistakes = await page.$$eval('#sample-grid li', (items) => items.map((li) => li.classList.contains('wrong')));
    expect(mistakes.length).toBeGreaterThan(0);
    expect(mistakes.every(Boolean)).toBe(true);
    await page.click('label[for="view-sample"]');
    // the curves have been drawn (some non-blank pixels)
    const inked = await page.$eval('#accuracy-chart', (canvas) => {
      const c = canvas as HTMLCanvasElement;
      const data = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 3; i < data.length; i += 4) if (data[i] > 0) n++;
      return n;
    });
    expect(inked).toBeGreaterThan(1000);

    // draw a "7": a top bar and a diagonal down
    await page.locator('#pad').scrollIntoViewIfNeeded();
    const box = (await page.locator('#pad').boundingBox())!;
    const at = (fx: number, fy: number) => [box.x + fx * box.width, box.y + fy * box.height] as const;
    await page.mouse.move(...at(0.25, 0.22));
    await page.mouse.down();
    for (const [fx, fy] of [[0.5, 0.22], [0.72, 0.22], [0.62, 0.45], [0.52, 0.65], [0.45, 0.82]] as const) {
      await page.mouse.move(...at(fx, fy), { steps: 6 });
    }
    await page.mouse.up();

    await page.waitForFunction(() => document.querySelector<HTMLElement>('#bars')?.dataset.sum !== '' && document.querySelector<HTMLElement>('#bars')?.dataset.sum !== undefined, null, { timeout: 10_000 });
    const probabilities = await page.$$eval('#bars li', (items) => items.map((li) => Number((li as HTMLElement).dataset.p)));
    expect(probabilities).toHaveLength(10);
    for (const p of probabilities) expect(p).toBeGreaterThanOrEqual(0);
    expect(probabilities.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 3);
    const widths = await page.$$eval('#bars .fill', (fills) => fills.map((f) => parseFloat((f as HTMLElement).style.width)));
    expect(Math.max(...widths)).toBeGreaterThan(0);
    expect(await page.locator('#guess-digit').textContent()).toMatch(/^\d$/);
    // the 28×28 preview holds the downscaled stroke
    const previewInk = await page.$eval('#seen', (canvas) => {
      const data = (canvas as HTMLCanvasElement).getContext('2d')!.getImageData(0, 0, 28, 28).data;
      let mass = 0;
      for (let i = 0; i < data.length; i += 4) mass += data[i] / 255;
      return mass;
    });
    expect(previewInk).toBeGreaterThan(20);

    await mkdir(resolve(repo, 'test-results'), { recursive: true });
    await page.screenshot({ path: resolve(repo, 'test-results/demo.png'), fullPage: true });
    expect(problems).toEqual([]);
    await page.close();
  });
});
