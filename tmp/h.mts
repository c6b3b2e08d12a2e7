import { RecordReader } from '../src/data/csv.ts';
const q0 = `a,b\n"${'""'.repeat(500_000)}",1\nx,2\n`;
const flatten = {
  none: (s: string) => s,
  json: (s: string) => JSON.parse(JSON.stringify(s)),
  regex: (s: string) => { /x/.test(s); return s; },
  number: (s: string) => { Number(s); return s; },
  keyed: (s: string) => { const o: Record<string, number> = {}; o[s] = 1; return s; },
};
for (const [name, f] of Object.entries(flatten)) {
  const q = (' ' + q0).slice(1);
  const t0 = performance.now(); const s = f(q); const t1 = performance.now();
  try { new RecordReader('x', ',').read(s, 0, true, () => {}); } catch (e) { }
  console.log(name, (t1 - t0).toFixed(1), (performance.now() - t1).toFixed(1));
}
