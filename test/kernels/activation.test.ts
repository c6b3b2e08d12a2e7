/**
 * activation_forward / activation_backward (elementwise) and softmax_forward / softmax_backward
 * (row-wise) of assembly/activation.ts against the float64 reference in test/reference.ts, on the
 * release and the debug build.
 *
 * Every kernel runs over lengths around its 4-wide tile (vector loop, then scalar tail), at edge
 * values (±0, tiny, the tanh switch at 1/16, saturation, ±Inf, NaN), in place, with guard floats
 * after each output, and with its inputs ending exactly at the end of linear memory so that a
 * read past the end traps.
 *
 * Tolerances, all against the float64 function of the same float32 inputs:
 *   linear, relu, leakyRelu, their derivatives: exact (one correctly rounded product at most);
 *   sigmoid, tanh: 1e-6 relative (the exp polynomial is good to 2e-7; the worst seen over a
 *     million points in [−30, 30] is 3.7e-7, next to the tanh switch where 1 − e^(−2|x|) loses
 *     three bits), plus 1e-37 absolute where the exact value is subnormal or 0
 *     (the exp argument is clamped at −87.3: sigmoid(−100) gives 6e-39, not 4e-44);
 *   sigmoid', tanh': a few roundings of the float32 products, bounded per element;
 *   softmax: 2e-6 + (n + 4)·2⁻²⁴ (float32 row sum) + |x − max|·2⁻²⁴ (the float32 subtraction
 *     in front of exp) relative, floor 1e-30;
 *   softmax': (n + 4)·2⁻²⁴ of the row dot product Σ|dout·s|, times s, plus a few ulps.
 */
import { describe, expect, it } from 'vitest';
import { ACTIVATION_CODES } from '../../src/model/activations.js';
import { Arena, BUILDS } from '../helpers/wasm.js';
import { SENTINEL, atMemoryEnd, guardDamage, guarded } from '../helpers/guards.js';
import { activate, activate1, activateBackward, derivative1, erf, randomArray, type ActivationName } from '../reference.js';
import { ACTIVATION_TABLE } from '../../src/model/activations.js';

const SIZES = [1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 33, 63, 64, 65, 127, 129];
const ROWS = [1, 3, 17];
const ULP = 2 ** -24;

/** Edge inputs: signed zeros, tiny, the tanh switch at 1/16, saturation, overflow, non-finite. */
const EDGES = [
  0, -0, 1e-8, -1e-8, 1e-45, -1e-45, 0.06, -0.06, 0.0625, -0.0625, 0.07, -0.07, 0.5, -1,
  20, -20, 88, -88, 88.7, -87.4, 100, -100, 1e30, -1e30, 3e38, -3e38, Infinity, -Infinity, NaN,
];

type Elementwise = Exclude<ActivationName, 'softmax'>;
interface Case { name: string; kind: Elementwise; alpha: number }
const CASES: Case[] = [
  { name: 'linear', kind: 'linear', alpha: 0 },
  { name: 'relu', kind: 'relu', alpha: 0 },
  { name: 'leakyRelu α=0.01', kind: 'leakyRelu', alpha: 0.01 },
  { name: 'leakyRelu α=0.2', kind: 'leakyRelu', alpha: 0.2 },
  { name: 'sigmoid', kind: 'sigmoid', alpha: 0 },
  { name: 'tanh', kind: 'tanh', alpha: 0 },
];

// ---------------------------------------------------------------------------------------------
// Comparison: a list of readable mismatches (empty when all is well), so that a failure names
// the size, the index and the input.

type Tolerance = (i: number, want: number) => number;

function mismatches(label: string, got: ArrayLike<number>, want: ArrayLike<number>, tolerance: Tolerance,
  input?: (i: number) => string): string[] {
  const out: string[] = [];
  for (let i = 0; i < want.length && out.length < 6; i++) {
    const g = got[i], w = want[i];
    const ok = Number.isNaN(w) ? Number.isNaN(g)
      : g === w || Math.abs(g - w) <= tolerance(i, w);
    if (!ok) {
      out.push(`${label} [${i}]: got ${g}, want ${w} (|diff| ${Math.abs(g - w).toExponential(2)}, `
        + `tol ${tolerance(i, w).toExponential(2)})${input ? `; ${input(i)}` : ''}`);
    }
  }
  return out;
}

const exact: Tolerance = () => 0;
/** rel·|want| + abs. */
const relative = (rel: number, abs: number): Tolerance => (_i, w) => rel * Math.abs(w) + abs;

/** A mix of random values in [−lo, lo] and edge values, cycled so edges land in lanes and tails. */
function inputs(len: number, seed: number, range: number, withEdges: boolean): Float32Array {
  const x = Float32Array.from(randomArray(len, seed, -range, range));
  if (withEdges) for (let i = 0; i < len; i += 2) x[i] = EDGES[(i / 2 + seed) % EDGES.length];
  return x;
}

