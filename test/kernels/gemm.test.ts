/**
 * gemm_nn, gemm_nt and gemm_tn (assembly/gemm.ts) against the float64 reference in
 * test/reference.ts, on the release and the debug build.
 *
 * The kernels tile out in MR × 8 blocks, MR = 5 in the portable build and 6 in the relaxed one (a
 * last panel of ≤ 4 columns MR × 4), block K by 256 and N by 1024, read b in place instead of
 * packing it when m ≤ 2·MR (nn, tn), and compute outᵀ when n is small next to m (e.g. 128 × 64 ×
 * 10), so every dimension is swept around those edges (1 … 129 around the tiles of both builds;
 * 255 … 600 around KC; 1023 … 2100 around NC; m = 10 … 13 around the in-place switch) and the
 * transposed cases get their own accumulate / epilogue / bias-gradient checks.
 * Every call checks, besides the result:
 *   - guard words on both sides of out, of bias_grad and of the scratch block (exactly
 *     gemm_scratch_bytes long) are untouched;
 *   - a, b and bias are bit-for-bit unchanged;
 * and separate cases put each input at the very end of linear memory (a read past it traps), at
 * addresses that are only 4-byte aligned, and compare bits across placements and builds.
 *
 * Tolerance: |got − want| ≤ 1e-5 · √k · max(|want|, scale), want computed in float64 from the
 * same float32 inputs; scale is 1 for inputs in [−1, 1] (their sums grow like √k) and the
 * square of the magnitude for the large-value case. Float32 summation of k terms of size ≤ 1 errs
 * by about √k · 2⁻²⁴ typically, k · 2⁻²⁴ at worst: 1e-5 · √k leaves a margin of ~20 at k = 600.
 * Sigmoid and tanh add their 2e-7 polynomial error.
 */
import { describe, expect, it } from 'vitest';
import { GEMM_FORMS } from '../../src/runtime/abi.js';
import { ACTIVATION_CODES } from '../../src/model/activations.js';
import { Arena, BUILDS, type Build } from '../helpers/wasm.js';
import { activate, matmul, maxError, randomArray, transpose, type ActivationName } from '../reference.js';

type Form = 'nn' | 'nt' | 'tn';
const FORMS: Form[] = ['nn', 'nt', 'tn'];
const SIZES = [1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 13, 15, 16, 17, 31, 33, 63, 64, 65, 127, 129];
const OTHERS = [1, 7, 33];

const GUARD = 16; // floats of sentinel on each side of every output block
const SENTINEL = 0x7fc0dead; // a NaN with a payload no kernel produces
const WORKSPACE_FLOATS = 6 << 20; // 24 MiB per instance, reused by every call

interface Call {
  form: Form;
  m: number;
  k: number;
  n: number;
  /** nn, nt: (m, k); tn: (k, m) */
  a: Float32Array;
  /** nn, tn: (k, n); nt: (n, k) */
  b: Float32Array;
  bias?: Float32Array;
  activation?: Exclude<ActivationName, 'softmax'>;
  alpha?: number;
  /** initial out; given ⇒ accumulate mode */
  out0?: Float32Array;
  /** gemm_tn: compute bias_grad; with biasGrad0 ⇒ accumulate into it */
  biasGrad?: boolean;
  biasGrad0?: Float32Array;
  /** bytes added to every address (0, 4, 8 or 12) */
  misalign?: number;
  /** put this input so that it ends exactly at the end of linear memory */
  atEnd?: 'a' | 'b' | 'bias';
  /** size the scratch block for these (m, k, n) instead of the call's own */
  scratchFor?: [number, number, number];
}

interface Result {
  out: Float32Array;
  biasGrad?: Float32Array;
  problems: string[];
}

/** One instance per build with a big reusable block; every call lays its buffers out afresh. */
class Workspace {
  readonly arena: Arena;
  private readonly base: number;
  constructor(readonly build: Build) {
    this.arena = new Arena(build);
    this.base = this.arena.alloc(WORKSPACE_FLOATS, 0);
  }

