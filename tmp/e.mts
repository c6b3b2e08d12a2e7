import { parseCSV } from '../src/index.ts';
for (const n of [25_000, 50_000, 100_000, 200_000, 100_000]) {
  const bad = `1e${'9'.repeat(n)}x`;
  const text = `a,b,label\n1,2,x\n${bad},3,y\n`;
  const t = performance.now(); try { parseCSV(text); } catch (e) { } console.log(n, (performance.now() - t).toFixed(1));
}