// ---------------------------------------------------------------------------------------------
// Expected values from the float64 reference and per-kind tolerances.

function forwardWant(c: Case, x: Float32Array): Float64Array {
  const want = activate(x, c.kind, x.length, Math.fround(c.alpha));
  // leakyRelu: x·α of two float32 is exact in float64, the kernel rounds it once
  if (c.kind === 'leakyRelu') for (let i = 0; i < want.length; i++) want[i] = Math.fround(want[i]);
  return want;
}

function forwardTolerance(c: Case): Tolerance {
  return c.kind === 'sigmoid' || c.kind === 'tanh' ? relative(1e-6, 1e-37) : exact;
}

function backwardWant(c: Case, d: Float32Array, y: Float32Array): Float64Array {
  const want = activateBackward(d, y, c.kind, d.length, Math.fround(c.alpha));
  if (c.kind === 'leakyRelu') for (let i = 0; i < want.length; i++) want[i] = Math.fround(want[i]);
  return want;
}

function backwardTolerance(c: Case, d: Float32Array, y: Float32Array): Tolerance {
  if (c.kind === 'sigmoid') {
    // d·(y·(1 − y)): three roundings
    return (_i, w) => 4 * ULP * Math.max(Math.abs(w), 1e-38);
  }
  if (c.kind === 'tanh') {
    // d·(1 − y·y): y² rounds (absolute ULP·y²), 1 − y² and the product round relatively
    return (i, w) => ULP * (Math.abs(d[i]) * (y[i] * y[i] + 2 * Math.abs(1 - y[i] * y[i])) + 2 * Math.abs(w)) + 1e-44;
  }
  return exact;
}

/** Reference activations rounded to float32: the saved forward values backward reads. */
function savedOutputs(c: Case, z: Float32Array): Float32Array {
  return Float32Array.from(activate(z, c.kind, z.length, Math.fround(c.alpha)));
}

