/**
 * The two-core ceiling: how much more work two cores of this machine do than one when they share
 * nothing at all. The same one-thread job (training or prediction through the public API) runs
 * in one process alone, then in two processes at once (started together, each with its own
 * memory and model; the jobs: training and prediction, and the forward product of 784-128-10
 * at batch 64 alone, which a training step spends most of its time in); the ratio of the pair's
 * summed rate to the lone rate bounds what any 2-thread split of that job can reach here, whatever the library does: shared caches, memory
 * bandwidth, the clock two busy cores run at and the hypervisor all show up in it. Rounds
 * alternate alone / pair; medians of per-round ratios.
 *
 *   npx tsx bench/cores.ts [--seconds 2] [--rounds 5] [--only <part of a job's name, e.g. GEMM>]
 */
import { spawn } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { createModel, type Model } from '../src/index.js';
import { fmtRate, printTable, stats, syntheticData, writeResult } from './peers/harness.js';

type Kind = 'train 784-128-10 b64' | 'train 784-512-256-10 b128' | 'predict 784-128-10' | 'GEMM 64×784×128 (flop)';
const KINDS: Kind[] = ['train 784-128-10 b64', 'train 784-512-256-10 b128', 'predict 784-128-10', 'GEMM 64×784×128 (flop)'];

/** One job: a model and a call that processes `rows` samples or rows. */
async function job(kind: Kind): Promise<{ rows: number; run: () => void; model: Model }> {
  const sizes = kind.includes('512') ? [784, 512, 256, 10] : [784, 128, 10];
  const model = await createModel({
    inputs: 784, layers: sizes.slice(1).map((units, i) => ({ units, activation: i === sizes.length - 2 ? 'softmax' as const : 'relu' as const })),
    optimizer: 'sgd', seed: 1, threads: 1, kernels: 'portable',
  });
  const data = syntheticData(kind.startsWith('predict') ? 10_000 : 2048, 784, 10, 1);
  const x = { rows: data.rows, cols: data.cols, data: data.x };
  if (kind.startsWith('predict')) return { rows: data.rows, run: () => model.predict(x), model };
  if (kind.startsWith('GEMM')) {
    // the forward product of 784-128-10 at batch 64 alone (the kernel a training step spends most
    // of its time in), through the model's own kernels and buffers; the rate counts flop
    model.fitSync(x, data.labels, { epochs: 1, batchSize: 64 });
    const net = (model as unknown as { net: { k: { gemm_nn(...args: number[]): void }; ws: { i32: Int32Array }; plan: number; inputBatch: number } }).net;
    const word = (i: number) => net.ws.i32[(net.plan >>> 2) + i];
    const layer0 = (w: number) => word(64 + w);
    const calls = 100;
    return {
      rows: calls * 2 * 64 * 784 * 128,
      run: () => { for (let c = 0; c < calls; c++) net.k.gemm_nn(layer0(9), net.inputBatch, layer0(5), layer0(6), 64, 784, 128, 1, 0, 0, word(4)); },
      model,
    };
  }
  const batchSize = kind.endsWith('b128') ? 128 : 64;
  return { rows: data.rows, run: () => model.fitSync(x, data.labels, { epochs: 1, batchSize, shuffle: false }), model };
}

/** Child: warm up, say ready, wait for "go" on stdin, run for `seconds`, print the rate. */
async function child(kind: Kind, seconds: number): Promise<void> {
  const { rows, run } = await job(kind);
  const warm = performance.now();
  while (performance.now() - warm < 400) run();
  process.stdout.write('ready\n');
  await new Promise<void>((resolve) => process.stdin.once('data', () => resolve()));
  let done = 0;
  const start = performance.now();
  while (performance.now() - start < seconds * 1000) {
    run();
    done += rows;
  }
  process.stdout.write(`${JSON.stringify({ rate: done / ((performance.now() - start) / 1000) })}\n`);
  process.exit(0);
}

/** Runs `count` children of `kind` at once (started together); their rates. */
async function together(kind: Kind, count: number, seconds: number): Promise<number[]> {
  const self = fileURLToPath(import.meta.url);
  const children = Array.from({ length: count }, () => spawn(process.execPath, ['--import', 'tsx', self, '--child', kind, String(seconds)], { stdio: ['pipe', 'pipe', 'inherit'] }));
  const lines = children.map((c) => {
    let buffer = '';
    const waiting: ((line: string) => void)[] = [];
    c.stdout.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      let at: number;
      while ((at = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, at);
        buffer = buffer.slice(at + 1);
        waiting.shift()?.(line);
      }
    });
    return () => new Promise<string>((resolve) => waiting.push(resolve));
  });
  const ready = lines.map((next) => next());
  await Promise.all(ready);
  const results = lines.map((next) => next());
  for (const c of children) c.stdin.write('go\n');
  return (await Promise.all(results)).map((line) => (JSON.parse(line) as { rate: number }).rate);
}

export interface CoresRow { kind: Kind; alone: number; pair: number; ratio: number; ratios: number[] }

/** The ceiling for each job: median over rounds of (the pair's summed rate ÷ the lone rate). */
export async function runCoresBench(seconds = 2, rounds = 5, only = ''): Promise<CoresRow[]> {
  const load = os.loadavg();
  console.log(`cores: ${os.availableParallelism()} cores, load average ${load.map((v) => v.toFixed(2)).join(' / ')} at the start; one-thread jobs, 1 process alone vs 2 at once, ${rounds} rounds of ${seconds} s`);
  const rows: CoresRow[] = [];
  for (const kind of KINDS.filter((k) => k.includes(only))) {
    const alone: number[] = [];
    const pair: number[] = [];
    for (let r = 0; r < rounds; r++) {
      alone.push((await together(kind, 1, seconds))[0]);
      pair.push((await together(kind, 2, seconds)).reduce((a, b) => a + b, 0));
    }
    const ratios = pair.map((p, r) => p / alone[r]);
    rows.push({ kind, alone: stats(alone).median, pair: stats(pair).median, ratio: stats(ratios).median, ratios });
  }
  printTable(['job (one thread per process)', '1 process', '2 processes, summed', 'ceiling (2 ÷ 1)', 'rounds'], rows.map((r) => [
    r.kind, fmtRate(r.alone), fmtRate(r.pair), `${r.ratio.toFixed(2)}×`, r.ratios.map((v) => v.toFixed(2)).join(' '),
  ]));
  console.log(`load average at the end: ${os.loadavg().map((v) => v.toFixed(2)).join(' / ')}`);
  writeResult('cores.json', { loadAverage: { start: load, end: os.loadavg() }, cores: os.availableParallelism(), rows });
  return rows;
}

const args = process.argv.slice(2);
if (args[0] === '--child') {
  await child(args[1] as Kind, Number(args[2]));
} else if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('bench/cores.ts')) {
  const option = (name: string, fallback: number) => {
    const at = args.indexOf(name);
    return at >= 0 ? Number(args[at + 1]) : fallback;
  };
  const only = args.indexOf('--only');
  await runCoresBench(option('--seconds', 2), option('--rounds', 5), only >= 0 ? args[only + 1] : '');
}
