/**
 * mse_loss, softmax_cross_entropy_loss and sigmoid_binary_cross_entropy_loss of assembly/loss.ts
 * against float64 references of the formulas in that file's header, on the release and the debug
 * build: the returned batch-mean loss, the gradient (ŷ − y)/m written to dpred, dpred = 0 writing
 * nothing at all, dpred aliasing pred, the ε clamps, NaN propagation, and inputs ending at the end
 * of linear memory (a read past the end traps). Sizes: m·n over n ∈ {1 … 129} around the 4-wide
 * tile and a few m.
 *
 * Tolerances against the float64 formula of the same float32 inputs:
 *   mse loss: 70·2⁻²⁴ relative: the kernel squares float32 differences and adds them in float32
 *     lanes, at most 64 per lane before folding into float64 (64 additions + 2 roundings + margin);
 *   cross-entropy losses: 1e-12 relative (float64 clamps, logs and sums in the same order);
 *   gradients: 3 roundings (ŷ − y, the float32 1/m, the product): 3·2⁻²⁴ relative.
 */
import { describe, expect, it } from 'vitest';
import { Arena, BUILDS } from '../helpers/wasm.js';
import { atMemoryEnd, guardDamage, guarded } from '../helpers/guards.js';
import { activate, randomArray } from '../reference.js';

const SIZES = [1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 33, 63, 64, 65, 127, 129];
const ROWS = [1, 2, 3, 17];
const ULP = 2 ** -24;
const EPS = 1e-7;

type LossName = 'mse' | 'crossEntropy' | 'binaryCrossEntropy';
const LOSSES: LossName[] = ['mse', 'crossEntropy', 'binaryCrossEntropy'];
const KERNEL = {
  mse: 'mse_loss',
  crossEntropy: 'softmax_cross_entropy_loss',
  binaryCrossEntropy: 'sigmoid_binary_cross_entropy_loss',
} as const;
const LOSS_TOLERANCE: Record<LossName, number> = { mse: 70 * ULP, crossEntropy: 1e-12, binaryCrossEntropy: 1e-12 };

// ---------------------------------------------------------------------------------------------
// Float64 references (the formulas of assembly/loss.ts).

function referenceLoss(loss: LossName, pred: ArrayLike<number>, target: ArrayLike<number>, m: number): number {
  let sum = 0;
  for (let i = 0; i < pred.length; i++) {
    const p = pred[i], y = target[i];
    if (loss === 'mse') sum += 0.5 * (p - y) * (p - y);
    else if (loss === 'crossEntropy') sum -= y === 0 ? 0 : y * Math.log(Math.max(p, EPS));
    else {
      const q = Math.min(Math.max(p, EPS), 1 - EPS);
      sum -= y * Math.log(q) + (1 - y) * Math.log(1 - q);
    }
  }
  return sum / m;
}

function referenceGradient(pred: ArrayLike<number>, target: ArrayLike<number>, m: number): Float64Array {
  return Float64Array.from(pred, (p, i) => (p - target[i]) / m);
}

// ---------------------------------------------------------------------------------------------
// Data: predictions and targets of the kind each loss sees in training.

function batch(loss: LossName, m: number, n: number, seed: number): { pred: Float32Array; target: Float32Array } {
  if (loss === 'mse') {
    return {
      pred: Float32Array.from(randomArray(m * n, seed, -2, 2)),
      target: Float32Array.from(randomArray(m * n, seed + 1, -2, 2)),
    };
  }
  if (loss === 'crossEntropy') {
    const pred = Float32Array.from(activate(randomArray(m * n, seed, -4, 4), 'softmax', n));
    const target = new Float32Array(m * n);
    const pick = randomArray(m, seed + 1, 0, n);
    for (let r = 0; r < m; r++) {
      if (r % 3 === 2) { // a soft target row
        const soft = activate(randomArray(n, seed + r, -1, 1), 'softmax', n);
        for (let j = 0; j < n; j++) target[r * n + j] = soft[j];
      } else target[r * n + Math.floor(pick[r])] = 1;
    }
    return { pred, target };
  }
  const pred = Float32Array.from(activate(randomArray(m * n, seed, -6, 6), 'sigmoid', n));
  const target = Float32Array.from(randomArray(m * n, seed + 1, 0, 1), (u, i) => (i % 5 === 4 ? u : u < 0.5 ? 0 : 1));
  return { pred, target };
}

