/**
 * sgd_update, momentum_update (classical and Nesterov) and adam_update of assembly/optimizer.ts
 * against float64 versions of the formulas in that file's header, on the release and the debug
 * build, over lengths around the 4-wide tile (vector loop, then scalar tail) and several steps.
 *
 * Two checks per step:
 *   - one step: the float64 formula applied to the kernel's own float32 state before the step
 *     must give the kernel's state after it within 8·2⁻²⁴ of the magnitudes involved (each
 *     update is a handful of float32 roundings), which pins every term of the formula;
 *   - the whole run: a float64 optimizer started from the same values and fed the same gradients
 *     stays within 2e-6 of the kernel after 5 steps (the float32 state does not drift).
 * Hyper-parameters are taken as the float32 values the kernel receives (β = fround(0.9), …);
 * Adam's bias corrections c1 = 1/(1 − β1ᵗ), c2 = 1/(1 − β2ᵗ) are computed as the driver does.
 */
import { describe, expect, it } from 'vitest';
import { Arena, BUILDS } from '../helpers/wasm.js';
import { atMemoryEnd, guardDamage, guarded } from '../helpers/guards.js';
import { randomArray, referenceOptimizerFlat, type ReferenceOptimizer } from '../reference.js';
import { Network } from '../../src/model/network.js';
import { resolveSpec, type OptimizerSpec } from '../../src/model/spec.js';
import { instantiate } from '../helpers/wasm.js';

const SIZES = [1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 33, 63, 64, 65, 127, 129, 1000];
const STEPS = 5;
const ULP = 2 ** -24;
const f = Math.fround;

interface Hyper {
  name: string;
  type: 'sgd' | 'momentum' | 'adam';
  lr: number;
  weightDecay: number;
  momentum?: number;
  nesterov?: boolean;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
}

const CASES: Hyper[] = [
  { name: 'sgd', type: 'sgd', lr: 0.1, weightDecay: 0 },
  { name: 'sgd, weight decay 0.01', type: 'sgd', lr: 0.1, weightDecay: 0.01 },
  { name: 'momentum 0.9', type: 'momentum', lr: 0.05, momentum: 0.9, nesterov: false, weightDecay: 0 },
  { name: 'momentum 0.9, weight decay 0.05', type: 'momentum', lr: 0.05, momentum: 0.9, nesterov: false, weightDecay: 0.05 },
  { name: 'nesterov 0.9', type: 'momentum', lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 0 },
  { name: 'nesterov 0.8, weight decay 0.05', type: 'momentum', lr: 0.05, momentum: 0.8, nesterov: true, weightDecay: 0.05 },
  { name: 'adam', type: 'adam', lr: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, weightDecay: 0 },
  { name: 'adamw, weight decay 0.1', type: 'adam', lr: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, weightDecay: 0.1 },
  { name: 'adam β 0.5/0.6, ε 1e-3', type: 'adam', lr: 0.03, beta1: 0.5, beta2: 0.6, epsilon: 1e-3, weightDecay: 0 },
];

/** Optimizer state in float64: params, velocity or first moment, second moment. */
interface State { p: Float64Array; s1: Float64Array; s2: Float64Array }

/** Adam's bias corrections for step t, as network_update computes them from the float32 β. */
function corrections(h: Hyper, t: number): [number, number] {
  return [1 / (1 - f(h.beta1!) ** t), 1 / (1 - f(h.beta2!) ** t)];
}

/**
 * One step of the header's formulas in float64, in place. Returns, per element, the magnitudes
 * the float32 roundings scale with: [param, s1, s2].
 */
