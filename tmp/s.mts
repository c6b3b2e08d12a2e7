import { streamCSV } from '../src/node.ts';
import { writeFileSync } from 'node:fs';
const lines = ['a,b,color,label'];
for (let i = 0; i < 1000; i++) lines.push(`${i % 13},${(i * 7) % 11},${['r', 'g', 'b'][i % 3]},${i % 2 ? 'y' : 'n'}`);
writeFileSync('/tmp/s.csv', lines.join('\n') + '\n');
const b = await streamCSV('/tmp/s.csv', { batchSize: 100, seed: 1 });
console.log(b.rows, b.features, b.classes);
let n = 0, sum = 0;
for await (const batch of b) { n += batch.x.rows; sum += (batch.y as Int32Array).reduce((a, c) => a + c, 0); }
console.log(n, sum);
try { await streamCSV('/tmp/nope.csv'); } catch (e) { console.log((e as Error).message); }
