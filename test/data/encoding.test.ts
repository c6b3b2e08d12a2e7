// Tables to matrices (src/data/table.ts through parseCSV, fromObjects, fromArrays): target and
// feature choice, column types, one-hot encoding, class order, task detection, missing-value
// modes, and agreement between the dataset's x and its pipeline applied to the raw rows.

import { describe, expect, it } from 'vitest';
import { fromArrays, fromObjects } from '../../src/data/arrays.js';
import { parseCSVTable } from '../../src/data/csv.js';
import { oneHot, subset } from '../../src/data/dataset.js';
import { parseCSV } from '../../src/data/load.js';

const rowsOf = (m: { rows: number; cols: number; data: Float32Array }) =>
  Array.from({ length: m.rows }, (_, r) => Array.from(m.data.subarray(r * m.cols, (r + 1) * m.cols)));

describe('target and features', () => {
  const text = 'id,size,color,label\n1,2.5,red,yes\n2,1.0,blue,no\n3,3.5,red,yes\n4,0.5,green,no\n';

  it('defaults to the last column as target and all others as features', () => {
    const data = parseCSV('a,b,c\n1,2,x\n3,4,y\n');
    expect(data.target).toBe('c');
    expect(data.features).toEqual(['a', 'b']);
    expect(rowsOf(data.x)).toEqual([[1, 2], [3, 4]]);
  });

  it('chooses the target by name, by index and by negative index', () => {
    for (const target of ['size', 1, -3]) {
      const data = parseCSV(text, { target, ignore: ['id'], task: 'regression' });
      expect(data.target).toBe('size');
      expect(data.features).toEqual(['color=blue', 'color=green', 'color=red', 'label=no', 'label=yes']);
    }
  });

  it('uses the features option in its order, and ignore', () => {
    const data = parseCSV(text, { features: ['color', 'size'] });
    expect(data.features).toEqual(['color=blue', 'color=green', 'color=red', 'size']);
    expect(rowsOf(data.x)[0]).toEqual([0, 0, 1, 2.5]);
    expect(parseCSV(text, { ignore: ['id', 'color'] }).features).toEqual(['size']);
  });

  it('reads headerless files with columnN names, target by index', () => {
    const data = parseCSV('1,2,a\n3,4,b\n', { header: false });
    expect(data.features).toEqual(['column1', 'column2']);
    expect(data.target).toBe('column3');
    expect(parseCSV('a,1,2\nb,3,4\n', { header: false, target: 0, task: 'classification' }).classes).toEqual(['a', 'b']);
  });

  it('supports several regression targets', () => {
    const data = parseCSV('x,y1,y2\n1,2,3\n4,5,6\n', { target: ['y1', 'y2'] });
    expect(data.task).toBe('regression');
    expect(data.target).toBe('y1,y2');
    expect(data.y).toEqual({ rows: 2, cols: 2, data: new Float32Array([2, 3, 5, 6]) });
  });
});

describe('column types and one-hot encoding', () => {
  it('one-hot encodes string columns with sorted categories named column=category', () => {
    const data = parseCSV('color,size,label\nred,1,a\nblue,2,b\ngreen,3,a\nred,4,b\n');
    expect(data.features).toEqual(['color=blue', 'color=green', 'color=red', 'size']);
    expect(rowsOf(data.x)).toEqual([[0, 0, 1, 1], [1, 0, 0, 2], [0, 1, 0, 3], [0, 0, 1, 4]]);
  });

  it('one-hot encodes numeric codes on request, sorted numerically', () => {
    const data = parseCSV('zone,label\n10,a\n9,b\n10,a\n100,b\n', { categorical: ['zone'] });
    expect(data.features).toEqual(['zone=9', 'zone=10', 'zone=100']);
  });

  it('reads booleans in records as categories and trims text', () => {
    const data = fromObjects([{ ok: true, t: ' x ', y: 1 }, { ok: false, t: 'x', y: 0 }]);
    expect(data.features).toEqual(['ok=false', 'ok=true', 't=x']);
  });
});

describe('targets: task detection and class order', () => {
  it('string labels → classification, classes sorted by code units', () => {
    const data = parseCSV('x,label\n1,b\n2,a\n3,B\n4,b\n');
    expect(data.task).toBe('classification');
    expect(data.classes).toEqual(['B', 'a', 'b']);
    expect(Array.from(data.y as Int32Array)).toEqual([2, 1, 0, 2]);
    expect(data.pipeline.decode(1)).toBe('a');
  });

  it('few integers → classification with numeric labels sorted numerically', () => {
    const data = parseCSV('x,digit\n1,10\n2,9\n3,2\n4,10\n');
    expect(data.classes).toEqual([2, 9, 10]);
    expect(data.pipeline.decode(2)).toBe(10);
  });

  it('non-integers or more than 20 distinct values → regression; task overrides', () => {
    expect(parseCSV('x,y\n1,0.5\n2,1\n').task).toBe('regression');
    const many = Array.from({ length: 21 }, (_, i) => `${i},${i}`).join('\n');
    expect(parseCSV(`x,y\n${many}\n`).task).toBe('regression');
    expect(parseCSV(`x,y\n${many}\n`, { task: 'classification' }).classes).toHaveLength(21);
    expect(parseCSV('x,y\n1,0\n2,1\n', { task: 'regression' }).y).toEqual({ rows: 2, cols: 1, data: new Float32Array([0, 1]) });
  });

  it('"1.0" and "1" are the same class', () => {
    const data = parseCSV('x,y\n1,1.0\n2,1\n3,2\n');
    expect(data.classes).toEqual([1, 2]);
  });
});

