/**
 * What share of a one-thread training step the kernels outside the GEMMs take: the optimizer
 * update, the gradient check (max |g| alone, and with Σg² as global-norm clipping needs) and the
 * batch copy, each timed alone over as many calls as the epoch has steps, beside a whole epoch.
 * The shares bound what two threads can gain while those kernels stay on one thread (Amdahl);
 * since they run on the threads (docs/threads.md) the shares say what splitting them was worth.
 * One thread, so a loaded machine still gives usable proportions (not rates).
 *
 *   npx tsx bench/step-parts.ts [784,128,10] [batch 64] [optimizer sgd]
 */
import { createModel } from '../src/index.js';
import { stats, syntheticData } from './peers/harness.js';

const [sizesArg = '784,128,10', batchArg = '64', optimizer = 'sgd'] = process.argv.slice(2);
const sizes = sizesArg.split(',').map(Number);
const batch = Number(batchArg);
const data = syntheticData(4096, sizes[0], sizes[sizes.length - 1], 1);
const x = { rows: data.rows, cols: data.cols, data: data.x };
const model = await createModel({
  inputs: sizes[0], layers: sizes.slice(1).map((units, i) => ({ units, activation: i === sizes.length - 2 ? 'softmax' as const : 'relu' as const })),
  optimizer: optimizer as 'sgd', seed: 3, threads: 1, kernels: 'portable',
});
model.fitSync(x, data.labels, { epochs: 1, batchSize: batch, shuffle: false });
// the model's internals: its network plan and kernels (src/model/network.ts)
const net = (model as unknown as { net: { k: Record<string, (...args: number[]) => number>; plan: number; grads: number; paramFloats: number;
  inputBatch: number; trainX: number; order: number; ws: { f32: Float32Array; i32: Int32Array } } }).net;
const { k } = net;
const steps = Math.ceil(data.rows / batch);
const out = net.plan + 40 * 4; // the plan's summary words
const order = new Int32Array(net.ws.i32.buffer, net.order, data.rows);
const parts: Record<string, () => void> = {
  step: () => model.fitSync(x, data.labels, { epochs: 1, batchSize: batch, shuffle: false }),
  update: () => { for (let s = 0; s < steps; s++) k.network_update(net.plan); },
  'max |g|': () => { for (let s = 0; s < steps; s++) k.max_abs(net.grads, net.paramFloats); },
  'max |g| and Σg²': () => { for (let s = 0; s < steps; s++) k.gradient_summary(out, net.grads, net.paramFloats); },
  'batch copy': () => {
    const f32 = net.ws.f32, width = sizes[0];
    for (let s = 0; s < steps; s++) {
      for (let r = 0; r < batch && s * batch + r < data.rows; r++) {
        const from = (net.trainX >>> 2) + order[s * batch + r] * width;
        f32.copyWithin((net.inputBatch >>> 2) + r * width, from, from + width);
      }
    }
  },
};
const times: Record<string, number[]> = {};
for (let round = 0; round < 9; round++) {
  for (const [name, run] of Object.entries(parts)) {
    const t0 = performance.now();
    run();
    (times[name] ??= []).push((performance.now() - t0) / steps * 1000);
  }
}
const step = stats(times.step).median;
console.log(`${sizes.join('-')} b${batch} ${optimizer}, one thread, µs per step (median of 9 interleaved rounds):`);
for (const [name, t] of Object.entries(times)) {
  const median = stats(t).median;
  console.log(`  ${name.padEnd(16)} ${median.toFixed(1).padStart(8)}${name === 'step' ? '' : `  ${(100 * median / step).toFixed(1)} % of a step`}`);
}
model.dispose();
