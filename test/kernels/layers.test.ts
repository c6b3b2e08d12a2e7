/**
 * dropout_forward / dropout_backward and the batch-normalization kernels of assembly/layers.ts
 * against float64 references, on the release and the debug build, at sizes around the tiles
 * (m rows × n columns: batch normalization takes columns in blocks of 16, then vectors of 4, then
 * one by one; dropout takes vectors of 4, then a scalar tail); dropout's masks against their
 * definition and for independence (keep rate, neighbours, rows, calls, seeds); then the driver with
 * these layers (and L1/L2 penalties) in a network against the float64 reference network, whose
 * gradients are checked against central finite differences (dropout with the kernel's own,
 * fixed, mask); and batch normalization against TF.js layers' BatchNormalization.
 *
 * Tolerances: batch normalization's forward is a few float32 roundings on values of order 1
 * (sums over m rows, a square root): 1e-5 relative to max(|y|, 1); its input gradient sums
 * m products, 2e-5 relative to the largest gradient of the column; dβ, a float32 sum of m values of
 * |dy| ≤ 1, 1e-5 relative to max(|dβ|, 1) (errors reach 2e-6 at m = 65).
 */
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { Network } from '../../src/model/network.js';
import { resolveSpec, type LayerSpec, type LossName } from '../../src/model/spec.js';
import { Arena, BUILDS, instantiate, type Build } from '../helpers/wasm.js';
import { guardDamage, guarded } from '../helpers/guards.js';
import {
  randomArray, referenceForward, referenceGradients, referenceLoss, referencePenalty, type ReferenceLayer,
} from '../reference.js';

const M_SIZES = [1, 2, 3, 5, 8, 17, 63, 65];
// the kernels take columns 16 at a time, then 4, then one: every mix of the three paths
const N_SIZES = [1, 3, 4, 5, 7, 8, 9, 16, 17, 20, 23, 33, 63, 65];

/** Float64 batch normalization in training mode: y, x̂, mean, biased variance. */
function bnReference(x: ArrayLike<number>, gamma: ArrayLike<number>, beta: ArrayLike<number>, m: number, n: number, eps: number) {
  const y = new Float64Array(m * n), xhat = new Float64Array(m * n), mean = new Float64Array(n), variance = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    for (let r = 0; r < m; r++) mean[j] += x[r * n + j] / m;
    for (let r = 0; r < m; r++) variance[j] += (x[r * n + j] - mean[j]) ** 2 / m;
    for (let r = 0; r < m; r++) {
      xhat[r * n + j] = (x[r * n + j] - mean[j]) / Math.sqrt(variance[j] + eps);
      y[r * n + j] = gamma[j] * xhat[r * n + j] + beta[j];
    }
  }
  return { y, xhat, mean, variance };
}

function close(label: string, got: ArrayLike<number>, want: ArrayLike<number>, rel: number, floor: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < want.length && out.length < 4; i++) {
    const e = Math.abs(got[i] - want[i]) / Math.max(Math.abs(want[i]), floor);
    if (!(e <= rel)) out.push(`${label} [${i}]: got ${got[i]}, want ${want[i]} (error ${e.toExponential(2)})`);
  }
  return out;
}

const f32 = (a: ArrayLike<number>): Float32Array => Float32Array.from(a);

