// Inline helpers shared by the kernels: a vectorised exp and the activation functions and
// derivatives in f32x4 form, each with a scalar twin that computes the same polynomial so that
// SIMD lanes and scalar tails agree bit for bit. Nothing here is exported from the module.

// Activation kinds. Mirrored in src/runtime/abi.ts; keep the numbers in step.
export const ACT_LINEAR: i32 = 0;
export const ACT_RELU: i32 = 1;
export const ACT_LEAKY_RELU: i32 = 2;
export const ACT_SIGMOID: i32 = 3;
export const ACT_TANH: i32 = 4;
export const ACT_SOFTMAX: i32 = 5;

// exp(x) by Cody–Waite range reduction x = n·ln2 + r, |r| ≤ ln2/2, and Cephes' degree-5
// polynomial for e^r (relative error ≤ 2e-7 on [-87.3, 88]). x is clamped to that range first:
// below it the result would be subnormal (we return ≈1.2e-38), above it would overflow.
const EXP_HI: f32 = 88.0;
const EXP_LO: f32 = -87.33654;
const LOG2E: f32 = 1.44269504088896341;
const LN2_HI: f32 = 0.693359375;
const LN2_LO: f32 = -2.12194440e-4;
const P0: f32 = 1.9875691500e-4;
const P1: f32 = 1.3981999507e-3;
const P2: f32 = 8.3334519073e-3;
const P3: f32 = 4.1665795894e-2;
const P4: f32 = 1.6666665459e-1;
const P5: f32 = 5.0000001201e-1;

// @ts-ignore: decorator
@inline export function exp_f32x4(x: v128): v128 {
  x = f32x4.max(f32x4.min(x, f32x4.splat(EXP_HI)), f32x4.splat(EXP_LO));
  const vn = f32x4.nearest(f32x4.mul(x, f32x4.splat(LOG2E)));
  let vr = f32x4.sub(x, f32x4.mul(vn, f32x4.splat(LN2_HI)));
  vr = f32x4.sub(vr, f32x4.mul(vn, f32x4.splat(LN2_LO)));
  let vp = f32x4.add(f32x4.mul(f32x4.splat(P0), vr), f32x4.splat(P1));
  vp = f32x4.add(f32x4.mul(vp, vr), f32x4.splat(P2));
  vp = f32x4.add(f32x4.mul(vp, vr), f32x4.splat(P3));
  vp = f32x4.add(f32x4.mul(vp, vr), f32x4.splat(P4));
  vp = f32x4.add(f32x4.mul(vp, vr), f32x4.splat(P5));
  vp = f32x4.add(f32x4.add(f32x4.mul(f32x4.mul(vp, vr), vr), vr), f32x4.splat(1.0));
  const vscale = i32x4.shl(i32x4.add(i32x4.trunc_sat_f32x4_s(vn), i32x4.splat(127)), 23);
  return f32x4.mul(vp, vscale);
}

// @ts-ignore: decorator
@inline export function exp_f32(x: f32): f32 {
  x = max<f32>(min<f32>(x, EXP_HI), EXP_LO);
  const n = nearest<f32>(x * LOG2E);
  let r = x - n * LN2_HI;
  r = r - n * LN2_LO;
  let p = P0 * r + P1;
  p = p * r + P2;
  p = p * r + P3;
  p = p * r + P4;
  p = p * r + P5;
  p = p * r * r + r + 1.0;
  return p * reinterpret<f32>((<i32>n + 127) << 23);
}

// sigmoid(x) = 1 / (1 + e^-x); saturates cleanly to 0 and 1 for large |x|.
// @ts-ignore: decorator
@inline export function sigmoid_f32x4(x: v128): v128 {
  const vone = f32x4.splat(1.0);
  return f32x4.div(vone, f32x4.add(vone, exp_f32x4(f32x4.neg(x))));
}

// @ts-ignore: decorator
@inline export function sigmoid_f32(x: f32): f32 {
  return 1.0 / (1.0 + exp_f32(-x));
}

// tanh(x) = sign(x)·(1 − e)/(1 + e) with e = e^(−2|x|); for |x| < 1/16 the odd Taylor polynomial
// x − x³/3 + 2x⁵/15 − 17x⁷/315 (error < 1e-10 relative) avoids the cancellation in 1 − e.
const TANH_SMALL: f32 = 0.0625;
const T3: f32 = -0.333333333333;
const T5: f32 = 0.133333333333;
const T7: f32 = -0.053968253968;

// @ts-ignore: decorator
@inline export function tanh_f32x4(x: v128): v128 {
  const vabs = f32x4.abs(x);
  const ve = exp_f32x4(f32x4.mul(vabs, f32x4.splat(-2.0)));
  const vone = f32x4.splat(1.0);
  let vbig = f32x4.div(f32x4.sub(vone, ve), f32x4.add(vone, ve));
  // copy the sign of x onto the magnitude
  const vsign = v128.and(x, i32x4.splat(0x80000000));
  vbig = v128.or(vbig, vsign);
  const vx2 = f32x4.mul(x, x);
  let vpoly = f32x4.add(f32x4.mul(vx2, f32x4.splat(T7)), f32x4.splat(T5));
  vpoly = f32x4.add(f32x4.mul(vpoly, vx2), f32x4.splat(T3));
  vpoly = f32x4.add(f32x4.mul(f32x4.mul(vpoly, vx2), x), x);
  return v128.bitselect(vpoly, vbig, f32x4.lt(vabs, f32x4.splat(TANH_SMALL)));
}

// @ts-ignore: decorator
@inline export function tanh_f32(x: f32): f32 {
  const a = abs<f32>(x);
  if (a < TANH_SMALL) {
    const x2: f32 = x * x;
    let p: f32 = x2 * T7 + T5;
    p = p * x2 + T3;
    return p * x2 * x + x;
  }
  const e = exp_f32(a * -2.0);
  const t: f32 = (1.0 - e) / (1.0 + e);
  return copysign<f32>(t, x);
}

// f(x) for the elementwise kinds; `alpha` is the leaky-ReLU slope for negative inputs.
// @ts-ignore: decorator
@inline export function activate_f32x4(x: v128, kind: i32, valpha: v128): v128 {
  if (kind == ACT_RELU) return f32x4.max(x, f32x4.splat(0.0));
  if (kind == ACT_LEAKY_RELU) return f32x4.max(x, f32x4.mul(x, valpha));
  if (kind == ACT_SIGMOID) return sigmoid_f32x4(x);
  if (kind == ACT_TANH) return tanh_f32x4(x);
  return x;
}

// @ts-ignore: decorator
@inline export function activate_f32(x: f32, kind: i32, alpha: f32): f32 {
  if (kind == ACT_RELU) return max<f32>(x, 0.0);
  if (kind == ACT_LEAKY_RELU) return x > 0 ? x : x * alpha;
  if (kind == ACT_SIGMOID) return sigmoid_f32(x);
  if (kind == ACT_TANH) return tanh_f32(x);
  return x;
}
