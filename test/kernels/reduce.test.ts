/**
 * column_sums, all_finite and count_correct of assembly/reduce.ts against plain float64 / integer
 * references, on the release and the debug build.
 *
 * column_sums runs 16-column blocks, then 4-column vectors, then single columns, so n is swept
 * over the usual sizes plus multiples of 16 and their neighbours, and m over the usual sizes;
 * each column sum is a sequence of m float32 additions, so the tolerance is (m + 2)·2⁻²⁴ of
 * Σ|terms| (the standard bound for recursive summation). all_finite is checked with NaN and ±Inf
 * at every position, vector lanes and tail alike, and with the largest finite floats. Inputs are
 * also placed so that they end at the end of linear memory (a read past the end traps), and the
 * guard words around blocks are NaN, so an over-read in a reduction shows in its result.
 */
import { describe, expect, it } from 'vitest';
import { METRIC_CODES } from '../../src/runtime/abi.js';
import { Arena, BUILDS } from '../helpers/wasm.js';
import { atMemoryEnd, guardDamage, guarded } from '../helpers/guards.js';
import { randomArray } from '../reference.js';

const SIZES = [1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 33, 63, 64, 65, 127, 129];
const COLUMNS = [...new Set([...SIZES, 12, 20, 32, 47, 48, 49, 80, 128, 143])].sort((a, b) => a - b);
const ULP = 2 ** -24;
const FLT_MAX = 3.4028234663852886e38;

// ---------------------------------------------------------------------------------------------
// References.

/** Σ_r x[r, j] in float64 and the bound on the float32 summation error of each column. */
function columnSums(x: ArrayLike<number>, m: number, n: number, start?: ArrayLike<number>): { sums: Float64Array; tol: Float64Array } {
  const sums = new Float64Array(n), tol = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    let s = start ? start[j] : 0, a = start ? Math.abs(start[j]) : 0;
    for (let r = 0; r < m; r++) {
      s += x[r * n + j];
      a += Math.abs(x[r * n + j]);
    }
    sums[j] = s;
    tol[j] = (m + 2) * ULP * a;
  }
  return { sums, tol };
}

function argmax(row: ArrayLike<number>, from: number, n: number): number {
  let best = row[from], index = 0;
  for (let j = 1; j < n; j++) if (row[from + j] > best) { best = row[from + j]; index = j; }
  return index;
}

function countCorrect(pred: ArrayLike<number>, target: ArrayLike<number>, m: number, n: number, metric: 'argmax' | 'threshold'): number {
  let correct = 0;
  if (metric === 'argmax') {
    for (let r = 0; r < m; r++) if (argmax(pred, r * n, n) === argmax(target, r * n, n)) correct++;
  } else {
    for (let i = 0; i < m * n; i++) if ((pred[i] >= 0.5) === (target[i] >= 0.5)) correct++;
  }
  return correct;
}

function sumMismatches(label: string, got: ArrayLike<number>, want: { sums: Float64Array; tol: Float64Array }): string[] {
  const out: string[] = [];
  for (let j = 0; j < want.sums.length && out.length < 4; j++) {
    if (!(Math.abs(got[j] - want.sums[j]) <= want.tol[j])) {
      out.push(`${label} column ${j}: got ${got[j]}, want ${want.sums[j]} (|diff| ${Math.abs(got[j] - want.sums[j]).toExponential(2)} > ${want.tol[j].toExponential(2)})`);
    }
  }
  return out;
}

