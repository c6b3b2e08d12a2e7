/**
 * "Where does the cost grow?" Training samples/s of 784-128-10 as the batch goes 1 → 512, and
 * of 784-H-10 (batch 128) as the hidden width H goes 32 → 2,048, for neuronine, TF.js wasm and
 * the plain-JS floor. Every point is a train case (bench/train.ts): checked first, then timed.
 * Writes bench/results/scaling.json and two log–log SVG plots drawn here (no plotting library):
 * scaling-batch.svg and scaling-width.svg.
 *
 *   npx tsx bench/scaling.ts [--quick]
 */
import { pathToFileURL } from 'node:url';
import {
  describeMachine, fmtRate, fmtRatio, machine, parseArgs, printTable, FULL, QUICK, writeResult,
  type Budget, type Machine, type TrainContender,
} from './peers/harness.js';
import { tfjsTrain } from './peers/tfjs.js';
import { plainTrain } from './peers/plainjs.js';
import { runTrainCase, type TrainCaseResult } from './train.js';

export const BATCHES = [1, 8, 32, 128, 512];
export const WIDTHS = [32, 64, 128, 256, 512, 1024, 2048];
const PEERS: TrainContender[] = [tfjsTrain('wasm'), plainTrain];

/** A sweep needs many points: fewer reps and shorter epochs than the headline cases. */
const sweepBudget = (b: Budget): Budget => ({ ...b, reps: b.quick ? 2 : 3, maxEpochSeconds: b.quick ? 0.1 : 0.75, minRepSeconds: b.quick ? 0.03 : 0.15 });

export interface Series {
  name: string;
  points: { x: number; rate: number; min: number; max: number; extrapolated: boolean }[];
}

export interface Sweep {
  id: 'batch' | 'width';
  title: string;
  xLabel: string;
  series: Series[];
  cases: TrainCaseResult[];
}

async function sweep(id: Sweep['id'], budget: Budget): Promise<Sweep> {
  const xs = id === 'batch' ? BATCHES : WIDTHS;
  const cases: TrainCaseResult[] = [];
  for (const x of xs) {
    const sizes = id === 'batch' ? [784, 128, 10] : [784, x, 10];
    const batch = id === 'batch' ? x : 128;
    const r = await runTrainCase({ id: `${id}-${x}`, sizes, batch, rows: 10_000, target: NaN, issueTfjs: NaN }, sweepBudget(budget), PEERS);
    cases.push(r);
    const cells = r.contenders.map((c) => (c.result ? fmtRate(c.result.rate.median) : c.check.ok ? '—' : 'FAILED'));
    console.log(`  ${id} ${x}: ${r.contenders.map((c, i) => `${c.name.split(' ')[0]} ${cells[i]}`).join(', ')}`);
  }
  const names = cases[0].contenders.map((c) => c.name);
  const series: Series[] = names.map((name) => ({
    name,
    points: cases.flatMap((c, i) => {
      const entry = c.contenders.find((e) => e.name === name);
      return entry?.result ? [{ x: xs[i], rate: entry.result.rate.median, min: entry.result.rate.min, max: entry.result.rate.max, extrapolated: entry.result.extrapolated }] : [];
    }),
  }));
  return id === 'batch'
    ? { id, title: 'Training 784-128-10: samples/s vs batch size', xLabel: 'batch size', series, cases }
    : { id, title: 'Training 784-H-10, batch 128: samples/s vs hidden width H', xLabel: 'hidden units H', series, cases };
}

// ---------------------------------------------------------------------------------------------
// SVG

