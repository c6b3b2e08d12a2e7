// Matrix multiplies in the three forms training needs, row-major float32:
//   gemm_nn: out (m, n) = a (m, k) · b (k, n)     [+ bias row] → activation   (forward)
//   gemm_nt: out (m, n) = a (m, k) · bᵀ, b is (n, k)                            (dA_prev = dZ · Wᵀ)
//   gemm_tn: out (m, n) = aᵀ · b, a is (k, m), b is (k, n)  [+ column sums of b] (dW = A_prevᵀ · dZ)
// accumulate != 0 adds the product into out instead of overwriting it.
// `scratch` is working memory of at least gemm_scratch_bytes(form, m, k, n) bytes, 16-aligned.
//
// FIRST VERSION: straightforward f32x4 loops, correct on every shape; to be replaced by packed,
// register-tiled micro-kernels (see bench/gemm.ts).

import { activate_f32x4, activate_f32, ACT_LINEAR } from './simd';
import { column_sums } from './reduce';

export const GEMM_NN: i32 = 0;
export const GEMM_NT: i32 = 1;
export const GEMM_TN: i32 = 2;

export function gemm_scratch_bytes(form: i32, m: i32, k: i32, n: i32): i32 {
  return 0;
}

export function gemm_nn(out: usize, a: usize, b: usize, bias: usize, m: i32, k: i32, n: i32,
  activation: i32, alpha: f32, accumulate: i32, scratch: usize): void {
  const valpha = f32x4.splat(alpha);
  const rowOut = <usize>n << 2;
  for (let i = 0; i < m; i++) {
    const arow = a + <usize>i * (<usize>k << 2);
    const orow = out + <usize>i * rowOut;
    let j = 0;
    for (; j + 4 <= n; j += 4) {
      let vacc = f32x4.splat(0.0);
      let pb = b + (<usize>j << 2);
      for (let p = 0; p < k; p++) {
        vacc = f32x4.add(vacc, f32x4.mul(v128.load32_splat(arow + (<usize>p << 2)), v128.load(pb)));
        pb += rowOut;
      }
      if (accumulate) vacc = f32x4.add(vacc, v128.load(orow + (<usize>j << 2)));
      if (bias) vacc = f32x4.add(vacc, v128.load(bias + (<usize>j << 2)));
      if (activation != ACT_LINEAR) vacc = activate_f32x4(vacc, activation, valpha);
      v128.store(orow + (<usize>j << 2), vacc);
    }
    for (; j < n; j++) {
      let acc: f32 = 0;
      for (let p = 0; p < k; p++) acc += load<f32>(arow + (<usize>p << 2)) * load<f32>(b + ((<usize>p * n + j) << 2));
      if (accumulate) acc += load<f32>(orow + (<usize>j << 2));
      if (bias) acc += load<f32>(bias + (<usize>j << 2));
      if (activation != ACT_LINEAR) acc = activate_f32(acc, activation, alpha);
      store<f32>(orow + (<usize>j << 2), acc);
    }
  }
}

export function gemm_nt(out: usize, a: usize, b: usize, m: i32, k: i32, n: i32, accumulate: i32, scratch: usize): void {
  const rowK = <usize>k << 2;
  for (let i = 0; i < m; i++) {
    const arow = a + <usize>i * rowK;
    for (let j = 0; j < n; j++) {
      const brow = b + <usize>j * rowK;
      let vacc = f32x4.splat(0.0);
      let p = 0;
      for (; p + 4 <= k; p += 4) vacc = f32x4.add(vacc, f32x4.mul(v128.load(arow + (<usize>p << 2)), v128.load(brow + (<usize>p << 2))));
      let acc = (f32x4.extract_lane(vacc, 0) + f32x4.extract_lane(vacc, 1)) + (f32x4.extract_lane(vacc, 2) + f32x4.extract_lane(vacc, 3));
      for (; p < k; p++) acc += load<f32>(arow + (<usize>p << 2)) * load<f32>(brow + (<usize>p << 2));
      const o = out + ((<usize>i * n + j) << 2);
      if (accumulate) acc += load<f32>(o);
      store<f32>(o, acc);
    }
  }
}

export function gemm_tn(out: usize, a: usize, b: usize, bias_grad: usize, m: i32, k: i32, n: i32,
  accumulate: i32, scratch: usize): void {
  const rowB = <usize>n << 2;
  const rowA = <usize>m << 2;
  for (let i = 0; i < m; i++) {
    const orow = out + <usize>i * rowB;
    let j = 0;
    for (; j + 4 <= n; j += 4) {
      let vacc = f32x4.splat(0.0);
      let pa = a + (<usize>i << 2);
      let pb = b + (<usize>j << 2);
      for (let p = 0; p < k; p++) {
        vacc = f32x4.add(vacc, f32x4.mul(v128.load32_splat(pa), v128.load(pb)));
        pa += rowA;
        pb += rowB;
      }
      if (accumulate) vacc = f32x4.add(vacc, v128.load(orow + (<usize>j << 2)));
      v128.store(orow + (<usize>j << 2), vacc);
    }
    for (; j < n; j++) {
      let acc: f32 = 0;
      for (let p = 0; p < k; p++) acc += load<f32>(a + ((<usize>p * m + i) << 2)) * load<f32>(b + ((<usize>p * n + j) << 2));
      if (accumulate) acc += load<f32>(orow + (<usize>j << 2));
      store<f32>(orow + (<usize>j << 2), acc);
    }
  }
  if (bias_grad) column_sums(bias_grad, b, k, n, accumulate);
}
