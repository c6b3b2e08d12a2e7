/**
 * Float64 reference implementations: the oracle every kernel and the whole network are checked
 * against. Plain loops, written for obviousness, not speed. Matrices are row-major number arrays.
 */

/** out (m, n) = a (m, k) · b (k, n). */
export function matmul(a: ArrayLike<number>, b: ArrayLike<number>, m: number, k: number, n: number): Float64Array {
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++)
    for (let p = 0; p < k; p++) {
      const aip = a[i * k + p];
      for (let j = 0; j < n; j++) out[i * n + j] += aip * b[p * n + j];
    }
  return out;
}

/** The transpose of x (rows, cols). */
export function transpose(x: ArrayLike<number>, rows: number, cols: number): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = x[r * cols + c];
  return out;
}

export type ActivationName = 'linear' | 'relu' | 'leakyRelu' | 'sigmoid' | 'tanh' | 'softmax' | 'elu' | 'selu'
  | 'gelu' | 'softplus' | 'swish' | 'silu' | 'softsign';

/** Activations whose reference derivative needs z (the pre-activation) rather than y. */
export const FROM_INPUT: readonly ActivationName[] = ['elu', 'selu', 'gelu', 'softplus', 'swish', 'silu', 'softsign'];

const SELU_ALPHA = 1.6732632423543772848170429916717;
const SELU_SCALE = 1.0507009873554804934193349852946;

/**
 * erfc(x) in float64 for x ≥ 0: 1 − (the Maclaurin series of erf) below 2, the continued fraction
 * √π·e^{x²}·erfc(x) = 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + …)))) from 2 up (both good to ~1e-14).
 */
function erfcPositive(x: number): number {
  if (x < 2) {
    let term = x, sum = x;
    for (let n = 1; n < 80; n++) {
      term *= -x * x / n;
      sum += term / (2 * n + 1);
    }
    return 1 - (2 / Math.sqrt(Math.PI)) * sum;
  }
  let t = x;
  for (let k = 200; k >= 1; k--) t = x + (k / 2) / t;
  return Math.exp(-x * x) / Math.sqrt(Math.PI) / t;
}

/** erf(x) in float64. */
export function erf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  return x >= 0 ? 1 - erfcPositive(x) : erfcPositive(-x) - 1;
}

/** Φ(x), the standard normal distribution function, without cancellation in either tail. */
export function normalCdf(x: number): number {
  return x >= 0 ? 1 - 0.5 * erfcPositive(x / Math.SQRT2) : 0.5 * erfcPositive(-x / Math.SQRT2);
}

const sigmoid64 = (x: number): number => 1 / (1 + Math.exp(-x));

/** f(x) of one elementwise activation in float64. */
export function activate1(x: number, kind: ActivationName, alpha = kind === 'elu' ? 1 : 0.01): number {
  switch (kind) {
    case 'relu': return Math.max(x, 0);
    case 'leakyRelu': return x > 0 ? x : alpha * x;
    case 'sigmoid': return sigmoid64(x);
    case 'tanh': return Math.tanh(x);
    case 'elu': return x > 0 ? x : alpha * Math.expm1(x);
    case 'selu': return SELU_SCALE * (x > 0 ? x : SELU_ALPHA * Math.expm1(x));
    case 'gelu': return x * normalCdf(x);
    case 'softplus': return Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
    case 'swish': case 'silu': return x * sigmoid64(x);
    case 'softsign': return x / (1 + Math.abs(x));
    case 'linear': return x;
    default: throw new Error(`reference: no elementwise activation ${kind}`);
  }
}

/** f'(z) in float64, from z (every kind) — the independent oracle for the kernels' y or z forms. */
export function derivative1(z: number, kind: ActivationName, alpha = kind === 'elu' ? 1 : 0.01): number {
  switch (kind) {
    case 'relu': return z > 0 ? 1 : 0;
    case 'leakyRelu': return z > 0 ? 1 : alpha;
    case 'sigmoid': { const s = sigmoid64(z); return s * (1 - s); }
    case 'tanh': { const t = Math.tanh(z); return 1 - t * t; }
    case 'elu': return z > 0 ? 1 : alpha * Math.exp(z);
    case 'selu': return z > 0 ? SELU_SCALE : SELU_SCALE * SELU_ALPHA * Math.exp(z);
    case 'gelu': return normalCdf(z) + z * Math.exp(-0.5 * z * z) / Math.sqrt(2 * Math.PI);
    case 'softplus': return sigmoid64(z);
    case 'swish': case 'silu': { const s = sigmoid64(z); return s + z * s * (1 - s); }
    case 'softsign': return 1 / ((1 + Math.abs(z)) ** 2);
    case 'linear': return 1;
    default: throw new Error(`reference: no elementwise activation ${kind}`);
  }
}

