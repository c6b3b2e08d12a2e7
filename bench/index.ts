/**
 * The benchmark runner behind `npm run bench` (full, several minutes) and `npm run bench:quick`
 * (under a minute: fewer rows and reps, slow per-sample peers only on the small network). Both
 * npm scripts rebuild the release kernels first, so the numbers are those of the source tree.
 * Prints the machine, then every question in turn — GEMM (bench/gemm.ts, when present),
 * training, inference, scaling, and where neuronine's own time goes (per-kernel profile) — and
 * writes bench/results/*.json, the scaling SVGs and summary.md; a full run of every part also
 * refreshes the tables in docs/benchmarks.md.
 *
 *   npx tsx bench/index.ts [--quick] [gemm] [train] [inference] [scaling] [profile] [threads] [cores] [browser-threads] [demo]
 */
import os from 'node:os';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { describeMachine, fmtRate, fmtRatio, FULL, machine, parseArgs, QUICK, writeResult } from './peers/harness.js';
import { probeThreaded } from './peers/tfjs.js';
import { runTrain } from './train.js';
import { runInference } from './inference.js';
import { runScaling } from './scaling.js';
import { runProfile } from './peers/neuronine-profile.js';
import { runThreadsBench } from './threads.js';
import { runCoresBench } from './cores.js';
import { runBrowserThreadsBench } from './threads-browser.js';
import { runDemoBench } from './demo.js';

const { quick, only } = parseArgs(process.argv.slice(2));
const wants = (part: string): boolean => only.length === 0 || only.includes(part);
const budget = quick ? QUICK : FULL;
const started = performance.now();

const m = machine();
console.log(`neuronine benchmarks (${quick ? 'quick' : 'full'}), single thread (the threads part compares thread counts)`);
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
const train = wants('train') ? await runTrain(budget, { machine: m, threaded }) : undefined;
const inference = wants('inference') ? await runInference(budget, { machine: m }) : undefined;
const scaling = wants('scaling') ? await runScaling(budget, { machine: m }) : undefined;
const profile = wants('profile') ? await runProfile(quick) : undefined;
if (wants('threads')) {
  console.log('\nthreads and relaxed SIMD (bench/threads.ts): ratios in one run');
  await runThreadsBench({ quick });
}
if (wants('cores')) {
  console.log('\nthe two-core ceiling (bench/cores.ts): one-thread jobs in one process alone and in two at once');
  await runCoresBench(quick ? 1 : 1.5, quick ? 2 : 8);
}
if (wants('browser-threads')) {
  console.log('\nthreads in Chromium beside TF.js wasm (bench/threads-browser.ts)');
  await runBrowserThreadsBench({ quick });
}
let demo: Awaited<ReturnType<typeof runDemoBench>>;
if (wants('demo')) {
  console.log('\ndemo page (bench/demo.ts): the worker against fitSync in Chromium, ratios in one run');
  try {
    demo = await runDemoBench({ quick });
    if (!demo) console.log('demo: Chromium is missing — skipped');
  } catch (error) {
    console.log(`demo: failed — ${(error as Error).message}`);
  }
}
const markdown = summary();
console.log(`wrote ${writeResult('summary.md', markdown)}`);
if (!quick && only.length === 0) refreshDocs(markdown);

/**
 * A full run of every part rewrites the tables of docs/benchmarks.md between its markers
 * (results:begin/end, profile:begin/end); the prose around them is written by hand.
 */
function refreshDocs(text: string): void {
  const docs = new URL('../docs/benchmarks.md', import.meta.url);
  if (!existsSync(docs)) return;
  const at = text.indexOf('**Train'), profileAt = text.indexOf('**Profile');
  if (at < 0 || profileAt < 0) return;
  const results = `${text.slice(0, text.indexOf('\n')).trim()}\n\n${text.slice(at, profileAt).trim()}\n`;
  const profileText = `${text.slice(profileAt).trim()}\n`;
  let doc = readFileSync(docs, 'utf8');
  doc = doc.replace(/<!-- results:begin -->[\s\S]*?<!-- results:end -->/, () => `<!-- results:begin -->\n${results}<!-- results:end -->`);
  doc = doc.replace(/<!-- profile:begin -->[\s\S]*?<!-- profile:end -->/, () => `<!-- profile:begin -->\n${profileText}<!-- profile:end -->`);
  writeFileSync(docs, doc);
  console.log('updated the tables in docs/benchmarks.md');
}

