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
//       pack B[pc.., jc..] into 8-wide panels (kc × 8 floats each; a last panel of ≤ 4
//       columns 4 wide), zero-padded past n; with m ≤ 10, full panels of a row-major b are read in place instead
//       for ic in m step MR                  row tile (relaxed: of 6 or 5 rows, gemm_tile_rows)
//         pack A[ic.., pc..] as an MR × kc panel of pre-broadcast values (stays in L1)
//         for jr in nc step NR               MR × 8 micro-kernel (MR × 4 on a 4-wide last panel):
//                                            out tile (+)= A panel · B panel; then, on the last
//                                            K block, + bias and the activation in place
// Edges: rows past m repeat the last row (stored to the same place, same bits); columns past
// n go through a small tile buffer. When n is small next to m the driver computes outᵀ =
// bᵀ·aᵀ instead, operands swapped and tiles stored transposed (gemm_swaps).
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
// - V8's allocation of the loop is fragile: adding c after the loop, storing rows in reverse
//   order, or looping over several panels inside the kernel each made it spill (→ 22–24).
//   Keep the kernel a single k loop between straight-line prologue and epilogue.
// - With relaxed-SIMD FMA (f32x4.relaxed_madd; Node 20 needs --experimental-wasm-relaxed-simd)
//   the product temporary disappears, so 6 × 8 fits (12 + 2 + 1 = 15 registers, no spill in V8's
//   code): 51–55 GFLOP/s in the same test against 48–52 for 5 × 8; the relaxed build uses it
//   (MR = 6), with a 5 × 8 kernel for tiles of 5 rows. On this core (Zen 5: two multiply/FMA and
//   two add pipes) mul + add and FMA share one peak, 16 flop/cycle ≈ 55–56 GFLOP/s measured, so
//   FMA buys instructions and a register, not arithmetic (docs/benchmarks.md, GEMM speed).
//
// Results depend only on the shapes, never on where buffers sit: the summation order is fixed by
// (m, k, n) through KC and the tile grid.

import { activate_f32x4, ACT_LINEAR } from './simd';

// c + a·b per lane. The relaxed build (ASC_FEATURE_RELAXED_SIMD, asconfig target "relaxed") fuses
// it into one f32x4.relaxed_madd: one rounding instead of two where the engine really fuses
// (Chromium and Node on x64 with FMA3), so its results differ from the portable build's — and
// may differ between engines — in the last bits. Every micro-kernel goes through here, so within
// one build every path (packed, read in place, transposed) sums each element in the same order
// with the same roundings.
// @ts-ignore: decorator
@inline function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(c, f32x4.mul(a, b));
}
import { column_sums } from './reduce';

export const GEMM_NN: i32 = 0;
export const GEMM_NT: i32 = 1;
export const GEMM_TN: i32 = 2;

// Register tile: MR rows × NR columns of out held in 2·MR f32x4 accumulators: 5 × 8 in the
// portable build (10 accumulators + 2 B + 1 A + 1 product temporary = 14 of V8's 15 registers),
// 6 × 8 in the relaxed one, where the fused multiply-add needs no temporary (12 + 2 + 1 = 15).
const MR: i32 = ASC_FEATURE_RELAXED_SIMD ? 6 : 5;
const NR: i32 = 8;
// Cache blocking: the packed A panel (MR × KC × 16 bytes = 20 or 24 KiB) stays in L1 (32 KiB) while
// the packed B block (KC × NC × 4 bytes ≤ 1 MiB) streams from L2 (1 MiB). KC 64/128/256/384
// measured within noise of each other; 256 was ahead on 256³ and 1024³.
const KC: i32 = 256;
const NC: i32 = 1024;
// A row-major B operand is read in place instead of packed when the product has at most this
// many rows (two row tiles); see gemm_drive.
const DIRECT_B_MAX_M: i32 = 2 * MR;

// Scratch layout (bytes from `scratch`, every part 16-aligned):
//   0          tile  (MR × NR floats)  edge tiles and transposed-output tiles go through here
//   MR·NR·4    bias  (NR floats)       the bias of a partial panel, zero-padded
//   +32        A panel (MR × kc pre-broadcast values, 16 bytes each)
//   ...        B block (kc × round_up(nc, 8) floats in NR-wide panels)
const TILE_OFFSET: usize = 0;
const BIAS_OFFSET: usize = <usize>(MR * NR * 4);
const APANEL_OFFSET: usize = BIAS_OFFSET + 32;
// Bytes of the packed A panel per k step.
const ASTEP: usize = <usize>MR << 4;

// @ts-ignore: decorator
@inline function roundUpNR(x: i32): i32 {
  return (x + (NR - 1)) & ~(NR - 1);
}