describe.each(BUILDS)('activation kernels (%s build)', (build) => {
  describe.each(CASES)('$name', (c) => {
    const code = ACTIVATION_CODES[c.kind as keyof typeof ACTIVATION_CODES];
    const range = c.kind === 'sigmoid' || c.kind === 'tanh' ? 12 : 4;

    it('forward matches the reference at every size, random and edge values, guards untouched', () => {
      const arena = new Arena(build);
      const problems: string[] = [];
      for (const len of SIZES) {
        for (const withEdges of [false, true]) {
          const x = inputs(len, len * 7 + (withEdges ? 1 : 0), range, withEdges);
          const px = guarded(arena, len, x);
          const po = guarded(arena, len);
          arena.k.activation_forward(po, px, len, code, c.alpha);
          const label = `forward len ${len}${withEdges ? ' (edges)' : ''}`;
          problems.push(...mismatches(label, arena.f32(po, len), forwardWant(c, x), forwardTolerance(c), (i) => `x = ${x[i]}`));
          problems.push(...guardDamage(arena, po, len, `${label} out`));
          problems.push(...guardDamage(arena, px, len, `${label} inp`));
          if (!arena.f32(px, len).every((v, i) => Object.is(v, x[i]))) problems.push(`${label}: input modified`);
        }
      }
      expect(problems).toEqual([]);
    });

    it('forward: vector lanes and the scalar tail agree bit for bit on every edge value', () => {
      const arena = new Arena(build);
      const problems: string[] = [];
      for (const v of [...EDGES, ...randomArray(16, 5, -range, range)]) {
        const len = 7; // lanes 0–3 in the vector loop, 4–6 in the scalar tail
        const px = guarded(arena, len, new Array(len).fill(v));
        const po = guarded(arena, len);
        arena.k.activation_forward(po, px, len, code, c.alpha);
        // every NaN counts as one value: lanes and tail may differ in a NaN's sign or payload
        const bits = Array.from(new Uint32Array(arena.k.memory.buffer, po, len), (w) => ((w & 0x7fffffff) > 0x7f800000 ? -1 : w));
        if (new Set(bits).size !== 1) problems.push(`x = ${v}: lanes/tail give ${Array.from(arena.f32(po, len)).join(', ')}`);
      }
      expect(problems).toEqual([]);
    });

    it('forward in place (out == inp) gives the same bits as out of place', () => {
      const arena = new Arena(build);
      const problems: string[] = [];
      for (const len of SIZES) {
        const x = inputs(len, len + 100, range, true);
        const pa = guarded(arena, len, x);
        const pb = guarded(arena, len, x);
        const po = guarded(arena, len);
        arena.k.activation_forward(po, pa, len, code, c.alpha);
        arena.k.activation_forward(pb, pb, len, code, c.alpha);
        const want = new Uint32Array(arena.k.memory.buffer, po, len);
        const got = new Uint32Array(arena.k.memory.buffer, pb, len);
        const i = got.findIndex((w, j) => w !== want[j]);
        if (i >= 0) problems.push(`len ${len} [${i}]: in place ${arena.f32(pb, len)[i]}, out of place ${arena.f32(po, len)[i]}, x = ${x[i]}`);
        problems.push(...guardDamage(arena, pb, len, `in place len ${len}`));
      }
      expect(problems).toEqual([]);
    });

    it('forward reads nothing past the end of its input (input ends at the end of memory)', () => {
      for (const len of SIZES) {
        const arena = new Arena(build);
        const x = inputs(len, len + 200, range, false);
        const po = guarded(arena, len);
        const px = atMemoryEnd(arena, x);
        arena.k.activation_forward(po, px, len, code, c.alpha);
        expect(mismatches(`len ${len}`, arena.f32(po, len), forwardWant(c, x), forwardTolerance(c))).toEqual([]);
      }
    });

    it('length 0 writes nothing', () => {
      const arena = new Arena(build);
      const px = guarded(arena, 0), po = guarded(arena, 0);
      arena.k.activation_forward(po, px, 0, code, c.alpha);
      arena.k.activation_backward(po, px, px, 0, code, c.alpha);
      expect([...guardDamage(arena, po, 0, 'out'), ...guardDamage(arena, px, 0, 'inp')]).toEqual([]);
    });

    it('backward matches the reference at every size, guards untouched', () => {
      const arena = new Arena(build);
      const problems: string[] = [];
      for (const len of SIZES) {
        for (const withEdges of [false, true]) {
          const z = inputs(len, len * 11 + (withEdges ? 1 : 0), range, withEdges);
          const y = savedOutputs(c, z);
          const d = Float32Array.from(randomArray(len, len * 13, -3, 3));
          if (withEdges) {
            // exact zeros of y (ReLU at 0 and −0 has derivative 0), saturated sigmoid/tanh,
            // and a non-finite upstream gradient where the derivative is not masked to 0
            for (let i = 0; i < len; i += 3) y[i] = [0, -0, 1, -1, 1e-30][(i / 3) % 5];
            if (c.kind === 'sigmoid') for (let i = 0; i < len; i++) y[i] = Math.min(Math.max(y[i], 0), 1);
            for (let i = 1; i < len; i += 5) if (!(c.kind === 'relu' && !(y[i] > 0))) d[i] = [NaN, Infinity, 0][(i / 5 | 0) % 3];
          }
          const pd = guarded(arena, len, d), py = guarded(arena, len, y), pg = guarded(arena, len);
          arena.k.activation_backward(pg, pd, py, len, code, c.alpha);
          const label = `backward len ${len}${withEdges ? ' (edges)' : ''}`;
          problems.push(...mismatches(label, arena.f32(pg, len), backwardWant(c, d, y), backwardTolerance(c, d, y),
            (i) => `dout = ${d[i]}, out = ${y[i]}`));
          problems.push(...guardDamage(arena, pg, len, `${label} dinp`));
        }
      }
      expect(problems).toEqual([]);
    });

    if (c.kind === 'relu' || c.kind === 'leakyRelu') {
      it('at exactly 0 and −0: f(z) = 0, and the derivative taken from it is 0 (relu) or α (leakyRelu)', () => {
        const arena = new Arena(build);
        for (const len of [1, 4, 5, 9]) {
          const z = new Float32Array(len).map((_, i) => (i % 2 ? -0 : 0));
          const pz = guarded(arena, len, z), py = guarded(arena, len);
          arena.k.activation_forward(py, pz, len, code, c.alpha);
          const y = Array.from(arena.f32(py, len));
          expect(y.every((v) => v === 0), `f(±0), len ${len}: ${y.map((v) => (Object.is(v, -0) ? '-0' : v))}`).toBe(true);
          const pd = guarded(arena, len, new Array(len).fill(2)), pg = guarded(arena, len);
          arena.k.activation_backward(pg, pd, py, len, code, c.alpha);
          expect(Array.from(arena.f32(pg, len)), `f'(±0)·2, len ${len}`)
            .toEqual(new Array(len).fill(c.kind === 'relu' ? 0 : Math.fround(2 * Math.fround(c.alpha))));
        }
      });
    }

    it('backward in place (dinp == dout) gives the same bits as out of place', () => {
      const arena = new Arena(build);
      const problems: string[] = [];
      for (const len of SIZES) {
        const y = savedOutputs(c, inputs(len, len + 300, range, false));
        const d = Float32Array.from(randomArray(len, len + 400, -2, 2));
        const py = guarded(arena, len, y), pd = guarded(arena, len, d), pa = guarded(arena, len, d), pg = guarded(arena, len);
        arena.k.activation_backward(pg, pd, py, len, code, c.alpha);
        arena.k.activation_backward(pa, pa, py, len, code, c.alpha);
        const want = new Uint32Array(arena.k.memory.buffer, pg, len);
        const got = new Uint32Array(arena.k.memory.buffer, pa, len);
        const i = got.findIndex((w, j) => w !== want[j]);
        if (i >= 0) problems.push(`len ${len} [${i}]: in place ${arena.f32(pa, len)[i]}, out of place ${arena.f32(pg, len)[i]}`);
        problems.push(...guardDamage(arena, pa, len, `in place len ${len}`));
      }
      expect(problems).toEqual([]);
    });

    it('backward reads nothing past the end of dout or out', () => {
      for (const len of SIZES) {
        const y = savedOutputs(c, inputs(len, len + 500, range, false));
        const d = Float32Array.from(randomArray(len, len + 600, -2, 2));
        for (const last of ['dout', 'out'] as const) {
          const arena = new Arena(build);
          const pg = guarded(arena, len);
          const pd = last === 'dout' ? -1 : guarded(arena, len, d);
          const py = last === 'out' ? -1 : guarded(arena, len, y);
          const pdEnd = pd < 0 ? atMemoryEnd(arena, d) : pd;
          const pyEnd = py < 0 ? atMemoryEnd(arena, y) : py;
          arena.k.activation_backward(pg, pdEnd, pyEnd, len, code, c.alpha);
          expect(mismatches(`len ${len}, ${last} at the end`, arena.f32(pg, len), backwardWant(c, d, y),
            backwardTolerance(c, d, y))).toEqual([]);
        }
      }
    });
  });

  describe('softmax', () => {
    /** Row-wise tolerance of softmax_forward, see the file header. */
    function softmaxTolerance(x: Float32Array, n: number): Tolerance {
      return (i, w) => {
        const r = Math.floor(i / n);
        let mx = -Infinity;
        for (let j = 0; j < n; j++) mx = Math.max(mx, x[r * n + j]);
        const rel = 2e-6 + (n + 4) * ULP + Math.min(Math.abs(x[i] - mx), 100) * ULP;
        return rel * Math.max(Math.abs(w), 1e-30);
      };
    }

    function softmaxBackwardTolerance(d: Float32Array, s: Float32Array, n: number): Tolerance {
      return (i, w) => {
        const r = Math.floor(i / n);
        let dot = 0, absDot = 0;
        for (let j = 0; j < n; j++) {
          dot += d[r * n + j] * s[r * n + j];
          absDot += Math.abs(d[r * n + j] * s[r * n + j]);
        }
        return ULP * (Math.abs(s[i]) * ((n + 4) * absDot + 4 * Math.abs(d[i] - dot)) + 2 * Math.abs(w)) + 1e-40;
      };
    }

    /** Random logits with, when asked, a few edge rows and edge values mixed in. */
    function logits(m: number, n: number, seed: number, withEdges: boolean): Float32Array {
      const x = Float32Array.from(randomArray(m * n, seed, -6, 6));
      if (!withEdges) return x;
      const rows: number[][] = [
        [1000, 999, -1000], [1e30, -1e30, 0], [88, -88, 100, -100], [-1000, -999, -998],
        [0, -0, 1e-8], [3e38, 3e38, -3e38], [-Infinity, 0, 1],
      ];
      for (let r = 0; r < m; r++) {
        const pattern = rows[(r + seed) % rows.length];
        for (let j = 0; j < n; j++) x[r * n + j] = pattern[(j + r) % pattern.length] + (j >= pattern.length ? j * 1e-3 : 0);
      }
      return x;
    }

    it.each(ROWS)('forward matches the reference for m = %i at every n (row max subtracted: no overflow)', (m) => {
      const arena = new Arena(build);
      const problems: string[] = [];
      for (const n of SIZES) {
        for (const withEdges of [false, true]) {
          const x = logits(m, n, n * 31 + m, withEdges);
          const px = guarded(arena, m * n, x), po = guarded(arena, m * n);
          arena.k.softmax_forward(po, px, m, n);
          const got = arena.f32(po, m * n);
          const label = `softmax m ${m} n ${n}${withEdges ? ' (edges)' : ''}`;
          problems.push(...mismatches(label, got, activate(x, 'softmax', n), softmaxTolerance(x, n),
            (i) => `row ${Math.floor(i / n)} col ${i % n}, x = ${x[i]}`));
          for (let r = 0; r < m; r++) {
            if (x.subarray(r * n, r * n + n).includes(-Infinity) && n === 1) continue; // [−∞] gives NaN, as the reference
            let sum = 0;
            for (let j = 0; j < n; j++) sum += got[r * n + j];
            if (!(Math.abs(sum - 1) <= (n + 4) * ULP * 4)) problems.push(`${label}: row ${r} sums to ${sum}`);
          }
          problems.push(...guardDamage(arena, po, m * n, `${label} out`));
        }
      }
      expect(problems).toEqual([]);
    });

    it('forward: a NaN anywhere in a row makes that row NaN and leaves the other rows alone', () => {
      const arena = new Arena(build);
      for (const n of [1, 3, 4, 5, 9, 17]) {
        for (let at = 0; at < n; at++) {
          const m = 3;
          const x = logits(m, n, n + at, false);
          x[n + at] = NaN; // row 1
          const px = guarded(arena, m * n, x), po = guarded(arena, m * n);
          arena.k.softmax_forward(po, px, m, n);
          const got = Array.from(arena.f32(po, m * n));
          expect(got.slice(n, 2 * n).every(Number.isNaN), `n ${n}, NaN at col ${at}: row 1 = ${got.slice(n, 2 * n)}`).toBe(true);
          expect(mismatches(`n ${n}, NaN at col ${at}, rows 0 and 2`, [...got.slice(0, n), ...got.slice(2 * n)],
            [...activate(x.slice(0, n), 'softmax', n), ...activate(x.slice(2 * n), 'softmax', n)],
            relative(2e-6 + (n + 4) * ULP + 12 * ULP, 1e-36))).toEqual([]);
        }
      }
    });

    it('forward in place (out == inp) gives the same bits, and reads nothing past the end', () => {
      for (const m of ROWS) {
        for (const n of SIZES) {
          const arena = new Arena(build);
          const x = logits(m, n, n + 7 * m, true);
          const po = guarded(arena, m * n);
          const px = atMemoryEnd(arena, x);
          arena.k.softmax_forward(po, px, m, n);
          const want = Array.from(new Uint32Array(arena.k.memory.buffer, po, m * n));
          arena.k.softmax_forward(px, px, m, n);
          const got = Array.from(new Uint32Array(arena.k.memory.buffer, px, m * n));
          const i = got.findIndex((w, j) => w !== want[j]);
          expect(i, `m ${m} n ${n}: in place differs at [${i}]: ${arena.f32(px, m * n)[i]} vs ${arena.f32(po, m * n)[i]}`).toBe(-1);
        }
      }
    });

    it.each(ROWS)('backward matches the reference for m = %i at every n', (m) => {
      const arena = new Arena(build);
      const problems: string[] = [];
      for (const n of SIZES) {
        for (const withEdges of [false, true]) {
          const s = Float32Array.from(activate(logits(m, n, n * 37 + m, withEdges), 'softmax', n));
          const d = Float32Array.from(randomArray(m * n, n * 41 + m, -3, 3));
          const pd = guarded(arena, m * n, d), ps = guarded(arena, m * n, s), pg = guarded(arena, m * n);
          arena.k.softmax_backward(pg, pd, ps, m, n);
          const label = `softmax backward m ${m} n ${n}${withEdges ? ' (edges)' : ''}`;
          problems.push(...mismatches(label, arena.f32(pg, m * n), activateBackward(d, s, 'softmax', n),
            softmaxBackwardTolerance(d, s, n), (i) => `row ${Math.floor(i / n)} col ${i % n}, dout = ${d[i]}, s = ${s[i]}`));
          problems.push(...guardDamage(arena, pg, m * n, `${label} dinp`));
        }
      }
      expect(problems).toEqual([]);
    });

    it('backward: rows are independent, a NaN in dout spoils only its own row', () => {
      const arena = new Arena(build);
      const m = 3, n = 9;
      const s = Float32Array.from(activate(logits(m, n, 3, false), 'softmax', n));
      const d = Float32Array.from(randomArray(m * n, 4, -1, 1));
      d[n + 8] = NaN; // row 1, scalar tail
      const pd = guarded(arena, m * n, d), ps = guarded(arena, m * n, s), pg = guarded(arena, m * n);
      arena.k.softmax_backward(pg, pd, ps, m, n);
      const got = Array.from(arena.f32(pg, m * n));
      expect(got.slice(n, 2 * n).every(Number.isNaN), `row 1 = ${got.slice(n, 2 * n)}`).toBe(true);
      const want = activateBackward(d, s, 'softmax', n);
      expect(mismatches('rows 0 and 2', [...got.slice(0, n), ...got.slice(2 * n)], [...want.slice(0, n), ...want.slice(2 * n)],
        relative(1e-6, 1e-6))).toEqual([]);
    });

    it('backward in place (dinp == dout) gives the same bits, and reads nothing past the end of dout or out', () => {
      for (const m of ROWS) {
        for (const n of SIZES) {
          const s = Float32Array.from(activate(logits(m, n, n + 11 * m, false), 'softmax', n));
          const d = Float32Array.from(randomArray(m * n, n + 13 * m, -2, 2));
          for (const last of ['dout', 'out'] as const) {
            const arena = new Arena(build);
            const pg = guarded(arena, m * n);
            const pOther = guarded(arena, m * n, last === 'dout' ? s : d);
            const pEnd = atMemoryEnd(arena, last === 'dout' ? d : s);
            const [pd, ps] = last === 'dout' ? [pEnd, pOther] : [pOther, pEnd];
            arena.k.softmax_backward(pg, pd, ps, m, n);
            const want = Array.from(new Uint32Array(arena.k.memory.buffer, pg, m * n));
            expect(mismatches(`m ${m} n ${n}, ${last} at the end`, arena.f32(pg, m * n), activateBackward(d, s, 'softmax', n),
              softmaxBackwardTolerance(d, s, n))).toEqual([]);
            if (last === 'dout') {
              arena.k.softmax_backward(pd, pd, ps, m, n);
              const got = Array.from(new Uint32Array(arena.k.memory.buffer, pd, m * n));
              const i = got.findIndex((w, j) => w !== want[j]);
              expect(i, `m ${m} n ${n}: in place differs at [${i}]`).toBe(-1);
            }
          }
        }
      }
    });

    it('m = 0 or n = 0 writes nothing', () => {
      const arena = new Arena(build);
      const px = guarded(arena, 4, [1, 2, 3, 4]), po = guarded(arena, 4);
      arena.k.softmax_forward(po, px, 0, 4);
      arena.k.softmax_forward(po, px, 4, 0);
      arena.k.softmax_backward(po, px, px, 0, 4);
      arena.k.softmax_backward(po, px, px, 4, 0);
      const written = Array.from(new Uint32Array(arena.k.memory.buffer, po, 4)).some((w) => w !== SENTINEL);
      expect([...guardDamage(arena, po, 4, 'out'), ...(written ? ['out[0..3] written'] : [])]).toEqual([]);
    });
  });
});

