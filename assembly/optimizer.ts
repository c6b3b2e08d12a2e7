// Optimizer updates, each one flat loop over the whole parameter block (weights and biases of
// every layer are contiguous, and so are their gradients and the optimizer state). Every kernel
// reads the gradient as ĝ = clamp(g·scale, −clip, clip): `scale` is the global-norm clipping
// factor min(1, clipNorm/‖g‖) (1 when off) and `clip` the clipValue (+∞ when off). The formulas
// are Keras 3's (keras/src/optimizers/*.py), with ĝ for g:
//   sgd:      p ← p − lr·(ĝ + wd·p)
//   momentum: v ← μ·v − lr·(ĝ + wd·p);  p ← p + v              (classical; the velocity holds lr)
//                                       p ← p + μ·v − lr·(ĝ + wd·p)  (Nesterov)
//   adam:     m ← β1·m + (1 − β1)·ĝ;  v ← β2·v + (1 − β2)·ĝ²
//             p ← p − lr·( (m·c1) / (√(v·c2) + ε) + wd·p ),  c1 = 1/(1 − β1ᵗ), c2 = 1/(1 − β2ᵗ)
//             (wd is decoupled weight decay: AdamW; 0 gives Adam)
//   rmsprop:  v ← ρ·v + (1 − ρ)·ĝ²;  centered: a ← ρ·a + (1 − ρ)·ĝ, d = v − a² + ε, else d = v + ε
//             i = lr·ĝ/√d;  with momentum μ > 0: w ← μ·w + i, p ← p − w; else p ← p − i
//   adagrad:  a ← a + ĝ²;  p ← p − lr·ĝ/√(a + ε)            (a starts at initialAccumulatorValue)
//   adamax:   m ← β1·m + (1 − β1)·ĝ;  u ← max(β2·u, |ĝ|);  p ← p − lr·m·c1/(u + ε)
//   nadam:    m ← β1·m + (1 − β1)·ĝ;  v ← β2·v + (1 − β2)·ĝ²
//             p ← p − lr·(a·m + b·ĝ)/(√(v·c2) + ε),  a = u_{t+1}/(1 − Π_{s≤t+1} u_s),
//             b = (1 − u_t)/(1 − Π_{s≤t} u_s),  u_t = β1·(1 − ½·0.96^(0.004·t))  (network_update)

import { clip_f32x4, clip_f32 } from './simd';

// The exponential moving average β·old + (1 − β)·x that adam, adamax, nadam and rmsprop keep of ĝ
// and ĝ² (lanes: `rest` = splat(1 − β)); written once so every optimizer rounds it alike.
// @ts-ignore: decorator
@inline function ema_f32x4(beta: v128, rest: v128, old: v128, x: v128): v128 {
  return f32x4.add(f32x4.mul(beta, old), f32x4.mul(rest, x));
}
// @ts-ignore: decorator
@inline function ema_f32(beta: f32, old: f32, x: f32): f32 {
  return beta * old + (1.0 - beta) * x;
}

// Optimizer codes: the `code` column of the table in src/model/optimizers.ts.
export const OPT_SGD: i32 = 0;
export const OPT_MOMENTUM: i32 = 1;
export const OPT_ADAM: i32 = 2;
export const OPT_RMSPROP: i32 = 3;
export const OPT_ADAGRAD: i32 = 4;
export const OPT_ADAMAX: i32 = 5;
export const OPT_NADAM: i32 = 6;
export const OPT_ADAMW: i32 = 7;

// The update of optimizer `kind` over `len` floats (every pointer already at the same element;
// a state pointer the optimizer does not use is 0). `beta1` is momentum's μ and rmsprop's ρ;
// c1, c2, c3 are the step's factors computed by network_update: adam and adamax c1 = 1/(1 − β1ᵗ),
// adam c2 = 1/(1 − β2ᵗ); nadam a, b, 1/(1 − β2ᵗ). Each element is updated alone, so any split
// of the block into ranges (at multiples of 4: no element takes a scalar tail) gives the same bits.
export function optimizer_update(kind: i32, param: usize, grad: usize, s1: usize, s2: usize, s3: usize, len: i32,
  lr: f32, beta1: f32, beta2: f32, epsilon: f32, decay: f32, nesterov: i32, momentum: f32, c1: f32, c2: f32, c3: f32,
  scale: f32, clip: f32): void {
  if (kind == OPT_SGD) sgd_update(param, grad, len, lr, decay, scale, clip);
  else if (kind == OPT_MOMENTUM) momentum_update(param, grad, s1, len, lr, beta1, nesterov, decay, scale, clip);
  else if (kind == OPT_ADAM || kind == OPT_ADAMW) adam_update(param, grad, s1, s2, len, lr, beta1, beta2, epsilon, c1, c2, decay, scale, clip);
  else if (kind == OPT_RMSPROP) rmsprop_update(param, grad, s1, s2, s3, len, lr, beta1, momentum, epsilon, scale, clip);
  else if (kind == OPT_ADAGRAD) adagrad_update(param, grad, s1, len, lr, epsilon, scale, clip);
  else if (kind == OPT_ADAMAX) adamax_update(param, grad, s1, s2, len, lr, beta1, beta2, epsilon, c1, scale, clip);
  else if (kind == OPT_NADAM) nadam_update(param, grad, s1, s2, len, lr, beta1, beta2, epsilon, c1, c2, c3, scale, clip);
  else unreachable();
}