describe.each(BUILDS)('reduce kernels (%s build)', (build) => {
  describe('column_sums', () => {
    it.each(SIZES)('m = %i: every n, overwriting and accumulating; inp and guards untouched', (m) => {
      const arena = new Arena(build);
      const problems: string[] = [];
      for (const n of COLUMNS) {
        const x = Float32Array.from(randomArray(m * n, 1000 * m + n, -2, 2));
        const px = guarded(arena, m * n, x);
        for (const accumulate of [0, 1]) {
          // overwrite mode must not read out: start it as NaN; accumulate mode adds to random values
          const start = accumulate ? Float32Array.from(randomArray(n, n + 7 * m, -5, 5)) : new Float32Array(n).fill(NaN);
          const po = guarded(arena, n, start);
          arena.k.column_sums(po, px, m, n, accumulate);
          const label = `m ${m} n ${n} accumulate ${accumulate}`;
          problems.push(...sumMismatches(label, arena.f32(po, n), columnSums(x, m, n, accumulate ? start : undefined)));
          problems.push(...guardDamage(arena, po, n, `${label} out`));
        }
        if (!arena.f32(px, m * n).every((v, i) => Object.is(v, x[i]))) problems.push(`m ${m} n ${n}: inp modified`);
      }
      expect(problems).toEqual([]);
    });

    it('reads nothing past the end of inp or out (each placed at the end of memory)', () => {
      const problems: string[] = [];
      for (const m of [1, 3, 5]) {
        for (const n of COLUMNS) {
          const x = Float32Array.from(randomArray(m * n, 31 * m + n, -1, 1));
          const start = Float32Array.from(randomArray(n, n, -1, 1));
          for (const last of ['inp', 'out'] as const) {
            const arena = new Arena(build);
            const px = last === 'inp' ? -1 : guarded(arena, m * n, x);
            const po = last === 'out' ? atMemoryEnd(arena, start) : guarded(arena, n, start);
            const pxx = px < 0 ? atMemoryEnd(arena, x) : px;
            arena.k.column_sums(po, pxx, m, n, 1);
            problems.push(...sumMismatches(`m ${m} n ${n}, ${last} at the end`, arena.f32(po, n), columnSums(x, m, n, start)));
          }
        }
      }
      expect(problems).toEqual([]);
    });

    it('m = 0 gives zeros (or leaves out as it was when accumulating); n = 0 writes nothing', () => {
      const arena = new Arena(build);
      for (const n of [1, 4, 5, 16, 17, 33]) {
        const px = guarded(arena, 0);
        const po = guarded(arena, n, new Float32Array(n).fill(NaN));
        arena.k.column_sums(po, px, 0, n, 0);
        expect(Array.from(arena.f32(po, n)), `n ${n}, overwrite`).toEqual(new Array(n).fill(0));
        const start = Float32Array.from(randomArray(n, n, -1, 1));
        arena.f32(po, n).set(start);
        arena.k.column_sums(po, px, 0, n, 1);
        expect(Array.from(arena.f32(po, n)), `n ${n}, accumulate`).toEqual(Array.from(start));
        expect(guardDamage(arena, po, n, `n ${n} out`)).toEqual([]);
      }
      const po = guarded(arena, 0), px = guarded(arena, 4, [1, 2, 3, 4]);
      arena.k.column_sums(po, px, 4, 0, 0);
      expect(guardDamage(arena, po, 0, 'n 0 out')).toEqual([]);
    });

    it('a tall batch (m = 1000) stays within the summation bound and keeps columns apart', () => {
      const arena = new Arena(build);
      for (const n of [3, 16, 21]) {
        const m = 1000;
        // column j holds j + 1 everywhere (exact sums), plus noise in half the rows
        const x = Float32Array.from(randomArray(m * n, n, -1e-3, 1e-3), (e, i) => (i % n) + 1 + ((i / n) % 2 < 1 ? e : 0));
        const px = arena.put(x), po = arena.alloc(n);
        arena.k.column_sums(po, px, m, n, 0);
        expect(sumMismatches(`m ${m} n ${n}`, arena.f32(po, n), columnSums(x, m, n))).toEqual([]);
      }
    });
  });

  describe('all_finite', () => {
    const finiteEdges = [0, -0, 1e-45, -1e-45, 1.17549435e-38, 3e38, -3e38, FLT_MAX, -FLT_MAX, 1, -1];

    it('is 1 for finite values at every length, the largest floats and subnormals included (NaN guards around)', () => {
      const arena = new Arena(build);
      const problems: string[] = [];
      for (const len of [0, ...SIZES, 1000]) {
        for (const edges of [false, true]) {
          const x = Float32Array.from(randomArray(len, len, -1e3, 1e3));
          if (edges) for (let i = 0; i < len; i++) x[i] = finiteEdges[i % finiteEdges.length];
          const got = arena.k.all_finite(guarded(arena, len, x), len);
          if (got !== 1) problems.push(`len ${len}${edges ? ' (extreme finite values)' : ''}: all_finite = ${got}`);
        }
      }
      expect(problems).toEqual([]);
    });

    it('is 0 with a NaN, +Infinity or −Infinity at any position, vector lanes and tail alike', () => {
      const arena = new Arena(build);
      const problems: string[] = [];
      for (const len of [...SIZES, 1000]) {
        const x = Float32Array.from(randomArray(len, len + 1, -3e38, 3e38));
        const px = guarded(arena, len, x);
        const view = (): Float32Array => arena.f32(px, len);
        const positions = len <= 129 ? Array.from({ length: len }, (_, i) => i) : [0, 1, 2, 3, 4, 499, 996, 997, 998, 999];
        for (const bad of [NaN, Infinity, -Infinity]) {
          for (const at of positions) {
            view()[at] = bad;
            const got = arena.k.all_finite(px, len);
            if (got !== 0) problems.push(`len ${len}: ${bad} at ${at} gives ${got}`);
            view()[at] = x[at];
          }
        }
        // +Inf and −Inf together must not cancel
        if (len >= 2) {
          view()[0] = Infinity;
          view()[len - 1] = -Infinity;
          if (arena.k.all_finite(px, len) !== 0) problems.push(`len ${len}: +Inf at 0 and −Inf at ${len - 1} pass`);
        }
      }
      expect(problems).toEqual([]);
    });

    it('reads nothing past the end (input at the end of memory)', () => {
      for (const len of [1, 2, 3, 4, 5, 7, 9, 17, 33]) {
        const arena = new Arena(build);
        const px = atMemoryEnd(arena, Float32Array.from(randomArray(len, len, -1, 1)));
        expect(arena.k.all_finite(px, len), `len ${len}`).toBe(1);
      }
    });
  });

  describe('count_correct', () => {
    /** Values on a coarse grid so that rows have ties. */
    const coarse = (len: number, seed: number, steps: number): Float32Array =>
      Float32Array.from(randomArray(len, seed, 0, steps), (u) => Math.floor(u) / steps);

    it('argmax: counts rows whose first maximum matches the target\'s, ties going to the first', () => {
      const arena = new Arena(build);
      const problems: string[] = [];
      for (const m of [1, 3, 17, 64]) {
        for (const n of SIZES) {
          for (const steps of [2, 4, 1000]) {
            const pred = coarse(m * n, 7 * m + n + steps, steps);
            const target = new Float32Array(m * n);
            const pick = randomArray(m, m + n, 0, n);
            for (let r = 0; r < m; r++) {
              // half the rows point at the prediction's first maximum, the rest anywhere
              target[r * n + (r % 2 ? argmax(pred, r * n, n) : Math.floor(pick[r]))] = 1;
            }
            const got = arena.k.count_correct(guarded(arena, m * n, pred), guarded(arena, m * n, target), m, n, METRIC_CODES.argmax);
            const want = countCorrect(pred, target, m, n, 'argmax');
            if (got !== want) problems.push(`m ${m} n ${n} grid ${steps}: ${got} right, want ${want}`);
          }
        }
      }
      expect(problems).toEqual([]);
    });

    it('argmax: a tie at the maximum is won by its first position, in the prediction and in the target', () => {
      const arena = new Arena(build);
      const count = (pred: number[], target: number[]): number =>
        arena.k.count_correct(arena.put(pred), arena.put(target), 1, pred.length, METRIC_CODES.argmax);
      expect(count([0.2, 0.4, 0.4], [0, 1, 0]), 'pred tie at 1 and 2, target 1').toBe(1);
      expect(count([0.2, 0.4, 0.4], [0, 0, 1]), 'pred tie at 1 and 2, target 2').toBe(0);
      expect(count([0.5, 0.1, 0.5, 0.5, 0.5], [1, 0, 0, 0, 0]), 'pred tie at 0, 2, 3, 4, target 0').toBe(1);
      expect(count([0.1, 0.3, 0.2], [0, 1, 1]), 'target tie at 1 and 2, pred 1').toBe(1);
      expect(count([-3, -1, -2], [0, 1, 0]), 'all-negative row').toBe(1);
      expect(count([7], [0]), 'n = 1 is always right').toBe(1);
    });

    it('threshold: counts elements on the same side of 0.5, with 0.5 itself counting as positive', () => {
      const arena = new Arena(build);
      const problems: string[] = [];
      const edges = [0.5, 0.49999997, 0.50000006, 0, 1, -0, 0.25, 0.75];
      for (const m of [1, 3, 17]) {
        for (const n of SIZES) {
          const pred = Float32Array.from(randomArray(m * n, m * 100 + n, 0, 1), (u, i) => (i % 3 === 0 ? edges[(i / 3) % edges.length] : u));
          const target = Float32Array.from(randomArray(m * n, m * 100 + n + 1, 0, 1), (u, i) => (i % 5 === 0 ? 0.5 : u < 0.5 ? 0 : 1));
          const got = arena.k.count_correct(guarded(arena, m * n, pred), guarded(arena, m * n, target), m, n, METRIC_CODES.threshold);
          const want = countCorrect(pred, target, m, n, 'threshold');
          if (got !== want) problems.push(`m ${m} n ${n}: ${got} right, want ${want}`);
        }
      }
      expect(problems).toEqual([]);
      expect(arena.k.count_correct(arena.put([0.5, 0.49999997]), arena.put([1, 0]), 1, 2, METRIC_CODES.threshold)).toBe(2);
    });

    it('metric none counts nothing; pred and target at the end of memory are read in bounds', () => {
      for (const metric of [METRIC_CODES.argmax, METRIC_CODES.threshold, METRIC_CODES.none]) {
        for (const [m, n] of [[1, 1], [3, 5], [2, 17]]) {
          const pred = coarse(m * n, m + n, 4), target = coarse(m * n, m + n + 1, 2);
          const want = metric === METRIC_CODES.none ? 0 : countCorrect(pred, target, m, n, metric === METRIC_CODES.argmax ? 'argmax' : 'threshold');
          for (const last of ['pred', 'target']) {
            const arena = new Arena(build);
            const pOther = arena.put(last === 'pred' ? target : pred);
            const pEnd = atMemoryEnd(arena, last === 'pred' ? pred : target);
            const [pp, pt] = last === 'pred' ? [pEnd, pOther] : [pOther, pEnd];
            expect(arena.k.count_correct(pp, pt, m, n, metric), `metric ${metric}, m ${m} n ${n}, ${last} at the end`).toBe(want);
          }
        }
      }
    });
  });
});
