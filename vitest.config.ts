import { defineConfig } from 'vitest/config';

// Two projects: `default` runs everything on what the engine has without flags (in Node 20 the
// portable kernels); `relaxed` reruns the kernel and training tests on the relaxed-SIMD build,
// which Node 20 validates only with --experimental-wasm-relaxed-simd (rejected in NODE_OPTIONS,
// so it goes through execArgv of the forks pool). NEURONINE_BUILDS narrows the builds the kernel
// tests sweep (test/helpers/wasm.ts) to the relaxed one there.
export default defineConfig({
  test: {
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    reporters: ['default', './test/helpers/summary-reporter.ts'],
    projects: [
      { extends: true, test: { name: 'default', include: ['test/**/*.test.ts'] } },
      {
        extends: true,
        test: {
          name: 'relaxed',
          include: ['test/kernels/gemm.test.ts', 'test/kernels/network.test.ts', 'test/model/reference-steps.test.ts',
            'test/runtime/relaxed.test.ts'],
          execArgv: ['--experimental-wasm-relaxed-simd'],
          env: { NEURONINE_BUILDS: 'relaxed' },
        },
      },
    ],
  },
});