export function sgd_update(param: usize, grad: usize, len: i32, lr: f32, weight_decay: f32, scale: f32, clip: f32): void {
  const vlr = f32x4.splat(lr);
  const vwd = f32x4.splat(weight_decay);
  const vscale = f32x4.splat(scale), vclip = f32x4.splat(clip);
  let i = 0;
  for (; i + 4 <= len; i += 4) {
    const off = <usize>i << 2;
    const vp = v128.load(param + off);
    const vg = f32x4.add(clip_f32x4(v128.load(grad + off), vscale, vclip), f32x4.mul(vwd, vp));
    v128.store(param + off, f32x4.sub(vp, f32x4.mul(vlr, vg)));
  }
  for (; i < len; i++) {
    const off = <usize>i << 2;
    const p = load<f32>(param + off);
    store<f32>(param + off, p - lr * (clip_f32(load<f32>(grad + off), scale, clip) + weight_decay * p));
  }
}

export function momentum_update(param: usize, grad: usize, velocity: usize, len: i32, lr: f32,
  momentum: f32, nesterov: i32, weight_decay: f32, scale: f32, clip: f32): void {
  const vlr = f32x4.splat(lr);
  const vmu = f32x4.splat(momentum);
  const vwd = f32x4.splat(weight_decay);
  const vscale = f32x4.splat(scale), vclip = f32x4.splat(clip);
  let i = 0;
  for (; i + 4 <= len; i += 4) {
    const off = <usize>i << 2;
    const vp = v128.load(param + off);
    const vstep = f32x4.mul(vlr, f32x4.add(clip_f32x4(v128.load(grad + off), vscale, vclip), f32x4.mul(vwd, vp)));
    const vv = f32x4.sub(f32x4.mul(vmu, v128.load(velocity + off)), vstep);
    v128.store(velocity + off, vv);
    const vdelta = nesterov ? f32x4.sub(f32x4.mul(vmu, vv), vstep) : vv;
    v128.store(param + off, f32x4.add(vp, vdelta));
  }
  for (; i < len; i++) {
    const off = <usize>i << 2;
    const p = load<f32>(param + off);
    const step = lr * (clip_f32(load<f32>(grad + off), scale, clip) + weight_decay * p);
    const v = momentum * load<f32>(velocity + off) - step;
    store<f32>(velocity + off, v);
    store<f32>(param + off, p + (nesterov ? momentum * v - step : v));
  }
}

export function adam_update(param: usize, grad: usize, moment1: usize, moment2: usize, len: i32,
  lr: f32, beta1: f32, beta2: f32, epsilon: f32, c1: f32, c2: f32, weight_decay: f32, scale: f32, clip: f32): void {
  const vlr = f32x4.splat(lr);
  const vb1 = f32x4.splat(beta1), vb1c = f32x4.splat(1.0 - beta1);
  const vb2 = f32x4.splat(beta2), vb2c = f32x4.splat(1.0 - beta2);
  const veps = f32x4.splat(epsilon);
  const vc1 = f32x4.splat(c1), vc2 = f32x4.splat(c2);
  const vwd = f32x4.splat(weight_decay);
  const vscale = f32x4.splat(scale), vclip = f32x4.splat(clip);
  let i = 0;
  for (; i + 4 <= len; i += 4) {
    const off = <usize>i << 2;
    const vg = clip_f32x4(v128.load(grad + off), vscale, vclip);
    const vm = ema_f32x4(vb1, vb1c, v128.load(moment1 + off), vg);
    const vv = ema_f32x4(vb2, vb2c, v128.load(moment2 + off), f32x4.mul(vg, vg));
    v128.store(moment1 + off, vm);
    v128.store(moment2 + off, vv);
    const vp = v128.load(param + off);
    const vupd = f32x4.add(
      f32x4.div(f32x4.mul(vm, vc1), f32x4.add(f32x4.sqrt(f32x4.mul(vv, vc2)), veps)),
      f32x4.mul(vwd, vp));
    v128.store(param + off, f32x4.sub(vp, f32x4.mul(vlr, vupd)));
  }
  for (; i < len; i++) {
    const off = <usize>i << 2;
    const g = clip_f32(load<f32>(grad + off), scale, clip);
    const m = ema_f32(beta1, load<f32>(moment1 + off), g);
    const v = ema_f32(beta2, load<f32>(moment2 + off), g * g);
    store<f32>(moment1 + off, m);
    store<f32>(moment2 + off, v);
    const p = load<f32>(param + off);
    store<f32>(param + off, p - lr * ((m * c1) / (sqrt<f32>(v * c2) + epsilon) + weight_decay * p));
  }
}

