// Activations and their derivatives over flat float32 buffers, and softmax over rows.
// Derivatives are taken from the activation's *output* y = f(z), which is all the backward pass
// keeps: relu' = [y > 0], leakyRelu' = y > 0 ? 1 : alpha (alpha ≥ 0), sigmoid' = y(1 − y),
// tanh' = 1 − y², linear' = 1. ReLU at exactly z = 0 (and −0) has derivative 0.

import {
  ACT_LINEAR, ACT_RELU, ACT_LEAKY_RELU, ACT_SIGMOID, ACT_TANH,
  activate_f32x4, activate_f32, exp_f32x4, exp_f32,
} from './simd';

// out = f(inp), elementwise over len values. out may alias inp.
export function activation_forward(out: usize, inp: usize, len: i32, kind: i32, alpha: f32): void {
  if (kind == ACT_LINEAR) {
    if (out != inp) memory.copy(out, inp, <usize>len << 2);
    return;
  }
  const valpha = f32x4.splat(alpha);
  let i = 0;
  for (; i + 4 <= len; i += 4) {
    const off = <usize>i << 2;
    v128.store(out + off, activate_f32x4(v128.load(inp + off), kind, valpha));
  }
  for (; i < len; i++) {
    const off = <usize>i << 2;
    store<f32>(out + off, activate_f32(load<f32>(inp + off), kind, alpha));
  }
}

// dinp = dout ⊙ f'(z), with f'(z) computed from y = f(z) (`out`), elementwise over len values.
// dinp may alias dout.
export function activation_backward(dinp: usize, dout: usize, out: usize, len: i32, kind: i32, alpha: f32): void {
  if (kind == ACT_LINEAR) {
    if (dinp != dout) memory.copy(dinp, dout, <usize>len << 2);
    return;
  }
  const vzero = f32x4.splat(0.0);
  const vone = f32x4.splat(1.0);
  const valpha = f32x4.splat(alpha);
  let i = 0;
  for (; i + 4 <= len; i += 4) {
    const off = <usize>i << 2;
    const vd = v128.load(dout + off);
    const vy = v128.load(out + off);
    let vg: v128;
    if (kind == ACT_RELU) {
      vg = v128.and(vd, f32x4.gt(vy, vzero));
    } else if (kind == ACT_LEAKY_RELU) {
      vg = v128.bitselect(vd, f32x4.mul(vd, valpha), f32x4.gt(vy, vzero));
    } else if (kind == ACT_SIGMOID) {
      vg = f32x4.mul(vd, f32x4.mul(vy, f32x4.sub(vone, vy)));
    } else { // ACT_TANH
      vg = f32x4.mul(vd, f32x4.sub(vone, f32x4.mul(vy, vy)));
    }
    v128.store(dinp + off, vg);
  }
  for (; i < len; i++) {
    const off = <usize>i << 2;
    const d = load<f32>(dout + off);
    const y = load<f32>(out + off);
    let g: f32;
    if (kind == ACT_RELU) g = y > 0 ? d : 0;
    else if (kind == ACT_LEAKY_RELU) g = y > 0 ? d : d * alpha;
    else if (kind == ACT_SIGMOID) g = d * (y * (1.0 - y));
    else g = d * (1.0 - y * y);
    store<f32>(dinp + off, g);
  }
}

// Row-wise softmax: out[r, :] = exp(inp[r, :] − max) / Σ exp(inp[r, :] − max).
// inp and out are (m, n); out may alias inp.
export function softmax_forward(out: usize, inp: usize, m: i32, n: i32): void {
  const rowBytes = <usize>n << 2;
  for (let r = 0; r < m; r++) {
    const src = inp + <usize>r * rowBytes;
    const dst = out + <usize>r * rowBytes;
    // row maximum
    let j = 0;
    let vmax = f32x4.splat(-Infinity);
    for (; j + 4 <= n; j += 4) vmax = f32x4.max(vmax, v128.load(src + (<usize>j << 2)));
    let mx = max<f32>(max<f32>(f32x4.extract_lane(vmax, 0), f32x4.extract_lane(vmax, 1)),
      max<f32>(f32x4.extract_lane(vmax, 2), f32x4.extract_lane(vmax, 3)));
    for (; j < n; j++) mx = max<f32>(mx, load<f32>(src + (<usize>j << 2)));
    // exponentials and their sum
    const vmx = f32x4.splat(mx);
    let vsum = f32x4.splat(0.0);
    j = 0;
    for (; j + 4 <= n; j += 4) {
      const off = <usize>j << 2;
      const ve = exp_f32x4(f32x4.sub(v128.load(src + off), vmx));
      v128.store(dst + off, ve);
      vsum = f32x4.add(vsum, ve);
    }
    let sum = (f32x4.extract_lane(vsum, 0) + f32x4.extract_lane(vsum, 1)) +
      (f32x4.extract_lane(vsum, 2) + f32x4.extract_lane(vsum, 3));
    for (; j < n; j++) {
      const off = <usize>j << 2;
      const e = exp_f32(load<f32>(src + off) - mx);
      store<f32>(dst + off, e);
      sum += e;
    }
    // normalise (sum ≥ 1 because the maximum contributes e^0)
    const inv: f32 = 1.0 / sum;
    const vinv = f32x4.splat(inv);
    j = 0;
    for (; j + 4 <= n; j += 4) {
      const off = <usize>j << 2;
      v128.store(dst + off, f32x4.mul(v128.load(dst + off), vinv));
    }
    for (; j < n; j++) {
      const off = <usize>j << 2;
      store<f32>(dst + off, load<f32>(dst + off) * inv);
    }
  }
}

// Softmax Jacobian-vector product per row: dinp = s ⊙ (dout − Σ_j dout_j s_j), where s = out.
// All (m, n); dinp may alias dout.
export function softmax_backward(dinp: usize, dout: usize, out: usize, m: i32, n: i32): void {
  const rowBytes = <usize>n << 2;
  for (let r = 0; r < m; r++) {
    const d = dout + <usize>r * rowBytes;
    const s = out + <usize>r * rowBytes;
    const g = dinp + <usize>r * rowBytes;
    let j = 0;
    let vdot = f32x4.splat(0.0);
    for (; j + 4 <= n; j += 4) {
      const off = <usize>j << 2;
      vdot = f32x4.add(vdot, f32x4.mul(v128.load(d + off), v128.load(s + off)));
    }
    let dot = (f32x4.extract_lane(vdot, 0) + f32x4.extract_lane(vdot, 1)) +
      (f32x4.extract_lane(vdot, 2) + f32x4.extract_lane(vdot, 3));
    for (; j < n; j++) {
      const off = <usize>j << 2;
      dot += load<f32>(d + off) * load<f32>(s + off);
    }
    const vdotv = f32x4.splat(dot);
    j = 0;
    for (; j + 4 <= n; j += 4) {
      const off = <usize>j << 2;
      v128.store(g + off, f32x4.mul(v128.load(s + off), f32x4.sub(v128.load(d + off), vdotv)));
    }
    for (; j < n; j++) {
      const off = <usize>j << 2;
      store<f32>(g + off, load<f32>(s + off) * (load<f32>(d + off) - dot));
    }
  }
}
