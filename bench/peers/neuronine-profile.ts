/**
 * Where neuronine's time goes: each wasm export of a training step called on its own, on a real
 * model's memory (plan, buffers and data as fitSync laid them out), for the headline training
 * cases; and predict split into copy-in, network_predict and copy-out. Shares are of the sum of
 * the parts; "rest" is what a whole network_train_batches epoch costs beyond them (row gather,
 * count_correct, call overhead); "JS" is what fitSync's epoch adds beyond that one wasm call.
 * Reaches into the model's private network (plan layout as in src/model/network.ts): a
 * benchmark's licence, not an API.
 *
 *   npx tsx bench/peers/neuronine-profile.ts [--quick]
 */
import { pathToFileURL } from 'node:url';
import type { KernelExports } from '../../src/runtime/abi.js';
import { buildModel } from './neuronine.js';
import { fmtRate, now, parseArgs, printTable, sizesName, stats, syntheticData, writeResult, type Sizes } from './harness.js';

// plan words (src/model/network.ts)
const H = { input: 2, target: 3, scratch: 4, params: 5, grads: 6, paramCount: 7 };
const LAYER0 = 64, LAYER_WORDS = 24;
const L = { in: 1, out: 2, activation: 3, weight: 5, bias: 6, dweight: 7, dbias: 8, output: 9, doutput: 10 };
const RELU = 1, SOFTMAX = 5, LINEAR = 0;

interface Net {
  k: KernelExports;
  plan: number;
  ws: { i32: Int32Array; f32: Float32Array };
  trainX: number; trainY: number; order: number; losses: number; correct: number;
}

export interface KernelTime {
  part: string;
  /** Microseconds per call (median of reps). */
  us: number;
  share: number;
  gflops?: number;
}

export interface ProfileCase {
  sizes: string;
  batch: number;
  rows: number;
  parts: KernelTime[];
  /** µs per batch: the parts' sum, a network_train_batches epoch per batch, fitSync epoch per batch. */
  stepUs: number;
  wasmEpochPerBatchUs: number;
  fitSyncPerBatchUs: number;
  samplesPerSecond: { kernelsOnly: number; wasmEpoch: number; fitSync: number };
}

/** Median µs per call of `fn`, repeated to ≥ minMs per rep. */
function timeUs(fn: () => void, quick: boolean): number {
  for (let i = 0; i < 3; i++) fn();
  const minMs = quick ? 5 : 25;
  let calls = 1;
  for (;;) {
    const t0 = now();
    for (let i = 0; i < calls; i++) fn();
    const ms = now() - t0;
    if (ms >= minMs) break;
    calls *= ms < minMs / 8 ? 8 : 2;
  }
  const reps: number[] = [];
  for (let r = 0; r < (quick ? 3 : 7); r++) {
    const t0 = now();
    for (let i = 0; i < calls; i++) fn();
    reps.push(((now() - t0) * 1000) / calls);
  }
  return stats(reps).median;
}

