// Splits and dataset scaling (src/data/split.ts): sizes, disjointness, stratified proportions
// within one row per class, seeded determinism, unshuffled order, scaling fitted on training rows
// only and recorded in the pipeline.

import { describe, expect, it } from 'vitest';
import { fromArrays } from '../../src/data/arrays.js';
import type { Dataset } from '../../src/data/dataset.js';
import { datasets } from '../../src/data/datasets.js';
import { parseCSV } from '../../src/data/load.js';
import { Scaler } from '../../src/data/scaler.js';
import { scale, trainTestSplit } from '../../src/data/split.js';

/** A dataset whose single feature is the row index, so rows can be traced through a split. */
function indexed(labels: (string | number)[]): Dataset {
  return fromArrays(labels.map((_, i) => [i]), labels.map(String), { task: 'classification' });
}

const ids = (d: Dataset) => Array.from(d.x.data);

function classCounts(d: Dataset): number[] {
  const counts = new Array(d.classes!.length).fill(0);
  for (const k of d.y as Int32Array) counts[k]++;
  return counts;
}

describe('trainTestSplit', () => {
  it('defaults to half and half, disjoint, covering every row', () => {
    const data = indexed(Array.from({ length: 11 }, (_, i) => i % 2));
    const { train, test } = trainTestSplit(data, { seed: 3 });
    expect(test.rows).toBe(6); // round(5.5)
    expect(train.rows).toBe(5);
    expect([...ids(train), ...ids(test)].sort((a, b) => a - b)).toEqual(Array.from({ length: 11 }, (_, i) => i));
  });

  it('takes a share or a count, clamped to leave a row on each side', () => {
    const data = indexed(Array.from({ length: 10 }, (_, i) => i % 2));
    expect(trainTestSplit(data, { testSize: 0.2, seed: 1 }).test.rows).toBe(2);
    expect(trainTestSplit(data, { testSize: 3, seed: 1 }).test.rows).toBe(3);
    expect(trainTestSplit(data, { testSize: 1, seed: 1 }).test.rows).toBe(1); // 1 is a count
    expect(trainTestSplit(data, { testSize: 0.01, seed: 1 }).test.rows).toBe(1);
    expect(trainTestSplit(data, { testSize: 0.99, seed: 1 }).train.rows).toBe(1);
    for (const bad of [0, 10, 1.5, -0.1, NaN]) expect(() => trainTestSplit(data, { testSize: bad })).toThrow(RangeError);
  });

  it('is deterministic for a seed and differs across seeds', () => {
    const data = indexed(Array.from({ length: 50 }, (_, i) => i % 3));
    const a = trainTestSplit(data, { seed: 42, stratify: true });
    const b = trainTestSplit(data, { seed: 42, stratify: true });
    const c = trainTestSplit(data, { seed: 43, stratify: true });
    expect(ids(a.train)).toEqual(ids(b.train));
    expect(ids(a.test)).toEqual(ids(b.test));
    expect(ids(a.test)).not.toEqual(ids(c.test));
  });

  it('without shuffle keeps the order and takes the last rows as test', () => {
    const data = indexed([0, 1, 0, 1, 0, 1]);
    const { train, test } = trainTestSplit(data, { shuffle: false, testSize: 2 });
    expect(ids(train)).toEqual([0, 1, 2, 3]);
    expect(ids(test)).toEqual([4, 5]);
    const strat = trainTestSplit(indexed(['a', 'a', 'a', 'a', 'b', 'b']), { shuffle: false, stratify: true, testSize: 0.5 });
    expect(ids(strat.test)).toEqual([2, 3, 5]);
  });

  it('stratified: each class within one row of its share, in both halves, for many sizes and seeds', () => {
    const labels = [...Array(37).fill('a'), ...Array(11).fill('b'), ...Array(5).fill('c'), ...Array(2).fill('d')];
    const data = indexed(labels);
    const sizes = classCounts(data);
    for (const testSize of [0.1, 0.25, 0.3, 0.5, 0.7, 0.9]) {
      for (const seed of [1, 2, 3]) {
        const { train, test } = trainTestSplit(data, { testSize, seed, stratify: true });
        const counts = classCounts(test);
        // The requested share (rounded to whole rows); clamping a class to ≥ 1 row per half
        // moves its count by less than one row from this share.
        const share = Math.round(data.rows * testSize) / data.rows;
        counts.forEach((count, k) => {
          expect(Math.abs(count - sizes[k] * share)).toBeLessThanOrEqual(1);
          expect(count).toBeGreaterThanOrEqual(1);
          expect(classCounts(train)[k]).toBeGreaterThanOrEqual(1);
        });
        expect(test.rows).toBeGreaterThanOrEqual(Math.round(data.rows * testSize) - 1);
      }
    }
  });

  it('stratified iris at 0.5: 25 of each class on each side', async () => {
    const iris = await datasets.iris();
    const { train, test } = trainTestSplit(iris, { seed: 1, stratify: true });
    expect(classCounts(train)).toEqual([25, 25, 25]);
    expect(classCounts(test)).toEqual([25, 25, 25]);
  });

  it('refuses stratify on regression and tiny datasets', () => {
    const reg = parseCSV('x,y\n1,0.5\n2,1.5\n3,2.5\n');
    expect(() => trainTestSplit(reg, { stratify: true })).toThrow('trainTestSplit: options.stratify: needs a classification dataset (class indices in y), got a regression dataset');
    expect(() => trainTestSplit({ ...reg, x: { rows: 1, cols: 1, data: new Float32Array(1) }, y: { rows: 1, cols: 1, data: new Float32Array(1) }, rows: 1 })).toThrow(RangeError);
    expect(() => trainTestSplit(reg, { stratify: 'yes' as never })).toThrow(TypeError);
  });
});