/** f(z) elementwise (softmax is row-wise over n columns). */
export function activate(z: ArrayLike<number>, kind: ActivationName, n: number, alpha?: number): Float64Array {
  const out = Float64Array.from(z as ArrayLike<number>);
  if (kind === 'softmax') {
    for (let r = 0; r < out.length / n; r++) {
      let mx = -Infinity;
      for (let j = 0; j < n; j++) mx = Math.max(mx, out[r * n + j]);
      let sum = 0;
      for (let j = 0; j < n; j++) sum += (out[r * n + j] = Math.exp(out[r * n + j] - mx));
      for (let j = 0; j < n; j++) out[r * n + j] /= sum;
    }
    return out;
  }
  for (let i = 0; i < out.length; i++) out[i] = activate1(out[i], kind, alpha);
  return out;
}

/**
 * dL/dz from dL/dy, y = f(z) and z (softmax: the row Jacobian-vector product). The kinds of
 * FROM_INPUT need z; the others are computed from y as before.
 */
export function activateBackward(dy: ArrayLike<number>, y: ArrayLike<number>, kind: ActivationName, n: number,
  alpha?: number, z?: ArrayLike<number>): Float64Array {
  const out = new Float64Array(dy.length);
  if (kind === 'softmax') {
    for (let r = 0; r < dy.length / n; r++) {
      let dot = 0;
      for (let j = 0; j < n; j++) dot += dy[r * n + j] * y[r * n + j];
      for (let j = 0; j < n; j++) out[r * n + j] = y[r * n + j] * (dy[r * n + j] - dot);
    }
    return out;
  }
  if (FROM_INPUT.includes(kind)) {
    if (!z) throw new Error(`reference: the derivative of ${kind} needs z`);
    for (let i = 0; i < dy.length; i++) out[i] = dy[i] * derivative1(z[i], kind, alpha);
    return out;
  }
  const a = alpha ?? 0.01;
  for (let i = 0; i < dy.length; i++) {
    const d = dy[i];
    const v = y[i];
    out[i] = kind === 'relu' ? (v > 0 ? d : 0)
      : kind === 'leakyRelu' ? (v > 0 ? d : a * d)
        : kind === 'sigmoid' ? d * v * (1 - v)
          : kind === 'tanh' ? d * (1 - v * v)
            : d;
  }
  return out;
}

/** A deterministic pseudo-random generator for test data (mulberry32), uniform in [lo, hi). */
export function randomArray(length: number, seed: number, lo = -1, hi = 1): Float64Array {
  let s = seed >>> 0;
  const out = new Float64Array(length);
  for (let i = 0; i < length; i++) {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = lo + (hi - lo) * (((t ^ (t >>> 14)) >>> 0) / 4294967296);
  }
  return out;
}

/**
 * The largest error of `actual` against `expected`, each relative to max(|expected|, scale):
 * a relative error for large values and an absolute one (in units of `scale`) near zero.
 */
export function maxError(actual: ArrayLike<number>, expected: ArrayLike<number>, scale = 1): number {
  if (actual.length !== expected.length) throw new RangeError(`length ${actual.length} ≠ ${expected.length}`);
  let worst = 0;
  for (let i = 0; i < actual.length; i++) {
    const e = Math.abs(actual[i] - expected[i]) / Math.max(Math.abs(expected[i]), scale);
    if (!(e <= worst)) worst = Number.isNaN(e) ? Infinity : e;
  }
  return worst;
}

/**
 * One layer of the float64 reference network. Dense: W is (inputs × units) row-major, b (units).
 * Dropout: `mask` (m × units multipliers, 0 or 1/(1 − rate)) fixed by the test. Batch
 * normalization (training mode): `weight` is γ, `bias` is β, `epsilon`.
 */
