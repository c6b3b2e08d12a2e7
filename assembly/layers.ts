// The layers that are not dense: inverted dropout and batch normalization, forward and backward
// side by side. Both keep a row layout (m rows, n columns, row-major) and never allocate.
//
// dropout (rate r, keep q = 1 − r): mask[i] = keep_i ? 1/q : 0, out = inp ⊙ mask; backward
//   dinp = dout ⊙ mask. keep_i = (h_i >> 8) < round(q·2²⁴) with h_i = lowbias32((i·φ) ^ key),
//   φ = 0x9e3779b9 (odd, so i·φ mod 2³² is a bijection that flips about half the bits between
//   neighbours i, i + 1) and key = a hash of (seed, stream): counter-based, so a mask depends on
//   the seed, the call count and the element index only — not on the SIMD width, the tail, or
//   how work is split between threads. One hash round per element (two multiplies); the keep
//   rate and the independence of neighbouring elements, rows and calls are tested
//   (test/kernels/layers.test.ts).
// batch normalization (Keras): per column j over the m rows of the batch,
//   μ_j = (1/m) Σ x,  σ²_j = (1/m) Σ (x − μ_j)²  (biased),  s_j = 1/√(σ²_j + ε)
//   x̂ = (x − μ_j)·s_j,  y = γ_j·x̂ + β_j
//   backward: dβ_j = Σ dy,  dγ_j = Σ dy·x̂,  dx = (γ_j·s_j/m)·(m·dy − dβ_j − x̂·dγ_j)
//   inference: μ, σ² are the moving statistics, updated after every accepted training step as
//   moving = moving·momentum + batch·(1 − momentum).

// lowbias32 (Chris Wellons' 32-bit integer hash; a bijection with full avalanche)
// @ts-ignore: decorator
@inline function mix_i32x4(x: v128): v128 {
  x = v128.xor(x, i32x4.shr_u(x, 16));
  x = i32x4.mul(x, i32x4.splat(0x7feb352d));
  x = v128.xor(x, i32x4.shr_u(x, 15));
  x = i32x4.mul(x, i32x4.splat(0x846ca68b));
  return v128.xor(x, i32x4.shr_u(x, 16));
}

// @ts-ignore: decorator
@inline function mix_u32(x: u32): u32 {
  x ^= x >> 16;
  x *= 0x7feb352d;
  x ^= x >> 15;
  x *= 0x846ca68b;
  return x ^ (x >> 16);
}

const PHI: u32 = 0x9e3779b9;

// The key of one call from (seed, stream); element i hashes to mix((i·φ) ^ key).
// @ts-ignore: decorator
@inline function dropout_key(seed: u32, stream: u32): u32 {
  return mix_u32(seed ^ mix_u32(stream + PHI));
}

// out = inp ⊙ mask with a fresh mask (len values, out may alias inp); see the header.
// 0 ≤ rate < 1; `stream` numbers the call (the driver counts dropout calls in the plan).
export function dropout_forward(out: usize, mask: usize, inp: usize, len: i32, rate: f32, seed: u32, stream: u32): void {
  dropout_forward_block(out, mask, inp, 0, len, rate, seed, stream);
}