describe('missing values', () => {
  const text = 'a,b,label\n1,x,p\n,y,q\n3,,p\n5,y,q\n';

  it("'drop' removes rows with a missing used cell", () => {
    const data = parseCSV(text, { missing: 'drop' });
    expect(data.rows).toBe(2);
    expect(rowsOf(data.x)).toEqual([[1, 1, 0], [5, 0, 1]]);
    expect(Array.from(data.y as Int32Array)).toEqual([0, 1]);
    // A missing cell in an ignored column does not drop the row.
    expect(parseCSV(text, { missing: 'drop', ignore: ['b'] }).rows).toBe(3);
  });

  it("'mean' fills numbers with the mean and categories with the most frequent, also at predict time", () => {
    const data = parseCSV(text, { missing: 'mean' });
    expect(rowsOf(data.x)).toEqual([[1, 1, 0], [3, 0, 1], [3, 0, 1], [5, 0, 1]]);
    expect(rowsOf(data.pipeline.transform([{ a: null, b: 'NA' }]))).toEqual([[3, 0, 1]]);
  });

  it('recognises the default markers and custom ones', () => {
    for (const marker of ['', 'NA', 'N/A', 'null', 'NULL', '?']) {
      expect(parseCSV(`a,label\n1,p\n${marker},q\n3,p\n4,q\n`, { missing: 'drop' }).rows).toBe(3);
    }
    expect(parseCSV('a,label\n1,p\n-999,q\n3,p\n4,q\n', { missing: 'drop', missingValues: ['-999'] }).rows).toBe(3);
  });
});

describe('fromObjects and fromArrays', () => {
  it('fromObjects takes own keys in order of first appearance; an absent key is an error, a null one is missing', () => {
    const data = fromObjects([{ a: 1, label: 'x', b: null }, { label: 'y', a: 2, b: 'k' }, { a: 3, label: 'x', b: 'k' }], { target: 'label', missing: 'mean' });
    expect(data.pipeline.columns).toEqual(['a', 'b']);
    expect(rowsOf(data.x)).toEqual([[1, 1], [2, 1], [3, 1]]);
    const error = (() => {
      try {
        fromObjects([{ a: 1, label: 'x' }, { label: 'y', a: 2, b: 'k' }], { target: 'label', missing: 'mean' });
      } catch (caught) {
        return caught as Error & { row: number; columnName: string };
      }
      throw new Error('no error');
    })();
    expect(error.message).toMatch(/^fromObjects: row 1 \(index 0\) has no key "b" \(its keys are "a", "label"\)/);
    expect(error).toMatchObject({ row: 1, columnName: 'b' });
  });

  it('fromArrays: number[][] with labels, names, Matrix input, regression matrices', () => {
    const xor = fromArrays([[0, 0], [0, 1], [1, 0], [1, 1]], [0, 1, 1, 0]);
    expect(xor.task).toBe('classification');
    expect(xor.classes).toEqual([0, 1]);
    expect(xor.features).toEqual(['column1', 'column2']);
    const named = fromArrays({ rows: 2, cols: 2, data: new Float32Array([1, 2, 3, 4]) }, ['cat', 'dog'], { features: ['w', 'h'], target: 'animal' });
    expect(named.features).toEqual(['w', 'h']);
    expect(named.target).toBe('animal');
    const multi = fromArrays([[1], [2]], [[1, 2], [3, 4]]);
    expect(multi.task).toBe('regression');
    expect(multi.y).toEqual({ rows: 2, cols: 2, data: new Float32Array([1, 2, 3, 4]) });
    const reg = fromArrays([[1], [2]], new Float32Array([0.5, 1.5]));
    expect(reg.y).toEqual({ rows: 2, cols: 1, data: new Float32Array([0.5, 1.5]) });
  });
});

describe('the dataset agrees with its pipeline', () => {
  it('pipeline.transform(raw rows) reproduces x for CSV, records and arrays', () => {
    const text = 'size,color,weight,label\n1.5,red,10,a\n2,blue,11,b\n0.5,green,9,a\n3,red,12,b\n';
    const data = parseCSV(text);
    expect(data.pipeline.transform(text)).toEqual(data.x);
    const table = parseCSVTable(text);
    expect(data.pipeline.transform(table.rows.map((cells) => cells.slice(0, 3)))).toEqual(data.x);
    const records = table.rows.map((cells) => Object.fromEntries(table.columns.map((name, c) => [name, cells[c]])));
    expect(data.pipeline.transform(records)).toEqual(data.x);
  });
});

describe('subset and oneHot', () => {
  it('subset copies rows in order; oneHot builds one-hot rows', () => {
    const data = parseCSV('x,label\n1,a\n2,b\n3,a\n');
    const picked = subset(data, [2, 0]);
    expect(Array.from(picked.x.data)).toEqual([3, 1]);
    expect(Array.from(picked.y as Int32Array)).toEqual([0, 0]);
    expect(picked.rows).toBe(2);
    expect(() => subset(data, [3])).toThrow(RangeError);
    expect(oneHot(new Int32Array([0, 2]), 3)).toEqual({ rows: 2, cols: 3, data: new Float32Array([1, 0, 0, 0, 0, 1]) });
    expect(() => oneHot([3], 3)).toThrow(RangeError);
  });
});
