/**
 * What every benchmark in bench/ shares: the synthetic MNIST-shaped data, the network shapes,
 * the contender interfaces each peer adapter implements, the timing loop (warm-up, adaptive row
 * count for slow peers, repeated timed runs, median and min–max), the result checks, the
 * terminal table and the machine description. Peer adapters live beside this file, one per
 * library; the questions (train, inference, scaling) are in bench/*.ts.
 */
import os from 'node:os';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { execSync } from 'node:child_process';
import { createRng } from '../../src/index.js';

export const now = (): number => performance.now();

// ---------------------------------------------------------------------------------------------
// Data

/** A fully-connected ReLU network with a softmax output: sizes[0] inputs, sizes.at(-1) classes. */
export type Sizes = readonly number[];

/** One dense layer's parameters as neuronine's getWeights gives them: weight (in × out) row-major. */
export interface LayerWeights {
  weight: Float32Array;
  bias: Float32Array;
}

/** Rows of features in [0, 1] with class labels. */
export interface Dataset {
  rows: number;
  cols: number;
  classes: number;
  x: Float32Array;
  labels: Int32Array;
}

/** The library's seeded generator (xoshiro128**), for synthetic data. */
export const seeded = (seed: number): (() => number) => createRng(seed);

/**
 * Synthetic classification data shaped like its real counterpart (MNIST: 784 features in 0–1,
 * 10 classes): each class has a prototype of sparse bright "strokes"; a row is its class's
 * prototype scaled by 0.6–1, with noise, clipped to [0, 1]. Learnable, deterministic, no download.
 */
export function syntheticData(rows: number, cols: number, classes: number, seed = 1): Dataset {
  const rng = seeded(seed);
  const prototypes = new Float32Array(classes * cols);
  for (let i = 0; i < prototypes.length; i++) prototypes[i] = rng() < 0.2 ? 0.5 + 0.5 * rng() : 0;
  const x = new Float32Array(rows * cols);
  const labels = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    const c = Math.floor(rng() * classes);
    labels[r] = c;
    const scale = 0.6 + 0.4 * rng();
    for (let j = 0; j < cols; j++) {
      const v = prototypes[c * cols + j] * scale + (rng() < 0.1 ? 0.3 * rng() : 0);
      x[r * cols + j] = v > 1 ? 1 : v;
    }
  }
  return { rows, cols, classes, x, labels };
}

/** The first `rows` rows of a data set (views, no copy). */
export function headRows(data: Dataset, rows: number): Dataset {
  return { ...data, rows, x: data.x.subarray(0, rows * data.cols), labels: data.labels.subarray(0, rows) };
}

/** Sizes as "784-128-10". */
export const sizesName = (sizes: Sizes): string => sizes.join('-');

/** Multiply-adds of one sample's forward pass; training is about 3× this (forward, dA, dW). */
export function forwardMacs(sizes: Sizes): number {
  let macs = 0;
  for (let i = 1; i < sizes.length; i++) macs += sizes[i - 1] * sizes[i];
  return macs;
}

// ---------------------------------------------------------------------------------------------
// Contenders

/** The training settings every contender uses. */
export interface TrainSetup {
  sizes: Sizes;
  /** Initial parameters, the same for every contender (neuronine's seeded init). */
  weights: readonly LayerWeights[];
  learningRate: number;
}

/**
 * A library set up to train one network with minibatch SGD on softmax + cross-entropy.
 * `train` stages the first `rows` rows itself (outside the epoch timing) and calls `onEpoch`
 * right after every epoch; the harness times epochs between those calls.
 */
export interface Trainer {
  /**
   * One SGD step on all rows of `batch` as one batch: returns the mean loss before the step and
   * the softmax outputs for `probe` after it. Used to check that every contender computes the
   * same thing before anything is timed. Absent for per-sample libraries (check 'forward').
   */
  step?(batch: Dataset, probe: Dataset): { loss: number; probs: Float32Array } | Promise<{ loss: number; probs: Float32Array }>;
  train(data: Dataset, batchSize: number, epochs: number, onEpoch: () => void): void | Promise<void>;
  dispose(): void;
}

/**
 * A library that only trains one sample at a time with its own loss (brain.js, synaptic): it is
 * checked on predictions from the same weights instead of on a step, and its rate is reported
 * with that caveat.
 */
