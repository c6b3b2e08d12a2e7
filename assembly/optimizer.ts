// Optimizer updates, each one flat loop over the whole parameter block (weights and biases of
// every layer are contiguous, and so are their gradients and the optimizer state).
//   sgd:      p ← p − lr·(g + wd·p)
//   momentum: v ← μ·v − lr·(g + wd·p);  p ← p + v            (classical)
//                                       p ← p + μ·v − lr·(g + wd·p)  (Nesterov, as Keras/PyTorch)
//   adam:     m ← β1·m + (1 − β1)·g;  v ← β2·v + (1 − β2)·g²
//             p ← p − lr·( (m·c1) / (√(v·c2) + ε) + wd·p ),  c1 = 1/(1 − β1ᵗ), c2 = 1/(1 − β2ᵗ)
//             (wd is decoupled weight decay: AdamW; 0 gives Adam)

export function sgd_update(param: usize, grad: usize, len: i32, lr: f32, weight_decay: f32): void {
  const vlr = f32x4.splat(lr);
  const vwd = f32x4.splat(weight_decay);
  let i = 0;
  for (; i + 4 <= len; i += 4) {
    const off = <usize>i << 2;
    const vp = v128.load(param + off);
    const vg = f32x4.add(v128.load(grad + off), f32x4.mul(vwd, vp));
    v128.store(param + off, f32x4.sub(vp, f32x4.mul(vlr, vg)));
  }
  for (; i < len; i++) {
    const off = <usize>i << 2;
    const p = load<f32>(param + off);
    store<f32>(param + off, p - lr * (load<f32>(grad + off) + weight_decay * p));
  }
}

export function momentum_update(param: usize, grad: usize, velocity: usize, len: i32, lr: f32,
  momentum: f32, nesterov: i32, weight_decay: f32): void {
  const vlr = f32x4.splat(lr);
  const vmu = f32x4.splat(momentum);
  const vwd = f32x4.splat(weight_decay);
  let i = 0;
  for (; i + 4 <= len; i += 4) {
    const off = <usize>i << 2;
    const vp = v128.load(param + off);
    const vstep = f32x4.mul(vlr, f32x4.add(v128.load(grad + off), f32x4.mul(vwd, vp)));
    const vv = f32x4.sub(f32x4.mul(vmu, v128.load(velocity + off)), vstep);
    v128.store(velocity + off, vv);
    const vdelta = nesterov ? f32x4.sub(f32x4.mul(vmu, vv), vstep) : vv;
    v128.store(param + off, f32x4.add(vp, vdelta));
  }
  for (; i < len; i++) {
    const off = <usize>i << 2;
    const p = load<f32>(param + off);
    const step = lr * (load<f32>(grad + off) + weight_decay * p);
    const v = momentum * load<f32>(velocity + off) - step;
    store<f32>(velocity + off, v);
    store<f32>(param + off, p + (nesterov ? momentum * v - step : v));
  }
}

export function adam_update(param: usize, grad: usize, moment1: usize, moment2: usize, len: i32,
  lr: f32, beta1: f32, beta2: f32, epsilon: f32, c1: f32, c2: f32, weight_decay: f32): void {
  const vlr = f32x4.splat(lr);
  const vb1 = f32x4.splat(beta1), vb1c = f32x4.splat(1.0 - beta1);
  const vb2 = f32x4.splat(beta2), vb2c = f32x4.splat(1.0 - beta2);
  const veps = f32x4.splat(epsilon);
  const vc1 = f32x4.splat(c1), vc2 = f32x4.splat(c2);
  const vwd = f32x4.splat(weight_decay);
  let i = 0;
  for (; i + 4 <= len; i += 4) {
    const off = <usize>i << 2;
    const vg = v128.load(grad + off);
    const vm = f32x4.add(f32x4.mul(vb1, v128.load(moment1 + off)), f32x4.mul(vb1c, vg));
    const vv = f32x4.add(f32x4.mul(vb2, v128.load(moment2 + off)), f32x4.mul(vb2c, f32x4.mul(vg, vg)));
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
    const g = load<f32>(grad + off);
    const m = beta1 * load<f32>(moment1 + off) + (1.0 - beta1) * g;
    const v = beta2 * load<f32>(moment2 + off) + (1.0 - beta2) * (g * g);
    store<f32>(moment1 + off, m);
    store<f32>(moment2 + off, v);
    const p = load<f32>(param + off);
    store<f32>(param + off, p - lr * ((m * c1) / (sqrt<f32>(v * c2) + epsilon) + weight_decay * p));
  }
}
