/**
 * The network driver of assembly/network.ts — network_forward, network_loss, network_backward,
 * network_update, network_train_step — on a plan written by `Network` (src/model/network.ts),
 * against the float64 reference network of test/reference.ts, on the release and the debug build.
 *
 * The net is 5 → 7 → 3 → 4 (odd sizes: every GEMM has tails), for every output activation × loss
 * pair the spec allows (mse with each output activation, softmax included; crossEntropy with
 * softmax; binaryCrossEntropy with sigmoid), each with a few hidden activation pairs so that every
 * activation also runs as a hidden layer (softmax included), at batch sizes 1, 5 and 17.
 * Checked: every layer's output A_i, the loss, every dW and db; rows past the batch and the
 * gradient block's alignment padding untouched; network_loss without the gradient writes nothing;
 * network_backward overwrites rather than accumulates. The reference's own gradients are checked
 * against central finite differences of the reference loss in float64, so the oracle is shown to be
 * right. A step on a batch that makes the loss or a gradient non-finite returns that non-finite
 * value and leaves the parameters, the optimizer state and the step count as they were.
 *
 * Tolerances: the float32 forward pass has a few roundings per layer on values of order 1, so
 * outputs and loss agree to 2e-6 relative (+2e-6 absolute); each gradient is compared relative to
 * max(|g|, 0.1·max|g| of its layer) with 1e-5 (sums over the batch cancel, so small entries carry
 * an absolute error of the order of the layer's largest; the worst seen is 1e-6).
 */
import { describe, expect, it } from 'vitest';
import { Network } from '../../src/model/network.js';
import { resolveSpec, type ActivationName, type LossName, type OptimizerSpec } from '../../src/model/spec.js';
import { BUILDS, instantiate, type Build } from '../helpers/wasm.js';
import {
  randomArray, referenceForward, referenceGradients, referenceLoss, type ReferenceLayer,
} from '../reference.js';

const SHAPE = [5, 7, 3, 4];
const BATCHES = [1, 5, 17];
const LEAKY_ALPHA = 0.2;

const PAIRS: [ActivationName, LossName][] = [
  ['linear', 'mse'], ['relu', 'mse'], ['leakyRelu', 'mse'], ['sigmoid', 'mse'], ['tanh', 'mse'], ['softmax', 'mse'],
  ['softmax', 'crossEntropy'], ['sigmoid', 'binaryCrossEntropy'],
  ['elu', 'mse'], ['selu', 'huber'], ['gelu', 'mae'], ['softplus', 'huber'], ['swish', 'mse'], ['softsign', 'mae'],
  ['linear', 'mae'], ['tanh', 'huber'],
];
const HIDDEN: [ActivationName, ActivationName][] = [
  ['tanh', 'relu'], ['sigmoid', 'leakyRelu'], ['relu', 'softmax'], ['leakyRelu', 'tanh'], ['linear', 'sigmoid'], ['softmax', 'linear'],
  ['gelu', 'elu'], ['swish', 'selu'], ['softplus', 'softsign'], ['elu', 'gelu'], ['selu', 'swish'], ['softsign', 'softplus'],
];
/** huber's δ in these tests: small enough that both of its pieces are used. */
const DELTA = 0.3;
/** Each pair with three hidden pairs, rotating so that every hidden pair meets several losses. */
const CASES = PAIRS.flatMap(([out, loss], p) => [0, 2, 4].map((h) => {
  const [h0, h1] = HIDDEN[(p + h) % HIDDEN.length];
  return { name: `${h0} → ${h1} → ${out}, ${loss}`, activations: [h0, h1, out] as ActivationName[], loss };
}));

const PLAN_LAYER0 = 64, PLAN_LAYER_WORDS = 24, L_OUTPUT = 9, L_DOUTPUT = 10;
const H_STATE1 = 9, H_STATE2 = 10;
const SENTINEL = 0x7fc0dead;

interface Setup {
  net: Network;
  layers: ReferenceLayer[];
  x: Float64Array;
  y: Float64Array;
}