export interface ReferenceLayer {
  type?: 'dense' | 'dropout' | 'batchNormalization';
  inputs: number;
  units: number;
  activation: ActivationName;
  alpha?: number;
  weight: Float64Array;
  bias: Float64Array;
  l1?: number;
  l2?: number;
  mask?: ArrayLike<number>;
  epsilon?: number;
}

export type ReferenceLoss = 'mse' | 'crossEntropy' | 'binaryCrossEntropy' | 'mae' | 'huber';

interface Trace { outs: Float64Array[]; zs: Float64Array[]; xhat: Float64Array[]; invStd: Float64Array[] }

function forwardTrace(layers: ReferenceLayer[], x: ArrayLike<number>, m: number): Trace {
  const trace: Trace = { outs: [], zs: [], xhat: [], invStd: [] };
  let prev: ArrayLike<number> = x;
  for (const l of layers) {
    const n = l.units;
    let z: Float64Array, a: Float64Array;
    const xhat = new Float64Array(m * n), invStd = new Float64Array(n);
    if (l.type === 'dropout') {
      z = Float64Array.from(prev);
      a = new Float64Array(m * n);
      for (let i = 0; i < m * n; i++) a[i] = prev[i] * l.mask![i];
    } else if (l.type === 'batchNormalization') {
      z = Float64Array.from(prev);
      a = new Float64Array(m * n);
      for (let j = 0; j < n; j++) {
        let mean = 0;
        for (let r = 0; r < m; r++) mean += prev[r * n + j];
        mean /= m;
        let v = 0;
        for (let r = 0; r < m; r++) v += (prev[r * n + j] - mean) ** 2;
        v /= m;
        invStd[j] = 1 / Math.sqrt(v + (l.epsilon ?? 1e-3));
        for (let r = 0; r < m; r++) {
          xhat[r * n + j] = (prev[r * n + j] - mean) * invStd[j];
          a[r * n + j] = l.weight[j] * xhat[r * n + j] + l.bias[j];
        }
      }
    } else {
      z = matmul(prev, l.weight, m, l.inputs, n);
      for (let r = 0; r < m; r++) for (let j = 0; j < n; j++) z[r * n + j] += l.bias[j];
      a = activate(z, l.activation, n, l.alpha);
    }
    trace.outs.push(a);
    trace.zs.push(z);
    trace.xhat.push(xhat);
    trace.invStd.push(invStd);
    prev = a;
  }
  return trace;
}

/** Forward pass (training mode); returns every layer's output A_i (A_-1 = x is not included). */
export function referenceForward(layers: ReferenceLayer[], x: ArrayLike<number>, m: number): Float64Array[] {
  return forwardTrace(layers, x, m).outs;
}

/** The batch-mean loss of predictions against targets (both m × n); `delta` for huber. */
export function referenceLoss(loss: ReferenceLoss, pred: ArrayLike<number>, target: ArrayLike<number>, m: number, delta = 1): number {
  let sum = 0;
  const eps = 1e-7;
  for (let i = 0; i < pred.length; i++) {
    const y = target[i];
    const d = pred[i] - y;
    if (loss === 'mse') sum += 0.5 * d ** 2;
    else if (loss === 'mae') sum += Math.abs(d);
    else if (loss === 'huber') sum += Math.abs(d) <= delta ? 0.5 * d * d : delta * (Math.abs(d) - 0.5 * delta);
    else if (loss === 'crossEntropy') sum -= y === 0 ? 0 : y * Math.log(Math.max(pred[i], eps));
    else {
      const p = Math.min(Math.max(pred[i], eps), 1 - eps);
      sum -= y * Math.log(p) + (1 - y) * Math.log(1 - p);
    }
  }
  return sum / m;
}

/** The layers' L1/L2 penalties: Σ l1·Σ|w| + l2·Σw² over dense weights. */
export function referencePenalty(layers: ReferenceLayer[]): number {
  let sum = 0;
  for (const l of layers) {
    if ((l.type ?? 'dense') !== 'dense') continue;
    for (const w of l.weight) sum += (l.l1 ?? 0) * Math.abs(w) + (l.l2 ?? 0) * w * w;
  }
  return sum;
}

/**
 * Gradients of the batch-mean loss (plus the penalties) with respect to every layer's W and b
 * (batch normalization: γ and β; dropout: empty), by backpropagation in float64.
 */