describe.each(BUILDS)('dropout kernels (%s build)', (build) => {
  it('masks are 0 or 1/(1 − rate), out = inp·mask exactly, about 1 − rate kept; guards untouched', () => {
    const arena = new Arena(build);
    const problems: string[] = [];
    for (const rate of [0, 0.1, 0.5, 0.9]) {
      for (const len of [1, 3, 4, 5, 7, 9, 63, 65, 10000]) {
        const x = f32(randomArray(len, len, -2, 2));
        const px = guarded(arena, len, x), po = guarded(arena, len), pm = guarded(arena, len);
        arena.k.dropout_forward(po, pm, px, len, rate, 12345, 7);
        const mask = arena.f32(pm, len), out = arena.f32(po, len);
        const scale = Math.fround(1 / (1 - Math.fround(rate))); // the kernel gets rate as float32
        let kept = 0;
        for (let i = 0; i < len; i++) {
          if (mask[i] !== 0 && mask[i] !== scale) problems.push(`rate ${rate} len ${len}: mask[${i}] = ${mask[i]}`);
          if (!Object.is(out[i], Math.fround(x[i] * mask[i]))) problems.push(`rate ${rate} len ${len}: out[${i}] = ${out[i]}`);
          if (mask[i] !== 0) kept++;
        }
        if (len === 10000) {
          // binomial: 5 standard deviations
          const sd = Math.sqrt(len * rate * (1 - rate));
          if (Math.abs(kept - len * (1 - rate)) > 5 * sd + 1e-9) problems.push(`rate ${rate}: kept ${kept} of ${len}`);
        }
        if (rate === 0 && kept !== len) problems.push(`rate 0 dropped ${len - kept}`);
        problems.push(...guardDamage(arena, po, len, 'out'), ...guardDamage(arena, pm, len, 'mask'));
      }
    }
    expect(problems.slice(0, 8)).toEqual([]);
  });

  it('element i\'s mask depends on (seed, stream, i) only: SIMD lanes and the scalar tail agree, in place too', () => {
    const arena = new Arena(build);
    const long = 67;
    const x = f32(randomArray(long, 1, -1, 1));
    const px = guarded(arena, long, x), pm = guarded(arena, long), po = guarded(arena, long);
    arena.k.dropout_forward(po, pm, px, long, 0.5, 99, 3);
    const want = arena.f32(pm, long).slice();
    for (const len of [1, 2, 3, 5, 6, 7, 9, 13, 66]) {
      const qx = guarded(arena, len, x.subarray(0, len)), qm = guarded(arena, len);
      arena.k.dropout_forward(qx, qm, qx, len, 0.5, 99, 3); // in place
      expect(Array.from(arena.f32(qm, len)), `len ${len}`).toEqual(Array.from(want.subarray(0, len)));
      expect(Array.from(arena.f32(qx, len)), `len ${len} in place`).toEqual(Array.from(arena.f32(po, len)));
    }
    // another stream or seed: another mask
    const other = guarded(arena, long);
    arena.k.dropout_forward(po, other, px, long, 0.5, 99, 4);
    expect(Array.from(arena.f32(other, long))).not.toEqual(Array.from(want));
    arena.k.dropout_forward(po, other, px, long, 0.5, 98, 3);
    expect(Array.from(arena.f32(other, long))).not.toEqual(Array.from(want));
  });

  it('backward multiplies by the mask', () => {
    const arena = new Arena(build);
    for (const len of [1, 4, 5, 17]) {
      const mask = f32(Array.from({ length: len }, (_, i) => (i % 3 ? 2 : 0)));
      const d = f32(randomArray(len, len + 3));
      const pm = guarded(arena, len, mask), pd = guarded(arena, len, d), pg = guarded(arena, len);
      arena.k.dropout_backward(pg, pd, pm, len);
      expect(Array.from(arena.f32(pg, len))).toEqual(Array.from(d, (v, i) => Math.fround(v * mask[i])));
      expect(guardDamage(arena, pg, len, 'dinp')).toEqual([]);
    }
  });
});


/** The mask's definition in assembly/layers.ts, in JavaScript: lowbias32((i·φ) ^ key). */
function lowbias32(x: number): number {
  x = (x ^ (x >>> 16)) >>> 0;
  x = Math.imul(x, 0x7feb352d) >>> 0;
  x = (x ^ (x >>> 15)) >>> 0;
  x = Math.imul(x, 0x846ca68b) >>> 0;
  return (x ^ (x >>> 16)) >>> 0;
}
const PHI = 0x9e3779b9;
function keptByDefinition(len: number, rate: number, seed: number, stream: number): Uint8Array {
  const key = lowbias32((seed ^ lowbias32((stream + PHI) >>> 0)) >>> 0);
  const scaled = (1 - Math.fround(rate)) * 2 ** 24; // wasm's f64 nearest: ties to even
  const threshold = scaled - Math.floor(scaled) === 0.5 ? 2 * Math.round(scaled / 2) : Math.round(scaled);
  return Uint8Array.from({ length: len }, (_, i) => ((lowbias32((Math.imul(i, PHI) ^ key) >>> 0) >>> 8) < threshold ? 1 : 0));
}

