// Matrix multiplies in the three forms training needs, row-major float32:
//   gemm_nn: out (m, n) = a (m, k) · b (k, n)     [+ bias row] → activation   (forward)
//   gemm_nt: out (m, n) = a (m, k) · bᵀ, b is (n, k)                            (dA_prev = dZ · Wᵀ)
//   gemm_tn: out (m, n) = aᵀ · b, a is (k, m), b is (k, n)  [+ column sums of b] (dW = A_prevᵀ · dZ)
// accumulate != 0 adds the product into out instead of overwriting it.
// `scratch` is working memory of at least gemm_scratch_bytes(form, m, k, n) bytes, 16-aligned.
//
// All three forms run the same register-tiled micro-kernel over packed operands; only the
// packing routines know the layouts (GotoBLAS/BLIS structure, XNNPACK-style micro-kernel):
//
//   for jc in n step NC                      column block of B and out
//     for pc in k step KC                    K block: the packed B block (KC × NC) stays in L2
//       pack B[pc.., jc..] into NR-wide panels (kc × 8 floats each, zero-padded past n);
//       gemm_tn also sums the columns of b here for the bias gradient
//       for ic in m step MR                  row tile
//         pack A[ic.., pc..] as an MR × kc panel of pre-broadcast values (stays in L1)
//         for jr in nc step NR               5 × 8 micro-kernel: out tile (+)= A panel · B panel
//         on the last K block: + bias, activation, at the tile store
//
// Why 5 × 8 with pre-broadcast A (measured on this machine, V8 11.3, L1-resident panels; see
// bench/gemm.ts for the whole-GEMM numbers):
// - V8 on x64 gives wasm 15 allocatable xmm registers (xmm15 is its scratch). A tile of R rows
//   × 8 columns needs 2R accumulators + 2 B vectors + 1 A vector + 1 product temporary, so 6 × 8
//   (16 registers) spills an accumulator every iteration and runs at ~28 GFLOP/s; 5 × 8 (14)
//   does not spill and runs at ~43; 4 × 8 at ~38; 3 × 12 at ~40.
// - `v128.load32_splat` with a non-zero offset costs V8 an extra `lea` per load (the offset is
//   not folded into the address); storing A pre-broadcast (each value as 4 lanes, 16 bytes)
//   turns the splats into plain `v128.load`s with folded offsets: 37 → 43 GFLOP/s for 5 × 8.
// - Unrolling the k loop lets Binaryen fuse consecutive steps into one expression tree, which
//   keeps both steps' B vectors live and spills: every unrolled variant measured slower
//   (5 × 8: ×2 → 35, ×4 → 33). Splat-by-shuffle (XNNPACK's "splat" kernels) measured 26–31.
//
// Results depend only on the shapes, never on where buffers sit: the summation order is fixed by
// (m, k, n) through KC and the tile grid.

import { activate_f32x4, ACT_LINEAR } from './simd';
import { column_sums } from './reduce';

export const GEMM_NN: i32 = 0;
export const GEMM_NT: i32 = 1;
export const GEMM_TN: i32 = 2;

// Register tile: MR rows × NR columns of out held in 2·MR f32x4 accumulators.
const MR: i32 = 5;
const NR: i32 = 8;
// Cache blocking: the packed A panel (MR × KC × 16 bytes = 20 KiB) stays in L1 (32 KiB) while
// the packed B block (KC × NC × 4 bytes ≤ 1 MiB) streams from L2 (1 MiB). KC 64/128/256/384
// measured within noise of each other; 256 was ahead on 256³ and 1024³.
const KC: i32 = 256;
const NC: i32 = 1024;
// gemm_nn and gemm_tn read b in place instead of packing it when m is at most this (two row tiles).
const DIRECT_B_MAX_M: i32 = 10;

// Scratch layout (bytes from `scratch`, every part 16-aligned):
//   0    tile  (MR × NR floats)  partial edge tiles are computed here, then copied out
//   160  bias  (NR floats)       the bias of a partial panel, zero-padded
//   192  A panel (MR × kc pre-broadcast values, 16 bytes each)
//   ...  B block (kc × round_up(nc, 8) floats, NR-wide panels)
const TILE_OFFSET: usize = 0;
const BIAS_OFFSET: usize = 160;
const APANEL_OFFSET: usize = 192;