// Elements i0 … i1 − 1 of dropout_forward's call over out, mask, inp (each from element 0): each
// draws the bit the whole call gives it, since the hash takes the element's own index. The
// parallel job (parallel.ts) runs ranges of a call on several threads with this.
export function dropout_forward_block(out: usize, mask: usize, inp: usize, i0: i32, i1: i32, rate: f32, seed: u32,
  stream: u32): void {
  const keep: f64 = 1.0 - <f64>rate;
  const threshold = <i32>nearest<f64>(keep * 16777216.0);
  const scale = <f32>(1.0 / keep);
  const key = dropout_key(seed, stream);
  const vkey = i32x4.splat(key);
  const vthreshold = i32x4.splat(threshold);
  const vscale = f32x4.splat(scale);
  // i·φ for the four lanes
  let vcount = i32x4.add(i32x4.splat(<i32>(<u32>i0 * PHI)), i32x4(0, PHI, PHI * 2, PHI * 3));
  const vstep = i32x4.splat(PHI * 4);
  let i = i0;
  for (; i + 4 <= i1; i += 4) {
    const off = <usize>i << 2;
    const vh = mix_i32x4(v128.xor(vcount, vkey));
    const vmask = v128.and(vscale, i32x4.lt_s(i32x4.shr_u(vh, 8), vthreshold));
    v128.store(mask + off, vmask);
    v128.store(out + off, f32x4.mul(v128.load(inp + off), vmask));
    vcount = i32x4.add(vcount, vstep);
  }
  for (; i < i1; i++) {
    const off = <usize>i << 2;
    const h = mix_u32((<u32>i * PHI) ^ key);
    const m: f32 = <i32>(h >> 8) < threshold ? scale : 0;
    store<f32>(mask + off, m);
    store<f32>(out + off, load<f32>(inp + off) * m);
  }
}

// dinp = dout ⊙ mask over len values; dinp may alias dout.
export function dropout_backward(dinp: usize, dout: usize, mask: usize, len: i32): void {
  let i = 0;
  for (; i + 4 <= len; i += 4) {
    const off = <usize>i << 2;
    v128.store(dinp + off, f32x4.mul(v128.load(dout + off), v128.load(mask + off)));
  }
  for (; i < len; i++) {
    const off = <usize>i << 2;
    store<f32>(dinp + off, load<f32>(dout + off) * load<f32>(mask + off));
  }
}

// y = γ·((x − mean)·inv_std) + β row by row over columns j0 … j1 − 1, with x̂ kept when xhat != 0.
// out may alias inp. inp, out, xhat are (m, n); mean, inv_std, gamma, beta are (n).
function batchnorm_apply(out: usize, xhat: usize, inp: usize, mean: usize, inv_std: usize, gamma: usize,
  beta: usize, m: i32, n: i32, j0: i32, j1: i32): void {
  const rowBytes = <usize>n << 2;
  for (let r = 0; r < m; r++) {
    const row = <usize>r * rowBytes;
    let j = j0;
    for (; j + 4 <= j1; j += 4) {
      const off = <usize>j << 2;
      const vxhat = f32x4.mul(f32x4.sub(v128.load(inp + row + off), v128.load(mean + off)), v128.load(inv_std + off));
      if (xhat) v128.store(xhat + row + off, vxhat);
      v128.store(out + row + off, f32x4.add(f32x4.mul(v128.load(gamma + off), vxhat), v128.load(beta + off)));
    }
    for (; j < j1; j++) {
      const off = <usize>j << 2;
      const xh = (load<f32>(inp + row + off) - load<f32>(mean + off)) * load<f32>(inv_std + off);
      if (xhat) store<f32>(xhat + row + off, xh);
      store<f32>(out + row + off, load<f32>(gamma + off) * xh + load<f32>(beta + off));
    }
  }
}

// Training mode: batch statistics into mean, variance and inv_std (n each), x̂ into xhat (m, n),
// y into out (m, n). inp is (m, n); gamma, beta (n). out may alias inp.
// Columns go in blocks of 16 (four vectors, one 64-byte line of a row): the sums over the m rows
// run as four independent chains (one chain per vector is bound by the add latency), and the
// block's rows stay in L1 from the sum through the deviations to x̂ and y. Each column is summed
// row by row in the same order whatever path (block, vector, scalar tail) it takes.
export function batchnorm_forward(out: usize, xhat: usize, mean: usize, variance: usize, inv_std: usize,
  inp: usize, gamma: usize, beta: usize, m: i32, n: i32, epsilon: f32): void {
  batchnorm_forward_block(out, xhat, mean, variance, inv_std, inp, gamma, beta, m, n, 0, n, epsilon);
}

