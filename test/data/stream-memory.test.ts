// Data bigger than memory: a generated 100 MB CSV trains one epoch through streamCSV in a child
// process whose JavaScript heap is capped at 32 MB (the file is three times that), with the
// resident memory measured and asserted. bench/stream-memory.ts runs the same on 1 GB and
// reports the speed next to in-memory training.

import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, expect, it } from 'vitest';
import { generateCSV } from '../../bench/stream-memory.js';

const dir = mkdtempSync(join(tmpdir(), 'neuronine-stream-memory-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Resident memory allowed for the whole child process (Node, the wasm module, the model, the stream). */
const RSS_BOUND = 160e6;

it('streams a 100 MB CSV through one epoch with a 32 MB heap and bounded resident memory', async () => {
  const path = join(dir, 'big.csv');
  generateCSV(path, 100);
  const bytes = statSync(path).size;
  const script = fileURLToPath(new URL('../../bench/stream-memory.ts', import.meta.url));
  const { stdout } = await promisify(execFile)(process.execPath, ['--max-old-space-size=32', '--import', 'tsx', script, '--child', 'stream', path, '16'], {
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  });
  const result = JSON.parse(stdout.trim().split('\n').pop()!);
  expect(result.rows).toBeGreaterThan(1.5e6);
  expect(result.accuracy).toBeGreaterThan(0.95);
  expect(result.peak).toBeLessThan(RSS_BOUND);
  // the file is three times the JavaScript heap the child may use
  expect(bytes).toBeGreaterThan(3 * 32e6);
}, 400_000);