export async function profileTraining(sizes: Sizes, batch: number, rows: number, quick: boolean): Promise<ProfileCase> {
  const model = await buildModel(sizes, undefined, 0.05);
  const data = syntheticData(rows, sizes[0], sizes[sizes.length - 1]);
  const x = { rows, cols: data.cols, data: data.x };
  // lays out memory, stages the rows, warms up; the stamps time fitSync epochs
  const t0 = now();
  model.fitSync(x, data.labels, { epochs: 2, batchSize: batch });
  const roughEpochMs = (now() - t0) / 2;
  // enough epochs for ≥ 0.1 s (quick) / 0.4 s of timing: small networks need many
  const epochs = 1 + Math.max(quick ? 3 : 6, Math.ceil((quick ? 100 : 400) / roughEpochMs));
  const stamps: number[] = [];
  model.fitSync(x, data.labels, { epochs, batchSize: batch, onEpochEnd: () => { stamps.push(now()); } });
  const fitSyncEpochMs = stats(stamps.slice(1).map((t, i) => t - stamps[i])).median;
  const net = (model as unknown as { net: Net }).net;
  const { k, plan } = net;
  const word = (i: number) => net.ws.i32[(plan >> 2) + i];
  const lw = (layer: number, field: number) => word(LAYER0 + LAYER_WORDS * layer + field);
  const layers = sizes.length - 1;
  const m = batch;
  const input = word(H.input), target = word(H.target), scratch = word(H.scratch);
  const batches = Math.ceil(rows / batch);

  // fill the batch buffers with the first batch (as network_train_batches would)
  k.network_train_batches(plan, net.trainX, net.trainY, net.order, rows, batch, 0, 1, net.losses, net.correct);
  const parts: KernelTime[] = [];
  const add = (part: string, fn: () => void, flop?: number) => {
    const us = timeUs(fn, quick);
    parts.push({ part, us, share: 0, ...(flop ? { gflops: flop / us / 1e3 } : {}) });
  };
  // forward, layer by layer: gemm_nn with fused bias + activation, softmax on the last
  let prev = input;
  for (let i = 0; i < layers; i++) {
    const kIn = lw(i, L.in), n = lw(i, L.out), act = lw(i, L.activation), out = lw(i, L.output);
    const p = prev;
    add(`gemm_nn fwd L${i + 1} (${m}×${kIn}×${n})`, () => k.gemm_nn(out, p, lw(i, L.weight), lw(i, L.bias), m, kIn, n, act === SOFTMAX ? LINEAR : act, 0, 0, scratch), 2 * m * kIn * n);
    if (act === SOFTMAX) add(`softmax_forward (${m}×${n})`, () => k.softmax_forward(out, out, m, n));
    prev = out;
  }
  const last = layers - 1;
  add('softmax_cross_entropy_loss + dZ', () => k.softmax_cross_entropy_loss(lw(last, L.doutput), lw(last, L.output), target, m, lw(last, L.out)));
  for (let i = layers - 1; i >= 0; i--) {
    const kIn = lw(i, L.in), n = lw(i, L.out), dz = lw(i, L.doutput);
    const a = i > 0 ? lw(i - 1, L.output) : input;
    add(`gemm_tn dW L${i + 1} (${kIn}×${m}×${n}) + db`, () => k.gemm_tn(lw(i, L.dweight), a, dz, lw(i, L.dbias), kIn, m, n, 0, scratch), 2 * m * kIn * n);
    if (i > 0) {
      const dprev = lw(i - 1, L.doutput);
      add(`gemm_nt dA L${i} (${m}×${n}×${kIn})`, () => k.gemm_nt(dprev, dz, lw(i, L.weight), m, n, kIn, 0, scratch), 2 * m * kIn * n);
      add(`relu_backward (${m}×${kIn})`, () => k.activation_backward(dprev, dprev, a, m * kIn, RELU, 0));
    }
  }
  const params = word(H.params), grads = word(H.grads), count = word(H.paramCount);
  add(`all_finite (${fmtRate(count)} grads)`, () => k.all_finite(grads, count));
  add(`sgd_update (${fmtRate(count)} params, lr 0)`, () => k.sgd_update(params, grads, count, 0, 0, 1, Infinity));
  const stepUs = parts.reduce((s, p) => s + p.us, 0);

  // one wasm call for a whole epoch (weights do change here: the model trains on)
  const wasmEpochUs = timeUs(() => k.network_train_batches(plan, net.trainX, net.trainY, net.order, rows, batch, 0, batches, net.losses, net.correct), quick);
  const wasmEpochPerBatchUs = wasmEpochUs / batches;
  parts.push({ part: 'rest of network_train_batches (row gather, count_correct, calls)', us: Math.max(0, wasmEpochPerBatchUs - stepUs), share: 0 });
  const fitSyncPerBatchUs = (fitSyncEpochMs * 1000) / batches;
  parts.push({ part: 'JS: fitSync beyond the wasm epoch (shuffle, chunking, epoch logs)', us: Math.max(0, fitSyncPerBatchUs - Math.max(wasmEpochPerBatchUs, stepUs)), share: 0 });
  const total = parts.reduce((s, p) => s + p.us, 0);
  for (const p of parts) p.share = p.us / total;
  model.dispose();
  return {
    sizes: sizesName(sizes), batch, rows, parts, stepUs, wasmEpochPerBatchUs, fitSyncPerBatchUs,
    samplesPerSecond: { kernelsOnly: (batch / stepUs) * 1e6, wasmEpoch: rows / (wasmEpochPerBatchUs * batches) * 1e6, fitSync: rows / (fitSyncEpochMs / 1000) },
  };
}

