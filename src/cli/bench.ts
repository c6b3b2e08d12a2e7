/**
 * `neuronine bench [--quick]`: this machine's training and prediction speed on the standard
 * shapes of the repository's benchmarks (bench/train.ts, bench/inference.ts), through the public
 * API only, on synthetic MNIST-shaped rows (784 features in 0–1, 10 classes; 4 features and 3
 * classes for the small case). Works from the installed package: the repository's bench/ (with
 * the peers) is not shipped. Each case: one warm-up epoch, then the median of timed epochs.
 */
import { createModel, createRng, type Matrix } from '../index.js';
import { parseCommand, positionals, type CommandSpec } from './args.js';
import { reporter, writeStdout } from './io.js';
import { grouped } from './progress.js';

export const BENCH: CommandSpec = {
  name: 'bench',
  brief: "this machine's training and prediction speed",
  summary: "Measure this machine: training samples/s and prediction rows/s on the standard shapes (784-128-10 at batch 64 and 256, 784-512-256-10 at batch 128, 4-16-3 at batch 16; predict 784-128-10), single thread, synthetic data.",
  positionals: [],
  options: [
    { name: 'quick', description: 'fewer rows and repetitions (a few seconds)' },
    { name: 'json', description: 'print the results as one JSON object' },
  ],
  examples: ['neuronine bench', 'neuronine bench --quick --json'],
  notes: ['The full comparison with TF.js, brain.js and plain JS is `npm run bench` in a clone of the repository.'],
};

interface Case {
  id: string;
  sizes: number[];
  batch: number;
  rows: number;
}

const TRAIN_CASES: Case[] = [
  { id: 'train 784-128-10, batch 64', sizes: [784, 128, 10], batch: 64, rows: 10_000 },
  { id: 'train 784-128-10, batch 256', sizes: [784, 128, 10], batch: 256, rows: 10_000 },
  { id: 'train 784-512-256-10, batch 128', sizes: [784, 512, 256, 10], batch: 128, rows: 10_000 },
  { id: 'train 4-16-3, batch 16', sizes: [4, 16, 3], batch: 16, rows: 1_500 },
];

/** Rows of `cols` features in 0–1 around one prototype per class, and their labels. */
function synthetic(rows: number, cols: number, classes: number, seed: number): { x: Matrix; y: Int32Array } {
  const rng = createRng(seed);
  const prototypes = Float32Array.from({ length: classes * cols }, () => (rng() < 0.2 ? 0.5 + 0.5 * rng() : 0));
  const data = new Float32Array(rows * cols);
  const y = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    const c = Math.floor(rng() * classes);
    y[r] = c;
    for (let j = 0; j < cols; j++) data[r * cols + j] = Math.min(1, prototypes[c * cols + j] * (0.6 + 0.4 * rng()) + (rng() < 0.1 ? 0.3 * rng() : 0));
  }
  return { x: { rows, cols, data }, y };
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length % 2 ? sorted[(sorted.length - 1) / 2] : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
};

async function modelOf(sizes: number[]) {
  return createModel({
    inputs: sizes[0],
    layers: sizes.slice(1).map((units, i) => ({ units, activation: i === sizes.length - 2 ? 'softmax' as const : 'relu' as const })),
    loss: 'crossEntropy',
    optimizer: { type: 'sgd', learningRate: 0.05 },
    seed: 7,
  });
}

export async function bench(argv: string[]): Promise<number> {
  const parsed = parseCommand(BENCH, argv);
  positionals(BENCH, parsed);
  const quick = parsed.values.quick === true;
  const json = parsed.values.json === true;
  const report = reporter({ dataOnStdout: false, json, quiet: false });
  const reps = quick ? 3 : 7;
  report.line(`neuronine bench${quick ? ' --quick' : ''}: single thread, Node ${process.versions.node}, ${process.arch}; median of ${reps} timed epochs after one warm-up`);
  const results: { case: string; rows: number; rate: number; unit: string }[] = [];
  for (const c of TRAIN_CASES) {
    const rows = quick ? Math.ceil(c.rows / 5) : c.rows;
    const { x, y } = synthetic(rows, c.sizes[0], c.sizes.at(-1)!, 1);
    const model = await modelOf(c.sizes);
    const seconds: number[] = [];
    model.fitSync(x, y, { epochs: reps + 1, batchSize: c.batch, onEpochEnd: (epoch, logs) => { if (epoch > 0) seconds.push(logs.seconds); } });
    const rate = rows / median(seconds);
    results.push({ case: c.id, rows, rate, unit: 'samples/s' });
    report.line(`  ${`${c.id}:`.padEnd(34)} ${grouped(rate).padStart(10)} samples/s`);
    model.dispose();
  }
  {
    const rows = quick ? 2_000 : 10_000;
    const { x } = synthetic(rows, 784, 10, 2);
    const model = await modelOf([784, 128, 10]);
    model.predict(x);
    const seconds: number[] = [];
    for (let i = 0; i < reps; i++) {
      const t0 = performance.now();
      model.predict(x);
      seconds.push((performance.now() - t0) / 1000);
    }
    const rate = rows / median(seconds);
    results.push({ case: 'predict 784-128-10', rows, rate, unit: 'rows/s' });
    report.line(`  ${'predict 784-128-10:'.padEnd(34)} ${grouped(rate).padStart(10)} rows/s`);
    model.dispose();
  }
  if (json) writeStdout(`${JSON.stringify({ command: 'bench', quick, node: process.versions.node, arch: process.arch, results }, null, 2)}\n`);
  return 0;
}