describe.each(BUILDS)('dropout masks (%s build)', (build) => {
  const len = 1 << 20;
  function kept(arena: Arena, px: number, po: number, pm: number, rate: number, seed: number, stream: number): Uint8Array {
    arena.k.dropout_forward(po, pm, px, len, rate, seed, stream);
    const mask = arena.f32(pm, len), bits = new Uint8Array(len);
    for (let i = 0; i < len; i++) bits[i] = mask[i] !== 0 ? 1 : 0;
    return bits;
  }

  it('equal their definition, lowbias32((i·φ) ^ key(seed, stream)) against round((1 − rate)·2²⁴)', () => {
    const arena = new Arena(build);
    const n = 4099;
    const px = guarded(arena, n, f32(randomArray(n, 3, 0.5, 1))), po = guarded(arena, n), pm = guarded(arena, n);
    for (const [rate, seed, stream] of [[0.5, 0, 0], [0.2, 1, 2], [0.9, 0xffffffff, 123456], [0.01, 77, 0xfffffffe]]) {
      arena.k.dropout_forward(po, pm, px, n, rate, seed, stream);
      const got = Uint8Array.from(arena.f32(pm, n), (v) => (v !== 0 ? 1 : 0));
      expect(Array.from(got), `rate ${rate} seed ${seed} stream ${stream}`).toEqual(Array.from(keptByDefinition(n, rate, seed, stream)));
    }
  });

  // the statistics need one build: the definition test above pins every build to the same bits
  it.runIf(build === BUILDS[0])('keep 1 − rate of 2²⁰ elements and show no dependence between neighbours, rows, calls or seeds', () => {
    const arena = new Arena(build);
    const px = guarded(arena, len, new Float32Array(len).fill(1)), po = guarded(arena, len), pm = guarded(arena, len);
    const problems: string[] = [];
    // |observed − expected| within 5 standard deviations of a binomial count
    const within = (label: string, count: number, trials: number, p: number) => {
      const sd = Math.sqrt(trials * p * (1 - p));
      if (Math.abs(count - trials * p) > 5 * sd) problems.push(`${label}: ${count} of ${trials}, expected ${(trials * p).toFixed(0)} ± ${sd.toFixed(0)}`);
    };
    for (const rate of [0.1, 0.5, 0.8]) {
      const q = 1 - rate;
      for (const [seed, stream] of [[1, 0], [20260101, 4321]]) {
        const a = kept(arena, px, po, pm, rate, seed, stream);
        const nextCall = kept(arena, px, po, pm, rate, seed, stream + 1);
        const nextSeed = kept(arena, px, po, pm, rate, seed + 1, stream);
        const label = `rate ${rate} seed ${seed} stream ${stream}`;
        within(`${label} kept`, a.reduce((s, v) => s + v, 0), len, q);
        // both of a pair kept: q² if independent
        for (const lag of [1, 2, 3, 4, 17, 64, 256, 1000]) {
          let both = 0;
          for (let i = 0; i + lag < len; i++) both += a[i] & a[i + lag];
          within(`${label} elements i and i + ${lag} both kept`, both, len - lag, q * q);
        }
        for (const [name, b] of [['the next call', nextCall], ['the next seed', nextSeed]] as const) {
          let both = 0;
          for (let i = 0; i < len; i++) both += a[i] & b[i];
          within(`${label} element i here and in ${name} both kept`, both, len, q * q);
        }
      }
    }
    // rate 0.5: the 16 patterns of four consecutive keep bits are equally likely (χ², 15 degrees
    // of freedom; 60 is far beyond its 1e-6 quantile of 49.6 … ≈ 50)
    const bits = kept(arena, px, po, pm, 0.5, 9, 9);
    const counts = new Array(16).fill(0);
    for (let i = 0; i + 4 <= len; i += 4) counts[bits[i] | (bits[i + 1] << 1) | (bits[i + 2] << 2) | (bits[i + 3] << 3)]++;
    const expected = len / 4 / 16;
    const chi2 = counts.reduce((s, c) => s + (c - expected) ** 2 / expected, 0);
    if (!(chi2 < 60)) problems.push(`4-bit patterns: χ² ${chi2.toFixed(1)} (${counts.join(' ')})`);
    expect(problems).toEqual([]);
  });
});