function lossMismatch(label: string, got: number, want: number, rel: number): string[] {
  if (Number.isNaN(want) ? Number.isNaN(got) : Math.abs(got - want) <= rel * Math.abs(want) + 1e-300) return [];
  return [`${label}: loss ${got}, want ${want} (relative error ${(Math.abs(got - want) / Math.abs(want)).toExponential(2)} > ${rel.toExponential(2)})`];
}

function gradientMismatches(label: string, got: ArrayLike<number>, want: ArrayLike<number>, n: number,
  pred: ArrayLike<number>, target: ArrayLike<number>): string[] {
  const out: string[] = [];
  for (let i = 0; i < want.length && out.length < 6; i++) {
    const g = got[i], w = want[i];
    const ok = Number.isNaN(w) ? Number.isNaN(g) : Math.abs(g - w) <= 3 * ULP * Math.abs(w) + 1e-44;
    if (!ok) {
      out.push(`${label} dpred[${i}] (row ${Math.floor(i / n)} col ${i % n}): got ${g}, want ${w}; pred ${pred[i]}, target ${target[i]}`);
    }
  }
  return out;
}

type LossKernel = (dpred: number, pred: number, target: number, m: number, n: number) => number;

describe.each(BUILDS)('loss kernels (%s build)', (build) => {
  describe.each(LOSSES)('%s', (loss) => {
    const call = (arena: Arena): LossKernel => (arena.k[KERNEL[loss]] as LossKernel).bind(arena.k);

    it.each(ROWS)('loss and gradient (ŷ − y)/m match the reference for m = %i at every n; inputs and guards untouched', (m) => {
      const arena = new Arena(build);
      const run = call(arena);
      const problems: string[] = [];
      for (const n of SIZES) {
        const { pred, target } = batch(loss, m, n, 1000 * m + n);
        const pp = guarded(arena, m * n, pred), pt = guarded(arena, m * n, target), pg = guarded(arena, m * n);
        const got = run(pg, pp, pt, m, n);
        const label = `${loss} m ${m} n ${n}`;
        problems.push(...lossMismatch(label, got, referenceLoss(loss, pred, target, m), LOSS_TOLERANCE[loss]));
        problems.push(...gradientMismatches(label, arena.f32(pg, m * n), referenceGradient(pred, target, m), n, pred, target));
        problems.push(...guardDamage(arena, pg, m * n, `${label} dpred`));
        if (!arena.f32(pp, m * n).every((v, i) => v === pred[i])) problems.push(`${label}: pred modified`);
        if (!arena.f32(pt, m * n).every((v, i) => v === target[i])) problems.push(`${label}: target modified`);
      }
      expect(problems).toEqual([]);
    });

    it('a large batch (m = 300, n = 37: many float32 partial sums) stays within the tolerance', () => {
      const arena = new Arena(build);
      const [m, n] = [300, 37];
      const { pred, target } = batch(loss, m, n, 77);
      const pp = arena.put(pred), pt = arena.put(target), pg = arena.alloc(m * n);
      const got = call(arena)(pg, pp, pt, m, n);
      expect(lossMismatch(`m ${m} n ${n}`, got, referenceLoss(loss, pred, target, m), LOSS_TOLERANCE[loss])).toEqual([]);
      expect(gradientMismatches(`m ${m} n ${n}`, arena.f32(pg, m * n), referenceGradient(pred, target, m), n, pred, target)).toEqual([]);
    });

    it('dpred = 0 writes nothing anywhere in memory and returns the same loss', () => {
      const arena = new Arena(build);
      const run = call(arena);
      for (const [m, n] of [[1, 1], [1, 5], [3, 7], [17, 16], [2, 129]]) {
        const { pred, target } = batch(loss, m, n, 31 * m + n);
        const pp = arena.put(pred), pt = arena.put(target), pg = arena.alloc(m * n);
        const withGradient = run(pg, pp, pt, m, n);
        const before = new Uint8Array(arena.k.memory.buffer).slice();
        const without = run(0, pp, pt, m, n);
        const after = new Uint8Array(arena.k.memory.buffer);
        const changed = after.findIndex((b, i) => b !== before[i]);
        expect(changed, `m ${m} n ${n}: byte ${changed} changed by a call with dpred = 0`).toBe(-1);
        expect(without, `m ${m} n ${n}: loss with and without the gradient`).toBe(withGradient);
      }
    });

    it('dpred may alias pred: same loss, same gradient bits', () => {
      const arena = new Arena(build);
      const run = call(arena);
      const problems: string[] = [];
      for (const m of [1, 3]) {
        for (const n of SIZES) {
          const { pred, target } = batch(loss, m, n, 7 * m + n);
          const pp = guarded(arena, m * n, pred), pt = guarded(arena, m * n, target), pg = guarded(arena, m * n);
          const want = run(pg, pp, pt, m, n);
          const got = run(pp, pp, pt, m, n);
          if (got !== want) problems.push(`m ${m} n ${n}: in-place loss ${got}, out of place ${want}`);
          const a = new Uint32Array(arena.k.memory.buffer, pp, m * n), b = new Uint32Array(arena.k.memory.buffer, pg, m * n);
          const i = a.findIndex((w, j) => w !== b[j]);
          if (i >= 0) problems.push(`m ${m} n ${n}: in-place dpred[${i}] ${arena.f32(pp, m * n)[i]}, out of place ${arena.f32(pg, m * n)[i]}`);
          problems.push(...guardDamage(arena, pp, m * n, `m ${m} n ${n} pred`));
        }
      }
      expect(problems).toEqual([]);
    });

    it('reads nothing past the end of pred or target (each placed at the end of memory)', () => {
      const problems: string[] = [];
      for (const m of [1, 3]) {
        for (const n of SIZES) {
          const { pred, target } = batch(loss, m, n, 3 * m + n);
          for (const last of ['pred', 'target'] as const) {
            const arena = new Arena(build);
            const pg = guarded(arena, m * n);
            const pOther = guarded(arena, m * n, last === 'pred' ? target : pred);
            const pEnd = atMemoryEnd(arena, last === 'pred' ? pred : target);
            const [pp, pt] = last === 'pred' ? [pEnd, pOther] : [pOther, pEnd];
            const label = `m ${m} n ${n}, ${last} at the end`;
            problems.push(...lossMismatch(label, call(arena)(pg, pp, pt, m, n), referenceLoss(loss, pred, target, m), LOSS_TOLERANCE[loss]));
            problems.push(...gradientMismatches(label, arena.f32(pg, m * n), referenceGradient(pred, target, m), n, pred, target));
          }
        }
      }
      expect(problems).toEqual([]);
    });

    it('guard values after pred and target do not leak into the loss (no over-read)', () => {
      // the guards are NaN: a sum that reads one of them turns NaN
      const arena = new Arena(build);
      const problems: string[] = [];
      for (const n of SIZES) {
        const m = 2;
        const { pred, target } = batch(loss, m, n, 5 * n);
        const got = call(arena)(0, guarded(arena, m * n, pred), guarded(arena, m * n, target), m, n);
        problems.push(...lossMismatch(`m ${m} n ${n}`, got, referenceLoss(loss, pred, target, m), LOSS_TOLERANCE[loss]));
      }
      expect(problems).toEqual([]);
    });

    it('a NaN prediction makes the gradient NaN there, and the loss NaN where the target weighs it', () => {
      const arena = new Arena(build);
      const run = call(arena);
      const problems: string[] = [];
      for (const n of [1, 3, 4, 5, 9]) {
        for (let at = 0; at < n; at++) {
          const m = 2;
          const { pred, target } = batch(loss, m, n, 50 + n);
          const i = n + at; // row 1
          pred[i] = NaN;
          if (loss === 'crossEntropy') target[i] = Math.max(target[i], 0.5); // ce skips y = 0 terms
          const pp = arena.put(pred), pt = arena.put(target), pg = arena.alloc(m * n);
          const got = run(pg, pp, pt, m, n);
          if (!Number.isNaN(got)) problems.push(`n ${n}, NaN at col ${at}: loss ${got}`);
          const g = arena.f32(pg, m * n);
          if (!Number.isNaN(g[i])) problems.push(`n ${n}, NaN at col ${at}: dpred ${g[i]}`);
          problems.push(...gradientMismatches(`n ${n}, NaN at ${at}, other entries`, Array.from(g).filter((_, j) => j !== i),
            Array.from(referenceGradient(pred, target, m)).filter((_, j) => j !== i), n, pred, target));
        }
      }
      expect(problems).toEqual([]);
    });
  });

  describe('ε clamps', () => {
    it('crossEntropy: a predicted probability of exactly 0 for the true class gives the finite loss −ln(1e-7)/m', () => {
      const arena = new Arena(build);
      for (const n of [2, 3, 4, 5, 9, 17]) {
        for (let at = 0; at < n; at++) {
          const m = 3;
          const pred = new Float32Array(m * n).fill(1 / n);
          const target = new Float32Array(m * n);
          for (let r = 0; r < m; r++) target[r * n + ((at + r) % n)] = 1;
          // row 1 puts all its mass on a wrong class
          pred.fill(0, n, 2 * n);
          pred[n + ((at + 2) % n)] = 1;
          const pp = arena.put(pred), pt = arena.put(target), pg = arena.alloc(m * n);
          const got = arena.k.softmax_cross_entropy_loss(pg, pp, pt, m, n);
          const want = referenceLoss('crossEntropy', pred, target, m);
          expect(Number.isFinite(got), `n ${n}, true class ${at}`).toBe(true);
          expect(lossMismatch(`n ${n}, true class ${at}`, got, want, 1e-12)).toEqual([]);
          expect(want).toBeCloseTo((-Math.log(EPS) + 2 * Math.log(n)) / m, 6);
          expect(arena.f32(pg, m * n)[n + ((at + 1) % n)], `n ${n}: dlogits at the true class of row 1`).toBe(Math.fround(-Math.fround(1 / m)));
        }
      }
    });

    it('binaryCrossEntropy: predictions of exactly 0 and 1 give finite losses, clamped to [1e-7, 1 − 1e-7]', () => {
      const arena = new Arena(build);
      const problems: string[] = [];
      // (pred, target) pairs: confidently wrong both ways, confidently right both ways, soft
      const cases: [number, number][] = [[0, 1], [1, 0], [0, 0], [1, 1], [0, 0.3], [1, 0.3], [1e-9, 1], [0.99999994, 0]];
      for (const [p, y] of cases) {
        for (const n of [1, 4, 5]) {
          const pred = new Float32Array(n).fill(p), target = new Float32Array(n).fill(y);
          const pg = arena.alloc(n);
          const got = arena.k.sigmoid_binary_cross_entropy_loss(pg, arena.put(pred), arena.put(target), 1, n);
          const want = referenceLoss('binaryCrossEntropy', pred, target, 1);
          problems.push(...lossMismatch(`pred ${p} target ${y} n ${n}`, got, want, 1e-12));
        }
      }
      expect(problems).toEqual([]);
    });

    it('binaryCrossEntropy is symmetric: loss(ŷ, y) = loss(1 − ŷ, 1 − y), also at the clamps', () => {
      const arena = new Arena(build);
      const problems: string[] = [];
      for (const [p, y] of [[0, 1], [0, 0.25], [0.25, 1], [1e-8, 0]] as const) {
        const a = arena.k.sigmoid_binary_cross_entropy_loss(0, arena.put([p]), arena.put([y]), 1, 1);
        const b = arena.k.sigmoid_binary_cross_entropy_loss(0, arena.put([1 - p]), arena.put([1 - y]), 1, 1);
        if (!(Math.abs(a - b) <= 1e-6 * Math.abs(a))) problems.push(`loss(${p}, ${y}) = ${a} but loss(${1 - p}, ${1 - y}) = ${b}`);
      }
      expect(problems).toEqual([]);
    });
  });
});