// @ts-ignore: decorator
@inline function roundUpNR(x: i32): i32 {
  return (x + (NR - 1)) & ~(NR - 1);
}

// Bytes of scratch a call with these sizes needs: bounded by 192 + MR·KC·16 + KC·NC·4 ≈ 1 MiB
// whatever the sizes (m does not enter).
export function gemm_scratch_bytes(form: i32, m: i32, k: i32, n: i32): i32 {
  const kc = min<i32>(k, KC);
  const nc = roundUpNR(min<i32>(n, NC));
  return <i32>APANEL_OFFSET + MR * kc * 16 + kc * nc * 4;
}

// ---------------------------------------------------------------------------------------------
// Micro-kernels
//
// c (mr × NR, row stride ldc bytes) (+)= a · b over kc steps, 1 ≤ mr ≤ MR.
// a: packed A panel, per step MR pre-broadcast f32x4 (row r at byte 16·r).
// b: B panel, per step NR floats, steps ldb bytes apart (32 when packed, n·4 read in place).
// loadC != 0 starts the sums from the old contents of c (accumulate mode, or K blocks after the
// first) instead of zero. (Adding c after the loop instead made V8 spill inside the loop: 24 vs
// 43 GFLOP/s.)
// Rows r ≥ mr of c alias row mr − 1, and the A panel repeats row mr − 1 in them (as XNNPACK
// clamps its row pointers): they load valid memory and store the very same bits as row mr − 1,
// in any order. (Storing rows in reverse order instead, with zero padding rows, made V8 hoist
// every load of the loop above the arithmetic and spill: 24 vs 43 GFLOP/s.)

function gemm_5x8_kernel(c: usize, ldc: usize, mr: i32, a: usize, b: usize, ldb: usize, kc: i32, loadC: i32): void {
  const c0 = c;
  const c1 = mr > 1 ? c0 + ldc : c0;
  const c2 = mr > 2 ? c1 + ldc : c1;
  const c3 = mr > 3 ? c2 + ldc : c2;
  const c4 = mr > 4 ? c3 + ldc : c3;
  let vacc0x0123 = f32x4.splat(0), vacc0x4567 = f32x4.splat(0);
  let vacc1x0123 = f32x4.splat(0), vacc1x4567 = f32x4.splat(0);
  let vacc2x0123 = f32x4.splat(0), vacc2x4567 = f32x4.splat(0);
  let vacc3x0123 = f32x4.splat(0), vacc3x4567 = f32x4.splat(0);
  let vacc4x0123 = f32x4.splat(0), vacc4x4567 = f32x4.splat(0);
  if (loadC) {
    vacc0x0123 = v128.load(c0); vacc0x4567 = v128.load(c0, 16);
    vacc1x0123 = v128.load(c1); vacc1x4567 = v128.load(c1, 16);
    vacc2x0123 = v128.load(c2); vacc2x4567 = v128.load(c2, 16);
    vacc3x0123 = v128.load(c3); vacc3x4567 = v128.load(c3, 16);
    vacc4x0123 = v128.load(c4); vacc4x4567 = v128.load(c4, 16);
  }
  const bend = b + <usize>kc * ldb;
  // One k step per iteration: 7 loads, 10 mul, 10 add (see the header on why not unrolled).
  while (b < bend) {
    const vb0123 = v128.load(b);
    const vb4567 = v128.load(b, 16);
    const va0 = v128.load(a);
    vacc0x0123 = f32x4.add(vacc0x0123, f32x4.mul(va0, vb0123));
    vacc0x4567 = f32x4.add(vacc0x4567, f32x4.mul(va0, vb4567));
    const va1 = v128.load(a, 16);
    vacc1x0123 = f32x4.add(vacc1x0123, f32x4.mul(va1, vb0123));
    vacc1x4567 = f32x4.add(vacc1x4567, f32x4.mul(va1, vb4567));
    const va2 = v128.load(a, 32);
    vacc2x0123 = f32x4.add(vacc2x0123, f32x4.mul(va2, vb0123));
    vacc2x4567 = f32x4.add(vacc2x4567, f32x4.mul(va2, vb4567));
    const va3 = v128.load(a, 48);
    vacc3x0123 = f32x4.add(vacc3x0123, f32x4.mul(va3, vb0123));
    vacc3x4567 = f32x4.add(vacc3x4567, f32x4.mul(va3, vb4567));
    const va4 = v128.load(a, 64);
    vacc4x0123 = f32x4.add(vacc4x0123, f32x4.mul(va4, vb0123));
    vacc4x4567 = f32x4.add(vacc4x4567, f32x4.mul(va4, vb4567));
    a += 80;
    b += ldb;
  }
  v128.store(c0, vacc0x0123); v128.store(c0, vacc0x4567, 16);
  v128.store(c1, vacc1x0123); v128.store(c1, vacc1x4567, 16);
  v128.store(c2, vacc2x0123); v128.store(c2, vacc2x4567, 16);
  v128.store(c3, vacc3x0123); v128.store(c3, vacc3x4567, 16);
  v128.store(c4, vacc4x0123); v128.store(c4, vacc4x4567, 16);
}