describe.each(BUILDS)('batch normalization kernels (%s build)', (build) => {
  it('forward (training) matches the float64 definition for every m × n around the tile', () => {
    const arena = new Arena(build);
    const problems: string[] = [];
    for (const m of M_SIZES) {
      for (const n of N_SIZES) {
        const x = f32(randomArray(m * n, m * 31 + n, -3, 5));
        const gamma = f32(randomArray(n, n + 1, 0.5, 2)), beta = f32(randomArray(n, n + 2, -1, 1));
        const eps = Math.fround(1e-3);
        const px = guarded(arena, m * n, x), py = guarded(arena, m * n), pxh = guarded(arena, m * n);
        const pmean = guarded(arena, n), pvar = guarded(arena, n), pinv = guarded(arena, n);
        const pg = guarded(arena, n, gamma), pb = guarded(arena, n, beta);
        arena.k.batchnorm_forward(py, pxh, pmean, pvar, pinv, px, pg, pb, m, n, eps);
        const want = bnReference(x, gamma, beta, m, n, eps);
        const label = `m ${m} n ${n}`;
        problems.push(...close(`${label} y`, arena.f32(py, m * n), want.y, 1e-5, 1));
        problems.push(...close(`${label} x̂`, arena.f32(pxh, m * n), want.xhat, 1e-5, 1));
        problems.push(...close(`${label} mean`, arena.f32(pmean, n), want.mean, 1e-6, 1));
        problems.push(...close(`${label} variance`, arena.f32(pvar, n), want.variance, 1e-5, 1e-3));
        for (const [name, at, len] of [['y', py, m * n], ['x̂', pxh, m * n], ['mean', pmean, n], ['variance', pvar, n], ['inv_std', pinv, n]] as const) {
          problems.push(...guardDamage(arena, at, len, `${label} ${name}`));
        }
      }
    }
    expect(problems.slice(0, 8)).toEqual([]);
  });

  it('backward matches the float64 gradient of the training-mode output', () => {
    const arena = new Arena(build);
    const problems: string[] = [];
    for (const m of M_SIZES) {
      for (const n of N_SIZES) {
        const x = f32(randomArray(m * n, m * 37 + n, -2, 2));
        const gamma = f32(randomArray(n, n + 5, 0.5, 2)), beta = f32(randomArray(n, n + 6, -1, 1));
        const dy = f32(randomArray(m * n, m + n * 11, -1, 1));
        const eps = Math.fround(1e-3);
        const px = guarded(arena, m * n, x), py = guarded(arena, m * n), pxh = guarded(arena, m * n);
        const pmean = guarded(arena, n), pvar = guarded(arena, n), pinv = guarded(arena, n);
        const pg = guarded(arena, n, gamma), pb = guarded(arena, n, beta);
        arena.k.batchnorm_forward(py, pxh, pmean, pvar, pinv, px, pg, pb, m, n, eps);
        const pdy = guarded(arena, m * n, dy), pdx = guarded(arena, m * n), pdg = guarded(arena, n), pdb = guarded(arena, n);
        arena.k.batchnorm_backward(pdx, pdg, pdb, pdy, pxh, pg, pinv, m, n);
        // float64: the layer's reference backward
        const layer: ReferenceLayer = { type: 'batchNormalization', inputs: n, units: n, activation: 'linear', weight: Float64Array.from(gamma), bias: Float64Array.from(beta), epsilon: eps };
        const { xhat } = bnReference(x, gamma, beta, m, n, eps);
        const dgamma = new Float64Array(n), dbeta = new Float64Array(n), dx = new Float64Array(m * n);
        const { variance } = bnReference(x, gamma, beta, m, n, eps);
        for (let j = 0; j < n; j++) {
          for (let r = 0; r < m; r++) { dbeta[j] += dy[r * n + j]; dgamma[j] += dy[r * n + j] * xhat[r * n + j]; }
          const s = 1 / Math.sqrt(variance[j] + eps);
          for (let r = 0; r < m; r++) dx[r * n + j] = (layer.weight[j] * s / m) * (m * dy[r * n + j] - dbeta[j] - xhat[r * n + j] * dgamma[j]);
        }
        const label = `m ${m} n ${n}`;
        // dx is a difference of terms of size γ·s·|dy| (it cancels to ≈ 0 when m = 2): the error
        // scales with those terms, not with dx
        let terms = 0;
        for (let j = 0; j < n; j++) terms = Math.max(terms, layer.weight[j] / Math.sqrt(variance[j] + eps));
        const scale = Math.max(...Array.from(dx, Math.abs), terms * Math.max(...Array.from(dy, Math.abs)));
        problems.push(...close(`${label} dγ`, arena.f32(pdg, n), dgamma, 2e-5, 1));
        problems.push(...close(`${label} dβ`, arena.f32(pdb, n), dbeta, 1e-5, 1)); // m float32 adds of |dy| ≤ 1
        problems.push(...close(`${label} dx`, arena.f32(pdx, m * n), dx, 2e-5, scale));
        problems.push(...guardDamage(arena, pdx, m * n, `${label} dx`), ...guardDamage(arena, pdg, n, `${label} dγ`));
      }
    }
    expect(problems.slice(0, 8)).toEqual([]);
  });

  it('a column gets the same bits whatever path it takes (blocks of 16, vectors, scalar tail), in place too', () => {
    const arena = new Arena(build);
    const problems: string[] = [];
    for (const [m, n] of [[5, 23], [17, 65], [64, 36]]) {
      const x = f32(randomArray(m * n, m + n, -3, 5)), dy = f32(randomArray(m * n, m * n, -1, 1));
      const gamma = f32(randomArray(n, 7, 0.5, 2)), beta = f32(randomArray(n, 8, -1, 1));
      const run = (cols: number, xs: Float32Array, dys: Float32Array, g: Float32Array, b: Float32Array, inPlace: boolean) => {
        const px = arena.put(xs), pxh = arena.alloc(m * cols), pmean = arena.alloc(cols), pvar = arena.alloc(cols), pinv = arena.alloc(cols);
        const py = inPlace ? px : arena.alloc(m * cols), pg = arena.put(g), pb = arena.put(b);
        arena.k.batchnorm_forward(py, pxh, pmean, pvar, pinv, px, pg, pb, m, cols, 1e-3);
        const pdy = arena.put(dys), pdx = inPlace ? pdy : arena.alloc(m * cols), pdg = arena.alloc(cols), pdb = arena.alloc(cols);
        arena.k.batchnorm_backward(pdx, pdg, pdb, pdy, pxh, pg, pinv, m, cols);
        const get = (at: number, len: number) => arena.f32(at, len).slice();
        return { y: get(py, m * cols), xhat: get(pxh, m * cols), mean: get(pmean, cols), variance: get(pvar, cols), invStd: get(pinv, cols),
          dx: get(pdx, m * cols), dgamma: get(pdg, cols), dbeta: get(pdb, cols) };
      };
      const wide = run(n, x, dy, gamma, beta, false);
      const inPlace = run(n, x, dy, gamma, beta, true);
      for (const key of Object.keys(wide) as (keyof typeof wide)[]) {
        if (!wide[key].every((v, i) => Object.is(v, inPlace[key][i]))) problems.push(`m ${m} n ${n} ${key}: in place differs`);
      }
      for (let j = 0; j < n; j++) {
        const column = (a: Float32Array) => Float32Array.from({ length: m }, (_, r) => a[r * n + j]);
        const alone = run(1, column(x), column(dy), gamma.subarray(j, j + 1), beta.subarray(j, j + 1), false);
        for (const key of ['y', 'xhat', 'dx'] as const) {
          const w = column(wide[key]);
          if (!w.every((v, r) => Object.is(v, alone[key][r]))) problems.push(`m ${m} n ${n} column ${j} ${key}: ${w[0]} vs ${alone[key][0]} alone`);
        }
        for (const key of ['mean', 'variance', 'invStd', 'dgamma', 'dbeta'] as const) {
          if (!Object.is(wide[key][j], alone[key][0])) problems.push(`m ${m} n ${n} column ${j} ${key}: ${wide[key][j]} vs ${alone[key][0]} alone`);
        }
      }
    }
    expect(problems.slice(0, 8)).toEqual([]);
  });

  it('inference uses the moving statistics; the moving update is moving·μ + batch·(1 − μ)', () => {
    const arena = new Arena(build);
    for (const n of [1, 4, 7, 9]) {
      const m = 5;
      const x = f32(randomArray(m * n, n, -2, 2));
      const gamma = f32(randomArray(n, 2, 0.5, 2)), beta = f32(randomArray(n, 3, -1, 1));
      const mm = f32(randomArray(n, 4, -1, 1)), mv = f32(randomArray(n, 5, 0.2, 3));
      const px = guarded(arena, m * n, x), py = guarded(arena, m * n), pmean = guarded(arena, n), pinv = guarded(arena, n);
      const pg = guarded(arena, n, gamma), pb = guarded(arena, n, beta), pmm = guarded(arena, n, mm), pmv = guarded(arena, n, mv);
      arena.k.batchnorm_inference(py, pmean, pinv, px, pg, pb, pmm, pmv, m, n, 1e-3);
      const want = Float64Array.from(x, (v, i) => gamma[i % n] * (v - mm[i % n]) / Math.sqrt(mv[i % n] + Math.fround(1e-3)) + beta[i % n]);
      expect(close(`n ${n}`, arena.f32(py, m * n), want, 1e-5, 1)).toEqual([]);
      const bm = f32(randomArray(n, 6)), bv = f32(randomArray(n, 7, 0, 2));
      const pbm = guarded(arena, n, bm), pbv = guarded(arena, n, bv);
      arena.k.batchnorm_update_moving(pmm, pmv, pbm, pbv, n, 0.9);
      const mu = Math.fround(0.9), muc = Math.fround(1 - mu);
      expect(Array.from(arena.f32(pmm, n))).toEqual(Array.from(mm, (v, j) => Math.fround(Math.fround(v * mu) + Math.fround(bm[j] * muc))));
      expect(Array.from(arena.f32(pmv, n))).toEqual(Array.from(mv, (v, j) => Math.fround(Math.fround(v * mu) + Math.fround(bv[j] * muc))));
    }
  });
});

