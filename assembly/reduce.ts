// Reductions: column sums for bias gradients, and a finiteness check over a flat block.

// out[j] (+)= Σ_r inp[r, j]; inp is (m, n), out is (n). accumulate != 0 adds to out.
export function column_sums(out: usize, inp: usize, m: i32, n: i32, accumulate: i32): void {
  column_sums_strided(out, inp, m, n, n, accumulate);
}

// The same over n of the ld columns of inp (m, ld): every column is summed alone, top to bottom,
// so a block of columns gets the same bits as the whole (the parallel driver splits by columns).
export function column_sums_strided(out: usize, inp: usize, m: i32, n: i32, ld: i32, accumulate: i32): void {
  const rowBytes = <usize>ld << 2;
  let j = 0;
  for (; j + 16 <= n; j += 16) {
    const off = <usize>j << 2;
    let vacc0 = f32x4.splat(0.0), vacc1 = f32x4.splat(0.0), vacc2 = f32x4.splat(0.0), vacc3 = f32x4.splat(0.0);
    let p = inp + off;
    for (let r = 0; r < m; r++) {
      vacc0 = f32x4.add(vacc0, v128.load(p));
      vacc1 = f32x4.add(vacc1, v128.load(p, 16));
      vacc2 = f32x4.add(vacc2, v128.load(p, 32));
      vacc3 = f32x4.add(vacc3, v128.load(p, 48));
      p += rowBytes;
    }
    if (accumulate) {
      vacc0 = f32x4.add(vacc0, v128.load(out + off));
      vacc1 = f32x4.add(vacc1, v128.load(out + off, 16));
      vacc2 = f32x4.add(vacc2, v128.load(out + off, 32));
      vacc3 = f32x4.add(vacc3, v128.load(out + off, 48));
    }
    v128.store(out + off, vacc0);
    v128.store(out + off, vacc1, 16);
    v128.store(out + off, vacc2, 32);
    v128.store(out + off, vacc3, 48);
  }
  for (; j + 4 <= n; j += 4) {
    const off = <usize>j << 2;
    let vacc = f32x4.splat(0.0);
    let p = inp + off;
    for (let r = 0; r < m; r++) {
      vacc = f32x4.add(vacc, v128.load(p));
      p += rowBytes;
    }
    if (accumulate) vacc = f32x4.add(vacc, v128.load(out + off));
    v128.store(out + off, vacc);
  }
  for (; j < n; j++) {
    const off = <usize>j << 2;
    let acc: f32 = 0;
    let p = inp + off;
    for (let r = 0; r < m; r++) {
      acc += load<f32>(p);
      p += rowBytes;
    }
    if (accumulate) acc += load<f32>(out + off);
    store<f32>(out + off, acc);
  }
}

// 1 when every one of the len values is finite, else 0. x − x is 0 for finite x and NaN for
// ±Infinity and NaN, so one NaN-propagating sum answers for the whole block.
// Four accumulators, 16 values a step: one add chain would wait on its own latency; the answer is
// the same for any order (a sum of zeros, or NaN).
export function all_finite(inp: usize, len: i32): i32 {
  let vacc = f32x4.splat(0.0), vacc1 = vacc, vacc2 = vacc, vacc3 = vacc;
  let i = 0;
  for (; i + 16 <= len; i += 16) {
    const p = inp + (<usize>i << 2);
    const vx0 = v128.load(p), vx1 = v128.load(p, 16), vx2 = v128.load(p, 32), vx3 = v128.load(p, 48);
    vacc = f32x4.add(vacc, f32x4.sub(vx0, vx0));
    vacc1 = f32x4.add(vacc1, f32x4.sub(vx1, vx1));
    vacc2 = f32x4.add(vacc2, f32x4.sub(vx2, vx2));
    vacc3 = f32x4.add(vacc3, f32x4.sub(vx3, vx3));
  }
  vacc = f32x4.add(f32x4.add(vacc, vacc1), f32x4.add(vacc2, vacc3));
  for (; i + 4 <= len; i += 4) {
    const vx = v128.load(inp + (<usize>i << 2));
    vacc = f32x4.add(vacc, f32x4.sub(vx, vx));
  }
  let acc = (f32x4.extract_lane(vacc, 0) + f32x4.extract_lane(vacc, 1)) +
    (f32x4.extract_lane(vacc, 2) + f32x4.extract_lane(vacc, 3));
  for (; i < len; i++) {
    const x = load<f32>(inp + (<usize>i << 2));
    acc += x - x;
  }
  return i32(acc == 0);
}

