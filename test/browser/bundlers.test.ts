/**
 * A user's app (test/fixtures/consumer-app: `import { createModel } from 'neuronine'`) built by
 * Vite 8 (build, and the dev server) and by esbuild with no plugin or wasm setting, the package installed in the app's
 * node_modules exactly as published (package.json + dist), served on 127.0.0.1 and run in
 * Chromium: both train iris to ≥ 0.9 held-out accuracy with the weights Node gets, fetch no .wasm
 * (it is embedded) and load the iris data as a lazy chunk, never the digits.
 */
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as nn from '../../src/index.js';
// @ts-expect-error plain JS fixture shared with the pages
import { trainIris } from '../fixtures/browser/train-iris.js';
import { root, stagePackage } from '../package/stage.js';
import { chromiumAvailable, launchChromium, runPage, serveStatic, type ChromiumSession } from './harness.js';

interface AppResult {
  accuracy: number;
  epochs: number;
  weights: unknown;
  /** The same model with the default kernels ('auto': relaxed SIMD in Chromium, a lazy chunk). */
  auto: { kernels: string; accuracy: number };
}

function jsFiles(dir: string): { path: string; bytes: number; text: string }[] {
  const out: { path: string; bytes: number; text: string }[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.js')) continue;
    const path = join(entry.parentPath, entry.name);
    out.push({ path, bytes: statSync(path).size, text: readFileSync(path, 'utf8') });
  }
  return out;
}

describe.skipIf(!chromiumAvailable())('a consumer app built with a bundler, in Chromium', () => {
  let chromium: ChromiumSession;
  let work: string;
  let app: string;
  let reference: { weights: unknown; accuracy: number };

  beforeAll(async () => {
    const stage = await stagePackage();
    work = mkdtempSync(join(tmpdir(), 'neuronine-bundlers-'));
    app = join(work, 'app');
    cpSync(join(root, 'test/fixtures/consumer-app'), app, { recursive: true });
    // the package as npm installs it: package.json and the `files` it lists
    cpSync(stage, join(app, 'node_modules/neuronine'), { recursive: true, filter: (src) => !src.endsWith('.ready') });
    chromium = await launchChromium();
    reference = await trainIris(nn);
  });

  afterAll(async () => {
    await chromium?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  async function runApp(out: string, bundler: string): Promise<void> {
    const server = await serveStatic({ '/': out });
    try {
      const { result, page } = await runPage<AppResult>(chromium.browser, `${server.origin}/`);
      await page.close();
      console.log(`${bundler} app: iris accuracy ${result.accuracy.toFixed(3)}; requests: ${server.requests.join(' ')}`);
      expect(result.epochs).toBe(100);
      expect(result.accuracy).toBeGreaterThanOrEqual(0.9);
      expect(result.weights).toEqual(reference.weights);
      expect(result.auto).toMatchObject({ kernels: 'relaxed' });
      expect(result.auto.accuracy).toBeGreaterThanOrEqual(0.9);
      expect(server.requests.filter((r) => r.endsWith('.wasm'))).toEqual([]);
    } finally {
      await server.close();
    }
  }

  /** The data sets are chunks of their own: the entry holds no digits, a separate chunk does. */
  function expectLazyDatasets(out: string): void {
    const files = jsFiles(out);
    const digitsChunks = files.filter((f) => f.text.includes('p63,digit'));
    expect(digitsChunks.length).toBe(1);
    expect(files.filter((f) => f.text.includes('createModel') || f.text.includes('fitSync')).every((f) => !f.text.includes('p63,digit'))).toBe(true);
  }

  it('Vite 8 (vite build, no config) bundles it and the page trains iris', async () => {
    const { build } = await import('vite');
    const out = join(work, 'vite-out');
    await build({ root: app, configFile: false, logLevel: 'warn', mode: 'production', build: { outDir: out, emptyOutDir: true } });
    expectLazyDatasets(out);
    await runApp(out, 'Vite');
  });

  it('the Vite 8 dev server (no config) serves it and the page trains iris', async () => {
    const { createServer } = await import('vite');
    const server = await createServer({
      root: app, configFile: false, logLevel: 'warn', mode: 'development', clearScreen: false,
      server: { host: '127.0.0.1', port: 0, strictPort: false, hmr: false, watch: null },
    });
    await server.listen();
    try {
      const url = server.resolvedUrls?.local[0];
      expect(url).toBeTruthy();
      const { result, page } = await runPage<AppResult>(chromium.browser, url!);
      await page.close();
      console.log(`Vite dev server app: iris accuracy ${result.accuracy.toFixed(3)}`);
      expect(result.accuracy).toBeGreaterThanOrEqual(0.9);
      expect(result.weights).toEqual(reference.weights);
      expect(result.auto).toMatchObject({ kernels: 'relaxed' });
    } finally {
      await server.close();
    }
  });

  it('esbuild (bundle, platform browser, no plugin) bundles it and the page trains iris', async () => {
    const esbuild = await import('esbuild');
    const out = join(work, 'esbuild-out');
    await esbuild.build({
      absWorkingDir: app,
      entryPoints: [join(app, 'main.js')],
      bundle: true,
      platform: 'browser',
      format: 'esm',
      splitting: true,
      minify: true,
      outdir: out,
      logLevel: 'warning',
    });
    cpSync(join(app, 'index.html'), join(out, 'index.html'));
    expectLazyDatasets(out);
    await runApp(out, 'esbuild');
  });
});
