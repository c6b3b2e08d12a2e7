import { parseCSV } from '../src/index.ts';
const quotes = `a,b\n"${'""'.repeat(500_000)}",1\n`;
let t = performance.now();
console.log(parseCSV(quotes + 'x,2\n', { categorical: ['a'] }).rows, performance.now() - t);
t = performance.now();
try { parseCSV(`a,b,label\n1,2,x\n1e${'9'.repeat(100_000)}x,3,y\n`); } catch (e) { console.log((e as Error).message.slice(0, 50)); }
console.log(performance.now() - t);