// max |x| over len values; NaN when any value is NaN, +Infinity when any is infinite.
// Four accumulators, 16 values a step (the maximum is exact in any order). The lanes take
// f32x4.pmax, which V8 lowers to one maxps, where f32x4.max costs it about eight instructions to
// propagate NaN and order ±0 (|x| has no −0); NaN is tracked apart, by x ≠ x. The same answer as
// f32x4.max's, at about memory speed.
export function max_abs(inp: usize, len: i32): f32 {
  let vmax = f32x4.splat(0.0), vmax1 = vmax, vmax2 = vmax, vmax3 = vmax;
  let vnan = i32x4.splat(0);
  let i = 0;
  for (; i + 16 <= len; i += 16) {
    const p = inp + (<usize>i << 2);
    const a = v128.load(p), b = v128.load(p, 16), c = v128.load(p, 32), d = v128.load(p, 48);
    vmax = f32x4.pmax(vmax, f32x4.abs(a));
    vmax1 = f32x4.pmax(vmax1, f32x4.abs(b));
    vmax2 = f32x4.pmax(vmax2, f32x4.abs(c));
    vmax3 = f32x4.pmax(vmax3, f32x4.abs(d));
    vnan = v128.or(vnan, v128.or(v128.or(f32x4.ne(a, a), f32x4.ne(b, b)), v128.or(f32x4.ne(c, c), f32x4.ne(d, d))));
  }
  vmax = f32x4.pmax(f32x4.pmax(vmax, vmax1), f32x4.pmax(vmax2, vmax3));
  for (; i + 4 <= len; i += 4) {
    const a = v128.load(inp + (<usize>i << 2));
    vmax = f32x4.pmax(vmax, f32x4.abs(a));
    vnan = v128.or(vnan, f32x4.ne(a, a));
  }
  let m = max_lane(vmax, vnan);
  for (; i < len; i++) m = max<f32>(m, abs<f32>(load<f32>(inp + (<usize>i << 2))));
  return m;
}

// The largest lane of vmax (no lane is NaN), or NaN when any lane of vnan is set.
// @ts-ignore: decorator
@inline function max_lane(vmax: v128, vnan: v128): f32 {
  if (v128.any_true(vnan)) return NaN;
  return max<f32>(max<f32>(f32x4.extract_lane(vmax, 0), f32x4.extract_lane(vmax, 1)),
    max<f32>(f32x4.extract_lane(vmax, 2), f32x4.extract_lane(vmax, 3)));
}

export const METRIC_NONE: i32 = -1;
export const METRIC_ARGMAX: i32 = 0;    // a row is right when argmax(pred) == argmax(target)
export const METRIC_THRESHOLD: i32 = 1; // an element is right when (pred ≥ 0.5) == (target ≥ 0.5)

// @ts-ignore: decorator
@inline function argmax_row(row: usize, n: i32): i32 {
  let best = load<f32>(row);
  let index = 0;
  for (let j = 1; j < n; j++) {
    const v = load<f32>(row + (<usize>j << 2));
    if (v > best) { best = v; index = j; }
  }
  return index;
}