// batchnorm_forward's columns j0 … j1 − 1 (the arguments are the whole call's): each column's
// statistics and outputs are computed from that column alone, so blocks of columns can run on
// different threads (parallel.ts cuts at multiples of 16, so every column takes the path it takes
// in the whole call).
export function batchnorm_forward_block(out: usize, xhat: usize, mean: usize, variance: usize, inv_std: usize,
  inp: usize, gamma: usize, beta: usize, m: i32, n: i32, j0: i32, j1: i32, epsilon: f32): void {
  const rowBytes = <usize>n << 2;
  const end = <usize>m * rowBytes;
  const invm: f32 = <f32>(1.0 / <f64>m);
  const vinvm = f32x4.splat(invm);
  const veps = f32x4.splat(epsilon);
  const vone = f32x4.splat(1.0);
  const vzero = f32x4.splat(0.0);
  let j = j0;
  for (; j + 16 <= j1; j += 16) {
    const c = <usize>j << 2;
    let s0 = vzero, s1 = vzero, s2 = vzero, s3 = vzero;
    for (let at = c; at < end; at += rowBytes) {
      const p = inp + at;
      s0 = f32x4.add(s0, v128.load(p));
      s1 = f32x4.add(s1, v128.load(p, 16));
      s2 = f32x4.add(s2, v128.load(p, 32));
      s3 = f32x4.add(s3, v128.load(p, 48));
    }
    const m0 = f32x4.mul(s0, vinvm), m1 = f32x4.mul(s1, vinvm), m2 = f32x4.mul(s2, vinvm), m3 = f32x4.mul(s3, vinvm);
    s0 = vzero; s1 = vzero; s2 = vzero; s3 = vzero;
    for (let at = c; at < end; at += rowBytes) {
      const p = inp + at;
      const d0 = f32x4.sub(v128.load(p), m0), d1 = f32x4.sub(v128.load(p, 16), m1);
      const d2 = f32x4.sub(v128.load(p, 32), m2), d3 = f32x4.sub(v128.load(p, 48), m3);
      s0 = f32x4.add(s0, f32x4.mul(d0, d0));
      s1 = f32x4.add(s1, f32x4.mul(d1, d1));
      s2 = f32x4.add(s2, f32x4.mul(d2, d2));
      s3 = f32x4.add(s3, f32x4.mul(d3, d3));
    }
    const v0 = f32x4.mul(s0, vinvm), v1 = f32x4.mul(s1, vinvm), v2 = f32x4.mul(s2, vinvm), v3 = f32x4.mul(s3, vinvm);
    const i0 = f32x4.div(vone, f32x4.sqrt(f32x4.add(v0, veps))), i1 = f32x4.div(vone, f32x4.sqrt(f32x4.add(v1, veps)));
    const i2 = f32x4.div(vone, f32x4.sqrt(f32x4.add(v2, veps))), i3 = f32x4.div(vone, f32x4.sqrt(f32x4.add(v3, veps)));
    v128.store(mean + c, m0); v128.store(mean + c, m1, 16); v128.store(mean + c, m2, 32); v128.store(mean + c, m3, 48);
    v128.store(variance + c, v0); v128.store(variance + c, v1, 16); v128.store(variance + c, v2, 32); v128.store(variance + c, v3, 48);
    v128.store(inv_std + c, i0); v128.store(inv_std + c, i1, 16); v128.store(inv_std + c, i2, 32); v128.store(inv_std + c, i3, 48);
    const g0 = v128.load(gamma + c), g1 = v128.load(gamma + c, 16), g2 = v128.load(gamma + c, 32), g3 = v128.load(gamma + c, 48);
    const b0 = v128.load(beta + c), b1 = v128.load(beta + c, 16), b2 = v128.load(beta + c, 32), b3 = v128.load(beta + c, 48);
    for (let at = c; at < end; at += rowBytes) {
      const p = inp + at, h = xhat + at, o = out + at;
      const x0 = f32x4.mul(f32x4.sub(v128.load(p), m0), i0), x1 = f32x4.mul(f32x4.sub(v128.load(p, 16), m1), i1);
      const x2 = f32x4.mul(f32x4.sub(v128.load(p, 32), m2), i2), x3 = f32x4.mul(f32x4.sub(v128.load(p, 48), m3), i3);
      v128.store(h, x0); v128.store(h, x1, 16); v128.store(h, x2, 32); v128.store(h, x3, 48);
      v128.store(o, f32x4.add(f32x4.mul(g0, x0), b0));
      v128.store(o, f32x4.add(f32x4.mul(g1, x1), b1), 16);
      v128.store(o, f32x4.add(f32x4.mul(g2, x2), b2), 32);
      v128.store(o, f32x4.add(f32x4.mul(g3, x3), b3), 48);
    }
  }
  for (; j + 4 <= j1; j += 4) {
    const c = <usize>j << 2;
    let s0 = vzero;
    for (let at = c; at < end; at += rowBytes) s0 = f32x4.add(s0, v128.load(inp + at));
    const m0 = f32x4.mul(s0, vinvm);
    s0 = vzero;
    for (let at = c; at < end; at += rowBytes) {
      const d0 = f32x4.sub(v128.load(inp + at), m0);
      s0 = f32x4.add(s0, f32x4.mul(d0, d0));
    }
    const v0 = f32x4.mul(s0, vinvm);
    const i0 = f32x4.div(vone, f32x4.sqrt(f32x4.add(v0, veps)));
    v128.store(mean + c, m0);
    v128.store(variance + c, v0);
    v128.store(inv_std + c, i0);
    const g0 = v128.load(gamma + c), b0 = v128.load(beta + c);
    for (let at = c; at < end; at += rowBytes) {
      const x0 = f32x4.mul(f32x4.sub(v128.load(inp + at), m0), i0);
      v128.store(xhat + at, x0);
      v128.store(out + at, f32x4.add(f32x4.mul(g0, x0), b0));
    }
  }
  for (; j < j1; j++) {
    const c = <usize>j << 2;
    let sum: f32 = 0;
    for (let at = c; at < end; at += rowBytes) sum += load<f32>(inp + at);
    const mu = sum * invm;
    let ss: f32 = 0;
    for (let at = c; at < end; at += rowBytes) {
      const d = load<f32>(inp + at) - mu;
      ss += d * d;
    }
    const v = ss * invm;
    const is = <f32>1.0 / sqrt<f32>(v + epsilon);
    store<f32>(mean + c, mu);
    store<f32>(variance + c, v);
    store<f32>(inv_std + c, is);
    const g = load<f32>(gamma + c), b = load<f32>(beta + c);
    for (let at = c; at < end; at += rowBytes) {
      const xh = (load<f32>(inp + at) - mu) * is;
      store<f32>(xhat + at, xh);
      store<f32>(out + at, g * xh + b);
    }
  }
}

