/**
 * `npm run fuzz`: every property of test/fuzz/properties.ts for a time budget (default 240 s in
 * all, shared evenly; `--seconds N` to change), with a fresh seed each run. Prints the number of
 * cases each property ran and the total; on a failure, the seed, the counterexample and the
 * error, and exits 1.
 */
import fc from 'fast-check';
import { createAndFitNeverHang, csvMatchesPapaparse, loadModelNeverHangs, parseCSVNeverHangs, savedModel, streamMatchesParse } from '../test/fuzz/properties.js';

const args = process.argv.slice(2);
const seconds = args.includes('--seconds') ? Number(args[args.indexOf('--seconds') + 1]) : 240;
const properties: [string, fc.IRawProperty<never, boolean>][] = [
  ['CSV reader vs papaparse', csvMatchesPapaparse as never],
  ['parseCSV on near-CSV text and options', parseCSVNeverHangs as never],
  ['streamCSV in chunks vs parseCSV', streamMatchesParse as never],
  ['loadModel on mutated toJSON()', loadModelNeverHangs(await savedModel()) as never],
  ['createModel + fit on generated specs', createAndFitNeverHang as never],
];
const budget = (seconds * 1000) / properties.length;
let total = 0;
let failed = false;
for (const [name, property] of properties) {
  const seed = Date.now() ^ (Math.random() * 2 ** 31);
  const started = performance.now();
  const details = await fc.check(property, { numRuns: 1e9, interruptAfterTimeLimit: budget, markInterruptAsFailure: false, seed });
  const elapsed = (performance.now() - started) / 1000;
  total += details.numRuns;
  console.log(`${name}: ${details.numRuns} cases in ${elapsed.toFixed(0)} s${details.failed ? ' — FAILED' : ''} (seed ${seed})`);
  if (details.failed) {
    failed = true;
    console.log(fc.defaultReportMessage(details));
  }
}
console.log(`fuzz: ${total} cases in all, ${failed ? 'with failures' : 'no failures'}`);
process.exit(failed ? 1 : 0);
