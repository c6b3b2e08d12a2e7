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

export type ActivationName = 'linear' | 'relu' | 'leakyRelu' | 'sigmoid' | 'tanh' | 'softmax';

/** f(z) elementwise (softmax is row-wise over n columns). */
export function activate(z: ArrayLike<number>, kind: ActivationName, n: number, alpha = 0.01): Float64Array {
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
  for (let i = 0; i < out.length; i++) {
    const x = out[i];
    out[i] = kind === 'relu' ? Math.max(x, 0)
      : kind === 'leakyRelu' ? (x > 0 ? x : alpha * x)
        : kind === 'sigmoid' ? 1 / (1 + Math.exp(-x))
          : kind === 'tanh' ? Math.tanh(x)
            : x;
  }
  return out;
}

/** dL/dz from dL/dy and y = f(z) (softmax: the row Jacobian-vector product). */
export function activateBackward(dy: ArrayLike<number>, y: ArrayLike<number>, kind: ActivationName, n: number,
  alpha = 0.01): Float64Array {
  const out = new Float64Array(dy.length);
  if (kind === 'softmax') {
    for (let r = 0; r < dy.length / n; r++) {
      let dot = 0;
      for (let j = 0; j < n; j++) dot += dy[r * n + j] * y[r * n + j];
      for (let j = 0; j < n; j++) out[r * n + j] = y[r * n + j] * (dy[r * n + j] - dot);
    }
    return out;
  }
  for (let i = 0; i < dy.length; i++) {
    const d = dy[i];
    const v = y[i];
    out[i] = kind === 'relu' ? (v > 0 ? d : 0)
      : kind === 'leakyRelu' ? (v > 0 ? d : alpha * d)
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

/** One dense layer of the float64 reference network: W is (inputs × units) row-major. */
export interface ReferenceLayer {
  inputs: number;
  units: number;
  activation: ActivationName;
  alpha?: number;
  weight: Float64Array;
  bias: Float64Array;
}

export type ReferenceLoss = 'mse' | 'crossEntropy' | 'binaryCrossEntropy';

/** Forward pass; returns every layer's output A_i (A_-1 = x is not included). */
export function referenceForward(layers: ReferenceLayer[], x: ArrayLike<number>, m: number): Float64Array[] {
  const outs: Float64Array[] = [];
  let prev: ArrayLike<number> = x;
  for (const l of layers) {
    const z = matmul(prev, l.weight, m, l.inputs, l.units);
    for (let r = 0; r < m; r++) for (let j = 0; j < l.units; j++) z[r * l.units + j] += l.bias[j];
    const a = activate(z, l.activation, l.units, l.alpha ?? 0.01);
    outs.push(a);
    prev = a;
  }
  return outs;
}

/** The batch-mean loss of predictions against targets (both m × n). */
export function referenceLoss(loss: ReferenceLoss, pred: ArrayLike<number>, target: ArrayLike<number>, m: number): number {
  let sum = 0;
  const eps = 1e-7;
  for (let i = 0; i < pred.length; i++) {
    const y = target[i];
    if (loss === 'mse') sum += 0.5 * (pred[i] - y) ** 2;
    else if (loss === 'crossEntropy') sum -= y === 0 ? 0 : y * Math.log(Math.max(pred[i], eps));
    else {
      const p = Math.min(Math.max(pred[i], eps), 1 - eps);
      sum -= y * Math.log(p) + (1 - y) * Math.log(1 - p);
    }
  }
  return sum / m;
}

/** Gradients of the batch-mean loss with respect to every W and b (backpropagation in float64). */
export function referenceGradients(layers: ReferenceLayer[], loss: ReferenceLoss, x: ArrayLike<number>,
  target: ArrayLike<number>, m: number): { weight: Float64Array; bias: Float64Array }[] {
  const outs = referenceForward(layers, x, m);
  const last = layers[layers.length - 1];
  const yhat = outs[outs.length - 1];
  let dz: Float64Array;
  const fused = (loss === 'crossEntropy' && last.activation === 'softmax') || (loss === 'binaryCrossEntropy' && last.activation === 'sigmoid');
  const diff = new Float64Array(yhat.length);
  for (let i = 0; i < yhat.length; i++) diff[i] = (yhat[i] - target[i]) / m;
  if (fused) dz = diff;
  else if (loss === 'mse') dz = activateBackward(diff, yhat, last.activation, last.units, last.alpha ?? 0.01);
  else throw new Error(`reference: loss ${loss} with ${last.activation} output is not supported`);
  const grads: { weight: Float64Array; bias: Float64Array }[] = new Array(layers.length);
  for (let i = layers.length - 1; i >= 0; i--) {
    const l = layers[i];
    const prev = i > 0 ? outs[i - 1] : Float64Array.from(x as ArrayLike<number>);
    const weight = matmul(transpose(prev, m, l.inputs), dz, l.inputs, m, l.units);
    const bias = new Float64Array(l.units);
    for (let r = 0; r < m; r++) for (let j = 0; j < l.units; j++) bias[j] += dz[r * l.units + j];
    grads[i] = { weight, bias };
    if (i > 0) {
      const da = matmul(dz, transpose(l.weight, l.inputs, l.units), m, l.units, l.inputs);
      const p = layers[i - 1];
      dz = activateBackward(da, outs[i - 1], p.activation, p.units, p.alpha ?? 0.01);
    }
  }
  return grads;
}

export interface ReferenceOptimizer {
  type: 'sgd' | 'momentum' | 'adam';
  learningRate: number;
  momentum?: number;
  nesterov?: boolean;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
}

/** A float64 optimizer over the reference layers, with the formulas of assembly/optimizer.ts. */
export function referenceOptimizer(layers: ReferenceLayer[], o: ReferenceOptimizer) {
  const params = layers.flatMap((l) => [l.weight, l.bias]);
  const s1 = params.map((p) => new Float64Array(p.length));
  const s2 = params.map((p) => new Float64Array(p.length));
  let t = 0;
  return (grads: { weight: Float64Array; bias: Float64Array }[]): void => {
    t++;
    const g = grads.flatMap((q) => [q.weight, q.bias]);
    const lr = o.learningRate, mu = o.momentum ?? 0.9, b1 = o.beta1 ?? 0.9, b2 = o.beta2 ?? 0.999, eps = o.epsilon ?? 1e-7;
    params.forEach((p, k) => {
      for (let i = 0; i < p.length; i++) {
        const gi = g[k][i];
        if (o.type === 'sgd') p[i] -= lr * gi;
        else if (o.type === 'momentum') {
          s1[k][i] = mu * s1[k][i] - lr * gi;
          p[i] += o.nesterov ? mu * s1[k][i] - lr * gi : s1[k][i];
        } else {
          s1[k][i] = b1 * s1[k][i] + (1 - b1) * gi;
          s2[k][i] = b2 * s2[k][i] + (1 - b2) * gi * gi;
          const mhat = s1[k][i] / (1 - b1 ** t), vhat = s2[k][i] / (1 - b2 ** t);
          p[i] -= lr * mhat / (Math.sqrt(vhat) + eps);
        }
      }
    });
  };
}