export interface Predictor {
  /** Outputs for `data`'s rows, row-major (rows × classes). */
  predict(data: Dataset): Float32Array | Promise<Float32Array>;
  dispose(): void;
}

export interface TrainContender {
  name: string;
  /** What it runs, in a few words (the path taken, caveats). */
  note: string;
  /**
   * How it is checked: 'step' compares loss and post-step outputs with neuronine's; 'forward'
   * compares outputs from the same weights with a neuronine model whose output activation is
   * `outputActivation` (for libraries without softmax + cross-entropy).
   */
  check: 'step' | 'forward';
  outputActivation?: 'relu' | 'sigmoid';
  create(setup: TrainSetup): Promise<Trainer & Partial<Predictor>>;
  /** Why this contender sits a case out (too slow to build or run at all), if it does. */
  skip?(sizes: Sizes): string | undefined;
}

export interface InferenceContender {
  name: string;
  note: string;
  outputActivation?: 'relu' | 'sigmoid';
  create(sizes: Sizes, weights: readonly LayerWeights[]): Promise<Predictor>;
}

// ---------------------------------------------------------------------------------------------
// Timing

export interface Stats {
  median: number;
  min: number;
  max: number;
}

export function stats(values: readonly number[]): Stats {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { median, min: sorted[0], max: sorted[sorted.length - 1] };
}

/** How long and how often to time: the full run and `--quick` differ only here. */
export interface Budget {
  quick: boolean;
  /** Timed repetitions (each one or more epochs). */
  reps: number;
  /** A repetition lasts at least this long (several epochs when one is shorter). */
  minRepSeconds: number;
  /** An epoch of a slow contender is cut to about this long by training on fewer rows. */
  maxEpochSeconds: number;
}

export const FULL: Budget = { quick: false, reps: 5, minRepSeconds: 0.25, maxEpochSeconds: 2 };
export const QUICK: Budget = { quick: true, reps: 3, minRepSeconds: 0.04, maxEpochSeconds: 0.25 };

export interface Rate {
  /** samples/s over the timed repetitions. */
  rate: Stats;
  /** Rows per timed epoch; fewer than the case's rows means the rate is extrapolated. */
  rows: number;
  epochsPerRep: number;
  reps: number;
  extrapolated: boolean;
}

/**
 * Times training epochs: warm-up epochs on growing slices of the data (from one batch, or 16
 * rows for a per-sample contender, up to 2,000 rows or a tenth of maxEpochSeconds) estimate the cost per row; the epoch is
 * cut to fewer rows (whole batches, or multiples of 16 rows) when it would exceed maxEpochSeconds; then one `train` call
 * runs 1 + reps × epochsPerRep epochs, the first discarded as a further warm-up.
 */
export async function timeTraining(trainer: Trainer, data: Dataset, batchSize: number, budget: Budget,
  perSample = false): Promise<Rate> {
  const unit = perSample ? 16 : batchSize;
  let probeRows = Math.min(data.rows, unit);
  let perRow: number;
  for (;;) {
    const t0 = now();
    await trainer.train(headRows(data, probeRows), batchSize, 1, () => {});
    perRow = (now() - t0) / 1000 / probeRows;
    const next = Math.min(data.rows, 2000, Math.floor(budget.maxEpochSeconds / 10 / perRow));
    if (next <= probeRows * 2) break;
    probeRows = next;
  }
  let rows = data.rows;
  if (perRow * rows > budget.maxEpochSeconds) {
    rows = Math.min(data.rows, Math.max(Math.min(unit, data.rows), Math.floor(budget.maxEpochSeconds / perRow / unit) * unit));
  }
  const epochsPerRep = Math.max(1, Math.ceil(budget.minRepSeconds / Math.max(perRow * rows, 1e-6)));
  const stamps: number[] = [];
  await trainer.train(headRows(data, rows), batchSize, 1 + budget.reps * epochsPerRep, () => stamps.push(now()));
  const rates: number[] = [];
  for (let r = 0; r < budget.reps; r++) {
    const seconds = (stamps[(r + 1) * epochsPerRep] - stamps[r * epochsPerRep]) / 1000;
    rates.push((rows * epochsPerRep) / seconds);
  }
  return { rate: stats(rates), rows, epochsPerRep, reps: budget.reps, extrapolated: rows < data.rows };
}

