/**
 * "How fast is GEMM?" The three forms training uses — out = a·b (forward), a·bᵀ (dA = dZ·Wᵀ),
 * aᵀ·b (dW = Aᵀ·dZ) — on square and training shapes, single thread: neuronine's release build
 * next to TensorFlow.js 4.22 on its wasm backend (XNNPACK, SIMD, one thread) and its cpu backend,
 * and a plain JS triple loop as the floor on small shapes.
 *
 * For every shape and form each contender's result is first checked against float64 (every
 * entry when m·k·n ≤ 2²⁴, else 512 sampled entries) within 1e-5·√k relative (scale 1); then it
 * is timed after warm-up: at least 7 calls and 0.3 s (quick: 5 calls, 0.05 s); a contender
 * for which that would pass 4 s stops at 2 calls (and 0.3 s). neuronine, TF.js wasm and plain
 * JS are sampled in rounds (one sample each per round) so that load from other processes hits
 * them alike; TF.js cpu is timed on its own. The table gives the median ms,
 * min–max, GFLOP/s from the median and from the fastest call ("best": the machine may be
 * shared), and us / TF.js wasm (medians). JSON goes to bench/results/gemm.json.
 *
 * Fairness notes, also in the JSON: our kernels re-pack B on every call (in training the weights
 * change every step); TF.js wasm caches XNNPACK's packed copy of b per tensor, so repeated calls
 * on one b tensor skip packing. TF.js is timed without reading the result back (both backends
 * compute synchronously inside tf.matMul).
 *
 *   npx tsx bench/gemm.ts [--quick] [--only nn,tn] [--shapes 64x784x128,128x128x128]
 */
import { readFileSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createMemory, unshareMemory } from '../src/runtime/module.js';
import type { KernelExports } from '../src/runtime/abi.js';

export type Form = 'nn' | 'nt' | 'tn';
export type Shape = readonly [m: number, k: number, n: number];

export interface GemmCase {
  form: Form;
  shape: Shape;
  /** Where the shape comes from: a square/standard case or a training step of 784-128-10. */
  label: string;
}

export interface Timing {
  medianMs: number;
  minMs: number;
  maxMs: number;
  calls: number;
  /** From the median. */
  gflops: number;
  /** From the fastest call: less disturbed by other processes on a shared machine. */
  bestGflops: number;
  /** Of the check against float64 (relative, scale 1). */
  error: number;
}

export interface GemmRow extends GemmCase {
  flop: number;
  /** Keyed by contender id: neuronine, tfjs-wasm, tfjs-cpu, plain-js. Absent = not run. */
  results: Record<string, Timing | { error: string }>;
  /** neuronine GFLOP/s ÷ TF.js wasm GFLOP/s (medians). */
  ratioVsTfjsWasm?: number;
}

export interface GemmBenchOptions {
  quick?: boolean;
  /** Forms to run (default all three). */
  forms?: Form[];
  /** Restrict to these shapes (default: the shapes plus the training shapes). */
  shapes?: Shape[];
  /** Print the table (default true). */
  print?: boolean;
  /** Write bench/results/gemm.json (default true). */
  write?: boolean;
}

const STANDARD: Shape[] = [[64, 784, 128], [128, 128, 128], [256, 256, 256], [512, 512, 512], [1024, 1024, 1024]];
/** The GEMMs of one training step of 784-128-10 at batch 64, in the network driver's calls. */
const TRAINING: GemmCase[] = [
  { form: 'nn', shape: [64, 784, 128], label: 'train fwd 1' },
  { form: 'nn', shape: [64, 128, 10], label: 'train fwd 2' },
  { form: 'tn', shape: [128, 64, 10], label: 'train dW 2' },
  { form: 'nt', shape: [64, 10, 128], label: 'train dA 1' },
  { form: 'tn', shape: [784, 64, 128], label: 'train dW 1' },
];
const CONTENDERS = ['neuronine', 'tfjs-wasm', 'tfjs-cpu', 'plain-js'] as const;
type Contender = (typeof CONTENDERS)[number];

// ---------------------------------------------------------------------------------------------
// Our kernels: build/neuronine.wasm instantiated directly, buffers carved from its memory.

const here = path.dirname(fileURLToPath(import.meta.url));