// Bytes of scratch a call with these sizes needs, and any call or block with m' ≤ m, k' ≤ k,
// n' ≤ n (a planner may size it for the largest batch): at most 224 + MR·KC·16 + KC·NC·4 ≈ 1 MiB
// whatever the sizes.
export function gemm_scratch_bytes(form: i32, m: i32, k: i32, n: i32): i32 {
  const kc = min<i32>(k, KC);
  // the B block spans n columns, or m' ≤ m when the call computes outᵀ; a block of the product
  // (gemm_block) may compute its outᵀ even when n ≥ 16, so the bound is max(m, n)
  const nc = roundUpNR(min<i32>(max<i32>(m, n), NC));
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

// @ts-ignore: decorator
@inline function kernel8_body(ROWS: i32, c: usize, ldc: usize, mr: i32, a: usize, b: usize, ldb: usize, kc: i32, loadC: i32): void {
  const c0 = c;
  const c1 = mr > 1 ? c0 + ldc : c0;
  const c2 = mr > 2 ? c1 + ldc : c1;
  const c3 = mr > 3 ? c2 + ldc : c2;
  const c4 = mr > 4 ? c3 + ldc : c3;
  const c5 = mr > 5 ? c4 + ldc : c4; // ROWS = 6 only
  let vacc0x0123 = f32x4.splat(0), vacc0x4567 = f32x4.splat(0);
  let vacc1x0123 = f32x4.splat(0), vacc1x4567 = f32x4.splat(0);
  let vacc2x0123 = f32x4.splat(0), vacc2x4567 = f32x4.splat(0);
  let vacc3x0123 = f32x4.splat(0), vacc3x4567 = f32x4.splat(0);
  let vacc4x0123 = f32x4.splat(0), vacc4x4567 = f32x4.splat(0);
  let vacc5x0123 = f32x4.splat(0), vacc5x4567 = f32x4.splat(0);
  if (loadC) {
    vacc0x0123 = v128.load(c0); vacc0x4567 = v128.load(c0, 16);
    vacc1x0123 = v128.load(c1); vacc1x4567 = v128.load(c1, 16);
    vacc2x0123 = v128.load(c2); vacc2x4567 = v128.load(c2, 16);
    vacc3x0123 = v128.load(c3); vacc3x4567 = v128.load(c3, 16);
    vacc4x0123 = v128.load(c4); vacc4x4567 = v128.load(c4, 16);
    if (ROWS > 5) { vacc5x0123 = v128.load(c5); vacc5x4567 = v128.load(c5, 16); }
  }
  const bend = b + <usize>kc * ldb;
  // One k step per iteration: 7 loads, 10 mul, 10 add (see the header on why not unrolled);
  // relaxed: 8 loads, 12 fused multiply-adds.
  while (b < bend) {
    const vb0123 = v128.load(b);
    const vb4567 = v128.load(b, 16);
    const va0 = v128.load(a);
    vacc0x0123 = madd(va0, vb0123, vacc0x0123);
    vacc0x4567 = madd(va0, vb4567, vacc0x4567);
    const va1 = v128.load(a, 16);
    vacc1x0123 = madd(va1, vb0123, vacc1x0123);
    vacc1x4567 = madd(va1, vb4567, vacc1x4567);
    const va2 = v128.load(a, 32);
    vacc2x0123 = madd(va2, vb0123, vacc2x0123);
    vacc2x4567 = madd(va2, vb4567, vacc2x4567);
    const va3 = v128.load(a, 48);
    vacc3x0123 = madd(va3, vb0123, vacc3x0123);
    vacc3x4567 = madd(va3, vb4567, vacc3x4567);
    const va4 = v128.load(a, 64);
    vacc4x0123 = madd(va4, vb0123, vacc4x0123);
    vacc4x4567 = madd(va4, vb4567, vacc4x4567);
    if (ROWS > 5) {
      const va5 = v128.load(a, 80);
      vacc5x0123 = madd(va5, vb0123, vacc5x0123);
      vacc5x4567 = madd(va5, vb4567, vacc5x4567);
    }
    a += ASTEP;
    b += ldb;
  }
  v128.store(c0, vacc0x0123); v128.store(c0, vacc0x4567, 16);
  v128.store(c1, vacc1x0123); v128.store(c1, vacc1x4567, 16);
  v128.store(c2, vacc2x0123); v128.store(c2, vacc2x4567, 16);
  v128.store(c3, vacc3x0123); v128.store(c3, vacc3x4567, 16);
  v128.store(c4, vacc4x0123); v128.store(c4, vacc4x4567, 16);
  if (ROWS > 5) { v128.store(c5, vacc5x0123); v128.store(c5, vacc5x4567, 16); }
}

// The MR × 8 micro-kernel, and in the relaxed build (MR = 6) also a 5 × 8 one for tiles of 5
// rows (same A panel layout, 6 slots a step): M = 64 runs as 9 tiles of 6 and 2 of 5 instead of
// 11 of 6 with 2 rows wasted, M = 10 (a transposed product with n = 10) as 5 + 5, not 6 + 4.
// Both sum every element in the same order, so which one computes a row changes no bit.
function gemm_mrx8_kernel(c: usize, ldc: usize, mr: i32, a: usize, b: usize, ldb: usize, kc: i32, loadC: i32): void {
  kernel8_body(MR, c, ldc, mr, a, b, ldb, kc, loadC);
}
function gemm_5x8_kernel(c: usize, ldc: usize, mr: i32, a: usize, b: usize, ldb: usize, kc: i32, loadC: i32): void {
  kernel8_body(5, c, ldc, mr, a, b, ldb, kc, loadC);
}
// @ts-ignore: decorator
@inline function kernel8(c: usize, ldc: usize, mr: i32, a: usize, b: usize, ldb: usize, kc: i32, loadC: i32): void {
  if (MR > 5 && mr <= 5) gemm_5x8_kernel(c, ldc, mr, a, b, ldb, kc, loadC);
  else gemm_mrx8_kernel(c, ldc, mr, a, b, ldb, kc, loadC);
}

// The same over a 4-wide B panel (16 bytes per step): the last panel when n mod 8 is 1 … 4,
// which would otherwise be padded to 8 (n = 10: 10/16 of the work useful → 10/12).
// @ts-ignore: decorator
@inline function kernel4_body(ROWS: i32, c: usize, ldc: usize, mr: i32, a: usize, b: usize, kc: i32, loadC: i32): void {
  const c0 = c;
  const c1 = mr > 1 ? c0 + ldc : c0;
  const c2 = mr > 2 ? c1 + ldc : c1;
  const c3 = mr > 3 ? c2 + ldc : c2;
  const c4 = mr > 4 ? c3 + ldc : c3;
  const c5 = mr > 5 ? c4 + ldc : c4; // ROWS = 6 only
  let vacc0x0123 = f32x4.splat(0), vacc1x0123 = f32x4.splat(0), vacc2x0123 = f32x4.splat(0);
  let vacc3x0123 = f32x4.splat(0), vacc4x0123 = f32x4.splat(0), vacc5x0123 = f32x4.splat(0);
  if (loadC) {
    vacc0x0123 = v128.load(c0); vacc1x0123 = v128.load(c1); vacc2x0123 = v128.load(c2);
    vacc3x0123 = v128.load(c3); vacc4x0123 = v128.load(c4);
    if (ROWS > 5) vacc5x0123 = v128.load(c5);
  }
  const bend = b + (<usize>kc << 4);
  while (b < bend) {
    const vb0123 = v128.load(b);
    vacc0x0123 = madd(v128.load(a), vb0123, vacc0x0123);
    vacc1x0123 = madd(v128.load(a, 16), vb0123, vacc1x0123);
    vacc2x0123 = madd(v128.load(a, 32), vb0123, vacc2x0123);
    vacc3x0123 = madd(v128.load(a, 48), vb0123, vacc3x0123);
    vacc4x0123 = madd(v128.load(a, 64), vb0123, vacc4x0123);
    if (ROWS > 5) vacc5x0123 = madd(v128.load(a, 80), vb0123, vacc5x0123);
    a += ASTEP;
    b += 16;
  }
  v128.store(c0, vacc0x0123);
  v128.store(c1, vacc1x0123);
  v128.store(c2, vacc2x0123);
  v128.store(c3, vacc3x0123);
  v128.store(c4, vacc4x0123);
  if (ROWS > 5) v128.store(c5, vacc5x0123);
}
function gemm_mrx4_kernel(c: usize, ldc: usize, mr: i32, a: usize, b: usize, kc: i32, loadC: i32): void {
  kernel4_body(MR, c, ldc, mr, a, b, kc, loadC);
}
function gemm_5x4_kernel(c: usize, ldc: usize, mr: i32, a: usize, b: usize, kc: i32, loadC: i32): void {
  kernel4_body(5, c, ldc, mr, a, b, kc, loadC);
}
// @ts-ignore: decorator
@inline function kernel4(c: usize, ldc: usize, mr: i32, a: usize, b: usize, kc: i32, loadC: i32): void {
  if (MR > 5 && mr <= 5) gemm_5x4_kernel(c, ldc, mr, a, b, kc, loadC);
  else gemm_mrx4_kernel(c, ldc, mr, a, b, kc, loadC);
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

// The epilogue for a transposed output, on the tile buffer (row stride 32 bytes): there the
// bias runs down the rows: c (r, ·) = f(c (r, ·) + bias[r]) for r < rows.
function gemm_epilogue_rows(c: usize, rows: i32, width: i32, bias: usize, activation: i32, valpha: v128): void {
  for (let r = 0; r < rows; r++) {
    const vbias = bias ? v128.load32_splat(bias + (<usize>r << 2)) : f32x4.splat(0);
    let v0123 = f32x4.add(v128.load(c), vbias);
    if (activation != ACT_LINEAR) v0123 = activate_f32x4(v0123, activation, valpha);
    v128.store(c, v0123);
    if (width == 8) {
      let v4567 = f32x4.add(v128.load(c, 16), vbias);
      if (activation != ACT_LINEAR) v4567 = activate_f32x4(v4567, activation, valpha);
      v128.store(c, v4567, 16);
    }
    c += <usize>NR << 2;
  }
}

// ---------------------------------------------------------------------------------------------
// Packing

// A panel from rows (gemm_nn, gemm_nt): src is (mr, kc) with row stride lda bytes.
// dst[p·MR + r] = splat(src[min(r, mr − 1), p]): rows past mr repeat the last one.
// Written in order, 4 k steps at a time: one load per row, each lane broadcast by a shuffle.
function pack_a_rows(dst: usize, src: usize, lda: usize, mr: i32, kc: i32): void {
  const s0 = src;
  const s1 = mr > 1 ? s0 + lda : s0;
  const s2 = mr > 2 ? s1 + lda : s1;
  const s3 = mr > 3 ? s2 + lda : s2;
  const s4 = mr > 4 ? s3 + lda : s3;
  const s5 = mr > 5 ? s4 + lda : s4; // MR = 6 only
  let p = 0;
  for (; p + 4 <= kc; p += 4) {
    const o = <usize>p << 2;
    const v0 = v128.load(s0 + o), v1 = v128.load(s1 + o), v2 = v128.load(s2 + o), v3 = v128.load(s3 + o), v4 = v128.load(s4 + o);
    v128.store(dst, i32x4.shuffle(v0, v0, 0, 0, 0, 0));
    v128.store(dst, i32x4.shuffle(v1, v1, 0, 0, 0, 0), 16);
    v128.store(dst, i32x4.shuffle(v2, v2, 0, 0, 0, 0), 32);
    v128.store(dst, i32x4.shuffle(v3, v3, 0, 0, 0, 0), 48);
    v128.store(dst, i32x4.shuffle(v4, v4, 0, 0, 0, 0), 64);
    v128.store(dst, i32x4.shuffle(v0, v0, 1, 1, 1, 1), ASTEP);
    v128.store(dst, i32x4.shuffle(v1, v1, 1, 1, 1, 1), ASTEP + 16);
    v128.store(dst, i32x4.shuffle(v2, v2, 1, 1, 1, 1), ASTEP + 32);
    v128.store(dst, i32x4.shuffle(v3, v3, 1, 1, 1, 1), ASTEP + 48);
    v128.store(dst, i32x4.shuffle(v4, v4, 1, 1, 1, 1), ASTEP + 64);
    v128.store(dst, i32x4.shuffle(v0, v0, 2, 2, 2, 2), 2 * ASTEP);
    v128.store(dst, i32x4.shuffle(v1, v1, 2, 2, 2, 2), 2 * ASTEP + 16);
    v128.store(dst, i32x4.shuffle(v2, v2, 2, 2, 2, 2), 2 * ASTEP + 32);
    v128.store(dst, i32x4.shuffle(v3, v3, 2, 2, 2, 2), 2 * ASTEP + 48);
    v128.store(dst, i32x4.shuffle(v4, v4, 2, 2, 2, 2), 2 * ASTEP + 64);
    v128.store(dst, i32x4.shuffle(v0, v0, 3, 3, 3, 3), 3 * ASTEP);
    v128.store(dst, i32x4.shuffle(v1, v1, 3, 3, 3, 3), 3 * ASTEP + 16);
    v128.store(dst, i32x4.shuffle(v2, v2, 3, 3, 3, 3), 3 * ASTEP + 32);
    v128.store(dst, i32x4.shuffle(v3, v3, 3, 3, 3, 3), 3 * ASTEP + 48);
    v128.store(dst, i32x4.shuffle(v4, v4, 3, 3, 3, 3), 3 * ASTEP + 64);
    if (MR > 5) {
      const v5 = v128.load(s5 + o);
      v128.store(dst, i32x4.shuffle(v5, v5, 0, 0, 0, 0), 80);
      v128.store(dst, i32x4.shuffle(v5, v5, 1, 1, 1, 1), ASTEP + 80);
      v128.store(dst, i32x4.shuffle(v5, v5, 2, 2, 2, 2), 2 * ASTEP + 80);
      v128.store(dst, i32x4.shuffle(v5, v5, 3, 3, 3, 3), 3 * ASTEP + 80);
    }
    dst += 4 * ASTEP;
  }
  for (; p < kc; p++) {
    const o = <usize>p << 2;
    v128.store(dst, v128.load32_splat(s0 + o));
    v128.store(dst, v128.load32_splat(s1 + o), 16);
    v128.store(dst, v128.load32_splat(s2 + o), 32);
    v128.store(dst, v128.load32_splat(s3 + o), 48);
    v128.store(dst, v128.load32_splat(s4 + o), 64);
    if (MR > 5) v128.store(dst, v128.load32_splat(s5 + o), 80);
    dst += ASTEP;
  }
}

// A panel from columns (gemm_tn): src is (kc, ·) with row stride lda bytes; the panel takes
// columns 0 … mr−1. dst[p·MR + r] = splat(src[p, min(r, mr − 1)]).
function pack_a_cols(dst: usize, src: usize, lda: usize, mr: i32, kc: i32): void {
  if (mr >= 5) {
    // 5 or MR (= 6) columns; with 5 in the relaxed build slot 5 repeats column 4
    const last: usize = <usize>(mr - 1) << 2;
    for (let p = 0; p < kc; p++) {
      v128.store(dst, v128.load32_splat(src));
      v128.store(dst, v128.load32_splat(src + 4), 16);
      v128.store(dst, v128.load32_splat(src + 8), 32);
      v128.store(dst, v128.load32_splat(src + 12), 48);
      v128.store(dst, v128.load32_splat(src + 16), 64);
      if (MR > 5) v128.store(dst, v128.load32_splat(src + last), 80);
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
function pack_b_rows(dst: usize, src: usize, ldb: usize, kc: i32, nc: i32): void {
  let j = 0;
  for (; j + NR <= nc; j += NR) {
    let s = src + (<usize>j << 2);
    let d = dst + ((<usize>j * <usize>kc) << 2);
    for (let p = 0; p < kc; p++) {
      v128.store(d, v128.load(s));
      v128.store(d, v128.load(s, 16), 16);
      s += ldb;
      d += 32;
    }
  }
  if (j < nc) pack_b_rows_tail(dst + ((<usize>j * <usize>kc) << 2), src + (<usize>j << 2), ldb, kc, nc - j);
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
//
// It computes P (M × N) = Â (M × K) · B̂ (K × N) where Â and B̂ are read through the packing
// routines: ROWS means element (i, p) of Â is src[i·ld + p] (row-major), COLS means src[p·ld + i]
// (the matrix is stored transposed); likewise B̂ (p, j) is src[p·ld + j] (ROWS) or src[j·ld + p]
// (COLS). out is P (row stride N) or, with `transposed`, Pᵀ (out (N × M), row stride M).

const ROWS: i32 = 0;
const COLS: i32 = 1;

// Work in units of one 5 × 8 panel-step, per K step, of computing P (M × N) tile by tile:
// ⌈M / 5⌉ row tiles, each packing its A panel (≈ 0.3 units) and running ⌊N / 8⌋ full panels
// plus a last one (5 × 4 kernel ≈ 0.6 of a 5 × 8; + 0.1 when it goes through the tile buffer).
function gemm_units(M: i32, N: i32): f32 {
  const rem = N & (NR - 1);
  const tail: f32 = rem == 0 ? 0 : rem == 4 ? 0.6 : rem < 4 ? 0.7 : 1.1;
  return <f32>((M + MR - 1) / MR) * (<f32>(N >> 3) + tail + 0.3);
}

// Whether to compute outᵀ = bᵀ-side · a-side instead: when n is small next to m, (m, n) tiles
// waste most of each 8-wide panel and pack a 5-row A panel for every 1 … 2 panels of work,
// while (n, m) tiles fill their panels and reuse each A panel across ⌈m / 8⌉ of them; the
// transposed store (through the tile buffer, by 4 × 4 transposes) costs ~5 % (the 1.05).
// Measured (GFLOP/s), unswapped → swapped with scalar stores → with transposes:
// tn 128×64×10 21.5 → 31.9 → 38.4, nn 64×128×10 21.7 → 30.5 → 34.5, tn 60×30×5 12.7 → 21.2
// → 25.6, nt 16×16×3 5.5 → 7.7; shapes that do not swap are unchanged.
// @ts-ignore: decorator
@inline function gemm_swaps(m: i32, n: i32): bool {
  return n < 2 * NR && gemm_units(n, m) * 1.05 < 0.9 * gemm_units(m, n);
}

// Rows of the row tile that starts with `rest` rows of P left. Portable: min(5, rest). Relaxed:
// M = 6a + 5b with b = (−M) mod 6 tiles of 5 last (the 5 × 8 kernel) whenever M ≥ 5b, so no row
// is wasted (64 = 9·6 + 2·5, 10 = 5 + 5, 128 = 18·6 + 4·5); smaller M (7, 8, 9, 13, 14, 19) take
// tiles of 6 while more than 5b rows are left and then tiles of ≤ 5.
// @ts-ignore: decorator
@inline function gemm_tile_rows(rest: i32): i32 {
  if (MR == 5) return min<i32>(5, rest);
  const fives = (6 - rest % 6) % 6;
  return rest > 5 * fives ? min<i32>(6, rest) : min<i32>(5, rest);
}

function gemm_drive(out: usize, ldo: usize, transposed: bool, aSrc: usize, aLayout: i32, lda: usize, bSrc: usize,
  bLayout: i32, ldb: usize, M: i32, K: i32, N: i32, bias: usize, activation: i32, alpha: f32,
  accumulate: i32, scratch: usize): void {
  const valpha = f32x4.splat(alpha);
  const apanel = scratch + APANEL_OFFSET;
  const bblock = apanel + <usize>(MR * min<i32>(K, KC) * 16);
  const epilogue = bias != 0 || activation != ACT_LINEAR;
  // With one or two row tiles, each B panel is used once or twice: reading the full panels of
  // a row-major B̂ in place (ldb = N·4) beats copying them first (10×784×128: 36 → 44 GFLOP/s,
  // 1×784×128: 5.8 → 8.9), except for very wide B̂, whose rows are pages apart (5×2048×2048:
  // 19 → 16), and from three row tiles up (30×1024×1024: 33 → 26). Only the partial last panel
  // is packed then.
  const direct = bLayout == ROWS && M <= DIRECT_B_MAX_M && N <= NC;
  // K blocks of equal length (a multiple of 4, the step of pack_a_rows) instead of KC, KC, …,
  // remainder: K = 784 runs as 4 × 196, not 3 × 256 + 16, whose last block paid a kernel call's
  // load and store of the tile for 16 steps of work. Block edges do not change a bit: a block
  // continues each sum from the partial sum the previous one stored, exactly.
  const kblocks = (K + KC - 1) / KC;
  const kcb = (((K + kblocks - 1) / kblocks) + 3) & ~3;
  for (let jc = 0; jc < N; jc += NC) {
    const nc = min<i32>(NC, N - jc);
    const full = nc & ~(NR - 1);
    for (let pc = 0; pc < K; pc += kcb) {
      const kc = min<i32>(kcb, K - pc);
      const last = pc + kc == K;
      const loadC = accumulate != 0 || pc > 0 ? 1 : 0;
      const bblockSrc = bLayout == ROWS ? bSrc + <usize>pc * ldb + (<usize>jc << 2) : bSrc + <usize>jc * ldb + (<usize>pc << 2);
      let ldbPanel: usize = 32;
      let tailPanel = bblock + ((<usize>full * <usize>kc) << 2);
      if (bLayout == COLS) {
        pack_b_cols(bblock, bblockSrc, ldb, kc, nc);
      } else if (direct) {
        ldbPanel = ldb;
        tailPanel = bblock;
        if (full < nc) pack_b_rows_tail(tailPanel, bblockSrc + (<usize>full << 2), ldb, kc, nc - full);
      } else {
        pack_b_rows(bblock, bblockSrc, ldb, kc, nc);
      }
      for (let ic = 0; ic < M; ic += gemm_tile_rows(M - ic)) {
        const mr = gemm_tile_rows(M - ic);
        if (aLayout == ROWS) pack_a_rows(apanel, aSrc + <usize>ic * lda + (<usize>pc << 2), lda, mr, kc);
        else pack_a_cols(apanel, aSrc + <usize>pc * lda + (<usize>ic << 2), lda, mr, kc);
        if (!transposed) {
          // full 8-wide panels straight into out
          const crow = out + <usize>ic * ldo + (<usize>jc << 2);
          for (let jr = 0; jr < full; jr += NR) {
            const c = crow + (<usize>jr << 2);
            const bpanel = direct ? bblockSrc + (<usize>jr << 2) : bblock + ((<usize>jr * <usize>kc) << 2);
            kernel8(c, ldo, mr, apanel, bpanel, ldbPanel, kc, loadC);
            if (last && epilogue) gemm_epilogue(c, ldo, mr, NR, bias ? bias + (<usize>(jc + jr) << 2) : 0, activation, valpha);
          }
          if (full == nc) continue;
          const nr = nc - full;
          if (nr == 4) {
            const c = crow + (<usize>full << 2);
            kernel4(c, ldo, mr, apanel, tailPanel, kc, loadC);
            if (last && epilogue) gemm_epilogue(c, ldo, mr, 4, bias ? bias + (<usize>(jc + full) << 2) : 0, activation, valpha);
          } else {
            gemm_tile_buffered(out, ldo, false, ic, jc + full, mr, nr, apanel, tailPanel, 32, kc, loadC,
              last && epilogue, bias, activation, valpha, scratch);
          }
        } else {
          for (let jr = 0; jr < nc; jr += NR) {
            const nr = min<i32>(NR, nc - jr);
            const bpanel = nr < NR ? tailPanel : direct ? bblockSrc + (<usize>jr << 2) : bblock + ((<usize>jr * <usize>kc) << 2);
            gemm_tile_buffered(out, ldo, true, ic, jc + jr, mr, nr, apanel, bpanel, nr == NR ? ldbPanel : 32, kc, loadC,
              last && epilogue, bias, activation, valpha, scratch);
          }
        }
      }
    }
  }
}

// One tile through the tile buffer (row stride 32 bytes): a last panel of 1 … 3 or 5 … 7
// columns, and every tile of a transposed output. Tile (r, c) is P (i + r, j + c), stored at
// out (i + r, j + c), or at out (j + c, i + r) when transposed; ldo is out's row stride.
function gemm_tile_buffered(out: usize, ldo: usize, transposed: bool, i: i32, j: i32, mr: i32, nr: i32, apanel: usize,
  bpanel: usize, ldb: usize, kc: i32, loadC: i32, epilogue: bool, bias: usize, activation: i32, valpha: v128,
  scratch: usize): void {
  const tile = scratch + TILE_OFFSET;
  const width = nr <= 4 ? 4 : 8;
  if (loadC) {
    for (let r = 0; r < mr; r++) {
      for (let c = 0; c < nr; c++) {
        const o = transposed ? <usize>(j + c) * ldo + (<usize>(i + r) << 2) : <usize>(i + r) * ldo + (<usize>(j + c) << 2);
        store<f32>(tile + (<usize>(r * NR + c) << 2), load<f32>(out + o));
      }
    }
  }
  if (width == 8) kernel8(tile, <usize>NR << 2, mr, apanel, bpanel, ldb, kc, loadC);
  else kernel4(tile, <usize>NR << 2, mr, apanel, bpanel, kc, loadC);
  if (epilogue) {
    if (transposed) {
      gemm_epilogue_rows(tile, mr, width, bias ? bias + (<usize>i << 2) : 0, activation, valpha);
    } else {
      let tb: usize = 0;
      if (bias) {
        tb = scratch + BIAS_OFFSET;
        v128.store(tb, f32x4.splat(0));
        v128.store(tb, f32x4.splat(0), 16);
        for (let c = 0; c < nr; c++) store<f32>(tb + (<usize>c << 2), load<f32>(bias + (<usize>(j + c) << 2)));
      }
      gemm_epilogue(tile, <usize>NR << 2, mr, width, tb, activation, valpha);
    }
  }
  if (transposed && mr >= 5 && nr == NR) {
    gemm_store_transposed(out + <usize>j * ldo + (<usize>i << 2), ldo, tile, mr);
    return;
  }
  for (let r = 0; r < mr; r++) {
    for (let c = 0; c < nr; c++) {
      const o = transposed ? <usize>(j + c) * ldo + (<usize>(i + r) << 2) : <usize>(i + r) * ldo + (<usize>(j + c) << 2);
      store<f32>(out + o, load<f32>(tile + (<usize>(r * NR + c) << 2)));
    }
  }
}

// A full tile of mr = 5 or 6 rows × 8 (row stride 32 bytes) stored transposed: out row c (c = 0
// … 7, stride ldo) gets tile (0 … mr − 1, c) in its mr consecutive floats: two 4 × 4 transposes
// of rows 0 … 3, and rows 4 (and 5) lane by lane.
function gemm_store_transposed(out: usize, ldo: usize, tile: usize, mr: i32): void {
  for (let g: usize = 0; g < 2; g++) {
    const t = tile + (g << 4);
    const vr0 = v128.load(t), vr1 = v128.load(t, 32), vr2 = v128.load(t, 64), vr3 = v128.load(t, 96);
    const vr4 = v128.load(t, 128);
    const vlo01 = i32x4.shuffle(vr0, vr1, 0, 4, 1, 5), vlo23 = i32x4.shuffle(vr2, vr3, 0, 4, 1, 5);
    const vhi01 = i32x4.shuffle(vr0, vr1, 2, 6, 3, 7), vhi23 = i32x4.shuffle(vr2, vr3, 2, 6, 3, 7);
    const o0 = out + (g << 2) * ldo, o1 = o0 + ldo, o2 = o1 + ldo, o3 = o2 + ldo;
    v128.store(o0, i32x4.shuffle(vlo01, vlo23, 0, 1, 4, 5));
    v128.store32_lane(o0, vr4, 0, 16);
    v128.store(o1, i32x4.shuffle(vlo01, vlo23, 2, 3, 6, 7));
    v128.store32_lane(o1, vr4, 1, 16);
    v128.store(o2, i32x4.shuffle(vhi01, vhi23, 0, 1, 4, 5));
    v128.store32_lane(o2, vr4, 2, 16);
    v128.store(o3, i32x4.shuffle(vhi01, vhi23, 2, 3, 6, 7));
    v128.store32_lane(o3, vr4, 3, 16);
    if (MR > 5 && mr > 5) {
      const vr5 = v128.load(t, 160);
      v128.store32_lane(o0, vr5, 0, 20);
      v128.store32_lane(o1, vr5, 1, 20);
      v128.store32_lane(o2, vr5, 2, 20);
      v128.store32_lane(o3, vr5, 3, 20);
    }
  }
}

// The exported forms: the whole product, then (gemm_tn) the bias gradient by column_sums.
function gemm(form: i32, out: usize, a: usize, b: usize, bias: usize, biasGrad: usize, m: i32, k: i32, n: i32,
  activation: i32, alpha: f32, accumulate: i32, scratch: usize): void {
  gemm_block(form, out, a, b, bias, m, k, n, 0, m, 0, n, activation, alpha, accumulate, scratch);
  if (biasGrad) column_sums(biasGrad, b, k, n, accumulate);
}

// Rows i0 … i1 − 1 and columns j0 … j1 − 1 of the product of the three forms (out is (m, n), the
// operands as in gemm_nn/nt/tn), with no bias gradient: the parallel driver (parallel.ts) splits
// a product into such blocks, one per task. Every element is the same sum in the same order
// whatever block computes it and whichever path (packed, read in place, transposed) the block's
// shape picks — one madd chain over k, KC blocks continuing from the stored partial sum — so a
// split never changes a bit (test/kernels/gemm.test.ts checks blocks against the whole).
export function gemm_block(form: i32, out: usize, a: usize, b: usize, bias: usize, m: i32, k: i32, n: i32, i0: i32,
  i1: i32, j0: i32, j1: i32, activation: i32, alpha: f32, accumulate: i32, scratch: usize): void {
  const mi = i1 - i0, nj = j1 - j0;
  if (mi <= 0 || nj <= 0) return;
  const rowK = <usize>k << 2, rowM = <usize>m << 2, rowN = <usize>n << 2;
  const o = out + <usize>i0 * rowN + (<usize>j0 << 2);
  const bb = bias ? bias + (<usize>j0 << 2) : 0;
  // the block's operands: rows i0… of the a-side, columns j0… of the b-side
  const ai = form == GEMM_TN ? a + (<usize>i0 << 2) : a + <usize>i0 * rowK;
  const bj = form == GEMM_NT ? b + <usize>j0 * rowK : b + (<usize>j0 << 2);
  if (gemm_swaps(mi, nj)) {
    if (form == GEMM_NN) gemm_drive(o, rowN, true, bj, COLS, rowN, ai, COLS, rowK, nj, k, mi, bb, activation, alpha, accumulate, scratch);
    else if (form == GEMM_NT) gemm_drive(o, rowN, true, bj, ROWS, rowK, ai, COLS, rowK, nj, k, mi, bb, activation, alpha, accumulate, scratch);
    else gemm_drive(o, rowN, true, bj, COLS, rowN, ai, ROWS, rowM, nj, k, mi, bb, activation, alpha, accumulate, scratch);
    return;
  }
  if (form == GEMM_NN) gemm_drive(o, rowN, false, ai, ROWS, rowK, bj, ROWS, rowN, mi, k, nj, bb, activation, alpha, accumulate, scratch);
  else if (form == GEMM_NT) gemm_drive(o, rowN, false, ai, ROWS, rowK, bj, COLS, rowK, mi, k, nj, bb, activation, alpha, accumulate, scratch);
  else gemm_drive(o, rowN, false, ai, COLS, rowM, bj, ROWS, rowN, mi, k, nj, bb, activation, alpha, accumulate, scratch);
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