// Inference mode: y from the moving statistics. mean and inv_std (n) are scratch that receive
// the moving mean and 1/√(moving variance + ε). out may alias inp.
export function batchnorm_inference(out: usize, mean: usize, inv_std: usize, inp: usize, gamma: usize, beta: usize,
  moving_mean: usize, moving_variance: usize, m: i32, n: i32, epsilon: f32): void {
  batchnorm_inference_block(out, mean, inv_std, inp, gamma, beta, moving_mean, moving_variance, m, n, 0, n, epsilon);
}

// batchnorm_inference's columns j0 … j1 − 1 (the arguments are the whole call's), scratch included.
export function batchnorm_inference_block(out: usize, mean: usize, inv_std: usize, inp: usize, gamma: usize,
  beta: usize, moving_mean: usize, moving_variance: usize, m: i32, n: i32, j0: i32, j1: i32, epsilon: f32): void {
  memory.copy(mean + (<usize>j0 << 2), moving_mean + (<usize>j0 << 2), <usize>(j1 - j0) << 2);
  for (let j = j0; j < j1; j++) {
    const off = <usize>j << 2;
    store<f32>(inv_std + off, <f32>1.0 / sqrt<f32>(load<f32>(moving_variance + off) + epsilon));
  }
  batchnorm_apply(out, 0, inp, mean, inv_std, gamma, beta, m, n, j0, j1);
}

