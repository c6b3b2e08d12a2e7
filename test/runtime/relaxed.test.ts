// The relaxed-SIMD build and the `kernels` choice. In the `relaxed` vitest project (Node 20 with
// --experimental-wasm-relaxed-simd) the engine has relaxed SIMD: 'auto' picks the relaxed build,
// whose GEMM really fuses (some results differ from the portable build's, all within the float64
// reference's tolerance) and which trains as well as the portable one. Without the flag, 'auto'
// picks the portable build and asking for 'relaxed' is a clear error.
import { describe, expect, it } from 'vitest';
import { createModel } from '../../src/index.js';
import { relaxedSimdAvailable } from '../../src/runtime/module.js';
import { Arena } from '../helpers/wasm.js';
import { matmul, maxError, randomArray } from '../reference.js';

const spec = { inputs: 20, layers: [{ units: 40, activation: 'tanh' as const }, { units: 3, activation: 'softmax' as const }], seed: 9 };
const rows = 120;
const x = { rows, cols: 20, data: Float32Array.from(randomArray(rows * 20, 5)) };
const y = Array.from({ length: rows }, (_, r) => (x.data[r * 20] > 0 ? 1 : 0) + (x.data[r * 20 + 1] > 0.5 ? 1 : 0));

describe.runIf(relaxedSimdAvailable())('relaxed SIMD available', () => {
  it("'auto' picks the relaxed build, 'portable' the portable one", async () => {
    expect((await createModel(spec)).kernels).toBe('relaxed');
    expect((await createModel({ ...spec, kernels: 'portable' })).kernels).toBe('portable');
    expect((await createModel({ ...spec, kernels: 'relaxed' })).kernels).toBe('relaxed');
  });

  it('fuses: its GEMM differs from the portable build in the last bits, both within the float64 tolerance', () => {
    const [m, k, n] = [33, 257, 65];
    const a = randomArray(m * k, 1), b = randomArray(k * n, 2);
    const want = matmul(a, b, m, k, n);
    const outs = (['release', 'relaxed'] as const).map((build) => {
      const arena = new Arena(build);
      const pa = arena.put(a), pb = arena.put(b), out = arena.alloc(m * n);
      const scratch = arena.alloc(arena.k.gemm_scratch_bytes(0, m, k, n) / 4);
      arena.k.gemm_nn(out, pa, pb, 0, m, k, n, 0, 0, 0, scratch);
      return arena.f32(out, m * n).slice();
    });
    for (const out of outs) expect(maxError(out, want)).toBeLessThanOrEqual(1e-5 * Math.sqrt(k));
    let differ = 0;
    for (let i = 0; i < m * n; i++) if (outs[0][i] !== outs[1][i]) differ++;
    expect(differ).toBeGreaterThan(0);
  });

  it('trains as the portable build does, to within the last bits compounded over the steps', async () => {
    const histories: { loss: number[] }[] = [];
    for (const kernels of ['portable', 'relaxed'] as const) {
      const model = await createModel({ ...spec, kernels });
      histories.push(await model.fit(x, y, { epochs: 5, batchSize: 16 }));
    }
    histories[0].loss.forEach((loss, i) => expect(Math.abs(histories[1].loss[i] - loss)).toBeLessThan(1e-3 * Math.max(1, loss)));
  });
});

describe.skipIf(relaxedSimdAvailable())('relaxed SIMD unavailable (Node 20 without the flag)', () => {
  it("'auto' picks the portable build", async () => {
    expect((await createModel(spec)).kernels).toBe('portable');
  });

  it("refuses kernels: 'relaxed' with an error that says what is missing", async () => {
    await expect(createModel({ ...spec, kernels: 'relaxed' })).rejects.toThrow(/kernels 'relaxed' need WebAssembly relaxed SIMD, which this engine lacks/);
  });
});

it.each([['fast', TypeError], [1, TypeError], [null, TypeError]])('refuses kernels %s naming the field', async (kernels, kind) => {
  await expect(createModel({ ...spec, kernels } as never)).rejects.toThrow(kind);
  await expect(createModel({ ...spec, kernels } as never)).rejects.toThrow(/createModel: kernels must be one of 'portable', 'relaxed', 'auto'/);
});
