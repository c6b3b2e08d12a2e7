// Activations and their derivatives over flat float32 buffers, and softmax over rows.
// One row per activation in src/model/activations.ts gives its code (ACT_* in simd.ts) and says
// what the backward pass keeps for it: the output y = f(z) (`derivative: 'output'`) or the
// pre-activation z (`'input'`). Forward and derivative sit side by side below, SIMD and scalar
// twins computing the same float32 operations so that lanes and tails agree bit for bit.
//   from y:  relu' = [y > 0]          leakyRelu' = y > 0 ? 1 : α      sigmoid' = y(1 − y)
//            tanh' = 1 − y²           elu' = y > 0 ? 1 : y + α       selu' = y > 0 ? λ : y + λα
//            softsign' = (1 − |y|)²   linear' = 1
//   from z:  gelu' = Φ(z) + z·φ(z)    softplus' = sigmoid(z)          swish' = s + z·s(1 − s)
//   elu = z > 0 ? z : α(eᶻ − 1)     selu = λ·elu with α = 1.6732632, λ = 1.0507010 (Keras)
//   gelu = z·Φ(z) = ½z(1 + erf(z/√2)) (the exact form)     softplus = ln(1 + eᶻ)
//   swish = z·sigmoid(z) (also called silu)                 softsign = z/(1 + |z|)
// ReLU at exactly z = 0 (and −0) has derivative 0. An unknown code traps.

import {
  ACT_LINEAR, ACT_RELU, ACT_LEAKY_RELU, ACT_SIGMOID, ACT_TANH, ACT_ELU, ACT_SELU, ACT_GELU,
  ACT_SOFTPLUS, ACT_SWISH, ACT_SOFTSIGN,
  activate_f32x4, activate_f32, exp_f32x4, exp_f32, sigmoid_f32x4, sigmoid_f32,
  expm1_neg_f32x4, expm1_neg_f32, log1p_unit_f32x4, log1p_unit_f32, erf_f32x4, erf_f32,
} from './simd';

const SELU_ALPHA: f32 = 1.6732632423543772;
const SELU_SCALE: f32 = 1.0507009873554805;
const SELU_SCALED_ALPHA: f32 = 1.7580993408473766; // λ·α
const SQRT1_2: f32 = 0.7071067811865476;
const INV_SQRT_2PI: f32 = 0.3989422804014327;

// @ts-ignore: decorator
@inline function forward_f32x4(x: v128, kind: i32, valpha: v128): v128 {
  const vzero = f32x4.splat(0.0);
  if (kind == ACT_ELU) {
    return v128.bitselect(x, f32x4.mul(valpha, expm1_neg_f32x4(f32x4.min(x, vzero))), f32x4.gt(x, vzero));
  }
  if (kind == ACT_SELU) {
    const vneg = f32x4.mul(f32x4.splat(SELU_SCALED_ALPHA), expm1_neg_f32x4(f32x4.min(x, vzero)));
    return v128.bitselect(f32x4.mul(f32x4.splat(SELU_SCALE), x), vneg, f32x4.gt(x, vzero));
  }
  if (kind == ACT_GELU) {
    const vphi = f32x4.add(f32x4.splat(1.0), erf_f32x4(f32x4.mul(x, f32x4.splat(SQRT1_2))));
    return f32x4.mul(f32x4.mul(x, f32x4.splat(0.5)), vphi);
  }
  if (kind == ACT_SOFTPLUS) {
    // max(z, 0) + ln(1 + e^−|z|)
    return f32x4.add(f32x4.max(x, vzero), log1p_unit_f32x4(exp_f32x4(f32x4.neg(f32x4.abs(x)))));
  }
  if (kind == ACT_SWISH) return f32x4.mul(x, sigmoid_f32x4(x));
  if (kind == ACT_SOFTSIGN) return f32x4.div(x, f32x4.add(f32x4.splat(1.0), f32x4.abs(x)));
  return activate_f32x4(x, kind, valpha);
}

// @ts-ignore: decorator
@inline function forward_f32(x: f32, kind: i32, alpha: f32): f32 {
  if (kind == ACT_ELU) return x > 0 ? x : alpha * expm1_neg_f32(min<f32>(x, 0.0));
  if (kind == ACT_SELU) return x > 0 ? SELU_SCALE * x : SELU_SCALED_ALPHA * expm1_neg_f32(min<f32>(x, 0.0));
  if (kind == ACT_GELU) return (x * 0.5) * (<f32>1.0 + erf_f32(x * SQRT1_2));
  if (kind == ACT_SOFTPLUS) return max<f32>(x, 0.0) + log1p_unit_f32(exp_f32(-abs<f32>(x)));
  if (kind == ACT_SWISH) return x * sigmoid_f32(x);
  if (kind == ACT_SOFTSIGN) return x / (<f32>1.0 + abs<f32>(x));
  return activate_f32(x, kind, alpha);
}

