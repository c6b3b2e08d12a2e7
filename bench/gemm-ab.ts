/**
 * GEMM kernels A against B, one thread, in the same process: two kernel binaries (e.g. main's
 * build and a changed one, or the portable and the relaxed build) timed in alternating rounds
 * (A B A B …) on the same shapes, so that load from other processes hits both alike. Per shape
 * and form it prints the median and the best GFLOP/s of each (the best is the sample least
 * disturbed on a shared machine), the median of the per-round ratios B ÷ A and best B ÷ best A.
 * Each binary's result is checked against float64 first (relative error ≤ 1e-5·√k, scale 1).
 *
 *   npx tsx bench/gemm-ab.ts A.wasm B.wasm [--rounds 30] [--ms 4] [--set square,train]
 *   node --experimental-wasm-relaxed-simd --import tsx bench/gemm-ab.ts build/neuronine.wasm \
 *     build/neuronine.relaxed.wasm                         (a relaxed build needs the flag in Node 20)
 *
 * Sets: `square` 256³ (and 128³, 512³); `train` the GEMMs of one training step of 784-128-10
 * at batch 64 and 256 and of 784-512-256-10 at batch 128, in the network driver's forms
 * (forward nn (b, in, out); backward tn dW (in, b, out) and nt dA (b, out, in), no dA into the
 * input layer).
 *
 *   npx tsx bench/gemm-ab.ts A.wasm B.wasm --train [--rounds 9]
 * instead trains those three networks (fitSync, SGD, one thread, 2,048 synthetic MNIST-shaped
 * rows an epoch) through createModel's `instantiate` hook on each binary, A B A B, and prints
 * samples/s and the per-round ratios.
 */
import { readFileSync } from 'node:fs';
import { unshareMemory } from '../src/runtime/module.js';
import { createModel, type Model } from '../src/index.js';
import { syntheticData } from './peers/harness.js';
import { Ours } from './gemm.js';

type Form = 'nn' | 'nt' | 'tn';
interface Case { form: Form; m: number; k: number; n: number; label: string }

function trainingCases(sizes: number[], batch: number): Case[] {
  const net = `${sizes.join('-')} b${batch}`;
  const cases: Case[] = [];
  for (let l = 0; l + 1 < sizes.length; l++) cases.push({ form: 'nn', m: batch, k: sizes[l], n: sizes[l + 1], label: `${net} fwd ${l + 1}` });
  for (let l = sizes.length - 2; l >= 0; l--) {
    cases.push({ form: 'tn', m: sizes[l], k: batch, n: sizes[l + 1], label: `${net} dW ${l + 1}` });
    if (l > 0) cases.push({ form: 'nt', m: batch, k: sizes[l + 1], n: sizes[l], label: `${net} dA ${l}` });
  }
  return cases;
}

const SETS: Record<string, Case[]> = {
  square: (['nn', 'tn', 'nt'] as Form[]).flatMap((form) => [128, 256, 512].map((s) => ({ form, m: s, k: s, n: s, label: `${s}³` }))),
  train: [...trainingCases([784, 128, 10], 64), ...trainingCases([784, 128, 10], 256), ...trainingCases([784, 512, 256, 10], 128)],
};

// 64-byte aligned buffers, as the network driver lays them out
const kernelsOf = (file: string) => new Ours(file, 64);

function random(length: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2147483648 - 1;
  }
  return out;
}

/** A bound call of one form on one binary, its inputs placed in that binary's memory. */
function prepare(kern: Ours, c: Case, a: Float32Array, b: Float32Array): { run: () => void; out: () => Float32Array } {
  const { form, m, k, n } = c;
  const pa = kern.put(a), pb = kern.put(b), po = kern.alloc(m * n * 4);
  const scratch = kern.alloc(kern.k.gemm_scratch_bytes(form === 'nn' ? 0 : form === 'nt' ? 1 : 2, m, k, n));
  const K = kern.k;
  const run = form === 'nn' ? () => K.gemm_nn(po, pa, pb, 0, m, k, n, 0, 0, 0, scratch)
    : form === 'nt' ? () => K.gemm_nt(po, pa, pb, m, k, n, 0, scratch)
      : () => K.gemm_tn(po, pa, pb, 0, m, k, n, 0, scratch);
  return { run, out: () => new Float32Array(K.memory.buffer, po, m * n).slice() };
}