// ---------------------------------------------------------------------------------------------
// The driver with dropout, batch normalization and penalties in the network.

const PLAN_LAYER0 = 64, PLAN_LAYER_WORDS = 24, L_OUTPUT = 9, L_SAVED = 11;

interface NetCase { name: string; layers: LayerSpec[]; loss: LossName }
const NET_CASES: NetCase[] = [
  { name: '5-7 tanh-BN-dropout-4 softmax, crossEntropy', loss: 'crossEntropy', layers: [{ units: 7, activation: 'tanh' }, { type: 'batchNormalization', epsilon: 0.01 }, { type: 'dropout', rate: 0.3 }, { units: 4, activation: 'softmax' }] },
  { name: 'BN on the input, dropout, 9 relu l2, 3 linear l1, mse', loss: 'mse', layers: [{ type: 'batchNormalization' }, { type: 'dropout', rate: 0.2 }, { units: 9, activation: 'relu', l2: 0.01 }, { units: 3, l1: 0.02 }] },
  { name: 'dropout on the input, 6 gelu l1+l2, BN, 1 sigmoid, binaryCrossEntropy', loss: 'binaryCrossEntropy', layers: [{ type: 'dropout', rate: 0.5 }, { units: 6, activation: 'gelu', l1: 0.01, l2: 0.03 }, { type: 'batchNormalization', momentum: 0.5 }, { units: 1, activation: 'sigmoid' }] },
];

