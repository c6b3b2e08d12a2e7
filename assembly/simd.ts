// Inline helpers shared by the kernels: a vectorised exp and the activation functions and
// derivatives in f32x4 form, each with a scalar twin that computes the same polynomial so that
// SIMD lanes and scalar tails agree bit for bit. Nothing here is exported from the module.

// Activation codes: the `code` column of the table in src/model/activations.ts (one row per
// activation; test/kernels/codes.test.ts checks that the two sides agree).
export const ACT_LINEAR: i32 = 0;
export const ACT_RELU: i32 = 1;
export const ACT_LEAKY_RELU: i32 = 2;
export const ACT_SIGMOID: i32 = 3;
export const ACT_TANH: i32 = 4;
export const ACT_SOFTMAX: i32 = 5;
export const ACT_ELU: i32 = 6;
export const ACT_SELU: i32 = 7;
export const ACT_GELU: i32 = 8;
export const ACT_SOFTPLUS: i32 = 9;
export const ACT_SWISH: i32 = 10;
export const ACT_SOFTSIGN: i32 = 11;

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
  // clamped with pmin/pmax, x first: one minps/maxps each in V8, and the same lanes as min/max —
  // a NaN x fails both comparisons and passes through, ±∞ clamp, ±0 is never compared to ±0
  x = f32x4.pmax(f32x4.pmin(x, f32x4.splat(EXP_HI)), f32x4.splat(EXP_LO));
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

// f(x) for the kinds the GEMM epilogue fuses (the `fused` column of the activation table:
// linear, relu, leakyRelu, sigmoid, tanh); `alpha` is the leaky-ReLU slope for negative inputs.
// Any other code traps: the other kinds run as their own pass (activation.ts), which keeps the
// inlined epilogues of gemm.ts small.
// @ts-ignore: decorator
@inline export function activate_f32x4(x: v128, kind: i32, valpha: v128): v128 {
  if (kind == ACT_RELU) return f32x4.max(x, f32x4.splat(0.0));
  if (kind == ACT_LEAKY_RELU) return f32x4.max(x, f32x4.mul(x, valpha));
  if (kind == ACT_SIGMOID) return sigmoid_f32x4(x);
  if (kind == ACT_TANH) return tanh_f32x4(x);
  if (kind != ACT_LINEAR) unreachable();
  return x;
}

// @ts-ignore: decorator
@inline export function activate_f32(x: f32, kind: i32, alpha: f32): f32 {
  if (kind == ACT_RELU) return max<f32>(x, 0.0);
  if (kind == ACT_LEAKY_RELU) return x > 0 ? x : x * alpha;
  if (kind == ACT_SIGMOID) return sigmoid_f32(x);
  if (kind == ACT_TANH) return tanh_f32(x);
  if (kind != ACT_LINEAR) unreachable();
  return x;
}

// e^x − 1 for x ≤ 0 without the cancellation of exp(x) − 1 near 0: for x > −1/2 the Taylor
// polynomial to x⁷ (truncation < x⁸/8! ≤ 1e-7·|x|·… , relative error < 3e-7), below it
// exp(x) − 1 (relative error ≤ 2e-7·eˣ/(1 − eˣ) ≤ 3e-7). Used by elu and selu (x < 0 only).
const EM1_SWITCH: f32 = -0.5;
const E2: f32 = 0.5;
const E3: f32 = 1.6666666666666666e-1;
const E4: f32 = 4.1666666666666664e-2;
const E5: f32 = 8.3333333333333332e-3;
const E6: f32 = 1.3888888888888889e-3;
const E7: f32 = 1.9841269841269841e-4;

// @ts-ignore: decorator
@inline export function expm1_neg_f32x4(x: v128): v128 {
  let vp = f32x4.add(f32x4.mul(f32x4.splat(E7), x), f32x4.splat(E6));
  vp = f32x4.add(f32x4.mul(vp, x), f32x4.splat(E5));
  vp = f32x4.add(f32x4.mul(vp, x), f32x4.splat(E4));
  vp = f32x4.add(f32x4.mul(vp, x), f32x4.splat(E3));
  vp = f32x4.add(f32x4.mul(vp, x), f32x4.splat(E2));
  vp = f32x4.add(f32x4.mul(f32x4.mul(vp, x), x), x);
  const vbig = f32x4.sub(exp_f32x4(x), f32x4.splat(1.0));
  return v128.bitselect(vp, vbig, f32x4.gt(x, f32x4.splat(EM1_SWITCH)));
}

// @ts-ignore: decorator
@inline export function expm1_neg_f32(x: f32): f32 {
  if (x > EM1_SWITCH) {
    let p: f32 = E7 * x + E6;
    p = p * x + E5;
    p = p * x + E4;
    p = p * x + E3;
    p = p * x + E2;
    return p * x * x + x;
  }
  return exp_f32(x) - 1.0;
}

// ln(1 + u) for u in [0, 1], as k·ln2 + 2·atanh(s): k = 0, s = u/(2 + u) for u ≤ √2 − 1, else
// k = 1, s = (u − 1)/(u + 3) (the same thing for (1 + u)/2); |s| ≤ 0.1716, so the odd series
// to s⁹ is good to 1e-9 relative and s is computed from u without the cancellation of 1 + u.
const LOG1P_SWITCH: f32 = 0.41421356;
const LN2: f32 = 0.6931471805599453;
const A3: f32 = 0.3333333333333333;
const A5: f32 = 0.2;
const A7: f32 = 0.14285714285714285;
const A9: f32 = 0.1111111111111111;

