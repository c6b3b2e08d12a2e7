// Losses as batch means, each with its gradient written in the same pass (pass dpred = 0 to
// skip the gradient). pred and target are (m, n) row-major.
//   mse:                   L = (1/m) Σ ½‖y − ŷ‖²,  dL/dŷ = (ŷ − y)/m
//   softmax_cross_entropy: L = −(1/m) Σ y·ln max(ŷ, ε),  dL/dz = (ŷ − y)/m  (fused through softmax)
//   sigmoid_binary_cross_entropy:
//                          L = −(1/m) Σ [y ln ŷ + (1 − y) ln(1 − ŷ)], ŷ clamped to [ε, 1 − ε],
//                          dL/dz = (ŷ − y)/m  (fused through the sigmoid)
// The fused gradients are with respect to the output layer's pre-activation z.
// Sums run in f64 so the loss of a large batch does not lose digits.

export const LOSS_MSE: i32 = 0;
export const LOSS_CROSS_ENTROPY: i32 = 1;
export const LOSS_BINARY_CROSS_ENTROPY: i32 = 2;

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