/** A kernel binary (the release build by default) with buffers carved from its memory, `align` bytes apart. */
export class Ours {
  readonly k: KernelExports;
  private top: number;
  constructor(readonly file = path.join(here, '../build/neuronine.wasm'), private readonly align = 16) {
    const bytes = readFileSync(file);
    const memory = createMemory(false);
    const instance = new WebAssembly.Instance(new WebAssembly.Module(unshareMemory(bytes)), { env: { memory } });
    this.k = { ...(instance.exports as object), memory } as unknown as KernelExports;
    this.top = (this.k.heap_base() + 15) & ~15;
  }
  reset(): void {
    this.top = (this.k.heap_base() + 15) & ~15;
  }
  alloc(bytes: number): number {
    const address = this.top;
    this.top = (this.top + bytes + this.align - 1) & ~(this.align - 1);
    const need = this.top - this.k.memory.buffer.byteLength;
    if (need > 0) this.k.memory.grow(Math.ceil(need / 65536));
    return address;
  }
  put(values: Float32Array): number {
    const address = this.alloc(values.length * 4);
    new Float32Array(this.k.memory.buffer, address, values.length).set(values);
    return address;
  }
  view(address: number, length: number): Float32Array {
    return new Float32Array(this.k.memory.buffer, address, length);
  }
}

// ---------------------------------------------------------------------------------------------
// TF.js, loaded lazily; absent packages are reported, not fatal.

type Tf = typeof import('@tensorflow/tfjs-core');
let tfLoad: Promise<{ tf: Tf; wasm: string | undefined; cpu: string | undefined } | { error: string }> | undefined;

function loadTf() {
  tfLoad ??= (async () => {
    try {
      const tf = await import('@tensorflow/tfjs-core');
      // PROD silences the cpu backend's "install tfjs-node" banner (its only effect here)
      tf.env().set('PROD', true);
      let cpu: string | undefined;
      try {
        await import('@tensorflow/tfjs-backend-cpu');
      } catch (e) {
        cpu = `@tensorflow/tfjs-backend-cpu did not load: ${(e as Error).message}`;
      }
      let wasm: string | undefined;
      try {
        const wasmBackend = await import('@tensorflow/tfjs-backend-wasm');
        // Node: the .wasm files are found through a file-path prefix (no fetch of file: URLs)
        const require = createRequire(import.meta.url);
        const dir = path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist/');
        wasmBackend.setWasmPaths(dir);
        wasmBackend.setThreadsCount(1);
        if (!(await tf.setBackend('wasm'))) wasm = 'tf.setBackend("wasm") failed';
        else if (!tf.env().getBool('WASM_HAS_SIMD_SUPPORT')) wasm = 'the wasm backend runs without SIMD here';
      } catch (e) {
        wasm = `@tensorflow/tfjs-backend-wasm did not load: ${(e as Error).message}`;
      }
      return { tf, wasm, cpu };
    } catch (e) {
      return { error: `@tensorflow/tfjs-core did not load: ${(e as Error).message}` };
    }
  })();
  return tfLoad;
}

// ---------------------------------------------------------------------------------------------
// Data, reference and checks

function randomF32(length: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = 2 * (((t ^ (t >>> 14)) >>> 0) / 4294967296) - 1;
  }
  return out;
}

/**
 * The data of a case: `a` holds m·k floats, (m, k) for nn/nt and (k, m) for tn; `b` holds k·n,
 * (k, n) for nn/tn and (n, k) for nt.
 */
interface Operands {
  a: Float32Array;
  b: Float32Array;
}

/** Entry (i, j) of the product in float64. */
function entry(form: Form, [m, k, n]: Shape, { a, b }: Operands, i: number, j: number): number {
  let s = 0;
  for (let p = 0; p < k; p++) {
    const x = form === 'tn' ? a[p * m + i] : a[i * k + p];
    const y = form === 'nt' ? b[j * k + p] : b[p * n + j];
    s += x * y;
  }
  return s;
}

/** Largest relative error (scale 1) of `got` over all entries, or 512 sampled ones if large. */
function checkResult(form: Form, shape: Shape, ops: Operands, got: ArrayLike<number>): number {
  const [m, k, n] = shape;
  let worst = 0;
  const test = (i: number, j: number) => {
    const want = entry(form, shape, ops, i, j);
    const e = Math.abs(got[i * n + j] - want) / Math.max(Math.abs(want), 1);
    if (!(e <= worst)) worst = Number.isNaN(e) ? Infinity : e;
  };
  if (m * k * n <= 1 << 24) {
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) test(i, j);
  } else {
    let s = 12345;
    const next = (limit: number) => {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      return s % limit;
    };
    test(0, 0);
    test(m - 1, n - 1);
    for (let t = 0; t < 510; t++) test(next(m), next(n));
  }
  return worst;
}

const tolerance = (k: number) => 1e-5 * Math.sqrt(k);

