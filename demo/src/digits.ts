/**
 * The digits as the training worker uses them: fetched (with progress), inflated, shuffled with
 * a fixed seed and split into training and held-out rows. The demo's worker and the demo
 * benchmark (bench/demo.ts, which times `fitSync` on exactly these rows) both import it.
 *
 * No DOM APIs here: it runs in workers.
 */
import { createRng, type Matrix } from '../../src/index.ts';
import { parsePacked, PIXELS } from './format.ts';

/** Held-out rows (at most a fifth of the file). */
export const TEST_ROWS = 2000;
/** The seed of the shuffle before the split: the same split on every load. */
export const SPLIT_SEED = 20240601;

export interface Split {
  trainX: Matrix;
  trainY: Int32Array;
  testX: Matrix;
  testY: Int32Array;
  /** The held-out images as bytes, for the sample grid. */
  testBytes: Uint8Array;
}

/** Fetches the packed file and inflates it; `progress(loaded, total)` at most every 50 ms and once at the end. */
export async function download(url: string, progress: (loaded: number, total: number) => void = () => undefined): Promise<ArrayBuffer> {
  const response = await fetch(url);
  if (!response.ok || !response.body) throw new Error(`could not fetch the MNIST data (${url}): HTTP ${response.status}`);
  const total = Number(response.headers.get('Content-Length')) || 0;
  const chunks: Uint8Array[] = [];
  let loaded = 0;
  let last = 0;
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    loaded += value.length;
    if (performance.now() - last > 50) {
      last = performance.now();
      progress(loaded, total);
    }
  }
  progress(loaded, total || loaded);
  const bytes = new Uint8Array(loaded);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.length;
  }
  // the file is gzip; a server that sends it with Content-Encoding: gzip has already inflated it
  if (bytes[0] !== 0x1f || bytes[1] !== 0x8b) return bytes.buffer;
  const inflated = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'));
  return new Response(inflated).arrayBuffer();
}

/** Shuffles the packed digits once (seed {@link SPLIT_SEED}) and splits them; pixels scaled to 0–1. */
export function splitDigits(buffer: ArrayBuffer): Split {
  const { count, labels, pixels } = parsePacked(buffer);
  // the file is in digit order: shuffle once, with a fixed seed, then split
  const order = Array.from({ length: count }, (_, i) => i);
  const random = createRng(SPLIT_SEED); // the library's seeded generator
  for (let i = count - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  const testRows = Math.min(TEST_ROWS, Math.floor(count / 5));
  const trainRows = count - testRows;
  const x = new Float32Array(count * PIXELS);
  const y = new Int32Array(count);
  const testBytes = new Uint8Array(testRows * PIXELS);
  order.forEach((source, row) => {
    const image = pixels.subarray(source * PIXELS, (source + 1) * PIXELS);
    for (let p = 0; p < PIXELS; p++) x[row * PIXELS + p] = image[p] / 255;
    y[row] = labels[source];
    if (row >= trainRows) testBytes.set(image, (row - trainRows) * PIXELS);
  });
  return {
    trainX: { rows: trainRows, cols: PIXELS, data: x.subarray(0, trainRows * PIXELS) },
    trainY: y.subarray(0, trainRows),
    testX: { rows: testRows, cols: PIXELS, data: x.subarray(trainRows * PIXELS) },
    testY: y.subarray(trainRows),
    testBytes,
  };
}
