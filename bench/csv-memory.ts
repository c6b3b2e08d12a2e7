/**
 * How much memory does loadCSV need? Generates a CSV of about `--mb` megabytes (default 50:
 * eight numeric columns, a five-valued text column and a three-class label), then loads it in a
 * fresh child process and prints the peak resident memory (`maxRSS`) against the file size.
 *
 *   npx tsx bench/csv-memory.ts [--mb 50]
 */
import { execFileSync } from 'node:child_process';
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const child = args[0] === '--child';

if (child) {
  const [, path] = args;
  const { loadCSVFile } = await import('../src/node.js');
  const before = process.memoryUsage().rss;
  const started = performance.now();
  const data = await loadCSVFile(path, { target: 'label' });
  const seconds = (performance.now() - started) / 1000;
  const peak = process.resourceUsage().maxRSS * 1024;
  console.log(JSON.stringify({ rows: data.rows, cols: data.x.cols, before, peak, seconds }));
} else {
  const mb = Number(args[args.indexOf('--mb') + 1] ?? 50) || 50;
  const path = join(tmpdir(), `neuronine-csv-memory-${mb}.csv`);
  if (!existsSync(path)) {
    const colors = ['red', 'green', 'blue', 'black', 'white'];
    const lines = ['a,b,c,d,e,f,g,h,color,label'];
    let size = 0;
    let seed = 1;
    const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
    while (size < mb * 1e6) {
      const cells = Array.from({ length: 8 }, () => (rand() * 100 - 50).toFixed(3));
      const line = `${cells.join(',')},${colors[Math.floor(rand() * 5)]},${['x', 'y', 'z'][Math.floor(rand() * 3)]}`;
      lines.push(line);
      size += line.length + 1;
    }
    writeFileSync(path, lines.join('\n') + '\n');
  }
  const bytes = statSync(path).size;
  const out = execFileSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--child', path], { encoding: 'utf8' });
  const result = JSON.parse(out.trim().split('\n').pop()!);
  console.log(`loadCSV of ${(bytes / 1e6).toFixed(1)} MB (${result.rows} rows × ${result.cols} features): ` +
    `peak RSS ${(result.peak / 1e6).toFixed(0)} MB (${(result.peak / bytes).toFixed(1)}× the file; ${(result.before / 1e6).toFixed(0)} MB before loading), ${result.seconds.toFixed(2)} s`);
}
