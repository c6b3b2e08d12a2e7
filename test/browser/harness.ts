/**
 * Shared pieces of the browser tests: Debian's Chromium driven by playwright-core (no browser
 * download), and a tiny static file server on 127.0.0.1 with a random port.
 *
 * When /usr/bin/chromium is missing the tests fail with a message saying how to install it; only
 * outside CI (`CI` unset) may they be skipped instead, and then they say so.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const inCI = !!process.env.CI && process.env.CI !== 'false' && process.env.CI !== '0';

/**
 * Whether the browser tests can run here. Throws in CI when Chromium is missing (CI must not go
 * green without them); elsewhere returns false after printing why they are skipped.
 */
export function chromiumAvailable(): boolean {
  if (existsSync(CHROMIUM)) return true;
  const message = `browser tests: ${CHROMIUM} is missing. Install Debian's Chromium (apt-get update && apt-get install -y chromium; .ci/run does this), or set CHROMIUM_PATH`;
  if (inCI) throw new Error(`${message}. CI=${process.env.CI}: failing instead of skipping.`);
  console.warn(`${message}. Skipping the browser tests (they fail instead when CI is set).`);
  return false;
}

export interface ChromiumSession {
  browser: Browser;
  close(): Promise<void>;
}

/**
 * Starts headless Chromium with the flags this machine needs (see the env notes). The fresh
 * profile comes from Playwright: `launch` always passes its own new temporary --user-data-dir
 * (and refuses one in `args`), and deletes it on close.
 */
export async function launchChromium(): Promise<ChromiumSession> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
    timeout: 60_000,
  });
  return {
    browser,
    async close() {
      await browser.close().catch(() => undefined);
    },
  };
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.cjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.csv': 'text/csv; charset=utf-8',
  '.wasm': 'application/wasm',
  '.map': 'application/json; charset=utf-8',
};

export interface StaticServer {
  origin: string;
  /** Every path requested so far, in order (to check what a page really loaded). */
  requests: string[];
  close(): Promise<void>;
}

/**
 * Serves folders read-only: `mounts` maps a URL prefix ('/' or '/name/') to a folder. No
 * directory listings, no paths outside a mount. `options.headers` go on every file (e.g. the
 * COOP/COEP pair that makes a page cross-origin isolated).
 */
export async function serveStatic(mounts: Record<string, string>, options: { headers?: Record<string, string> } = {}): Promise<StaticServer> {
  const prefixes = Object.keys(mounts).sort((a, b) => b.length - a.length);
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    requests.push(path);
    const prefix = prefixes.find((p) => path.startsWith(p));
    if (!prefix) {
      res.writeHead(404).end('not found');
      return;
    }
    const base = mounts[prefix];
    let file = normalize(join(base, path.slice(prefix.length)));
    if (file !== base && !file.startsWith(base.endsWith(sep) ? base : base + sep)) {
      res.writeHead(403).end('forbidden');
      return;
    }
    if (existsSync(file) && statSync(file).isDirectory()) file = join(file, 'index.html');
    if (!existsSync(file)) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store', ...options.headers });
    res.end(readFileSync(file));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/**
 * Opens a page and waits for it to publish `window.__result` (or `window.__error`); page errors
 * and console errors are collected and reported with any failure.
 */
export async function runPage<T>(browser: Browser, url: string, timeoutMs = 90_000): Promise<{ result: T; page: Page; logs: string[] }> {
  const page = await browser.newPage();
  const logs: string[] = [];
  page.on('console', (message) => logs.push(`[${message.type()}] ${message.text()}`));
  page.on('pageerror', (error) => logs.push(`[pageerror] ${error.message}`));
  page.on('requestfailed', (request) => logs.push(`[requestfailed] ${request.url()} ${request.failure()?.errorText ?? ''}`));
  await page.goto(url);
  try {
    await page.waitForFunction(() => '__result' in window || '__error' in window, undefined, { timeout: timeoutMs, polling: 100 });
  } catch (error) {
    throw new Error(`${url}: no result within ${timeoutMs} ms\n${logs.join('\n')}`, { cause: error });
  }
  const error = await page.evaluate(() => (window as unknown as { __error?: string }).__error);
  if (error !== undefined) throw new Error(`${url}: the page reported an error: ${error}\n${logs.join('\n')}`);
  const result = await page.evaluate(() => (window as unknown as { __result: unknown }).__result) as T;
  return { result, page, logs };
}