// ---------------------------------------------------------------------------------------------
// The activations added after the first six: elu, selu, gelu, softplus, swish, softsign.
// Forward against the float64 functions of test/reference.ts; backward against f'(z) in float64,
// with the kernel reading what the activation table says the network keeps (y or z). Tolerances
// (the float32 kernels' exp is good to 2e-7, their erf to 4.3e-7 absolute, see below):
//   elu, selu, softplus, swish: 1e-6 relative, plus 1e-36 absolute where exp's argument is
//     clamped at −87.3 (softplus(−100) gives 1.2e-38, not 3.7e-44);
//   gelu: 1e-6 relative + 5e-7·|x| absolute (erf's absolute error, times ½x);
//   softsign: 4 ulps;
//   derivatives: 2e-6 relative to the larger of the terms they are made of (they cancel: swish'
//     crosses 0 near z = −1.28, elu' from y is y + α), bounded per element below.

interface NewCase { kind: 'elu' | 'selu' | 'gelu' | 'softplus' | 'swish' | 'softsign'; alpha: number }
const NEW_CASES: NewCase[] = [
  { kind: 'elu', alpha: 1 }, { kind: 'elu', alpha: 0.3 }, { kind: 'selu', alpha: 0 }, { kind: 'gelu', alpha: 0 },
  { kind: 'softplus', alpha: 0 }, { kind: 'swish', alpha: 0 }, { kind: 'softsign', alpha: 0 },
];
const NEW_EDGES = [0, -0, 1e-8, -1e-8, 1e-45, -0.49, -0.5, -0.51, 0.5, -1, 1, -3.6, 3.6, 5.7, -5.7, 20, -20, 88, -88,
  -100, 100, 1e30, -1e30, 3e38, -3e38, Infinity, -Infinity, NaN];