/** out = a·b in plain JS over Float32Arrays (i-p-j order, float64 accumulation per row). */
function plainGemm(form: Form, [m, k, n]: Shape, { a, b }: Operands, out: Float32Array): void {
  const row = new Float64Array(n);
  for (let i = 0; i < m; i++) {
    row.fill(0);
    for (let p = 0; p < k; p++) {
      const x = form === 'tn' ? a[p * m + i] : a[i * k + p];
      if (form === 'nt') {
        for (let j = 0; j < n; j++) row[j] += x * b[j * k + p];
      } else {
        const base = p * n;
        for (let j = 0; j < n; j++) row[j] += x * b[base + j];
      }
    }
    for (let j = 0; j < n; j++) out[i * n + j] = row[j];
  }
}

// ---------------------------------------------------------------------------------------------
// Timing

interface Budget {
  minCalls: number;
  minSeconds: number;
  maxSeconds: number;
  /** Calls that suffice when minCalls would exceed maxSeconds (still ≥ minSeconds in all). */
  slowCalls: number;
}
const FULL_BUDGET: Budget = { minCalls: 7, minSeconds: 0.3, maxSeconds: 4, slowCalls: 2 };
const QUICK_BUDGET: Budget = { minCalls: 5, minSeconds: 0.05, maxSeconds: 0.6, slowCalls: 2 };

/** A contender being timed: its call, the calls per sample, and the samples so far (ms per call). */
interface Timed {
  who: Contender;
  run: () => void;
  batch: number;
  slow: boolean;
  samples: number[];
  seconds: number;
  error: number;
}

/**
 * Warm-up (tier-up of our module and of the peers' JavaScript, caches): at least 3 calls and a
 * tenth of the budget (TF.js's per-op JavaScript needs thousands of calls on small shapes before
 * its speed settles: 3 calls gave 6 instead of 14 GFLOP/s on 64×128×10); a call longer than
 * 0.5 s is its own warm-up. Then the calls per sample (≥ 1 ms each).
 */
function warmUp(who: Contender, run: () => void, error: number, budget: Budget): Timed {
  const w0 = performance.now();
  run();
  let warm = 1;
  const first = performance.now() - w0;
  while (first < 500 && (warm < 3 || performance.now() - w0 < 100 * budget.maxSeconds)) {
    run();
    warm++;
  }
  const perCall = Math.min(first, (performance.now() - w0) / warm);
  const batch = Math.max(1, Math.min(Math.floor(1 / perCall), 1000));
  return { who, run, batch, slow: perCall * budget.minCalls > budget.maxSeconds * 1000, samples: [], seconds: 0, error };
}

function finished(t: Timed, budget: Budget): boolean {
  const n = t.samples.length;
  if (t.seconds >= budget.maxSeconds && n >= budget.slowCalls) return true;
  return n >= (t.slow ? budget.slowCalls : budget.minCalls) && t.seconds >= budget.minSeconds;
}

/**
 * Samples the contenders in rounds, one sample each per round, until each has its calls and
 * seconds: a burst of load from other processes then hits every contender alike, and the ratios
 * stay meaningful on a shared machine.
 */
function timeRounds(list: Timed[], budget: Budget): void {
  for (;;) {
    const open = list.filter((t) => !finished(t, budget));
    if (open.length === 0) return;
    for (const t of open) {
      const s0 = performance.now();
      for (let i = 0; i < t.batch; i++) t.run();
      const ms = performance.now() - s0;
      t.samples.push(ms / t.batch);
      t.seconds += ms / 1000;
    }
  }
}

function summarize(t: Timed, flop: number): Timing {
  const samples = [...t.samples].sort((x, y) => x - y);
  const median = samples.length % 2 ? samples[samples.length >> 1]
    : (samples[samples.length / 2 - 1] + samples[samples.length / 2]) / 2;
  return {
    medianMs: median,
    minMs: samples[0],
    maxMs: samples[samples.length - 1],
    calls: samples.length * t.batch,
    gflops: flop / (median * 1e6),
    bestGflops: flop / (samples[0] * 1e6),
    error: t.error,
  };
}

// ---------------------------------------------------------------------------------------------
// The run

