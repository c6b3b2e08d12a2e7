// streamCSV and fit on batch sources: the batches of a pass hold exactly the rows loadCSV reads,
// encoded the same way, whatever the chunking; shuffling is seeded; a model trains on them; bad
// sources and bad cells are refused with the row and column named.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createModel, parseCSV, streamCSV, type Batch, type CSVBatches } from '../../src/index.js';
import { streamCSV as streamFile } from '../../src/node.js';

const dir = mkdtempSync(join(tmpdir(), 'neuronine-stream-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A small classification table: two numeric features, a category, quoted text with commas and line breaks. */
function table(rows: number): string {
  const lines = ['a,b,color,note,label'];
  for (let i = 0; i < rows; i++) {
    const note = i % 5 === 0 ? `"line ""${i % 3}"",\nnext"` : `n${i % 4}`;
    lines.push(`${(i * 7) % 13},${((i * 3) % 11) / 4},${['red', 'grün', 'bleu ✓'][i % 3]},${note},${(i * 7) % 13 > 6 ? 'high' : 'low'}`);
  }
  return lines.join('\r\n') + '\r\n';
}

/** A ReadableStream factory that hands out `text` in chunks of the given sizes (cycled), as bytes or text. */
function chunked(text: string, sizes: number[], bytes: boolean): () => ReadableStream<string | Uint8Array> {
  return () => {
    const encoded = new TextEncoder().encode(text);
    let at = 0;
    let k = 0;
    return new ReadableStream<string | Uint8Array>({
      pull(controller) {
        const length = bytes ? encoded.length : text.length;
        if (at >= length) return controller.close();
        const size = sizes[k++ % sizes.length];
        controller.enqueue(bytes ? encoded.slice(at, at + size) : text.slice(at, at + size));
        at += size;
      },
    });
  };
}

async function collect(batches: AsyncIterable<Batch>): Promise<{ x: number[][]; y: number[]; sizes: number[] }> {
  const x: number[][] = [];
  const y: number[] = [];
  const sizes: number[] = [];
  for await (const batch of batches) {
    sizes.push(batch.x.rows);
    for (let r = 0; r < batch.x.rows; r++) x.push(Array.from(batch.x.data.subarray(r * batch.x.cols, (r + 1) * batch.x.cols)));
    y.push(...(batch.y as Int32Array));
  }
  return { x, y, sizes };
}

const rowsOf = (m: { rows: number; cols: number; data: Float32Array }): number[][] =>
  Array.from({ length: m.rows }, (_, r) => Array.from(m.data.subarray(r * m.cols, (r + 1) * m.cols)));

describe('streamCSV', () => {
  const text = table(103);
  const options = { target: 'label', ignore: ['note'] } as const;

  it('gives the rows and encoding of parseCSV, whatever the chunk sizes (bytes split inside characters and records)', async () => {
    const whole = parseCSV(text, options);
    for (const [sizes, bytes] of [[[1], true], [[3, 7, 1], true], [[2, 5], false], [[1 << 16], true]] as const) {
      const batches = await streamCSV(chunked(text, [...sizes], bytes), { ...options, batchSize: 10, shuffleBuffer: 0 });
      expect(batches.rows).toBe(103);
      expect(batches.features).toEqual(whole.features);
      expect(batches.classes).toEqual(whole.classes);
      expect(batches.pipeline.toJSON()).toEqual(whole.pipeline.toJSON());
      const got = await collect(batches);
      expect(got.sizes).toEqual([...Array(10).fill(10), 3]);
      expect(got.x).toEqual(rowsOf(whole.x));
      expect(got.y).toEqual(Array.from(whole.y as Int32Array));
    }
  });

  it('shuffles within the buffer, seeded, each pass a new order of the same rows', async () => {
    const whole = parseCSV(text, options);
    const sorted = (rows: number[][], y: number[]) => rows.map((r, i) => [...r, y[i]].join(',')).sort();
    const expected = sorted(rowsOf(whole.x), Array.from(whole.y as Int32Array));
    const a = await streamCSV(chunked(text, [100], true), { ...options, batchSize: 16, shuffleBuffer: 32, seed: 7 });
    const b = await streamCSV(chunked(text, [100], true), { ...options, batchSize: 16, shuffleBuffer: 32, seed: 7 });
    const first = await collect(a);
    const second = await collect(a);
    const same = await collect(b);
    expect(sorted(first.x, first.y)).toEqual(expected);
    expect(sorted(second.x, second.y)).toEqual(expected);
    expect(first.x).not.toEqual(rowsOf(whole.x));
    expect(second.x).not.toEqual(first.x);
    expect(same.x).toEqual(first.x);
  });

  it('reads a file path in Node, fits and trains a model from it, and applies a given pipeline', async () => {
    const path = join(dir, 'train.csv');
    writeFileSync(path, table(400));
    const batches = await streamFile(path, { ...options, batchSize: 20, seed: 1 });
    expect(batches.rows).toBe(400);
    const model = await createModel({ data: batches, layers: [{ units: 8, activation: 'relu' }], optimizer: { type: 'adam', learningRate: 0.05 }, seed: 2 });
    const history = await model.fit(batches, { epochs: 15 });
    expect(history.epochs).toBe(15);
    expect(history.loss.at(-1)!).toBeLessThan(history.loss[0]);
    expect(history.accuracy!.at(-1)!).toBeGreaterThan(0.9);
    expect(model.pipeline).toBe(batches.pipeline);
    expect(model.predictClass([{ a: 12, b: 1, color: 'red', note: 'x' }])).toEqual(['high']);
    // a given pipeline: one pass, rows unknown up front; a one-shot ReadableStream is enough
    const once = await streamCSV(chunked(text, [50], true)(), { pipeline: batches.pipeline, batchSize: 50, shuffleBuffer: 0 });
    expect(once.rows).toBeUndefined();
    expect((await collect(once)).x).toEqual(rowsOf(parseCSV(text, options).x).map((row) => row));
    await expect(collect(once)).rejects.toThrow(/^streamCSV: source: a ReadableStream can be read once and it has been read/);
  });

  it('refuses bad sources and options, and names the row and column of a bad cell', async () => {
    await expect(streamCSV(chunked(text, [10], true)(), options)).rejects.toThrow(TypeError);
    await expect(streamCSV('a,b\n1,2\n' as never)).rejects.toThrow(/^streamCSV: source: expected a ReadableStream or a function that returns one, got string; for a file path use streamCSV from 'neuronine\/node'/);
    await expect(streamCSV(chunked(text, [10], true), { ...options, batchSize: 0 })).rejects.toThrow(RangeError);
    await expect(streamCSV(chunked(text, [10], true), { ...options, shufleBuffer: 3 } as never)).rejects.toThrow(/unknown option 'shufleBuffer' \(did you mean 'shuffleBuffer'\?\)/);
    await expect(streamFile(join(dir, 'none.csv'))).rejects.toThrow(`streamCSV: path: no file at ${JSON.stringify(join(dir, 'none.csv'))}`);
    const bad = text.replace('\r\n7,', '\r\nseven,');
    const error = await streamCSV(chunked(bad, [9], true), options).then(() => undefined, (caught: unknown) => caught as Error & { row: number; column: number });
    expect(error).toBeInstanceOf(TypeError);
    expect(error!.message).toMatch(/^streamCSV: row \d+, column 1 \("a"\): expected a number, got "seven"/);
    expect(error).toMatchObject({ column: 1, columnName: 'a', value: 'seven' });
  });
});

describe('fit on a source of batches', () => {
  const xs = Array.from({ length: 64 }, (_, i) => [Math.cos(i), Math.sin(i * 1.3)]);
  const ys = xs.map(([a, b]) => (a + b > 0 ? 1 : 0));
  const source = (size: number) => ({
    *[Symbol.iterator]() {
      for (let i = 0; i < xs.length; i += size) yield { x: xs.slice(i, i + size), y: ys.slice(i, i + size) };
    },
  });

  it('trains one step per batch, like fit with the same batches in order', async () => {
    const spec = { inputs: 2, layers: [{ units: 6, activation: 'tanh' as const }, { units: 2, activation: 'softmax' as const }], optimizer: { type: 'sgd' as const, learningRate: 0.3 }, seed: 5 };
    const streamed = await createModel(spec);
    const inMemory = await createModel(spec);
    const history = await streamed.fit(source(16), { epochs: 3 });
    await inMemory.fit(xs, ys, { epochs: 3, batchSize: 16, shuffle: false });
    expect(history.epochs).toBe(3);
    expect(streamed.getWeights()).toEqual(inMemory.getWeights());
  });

  it('refuses options that belong to the source, a one-shot generator past epoch 1, and bad batches', async () => {
    const model = await createModel({ inputs: 2, layers: [{ units: 2, activation: 'softmax' }], seed: 1 });
    const before = JSON.stringify(model.toJSON());
    await expect(model.fit(source(8), { batchSize: 8 } as never)).rejects.toThrow(/^fit: options.batchSize does not apply to a source of batches/);
    await expect(model.fit(source(8), { epoch: 2 } as never)).rejects.toThrow(/unknown option 'epoch' \(did you mean 'epochs'\?\)/);
    expect(JSON.stringify(model.toJSON())).toBe(before);
    function* once() {
      yield { x: xs.slice(0, 8), y: ys.slice(0, 8) };
    }
    await expect(model.fit(once(), { epochs: 2 })).rejects.toThrow(/^fit: the source gave no batches in epoch 2: it cannot start over/);
    await expect(model.fit([{ x: xs, y: ys }][Symbol.iterator](), {})).resolves.toMatchObject({ epochs: 1 });
    const bad = { *[Symbol.iterator]() { yield { x: [[1, 2]], y: [0] }; yield { x: [[1, Number.NaN]], y: [1] }; } };
    await expect(model.fit(bad)).rejects.toThrow(/^fit: epoch 1, batch 2: x: row 1 \(index 0\), column 2 \(index 1\) is NaN/);
    const notBatch = { *[Symbol.iterator]() { yield [1, 2]; } };
    await expect(model.fit(notBatch as never)).rejects.toThrow(/^fit: epoch 1, batch 1: expected a batch \{ x, y \}; got an array/);
  });

  it('a streamCSV source is checked against the output layer before training', async () => {
    const text = table(40);
    const batches: CSVBatches = await streamCSV(chunked(text, [64], true), { target: 'label', ignore: ['note'] });
    const wrong = await createModel({ inputs: batches.pipeline.inputs, layers: [{ units: 3, activation: 'softmax' }], seed: 1 });
    await expect(wrong.fit(batches)).rejects.toThrow(/^fit: the data set has 2 classes \("high", "low"\) but the output layer \(layers\[0\]\) is 3 'softmax' units/);
  });
});
