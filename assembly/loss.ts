// Losses as batch means, each with its gradient written in the same pass (pass dpred = 0 to
// skip the gradient). pred and target are (m, n) row-major.
//   mse:                   L = (1/m) Σ ½‖y − ŷ‖²,  dL/dŷ = (ŷ − y)/m
//   softmax_cross_entropy: L = −(1/m) Σ y·ln max(ŷ, ε),  dL/dz = (ŷ − y)/m  (fused through softmax)
//   sigmoid_binary_cross_entropy:
//                          L = −(1/m) Σ [y ln ŷ + (1 − y) ln(1 − ŷ)], ŷ clamped to [ε, 1 − ε],
//                          dL/dz = (ŷ − y)/m  (fused through the sigmoid)
//   mae:                   L = (1/m) Σ ‖y − ŷ‖₁,  dL/dŷ = sign(ŷ − y)/m  (0 where ŷ = y)
//   huber(δ):              L = (1/m) Σ h(ŷ − y), h(d) = ½d² for |d| ≤ δ, else δ(|d| − ½δ);
//                          dL/dŷ = clamp(ŷ − y, −δ, δ)/m
//   Like mse, mae and huber sum over a row's outputs and average over the rows.
// Penalties on dense weights (not biases), added to the loss and the gradient:
//   weight_penalty:        P = l1·Σ|w| + l2·Σw²,  dP/dw = l1·sign(w) + 2·l2·w  (Keras's L1L2)
// The fused gradients are with respect to the output layer's pre-activation z.
// Sums run in f64 so the loss of a large batch does not lose digits.

// Loss codes: the `code` column of the table in src/model/losses.ts.
export const LOSS_MSE: i32 = 0;
export const LOSS_CROSS_ENTROPY: i32 = 1;
export const LOSS_BINARY_CROSS_ENTROPY: i32 = 2;
export const LOSS_MAE: i32 = 3;
export const LOSS_HUBER: i32 = 4;

// ε for the logarithms: ln(1e-7) ≈ −16.1 bounds a single sample's loss. The clamps are applied
// in f64: in f32, 1 − 1e-7 rounds to 1 − 2⁻²³, which capped a confidently wrong ŷ = 1 at 15.94
// instead of 16.12 and made the binary cross-entropy asymmetric between ŷ = 0 and ŷ = 1.
const EPS: f64 = 1e-7;

// Writes dpred = (pred − target)/m when dpred != 0 (may alias pred); shared by all three losses.
function scaled_difference(dpred: usize, pred: usize, target: usize, len: i32, invm: f32): void {
  const vinvm = f32x4.splat(invm);
  let i = 0;
  for (; i + 4 <= len; i += 4) {
    const off = <usize>i << 2;
    v128.store(dpred + off, f32x4.mul(f32x4.sub(v128.load(pred + off), v128.load(target + off)), vinvm));
  }
  for (; i < len; i++) {
    const off = <usize>i << 2;
    store<f32>(dpred + off, (load<f32>(pred + off) - load<f32>(target + off)) * invm);
  }
}

export function mse_loss(dpred: usize, pred: usize, target: usize, m: i32, n: i32): f64 {
  const len = m * n;
  let vsum = f32x4.splat(0.0);
  let sum: f64 = 0;
  let i = 0;
  // f32 partial sums over blocks of 256 values, folded into f64
  while (i + 4 <= len) {
    const end = min<i32>(len & ~3, i + 256);
    vsum = f32x4.splat(0.0);
    for (; i < end; i += 4) {
      const off = <usize>i << 2;
      const vd = f32x4.sub(v128.load(pred + off), v128.load(target + off));
      vsum = f32x4.add(vsum, f32x4.mul(vd, vd));
    }
    sum += <f64>f32x4.extract_lane(vsum, 0) + <f64>f32x4.extract_lane(vsum, 1) +
      <f64>f32x4.extract_lane(vsum, 2) + <f64>f32x4.extract_lane(vsum, 3);
  }
  for (; i < len; i++) {
    const off = <usize>i << 2;
    const d = <f64>load<f32>(pred + off) - <f64>load<f32>(target + off);
    sum += d * d;
  }
  if (dpred != 0) scaled_difference(dpred, pred, target, len, <f32>(1.0 / <f64>m));
  return 0.5 * sum / <f64>m;
}

export function softmax_cross_entropy_loss(dlogits: usize, pred: usize, target: usize, m: i32, n: i32): f64 {
  const len = m * n;
  let sum: f64 = 0;
  for (let i = 0; i < len; i++) {
    const off = <usize>i << 2;
    const y = load<f32>(target + off);
    if (y != 0) sum -= <f64>y * Math.log(max<f64>(<f64>load<f32>(pred + off), EPS));
  }
  if (dlogits != 0) scaled_difference(dlogits, pred, target, len, <f32>(1.0 / <f64>m));
  return sum / <f64>m;
}

export function sigmoid_binary_cross_entropy_loss(dlogits: usize, pred: usize, target: usize, m: i32, n: i32): f64 {
  const len = m * n;
  let sum: f64 = 0;
  for (let i = 0; i < len; i++) {
    const off = <usize>i << 2;
    const y = <f64>load<f32>(target + off);
    const p = min<f64>(max<f64>(<f64>load<f32>(pred + off), EPS), 1.0 - EPS);
    sum -= y * Math.log(p) + (1.0 - y) * Math.log(1.0 - p);
  }
  if (dlogits != 0) scaled_difference(dlogits, pred, target, len, <f32>(1.0 / <f64>m));
  return sum / <f64>m;
}