function cases(options: GemmBenchOptions): GemmCase[] {
  const forms = options.forms ?? ['nn', 'nt', 'tn'];
  const standard = options.quick ? STANDARD.slice(0, 3) : STANDARD;
  const list: GemmCase[] = [];
  const wanted = (shape: Shape) => !options.shapes || options.shapes.some((s) => s.join('x') === shape.join('x'));
  const same = (c: GemmCase, form: Form, shape: Shape) => c.form === form && c.shape.join('x') === shape.join('x');
  for (const shape of standard) {
    if (!wanted(shape)) continue;
    for (const form of forms) {
      const training = TRAINING.find((c) => same(c, form, shape));
      list.push(training ?? { form, shape, label: shape[0] === shape[1] && shape[1] === shape[2] ? 'square' : 'layer-1 shape' });
    }
  }
  for (const c of TRAINING) if (forms.includes(c.form) && wanted(c.shape) && !list.some((l) => same(l, c.form, c.shape))) list.push(c);
  if (options.shapes) {
    for (const shape of options.shapes) {
      if (!list.some((c) => c.shape.join('x') === shape.join('x'))) for (const form of forms) list.push({ form, shape, label: 'custom' });
    }
  }
  return list;
}

/** Runs the GEMM benchmark and returns one row per (shape, form). */
export async function runGemmBench(options: GemmBenchOptions = {}): Promise<GemmRow[]> {
  const budget = options.quick ? QUICK_BUDGET : FULL_BUDGET;
  const ours = new Ours();
  const tfState = await loadTf();
  const rows: GemmRow[] = [];
  const notes: string[] = [];
  if ('error' in tfState) notes.push(tfState.error);
  else {
    if (tfState.wasm) notes.push(tfState.wasm);
    if (tfState.cpu) notes.push(tfState.cpu);
  }

  for (const c of cases(options)) {
    const { form, shape } = c;
    const [m, k, n] = shape;
    const flop = 2 * m * k * n;
    const ops: Operands = { a: randomF32(m * k, m * 7 + k), b: randomF32(k * n, k * 13 + n) };
    const row: GemmRow = { ...c, flop, results: {} };
    // Check a contender's result, then warm it up; undefined (and the reason in row) if it fails.
    const prepare = (who: Contender, run: () => void, result: () => ArrayLike<number>): Timed | undefined => {
      try {
        run();
        const error = checkResult(form, shape, ops, result());
        if (!(error <= tolerance(k))) {
          row.results[who] = { error: `wrong result: relative error ${error.toExponential(2)} > ${tolerance(k).toExponential(2)}` };
          return undefined;
        }
        return warmUp(who, run, error, budget);
      } catch (e) {
        row.results[who] = { error: (e as Error).message };
        return undefined;
      }
    };
    const timeAll = (list: (Timed | undefined)[]) => {
      const ready = list.filter((t): t is Timed => t !== undefined);
      try {
        timeRounds(ready, budget);
        for (const t of ready) row.results[t.who] = summarize(t, flop);
      } catch (e) {
        for (const t of ready) row.results[t.who] = { error: (e as Error).message };
      }
    };
    const cleanup: (() => void)[] = [];
    const tfMatMul = (backend: 'wasm' | 'cpu'): Timed | undefined => {
      if ('error' in tfState) return undefined;
      const { tf } = tfState;
      const who: Contender = backend === 'wasm' ? 'tfjs-wasm' : 'tfjs-cpu';
      const ta = form === 'tn' ? tf.tensor2d(ops.a, [k, m]) : tf.tensor2d(ops.a, [m, k]);
      const tb = form === 'nt' ? tf.tensor2d(ops.b, [n, k]) : tf.tensor2d(ops.b, [k, n]);
      let last: import('@tensorflow/tfjs-core').Tensor | undefined;
      cleanup.push(() => {
        last?.dispose();
        ta.dispose();
        tb.dispose();
      });
      return prepare(who, () => {
        last?.dispose();
        last = tf.matMul(ta as never, tb as never, form === 'tn', form === 'nt');
      }, () => last!.dataSync() as Float32Array);
    };

    // neuronine, TF.js wasm and the plain-JS floor (small shapes), timed in rounds
    ours.reset();
    const pa = ours.put(ops.a), pb = ours.put(ops.b), po = ours.alloc(m * n * 4);
    const scratch = ours.alloc(ours.k.gemm_scratch_bytes({ nn: 0, nt: 1, tn: 2 }[form], m, k, n));
    const kern = ours.k;
    const run = form === 'nn' ? () => kern.gemm_nn(po, pa, pb, 0, m, k, n, 0, 0, 0, scratch)
      : form === 'nt' ? () => kern.gemm_nt(po, pa, pb, m, k, n, 0, scratch)
        : () => kern.gemm_tn(po, pa, pb, 0, m, k, n, 0, scratch);
    const group = [prepare('neuronine', run, () => ours.view(po, m * n))];
    if (!('error' in tfState)) {
      if (tfState.wasm) row.results['tfjs-wasm'] = { error: tfState.wasm };
      else {
        await tfState.tf.setBackend('wasm');
        group.push(tfMatMul('wasm'));
      }
    }
    if (flop <= 2 * 256 ** 3 && !(options.quick && flop > 2 * 128 ** 3)) {
      const out = new Float32Array(m * n);
      group.push(prepare('plain-js', () => plainGemm(form, shape, ops, out), () => out));
    }
    timeAll(group);

    // TF.js cpu on its own (its tensors live on the cpu backend)
    if (!('error' in tfState) && !(options.quick && flop > 2 * 128 ** 3)) {
      if (tfState.cpu) row.results['tfjs-cpu'] = { error: tfState.cpu };
      else {
        await tfState.tf.setBackend('cpu');
        timeAll([tfMatMul('cpu')]);
      }
    }
    for (const f of cleanup) f();

    const ourRate = row.results.neuronine, theirs = row.results['tfjs-wasm'];
    if (ourRate && 'gflops' in ourRate && theirs && 'gflops' in theirs) row.ratioVsTfjsWasm = ourRate.gflops / theirs.gflops;
    rows.push(row);
    if (options.print !== false) process.stdout.write('.');
  }
  if (options.print !== false) {
    process.stdout.write('\n');
    printTable(rows, notes);
  }
  if (options.write !== false) {
    const file = path.join(here, 'results/gemm.json');
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, `${JSON.stringify({
      benchmark: 'gemm', date: new Date().toISOString(), machine: machine(), quick: !!options.quick, notes,
      fairness: [
        'neuronine re-packs B on every call (weights change every training step)',
        'TF.js wasm caches the XNNPACK-packed b per tensor, so repeated calls skip packing',
        'TF.js is timed without reading results back; both backends compute inside tf.matMul',
      ],
      rows,
    }, null, 1)}\n`);
    if (options.print !== false) console.log(`wrote ${path.relative(process.cwd(), file)}`);
  }
  return rows;
}