// ---------------------------------------------------------------------------------------------
// mae_loss, huber_loss and weight_penalty. Loss sums run in float32 lanes over blocks of 256
// values folded into float64, so the tolerance is mse's (70·2⁻²⁴ relative to the sum of the
// absolute terms); gradients are exact up to the float32 product with 1/m (one rounding each of
// the difference and the product: 2·2⁻²⁴); penalties likewise.

function robustReference(kind: 'mae' | 'huber', pred: ArrayLike<number>, target: ArrayLike<number>, m: number, delta: number) {
  let sum = 0;
  const grad = new Float64Array(pred.length);
  const invm = Math.fround(1 / m);
  for (let i = 0; i < pred.length; i++) {
    const d = Math.fround(pred[i] - target[i]);
    const a = Math.abs(d);
    sum += kind === 'mae' ? a : a <= delta ? 0.5 * d * d : delta * (a - 0.5 * delta);
    grad[i] = (kind === 'mae' ? Math.sign(d) : Math.max(-delta, Math.min(delta, d))) * invm;
  }
  return { loss: sum / m, grad };
}

describe.each(BUILDS)('mae_loss, huber_loss and weight_penalty (%s build)', (build) => {
  it.each([['mae', 1], ['huber', 1], ['huber', 0.25]] as const)('%s (δ %f): loss and gradient at every size, dpred 0 writes nothing, lanes and tail alike', (kind, delta) => {
    const arena = new Arena(build);
    const problems: string[] = [];
    for (const m of ROWS) {
      for (const n of SIZES) {
        const len = m * n;
        const pred = Float32Array.from(randomArray(len, len + 1, -2, 2));
        const target = Float32Array.from(randomArray(len, len + 2, -2, 2));
        for (let i = 0; i < len; i += 7) target[i] = pred[i]; // d = 0 exactly
        const pp = guarded(arena, len, pred), pt = guarded(arena, len, target), pg = guarded(arena, len);
        const d32 = Math.fround(delta);
        const got = kind === 'mae' ? arena.k.mae_loss(pg, pp, pt, m, n) : arena.k.huber_loss(pg, pp, pt, m, n, d32);
        const want = robustReference(kind, pred, target, m, d32);
        if (!(Math.abs(got - want.loss) <= 70 * ULP * Math.max(want.loss, 1e-30))) problems.push(`m ${m} n ${n}: loss ${got}, want ${want.loss}`);
        const grad = arena.f32(pg, len);
        for (let i = 0; i < len && problems.length < 6; i++) {
          if (!(Math.abs(grad[i] - want.grad[i]) <= 2 * ULP * Math.abs(want.grad[i]))) problems.push(`m ${m} n ${n} grad[${i}] ${grad[i]}, want ${want.grad[i]}`);
        }
        problems.push(...guardDamage(arena, pg, len, `m ${m} n ${n} dpred`));
        const memoryBefore = new Uint8Array(arena.k.memory.buffer).slice();
        const again = kind === 'mae' ? arena.k.mae_loss(0, pp, pt, m, n) : arena.k.huber_loss(0, pp, pt, m, n, d32);
        if (again !== got) problems.push(`m ${m} n ${n}: without the gradient the loss is ${again}, with it ${got}`);
        const changed = new Uint8Array(arena.k.memory.buffer).findIndex((b, i) => b !== memoryBefore[i]);
        if (changed >= 0) problems.push(`m ${m} n ${n}: with dpred 0 the kernel wrote byte ${changed}`);
      }
    }
    // the same value in every position: vector lanes and the scalar tail give the same gradient bits
    for (const [p, y] of [[1, 0.5], [-3, 2], [0.1, 0.1], [0, -0.2]]) {
      const len = 7;
      const pp = guarded(arena, len, new Array(len).fill(p)), pt = guarded(arena, len, new Array(len).fill(y)), pg = guarded(arena, len);
      if (kind === 'mae') arena.k.mae_loss(pg, pp, pt, 1, len); else arena.k.huber_loss(pg, pp, pt, 1, len, delta);
      if (new Set(new Uint32Array(arena.k.memory.buffer, pg, len)).size !== 1) problems.push(`p ${p} y ${y}: lanes/tail ${Array.from(arena.f32(pg, len))}`);
    }
    expect(problems).toEqual([]);
  });

  it('weight_penalty: l1·Σ|w| + l2·Σw², and adds l1·sign(w) + 2·l2·w to dweight (sign(0) = 0), at every size', () => {
    const arena = new Arena(build);
    const problems: string[] = [];
    for (const len of [...SIZES, 1000]) {
      const w = Float32Array.from(randomArray(len, len, -1, 1));
      for (let i = 0; i < len; i += 5) w[i] = 0;
      const base = Float32Array.from(randomArray(len, len + 9, -0.1, 0.1));
      const pw = guarded(arena, len, w), pd = guarded(arena, len, base);
      const l1 = Math.fround(0.01), l2 = Math.fround(0.003);
      const got = arena.k.weight_penalty(pd, pw, len, l1, l2);
      let want = 0, scale = 0;
      for (const v of w) { want += l1 * Math.abs(v) + l2 * v * v; scale += l1 * Math.abs(v) + l2 * v * v; }
      if (!(Math.abs(got - want) <= 70 * ULP * scale + 1e-30)) problems.push(`len ${len}: penalty ${got}, want ${want}`);
      const l2x2 = Math.fround(l2 + l2);
      const dw = arena.f32(pd, len);
      for (let i = 0; i < len && problems.length < 6; i++) {
        const sign = w[i] === 0 ? 0 : Math.sign(w[i]);
        const wantG = Math.fround(base[i] + Math.fround(Math.fround(l1 * sign) + Math.fround(l2x2 * w[i])));
        if (dw[i] !== wantG) problems.push(`len ${len} dweight[${i}] ${dw[i]}, want ${wantG}`);
      }
      problems.push(...guardDamage(arena, pd, len, `len ${len} dweight`));
      if (arena.k.weight_penalty(0, pw, len, l1, l2) !== got) problems.push(`len ${len}: value-only pass differs`);
    }
    expect(problems).toEqual([]);
  });
});