  run(call: Call): Result {
    const { form, m, k, n } = call;
    const k_ = this.arena.k;
    const shift = call.misalign ?? 0;
    const problems: string[] = [];
    let top = this.base;
    const take = (floats: number): number => {
      const address = top + shift;
      top = (top + floats * 4 + 16 + 15) & ~15;
      return address;
    };
    const memoryEnd = k_.memory.buffer.byteLength;
    const words = (address: number, len: number) => new Uint32Array(k_.memory.buffer, address, len);

    // outputs with guards on both sides
    const guarded = (len: number, init?: Float32Array): number => {
      const address = take(len + 2 * GUARD) + GUARD * 4;
      words(address - GUARD * 4, len + 2 * GUARD).fill(SENTINEL);
      if (init) this.arena.f32(address, len).set(init);
      return address;
    };
    const checkGuards = (address: number, len: number, what: string) => {
      const w = words(address - GUARD * 4, len + 2 * GUARD);
      for (let g = 0; g < GUARD; g++) {
        if (w[g] !== SENTINEL) problems.push(`${what}[${g - GUARD}] overwritten`);
        if (w[GUARD + len + g] !== SENTINEL) problems.push(`${what}[${len + g}] overwritten (past the end)`);
      }
    };
    const out = guarded(m * n, call.out0);
    const biasGrad = call.biasGrad ? guarded(n, call.biasGrad0) : 0;
    const [sm, sk, sn] = call.scratchFor ?? [m, k, n];
    const scratchBytes = k_.gemm_scratch_bytes(GEMM_FORMS[form], sm, sk, sn);
    if (scratchBytes % 16 !== 0) problems.push(`gemm_scratch_bytes ${scratchBytes} is not a multiple of 16`);
    // the scratch block the caller supplies is 16-aligned whatever the other buffers are
    const scratch = ((take(scratchBytes / 4 + 2 * GUARD + 4) - shift + 15) & ~15) + GUARD * 4;
    words(scratch - GUARD * 4, scratchBytes / 4 + 2 * GUARD).fill(SENTINEL);

    // inputs: guarded too (they must come back unchanged), or one of them at the memory end
    const place = (values: Float32Array, name: 'a' | 'b' | 'bias'): number => {
      let address: number;
      if (call.atEnd === name) {
        address = memoryEnd - values.length * 4;
        if (address < top) throw new Error('workspace too small for this case');
      } else {
        address = guarded(values.length);
      }
      this.arena.f32(address, values.length).set(values);
      return address;
    };
    const a = place(call.a, 'a');
    const b = place(call.b, 'b');
    const bias = call.bias ? place(call.bias, 'bias') : 0;
    const accumulate = call.out0 || call.biasGrad0 ? 1 : 0;
    if (call.out0 && call.biasGrad && !call.biasGrad0) throw new Error('accumulate covers out and bias_grad together');

    if (form === 'nn') {
      k_.gemm_nn(out, a, b, bias, m, k, n, ACTIVATION_CODES[(call.activation ?? 'linear') as keyof typeof ACTIVATION_CODES], call.alpha ?? 0,
        accumulate, scratch);
    } else if (form === 'nt') {
      k_.gemm_nt(out, a, b, m, k, n, accumulate, scratch);
    } else {
      k_.gemm_tn(out, a, b, biasGrad, m, k, n, accumulate, scratch);
    }

    checkGuards(out, m * n, 'out');
    if (biasGrad) checkGuards(biasGrad, n, 'bias_grad');
    const scratchWords = words(scratch + scratchBytes, GUARD);
    if (scratchWords.some((w) => w !== SENTINEL)) problems.push(`wrote past the ${scratchBytes} scratch bytes`);
    const unchanged = (address: number, values: Float32Array, what: string) => {
      const now = words(address, values.length);
      const was = new Uint32Array(values.buffer, values.byteOffset, values.length);
      for (let i = 0; i < values.length; i++) {
        if (now[i] !== was[i]) {
          problems.push(`${what}[${i}] changed`);
          break;
        }
      }
      if (call.atEnd !== what) checkGuards(address, values.length, what);
    };
    unchanged(a, call.a, 'a');
    unchanged(b, call.b, 'b');
    if (call.bias) unchanged(bias, call.bias, 'bias');
    return {
      out: this.arena.f32(out, m * n).slice(),
      biasGrad: biasGrad ? this.arena.f32(biasGrad, n).slice() : undefined,
      problems,
    };
  }
}

