// Lifecycle soak: create a model, train it for one epoch, predict, dispose — many times over, in
// one process, with nothing else on the event loop. A loop of a few thousand asynchronous
// compile-and-instantiate calls once hung Node 20 for good (see src/runtime/module.ts); this
// script must finish, and the process must then exit by itself.
//
// Usage: npx tsx scripts/soak.ts [cycles = 20000] [threads = 1]
// test/runtime/lifecycle.test.ts runs it briefly (a few hundred cycles) under a deadline.
import { createModel } from '../src/index.js';

const cycles = Number(process.argv[2] ?? 20000);
const threads = process.argv[3] === undefined ? 1 : process.argv[3] === 'auto' ? 'auto' : Number(process.argv[3]);
const x = new Float32Array(64 * 4).map((_, i) => Math.sin(i));
const y = Array.from({ length: 64 }, (_, i) => i % 3);
const started = Date.now();
let checksum = 0;
for (let cycle = 0; cycle < cycles; cycle++) {
  const spec = { inputs: 4, layers: [{ units: 8, activation: 'relu' as const }, { units: 3, activation: 'softmax' as const }], seed: cycle };
  const model = await createModel(threads === 1 ? spec : { ...spec, threads } as typeof spec);
  await model.fit({ rows: 64, cols: 4, data: x }, y, { epochs: 1, batchSize: 16 });
  checksum += model.predict({ rows: 1, cols: 4, data: x }).data[0];
  model.dispose();
  if ((cycle + 1) % 5000 === 0) console.log(`soak: ${cycle + 1} cycles, ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
if (!Number.isFinite(checksum)) throw new Error('soak: predictions were not finite');
console.log(`soak: done, ${cycles} create/fit/predict/dispose cycles in ${((Date.now() - started) / 1000).toFixed(1)} s`);