export function referenceGradients(layers: ReferenceLayer[], loss: ReferenceLoss, x: ArrayLike<number>,
  target: ArrayLike<number>, m: number, delta = 1): { weight: Float64Array; bias: Float64Array }[] {
  const { outs, zs, xhat, invStd } = forwardTrace(layers, x, m);
  const last = layers[layers.length - 1];
  const yhat = outs[outs.length - 1];
  const fused = (loss === 'crossEntropy' && last.activation === 'softmax') || (loss === 'binaryCrossEntropy' && last.activation === 'sigmoid');
  const diff = new Float64Array(yhat.length);
  for (let i = 0; i < yhat.length; i++) {
    const d = yhat[i] - target[i];
    diff[i] = (loss === 'mae' ? Math.sign(d) : loss === 'huber' ? Math.max(-delta, Math.min(delta, d)) : d) / m;
  }
  if (!fused && (loss === 'crossEntropy' || loss === 'binaryCrossEntropy')) throw new Error(`reference: loss ${loss} with ${last.activation} output is not supported`);
  // dA of the last layer, except for the fused pairs where it is already dZ
  let da: Float64Array = diff;
  const grads: { weight: Float64Array; bias: Float64Array }[] = new Array(layers.length);
  for (let i = layers.length - 1; i >= 0; i--) {
    const l = layers[i];
    const n = l.units;
    const prev = i > 0 ? outs[i - 1] : Float64Array.from(x as ArrayLike<number>);
    if (l.type === 'dropout') {
      grads[i] = { weight: new Float64Array(0), bias: new Float64Array(0) };
      const next = new Float64Array(m * n);
      for (let k = 0; k < m * n; k++) next[k] = da[k] * l.mask![k];
      da = next;
    } else if (l.type === 'batchNormalization') {
      const dgamma = new Float64Array(n), dbeta = new Float64Array(n);
      const next = new Float64Array(m * n);
      for (let j = 0; j < n; j++) {
        for (let r = 0; r < m; r++) {
          dbeta[j] += da[r * n + j];
          dgamma[j] += da[r * n + j] * xhat[i][r * n + j];
        }
        for (let r = 0; r < m; r++) {
          next[r * n + j] = (l.weight[j] * invStd[i][j] / m) * (m * da[r * n + j] - dbeta[j] - xhat[i][r * n + j] * dgamma[j]);
        }
      }
      grads[i] = { weight: dgamma, bias: dbeta };
      da = next;
    } else {
      const dz = i === layers.length - 1 && fused ? da : activateBackward(da, outs[i], l.activation, n, l.alpha, zs[i]);
      const weight = matmul(transpose(prev, m, l.inputs), dz, l.inputs, m, n);
      for (let k = 0; k < weight.length; k++) weight[k] += (l.l1 ?? 0) * Math.sign(l.weight[k]) + 2 * (l.l2 ?? 0) * l.weight[k];
      const bias = new Float64Array(n);
      for (let r = 0; r < m; r++) for (let j = 0; j < n; j++) bias[j] += dz[r * n + j];
      grads[i] = { weight, bias };
      da = matmul(dz, transpose(l.weight, l.inputs, n), m, n, l.inputs);
    }
  }
  return grads;
}

export interface ReferenceOptimizer {
  type: 'sgd' | 'momentum' | 'adam' | 'adamw' | 'rmsprop' | 'adagrad' | 'adamax' | 'nadam';
  learningRate: number;
  momentum?: number;
  nesterov?: boolean;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  weightDecay?: number;
  rho?: number;
  centered?: boolean;
  initialAccumulatorValue?: number;
  clipNorm?: number;
  clipValue?: number;
}

/**
 * A float64 optimizer over flat parameter arrays with Keras 3's formulas (keras/src/optimizers),
 * written from them independently of assembly/optimizer.ts. `step(params, grads)` updates the
 * params in place; gradients are clipped first (global norm, then value).
 */