// mean_grad = 0 for the plain form, else the running mean a of the centered form; accumulated =
// 0 without momentum, else the momentum buffer w.
export function rmsprop_update(param: usize, grad: usize, velocity: usize, mean_grad: usize, accumulated: usize,
  len: i32, lr: f32, rho: f32, momentum: f32, epsilon: f32, scale: f32, clip: f32): void {
  const vlr = f32x4.splat(lr);
  const vrho = f32x4.splat(rho), vrhoc = f32x4.splat(1.0 - rho);
  const vmu = f32x4.splat(momentum);
  const veps = f32x4.splat(epsilon);
  const vscale = f32x4.splat(scale), vclip = f32x4.splat(clip);
  let i = 0;
  for (; i + 4 <= len; i += 4) {
    const off = <usize>i << 2;
    const vg = clip_f32x4(v128.load(grad + off), vscale, vclip);
    const vv = ema_f32x4(vrho, vrhoc, v128.load(velocity + off), f32x4.mul(vg, vg));
    v128.store(velocity + off, vv);
    let vden: v128;
    if (mean_grad) {
      const va = ema_f32x4(vrho, vrhoc, v128.load(mean_grad + off), vg);
      v128.store(mean_grad + off, va);
      vden = f32x4.add(f32x4.sub(vv, f32x4.mul(va, va)), veps);
    } else {
      vden = f32x4.add(vv, veps);
    }
    let vinc = f32x4.div(f32x4.mul(vlr, vg), f32x4.sqrt(vden));
    if (accumulated) {
      vinc = f32x4.add(f32x4.mul(vmu, v128.load(accumulated + off)), vinc);
      v128.store(accumulated + off, vinc);
    }
    v128.store(param + off, f32x4.sub(v128.load(param + off), vinc));
  }
  for (; i < len; i++) {
    const off = <usize>i << 2;
    const g = clip_f32(load<f32>(grad + off), scale, clip);
    const v = ema_f32(rho, load<f32>(velocity + off), g * g);
    store<f32>(velocity + off, v);
    let den: f32;
    if (mean_grad) {
      const a = ema_f32(rho, load<f32>(mean_grad + off), g);
      store<f32>(mean_grad + off, a);
      den = (v - a * a) + epsilon;
    } else {
      den = v + epsilon;
    }
    let inc = (lr * g) / sqrt<f32>(den);
    if (accumulated) {
      inc = momentum * load<f32>(accumulated + off) + inc;
      store<f32>(accumulated + off, inc);
    }
    store<f32>(param + off, load<f32>(param + off) - inc);
  }
}

export function adagrad_update(param: usize, grad: usize, accumulator: usize, len: i32, lr: f32, epsilon: f32,
  scale: f32, clip: f32): void {
  const vlr = f32x4.splat(lr);
  const veps = f32x4.splat(epsilon);
  const vscale = f32x4.splat(scale), vclip = f32x4.splat(clip);
  let i = 0;
  for (; i + 4 <= len; i += 4) {
    const off = <usize>i << 2;
    const vg = clip_f32x4(v128.load(grad + off), vscale, vclip);
    const va = f32x4.add(v128.load(accumulator + off), f32x4.mul(vg, vg));
    v128.store(accumulator + off, va);
    const vinc = f32x4.div(f32x4.mul(vlr, vg), f32x4.sqrt(f32x4.add(va, veps)));
    v128.store(param + off, f32x4.sub(v128.load(param + off), vinc));
  }
  for (; i < len; i++) {
    const off = <usize>i << 2;
    const g = clip_f32(load<f32>(grad + off), scale, clip);
    const a = load<f32>(accumulator + off) + g * g;
    store<f32>(accumulator + off, a);
    store<f32>(param + off, load<f32>(param + off) - (lr * g) / sqrt<f32>(a + epsilon));
  }
}

