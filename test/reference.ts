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