function newForwardTolerance(c: NewCase, x: Float32Array): Tolerance {
  if (c.kind === 'softsign') return (_i, w) => 4 * ULP * Math.abs(w);
  if (c.kind === 'gelu') return (i, w) => 1e-6 * Math.abs(w) + 5e-7 * Math.abs(x[i]) + 1e-37;
  return (i, w) => 1e-6 * Math.abs(w) + 1e-36 * Math.max(1, Math.abs(x[i]));
}

/** Bound on the error of d·f'(·) as the kernel computes it, per element. */
function newBackwardTolerance(c: NewCase, d: Float32Array, z: Float32Array, y: Float32Array): Tolerance {
  return (i, w) => {
    const zi = z[i], di = Math.abs(d[i]);
    const s = 1 / (1 + Math.exp(-zi));
    let parts: number;
    switch (c.kind) {
      case 'elu': parts = zi > 0 ? 1 : Math.abs(y[i]) + c.alpha; break;
      case 'selu': parts = zi > 0 ? 1.0507 : Math.abs(y[i]) + 1.7581; break;
      case 'gelu': parts = 1 + Math.abs(zi) * Math.exp(-0.5 * zi * zi); break;
      case 'softplus': parts = s; break;
      case 'swish': parts = s + Math.abs(zi) * s * (1 - s); break;
      default: parts = Math.abs(1 - Math.abs(y[i])) * 2 + ULP; break;
    }
    // exp's clamp at −87.3 leaves sigmoid ≥ 1.2e-38 where it should underflow: times |z| in swish'
    return 2e-6 * Math.abs(w) + di * parts * 2e-6 + 1e-36 * (1 + Math.abs(zi)) * Math.max(di, 1);
  };
}