export function referenceOptimizerFlat(o: ReferenceOptimizer, sizes: number[]) {
  const zeros = () => sizes.map((n) => new Float64Array(n));
  const s1 = zeros(), s2 = zeros(), s3 = zeros();
  if (o.type === 'adagrad') for (const a of s1) a.fill(o.initialAccumulatorValue ?? 0.1);
  let t = 0;
  let uProduct = 1;
  return (params: Float64Array[], gradsIn: Float64Array[]): void => {
    t++;
    let scale = 1;
    if (o.clipNorm !== undefined) {
      let ss = 0;
      for (const g of gradsIn) for (const v of g) ss += v * v;
      const norm = Math.sqrt(ss);
      scale = o.clipNorm / Math.max(norm, o.clipNorm);
    }
    const clip = o.clipValue ?? Infinity;
    const lr = o.learningRate, mu = o.momentum ?? (o.type === 'momentum' ? 0.9 : 0), b1 = o.beta1 ?? 0.9, b2 = o.beta2 ?? 0.999;
    const eps = o.epsilon ?? 1e-7, rho = o.rho ?? 0.9;
    const wd = o.weightDecay ?? (o.type === 'adamw' ? 0.004 : 0);
    const ut = b1 * (1 - 0.5 * 0.96 ** (0.004 * t)), ut1 = b1 * (1 - 0.5 * 0.96 ** (0.004 * (t + 1)));
    const productT = uProduct * ut, productT1 = productT * ut1;
    uProduct = productT;
    params.forEach((p, k) => {
      for (let i = 0; i < p.length; i++) {
        const g = Math.max(-clip, Math.min(clip, gradsIn[k][i] * scale));
        switch (o.type) {
          case 'sgd': p[i] -= lr * (g + wd * p[i]); break;
          case 'momentum': {
            const gw = g + wd * p[i];
            s1[k][i] = mu * s1[k][i] - lr * gw;
            p[i] += o.nesterov ? mu * s1[k][i] - lr * gw : s1[k][i];
            break;
          }
          case 'adam': case 'adamw': {
            p[i] -= lr * wd * p[i]; // decoupled decay first (Keras's AdamW)
            s1[k][i] += (g - s1[k][i]) * (1 - b1);
            s2[k][i] += (g * g - s2[k][i]) * (1 - b2);
            const alpha = lr * Math.sqrt(1 - b2 ** t) / (1 - b1 ** t);
            // the library's adam (the paper's and PyTorch's ε placement): p −= lr·m̂/(√v̂ + ε), written as
            // Keras 3 writes it, α = lr·√(1 − β2ᵗ)/(1 − β1ᵗ), with ε scaled by √(1 − β2ᵗ) to stay outside v̂
            p[i] -= alpha * s1[k][i] / (Math.sqrt(s2[k][i]) + eps * Math.sqrt(1 - b2 ** t));
            break;
          }
          case 'rmsprop': {
            s1[k][i] = rho * s1[k][i] + (1 - rho) * g * g;
            let den = s1[k][i];
            if (o.centered) {
              s2[k][i] = rho * s2[k][i] + (1 - rho) * g;
              den -= s2[k][i] ** 2;
            }
            const inc = lr * g / Math.sqrt(den + eps);
            if (mu > 0) {
              s3[k][i] = mu * s3[k][i] + inc;
              p[i] -= s3[k][i];
            } else p[i] -= inc;
            break;
          }
          case 'adagrad': {
            s1[k][i] += g * g;
            p[i] -= lr * g / Math.sqrt(s1[k][i] + eps);
            break;
          }
          case 'adamax': {
            s1[k][i] += (g - s1[k][i]) * (1 - b1);
            s2[k][i] = Math.max(b2 * s2[k][i], Math.abs(g));
            p[i] -= lr * s1[k][i] / ((1 - b1 ** t) * (s2[k][i] + eps));
            break;
          }
          case 'nadam': {
            s1[k][i] += (g - s1[k][i]) * (1 - b1);
            s2[k][i] += (g * g - s2[k][i]) * (1 - b2);
            const mHat = ut1 * s1[k][i] / (1 - productT1) + (1 - ut) * g / (1 - productT);
            const vHat = s2[k][i] / (1 - b2 ** t);
            p[i] -= lr * mHat / (Math.sqrt(vHat) + eps);
            break;
          }
        }
      }
    });
  };
}

/** A float64 optimizer over the reference layers (their W and b, or γ and β), Keras 3's formulas. */
export function referenceOptimizer(layers: ReferenceLayer[], o: ReferenceOptimizer) {
  const params = layers.flatMap((l) => [l.weight, l.bias]);
  const step = referenceOptimizerFlat(o, params.map((p) => p.length));
  return (grads: { weight: Float64Array; bias: Float64Array }[]): void => {
    step(params, grads.flatMap((q) => [q.weight, q.bias]));
  };
}