// c1 = 1/(1 − β1ᵗ)
export function adamax_update(param: usize, grad: usize, moment: usize, norm: usize, len: i32, lr: f32,
  beta1: f32, beta2: f32, epsilon: f32, c1: f32, scale: f32, clip: f32): void {
  const vlrc = f32x4.splat(lr * c1);
  const vb1 = f32x4.splat(beta1), vb1c = f32x4.splat(1.0 - beta1);
  const vb2 = f32x4.splat(beta2);
  const veps = f32x4.splat(epsilon);
  const vscale = f32x4.splat(scale), vclip = f32x4.splat(clip);
  const lrc = lr * c1;
  let i = 0;
  for (; i + 4 <= len; i += 4) {
    const off = <usize>i << 2;
    const vg = clip_f32x4(v128.load(grad + off), vscale, vclip);
    const vm = ema_f32x4(vb1, vb1c, v128.load(moment + off), vg);
    // both sides ≥ +0 and finite: pmax (one maxps) gives max's bits
    const vu = f32x4.pmax(f32x4.mul(vb2, v128.load(norm + off)), f32x4.abs(vg));
    v128.store(moment + off, vm);
    v128.store(norm + off, vu);
    const vinc = f32x4.div(f32x4.mul(vlrc, vm), f32x4.add(vu, veps));
    v128.store(param + off, f32x4.sub(v128.load(param + off), vinc));
  }
  for (; i < len; i++) {
    const off = <usize>i << 2;
    const g = clip_f32(load<f32>(grad + off), scale, clip);
    const m = ema_f32(beta1, load<f32>(moment + off), g);
    const u = max<f32>(beta2 * load<f32>(norm + off), abs<f32>(g));
    store<f32>(moment + off, m);
    store<f32>(norm + off, u);
    store<f32>(param + off, load<f32>(param + off) - (lrc * m) / (u + epsilon));
  }
}

// a, b: the momentum and gradient weights of the header; c2 = 1/(1 − β2ᵗ)
export function nadam_update(param: usize, grad: usize, moment1: usize, moment2: usize, len: i32, lr: f32,
  beta1: f32, beta2: f32, epsilon: f32, a: f32, b: f32, c2: f32, scale: f32, clip: f32): void {
  const vlr = f32x4.splat(lr);
  const vb1 = f32x4.splat(beta1), vb1c = f32x4.splat(1.0 - beta1);
  const vb2 = f32x4.splat(beta2), vb2c = f32x4.splat(1.0 - beta2);
  const veps = f32x4.splat(epsilon);
  const va = f32x4.splat(a), vb = f32x4.splat(b), vc2 = f32x4.splat(c2);
  const vscale = f32x4.splat(scale), vclip = f32x4.splat(clip);
  let i = 0;
  for (; i + 4 <= len; i += 4) {
    const off = <usize>i << 2;
    const vg = clip_f32x4(v128.load(grad + off), vscale, vclip);
    const vm = ema_f32x4(vb1, vb1c, v128.load(moment1 + off), vg);
    const vv = ema_f32x4(vb2, vb2c, v128.load(moment2 + off), f32x4.mul(vg, vg));
    v128.store(moment1 + off, vm);
    v128.store(moment2 + off, vv);
    const vnum = f32x4.add(f32x4.mul(va, vm), f32x4.mul(vb, vg));
    const vinc = f32x4.div(f32x4.mul(vlr, vnum), f32x4.add(f32x4.sqrt(f32x4.mul(vv, vc2)), veps));
    v128.store(param + off, f32x4.sub(v128.load(param + off), vinc));
  }
  for (; i < len; i++) {
    const off = <usize>i << 2;
    const g = clip_f32(load<f32>(grad + off), scale, clip);
    const m = ema_f32(beta1, load<f32>(moment1 + off), g);
    const v = ema_f32(beta2, load<f32>(moment2 + off), g * g);
    store<f32>(moment1 + off, m);
    store<f32>(moment2 + off, v);
    const num = a * m + b * g;
    store<f32>(param + off, load<f32>(param + off) - (lr * num) / (sqrt<f32>(v * c2) + epsilon));
  }
}