describe.each(BUILDS)('activations elu, selu, gelu, softplus, swish, softsign (%s build)', (build) => {
  describe.each(NEW_CASES)('$kind α=$alpha', (c) => {
    const code = ACTIVATION_CODES[c.kind as keyof typeof ACTIVATION_CODES];
    const fromInput = ACTIVATION_TABLE[c.kind].derivative === 'input';

    it('forward matches the float64 function at every size, random and edge values, guards untouched', () => {
      const arena = new Arena(build);
      const problems: string[] = [];
      for (const len of SIZES) {
        for (const withEdges of [false, true]) {
          const x = Float32Array.from(randomArray(len, len * 3 + 1, -8, 8));
          if (withEdges) for (let i = 0; i < len; i += 2) x[i] = NEW_EDGES[(i / 2 + len) % NEW_EDGES.length];
          const px = guarded(arena, len, x), po = guarded(arena, len);
          arena.k.activation_forward(po, px, len, code, c.alpha);
          // swish(−∞) is −∞·sigmoid(−∞) = −∞ in the kernels (sigmoid stops at 1.2e-38), NaN in
          // float64; its limit is 0. Non-finite values never reach a training step.
          const want = Float64Array.from(x, (v) => (c.kind === 'swish' && v === -Infinity ? -Infinity : activate1(v, c.kind, Math.fround(c.alpha))));
          const label = `forward len ${len}${withEdges ? ' (edges)' : ''}`;
          problems.push(...mismatches(label, arena.f32(po, len), want, newForwardTolerance(c, x), (i) => `x = ${x[i]}`));
          problems.push(...guardDamage(arena, po, len, `${label} out`));
        }
      }
      expect(problems).toEqual([]);
    });

    it('backward (from the value the network keeps) matches d·f\'(z) in float64', () => {
      const arena = new Arena(build);
      const problems: string[] = [];
      for (const len of SIZES) {
        const z = Float32Array.from(randomArray(len, len * 5 + 2, -8, 8));
        for (let i = 0; i < len; i += 3) z[i] = NEW_EDGES[(i / 3 + len) % 20]; // finite edges only
        const pz = guarded(arena, len, z), py = guarded(arena, len);
        arena.k.activation_forward(py, pz, len, code, c.alpha);
        const y = arena.f32(py, len).slice();
        const d = Float32Array.from(randomArray(len, len * 7 + 3, -3, 3));
        const pd = guarded(arena, len, d), pg = guarded(arena, len);
        arena.k.activation_backward(pg, pd, fromInput ? pz : py, len, code, c.alpha);
        const want = Float64Array.from(d, (v, i) => v * derivative1(z[i], c.kind, Math.fround(c.alpha)));
        problems.push(...mismatches(`backward len ${len}`, arena.f32(pg, len), want, newBackwardTolerance(c, d, z, y),
          (i) => `z = ${z[i]}, y = ${y[i]}, d = ${d[i]}`));
        problems.push(...guardDamage(arena, pg, len, `backward len ${len}`));
      }
      expect(problems).toEqual([]);
    });

    it('vector lanes and the scalar tail give the same bits, forward and backward, in place or not', () => {
      const arena = new Arena(build);
      const problems: string[] = [];
      const len = 7; // lanes 0–3 in the vector loop, 4–6 in the scalar tail
      for (const v of [...NEW_EDGES, ...randomArray(24, 9, -8, 8)]) {
        const px = guarded(arena, len, new Array(len).fill(v)), po = guarded(arena, len);
        arena.k.activation_forward(po, px, len, code, c.alpha);
        const pd = guarded(arena, len, new Array(len).fill(-1.25)), pg = guarded(arena, len);
        arena.k.activation_backward(pg, pd, fromInput ? px : po, len, code, c.alpha);
        for (const [what, at] of [['forward', po], ['backward', pg]] as const) {
          const bits = Array.from(new Uint32Array(arena.k.memory.buffer, at, len), (w) => ((w & 0x7fffffff) > 0x7f800000 ? -1 : w));
          if (new Set(bits).size !== 1) problems.push(`${what} x = ${v}: lanes/tail give ${Array.from(arena.f32(at, len)).join(', ')}`);
        }
        // in place: the same bits
        arena.k.activation_forward(px, px, len, code, c.alpha);
        if (!arena.f32(px, len).every((w, i) => Object.is(w, arena.f32(po, len)[i]))) problems.push(`forward in place differs at x = ${v}`);
      }
      expect(problems).toEqual([]);
    });

    it('reads nothing past the end of its input', () => {
      for (const len of [1, 5, 17]) {
        const arena = new Arena(build);
        const x = Float32Array.from(randomArray(len, len, -4, 4));
        const po = guarded(arena, len);
        const px = atMemoryEnd(arena, x);
        arena.k.activation_forward(po, px, len, code, c.alpha);
        arena.k.activation_backward(po, po, px, len, code, c.alpha);
        expect(arena.f32(po, len).every(Number.isFinite)).toBe(true);
      }
    });
  });

  it('an unknown activation code traps instead of running another activation', () => {
    const arena = new Arena(build);
    const px = guarded(arena, 8, new Array(8).fill(1)), po = guarded(arena, 8);
    expect(() => arena.k.activation_forward(po, px, 8, 99, 0)).toThrow();
    expect(() => arena.k.activation_backward(po, px, px, 8, 99, 0)).toThrow();
    expect(() => arena.k.gemm_nn(po, px, px, 0, 1, 1, 1, ACTIVATION_CODES.gelu, 0, 0, po)).toThrow();
  });
});