function setup(build: Build, c: NetCase, m: number, seed: number) {
  const inputs = 5;
  const spec = resolveSpec({ inputs, layers: c.layers, loss: c.loss, optimizer: { type: 'sgd', learningRate: 0.1 }, seed });
  const net = new Network(instantiate(build), spec);
  net.ensureBatch(m);
  const layers: ReferenceLayer[] = spec.layers.map((l, i) => {
    const [w, b] = l.type === 'dense' ? [l.inputs * l.units, l.units] : l.type === 'batchNormalization' ? [l.units, l.units] : [0, 0];
    const weight = Float64Array.from(f32(l.type === 'batchNormalization' ? randomArray(w, seed + i, 0.5, 1.5) : randomArray(w, seed + i, -0.8, 0.8)));
    const bias = Float64Array.from(f32(randomArray(b, seed + 50 + i, -0.3, 0.3)));
    net.ws.f32.set(weight, net.blocks[i].weight >> 2);
    net.ws.f32.set(bias, net.blocks[i].bias >> 2);
    return { type: l.type, inputs: l.inputs, units: l.units, activation: l.activation, alpha: l.alpha, weight, bias, l1: Math.fround(l.l1), l2: Math.fround(l.l2), epsilon: Math.fround(l.epsilon) };
  });
  const x = Float64Array.from(f32(randomArray(m * inputs, seed + 100, -1.5, 1.5)));
  const n = spec.layers[spec.layers.length - 1].units;
  const u = randomArray(m * n, seed + 101, 0, 1);
  const y = new Float64Array(m * n);
  if (c.loss === 'crossEntropy') for (let r = 0; r < m; r++) y[r * n + Math.floor(u[r] * n)] = 1;
  else if (c.loss === 'binaryCrossEntropy') for (let i = 0; i < y.length; i++) y[i] = u[i] < 0.5 ? 0 : 1;
  else y.set(Float64Array.from(f32(randomArray(m * n, seed + 102, -1, 1))));
  net.ws.f32.set(x, net.inputBatch >> 2);
  net.ws.f32.set(y, net.targetBatch >> 2);
  return { net, layers, x, y };
}

const planWord = (net: Network, index: number): number => net.ws.i32[(net.plan >> 2) + index];
const layerWord = (net: Network, i: number, field: number): number => planWord(net, PLAN_LAYER0 + PLAN_LAYER_WORDS * i + field);