// The same over a 4-wide B panel (16 bytes per step): the last panel when n mod 8 is 1 … 4,
// which would otherwise be padded to 8 (n = 10: 10/16 of the work useful → 10/12).
function gemm_5x4_kernel(c: usize, ldc: usize, mr: i32, a: usize, b: usize, kc: i32, loadC: i32): void {
  const c0 = c;
  const c1 = mr > 1 ? c0 + ldc : c0;
  const c2 = mr > 2 ? c1 + ldc : c1;
  const c3 = mr > 3 ? c2 + ldc : c2;
  const c4 = mr > 4 ? c3 + ldc : c3;
  let vacc0x0123 = f32x4.splat(0), vacc1x0123 = f32x4.splat(0), vacc2x0123 = f32x4.splat(0);
  let vacc3x0123 = f32x4.splat(0), vacc4x0123 = f32x4.splat(0);
  if (loadC) {
    vacc0x0123 = v128.load(c0); vacc1x0123 = v128.load(c1); vacc2x0123 = v128.load(c2);
    vacc3x0123 = v128.load(c3); vacc4x0123 = v128.load(c4);
  }
  const bend = b + (<usize>kc << 4);
  while (b < bend) {
    const vb0123 = v128.load(b);
    vacc0x0123 = f32x4.add(vacc0x0123, f32x4.mul(v128.load(a), vb0123));
    vacc1x0123 = f32x4.add(vacc1x0123, f32x4.mul(v128.load(a, 16), vb0123));
    vacc2x0123 = f32x4.add(vacc2x0123, f32x4.mul(v128.load(a, 32), vb0123));
    vacc3x0123 = f32x4.add(vacc3x0123, f32x4.mul(v128.load(a, 48), vb0123));
    vacc4x0123 = f32x4.add(vacc4x0123, f32x4.mul(v128.load(a, 64), vb0123));
    a += 80;
    b += 16;
  }
  v128.store(c0, vacc0x0123);
  v128.store(c1, vacc1x0123);
  v128.store(c2, vacc2x0123);
  v128.store(c3, vacc3x0123);
  v128.store(c4, vacc4x0123);
}

// The epilogue of the last K block, over `rows` rows of a tile 4 or 8 (`width`) columns wide,
// in place: c = f(c + bias), bias (`width` floats) or 0 for none.
function gemm_epilogue(c: usize, ldc: usize, rows: i32, width: i32, bias: usize, activation: i32, valpha: v128): void {
  let vbias0123 = f32x4.splat(0), vbias4567 = f32x4.splat(0);
  if (bias) {
    vbias0123 = v128.load(bias);
    if (width == 8) vbias4567 = v128.load(bias, 16);
  }
  for (let r = 0; r < rows; r++) {
    let v0123 = f32x4.add(v128.load(c), vbias0123);
    if (activation != ACT_LINEAR) v0123 = activate_f32x4(v0123, activation, valpha);
    v128.store(c, v0123);
    if (width == 8) {
      let v4567 = f32x4.add(v128.load(c, 16), vbias4567);
      if (activation != ACT_LINEAR) v4567 = activate_f32x4(v4567, activation, valpha);
      v128.store(c, v4567, 16);
    }
    c += ldc;
  }
}