const ELU_ALPHA = 0.7;
const alphaOf = (a: ActivationName): number => (a === 'leakyRelu' ? LEAKY_ALPHA : a === 'elu' ? ELU_ALPHA : 0);

/** Random float32-representable weights for the activations, as float64 reference layers. */
function referenceLayers(activations: ActivationName[], seed: number, shape = SHAPE): ReferenceLayer[] {
  return activations.map((activation, i) => ({
    inputs: shape[i], units: shape[i + 1], activation, alpha: Math.fround(alphaOf(activation)),
    weight: Float64Array.from(new Float32Array(randomArray(shape[i] * shape[i + 1], seed + 2 * i, -0.9, 0.9))),
    bias: Float64Array.from(new Float32Array(randomArray(shape[i + 1], seed + 2 * i + 1, -0.3, 0.3))),
  }));
}

/** Targets the loss expects: one-hot rows for crossEntropy, 0/1 and soft values for BCE, reals for mse. */
function targets(loss: LossName, m: number, n: number, seed: number): Float64Array {
  const u = randomArray(m * n, seed, 0, 1);
  if (loss === 'mse' || loss === 'mae' || loss === 'huber') return Float64Array.from(new Float32Array(randomArray(m * n, seed, -1, 1)));
  if (loss === 'binaryCrossEntropy') return Float64Array.from(new Float32Array(u.map((v, i) => (i % 3 === 2 ? v : v < 0.5 ? 0 : 1))));
  const y = new Float64Array(m * n);
  for (let r = 0; r < m; r++) y[r * n + Math.floor(u[r] * n)] = 1;
  return y;
}

function build(kernels: Build, activations: ActivationName[], loss: LossName, m: number, seed: number,
  optimizer: OptimizerSpec = { type: 'sgd', learningRate: 0.1 }, shape = SHAPE): Setup {
  const spec = resolveSpec({
    inputs: shape[0],
    layers: activations.map((activation, i) => ({ units: shape[i + 1], activation, ...(alphaOf(activation) ? { alpha: alphaOf(activation) } : {}) })),
    loss: loss === 'huber' ? { type: 'huber', delta: DELTA } : loss, optimizer,
  });
  const net = new Network(instantiate(kernels), spec);
  net.ensureBatch(m);
  const layers = referenceLayers(activations, seed, shape);
  layers.forEach((l, i) => {
    net.ws.f32.set(l.weight, net.blocks[i].weight >> 2);
    net.ws.f32.set(l.bias, net.blocks[i].bias >> 2);
  });
  const x = Float64Array.from(new Float32Array(randomArray(m * shape[0], seed + 100, -1.5, 1.5)));
  const y = targets(loss, m, shape[shape.length - 1], seed + 101);
  net.ws.f32.set(x, net.inputBatch >> 2);
  net.ws.f32.set(y, net.targetBatch >> 2);
  return { net, layers, x, y };
}

const planWord = (net: Network, index: number): number => net.ws.i32[(net.plan >> 2) + index];
const layerWord = (net: Network, i: number, field: number): number => planWord(net, PLAN_LAYER0 + PLAN_LAYER_WORDS * i + field);

/** Readable mismatches of got against want, each relative to max(|want|, floor) with `rel`. */
function mismatches(label: string, got: ArrayLike<number>, want: ArrayLike<number>, rel: number, floor: number, cols: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < want.length && out.length < 4; i++) {
    const e = Math.abs(got[i] - want[i]) / Math.max(Math.abs(want[i]), floor);
    if (!(e <= rel)) out.push(`${label} [${Math.floor(i / cols)}, ${i % cols}]: got ${got[i]}, want ${want[i]} (error ${e.toExponential(2)} > ${rel.toExponential(1)})`);
  }
  return out;
}

function maxAbs(a: ArrayLike<number>): number {
  let mx = 0;
  for (let i = 0; i < a.length; i++) mx = Math.max(mx, Math.abs(a[i]));
  return mx;
}

const FORWARD_REL = 2e-6, FORWARD_ABS = 2e-6, GRADIENT_REL = 1e-5;