// f'(·) from the saved value s (y or z, as the table says), times the incoming gradient d.
// @ts-ignore: decorator
@inline function backward_f32x4(vd: v128, s: v128, kind: i32, valpha: v128): v128 {
  const vzero = f32x4.splat(0.0);
  const vone = f32x4.splat(1.0);
  if (kind == ACT_RELU) return v128.and(vd, f32x4.gt(s, vzero));
  if (kind == ACT_LEAKY_RELU) return v128.bitselect(vd, f32x4.mul(vd, valpha), f32x4.gt(s, vzero));
  if (kind == ACT_SIGMOID) return f32x4.mul(vd, f32x4.mul(s, f32x4.sub(vone, s)));
  if (kind == ACT_TANH) return f32x4.mul(vd, f32x4.sub(vone, f32x4.mul(s, s)));
  if (kind == ACT_ELU) return v128.bitselect(vd, f32x4.mul(vd, f32x4.add(s, valpha)), f32x4.gt(s, vzero));
  if (kind == ACT_SELU) {
    return f32x4.mul(vd, v128.bitselect(f32x4.splat(SELU_SCALE), f32x4.add(s, f32x4.splat(SELU_SCALED_ALPHA)), f32x4.gt(s, vzero)));
  }
  if (kind == ACT_SOFTSIGN) {
    const vt = f32x4.sub(vone, f32x4.abs(s));
    return f32x4.mul(vd, f32x4.mul(vt, vt));
  }
  if (kind == ACT_GELU) {
    const vcdf = f32x4.mul(f32x4.splat(0.5), f32x4.add(vone, erf_f32x4(f32x4.mul(s, f32x4.splat(SQRT1_2)))));
    const vpdf = f32x4.mul(f32x4.splat(INV_SQRT_2PI), exp_f32x4(f32x4.mul(f32x4.mul(s, s), f32x4.splat(-0.5))));
    return f32x4.mul(vd, f32x4.add(vcdf, f32x4.mul(s, vpdf)));
  }
  if (kind == ACT_SOFTPLUS) return f32x4.mul(vd, sigmoid_f32x4(s));
  if (kind == ACT_SWISH) {
    const vsig = sigmoid_f32x4(s);
    return f32x4.mul(vd, f32x4.add(vsig, f32x4.mul(s, f32x4.mul(vsig, f32x4.sub(vone, vsig)))));
  }
  if (kind != ACT_LINEAR) unreachable();
  return vd;
}

// @ts-ignore: decorator
@inline function backward_f32(d: f32, s: f32, kind: i32, alpha: f32): f32 {
  if (kind == ACT_RELU) return s > 0 ? d : 0;
  if (kind == ACT_LEAKY_RELU) return s > 0 ? d : d * alpha;
  if (kind == ACT_SIGMOID) return d * (s * (<f32>1.0 - s));
  if (kind == ACT_TANH) return d * (<f32>1.0 - s * s);
  if (kind == ACT_ELU) return s > 0 ? d : d * (s + alpha);
  if (kind == ACT_SELU) return d * (s > 0 ? SELU_SCALE : s + SELU_SCALED_ALPHA);
  if (kind == ACT_SOFTSIGN) {
    const t: f32 = <f32>1.0 - abs<f32>(s);
    return d * (t * t);
  }
  if (kind == ACT_GELU) {
    const cdf: f32 = <f32>0.5 * (<f32>1.0 + erf_f32(s * SQRT1_2));
    const pdf: f32 = INV_SQRT_2PI * exp_f32((s * s) * <f32>-0.5);
    return d * (cdf + s * pdf);
  }
  if (kind == ACT_SOFTPLUS) return d * sigmoid_f32(s);
  if (kind == ACT_SWISH) {
    const sig = sigmoid_f32(s);
    return d * (sig + s * (sig * (<f32>1.0 - sig)));
  }
  if (kind != ACT_LINEAR) unreachable();
  return d;
}

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
    v128.store(out + off, forward_f32x4(v128.load(inp + off), kind, valpha));
  }
  for (; i < len; i++) {
    const off = <usize>i << 2;
    store<f32>(out + off, forward_f32(load<f32>(inp + off), kind, alpha));
  }
}

// dinp = dout ⊙ f'(·), with f' computed from `saved`: the output y = f(z) or the input z, as
// the kind's row in the activation table says. Elementwise over len values; dinp may alias dout.
export function activation_backward(dinp: usize, dout: usize, saved: usize, len: i32, kind: i32, alpha: f32): void {
  if (kind == ACT_LINEAR) {
    if (dinp != dout) memory.copy(dinp, dout, <usize>len << 2);
    return;
  }
  const valpha = f32x4.splat(alpha);
  let i = 0;
  for (; i + 4 <= len; i += 4) {
    const off = <usize>i << 2;
    v128.store(dinp + off, backward_f32x4(v128.load(dout + off), v128.load(saved + off), kind, valpha));
  }
  for (; i < len; i++) {
    const off = <usize>i << 2;
    store<f32>(dinp + off, backward_f32(load<f32>(dout + off), load<f32>(saved + off), kind, alpha));
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