function step64(h: Hyper, st: State, g: ArrayLike<number>, t: number): [Float64Array, Float64Array, Float64Array] {
  const lr = f(h.lr), wd = f(h.weightDecay);
  const len = g.length;
  const scale = [new Float64Array(len), new Float64Array(len), new Float64Array(len)] as [Float64Array, Float64Array, Float64Array];
  for (let i = 0; i < len; i++) {
    const p = st.p[i], gi = g[i];
    if (h.type === 'sgd') {
      const step = lr * (gi + wd * p);
      st.p[i] = p - step;
      scale[0][i] = Math.abs(p) + lr * (Math.abs(gi) + wd * Math.abs(p));
    } else if (h.type === 'momentum') {
      const mu = f(h.momentum!);
      const step = lr * (gi + wd * p);
      const v = mu * st.s1[i] - step;
      const sv = mu * Math.abs(st.s1[i]) + lr * (Math.abs(gi) + wd * Math.abs(p));
      st.s1[i] = v;
      st.p[i] = p + (h.nesterov ? mu * v - step : v);
      scale[1][i] = sv;
      scale[0][i] = Math.abs(p) + (h.nesterov ? 2 * sv : sv);
    } else {
      const b1 = f(h.beta1!), b2 = f(h.beta2!), eps = f(h.epsilon!);
      const [c1, c2] = corrections(h, t);
      const m = b1 * st.s1[i] + (1 - b1) * gi;
      const v = b2 * st.s2[i] + (1 - b2) * gi * gi;
      scale[1][i] = b1 * Math.abs(st.s1[i]) + (1 - b1) * Math.abs(gi);
      scale[2][i] = b2 * st.s2[i] + (1 - b2) * gi * gi;
      st.s1[i] = m;
      st.s2[i] = v;
      const ratio = (m * c1) / (Math.sqrt(v * c2) + eps);
      st.p[i] = p - lr * (ratio + wd * p);
      // the ratio inherits the relative error of m (scale/|m|) and half that of v
      const ratioError = Math.abs(ratio) * (4 + (m === 0 ? 0 : scale[1][i] / Math.abs(m)) + 1);
      scale[0][i] = Math.abs(p) + lr * (ratioError + wd * Math.abs(p));
    }
  }
  return scale;
}