// ---------------------------------------------------------------------------------------------
// Packing

// A panel from rows (gemm_nn, gemm_nt): src is (mr, kc) with row stride lda bytes.
// dst[p·MR + r] = splat(src[min(r, mr − 1), p]): rows past mr repeat the last one.
function pack_a_rows(dst: usize, src: usize, lda: usize, mr: i32, kc: i32): void {
  for (let r = 0; r < MR; r++) {
    let d = dst + (<usize>r << 4);
    let s = src + <usize>min<i32>(r, mr - 1) * lda;
    let p = 0;
    // four values per load, each broadcast by a lane shuffle
    for (; p + 4 <= kc; p += 4) {
      const v = v128.load(s);
      v128.store(d, i32x4.shuffle(v, v, 0, 0, 0, 0));
      v128.store(d, i32x4.shuffle(v, v, 1, 1, 1, 1), MR * 16);
      v128.store(d, i32x4.shuffle(v, v, 2, 2, 2, 2), MR * 32);
      v128.store(d, i32x4.shuffle(v, v, 3, 3, 3, 3), MR * 48);
      s += 16;
      d += <usize>MR << 6;
    }
    for (; p < kc; p++) {
      v128.store(d, v128.load32_splat(s));
      s += 4;
      d += <usize>MR << 4;
    }
  }
}

// A panel from columns (gemm_tn): src is (kc, ·) with row stride lda bytes; the panel takes
// columns 0 … mr−1. dst[p·MR + r] = splat(src[p, min(r, mr − 1)]).
function pack_a_cols(dst: usize, src: usize, lda: usize, mr: i32, kc: i32): void {
  if (mr == MR) {
    for (let p = 0; p < kc; p++) {
      v128.store(dst, v128.load32_splat(src));
      v128.store(dst, v128.load32_splat(src + 4), 16);
      v128.store(dst, v128.load32_splat(src + 8), 32);
      v128.store(dst, v128.load32_splat(src + 12), 48);
      v128.store(dst, v128.load32_splat(src + 16), 64);
      src += lda;
      dst += <usize>MR << 4;
    }
    return;
  }
  for (let p = 0; p < kc; p++) {
    for (let r = 0; r < MR; r++) {
      v128.store(dst + (<usize>r << 4), v128.load32_splat(src + (<usize>min<i32>(r, mr - 1) << 2)));
    }
    src += lda;
    dst += <usize>MR << 4;
  }
}

// B block from rows (gemm_nn, gemm_tn): src is (kc, nc) with row stride ldb bytes.
// Panel j (columns 8j … 8j+7) goes to dst + 8j·kc floats as kc rows of 8; a last panel of
// 1 … 4 columns is 4 wide, one of 5 … 7 is 8 wide, zero-padded.
// With colsum != 0 also colsum[0 … nc) (+)= the column sums of src (add != 0 adds to it).
function pack_b_rows(dst: usize, src: usize, ldb: usize, kc: i32, nc: i32, colsum: usize, add: i32): void {
  let j = 0;
  for (; j + NR <= nc; j += NR) {
    let s = src + (<usize>j << 2);
    let d = dst + ((<usize>j * <usize>kc) << 2);
    if (colsum) {
      let vsum0123 = f32x4.splat(0), vsum4567 = f32x4.splat(0);
      for (let p = 0; p < kc; p++) {
        const v0123 = v128.load(s), v4567 = v128.load(s, 16);
        v128.store(d, v0123);
        v128.store(d, v4567, 16);
        vsum0123 = f32x4.add(vsum0123, v0123);
        vsum4567 = f32x4.add(vsum4567, v4567);
        s += ldb;
        d += 32;
      }
      const o = colsum + (<usize>j << 2);
      if (add) {
        vsum0123 = f32x4.add(v128.load(o), vsum0123);
        vsum4567 = f32x4.add(v128.load(o, 16), vsum4567);
      }
      v128.store(o, vsum0123);
      v128.store(o, vsum4567, 16);
    } else {
      for (let p = 0; p < kc; p++) {
        v128.store(d, v128.load(s));
        v128.store(d, v128.load(s, 16), 16);
        s += ldb;
        d += 32;
      }
    }
  }
  if (j < nc) {
    const cols = nc - j;
    const s0 = src + (<usize>j << 2);
    pack_b_rows_tail(dst + ((<usize>j * <usize>kc) << 2), s0, ldb, kc, cols);
    if (colsum) {
      for (let c = 0; c < cols; c++) {
        let sum: f32 = 0;
        let s = s0 + (<usize>c << 2);
        for (let p = 0; p < kc; p++) {
          sum += load<f32>(s);
          s += ldb;
        }
        const o = colsum + (<usize>(j + c) << 2);
        store<f32>(o, add ? load<f32>(o) + sum : sum);
      }
    }
  }
}

