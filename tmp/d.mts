import { fromObjects } from '../src/index.ts';
const rows = Array.from({ length: 12 }, (_, i) => ({ Age: i % 2 ? null : 20 + i, Fare: i * 2.5, Survived: i % 3 ? 'no' : 'yes' }));
for (const missing of ['mean', 'drop'] as const) {
  try { const d = fromObjects(rows, { target: 'Survived', missing }); console.log(missing, d.rows); } catch (e) { console.log(missing, (e as Error).message); }
}