/** The float64 result the call should give. */
function want(call: Call): { out: Float64Array; biasGrad?: Float64Array } {
  const { form, m, k, n } = call;
  const a = form === 'tn' ? transpose(call.a, k, m) : call.a;
  const b = form === 'nt' ? transpose(call.b, n, k) : call.b;
  const z = matmul(a, b, m, k, n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      if (call.out0) z[i * n + j] += call.out0[i * n + j];
      if (call.bias) z[i * n + j] += call.bias[j];
    }
  }
  const out = call.activation ? activate(z, call.activation, n, call.alpha ?? 0) : z;
  let biasGrad: Float64Array | undefined;
  if (call.biasGrad) {
    biasGrad = new Float64Array(n);
    for (let j = 0; j < n; j++) {
      let s = call.biasGrad0 ? call.biasGrad0[j] : 0;
      for (let p = 0; p < k; p++) s += call.b[p * n + j];
      biasGrad[j] = s;
    }
  }
  return { out, biasGrad };
}

function f32(length: number, seed: number, scale = 1): Float32Array {
  const x = Float32Array.from(randomArray(length, seed));
  if (scale !== 1) for (let i = 0; i < x.length; i++) x[i] *= scale;
  return x;
}

/** A random call of the given form and shape (inputs in [−1, 1]). */
function randomCall(form: Form, m: number, k: number, n: number, seed: number, extra: Partial<Call> = {}): Call {
  return { form, m, k, n, a: f32(m * k, seed), b: f32(k * n, seed + 1), ...extra };
}

const tolerance = (k: number) => 1e-5 * Math.sqrt(k);

/** Runs the call, checks guards/inputs and the result; returns the result for further checks. */
function check(ws: Workspace, call: Call, scale = 1): Result {
  const label = `${call.form} m=${call.m} k=${call.k} n=${call.n}`;
  const result = ws.run(call);
  expect(result.problems, label).toEqual([]);
  const w = want(call);
  const error = maxError(result.out, w.out, scale);
  if (!(error < tolerance(call.k))) {
    // name the first bad element so a failure says where
    for (let i = 0; i < w.out.length; i++) {
      const e = Math.abs(result.out[i] - w.out[i]) / Math.max(Math.abs(w.out[i]), scale);
      if (!(e < tolerance(call.k))) {
        expect.fail(`${label}: out[${Math.floor(i / call.n)}, ${i % call.n}] = ${result.out[i]}, want ${w.out[i]}`);
      }
    }
  }
  if (w.biasGrad) {
    expect(maxError(result.biasGrad!, w.biasGrad, scale), `${label} bias_grad`).toBeLessThan(tolerance(call.k));
  }
  return result;
}

const bits = (x: Float32Array) => Array.from(new Uint32Array(x.buffer, x.byteOffset, x.length));