// The last, partial panel of a B block from rows: cols < 8 columns of src (kc, ·), row stride
// ldb bytes, scalar, zero-padded to a 4-wide panel (cols ≤ 4) or an 8-wide one.
function pack_b_rows_tail(dst: usize, src: usize, ldb: usize, kc: i32, cols: i32): void {
  const width: usize = cols <= 4 ? 16 : 32;
  for (let p = 0; p < kc; p++) {
    v128.store(dst, f32x4.splat(0));
    if (width == 32) v128.store(dst, f32x4.splat(0), 16);
    for (let c = 0; c < cols; c++) store<f32>(dst + (<usize>c << 2), load<f32>(src + (<usize>c << 2)));
    src += ldb;
    dst += width;
  }
}

// B block from columns (gemm_nt): src is (nc, ·) with row stride ldb bytes, and the block is
// its first kc columns, transposed: panel j gets dst[p·8 + c] = src[8j + c, p] (the last one
// 4 or 8 wide as in pack_b_rows).
function pack_b_cols(dst: usize, src: usize, ldb: usize, kc: i32, nc: i32): void {
  let j = 0;
  for (; j + NR <= nc; j += NR) {
    const s0 = src + <usize>j * ldb;
    const s1 = s0 + ldb, s2 = s1 + ldb, s3 = s2 + ldb, s4 = s3 + ldb, s5 = s4 + ldb, s6 = s5 + ldb, s7 = s6 + ldb;
    let d = dst + ((<usize>j * <usize>kc) << 2);
    let p = 0;
    // 4 k steps × 8 columns at a time: two 4 × 4 transposes
    for (; p + 4 <= kc; p += 4) {
      const o = <usize>p << 2;
      const vr0 = v128.load(s0 + o), vr1 = v128.load(s1 + o), vr2 = v128.load(s2 + o), vr3 = v128.load(s3 + o);
      const vr4 = v128.load(s4 + o), vr5 = v128.load(s5 + o), vr6 = v128.load(s6 + o), vr7 = v128.load(s7 + o);
      let vlo = i32x4.shuffle(vr0, vr1, 0, 4, 1, 5), vhi = i32x4.shuffle(vr2, vr3, 0, 4, 1, 5);
      v128.store(d, i32x4.shuffle(vlo, vhi, 0, 1, 4, 5));
      v128.store(d, i32x4.shuffle(vlo, vhi, 2, 3, 6, 7), 32);
      vlo = i32x4.shuffle(vr0, vr1, 2, 6, 3, 7); vhi = i32x4.shuffle(vr2, vr3, 2, 6, 3, 7);
      v128.store(d, i32x4.shuffle(vlo, vhi, 0, 1, 4, 5), 64);
      v128.store(d, i32x4.shuffle(vlo, vhi, 2, 3, 6, 7), 96);
      vlo = i32x4.shuffle(vr4, vr5, 0, 4, 1, 5); vhi = i32x4.shuffle(vr6, vr7, 0, 4, 1, 5);
      v128.store(d, i32x4.shuffle(vlo, vhi, 0, 1, 4, 5), 16);
      v128.store(d, i32x4.shuffle(vlo, vhi, 2, 3, 6, 7), 48);
      vlo = i32x4.shuffle(vr4, vr5, 2, 6, 3, 7); vhi = i32x4.shuffle(vr6, vr7, 2, 6, 3, 7);
      v128.store(d, i32x4.shuffle(vlo, vhi, 0, 1, 4, 5), 80);
      v128.store(d, i32x4.shuffle(vlo, vhi, 2, 3, 6, 7), 112);
      d += 128;
    }
    for (; p < kc; p++) {
      const o = <usize>p << 2;
      store<f32>(d, load<f32>(s0 + o)); store<f32>(d, load<f32>(s1 + o), 4);
      store<f32>(d, load<f32>(s2 + o), 8); store<f32>(d, load<f32>(s3 + o), 12);
      store<f32>(d, load<f32>(s4 + o), 16); store<f32>(d, load<f32>(s5 + o), 20);
      store<f32>(d, load<f32>(s6 + o), 24); store<f32>(d, load<f32>(s7 + o), 28);
      d += 32;
    }
  }
  if (j < nc) {
    // the last, partial panel: scalar, zero-padded to 4 or 8 wide as in pack_b_rows_tail
    const cols = nc - j;
    const width: usize = cols <= 4 ? 16 : 32;
    let d = dst + ((<usize>j * <usize>kc) << 2);
    for (let p = 0; p < kc; p++) {
      v128.store(d, f32x4.splat(0));
      if (width == 32) v128.store(d, f32x4.splat(0), 16);
      for (let c = 0; c < cols; c++) store<f32>(d + (<usize>c << 2), load<f32>(src + <usize>(j + c) * ldb + (<usize>p << 2)));
      d += width;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The driver shared by the three forms

function gemm(form: i32, out: usize, a: usize, b: usize, bias: usize, biasGrad: usize, m: i32, k: i32, n: i32,
  activation: i32, alpha: f32, accumulate: i32, scratch: usize): void {
  const valpha = f32x4.splat(alpha);
  const tile = scratch + TILE_OFFSET;
  const tileBias = scratch + BIAS_OFFSET;
  const apanel = scratch + APANEL_OFFSET;
  const bblock = apanel + <usize>(MR * min<i32>(k, KC) * 16);
  const ldc = <usize>n << 2;
  const epilogue = bias != 0 || activation != ACT_LINEAR;
  // With one or two row tiles, each B panel is used once or twice: reading the full panels of
  // a row-major b in place (ldb = n·4) beats copying them first (10×784×128: 36 → 44 GFLOP/s,
  // 1×784×128: 5.8 → 8.9), except for very wide b, whose rows are pages apart (5×2048×2048:
  // 19 → 16), and from three row tiles up (30×1024×1024: 33 → 26). Only the partial last panel
  // is packed then, and gemm_tn sums b's columns in a separate pass.
  const direct = form != GEMM_NT && m <= DIRECT_B_MAX_M && n <= NC;
  if (direct && biasGrad) column_sums(biasGrad, b, k, n, accumulate);
  for (let jc = 0; jc < n; jc += NC) {
    const nc = min<i32>(NC, n - jc);
    const full = nc & ~(NR - 1);
    for (let pc = 0; pc < k; pc += KC) {
      const kc = min<i32>(KC, k - pc);
      const last = pc + kc == k;
      const loadC = accumulate != 0 || pc > 0 ? 1 : 0;
      const bsrc = form == GEMM_NT ? b + ((<usize>jc * <usize>k + <usize>pc) << 2) : b + ((<usize>pc * <usize>n + <usize>jc) << 2);
      let ldb: usize = 32;
      let tailPanel = bblock + ((<usize>full * <usize>kc) << 2);
      if (form == GEMM_NT) {
        // b is (n, k)
        pack_b_cols(bblock, bsrc, <usize>k << 2, kc, nc);
      } else if (direct) {
        ldb = <usize>n << 2;
        tailPanel = bblock;
        if (full < nc) pack_b_rows_tail(tailPanel, bsrc + (<usize>full << 2), ldb, kc, nc - full);
      } else {
        // b is (k, n); gemm_tn sums its columns on the way
        pack_b_rows(bblock, bsrc, <usize>n << 2, kc, nc, biasGrad ? biasGrad + (<usize>jc << 2) : 0, loadC);
      }
      for (let ic = 0; ic < m; ic += MR) {
        const mr = min<i32>(MR, m - ic);
        if (form == GEMM_TN) {
          // a is (k, m)
          pack_a_cols(apanel, a + ((<usize>pc * <usize>m + <usize>ic) << 2), <usize>m << 2, mr, kc);
        } else {
          // a is (m, k)
          pack_a_rows(apanel, a + ((<usize>ic * <usize>k + <usize>pc) << 2), <usize>k << 2, mr, kc);
        }
        const crow = out + ((<usize>ic * <usize>n + <usize>jc) << 2);
        // full 8-wide panels straight into out
        for (let jr = 0; jr < full; jr += NR) {
          const c = crow + (<usize>jr << 2);
          const bpanel = direct ? bsrc + (<usize>jr << 2) : bblock + ((<usize>jr * <usize>kc) << 2);
          gemm_5x8_kernel(c, ldc, mr, apanel, bpanel, ldb, kc, loadC);
          if (last && epilogue) gemm_epilogue(c, ldc, mr, NR, bias ? bias + (<usize>(jc + jr) << 2) : 0, activation, valpha);
        }
        if (full == nc) continue;
        // the last panel, 1 … 7 columns
        const nr = nc - full;
        const c = crow + (<usize>full << 2);
        const width = nr <= 4 ? 4 : 8;
        if (nr == 4) {
          gemm_5x4_kernel(c, ldc, mr, apanel, tailPanel, kc, loadC);
          if (last && epilogue) gemm_epilogue(c, ldc, mr, 4, bias ? bias + (<usize>(jc + full) << 2) : 0, activation, valpha);
          continue;
        }
        // Fewer columns than the panel: run the kernel into the tile buffer (row stride 32
        // bytes), apply the epilogue there, and copy the mr × nr corner.
        if (loadC) {
          for (let r = 0; r < mr; r++) {
            for (let cc = 0; cc < nr; cc++) {
              store<f32>(tile + (<usize>(r * NR + cc) << 2), load<f32>(c + <usize>r * ldc + (<usize>cc << 2)));
            }
          }
        }
        if (width == 4) gemm_5x4_kernel(tile, <usize>NR << 2, mr, apanel, tailPanel, kc, loadC);
        else gemm_5x8_kernel(tile, <usize>NR << 2, mr, apanel, tailPanel, 32, kc, loadC);
        if (last && epilogue) {
          let tb: usize = 0;
          if (bias) {
            v128.store(tileBias, f32x4.splat(0));
            v128.store(tileBias, f32x4.splat(0), 16);
            for (let cc = 0; cc < nr; cc++) store<f32>(tileBias + (<usize>cc << 2), load<f32>(bias + (<usize>(jc + full + cc) << 2)));
            tb = tileBias;
          }
          gemm_epilogue(tile, <usize>NR << 2, mr, width, tb, activation, valpha);
        }
        for (let r = 0; r < mr; r++) {
          for (let cc = 0; cc < nr; cc++) {
            store<f32>(c + <usize>r * ldc + (<usize>cc << 2), load<f32>(tile + (<usize>(r * NR + cc) << 2)));
          }
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The ABI

// a is (m, k), b is (k, n), bias is (n) or 0, out is (m, n):
// out = f([out +] a · b [+ bias]), f the activation (ACT_*, never softmax), alpha its slope.
export function gemm_nn(out: usize, a: usize, b: usize, bias: usize, m: i32, k: i32, n: i32,
  activation: i32, alpha: f32, accumulate: i32, scratch: usize): void {
  gemm(GEMM_NN, out, a, b, bias, 0, m, k, n, activation, alpha, accumulate, scratch);
}

// a is (m, k), b is (n, k), out is (m, n): out = [out +] a · bᵀ.
export function gemm_nt(out: usize, a: usize, b: usize, m: i32, k: i32, n: i32, accumulate: i32, scratch: usize): void {
  gemm(GEMM_NT, out, a, b, 0, 0, m, k, n, ACT_LINEAR, 0, accumulate, scratch);
}

// a is (k, m), b is (k, n), out is (m, n), bias_grad is (n) or 0:
// out = [out +] aᵀ · b; bias_grad = [bias_grad +] column sums of b.
export function gemm_tn(out: usize, a: usize, b: usize, bias_grad: usize, m: i32, k: i32, n: i32,
  accumulate: i32, scratch: usize): void {
  gemm(GEMM_TN, out, a, b, 0, bias_grad, m, k, n, ACT_LINEAR, 0, accumulate, scratch);
}