describe.each(BUILDS)('network driver with dropout, batch normalization and penalties (%s build)', (build) => {
  describe.each(NET_CASES)('$name', (c) => {
    it.each([3, 8, 17])('m = %i: outputs, loss with penalties, every gradient match the float64 reference (the kernel\'s mask)', (m) => {
      const { net, layers, x, y } = setup(build, c, m, 5 + m);
      const k = net.k;
      k.network_forward(net.plan, net.inputBatch, m, 1);
      // the dropout masks the forward pass drew, given to the reference
      layers.forEach((l, i) => {
        if (l.type === 'dropout') l.mask = Float64Array.from(net.ws.f32.subarray(layerWord(net, i, L_SAVED) >> 2, (layerWord(net, i, L_SAVED) >> 2) + m * l.units));
      });
      const want = referenceForward(layers, x, m);
      const problems: string[] = [];
      layers.forEach((l, i) => {
        const at = layerWord(net, i, L_OUTPUT) >> 2;
        problems.push(...close(`A_${i} (${l.type ?? 'dense'})`, net.ws.f32.subarray(at, at + m * l.units), want[i], 2e-5, 1));
      });
      const dataLoss = referenceLoss(c.loss, want[want.length - 1], y, m);
      const gotData = k.network_loss(net.plan, net.targetBatch, m, 1);
      expect(Math.abs(gotData - dataLoss)).toBeLessThanOrEqual(2e-5 * Math.max(1, dataLoss));
      const penalty = k.network_backward(net.plan, net.inputBatch, m);
      expect(Math.abs(penalty - referencePenalty(layers))).toBeLessThanOrEqual(1e-6 * Math.max(1, penalty));
      expect(Math.abs(k.network_penalty(net.plan) - penalty)).toBeLessThanOrEqual(1e-12 * Math.max(1, penalty));
      const grads = referenceGradients(layers, c.loss, x, y, m);
      layers.forEach((l, i) => {
        const b = net.blocks[i];
        const scale = 0.1 * Math.max(1e-6, ...Array.from(grads[i].weight, Math.abs), ...Array.from(grads[i].bias, Math.abs));
        problems.push(...close(`dW_${i}`, net.ws.f32.subarray(b.dweight >> 2, (b.dweight >> 2) + grads[i].weight.length), grads[i].weight, 1e-4, scale));
        problems.push(...close(`db_${i}`, net.ws.f32.subarray(b.dbias >> 2, (b.dbias >> 2) + grads[i].bias.length), grads[i].bias, 1e-4, scale));
      });
      expect(problems).toEqual([]);
    });
  });

  it('prediction (training off) skips dropout and normalizes with the moving statistics', () => {
    const c = NET_CASES[0];
    const m = 6;
    const { net, layers, x } = setup(build, c, m, 3);
    const bn = net.blocks[1];
    const mm = f32(randomArray(7, 8, -0.5, 0.5)), mv = f32(randomArray(7, 9, 0.5, 2));
    net.ws.f32.set(mm, bn.movingMean >> 2);
    net.ws.f32.set(mv, bn.movingVariance >> 2);
    const last = net.k.network_forward(net.plan, net.inputBatch, m, 0);
    // float64: dense tanh, BN with the moving statistics, no dropout, dense softmax
    const h = referenceForward([layers[0]], x, m)[0];
    const eps = Math.fround(0.01);
    const normalized = Float64Array.from(h, (v, i) => layers[1].weight[i % 7] * (v - mm[i % 7]) / Math.sqrt(mv[i % 7] + eps) + layers[1].bias[i % 7]);
    const out = referenceForward([layers[3]], normalized, m)[0];
    expect(close('output', net.ws.f32.subarray(last >> 2, (last >> 2) + m * 4), out, 2e-5, 1)).toEqual([]);
  });

  it('a training step moves the moving statistics toward the batch\'s; a refused step leaves them', () => {
    const c = NET_CASES[0];
    const m = 8;
    const { net } = setup(build, c, m, 4);
    const bn = net.blocks[1];
    const before = [...net.ws.f32.slice(bn.movingMean >> 2, (bn.movingMean >> 2) + 7), ...net.ws.f32.slice(bn.movingVariance >> 2, (bn.movingVariance >> 2) + 7)];
    expect(before).toEqual([...new Array(7).fill(0), ...new Array(7).fill(1)]);
    net.k.network_train_step(net.plan, m);
    expect(net.status).toBe('ok');
    const mean = net.ws.f32.slice(net.ws.i32[(net.plan >> 2) + PLAN_LAYER0 + PLAN_LAYER_WORDS + 18] >> 2, (net.ws.i32[(net.plan >> 2) + PLAN_LAYER0 + PLAN_LAYER_WORDS + 18] >> 2) + 7);
    const moved = net.ws.f32.slice(bn.movingMean >> 2, (bn.movingMean >> 2) + 7);
    const mu = Math.fround(0.99);
    moved.forEach((v, j) => expect(v).toBe(Math.fround(Math.fround(0 * mu) + Math.fround(mean[j] * Math.fround(1 - mu)))));
    const after = [...moved, ...net.ws.f32.slice(bn.movingVariance >> 2, (bn.movingVariance >> 2) + 7)];
    net.ws.f32[net.inputBatch >> 2] = NaN;
    net.k.network_train_step(net.plan, m);
    expect(net.status).toBe('loss');
    expect([...net.ws.f32.slice(bn.movingMean >> 2, (bn.movingMean >> 2) + 7), ...net.ws.f32.slice(bn.movingVariance >> 2, (bn.movingVariance >> 2) + 7)]).toEqual(after);
  });
});