// How many predictions in pred (m, n) are right against target (m, n): rows for METRIC_ARGMAX
// (ties go to the first maximum), elements for METRIC_THRESHOLD.
export function count_correct(pred: usize, target: usize, m: i32, n: i32, metric: i32): i32 {
  let correct = 0;
  if (metric == METRIC_ARGMAX) {
    const rowBytes = <usize>n << 2;
    for (let r = 0; r < m; r++) {
      const off = <usize>r * rowBytes;
      correct += i32(argmax_row(pred + off, n) == argmax_row(target + off, n));
    }
  } else if (metric == METRIC_THRESHOLD) {
    const len = m * n;
    for (let i = 0; i < len; i++) {
      const off = <usize>i << 2;
      correct += i32((load<f32>(pred + off) >= 0.5) == (load<f32>(target + off) >= 0.5));
    }
  }
  return correct;
}

// One pass over a gradient block for clipping and the step checks: out[0] = max |g| (f64; NaN
// when any value is NaN, +Infinity when any is infinite) and out[1] = Σ g² (f64). The squares are
// summed in f64 lanes (8 values a step into four f64x2 accumulators — lanes 0/2 and 1/3 of each
// half — so that no add waits on the previous one; then a 4-value step and a scalar tail), so a
// finite gradient of any size gives a finite norm.
export function gradient_summary(out: usize, grad: usize, len: i32): void {
  let vmax = f32x4.splat(0.0), vmax1 = vmax;
  let vnan = i32x4.splat(0);
  let vlo = f64x2.splat(0.0), vhi = f64x2.splat(0.0), vlo1 = vlo, vhi1 = vlo;
  let i = 0;
  for (; i + 8 <= len; i += 8) {
    const p = grad + (<usize>i << 2);
    const vg = v128.load(p), vg1 = v128.load(p, 16);
    // max |g| as in max_abs: pmax lanes, NaN tracked apart
    vmax = f32x4.pmax(vmax, f32x4.abs(vg));
    vmax1 = f32x4.pmax(vmax1, f32x4.abs(vg1));
    vnan = v128.or(vnan, v128.or(f32x4.ne(vg, vg), f32x4.ne(vg1, vg1)));
    const vg_lo = f64x2.promote_low_f32x4(vg);
    const vg_hi = f64x2.promote_low_f32x4(i32x4.shuffle(vg, vg, 2, 3, 0, 1));
    const vg1_lo = f64x2.promote_low_f32x4(vg1);
    const vg1_hi = f64x2.promote_low_f32x4(i32x4.shuffle(vg1, vg1, 2, 3, 0, 1));
    vlo = f64x2.add(vlo, f64x2.mul(vg_lo, vg_lo));
    vhi = f64x2.add(vhi, f64x2.mul(vg_hi, vg_hi));
    vlo1 = f64x2.add(vlo1, f64x2.mul(vg1_lo, vg1_lo));
    vhi1 = f64x2.add(vhi1, f64x2.mul(vg1_hi, vg1_hi));
  }
  vmax = f32x4.pmax(vmax, vmax1);
  vlo = f64x2.add(vlo, vlo1);
  vhi = f64x2.add(vhi, vhi1);
  for (; i + 4 <= len; i += 4) {
    const vg = v128.load(grad + (<usize>i << 2));
    vmax = f32x4.pmax(vmax, f32x4.abs(vg));
    vnan = v128.or(vnan, f32x4.ne(vg, vg));
    const vg_lo = f64x2.promote_low_f32x4(vg);
    const vg_hi = f64x2.promote_low_f32x4(i32x4.shuffle(vg, vg, 2, 3, 0, 1));
    vlo = f64x2.add(vlo, f64x2.mul(vg_lo, vg_lo));
    vhi = f64x2.add(vhi, f64x2.mul(vg_hi, vg_hi));
  }
  let m = max_lane(vmax, vnan);
  let sum = (f64x2.extract_lane(vlo, 0) + f64x2.extract_lane(vlo, 1)) +
    (f64x2.extract_lane(vhi, 0) + f64x2.extract_lane(vhi, 1));
  for (; i < len; i++) {
    const g = load<f32>(grad + (<usize>i << 2));
    m = max<f32>(m, abs<f32>(g));
    sum += <f64>g * <f64>g;
  }
  store<f64>(out, <f64>m);
  store<f64>(out, sum, 8);
}