// dγ, dβ (n, written) and, when dinp != 0, dx (m, n) from dout (m, n) and the forward pass's
// x̂ and inv_std; see the header. dinp may alias dout. Blocks of 16 columns as in the forward:
// eight independent sum chains, then dx from the block's rows while they are in L1.
export function batchnorm_backward(dinp: usize, dgamma: usize, dbeta: usize, dout: usize, xhat: usize,
  gamma: usize, inv_std: usize, m: i32, n: i32): void {
  batchnorm_backward_block(dinp, dgamma, dbeta, dout, xhat, gamma, inv_std, m, n, 0, n);
}

// batchnorm_backward's columns j0 … j1 − 1 (the arguments are the whole call's); as in the forward,
// each column is computed from itself alone.
export function batchnorm_backward_block(dinp: usize, dgamma: usize, dbeta: usize, dout: usize, xhat: usize,
  gamma: usize, inv_std: usize, m: i32, n: i32, j0: i32, j1: i32): void {
  const rowBytes = <usize>n << 2;
  const end = <usize>m * rowBytes;
  const fm = <f32>m;
  const invm: f32 = <f32>(1.0 / <f64>m);
  const vm = f32x4.splat(fm);
  const vinvm = f32x4.splat(invm);
  const vzero = f32x4.splat(0.0);
  let j = j0;
  for (; j + 16 <= j1; j += 16) {
    const c = <usize>j << 2;
    let db0 = vzero, db1 = vzero, db2 = vzero, db3 = vzero;
    let dg0 = vzero, dg1 = vzero, dg2 = vzero, dg3 = vzero;
    for (let at = c; at < end; at += rowBytes) {
      const d = dout + at, h = xhat + at;
      const d0 = v128.load(d), d1 = v128.load(d, 16), d2 = v128.load(d, 32), d3 = v128.load(d, 48);
      db0 = f32x4.add(db0, d0); db1 = f32x4.add(db1, d1); db2 = f32x4.add(db2, d2); db3 = f32x4.add(db3, d3);
      dg0 = f32x4.add(dg0, f32x4.mul(d0, v128.load(h)));
      dg1 = f32x4.add(dg1, f32x4.mul(d1, v128.load(h, 16)));
      dg2 = f32x4.add(dg2, f32x4.mul(d2, v128.load(h, 32)));
      dg3 = f32x4.add(dg3, f32x4.mul(d3, v128.load(h, 48)));
    }
    v128.store(dbeta + c, db0); v128.store(dbeta + c, db1, 16); v128.store(dbeta + c, db2, 32); v128.store(dbeta + c, db3, 48);
    v128.store(dgamma + c, dg0); v128.store(dgamma + c, dg1, 16); v128.store(dgamma + c, dg2, 32); v128.store(dgamma + c, dg3, 48);
    if (dinp == 0) continue;
    const k0 = f32x4.mul(f32x4.mul(v128.load(gamma + c), v128.load(inv_std + c)), vinvm);
    const k1 = f32x4.mul(f32x4.mul(v128.load(gamma + c, 16), v128.load(inv_std + c, 16)), vinvm);
    const k2 = f32x4.mul(f32x4.mul(v128.load(gamma + c, 32), v128.load(inv_std + c, 32)), vinvm);
    const k3 = f32x4.mul(f32x4.mul(v128.load(gamma + c, 48), v128.load(inv_std + c, 48)), vinvm);
    for (let at = c; at < end; at += rowBytes) {
      const d = dout + at, h = xhat + at, o = dinp + at;
      const t0 = f32x4.sub(f32x4.sub(f32x4.mul(vm, v128.load(d)), db0), f32x4.mul(v128.load(h), dg0));
      const t1 = f32x4.sub(f32x4.sub(f32x4.mul(vm, v128.load(d, 16)), db1), f32x4.mul(v128.load(h, 16), dg1));
      const t2 = f32x4.sub(f32x4.sub(f32x4.mul(vm, v128.load(d, 32)), db2), f32x4.mul(v128.load(h, 32), dg2));
      const t3 = f32x4.sub(f32x4.sub(f32x4.mul(vm, v128.load(d, 48)), db3), f32x4.mul(v128.load(h, 48), dg3));
      v128.store(o, f32x4.mul(k0, t0)); v128.store(o, f32x4.mul(k1, t1), 16);
      v128.store(o, f32x4.mul(k2, t2), 32); v128.store(o, f32x4.mul(k3, t3), 48);
    }
  }
  for (; j + 4 <= j1; j += 4) {
    const c = <usize>j << 2;
    let db0 = vzero, dg0 = vzero;
    for (let at = c; at < end; at += rowBytes) {
      const d0 = v128.load(dout + at);
      db0 = f32x4.add(db0, d0);
      dg0 = f32x4.add(dg0, f32x4.mul(d0, v128.load(xhat + at)));
    }
    v128.store(dbeta + c, db0);
    v128.store(dgamma + c, dg0);
    if (dinp == 0) continue;
    const k0 = f32x4.mul(f32x4.mul(v128.load(gamma + c), v128.load(inv_std + c)), vinvm);
    for (let at = c; at < end; at += rowBytes) {
      const t0 = f32x4.sub(f32x4.sub(f32x4.mul(vm, v128.load(dout + at)), db0), f32x4.mul(v128.load(xhat + at), dg0));
      v128.store(dinp + at, f32x4.mul(k0, t0));
    }
  }
  for (; j < j1; j++) {
    const c = <usize>j << 2;
    let db: f32 = 0, dg: f32 = 0;
    for (let at = c; at < end; at += rowBytes) {
      const d = load<f32>(dout + at);
      db += d;
      dg += d * load<f32>(xhat + at);
    }
    store<f32>(dbeta + c, db);
    store<f32>(dgamma + c, dg);
    if (dinp == 0) continue;
    const k = (load<f32>(gamma + c) * load<f32>(inv_std + c)) * invm;
    for (let at = c; at < end; at += rowBytes) {
      const t = (fm * load<f32>(dout + at) - db) - load<f32>(xhat + at) * dg;
      store<f32>(dinp + at, k * t);
    }
  }
}

// moving = moving·momentum + batch·(1 − momentum), for the mean and the variance (n each).
export function batchnorm_update_moving(moving_mean: usize, moving_variance: usize, mean: usize, variance: usize,
  n: i32, momentum: f32): void {
  const vmu = f32x4.splat(momentum), vmuc = f32x4.splat(<f32>1.0 - momentum);
  const muc: f32 = <f32>1.0 - momentum;
  let j = 0;
  for (; j + 4 <= n; j += 4) {
    const off = <usize>j << 2;
    v128.store(moving_mean + off, f32x4.add(f32x4.mul(v128.load(moving_mean + off), vmu), f32x4.mul(v128.load(mean + off), vmuc)));
    v128.store(moving_variance + off, f32x4.add(f32x4.mul(v128.load(moving_variance + off), vmu), f32x4.mul(v128.load(variance + off), vmuc)));
  }
  for (; j < n; j++) {
    const off = <usize>j << 2;
    store<f32>(moving_mean + off, load<f32>(moving_mean + off) * momentum + load<f32>(mean + off) * muc);
    store<f32>(moving_variance + off, load<f32>(moving_variance + off) * momentum + load<f32>(variance + off) * muc);
  }
}
