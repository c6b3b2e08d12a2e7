import { describe, expect, it } from 'vitest';
import { Arena, BUILDS } from '../helpers/wasm.js';
import { matmul, maxError, randomArray } from '../reference.js';

describe.each(BUILDS)('gemm_nn smoke (%s)', (build) => {
  it('matches the reference on 5x7x9', () => {
    const arena = new Arena(build);
    const [m, k, n] = [5, 7, 9];
    const a = randomArray(m * k, 1), b = randomArray(k * n, 2);
    const pa = arena.put(a), pb = arena.put(b), po = arena.alloc(m * n);
    arena.k.gemm_nn(po, pa, pb, 0, m, k, n, 0, 0, 0, 0);
    expect(maxError(arena.f32(po, m * n), matmul(a, b, m, k, n))).toBeLessThan(1e-5);
  });
});