describe.each(BUILDS)('gemm (%s build)', (build) => {
  const ws = new Workspace(build);

  describe.each(FORMS)('gemm_%s', (form) => {
    it('matches the reference with m, k and n each swept around the 5 × 8 and 6 × 8 tiles', () => {
      let seed = 1;
      for (const s of SIZES) {
        for (const o1 of OTHERS) {
          for (const o2 of OTHERS) {
            check(ws, randomCall(form, s, o1, o2, seed++));
            check(ws, randomCall(form, o1, s, o2, seed++));
            check(ws, randomCall(form, o1, o2, s, seed++));
          }
        }
      }
    });

    it('blocks K by 256 and N by 1024 without losing or repeating a term', () => {
      let seed = 1000;
      for (const k of [255, 256, 257, 600]) {
        check(ws, randomCall(form, 7, k, 13, seed++));
        check(ws, randomCall(form, 5, k, 8, seed++));
      }
      for (const n of [1023, 1024, 1025, 2100]) check(ws, randomCall(form, 6, 3, n, seed++));
      check(ws, randomCall(form, 11, 513, 1031, seed++));
    });

    it('switches between b in place (m ≤ 2·MR) and packed b, with 4- and 8-wide last panels', () => {
      let seed = 1500;
      for (const m of [10, 11, 12, 13]) {
        for (const n of [4, 12, 20, 13, 10, 3]) {
          check(ws, randomCall(form, m, 19, n, seed++));
          check(ws, randomCall(form, m, 300, n, seed++, { out0: f32(m * n, seed++) }));
        }
      }
    });

    it('computes outᵀ for small n next to large m, accumulating and across K blocks', () => {
      let seed = 1700;
      for (const [m, k, n] of [[128, 64, 10], [64, 128, 10], [60, 30, 5], [129, 7, 1], [200, 3, 12], [16, 16, 3],
        [64, 300, 10], [1030, 2, 3]]) {
        check(ws, randomCall(form, m, k, n, seed++));
        check(ws, randomCall(form, m, k, n, seed++, { out0: f32(m * n, seed++) }));
      }
    });

    it('accumulates into out', () => {
      let seed = 2000;
      for (const [m, k, n] of [[1, 1, 1], [5, 8, 8], [7, 9, 13], [17, 300, 9], [6, 33, 1030]]) {
        check(ws, randomCall(form, m, k, n, seed, { out0: f32(m * n, seed + 2) }));
        seed += 3;
      }
    });

    it('reads nothing past the end of a or b (each ends at the end of memory)', () => {
      for (const [m, k, n] of [[1, 1, 1], [7, 9, 13], [5, 17, 8], [13, 300, 3], [128, 64, 10], [60, 30, 5]]) {
        check(ws, randomCall(form, m, k, n, 3000 + m, { atEnd: 'a' }));
        check(ws, randomCall(form, m, k, n, 3100 + m, { atEnd: 'b' }));
      }
    });

    it('works at addresses that are only 4-byte aligned, with the same bits as aligned', () => {
      for (const [m, k, n] of [[7, 9, 13], [33, 300, 17], [5, 8, 8]]) {
        const call = randomCall(form, m, k, n, 4000 + k, { out0: f32(m * n, 4100) });
        const aligned = check(ws, call);
        for (const misalign of [4, 8, 12]) {
          const shifted = check(ws, { ...call, misalign });
          expect(bits(shifted.out)).toEqual(bits(aligned.out));
        }
      }
    });

    it('handles zeros and large magnitudes', () => {
      const [m, k, n] = [9, 37, 19];
      const zeros = { form, m, k, n, a: new Float32Array(m * k), b: f32(k * n, 5000) };
      const result = check(ws, zeros);
      expect(result.out.every((x) => Object.is(x, 0))).toBe(true);
      // products near 1e30, sums near 1e31: relative error as for unit inputs
      check(ws, { form, m, k, n, a: f32(m * k, 5001, 1e15), b: f32(k * n, 5002, 1e15) }, 1e30);
      // tiny values: products near 1e-30 are still normal floats
      check(ws, { form, m, k, n, a: f32(m * k, 5003, 1e-15), b: f32(k * n, 5004, 1e-15) }, 1e-30);
    });

    it('runs the training shapes of a 784-128-10 network at batch 64', () => {
      for (const [m, k, n] of [[64, 784, 128], [784, 64, 128], [128, 64, 10], [64, 10, 128], [64, 128, 10]]) {
        check(ws, randomCall(form, m, k, n, 6000 + m));
      }
    });
  });

  describe('gemm_nn epilogue', () => {
    const activations: [Exclude<ActivationName, 'softmax'>, number][] = [
      ['linear', 0], ['relu', 0], ['leakyRelu', 0.01], ['leakyRelu', 0.2], ['sigmoid', 0], ['tanh', 0],
    ];
    it.each(activations)('adds the bias, then applies %s (alpha %s), once, after accumulation', (activation, alpha) => {
      let seed = 7000;
      for (const [m, k, n] of [[1, 1, 1], [5, 8, 8], [7, 9, 13], [10, 16, 16], [11, 16, 12], [6, 300, 9],
        [13, 300, 4], [3, 5, 1030], [64, 128, 10], [60, 300, 5], [129, 7, 1]]) {
        const bias = f32(n, seed++, 2);
        check(ws, randomCall('nn', m, k, n, seed++, { bias, activation, alpha }));
        check(ws, randomCall('nn', m, k, n, seed++, { activation, alpha }));
        check(ws, randomCall('nn', m, k, n, seed++, { bias, activation, alpha, out0: f32(m * n, seed++) }));
      }
    });

    it('reads nothing past the end of bias', () => {
      for (const [m, k, n] of [[1, 1, 1], [5, 3, 8], [7, 9, 13], [2, 2, 1025], [64, 128, 10], [60, 30, 5]]) {
        check(ws, randomCall('nn', m, k, n, 7500 + n, { bias: f32(n, 7600), activation: 'relu', atEnd: 'bias' }));
      }
    });

    it('with zero inputs gives f(bias) exactly in every row', () => {
      const [m, k, n] = [7, 4, 13];
      const bias = f32(n, 7700, 3);
      const result = check(ws, { form: 'nn', m, k, n, a: new Float32Array(m * k), b: f32(k * n, 7701), bias,
        activation: 'relu' });
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < n; j++) expect(result.out[i * n + j]).toBe(Math.max(bias[j], 0));
      }
    });
  });

  describe('gemm_tn bias gradient', () => {
    it('writes the column sums of b, fused with the product', () => {
      let seed = 8000;
      for (const [m, k, n] of [[1, 1, 1], [3, 7, 8], [5, 64, 10], [784, 64, 128], [4, 600, 13], [17, 600, 13],
        [2, 3, 1030], [11, 3, 1030], [12, 5, 4], [128, 64, 10], [60, 300, 5]]) {
        check(ws, randomCall('tn', m, k, n, seed++, { biasGrad: true }));
        seed++;
      }
    });

    it('accumulates into bias_grad together with out', () => {
      let seed = 8100;
      for (const [m, k, n] of [[1, 1, 1], [7, 9, 13], [4, 300, 17], [19, 300, 17], [2, 3, 1030], [12, 3, 1030],
        [128, 64, 10]]) {
        check(ws, randomCall('tn', m, k, n, seed, { biasGrad: true, biasGrad0: f32(n, seed + 2),
          out0: f32(m * n, seed + 3) }));
        seed += 4;
      }
    });

    it('writes nothing to bias_grad when it is 0 (out alone is the same)', () => {
      const call = randomCall('tn', 7, 9, 13, 8200);
      const withGrad = check(ws, { ...call, biasGrad: true });
      const without = check(ws, call);
      expect(bits(without.out)).toEqual(bits(withGrad.out));
    });
  });

  describe('gemm_scratch_bytes', () => {
    it('is a multiple of 16 and at most ~1.1 MiB whatever the sizes', () => {
      for (const form of FORMS) {
        const f = GEMM_FORMS[form];
        const big = ws.arena.k.gemm_scratch_bytes(f, 4096, 4096, 4096);
        expect(big % 16).toBe(0);
        expect(big).toBeLessThanOrEqual(1.1 * 2 ** 20);
        expect(ws.arena.k.gemm_scratch_bytes(f, 1, 4096, 4096)).toBe(big);
        expect(ws.arena.k.gemm_scratch_bytes(f, 1, 1, 1)).toBeGreaterThan(0);
        expect(ws.arena.k.gemm_scratch_bytes(f, 64, 784, 128)).toBeLessThanOrEqual(big);
        // small n next to huge m (the outᵀ path packs m-wide blocks, capped by NC)
        expect(ws.arena.k.gemm_scratch_bytes(f, 1 << 20, 4096, 3)).toBeLessThanOrEqual(big);
      }
    });

    it('sized for (m, k, n) covers every call with m′ ≤ m and k′ ≤ k (a planner sizes it once)', () => {
      for (const form of FORMS) {
        const f = GEMM_FORMS[form];
        for (const n of [1, 3, 10, 15, 16, 128]) {
          for (const [m, k] of [[64, 64], [256, 784], [2000, 300]]) {
            const planned = ws.arena.k.gemm_scratch_bytes(f, m, k, n);
            for (const m2 of [1, 5, 16, 33, m]) {
              for (const k2 of [1, 10, k]) expect(ws.arena.k.gemm_scratch_bytes(f, m2, k2, n)).toBeLessThanOrEqual(planned);
            }
            // and such calls really fit in it (run() checks the guard words after the scratch)
            if (m <= 256) {
              for (const m2 of [1, 16, 33, m]) {
                check(ws, randomCall(form, m2, Math.min(k, 300), n, 9500 + n + m2, { scratchFor: [m, k, n] }));
              }
            }
          }
        }
      }
    });
  });
});

describe('gemm determinism', () => {
  it('gives the same bits on both builds, at any placement, every time', () => {
    const release = new Workspace('release');
    const debug = new Workspace('debug');
    for (const form of FORMS) {
      for (const [m, k, n] of [[7, 9, 13], [33, 300, 17], [6, 3, 1030], [128, 64, 10]]) {
        const call = randomCall(form, m, k, n, 9000 + m, form === 'nn' ? { bias: f32(n, 9100), activation: 'tanh' } : {});
        const first = bits(check(release, call).out);
        expect(bits(check(release, call).out)).toEqual(first);
        expect(bits(check(release, { ...call, misalign: 4 }).out)).toEqual(first);
        expect(bits(check(debug, call).out)).toEqual(first);
      }
    }
  });
});