// The sum of f(ŷ − y) over len values in f64 (f32 partial sums over blocks of 256 values, as in
// mse_loss), and with dpred != 0 also dpred = g(ŷ − y)/m; dpred may alias pred.
// kind LOSS_MAE: f = |d|, g = sign(d).  kind LOSS_HUBER: f = h(d), g = clamp(d, −δ, δ).
// @ts-ignore: decorator
@inline function robust_loss(dpred: usize, pred: usize, target: usize, len: i32, invm: f32, kind: i32, delta: f32): f64 {
  const vdelta = f32x4.splat(delta);
  const vhalf = f32x4.splat(0.5);
  const vinvm = f32x4.splat(invm);
  const vzero = f32x4.splat(0.0);
  const vone = f32x4.splat(1.0);
  let sum: f64 = 0;
  let i = 0;
  while (i + 4 <= len) {
    const end = min<i32>(len & ~3, i + 256);
    let vsum = f32x4.splat(0.0);
    for (; i < end; i += 4) {
      const off = <usize>i << 2;
      const vd = f32x4.sub(v128.load(pred + off), v128.load(target + off));
      const va = f32x4.abs(vd);
      let vg: v128;
      if (kind == LOSS_MAE) {
        vsum = f32x4.add(vsum, va);
        // sign(d): ±1 with d's sign bit, 0 where d is 0
        vg = v128.and(v128.or(vone, v128.and(vd, i32x4.splat(0x80000000))), f32x4.ne(vd, vzero));
      } else {
        // |d| ≤ δ: ½d², else δ(|d| − ½δ)
        const vc = f32x4.min(va, vdelta);
        vsum = f32x4.add(vsum, f32x4.mul(vc, f32x4.sub(va, f32x4.mul(vhalf, vc))));
        vg = f32x4.max(f32x4.min(vd, vdelta), f32x4.neg(vdelta));
      }
      if (dpred) v128.store(dpred + off, f32x4.mul(vg, vinvm));
    }
    sum += <f64>f32x4.extract_lane(vsum, 0) + <f64>f32x4.extract_lane(vsum, 1) +
      <f64>f32x4.extract_lane(vsum, 2) + <f64>f32x4.extract_lane(vsum, 3);
  }
  for (; i < len; i++) {
    const off = <usize>i << 2;
    const d = load<f32>(pred + off) - load<f32>(target + off);
    const a = abs<f32>(d);
    let g: f32;
    if (kind == LOSS_MAE) {
      sum += <f64>a;
      g = d == 0 ? <f32>0.0 : copysign<f32>(1.0, d);
    } else {
      const c = min<f32>(a, delta);
      sum += <f64>(c * (a - <f32>0.5 * c));
      g = max<f32>(min<f32>(d, delta), -delta);
    }
    if (dpred) store<f32>(dpred + off, g * invm);
  }
  return sum;
}

export function mae_loss(dpred: usize, pred: usize, target: usize, m: i32, n: i32): f64 {
  return robust_loss(dpred, pred, target, m * n, <f32>(1.0 / <f64>m), LOSS_MAE, 0) / <f64>m;
}

// delta > 0
export function huber_loss(dpred: usize, pred: usize, target: usize, m: i32, n: i32, delta: f32): f64 {
  return robust_loss(dpred, pred, target, m * n, <f32>(1.0 / <f64>m), LOSS_HUBER, delta) / <f64>m;
}

// Returns l1·Σ|w| + l2·Σw² over len weights (f64 sums of f32 blocks) and, with dweight != 0,
// adds l1·sign(w) + 2·l2·w to dweight (sign(0) = 0, as TensorFlow's gradient of |w|).
export function weight_penalty(dweight: usize, weight: usize, len: i32, l1: f32, l2: f32): f64 {
  const vl1 = f32x4.splat(l1);
  const vl2x2 = f32x4.splat(l2 + l2);
  const vzero = f32x4.splat(0.0);
  const l2x2: f32 = l2 + l2;
  let sumAbs: f64 = 0, sumSq: f64 = 0;
  let i = 0;
  while (i + 4 <= len) {
    const end = min<i32>(len & ~3, i + 256);
    let vabs = f32x4.splat(0.0), vsq = f32x4.splat(0.0);
    for (; i < end; i += 4) {
      const off = <usize>i << 2;
      const vw = v128.load(weight + off);
      vabs = f32x4.add(vabs, f32x4.abs(vw));
      vsq = f32x4.add(vsq, f32x4.mul(vw, vw));
      if (dweight) {
        const vsign = v128.and(v128.or(f32x4.splat(1.0), v128.and(vw, i32x4.splat(0x80000000))), f32x4.ne(vw, vzero));
        const vg = f32x4.add(f32x4.mul(vl1, vsign), f32x4.mul(vl2x2, vw));
        v128.store(dweight + off, f32x4.add(v128.load(dweight + off), vg));
      }
    }
    sumAbs += <f64>f32x4.extract_lane(vabs, 0) + <f64>f32x4.extract_lane(vabs, 1) +
      <f64>f32x4.extract_lane(vabs, 2) + <f64>f32x4.extract_lane(vabs, 3);
    sumSq += <f64>f32x4.extract_lane(vsq, 0) + <f64>f32x4.extract_lane(vsq, 1) +
      <f64>f32x4.extract_lane(vsq, 2) + <f64>f32x4.extract_lane(vsq, 3);
  }
  for (; i < len; i++) {
    const off = <usize>i << 2;
    const w = load<f32>(weight + off);
    sumAbs += <f64>abs<f32>(w);
    sumSq += <f64>(w * w);
    if (dweight) {
      const sign: f32 = w == 0 ? <f32>0.0 : copysign<f32>(1.0, w);
      store<f32>(dweight + off, load<f32>(dweight + off) + (l1 * sign + l2x2 * w));
    }
  }
  return <f64>l1 * sumAbs + <f64>l2 * sumSq;
}