/** The run as Markdown tables, for docs/benchmarks.md. */
function summary(): string {
  const out: string[] = [`Measured ${m.date.slice(0, 16).replace('T', ' ')} UTC (${quick ? 'quick' : 'full'} run) on ${describeMachine(m)}.`, ''];
  const row = (cells: string[]) => `| ${cells.join(' | ')} |`;
  if (train) {
    for (const c of train) {
      out.push(`**Train ${c.sizes}, batch ${c.batch}, ${fmtRate(c.rows)} rows** — ${c.verdict}`, '');
      out.push(row(['contender', 'samples/s (median)', 'min–max', 'neuronine ÷', 'rows/epoch']), row(['---', '---:', '---:', '---:', '---:']));
      const ours = c.contenders[0].result?.rate.median ?? NaN;
      for (const e of c.contenders) {
        out.push(e.result
          ? row([e.name, fmtRate(e.result.rate.median), `${fmtRate(e.result.rate.min)}–${fmtRate(e.result.rate.max)}`, e === c.contenders[0] ? '1.00×' : fmtRatio(ours / e.result.rate.median), `${fmtRate(e.result.rows)}${e.result.extrapolated ? ' (extrap.)' : ''}`])
          : row([e.name, '—', '—', '—', (e.error ?? `check failed: ${e.check.detail}`).replace(/\|/g, '/')]));
      }
      out.push('');
    }
  }
  if (inference) {
    out.push('**Inference 784-128-10, 10,000 rows per call**', '');
    out.push(row(['contender', 'rows/s (median)', 'min–max', 'neuronine ÷']), row(['---', '---:', '---:', '---:']));
    const ours = inference[0].result?.rate.median ?? NaN;
    for (const e of inference) {
      out.push(e.result
        ? row([e.name, fmtRate(e.result.rate.median), `${fmtRate(e.result.rate.min)}–${fmtRate(e.result.rate.max)}`, e === inference[0] ? '1.00×' : fmtRatio(ours / e.result.rate.median)])
        : row([e.name, '—', '—', (e.error ?? e.check.detail).replace(/\|/g, '/')]));
    }
    out.push('');
  }
  if (scaling) {
    for (const sw of scaling) {
      out.push(`**${sw.title}** (samples/s; * = timed on fewer rows)`, '');
      out.push(row([sw.xLabel, ...sw.series.map((r) => r.name)]), row(['---:', ...sw.series.map(() => '---:')]));
      for (const p of sw.series[0].points) {
        out.push(row([String(p.x), ...sw.series.map((r) => { const q = r.points.find((e) => e.x === p.x); return q ? `${fmtRate(q.rate)}${q.extrapolated ? '*' : ''}` : '—'; })]));
      }
      out.push('');
    }
  }
  if (demo) {
    out.push(`**Demo page, ${demo.case}** — Chromium, cross-origin isolated, ${demo.threads.demo} threads; load average ${demo.loadAverage.start[0].toFixed(2)} at the start`, '');
    out.push(row(['measure', 'demo worker samples/s', 'fitSync samples/s', 'ratio (median of rounds)', 'target']), row(['---', '---:', '---:', '---:', '---']));
    out.push(row(['wall clock (the demo\'s whole fit; fitSync\'s whole call)', fmtRate(demo.demo.samplesPerSecond), fmtRate(demo.fitSync.samplesPerSecond), `${demo.ratio.toFixed(2)} (${demo.ratios.map((r) => r.toFixed(2)).join(', ')})`, demo.target]));
    out.push(row(['training time only (fit\'s own epoch figures)', fmtRate(demo.demo.fitOwnSamplesPerSecond), fmtRate(demo.fitSync.ownSamplesPerSecond), `${demo.ownRatio.toFixed(2)} (${demo.ownRatios.map((r) => r.toFixed(2)).join(', ')})`, '']));
    out.push('');
  }
  if (profile) {
    for (const p of profile.training) {
      out.push(`**Profile ${p.sizes}, batch ${p.batch}** — kernels alone ${fmtRate(p.samplesPerSecond.kernelsOnly)} samples/s, one-call wasm epoch ${fmtRate(p.samplesPerSecond.wasmEpoch)}, fitSync ${fmtRate(p.samplesPerSecond.fitSync)}`, '');
      out.push(row(['part', 'µs per batch', 'share', 'GFLOP/s']), row(['---', '---:', '---:', '---:']));
      for (const q of p.parts) out.push(row([q.part, q.us.toFixed(2), `${(100 * q.share).toFixed(1)} %`, q.gflops ? q.gflops.toFixed(1) : '']));
      out.push('');
    }
    const q = profile.predict;
    out.push(`**Profile predict 784-128-10, ${fmtRate(q.rows)} rows**: ${q.totalMs.toFixed(1)} ms in all (${fmtRate(q.rows / q.totalMs * 1000)} rows/s); `
      + `network_predict alone ${q.networkPredictMs.toFixed(1)} ms (${q.gflops.toFixed(1)} GFLOP/s, ${fmtRate(q.rows / q.networkPredictMs * 1000)} rows/s); `
      + `Float32Array.set of the input ${q.copyInMs.toFixed(2)} ms, wasm all_finite over it ${q.allFiniteMs.toFixed(2)} ms; slice of the output ${q.copyOutMs.toFixed(3)} ms.`, '');
  }
  return `${out.join('\n')}\n`;
}

console.log(`\ndone in ${((performance.now() - started) / 1000).toFixed(0)} s; load average now ${os.loadavg().map((v) => v.toFixed(2)).join(' ')}`);
process.exit(0);