describe('erf of the gelu kernels', () => {
  // The float32 operations of erf_f32 in assembly/simd.ts, replayed with Math.fround after each
  // one (wasm's f32 arithmetic is IEEE, so this gives the kernel's bits).
  const f = Math.fround;
  const A = [-1.60960333262415e-02, -2.95459980854025e-03, -7.34990630326855e-04, -5.69250639462346e-05,
    -2.10102402082508e-06, 2.77068142495902e-08, -2.72614225801306e-10].map(f);
  const B = [-1.42647390514189e-02, -7.37332916720468e-03, -1.68282697438203e-03, -2.13374055278905e-04,
    -1.45660718464996e-05].map(f);
  function erf32(x: number): number {
    x = f(Math.max(Math.min(x, 4), -4));
    const x2 = f(x * x);
    let p = f(f(x2 * A[6]) + A[5]);
    for (let k = 4; k >= 0; k--) p = f(f(x2 * p) + A[k]);
    p = f(x * p);
    let q = f(f(x2 * B[4]) + B[3]);
    for (let k = 2; k >= 0; k--) q = f(f(x2 * q) + B[k]);
    return f(p / q);
  }

  it('the float64 erf of the reference is right (known values)', () => {
    expect(erf(0.5)).toBeCloseTo(0.5204998778130465, 14);
    expect(erf(1)).toBeCloseTo(0.8427007929497149, 14);
    expect(erf(2)).toBeCloseTo(0.9953222650189527, 14);
    expect(erf(3)).toBeCloseTo(0.9999779095030014, 14);
    expect(erf(-1.5)).toBeCloseTo(-0.9661051464753108, 14);
  });

  it('replayed, it matches the kernel (through gelu at x = √2·t: ½x(1 + erf(t)))', () => {
    const arena = new Arena('release');
    const ts = Float32Array.from(randomArray(64, 3, -4.5, 4.5));
    const x = ts.map((t) => f(t * Math.SQRT2));
    const px = guarded(arena, 64, x), po = guarded(arena, 64);
    arena.k.activation_forward(po, px, 64, ACTIVATION_CODES.gelu, 0);
    const got = arena.f32(po, 64);
    const SQRT1_2 = f(Math.SQRT1_2);
    x.forEach((v, i) => expect(got[i]).toBe(f(f(v * 0.5) * f(1 + erf32(f(v * SQRT1_2))))));
  });

  it('has at most 4.3e-7 absolute error over [−5, 5] (the figure docs/design.md gives)', () => {
    let worst = 0;
    for (let i = 0; i <= 200000; i++) {
      const x = f(-5 + i / 20000);
      worst = Math.max(worst, Math.abs(erf32(x) - erf(x)));
    }
    expect(worst).toBeLessThanOrEqual(4.3e-7);
    expect(worst).toBeGreaterThan(1e-7); // the bound is tight, not loose
  });
});