describe('scaling through the split', () => {
  it('fits on training rows only, applies to both, and records the scaler in the pipeline', async () => {
    const iris = await datasets.iris();
    const { train, test } = trainTestSplit(iris, { seed: 5, stratify: true, scale: 'standard' });
    const plain = trainTestSplit(iris, { seed: 5, stratify: true });
    const expected = new Scaler('standard').fit(plain.train.x);
    expect(train.pipeline.scaler?.toJSON()).toEqual(expected.toJSON());
    expect(test.pipeline).toBe(train.pipeline);
    expect(test.x.data).toEqual(expected.transform(plain.test.x).data);
    // Raw rows at prediction time are scaled the same way.
    const raw = { sepal_length: 5.1, sepal_width: 3.5, petal_length: 1.4, petal_width: 0.2 };
    expect(train.pipeline.transform([raw]).data).toEqual(expected.transform([[5.1, 3.5, 1.4, 0.2]]).data);
    // The unscaled dataset's pipeline is untouched.
    expect(iris.pipeline.scaler).toBeUndefined();
  });

  it('scale() works on its own, min-max too, and refuses to scale twice or mix pipelines', () => {
    const data = parseCSV('a,b,label\n1,10,x\n2,20,y\n3,30,x\n5,50,y\n');
    const { train, test } = trainTestSplit(data, { seed: 1, testSize: 2 });
    const scaled = scale(train, test, { kind: 'minmax' });
    const xs = Array.from(scaled.train.x.data);
    expect(Math.min(...xs)).toBe(0);
    expect(Math.max(...xs)).toBe(1);
    expect(scaled.test!.pipeline.scaler?.kind).toBe('minmax');
    expect(scale(train).test).toBeUndefined();
    expect(() => scale(scaled.train)).toThrow('scale: train: already scaled (its pipeline has a minmax scaler); scale once, on unscaled data');
    const other = parseCSV('c,label\n1,x\n2,y\n');
    expect(() => scale(train, other)).toThrow(/test: expected a dataset with the same unscaled encoding/);
    expect(() => scale(train, test, { kind: 'robust' as never })).toThrow(TypeError);
  });
});