/** Times `run` (which handles `rows` samples) after one warm-up call; several calls per rep when it is short. */
export async function timeCalls(run: () => unknown, rows: number, budget: Budget): Promise<Rate> {
  const t0 = now();
  await run();
  const once = (now() - t0) / 1000;
  const callsPerRep = Math.max(1, Math.ceil(budget.minRepSeconds / Math.max(once, 1e-6)));
  const rates: number[] = [];
  for (let r = 0; r < budget.reps; r++) {
    const start = now();
    for (let c = 0; c < callsPerRep; c++) await run();
    rates.push((rows * callsPerRep) / ((now() - start) / 1000));
  }
  return { rate: stats(rates), rows, epochsPerRep: callsPerRep, reps: budget.reps, extrapolated: false };
}

// ---------------------------------------------------------------------------------------------
// Checks

export interface Check {
  ok: boolean;
  /** Largest absolute difference found, and what was compared. */
  detail: string;
}

/** Largest |a − b|. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= worst)) worst = Number.isNaN(d) ? Infinity : d;
  }
  return worst;
}

/** Outputs agree to `tolerance` absolute (probabilities and activations are O(1)). */
export function compareOutputs(what: string, ours: ArrayLike<number>, theirs: ArrayLike<number>, tolerance: number): Check {
  const diff = maxAbsDiff(ours, theirs);
  return { ok: diff <= tolerance, detail: `${what}: max |Δ| ${diff.toExponential(1)} (tol ${tolerance.toExponential(0)})` };
}

// ---------------------------------------------------------------------------------------------
// Output

export const fmtRate = (v: number): string => (v >= 100 ? Math.round(v).toLocaleString('en-US') : v.toPrecision(3));
export const fmtRatio = (v: number): string => (v >= 10 ? `${v.toFixed(0)}×` : v >= 1 ? `${v.toFixed(1)}×` : `${v.toFixed(2)}×`);

/** Prints rows as an aligned table; numeric-looking cells are right-aligned. */
export function printTable(header: readonly string[], rows: readonly (readonly string[])[]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const numeric = (s: string): boolean => /^[\d,.–\-×≥ ]+[×%*]?$/.test(s) && /\d/.test(s);
  const line = (cells: readonly string[]) => cells.map((c, i) => (numeric(c) ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(line(r));
}

export interface Machine {
  cpu: string;
  cores: number;
  node: string;
  v8: string;
  platform: string;
  loadAverage: number[];
  commit: string;
  /** Uncommitted changes under assembly/ and src/ when the run started (the kernels measured may not match the commit). */
  dirty: string[];
  date: string;
}

export function machine(): Machine {
  let cpu = os.cpus()[0]?.model ?? 'unknown';
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) cpu = m[1].trim();
  } catch { /* not Linux */ }
  const git = (cmd: string): string => {
    try { return execSync(cmd, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }); } catch { return ''; }
  };
  return {
    cpu,
    cores: os.availableParallelism?.() ?? os.cpus().length,
    node: process.version,
    v8: process.versions.v8,
    platform: `${process.platform} ${process.arch}`,
    loadAverage: os.loadavg().map((v) => Math.round(v * 100) / 100),
    commit: git('git rev-parse --short HEAD').trim(),
    dirty: git('git status --porcelain -- assembly src').split('\n').filter(Boolean).map((l) => l.slice(3)),
    date: new Date().toISOString(),
  };
}

export function describeMachine(m: Machine): string {
  return `${m.cpu}, ${m.cores} cores, Node ${m.node} (V8 ${m.v8}), ${m.platform}; load average ${m.loadAverage.join(' ')}; `
    + `commit ${m.commit}${m.dirty.length ? ` + uncommitted ${m.dirty.join(', ')}` : ''}`;
}

const RESULTS = new URL('../results/', import.meta.url);

/** Writes bench/results/<name> (JSON for objects, text otherwise). */
export function writeResult(name: string, content: unknown): string {
  mkdirSync(RESULTS, { recursive: true });
  const url = new URL(name, RESULTS);
  writeFileSync(url, typeof content === 'string' ? content : `${JSON.stringify(content, null, 2)}\n`);
  return `bench/results/${name}`;
}

/** Command-line flags shared by every bench entry point. */
export function parseArgs(argv: readonly string[]): { quick: boolean; only: string[] } {
  const quick = argv.includes('--quick');
  const only = argv.filter((a) => !a.startsWith('--'));
  return { quick, only };
}