function check(c: Case, a: Float32Array, b: Float32Array, got: Float32Array): number {
  const { form, m, k, n } = c;
  let worst = 0;
  const step = m * n > 4096 ? 7 : 1;
  for (let e = 0; e < m * n; e += step) {
    const i = Math.floor(e / n), j = e % n;
    let s = 0;
    for (let p = 0; p < k; p++) s += (form === 'tn' ? a[p * m + i] : a[i * k + p]) * (form === 'nt' ? b[j * k + p] : b[p * n + j]);
    worst = Math.max(worst, Math.abs(got[e] - s) / Math.max(1, Math.abs(s)));
  }
  return worst;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((x, y) => x - y);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function train(files: string[], rounds: number): Promise<void> {
  console.log(`A = ${files[0]}\nB = ${files[1]}\n${rounds} rounds of one epoch each per binary, A B A B …`);
  console.log('network            batch   samples/s A med/best   B med/best   B÷A median (min–max)  best B÷A');
  const rows = 2048;
  const modules = files.map((f) => new WebAssembly.Module(unshareMemory(readFileSync(f))));
  for (const [sizes, batch] of [[[784, 128, 10], 64], [[784, 128, 10], 256], [[784, 512, 256, 10], 128]] as [number[], number][]) {
    const data = syntheticData(rows, sizes[0], sizes[sizes.length - 1], 7);
    const x = { rows, cols: sizes[0], data: data.x };
    const models: Model[] = [];
    for (const module of modules) {
      models.push(await createModel({
        inputs: sizes[0],
        layers: sizes.slice(1).map((units, i) => ({ units, activation: i === sizes.length - 2 ? 'softmax' as const : 'relu' as const })),
        optimizer: { type: 'sgd', learningRate: 0.01 }, seed: 3,
      }, { instantiate: (imports) => new WebAssembly.Instance(module, imports) }));
    }
    for (const model of models) model.fitSync(x, data.labels, { epochs: 1, batchSize: batch, shuffle: false });
    const r: number[][] = [[], []], ratio: number[] = [];
    for (let round = 0; round < rounds; round++) {
      const t = [0, 0];
      for (const i of round & 1 ? [1, 0] : [0, 1]) {
        const t0 = performance.now();
        models[i].fitSync(x, data.labels, { epochs: 1, batchSize: batch, shuffle: false });
        t[i] = performance.now() - t0;
      }
      r[0].push(rows / t[0] * 1000);
      r[1].push(rows / t[1] * 1000);
      ratio.push(t[0] / t[1]);
    }
    for (const model of models) model.dispose();
    const fmt = (x: number) => Math.round(x).toLocaleString('en-US').padStart(7);
    console.log(`${sizes.join('-').padEnd(18)} ${String(batch).padStart(5)}   ${fmt(median(r[0]))} ${fmt(Math.max(...r[0]))}   ` +
      `${fmt(median(r[1]))} ${fmt(Math.max(...r[1]))}   ${median(ratio).toFixed(3)} (${Math.min(...ratio).toFixed(2)}–${Math.max(...ratio).toFixed(2)})   ` +
      `${(Math.max(...r[1]) / Math.max(...r[0])).toFixed(3)}`);
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const files: string[] = [];
  let rounds = 30, ms = 4, sets = ['square', 'train'];
  let only: string | undefined;
  let training = false;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--rounds') rounds = Number(args[++i]);
    else if (args[i] === '--ms') ms = Number(args[++i]);
    else if (args[i] === '--set') sets = args[++i].split(',');
    else if (args[i] === '--only') only = args[++i];
    else if (args[i] === '--train') training = true;
    else if (args[i].startsWith('--')) throw new Error(`bench/gemm-ab.ts: unknown option ${args[i]}`);
    else files.push(args[i]);
  }
  if (files.length !== 2) throw new Error('bench/gemm-ab.ts: give two kernel binaries, A and B');
  if (training) return train(files, args.includes('--rounds') ? rounds : 9);
  const kernels = files.map(kernelsOf);
  console.log(`A = ${files[0]}\nB = ${files[1]}\n${rounds} rounds of ≥ ${ms} ms each per binary, A B A B …`);
  console.log('case                              form     m     k     n   GFLOP/s A med/best   B med/best   B÷A median (min–max)  best B÷A');
  const ratios: number[] = [];
  for (const c of sets.flatMap((s) => SETS[s])) {
    if (only && !only.split(',').includes(c.form)) continue;
    const a = random(c.m * c.k, 1), b = random(c.k * c.n, 2);
    const calls = kernels.map((kern) => prepare(kern, c, a, b));
    for (let i = 0; i < 2; i++) {
      calls[i].run();
      const error = check(c, a, b, calls[i].out());
      if (!(error <= 1e-5 * Math.sqrt(c.k))) throw new Error(`${files[i]} ${c.form} ${c.m}×${c.k}×${c.n}: error ${error}`);
    }
    const flop = 2 * c.m * c.k * c.n;
    // calls per sample so that one sample lasts about `ms`
    let reps = 1;
    for (;;) {
      const t0 = performance.now();
      for (let r = 0; r < reps; r++) calls[0].run();
      if (performance.now() - t0 >= ms / 4) break;
      reps *= 2;
    }
    reps *= 4;
    const g: number[][] = [[], []], ratio: number[] = [];
    for (let round = 0; round < rounds; round++) {
      const order = round & 1 ? [1, 0] : [0, 1];
      const t = [0, 0];
      for (const i of order) {
        const t0 = performance.now();
        for (let r = 0; r < reps; r++) calls[i].run();
        t[i] = (performance.now() - t0) / reps;
      }
      g[0].push(flop / t[0] / 1e6);
      g[1].push(flop / t[1] / 1e6);
      ratio.push(t[0] / t[1]);
    }
    const r = median(ratio);
    ratios.push(r);
    console.log(`${c.label.padEnd(32)}  ${c.form}  ${String(c.m).padStart(5)} ${String(c.k).padStart(5)} ${String(c.n).padStart(5)}   ` +
      `${median(g[0]).toFixed(1).padStart(5)} ${Math.max(...g[0]).toFixed(1).padStart(5)}   ${median(g[1]).toFixed(1).padStart(5)} ${Math.max(...g[1]).toFixed(1).padStart(5)}   ` +
      `${r.toFixed(3)} (${Math.min(...ratio).toFixed(2)}–${Math.max(...ratio).toFixed(2)})   ${(Math.max(...g[1]) / Math.max(...g[0])).toFixed(3)}`);
  }
  console.log(`geometric mean of B÷A over the cases: ${Math.exp(ratios.reduce((s, x) => s + Math.log(x), 0) / ratios.length).toFixed(3)}`);
}

await main();