const COLORS = ['#d62728', '#1f77b4', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b'];
const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A log–log line plot: x on log2 ticks at the measured points, y on decades with 2× and 5× minor lines. */
export function svgPlot(s: Sweep, subtitle: string): string {
  const W = 720, H = 440, left = 78, right = 190, top = 52, bottom = 56;
  const pw = W - left - right, ph = H - top - bottom;
  const xs = [...new Set(s.series.flatMap((r) => r.points.map((p) => p.x)))].sort((a, b) => a - b);
  const ys = s.series.flatMap((r) => r.points.flatMap((p) => [p.min, p.max]));
  const y0 = 10 ** Math.floor(Math.log10(Math.min(...ys)));
  const y1 = 10 ** Math.ceil(Math.log10(Math.max(...ys)));
  const lx0 = Math.log2(xs[0]), lx1 = Math.log2(xs[xs.length - 1]);
  const px = (x: number) => left + ((Math.log2(x) - lx0) / (lx1 - lx0 || 1)) * pw;
  const py = (y: number) => top + ph - ((Math.log10(y) - Math.log10(y0)) / (Math.log10(y1) - Math.log10(y0))) * ph;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="Helvetica, Arial, sans-serif" font-size="12">`);
  out.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  out.push(`<text x="${left}" y="22" font-size="15" font-weight="bold">${esc(s.title)}</text>`);
  out.push(`<text x="${left}" y="40" font-size="11" fill="#555">${esc(subtitle)}</text>`);
  // y grid: decades (labelled) and 2×, 5× (faint)
  for (let d = y0; d <= y1 * 1.0001; d *= 10) {
    for (const f of [1, 2, 5]) {
      const v = d * f;
      if (v > y1 * 1.0001) break;
      const y = py(v).toFixed(1);
      out.push(`<line x1="${left}" x2="${left + pw}" y1="${y}" y2="${y}" stroke="${f === 1 ? '#ccc' : '#eee'}"/>`);
      if (f === 1 || (Math.log10(y1 / y0) <= 3)) out.push(`<text x="${left - 6}" y="${y}" text-anchor="end" dominant-baseline="middle" fill="${f === 1 ? '#000' : '#888'}">${fmtAxis(v)}</text>`);
    }
  }
  for (const x of xs) {
    const X = px(x).toFixed(1);
    out.push(`<line x1="${X}" x2="${X}" y1="${top}" y2="${top + ph}" stroke="#eee"/>`);
    out.push(`<text x="${X}" y="${top + ph + 18}" text-anchor="middle">${x}</text>`);
  }
  out.push(`<rect x="${left}" y="${top}" width="${pw}" height="${ph}" fill="none" stroke="#333"/>`);
  out.push(`<text x="${left + pw / 2}" y="${H - 14}" text-anchor="middle">${esc(s.xLabel)} (log scale)</text>`);
  out.push(`<text transform="translate(18 ${top + ph / 2}) rotate(-90)" text-anchor="middle">samples/s (log scale)</text>`);
  s.series.forEach((r, i) => {
    const color = COLORS[i % COLORS.length];
    if (r.points.length === 0) return;
    // min–max whiskers, then the median line and markers (hollow: extrapolated from fewer rows)
    for (const p of r.points) out.push(`<line x1="${px(p.x).toFixed(1)}" x2="${px(p.x).toFixed(1)}" y1="${py(p.min).toFixed(1)}" y2="${py(p.max).toFixed(1)}" stroke="${color}" stroke-width="1"/>`);
    out.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${r.points.map((p) => `${px(p.x).toFixed(1)},${py(p.rate).toFixed(1)}`).join(' ')}"/>`);
    for (const p of r.points) out.push(`<circle cx="${px(p.x).toFixed(1)}" cy="${py(p.rate).toFixed(1)}" r="3.5" fill="${p.extrapolated ? 'white' : color}" stroke="${color}" stroke-width="1.5"><title>${esc(r.name)}: ${fmtRate(p.rate)} samples/s at ${p.x}</title></circle>`);
    const ly = top + 12 + i * 20;
    out.push(`<line x1="${left + pw + 14}" x2="${left + pw + 38}" y1="${ly}" y2="${ly}" stroke="${color}" stroke-width="2"/>`);
    out.push(`<circle cx="${left + pw + 26}" cy="${ly}" r="3.5" fill="${color}"/>`);
    out.push(`<text x="${left + pw + 44}" y="${ly}" dominant-baseline="middle">${esc(r.name.replace(/ \(.*\)/, ''))}</text>`);
  });
  const ny = top + 12 + s.series.length * 20 + 6;
  out.push(`<text x="${left + pw + 14}" y="${ny}" font-size="10" fill="#555">bars: min–max of reps</text>`);
  out.push(`<text x="${left + pw + 14}" y="${ny + 14}" font-size="10" fill="#555">hollow: timed on fewer rows</text>`);
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

function fmtAxis(v: number): string {
  if (v >= 1e6) return `${+(v / 1e6).toPrecision(3)}M`;
  if (v >= 1e3) return `${+(v / 1e3).toPrecision(3)}k`;
  return `${+v.toPrecision(3)}`;
}

export async function runScaling(budget: Budget, info?: { machine: Machine }): Promise<Sweep[]> {
  const m = info?.machine ?? machine();
  if (!info) console.log(describeMachine(m));
  console.log('\nscaling (each point checked, then timed)');
  const sweeps: Sweep[] = [];
  for (const id of ['batch', 'width'] as const) sweeps.push(await sweep(id, budget));
  for (const s of sweeps) {
    console.log(`\n${s.title}`);
    const ours = s.series[0];
    printTable([s.xLabel, ...s.series.map((r) => r.name.replace(/ \(.*\)/, '')), ...s.series.slice(1).map((r) => `neuronine ÷ ${r.name.split(' ')[0]}`)],
      ours.points.map((p) => [String(p.x),
        ...s.series.map((r) => { const q = r.points.find((e) => e.x === p.x); return q ? `${fmtRate(q.rate)}${q.extrapolated ? '*' : ''}` : '—'; }),
        ...s.series.slice(1).map((r) => { const q = r.points.find((e) => e.x === p.x); return q ? fmtRatio(p.rate / q.rate) : '—'; })]));
    const subtitle = `${m.cpu}, Node ${m.node}, single thread; ${budget.quick ? 'quick run' : `median of ${sweepBudget(budget).reps} reps`}; ${m.date.slice(0, 10)}`;
    console.log(`wrote ${writeResult(`scaling-${s.id}.svg`, svgPlot(s, subtitle))}`);
  }
  console.log('* timed on fewer rows per epoch, rate extrapolated');
  const file = writeResult('scaling.json', {
    machine: m, mode: budget.quick ? 'quick' : 'full', budget: sweepBudget(budget),
    sweeps: sweeps.map((s) => ({ id: s.id, title: s.title, xLabel: s.xLabel, series: s.series, checks: s.cases.map((c) => ({ id: c.id, contenders: c.contenders.map((e) => ({ name: e.name, check: e.check, error: e.error })) })) })),
  });
  console.log(`wrote ${file}`);
  return sweeps;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { quick } = parseArgs(process.argv.slice(2));
  await runScaling(quick ? QUICK : FULL);
  process.exit(0);
}
