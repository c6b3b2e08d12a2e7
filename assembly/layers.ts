// The layers that are not dense: inverted dropout and batch normalization, forward and backward
// side by side. Both keep a row layout (m rows, n columns, row-major) and never allocate.
//
// dropout (rate r, keep q = 1 − r): mask[i] = keep_i ? 1/q : 0, out = inp ⊙ mask; backward
//   dinp = dout ⊙ mask. keep_i = (h_i >> 8) < round(q·2²⁴), h_i a 32-bit hash of (seed, stream,
//   i): counter-based, so a mask depends on the seed, the call count and the element index only —
//   not on the SIMD width, the tail, or how work is split between threads.
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

// Two keys per call from (seed, stream); element i hashes to mix(mix(i ^ key0) ^ key1).
// @ts-ignore: decorator
@inline function dropout_key0(seed: u32, stream: u32): u32 {
  return mix_u32(seed ^ mix_u32(stream + 0x9e3779b9));
}

// out = inp ⊙ mask with a fresh mask (len values, out may alias inp); see the header.
// 0 ≤ rate < 1; `stream` numbers the call (the driver counts dropout calls in the plan).
export function dropout_forward(out: usize, mask: usize, inp: usize, len: i32, rate: f32, seed: u32, stream: u32): void {
  const keep: f64 = 1.0 - <f64>rate;
  const threshold = <i32>nearest<f64>(keep * 16777216.0);
  const scale = <f32>(1.0 / keep);
  const key0 = dropout_key0(seed, stream);
  const key1 = mix_u32(key0 ^ 0x85ebca6b);
  const vkey0 = i32x4.splat(key0), vkey1 = i32x4.splat(key1);
  const vthreshold = i32x4.splat(threshold);
  const vscale = f32x4.splat(scale);
  let vindex = i32x4(0, 1, 2, 3);
  const vfour = i32x4.splat(4);
  let i = 0;
  for (; i + 4 <= len; i += 4) {
    const off = <usize>i << 2;
    const vh = mix_i32x4(v128.xor(mix_i32x4(v128.xor(vindex, vkey0)), vkey1));
    const vkeep = i32x4.lt_s(i32x4.shr_u(vh, 8), vthreshold);
    const vmask = v128.and(vscale, vkeep);
    v128.store(mask + off, vmask);
    v128.store(out + off, f32x4.mul(v128.load(inp + off), vmask));
    vindex = i32x4.add(vindex, vfour);
  }
  for (; i < len; i++) {
    const off = <usize>i << 2;
    const h = mix_u32(mix_u32(<u32>i ^ key0) ^ key1);
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

// y = γ·((x − mean)·inv_std) + β row by row, with x̂ kept when xhat != 0. out may alias inp.
// inp, out, xhat are (m, n); mean, inv_std, gamma, beta are (n).
function batchnorm_apply(out: usize, xhat: usize, inp: usize, mean: usize, inv_std: usize, gamma: usize,
  beta: usize, m: i32, n: i32): void {
  const rowBytes = <usize>n << 2;
  for (let r = 0; r < m; r++) {
    const row = <usize>r * rowBytes;
    let j = 0;
    for (; j + 4 <= n; j += 4) {
      const off = <usize>j << 2;
      const vxhat = f32x4.mul(f32x4.sub(v128.load(inp + row + off), v128.load(mean + off)), v128.load(inv_std + off));
      if (xhat) v128.store(xhat + row + off, vxhat);
      v128.store(out + row + off, f32x4.add(f32x4.mul(v128.load(gamma + off), vxhat), v128.load(beta + off)));
    }
    for (; j < n; j++) {
      const off = <usize>j << 2;
      const xh = (load<f32>(inp + row + off) - load<f32>(mean + off)) * load<f32>(inv_std + off);
      if (xhat) store<f32>(xhat + row + off, xh);
      store<f32>(out + row + off, load<f32>(gamma + off) * xh + load<f32>(beta + off));
    }
  }
}

// Training mode: batch statistics into mean, variance and inv_std (n each), x̂ into xhat (m, n),
// y into out (m, n). inp is (m, n); gamma, beta (n). out may not alias inp (x̂ needs both).
export function batchnorm_forward(out: usize, xhat: usize, mean: usize, variance: usize, inv_std: usize,
  inp: usize, gamma: usize, beta: usize, m: i32, n: i32, epsilon: f32): void {
  const rowBytes = <usize>n << 2;
  const invm: f32 = <f32>(1.0 / <f64>m);
  const vinvm = f32x4.splat(invm);
  const veps = f32x4.splat(epsilon);
  const vone = f32x4.splat(1.0);
  let j = 0;
  for (; j + 4 <= n; j += 4) {
    const off = <usize>j << 2;
    let vsum = f32x4.splat(0.0);
    for (let r = 0; r < m; r++) vsum = f32x4.add(vsum, v128.load(inp + <usize>r * rowBytes + off));
    const vmean = f32x4.mul(vsum, vinvm);
    let vss = f32x4.splat(0.0);
    for (let r = 0; r < m; r++) {
      const vd = f32x4.sub(v128.load(inp + <usize>r * rowBytes + off), vmean);
      vss = f32x4.add(vss, f32x4.mul(vd, vd));
    }
    const vvar = f32x4.mul(vss, vinvm);
    v128.store(mean + off, vmean);
    v128.store(variance + off, vvar);
    v128.store(inv_std + off, f32x4.div(vone, f32x4.sqrt(f32x4.add(vvar, veps))));
  }
  for (; j < n; j++) {
    const off = <usize>j << 2;
    let sum: f32 = 0;
    for (let r = 0; r < m; r++) sum += load<f32>(inp + <usize>r * rowBytes + off);
    const mu = sum * invm;
    let ss: f32 = 0;
    for (let r = 0; r < m; r++) {
      const d = load<f32>(inp + <usize>r * rowBytes + off) - mu;
      ss += d * d;
    }
    const v = ss * invm;
    store<f32>(mean + off, mu);
    store<f32>(variance + off, v);
    store<f32>(inv_std + off, <f32>1.0 / sqrt<f32>(v + epsilon));
  }
  batchnorm_apply(out, xhat, inp, mean, inv_std, gamma, beta, m, n);
}

// Inference mode: y from the moving statistics. mean and inv_std (n) are scratch that receive
// the moving mean and 1/√(moving variance + ε). out may alias inp.
export function batchnorm_inference(out: usize, mean: usize, inv_std: usize, inp: usize, gamma: usize, beta: usize,
  moving_mean: usize, moving_variance: usize, m: i32, n: i32, epsilon: f32): void {
  memory.copy(mean, moving_mean, <usize>n << 2);
  for (let j = 0; j < n; j++) {
    const off = <usize>j << 2;
    store<f32>(inv_std + off, <f32>1.0 / sqrt<f32>(load<f32>(moving_variance + off) + epsilon));
  }
  batchnorm_apply(out, 0, inp, mean, inv_std, gamma, beta, m, n);
}

// dγ, dβ (n, written) and, when dinp != 0, dx (m, n) from dout (m, n) and the forward pass's
// x̂ and inv_std; see the header. dinp may alias dout.
export function batchnorm_backward(dinp: usize, dgamma: usize, dbeta: usize, dout: usize, xhat: usize,
  gamma: usize, inv_std: usize, m: i32, n: i32): void {
  const rowBytes = <usize>n << 2;
  let j = 0;
  for (; j + 4 <= n; j += 4) {
    const off = <usize>j << 2;
    let vdb = f32x4.splat(0.0), vdg = f32x4.splat(0.0);
    for (let r = 0; r < m; r++) {
      const at = <usize>r * rowBytes + off;
      const vd = v128.load(dout + at);
      vdb = f32x4.add(vdb, vd);
      vdg = f32x4.add(vdg, f32x4.mul(vd, v128.load(xhat + at)));
    }
    v128.store(dbeta + off, vdb);
    v128.store(dgamma + off, vdg);
  }
  for (; j < n; j++) {
    const off = <usize>j << 2;
    let db: f32 = 0, dg: f32 = 0;
    for (let r = 0; r < m; r++) {
      const at = <usize>r * rowBytes + off;
      const d = load<f32>(dout + at);
      db += d;
      dg += d * load<f32>(xhat + at);
    }
    store<f32>(dbeta + off, db);
    store<f32>(dgamma + off, dg);
  }
  if (dinp == 0) return;
  const fm = <f32>m;
  const invm: f32 = <f32>(1.0 / <f64>m);
  const vm = f32x4.splat(fm);
  const vinvm = f32x4.splat(invm);
  for (let r = 0; r < m; r++) {
    const row = <usize>r * rowBytes;
    j = 0;
    for (; j + 4 <= n; j += 4) {
      const off = <usize>j << 2;
      const vk = f32x4.mul(f32x4.mul(v128.load(gamma + off), v128.load(inv_std + off)), vinvm);
      const vt = f32x4.sub(f32x4.sub(f32x4.mul(vm, v128.load(dout + row + off)), v128.load(dbeta + off)),
        f32x4.mul(v128.load(xhat + row + off), v128.load(dgamma + off)));
      v128.store(dinp + row + off, f32x4.mul(vk, vt));
    }
    for (; j < n; j++) {
      const off = <usize>j << 2;
      const k = (load<f32>(gamma + off) * load<f32>(inv_std + off)) * invm;
      const t = (fm * load<f32>(dout + row + off) - load<f32>(dbeta + off)) - load<f32>(xhat + row + off) * load<f32>(dgamma + off);
      store<f32>(dinp + row + off, k * t);
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