describe.each(BUILDS)('network driver (%s build)', (kernels) => {
  describe.each(CASES)('$name', ({ activations, loss }) => {
    it.each(BATCHES)('m = %i: forward outputs, loss, and every dW and db match the float64 reference', (m) => {
      const { net, layers, x, y } = build(kernels, activations, loss, m, 17 * m + activations.length);
      const k = net.k;
      const L = layers.length;
      // sentinels in the rows after the batch of every output / gradient buffer, and in the padding
      // of the gradient block
      const sentinels: [string, number, number][] = [];
      layers.forEach((l, i) => {
        sentinels.push([`A_${i} rows ≥ m`, layerWord(net, i, L_OUTPUT) + m * l.units * 4, 8 * l.units]);
        sentinels.push([`dA_${i} rows ≥ m`, layerWord(net, i, L_DOUTPUT) + m * l.units * 4, 8 * l.units]);
        const wEnd = net.blocks[i].dweight + l.inputs * l.units * 4, bEnd = net.blocks[i].dbias + l.units * 4;
        sentinels.push([`dW_${i} padding`, wEnd, (net.blocks[i].dbias - wEnd) / 4]);
        const next = i + 1 < L ? net.blocks[i + 1].dweight : net.grads + net.paramFloats * 4;
        sentinels.push([`db_${i} padding`, bEnd, (next - bEnd) / 4]);
      });
      for (const [, address, words] of sentinels) net.ws.i32.fill(SENTINEL | 0, address >> 2, (address >> 2) + words);

      const last = k.network_forward(net.plan, net.inputBatch, m, 1);
      expect(last, 'network_forward returns the last layer\'s output buffer').toBe(layerWord(net, L - 1, L_OUTPUT));
      const want = referenceForward(layers, x, m);
      const problems: string[] = [];
      layers.forEach((l, i) => {
        const got = net.ws.f32.subarray(layerWord(net, i, L_OUTPUT) >> 2, (layerWord(net, i, L_OUTPUT) >> 2) + m * l.units);
        problems.push(...mismatches(`A_${i} (${l.activation})`, got, want[i], FORWARD_REL, FORWARD_ABS / FORWARD_REL, l.units));
      });
      expect(problems).toEqual([]);

      const wantLoss = referenceLoss(loss, want[L - 1], y, m, DELTA);
      const gotLoss = k.network_loss(net.plan, net.targetBatch, m, 1);
      expect(Math.abs(gotLoss - wantLoss), `loss ${gotLoss}, want ${wantLoss}`).toBeLessThanOrEqual(FORWARD_REL * Math.abs(wantLoss) + FORWARD_ABS);

      k.network_backward(net.plan, net.inputBatch, m);
      const grads = referenceGradients(layers, loss, x, y, m, DELTA);
      layers.forEach((l, i) => {
        const dW = net.ws.f32.subarray(net.blocks[i].dweight >> 2, (net.blocks[i].dweight >> 2) + l.inputs * l.units);
        const db = net.ws.f32.subarray(net.blocks[i].dbias >> 2, (net.blocks[i].dbias >> 2) + l.units);
        const scale = 0.1 * Math.max(maxAbs(grads[i].weight), maxAbs(grads[i].bias), 1e-6);
        problems.push(...mismatches(`dW_${i}`, dW, grads[i].weight, GRADIENT_REL, scale, l.units));
        problems.push(...mismatches(`db_${i}`, db, grads[i].bias, GRADIENT_REL, scale, l.units));
      });
      for (const [what, address, words] of sentinels) {
        const bad = net.ws.i32.subarray(address >> 2, (address >> 2) + words).findIndex((w) => w !== (SENTINEL | 0));
        if (bad >= 0) problems.push(`${what}: word ${bad} overwritten`);
      }
      expect(problems).toEqual([]);
    });
  });

  it('network_loss without the gradient writes nothing and returns the same loss', () => {
    for (const [out, loss] of PAIRS) {
      const { net } = build(kernels, ['tanh', 'relu', out], loss, 5, 3);
      net.k.network_forward(net.plan, net.inputBatch, 5, 1);
      const before = new Uint8Array(net.k.memory.buffer).slice();
      const a = net.k.network_loss(net.plan, net.targetBatch, 5, 0);
      const after = new Uint8Array(net.k.memory.buffer);
      const changed = after.findIndex((b, i) => b !== before[i]);
      expect(changed, `${out}/${loss}: byte ${changed} written by network_loss(…, 0)`).toBe(-1);
      expect(net.k.network_loss(net.plan, net.targetBatch, 5, 1), `${out}/${loss}: loss with the gradient`).toBe(a);
    }
  });

  it('network_backward overwrites the gradient block: twice in a row gives the same gradients', () => {
    for (const [out, loss] of PAIRS) {
      const m = 5;
      const { net } = build(kernels, ['sigmoid', 'leakyRelu', out], loss, m, 9);
      const k = net.k;
      k.network_forward(net.plan, net.inputBatch, m, 1);
      k.network_loss(net.plan, net.targetBatch, m, 1);
      k.network_backward(net.plan, net.inputBatch, m);
      const first = net.ws.f32.slice(net.grads >> 2, (net.grads >> 2) + net.paramFloats);
      k.network_forward(net.plan, net.inputBatch, m, 1);
      k.network_loss(net.plan, net.targetBatch, m, 1);
      k.network_backward(net.plan, net.inputBatch, m);
      const second = net.ws.f32.slice(net.grads >> 2, (net.grads >> 2) + net.paramFloats);
      const i = second.findIndex((v, j) => !Object.is(v, first[j]));
      expect(i, `${out}/${loss}: gradient word ${i} is ${second[i]} the second time, ${first[i]} the first`).toBe(-1);
      expect(first.some((v) => v !== 0), `${out}/${loss}: gradients are not all zero`).toBe(true);
    }
  });

  describe('network_train_step', () => {
    /** Parameters, optimizer state and step count: everything a step may change. */
    function snapshot(net: Network): { params: Float32Array; state1: Float32Array; state2: Float32Array; step: number } {
      const s1 = planWord(net, H_STATE1), s2 = planWord(net, H_STATE2);
      const block = (address: number): Float32Array => (address ? net.ws.f32.slice(address >> 2, (address >> 2) + net.paramFloats) : new Float32Array(0));
      return { params: block(net.params), state1: block(s1), state2: block(s2), step: net.step };
    }

    function sameBits(a: Float32Array, b: Float32Array): number {
      const wa = new Uint32Array(a.buffer, a.byteOffset, a.length), wb = new Uint32Array(b.buffer, b.byteOffset, b.length);
      return wa.findIndex((w, i) => w !== wb[i]);
    }

    const optimizers: OptimizerSpec[] = [
      { type: 'sgd', learningRate: 0.1 },
      { type: 'momentum', learningRate: 0.05, momentum: 0.9, nesterov: true },
      { type: 'adam', learningRate: 0.01 },
    ];
    const spoilers: { name: string; spoil: (s: Setup, m: number) => void }[] = [
      { name: 'NaN in the input (tail of the last row)', spoil: (s, m) => { s.net.ws.f32[(s.net.inputBatch >> 2) + m * SHAPE[0] - 1] = NaN; } },
      { name: '+Infinity in the input (first value)', spoil: (s) => { s.net.ws.f32[s.net.inputBatch >> 2] = Infinity; } },
      { name: 'NaN in the target', spoil: (s) => { s.net.ws.f32[(s.net.targetBatch >> 2) + 2] = NaN; } },
      { name: 'a finite input of 3e38 that overflows the first layer', spoil: (s) => { s.net.ws.f32.fill(3e38, s.net.inputBatch >> 2, (s.net.inputBatch >> 2) + SHAPE[0]); } },
    ];

    it.each(optimizers.flatMap((optimizer) => spoilers.map((spoiler) => ({ name: `${optimizer.type}, ${spoiler.name}`, optimizer, spoiler }))))(
      '$name: the step returns non-finite and changes nothing', ({ optimizer, spoiler }) => {
        const m = 6;
        const setup = build(kernels, ['linear', 'tanh', 'softmax'], 'crossEntropy', m, 5, optimizer);
        const { net } = setup;
        // a good step first, so that the optimizer state is not all zero
        const good = net.k.network_train_step(net.plan, m);
        expect(Number.isFinite(good), `good step loss ${good}`).toBe(true);
        const before = snapshot(net);
        expect(before.step).toBe(1);
        spoiler.spoil(setup, m);
        const loss = net.k.network_train_step(net.plan, m);
        expect(Number.isFinite(loss), `${spoiler.name}: loss ${loss}`).toBe(false);
        const after = snapshot(net);
        expect(after.step, `${spoiler.name}: step count`).toBe(1);
        expect(sameBits(after.params, before.params), `${spoiler.name}: first parameter word changed`).toBe(-1);
        expect(sameBits(after.state1, before.state1), `${spoiler.name}: first optimizer state 1 word changed`).toBe(-1);
        expect(sameBits(after.state2, before.state2), `${spoiler.name}: first optimizer state 2 word changed`).toBe(-1);
      });

    it('a finite loss with an overflowing gradient is refused (status 2) and changes nothing', () => {
      // 1 → 1 linear, mse: x = 3e38, w = 1e-38 gives ŷ = 3, a finite loss of 4.5, and dW = x·ŷ = 9e38 = ∞
      const setup = build(kernels, ['linear'], 'mse', 1, 1, { type: 'adam', learningRate: 0.01 }, [1, 1]);
      const { net } = setup;
      net.ws.f32[net.blocks[0].weight >> 2] = 1e-38;
      net.ws.f32[net.blocks[0].bias >> 2] = 0;
      net.ws.f32[net.inputBatch >> 2] = 3e38;
      net.ws.f32[net.targetBatch >> 2] = 0;
      const before = snapshot(net);
      const loss = net.k.network_train_step(net.plan, 1);
      expect(loss, 'the step reports the (finite) loss').toBeCloseTo(4.5, 5);
      expect(net.status, 'the plan says a gradient was not finite').toBe('gradient');
      const after = snapshot(net);
      expect(after.step).toBe(0);
      expect(sameBits(after.params, before.params), 'parameters changed').toBe(-1);
      expect(sameBits(after.state1, before.state1), 'first moment changed').toBe(-1);
      expect(sameBits(after.state2, before.state2), 'second moment changed').toBe(-1);
    });

    it('a step that would move a weight by more than 1e30 is refused (status 3) and changes nothing', () => {
      // 1 → 1 linear, mse, sgd with lr 1e6: x = 1e17, w = 1e-17 gives ŷ = 1, dW = 1e17, lr·dW = 1e23
      // (allowed); with x = 1e13 · 1e13 the product overflows the limit
      const setup = build(kernels, ['linear'], 'mse', 1, 1, { type: 'sgd', learningRate: 1e6 }, [1, 1]);
      const { net } = setup;
      net.ws.f32[net.blocks[0].weight >> 2] = 1e-30;
      net.ws.f32[net.blocks[0].bias >> 2] = 0;
      net.ws.f32[net.inputBatch >> 2] = 1e30;
      net.ws.f32[net.targetBatch >> 2] = 0;
      const before = snapshot(net);
      net.k.network_train_step(net.plan, 1);
      expect(net.status).toBe('tooLarge');
      expect(sameBits(snapshot(net).params, before.params), 'parameters changed').toBe(-1);
      net.ws.f32[net.inputBatch >> 2] = 1e3;
      net.k.network_train_step(net.plan, 1);
      expect(net.status).toBe('ok');
    });

    it('two good steps with weight decay move the parameters as the float64 formulas say (sgd, nesterov, adamw)', () => {
      const cases: OptimizerSpec[] = [
        { type: 'sgd', learningRate: 0.1, weightDecay: 0.01 },
        { type: 'momentum', learningRate: 0.05, momentum: 0.9, nesterov: true, weightDecay: 0.01 },
        { type: 'adam', learningRate: 0.01, beta1: 0.8, beta2: 0.9, epsilon: 1e-6, weightDecay: 0.01 },
      ];
      for (const o of cases) {
        const m = 5;
        const { net, layers, x, y } = build(kernels, ['relu', 'sigmoid', 'softmax'], 'crossEntropy', m, 8, o);
        const f = Math.fround;
        const lr = f(o.learningRate!), wd = f(o.weightDecay!), mu = f(o.momentum ?? 0.9);
        const b1 = f(o.beta1 ?? 0.9), b2 = f(o.beta2 ?? 0.999), eps = f(o.epsilon ?? 1e-7);
        const state = layers.map((l) => ({ w1: new Float64Array(l.weight.length), w2: new Float64Array(l.weight.length), b1: new Float64Array(l.units), b2: new Float64Array(l.units) }));
        for (let t = 1; t <= 2; t++) {
          const grads = referenceGradients(layers, 'crossEntropy', x, y, m);
          const loss = net.k.network_train_step(net.plan, m);
          expect(loss).toBeCloseTo(referenceLoss('crossEntropy', referenceForward(layers, x, m)[2], y, m), 5);
          layers.forEach((l, i) => {
            for (const [p, g, s1, s2] of [[l.weight, grads[i].weight, state[i].w1, state[i].w2], [l.bias, grads[i].bias, state[i].b1, state[i].b2]]) {
              for (let j = 0; j < p.length; j++) {
                if (o.type === 'sgd') p[j] -= lr * (g[j] + wd * p[j]);
                else if (o.type === 'momentum') {
                  const step = lr * (g[j] + wd * p[j]);
                  s1[j] = mu * s1[j] - step;
                  p[j] += mu * s1[j] - step;
                } else {
                  s1[j] = b1 * s1[j] + (1 - b1) * g[j];
                  s2[j] = b2 * s2[j] + (1 - b2) * g[j] * g[j];
                  p[j] -= lr * ((s1[j] / (1 - b1 ** t)) / (Math.sqrt(s2[j] / (1 - b2 ** t)) + eps) + wd * p[j]);
                }
              }
            }
          });
          expect(net.step).toBe(t);
          const problems: string[] = [];
          layers.forEach((l, i) => {
            const w = net.ws.f32.subarray(net.blocks[i].weight >> 2, (net.blocks[i].weight >> 2) + l.weight.length);
            const b = net.ws.f32.subarray(net.blocks[i].bias >> 2, (net.blocks[i].bias >> 2) + l.units);
            problems.push(...mismatches(`${o.type} step ${t} W_${i}`, w, l.weight, 2e-6, 1e-1, l.units));
            problems.push(...mismatches(`${o.type} step ${t} b_${i}`, b, l.bias, 2e-6, 1e-1, l.units));
          });
          expect(problems).toEqual([]);
        }
      }
    });
  });
});