export interface PredictProfile {
  rows: number;
  totalMs: number;
  /** Float32Array.set of the input rows into wasm memory. */
  copyInMs: number;
  /** The wasm all_finite check over the staged input (what a set-then-check copy would add). */
  allFiniteMs: number;
  networkPredictMs: number;
  copyOutMs: number;
  gflops: number;
}

/** model.predict(matrix) of `rows` rows vs its wasm part (network_predict) alone. */
export async function profilePredict(sizes: Sizes, rows: number, quick: boolean): Promise<PredictProfile> {
  const model = await buildModel(sizes, undefined);
  const data = syntheticData(rows, sizes[0], sizes[sizes.length - 1]);
  const x = { rows, cols: data.cols, data: data.x };
  const totalMs = timeUs(() => { model.predict(x); }, quick) / 1000;
  const net = (model as unknown as { net: Net & { evalX: number; evalOut: number } }).net;
  const networkPredictMs = timeUs(() => net.k.network_predict(net.plan, net.evalX, net.evalOut, rows), quick) / 1000;
  const f32 = () => net.ws.f32;
  const copyInMs = timeUs(() => { f32().set(data.x, net.evalX >> 2); }, quick) / 1000;
  const n = sizes[sizes.length - 1];
  const copyOutMs = timeUs(() => { f32().slice(net.evalOut >> 2, (net.evalOut >> 2) + rows * n); }, quick) / 1000;
  const allFiniteMs = timeUs(() => { net.k.all_finite(net.evalX, rows * sizes[0]); }, quick) / 1000;
  let macs = 0;
  for (let i = 1; i < sizes.length; i++) macs += sizes[i - 1] * sizes[i];
  model.dispose();
  return { rows, totalMs, copyInMs, allFiniteMs, networkPredictMs, copyOutMs, gflops: (2 * macs * rows) / (networkPredictMs * 1e6) };
}

export const PROFILE_CASES: { sizes: Sizes; batch: number; rows: number }[] = [
  { sizes: [784, 128, 10], batch: 64, rows: 10_000 },
  { sizes: [784, 128, 10], batch: 256, rows: 10_000 },
  { sizes: [784, 512, 256, 10], batch: 128, rows: 10_000 },
  { sizes: [4, 16, 3], batch: 16, rows: 1_500 },
];

export async function runProfile(quick: boolean): Promise<{ training: ProfileCase[]; predict: PredictProfile }> {
  const training: ProfileCase[] = [];
  console.log('\nprofile: neuronine per kernel (µs per batch; each export called alone on the model\'s memory)');
  for (const c of PROFILE_CASES) {
    const p = await profileTraining(c.sizes, c.batch, quick ? Math.min(c.rows, 2_000) : c.rows, quick);
    training.push(p);
    console.log(`\n${p.sizes} batch ${p.batch}: kernels alone ${fmtRate(p.samplesPerSecond.kernelsOnly)} samples/s, one-call wasm epoch ${fmtRate(p.samplesPerSecond.wasmEpoch)}, fitSync ${fmtRate(p.samplesPerSecond.fitSync)}`);
    printTable(['part', 'µs/batch', 'share', 'GFLOP/s'], p.parts.map((q) => [q.part, q.us.toFixed(2), `${(100 * q.share).toFixed(1)}%`, q.gflops ? q.gflops.toFixed(1) : '']));
  }
  const predict = await profilePredict([784, 128, 10], quick ? 2_000 : 10_000, quick);
  console.log(`\npredict 784-128-10, ${fmtRate(predict.rows)} rows: ${predict.totalMs.toFixed(2)} ms in all = `
    + `${fmtRate(predict.rows / predict.totalMs * 1000)} rows/s; network_predict alone ${predict.networkPredictMs.toFixed(2)} ms (${predict.gflops.toFixed(1)} GFLOP/s, `
    + `${fmtRate(predict.rows / predict.networkPredictMs * 1000)} rows/s); a plain Float32Array.set of the input ${predict.copyInMs.toFixed(2)} ms, `
    + `wasm all_finite over it ${predict.allFiniteMs.toFixed(2)} ms, slice of the output ${predict.copyOutMs.toFixed(3)} ms`);
  console.log(`wrote ${writeResult('profile.json', { training, predict })}`);
  return { training, predict };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { quick } = parseArgs(process.argv.slice(2));
  await runProfile(quick);
  process.exit(0);
}