function machine() {
  return {
    cpu: os.cpus()[0]?.model ?? 'unknown', cores: os.cpus().length, node: process.version,
    v8: process.versions.v8, platform: `${os.platform()} ${os.arch()}`, loadavg: os.loadavg().map((x) => +x.toFixed(2)),
  };
}

function printTable(rows: GemmRow[], notes: string[]): void {
  const header = ['form', 'm×k×n', 'case', 'neuronine ms (min–max)', 'GFLOP/s', 'best', 'TF.js wasm', 'TF.js cpu',
    'plain JS', 'us / wasm'];
  const cell = (t: GemmRow['results'][string] | undefined, withRange = false): string => {
    if (!t) return '–';
    if ('error' in t && !('gflops' in t)) return 'error';
    const r = t as Timing;
    return withRange ? `${r.medianMs.toFixed(3)} (${r.minMs.toFixed(3)}–${r.maxMs.toFixed(3)})` : r.gflops.toFixed(1);
  };
  const best = (t: GemmRow['results'][string] | undefined): string => (t && 'bestGflops' in t ? t.bestGflops.toFixed(1) : '–');
  const body = rows.map((r) => [
    r.form, r.shape.join('×'), r.label, cell(r.results.neuronine, true), cell(r.results.neuronine),
    best(r.results.neuronine), cell(r.results['tfjs-wasm']), cell(r.results['tfjs-cpu']), cell(r.results['plain-js']),
    r.ratioVsTfjsWasm ? `${r.ratioVsTfjsWasm.toFixed(2)}×` : '–',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i < 3 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  const m = machine();
  console.log(`GEMM, single thread, GFLOP/s from the median (${m.cpu}, ${m.cores} cores, Node ${m.node}, load ${m.loadavg[0]})`);
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const b of body) console.log(line(b));
  for (const r of rows) {
    for (const [who, t] of Object.entries(r.results)) {
      if ('error' in t && !('gflops' in t)) console.log(`  ${r.form} ${r.shape.join('×')} ${who}: ${t.error}`);
    }
  }
  for (const note of notes) console.log(`  note: ${note}`);
}

function parseArgs(argv: string[]): GemmBenchOptions {
  const options: GemmBenchOptions = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--quick') options.quick = true;
    else if (arg === '--only') options.forms = argv[++i].split(',') as Form[];
    else if (arg === '--shapes') {
      options.shapes = argv[++i].split(',').map((s) => s.split('x').map(Number) as unknown as Shape);
    } else throw new Error(`bench/gemm.ts: unknown argument ${arg} (use --quick, --only nn,nt,tn, --shapes MxKxN,…)`);
  }
  return options;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  await runGemmBench(parseArgs(process.argv.slice(2)));
}