describe('the float64 reference with dropout, batch normalization and penalties agrees with central finite differences', () => {
  it.each(NET_CASES)('$name', (c) => {
    const m = 6;
    const { layers, x, y } = setup('release', c, m, 21);
    layers.forEach((l, i) => {
      if (l.type === 'dropout') l.mask = Float64Array.from(randomArray(m * l.units, 40 + i, 0, 1), (u) => (u < 0.4 ? 0 : 1 / 0.6));
    });
    const lossAt = (): number => referenceLoss(c.loss, referenceForward(layers, x, m)[layers.length - 1], y, m) + referencePenalty(layers);
    const analytic = referenceGradients(layers, c.loss, x, y, m);
    const h = 1e-6;
    const problems: string[] = [];
    layers.forEach((l, i) => {
      for (const key of ['weight', 'bias'] as const) {
        const params = l[key];
        for (let j = 0; j < params.length; j++) {
          const saved = params[j];
          params[j] = saved + h; const up = lossAt();
          params[j] = saved - h; const down = lossAt();
          params[j] = saved;
          const numeric = (up - down) / (2 * h);
          const want = analytic[i][key][j];
          if (!(Math.abs(numeric - want) <= 1e-5 * Math.max(Math.abs(want), 1e-2))) problems.push(`${key} ${i}[${j}]: analytic ${want}, numeric ${numeric}`);
        }
      }
    });
    expect(problems.slice(0, 6)).toEqual([]);
  });
});

describe('batch normalization equals TF.js layers\' BatchNormalization', () => {
  it.each([[16, 5], [7, 9], [64, 33]])('m = %i, n = %i: training and inference outputs, and the moving statistics after one step', async (m, n) => {
    await tf.setBackend('cpu');
    const x = f32(randomArray(m * n, m + n, -2, 3));
    const gamma = f32(randomArray(n, 1, 0.5, 2)), beta = f32(randomArray(n, 2, -1, 1));
    const layer = tf.layers.batchNormalization({ momentum: 0.9, epsilon: 1e-3, inputShape: [n] });
    layer.build([null, n]);
    layer.setWeights([tf.tensor1d(gamma), tf.tensor1d(beta), tf.zeros([n]), tf.ones([n])]);
    const input = tf.tensor2d(x, [m, n]);
    const trainingOut = (layer.apply(input, { training: true }) as tf.Tensor).dataSync();
    const inferenceOut = (layer.apply(input, { training: false }) as tf.Tensor).dataSync();

    const arena = new Arena('release');
    const px = guarded(arena, m * n, x), py = guarded(arena, m * n), pxh = guarded(arena, m * n);
    const pmean = guarded(arena, n), pvar = guarded(arena, n), pinv = guarded(arena, n);
    const pg = guarded(arena, n, gamma), pb = guarded(arena, n, beta);
    const pmm = guarded(arena, n, new Float32Array(n)), pmv = guarded(arena, n, new Float32Array(n).fill(1));
    arena.k.batchnorm_forward(py, pxh, pmean, pvar, pinv, px, pg, pb, m, n, 1e-3);
    expect(close('training', arena.f32(py, m * n), trainingOut, 1e-5, 1)).toEqual([]);
    // TF.js updates its moving statistics with the batch's in the training call; so do we after a step
    arena.k.batchnorm_update_moving(pmm, pmv, pmean, pvar, n, 0.9);
    const [, , tfMean, tfVar] = layer.getWeights().map((w) => w.dataSync());
    expect(close('moving mean', arena.f32(pmm, n), tfMean, 1e-5, 1e-3)).toEqual([]);
    expect(close('moving variance', arena.f32(pmv, n), tfVar, 1e-5, 1e-3)).toEqual([]);
    arena.k.batchnorm_inference(py, pmean, pinv, px, pg, pb, pmm, pmv, m, n, 1e-3);
    expect(close('inference', arena.f32(py, m * n), inferenceOut, 1e-5, 1)).toEqual([]);
  });
});