function mismatches(label: string, got: ArrayLike<number>, want: ArrayLike<number>, scale: ArrayLike<number>,
  rel: number, context: (i: number) => string): string[] {
  const out: string[] = [];
  for (let i = 0; i < want.length && out.length < 4; i++) {
    const tol = rel * (scale[i] + Math.abs(want[i])) + 1e-30;
    if (!(Math.abs(got[i] - want[i]) <= tol)) {
      out.push(`${label} [${i}]: got ${got[i]}, want ${want[i]} (|diff| ${Math.abs(got[i] - want[i]).toExponential(2)} > ${tol.toExponential(2)}); ${context(i)}`);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Data: parameters around ±1 with exact zeros; gradients of mixed magnitude with exact zeros.

function initialParams(len: number, seed: number): Float32Array {
  const p = Float32Array.from(randomArray(len, seed, -1.5, 1.5));
  for (let i = 3; i < len; i += 7) p[i] = 0;
  return p;
}

function gradient(len: number, seed: number): Float32Array {
  const g = Float32Array.from(randomArray(len, seed, -1, 1));
  const mag = randomArray(len, seed + 1, -3, 0);
  for (let i = 0; i < len; i++) g[i] *= 10 ** mag[i];
  for (let i = 5; i < len; i += 11) g[i] = 0;
  return g;
}

interface Buffers { param: number; grad: number; s1: number; s2: number }

function callKernel(arena: Arena, h: Hyper, b: Buffers, len: number, t: number): void {
  const k = arena.k;
  // gradient scale 1 and clip +∞: clipping off (it is tested below and in test/model)
  if (h.type === 'sgd') k.sgd_update(b.param, b.grad, len, h.lr, h.weightDecay, 1, Infinity);
  else if (h.type === 'momentum') k.momentum_update(b.param, b.grad, b.s1, len, h.lr, h.momentum!, h.nesterov ? 1 : 0, h.weightDecay, 1, Infinity);
  else {
    const [c1, c2] = corrections(h, t);
    k.adam_update(b.param, b.grad, b.s1, b.s2, len, h.lr, h.beta1!, h.beta2!, h.epsilon!, c1, c2, h.weightDecay, 1, Infinity);
  }
}

describe.each(BUILDS)('optimizer kernels (%s build)', (build) => {
  describe.each(CASES)('$name', (h) => {
    const stateBuffers = h.type === 'adam' ? 2 : h.type === 'momentum' ? 1 : 0;

    it(`${STEPS} steps match the float64 formulas step by step and over the run, at every length; guards untouched`, () => {
      const arena = new Arena(build);
      const problems: string[] = [];
      for (const len of SIZES) {
        const p0 = initialParams(len, len);
        const b: Buffers = {
          param: guarded(arena, len, p0), grad: guarded(arena, len),
          s1: guarded(arena, len, new Float32Array(len)), s2: guarded(arena, len, new Float32Array(len)),
        };
        const run: State = { p: Float64Array.from(p0), s1: new Float64Array(len), s2: new Float64Array(len) };
        for (let t = 1; t <= STEPS; t++) {
          const g = gradient(len, 100 * len + t);
          arena.f32(b.grad, len).set(g);
          const before: State = {
            p: Float64Array.from(arena.f32(b.param, len)), s1: Float64Array.from(arena.f32(b.s1, len)),
            s2: Float64Array.from(arena.f32(b.s2, len)),
          };
          const [sp, s1, s2] = step64(h, before, g, t);
          step64(h, run, g, t);
          callKernel(arena, h, b, len, t);
          const label = `len ${len} step ${t}`;
          const ctx = (i: number): string => `grad ${g[i]}`;
          problems.push(...mismatches(`${label} param`, arena.f32(b.param, len), before.p, sp, 8 * ULP, ctx));
          if (stateBuffers >= 1) problems.push(...mismatches(`${label} ${h.type === 'adam' ? 'moment1' : 'velocity'}`, arena.f32(b.s1, len), before.s1, s1, 8 * ULP, ctx));
          if (stateBuffers >= 2) problems.push(...mismatches(`${label} moment2`, arena.f32(b.s2, len), before.s2, s2, 8 * ULP, ctx));
          if (!arena.f32(b.grad, len).every((v, i) => Object.is(v, g[i]))) problems.push(`${label}: grad modified`);
        }
        const runScale = new Float64Array(len).fill(1);
        problems.push(...mismatches(`len ${len} after ${STEPS} steps, param vs the float64 run`, arena.f32(b.param, len), run.p, runScale, 2e-6, () => ''));
        if (stateBuffers >= 1) problems.push(...mismatches(`len ${len} after ${STEPS} steps, state 1 vs the float64 run`, arena.f32(b.s1, len), run.s1, runScale.map(() => 0.1), 2e-6, () => ''));
        if (stateBuffers >= 2) problems.push(...mismatches(`len ${len} after ${STEPS} steps, state 2 vs the float64 run`, arena.f32(b.s2, len), run.s2, runScale.map(() => 1e-3), 2e-6, () => ''));
        for (const [name, address] of Object.entries(b)) problems.push(...guardDamage(arena, address, len, `len ${len} ${name}`));
        if (stateBuffers < 2 && !arena.f32(b.s2, len).every((v) => Object.is(v, 0))) problems.push(`len ${len}: unused moment2 written`);
        if (stateBuffers < 1 && !arena.f32(b.s1, len).every((v) => Object.is(v, 0))) problems.push(`len ${len}: unused state written`);
      }
      expect(problems).toEqual([]);
    });

    it('vector lanes and the scalar tail agree bit for bit (same values in every position)', () => {
      const arena = new Arena(build);
      const problems: string[] = [];
      const len = 7; // 0–3 vector, 4–6 scalar
      for (const [p, g] of [[1, 0.5], [-0.75, 1e-3], [0, -0.2], [0.3, 0]]) {
        const b: Buffers = {
          param: arena.put(new Array(len).fill(p)), grad: arena.put(new Array(len).fill(g)),
          s1: arena.put(new Array(len).fill(0)), s2: arena.put(new Array(len).fill(0)),
        };
        for (let t = 1; t <= 3; t++) callKernel(arena, h, b, len, t);
        for (const [name, address] of Object.entries(b)) {
          const words = new Set(new Uint32Array(arena.k.memory.buffer, address, len));
          if (words.size !== 1) problems.push(`p ${p} g ${g}: ${name} = ${Array.from(arena.f32(address, len))}`);
        }
      }
      expect(problems).toEqual([]);
    });

    it('reads and writes nothing past the end of any of its buffers (each placed at the end of memory)', () => {
      const names = ['param', 'grad', 's1', 's2'].slice(0, 2 + stateBuffers) as (keyof Buffers)[];
      for (const len of [1, 2, 3, 5, 7, 9, 17, 33]) {
        for (const last of names) {
          const arena = new Arena(build);
          const p0 = initialParams(len, 3 * len), g = gradient(len, 5 * len);
          const values: Record<keyof Buffers, Float32Array> = { param: p0, grad: g, s1: new Float32Array(len), s2: new Float32Array(len) };
          const b = { param: 0, grad: 0, s1: 0, s2: 0 } as Buffers;
          for (const name of ['param', 'grad', 's1', 's2'] as const) if (name !== last) b[name] = guarded(arena, len, values[name]);
          b[last] = atMemoryEnd(arena, values[last]);
          callKernel(arena, h, b, len, 1);
          const want: State = { p: Float64Array.from(p0), s1: new Float64Array(len), s2: new Float64Array(len) };
          const [sp] = step64(h, want, g, 1);
          expect(mismatches(`len ${len}, ${last} at the end`, arena.f32(b.param, len), want.p, sp, 8 * ULP, (i) => `grad ${g[i]}`)).toEqual([]);
        }
      }
    });

    it('length 0 writes nothing', () => {
      const arena = new Arena(build);
      const b: Buffers = { param: guarded(arena, 0), grad: guarded(arena, 0), s1: guarded(arena, 0), s2: guarded(arena, 0) };
      callKernel(arena, h, b, 0, 1);
      expect(Object.entries(b).flatMap(([name, address]) => guardDamage(arena, address, 0, name))).toEqual([]);
    });
  });

  it('adam: the first step moves every parameter with a nonzero gradient by about lr (bias correction at work)', () => {
    // m̂ = g, v̂ = g² at t = 1, so the step is lr·g/(|g| + ε) ≈ ±lr whatever |g| is
    const arena = new Arena(build);
    const len = 9;
    const g = Float32Array.from([1, -1e-3, 0.5, -0.25, 1e-2, 3, -7, 0.1, -0.01]);
    const b: Buffers = { param: arena.put(new Float32Array(len)), grad: arena.put(g), s1: arena.put(new Float32Array(len)), s2: arena.put(new Float32Array(len)) };
    const h = CASES.find((c) => c.name === 'adam')!;
    callKernel(arena, h, b, len, 1);
    const p = Array.from(arena.f32(b.param, len));
    p.forEach((v, i) => expect(v, `param ${i} after one step with grad ${g[i]}`).toBeCloseTo(-Math.sign(g[i]) * 0.01, 4));
  });
});

// ---------------------------------------------------------------------------------------------
// Every optimizer through the driver's network_update (which computes the bias corrections and
// nadam's momentum schedule) against Keras 3's formulas in float64 (test/reference.ts), five
// steps, 1e-5 relative. The reference gets the float32 values of the hyper-parameters, as the
// kernels do (1 − β2 of fround(0.999) differs from 0.001 by 1.3e-5 relative).

const KERAS_CASES: OptimizerSpec[] = [
  { type: 'sgd', learningRate: 0.1 },
  { type: 'sgd', learningRate: 0.1, weightDecay: 0.02 },
  { type: 'momentum', learningRate: 0.05 },
  { type: 'momentum', learningRate: 0.05, nesterov: true, weightDecay: 0.01 },
  { type: 'adam' },
  { type: 'adam', learningRate: 0.01, beta1: 0.8, beta2: 0.95, epsilon: 1e-4 },
  { type: 'adamw' },
  { type: 'adamw', learningRate: 0.01, weightDecay: 0.1 },
  { type: 'rmsprop' },
  { type: 'rmsprop', learningRate: 0.01, rho: 0.8, centered: true },
  { type: 'rmsprop', learningRate: 0.01, momentum: 0.9 },
  { type: 'rmsprop', learningRate: 0.01, momentum: 0.5, centered: true, epsilon: 1e-3 },
  { type: 'adagrad' },
  { type: 'adagrad', learningRate: 0.1, initialAccumulatorValue: 0.5 },
  { type: 'adamax' },
  { type: 'adamax', learningRate: 0.02, beta1: 0.7, beta2: 0.9 },
  { type: 'nadam' },
  { type: 'nadam', learningRate: 0.01, beta1: 0.8, beta2: 0.99, epsilon: 1e-5 },
];

describe.each(BUILDS)('network_update: five steps of every optimizer equal Keras 3 in float64 (%s build)', (build) => {
  it.each(KERAS_CASES)('%o', (o) => {
    const spec = resolveSpec({ inputs: 7, layers: [{ units: 9 }], loss: 'mse', optimizer: o, seed: 1 });
    const net = new Network(instantiate(build), spec);
    const len = net.paramFloats;
    const p0 = initialParams(len, 11);
    net.ws.f32.set(p0, net.params >> 2);
    const resolved = spec.optimizer as unknown as Record<string, unknown>;
    const o32 = Object.fromEntries(Object.entries(resolved).map(([key, v]) => [key, typeof v === 'number' ? f(v) : v])) as unknown as ReferenceOptimizer;
    const step = referenceOptimizerFlat(o32, [len]);
    const want = [Float64Array.from(p0)];
    for (let t = 1; t <= STEPS; t++) {
      const g = gradient(len, 40 + t);
      net.ws.f32.set(g, net.grads >> 2);
      net.k.network_update(net.plan);
      step(want, [Float64Array.from(g)]);
      const got = net.ws.f32.subarray(net.params >> 2, (net.params >> 2) + len);
      const problems = mismatches(`${o.type} step ${t}`, got, want[0], new Float64Array(len), 1e-5, (i) => `grad ${g[i]}`);
      expect(problems).toEqual([]);
    }
    expect(net.step).toBe(STEPS);
  });

  it('the gradient scale and clip values every kernel reads: ĝ = clamp(g·scale, −clip, clip)', () => {
    for (const type of ['sgd', 'momentum', 'adam', 'rmsprop', 'adagrad', 'adamax', 'nadam', 'adamw'] as const) {
      const spec = resolveSpec({ inputs: 3, layers: [{ units: 2 }], loss: 'mse', optimizer: { type, learningRate: 0.01 }, seed: 1 });
      const scale = f(0.37), clip = f(0.02);
      // the same model twice: one reads the raw gradient through scale and clip, one the clipped gradient
      const a = new Network(instantiate(build), spec), b = new Network(instantiate(build), spec);
      const len = a.paramFloats;
      const g = gradient(len, 3).map((v) => v * 20);
      const clipped = g.map((v) => Math.max(-clip, Math.min(clip, f(v * scale))));
      for (const [net, grads] of [[a, g], [b, clipped]] as const) {
        net.ws.f32.set(initialParams(len, 2), net.params >> 2);
        net.ws.f32.set(grads, net.grads >> 2);
      }
      const plan = a.plan >> 2;
      a.ws.f32[plan + 35] = scale; // H_GRAD_SCALE
      a.ws.f32[plan + 29] = clip; // H_CLIP_VALUE
      a.k.network_update(a.plan);
      b.k.network_update(b.plan);
      const pa = a.ws.f32.slice(a.params >> 2, (a.params >> 2) + len), pb = b.ws.f32.slice(b.params >> 2, (b.params >> 2) + len);
      expect(Array.from(pa), type).toEqual(Array.from(pb));
    }
  });

  it('gradient_summary: max |g| and Σ g² in float64, lanes and tail alike, any size', () => {
    const arena = new Arena(build);
    for (const len of SIZES) {
      const g = gradient(len, len + 7).map((v, i) => (i === len - 1 ? v * 1e20 : v));
      const pg = guarded(arena, len, g);
      const out = arena.alloc(4);
      arena.k.gradient_summary(out, pg, len);
      const [mx, sumSq] = new Float64Array(arena.k.memory.buffer, out, 2);
      let wantMax = 0, wantSum = 0;
      for (const v of g) { wantMax = Math.max(wantMax, Math.abs(v)); wantSum += v * v; }
      expect(mx).toBe(wantMax);
      expect(Math.abs(sumSq - wantSum) / wantSum).toBeLessThan(1e-14);
    }
  });
});
