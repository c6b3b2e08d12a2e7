/**
 * Seeded pseudo-random numbers shared by the data layer (shuffling, splits) and the model
 * (weight initialisation, batch order). One generator everywhere means "same seed, same data,
 * same binary ⇒ bit-identical results" holds in Node and in every browser: the generator uses
 * only 32-bit integer arithmetic (`Math.imul`, shifts), never `Math.random`, so its output does
 * not depend on the JavaScript engine.
 *
 * The generator is xoshiro128** 1.1 (D. Blackman, S. Vigna, "Scrambled linear pseudorandom
 * number generators", 2018; reference code at prng.di.unimi.it): 128 bits of state, period
 * 2^128 − 1, passes BigCrush. The 128-bit state is filled from the seed by MurmurHash3's 32-bit
 * finaliser (`fmix32`) applied to a Weyl sequence, so nearby seeds (1, 2, 3…) give unrelated
 * streams.
 */

/**
 * A seeded generator: calling it returns a uniform float in [0, 1) with 32 random bits
 * (`uint32() / 2^32`, exactly representable). `uint32()` returns the raw 32-bit output.
 */
export interface Rng {
  (): number;
  /** The next raw output as an unsigned 32-bit integer. */
  uint32(): number;
  /** The four 32-bit state words: `xoshiro128ss(rng.state())` continues the stream from here (saved models use it). */
  state(): [number, number, number, number];
}

const TWO_POW_32 = 4294967296;

/** MurmurHash3's 32-bit finaliser: a bijection on uint32 with good avalanche. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * xoshiro128** over an explicit state (four uint32 words, not all zero). Exposed for the
 * reference-vector test; use {@link createRng}.
 *
 * @internal
 */
export function xoshiro128ss(state: [number, number, number, number]): Rng {
  let s0 = state[0] | 0;
  let s1 = state[1] | 0;
  let s2 = state[2] | 0;
  let s3 = state[3] | 0;
  if ((s0 | s1 | s2 | s3) === 0) {
    throw new RangeError('xoshiro128ss: state: expected four 32-bit words not all zero, got all zeros');
  }
  const uint32 = (): number => {
    // result = rotl(s1 * 5, 7) * 9
    const m = Math.imul(s1, 5);
    const result = Math.imul((m << 7) | (m >>> 25), 9);
    const t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = (s3 << 11) | (s3 >>> 21);
    return result >>> 0;
  };
  const rng = (() => uint32() / TWO_POW_32) as Rng;
  rng.uint32 = uint32;
  rng.state = () => [s0 >>> 0, s1 >>> 0, s2 >>> 0, s3 >>> 0];
  return rng;
}

/**
 * Creates a seeded generator of uniform floats in [0, 1).
 *
 * Any safe integer is a valid seed (negative ones and ones above 2^32 included; `Date.now()`
 * works). Equal seeds give equal streams on every engine.
 *
 * @param seed - a safe integer.
 * @throws {TypeError} when `seed` is not a number; {RangeError} when it is not a safe integer.
 *
 * @example
 * const rng = createRng(42);
 * const a = rng();           // 0 ≤ a < 1, the same on every run and engine
 * const k = randomInt(rng, 10); // an integer in 0..9
 */
export function createRng(seed: number): Rng {
  if (typeof seed !== 'number') {
    throw new TypeError(`createRng: seed: expected an integer, got ${typeof seed}`);
  }
  if (!Number.isSafeInteger(seed)) {
    throw new RangeError(`createRng: seed: expected a safe integer, got ${seed}`);
  }
  const lo = seed >>> 0; // low 32 bits (two's complement for negative seeds)
  const hi = Math.floor(seed / TWO_POW_32) >>> 0; // high bits, also two's complement
  const hiMix = fmix32(hi ^ 0x5bd1e995);
  const words: [number, number, number, number] = [0, 0, 0, 0];
  let weyl = lo;
  for (let k = 0; k < 4; k++) {
    weyl = (weyl + 0x9e3779b9) >>> 0;
    words[k] = fmix32((weyl ^ hiMix) >>> 0);
  }
  if ((words[0] | words[1] | words[2] | words[3]) === 0) words[0] = 1;
  return xoshiro128ss(words);
}

/**
 * A uniform integer in [0, n): `floor(rng() · n)`. Exact and unbiased to within 2^-32 · n (the
 * 32-bit output times n fits a double exactly), which is negligible for any array size.
 *
 * @example
 * const rng = createRng(1);
 * const die = 1 + randomInt(rng, 6);
 */
export function randomInt(rng: () => number, n: number): number {
  if (!Number.isInteger(n) || n < 1) {
    throw new RangeError(`randomInt: n: expected a positive integer, got ${n}`);
  }
  return Math.floor(rng() * n);
}

/**
 * A standard normal sample (mean 0, variance 1) by the Box–Muller transform, consuming two
 * uniforms. `Math.log`, `Math.sqrt` and `Math.cos` are used, so the last bits may differ between
 * JavaScript engines (V8 in Node and Chromium agree); use uniform draws where bit-identity across
 * engines matters.
 *
 * @example
 * const rng = createRng(7);
 * const w = randomNormal(rng) * Math.sqrt(2 / fanIn);
 */
export function randomNormal(rng: () => number): number {
  const u1 = 1 - rng(); // (0, 1]: log never sees 0
  const u2 = rng();
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

/**
 * Shuffles an array or typed array in place with the Fisher–Yates algorithm and returns it.
 *
 * @example
 * const order = shuffleInPlace([0, 1, 2, 3], createRng(3));
 */
export function shuffleInPlace<T extends { length: number; [index: number]: unknown }>(array: T, rng: () => number): T {
  for (let i = array.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    const tmp = array[i];
    array[i] = array[j];
    array[j] = tmp;
  }
  return array;
}

/**
 * A random permutation of 0..n−1 from a seed (or a generator to continue a stream).
 *
 * @param n - how many indices.
 * @param seed - a safe integer seed, or an {@link Rng} (or any `() => number` in [0, 1)).
 *
 * @example
 * const order = shuffleIndices(150, 1); // Int32Array, the same for seed 1 everywhere
 */
export function shuffleIndices(n: number, seed: number | (() => number)): Int32Array {
  if (!Number.isInteger(n) || n < 0) {
    throw new RangeError(`shuffleIndices: n: expected a non-negative integer, got ${n}`);
  }
  const rng = typeof seed === 'function' ? seed : createRng(seed);
  const indices = new Int32Array(n);
  for (let i = 0; i < n; i++) indices[i] = i;
  return shuffleInPlace(indices, rng);
}