describe('the float64 reference network agrees with central finite differences of its own loss', () => {
  it.each(CASES)('$name', ({ activations, loss }) => {
    const m = 5;
    const layers = referenceLayers(activations, 23);
    const x = Float64Array.from(randomArray(m * SHAPE[0], 24, -1.5, 1.5));
    const y = targets(loss, m, SHAPE[3], 25);
    const lossAt = (): number => referenceLoss(loss, referenceForward(layers, x, m)[layers.length - 1], y, m, DELTA);
    const analytic = referenceGradients(layers, loss, x, y, m, DELTA);
    const h = 1e-6;
    const problems: string[] = [];
    layers.forEach((l, i) => {
      for (const key of ['weight', 'bias'] as const) {
        const params = l[key];
        const numeric = new Float64Array(params.length);
        for (let j = 0; j < params.length; j++) {
          const saved = params[j];
          params[j] = saved + h; const up = lossAt();
          params[j] = saved - h; const down = lossAt();
          params[j] = saved;
          numeric[j] = (up - down) / (2 * h);
        }
        // O(h²) truncation and 1e-16/h rounding: 1e-7 of the largest gradient covers both
        const scale = Math.max(maxAbs(analytic[i].weight), maxAbs(analytic[i].bias));
        problems.push(...mismatches(`${key} ${i}`, analytic[i][key], numeric, 1e-5, 1e-2 * scale, l.units));
      }
    });
    expect(problems).toEqual([]);
  });
});
