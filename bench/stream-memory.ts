/**
 * Does training on a CSV bigger than memory keep memory bounded, and how fast is it next to
 * training in memory? Generates a CSV of `--mb` megabytes (default 1000: eight numeric columns, a
 * five-valued text column, a three-class label), then in fresh child processes
 *   - streams it: streamCSV (a fitting pass) + one epoch of fit, printing the peak RSS;
 *   - unless `--no-memory-run`: loadCSV + one epoch of fit on the same file (in memory).
 * The speed ratio is rows/s of the streamed epoch (reading + encoding + training) over rows/s of
 * the in-memory epoch (training only), and of the whole job (load + epoch) both ways.
 *
 *   npx tsx bench/stream-memory.ts [--mb 1000] [--no-memory-run] [--hidden 32]
 */
import { execFileSync } from 'node:child_process';
import { existsSync, statSync, writeFileSync, openSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const option = (name: string, fallback: number): number => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};

/** Writes a CSV of about `mb` megabytes at `path` (deterministic content). */
export function generateCSV(path: string, mb: number): void {
  const fd = openSync(path, 'w');
  const colors = ['red', 'green', 'blue', 'black', 'white'];
  let seed = 1;
  const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
  writeSync(fd, 'a,b,c,d,e,f,g,h,color,label\n');
  let size = 0;
  const lines: string[] = [];
  while (size < mb * 1e6) {
    const cells: string[] = [];
    let score = 0;
    for (let j = 0; j < 8; j++) {
      const v = rand() * 100 - 50;
      if (j < 2) score += v;
      cells.push(v.toFixed(3));
    }
    const line = `${cells.join(',')},${colors[Math.floor(rand() * 5)]},${score > 20 ? 'x' : score < -20 ? 'z' : 'y'}\n`;
    lines.push(line);
    size += line.length;
    if (lines.length === 10000) {
      writeSync(fd, lines.join(''));
      lines.length = 0;
    }
  }
  writeSync(fd, lines.join(''));
  closeSync(fd);
}

async function child(mode: string, path: string, hidden: number): Promise<void> {
  const { createModel } = await import('../src/index.js');
  const { loadCSVFile, streamCSV } = await import('../src/node.js');
  const started = performance.now();
  const data = mode === 'stream'
    ? await streamCSV(path, { target: 'label', batchSize: 64, shuffleBuffer: 4096, seed: 1 })
    : await loadCSVFile(path, { target: 'label' });
  const loaded = performance.now();
  const model = await createModel({ data, layers: [{ units: hidden, activation: 'relu' }], optimizer: { type: 'adam', learningRate: 0.01 }, seed: 1 });
  const history = mode === 'stream'
    ? await model.fit(data as never, { epochs: 1 })
    : await model.fit(data as never, { epochs: 1, batchSize: 64 });
  const done = performance.now();
  const rows = mode === 'stream' ? (data as { rows: number }).rows : (data as { rows: number }).rows;
  console.log(JSON.stringify({
    rows, load: (loaded - started) / 1000, epoch: (done - loaded) / 1000, loss: history.loss[0], accuracy: history.accuracy?.[0],
    peak: process.resourceUsage().maxRSS * 1024,
  }));
}

if (args[0] === '--child') {
  await child(args[1], args[2], Number(args[3]));
} else if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('stream-memory.ts')) {
  const mb = option('--mb', 1000);
  const hidden = option('--hidden', 32);
  const path = join(tmpdir(), `neuronine-stream-${mb}.csv`);
  if (!existsSync(path)) generateCSV(path, mb);
  const bytes = statSync(path).size;
  const run = (mode: string) => JSON.parse(execFileSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--child', mode, path, String(hidden)], { encoding: 'utf8', maxBuffer: 1 << 20 }).trim().split('\n').pop()!);
  const stream = run('stream');
  console.log(`file ${(bytes / 1e6).toFixed(0)} MB, ${stream.rows} rows, 10-${hidden}-3 net, batch 64`);
  console.log(`streamed: fitting pass ${stream.load.toFixed(1)} s, epoch ${stream.epoch.toFixed(1)} s (${(stream.rows / stream.epoch).toFixed(0)} rows/s), peak RSS ${(stream.peak / 1e6).toFixed(0)} MB (the file is ${(bytes / stream.peak).toFixed(1)}x that), accuracy ${stream.accuracy?.toFixed(3)}`);
  if (!args.includes('--no-memory-run')) {
    const memory = run('memory');
    console.log(`in memory: loadCSV ${memory.load.toFixed(1)} s, epoch ${memory.epoch.toFixed(1)} s (${(memory.rows / memory.epoch).toFixed(0)} rows/s), peak RSS ${(memory.peak / 1e6).toFixed(0)} MB, accuracy ${memory.accuracy?.toFixed(3)}`);
    console.log(`ratio: streamed epoch takes ${(stream.epoch / memory.epoch).toFixed(1)}x the in-memory epoch; load+epoch ${((stream.load + stream.epoch) / (memory.load + memory.epoch)).toFixed(2)}x`);
  }
}