// @ts-ignore: decorator
@inline export function log1p_unit_f32x4(u: v128): v128 {
  const vbig = f32x4.gt(u, f32x4.splat(LOG1P_SWITCH));
  const vone = f32x4.splat(1.0);
  const vnum = v128.bitselect(f32x4.sub(u, vone), u, vbig);
  const vden = f32x4.add(u, v128.bitselect(f32x4.splat(3.0), f32x4.splat(2.0), vbig));
  const vs = f32x4.div(vnum, vden);
  const vs2 = f32x4.mul(vs, vs);
  let vp = f32x4.add(f32x4.mul(f32x4.splat(A9), vs2), f32x4.splat(A7));
  vp = f32x4.add(f32x4.mul(vp, vs2), f32x4.splat(A5));
  vp = f32x4.add(f32x4.mul(vp, vs2), f32x4.splat(A3));
  vp = f32x4.add(f32x4.mul(f32x4.mul(vp, vs2), vs), vs);
  vp = f32x4.add(vp, vp);
  return f32x4.add(vp, v128.and(f32x4.splat(LN2), vbig));
}

// @ts-ignore: decorator
@inline export function log1p_unit_f32(u: f32): f32 {
  const big = u > LOG1P_SWITCH;
  const s: f32 = (big ? u - 1.0 : u) / (u + (big ? <f32>3.0 : <f32>2.0));
  const s2: f32 = s * s;
  let p: f32 = A9 * s2 + A7;
  p = p * s2 + A5;
  p = p * s2 + A3;
  p = p * s2 * s + s;
  p = p + p;
  return p + (big ? LN2 : <f32>0.0);
}

// erf(x) as Eigen's and XLA's float erf: x clamped to [−4, 4] (erf(4) rounds to 1 in float32),
// then x·P(x²)/Q(x²) with P of degree 6 and Q of degree 4 in x². Measured against a float64 erf
// (test/kernels/activation.test.ts, which replays these float32 operations): at most 4.3e-7
// absolute error over [−5, 5] (largest near |x| = 3.6), 2.6e-7 relative for |x| < 1.
const ERF_CLAMP: f32 = 4.0;
const EA1: f32 = -1.60960333262415e-02;
const EA3: f32 = -2.95459980854025e-03;
const EA5: f32 = -7.34990630326855e-04;
const EA7: f32 = -5.69250639462346e-05;
const EA9: f32 = -2.10102402082508e-06;
const EA11: f32 = 2.77068142495902e-08;
const EA13: f32 = -2.72614225801306e-10;
const EB0: f32 = -1.42647390514189e-02;
const EB2: f32 = -7.37332916720468e-03;
const EB4: f32 = -1.68282697438203e-03;
const EB6: f32 = -2.13374055278905e-04;
const EB8: f32 = -1.45660718464996e-05;

// @ts-ignore: decorator
@inline export function erf_f32x4(x: v128): v128 {
  x = f32x4.pmax(f32x4.pmin(x, f32x4.splat(ERF_CLAMP)), f32x4.splat(-ERF_CLAMP));   // as in exp_f32x4
  const vx2 = f32x4.mul(x, x);
  let vp = f32x4.add(f32x4.mul(vx2, f32x4.splat(EA13)), f32x4.splat(EA11));
  vp = f32x4.add(f32x4.mul(vx2, vp), f32x4.splat(EA9));
  vp = f32x4.add(f32x4.mul(vx2, vp), f32x4.splat(EA7));
  vp = f32x4.add(f32x4.mul(vx2, vp), f32x4.splat(EA5));
  vp = f32x4.add(f32x4.mul(vx2, vp), f32x4.splat(EA3));
  vp = f32x4.add(f32x4.mul(vx2, vp), f32x4.splat(EA1));
  vp = f32x4.mul(x, vp);
  let vq = f32x4.add(f32x4.mul(vx2, f32x4.splat(EB8)), f32x4.splat(EB6));
  vq = f32x4.add(f32x4.mul(vx2, vq), f32x4.splat(EB4));
  vq = f32x4.add(f32x4.mul(vx2, vq), f32x4.splat(EB2));
  vq = f32x4.add(f32x4.mul(vx2, vq), f32x4.splat(EB0));
  return f32x4.div(vp, vq);
}

// @ts-ignore: decorator
@inline export function erf_f32(x: f32): f32 {
  x = max<f32>(min<f32>(x, ERF_CLAMP), -ERF_CLAMP);
  const x2: f32 = x * x;
  let p: f32 = x2 * EA13 + EA11;
  p = x2 * p + EA9;
  p = x2 * p + EA7;
  p = x2 * p + EA5;
  p = x2 * p + EA3;
  p = x2 * p + EA1;
  p = x * p;
  let q: f32 = x2 * EB8 + EB6;
  q = x2 * q + EB4;
  q = x2 * q + EB2;
  q = x2 * q + EB0;
  return p / q;
}

// A gradient as the optimizers read it: clamp(g·scale, −clip, clip). scale is the global-norm
// factor (1 when clipNorm is off, so g·1 = g exactly) and clip the clipValue (+∞ when off).
// pmin/pmax (one minps/maxps each in V8, where min/max cost about eight instructions to propagate
// NaN and order ±0) give the same bits here: g is finite (a step with a gradient that is not is
// refused before the update) and clip > 0, so neither NaN nor a tie of zeros of opposite signs
// can occur.
// @ts-ignore: decorator
@inline export function clip_f32x4(vg: v128, vscale: v128, vclip: v128): v128 {
  return f32x4.pmax(f32x4.pmin(f32x4.mul(vg, vscale), vclip), f32x4.neg(vclip));
}

// @ts-ignore: decorator
@inline export function clip_f32(g: f32, scale: f32, clip: f32): f32 {
  return max<f32>(min<f32>(g * scale, clip), -clip);
}
