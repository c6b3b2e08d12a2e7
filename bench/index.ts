/**
 * The benchmark runner behind `npm run bench` (full, several minutes) and `npm run bench:quick`
 * (under a minute: fewer rows and reps, slow per-sample peers only on the small network). Both
 * npm scripts rebuild the release kernels first, so the numbers are those of the source tree.
 * Prints the machine, then every question in turn — GEMM (bench/gemm.ts, when present),
 * training, inference, scaling — and writes bench/results/*.json and the scaling SVGs.
 *
 *   npx tsx bench/index.ts [--quick] [gemm] [train] [inference] [scaling]
 */
import os from 'node:os';
import { existsSync } from 'node:fs';
import { describeMachine, FULL, machine, parseArgs, QUICK } from './peers/harness.js';
import { probeThreaded } from './peers/tfjs.js';
import { runTrain } from './train.js';
import { runInference } from './inference.js';
import { runScaling } from './scaling.js';

const { quick, only } = parseArgs(process.argv.slice(2));
const wants = (part: string): boolean => only.length === 0 || only.includes(part);
const budget = quick ? QUICK : FULL;
const started = performance.now();

const m = machine();
console.log(`neuronine benchmarks (${quick ? 'quick' : 'full'}), single thread`);
console.log(`machine: ${describeMachine(m)}`);
if (m.loadAverage[0] > 0.7) {
  console.log(`warning: load average ${m.loadAverage[0]} on ${m.cores} cores — other processes share the CPU; rates will be low and noisy`);
}
if (m.dirty.length) console.log(`note: measuring uncommitted kernel/source changes (${m.dirty.join(', ')})`);

if (wants('gemm')) {
  const gemm = new URL('./gemm.ts', import.meta.url);
  if (!existsSync(gemm)) {
    console.log('\ngemm: bench/gemm.ts not present — skipped');
  } else {
    try {
      const module = await import(gemm.href) as { runGemmBench?: (options: { quick: boolean }) => Promise<unknown[]> };
      if (typeof module.runGemmBench !== 'function') console.log('\ngemm: bench/gemm.ts exports no runGemmBench — skipped');
      else {
        console.log('');
        await module.runGemmBench({ quick });
      }
    } catch (error) {
      console.log(`\ngemm: failed — ${(error as Error).message}`);
    }
  }
}

const threaded = await probeThreaded();
if (wants('train')) await runTrain(budget, { machine: m, threaded });
if (wants('inference')) await runInference(budget, { machine: m });
if (wants('scaling')) await runScaling(budget, { machine: m });

console.log(`\ndone in ${((performance.now() - started) / 1000).toFixed(0)} s; load average now ${os.loadavg().map((v) => v.toFixed(2)).join(' ')}`);
process.exit(0);
