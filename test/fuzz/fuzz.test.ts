// A short run of every property of properties.ts (a few hundred cases in all, seeded so a failure
// reproduces; `npm run fuzz` runs them for minutes with fresh seeds).

import fc from 'fast-check';
import { describe, it } from 'vitest';
import { createAndFitNeverHang, csvMatchesPapaparse, loadModelNeverHangs, parseCSVNeverHangs, savedModel, streamMatchesParse } from './properties.js';

const seed = 13;

describe('fuzzing the readers (short run)', () => {
  it('the CSV reader agrees with papaparse on generated files', () => {
    fc.assert(csvMatchesPapaparse, { numRuns: 300, seed });
  });

  it('parseCSV on near-CSV text and random options: a data set or a named Error, in time', async () => {
    await fc.assert(parseCSVNeverHangs, { numRuns: 300, seed });
  });

  it('streamCSV in random chunks equals parseCSV', async () => {
    await fc.assert(streamMatchesParse, { numRuns: 60, seed });
  });

  it('loadModel on mutated toJSON output: a model or a named Error, in time', async () => {
    await fc.assert(loadModelNeverHangs(await savedModel()), { numRuns: 200, seed });
  });

  it('createModel and fit on generated specs and options: a model or a named Error, in time', async () => {
    await fc.assert(createAndFitNeverHang, { numRuns: 150, seed });
  });
});
