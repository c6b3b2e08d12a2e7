// The Pipeline (src/data/pipeline.ts): every input form of transform, errors at prediction time,
// decode/encodeTarget, and the JSON round trip (identical transforms before and after) with
// validation of corrupted JSON.

import { describe, expect, it } from 'vitest';
import { datasets } from '../../src/data/datasets.js';
import { parseCSV } from '../../src/data/load.js';
import { Pipeline, type PipelineJSON } from '../../src/data/pipeline.js';
import { Scaler } from '../../src/data/scaler.js';
import { trainTestSplit } from '../../src/data/split.js';

const TEXT = 'id,size,color,weight,label\n1,1.5,red,10,a\n2,2,blue,11,b\n3,0.5,green,9,a\n4,3,red,12,b\n';
const data = parseCSV(TEXT, { ignore: ['id'] });

describe('Pipeline.transform input forms', () => {
  const expected = [[1.5, 0, 0, 1, 10]];

  it('accepts records (extra keys ignored), positional arrays of either width, one row, CSV text, a Matrix', () => {
    const rows = (m: { rows: number; cols: number; data: Float32Array }) =>
      Array.from({ length: m.rows }, (_, r) => Array.from(m.data.subarray(r * m.cols, (r + 1) * m.cols)));
    const p = data.pipeline;
    expect(p.columns).toEqual(['id', 'size', 'color', 'weight']);
    expect(rows(p.transform([{ size: 1.5, color: 'red', weight: 10, label: 'ignored', extra: 1 }]))).toEqual(expected);
    expect(rows(p.transform({ size: '1.5', color: ' red ', weight: '10' }))).toEqual(expected);
    expect(rows(p.transform([[99, 1.5, 'red', 10]]))).toEqual(expected); // all input columns
    expect(rows(p.transform([[1.5, 'red', 10]]))).toEqual(expected); // the used columns only
    expect(rows(p.transform([1.5, 'red', 10]))).toEqual(expected); // a single row
    expect(rows(p.transform('weight;color;size\n10;red;1.5\n'))).toEqual(expected); // by name, any order
    expect(rows(p.transform([]))).toEqual([]);
    const numeric = parseCSV('a,b,label\n1,2,x\n3,4,y\n').pipeline;
    expect(rows(numeric.transform({ rows: 1, cols: 2, data: new Float32Array([5, 6]) }))).toEqual([[5, 6]]);
  });

  it('names row, column and value when a raw row is wrong', () => {
    const p = data.pipeline;
    expect(() => p.transform([{ size: 1, color: 'purple', weight: 1 }])).toThrow(
      'Pipeline.transform: row 1 (index 0), column 3 ("color"): unknown category "purple"; the pipeline knows "blue", "green", "red"',
    );
    expect(() => p.transform([{ size: 1, color: 'red', weight: 1 }, { size: 1, color: 'red' }])).toThrow(
      'Pipeline.transform: row 2 (index 1) has no key "weight" (expected keys "size", "color", "weight"; got "size", "color")',
    );
    expect(() => p.transform([{ size: 'big', color: 'red', weight: 1 }])).toThrow(
      'Pipeline.transform: row 1 (index 0), column 2 ("size"): expected a number, got "big"',
    );
    expect(() => p.transform([{ size: null, color: 'red', weight: 1 }])).toThrow(TypeError);
    expect(() => p.transform([{ size: Infinity, color: 'red', weight: 1 }])).toThrow(RangeError);
    expect(() => p.transform([[1, 2]])).toThrow(
      'Pipeline.transform: row 1 (index 0) has 2 cells; expected 4 cells ("id", "size", "color", "weight") or 3 ("size", "color", "weight")',
    );
    expect(() => p.transform('size,color\n1,red\n')).toThrow('Pipeline.transform: rows: the CSV header has no column "weight"');
    expect(() => p.transform('size,color,weight\n1,red,1\n2,blue,x\n')).toThrow('Pipeline.transform: row 3, column 3 ("weight"): expected a number, got "x"');
    expect(() => p.transform(42 as never)).toThrow(TypeError);
  });
});

describe('labels', () => {
  it('decode, decodeAll and encodeTarget invert each other', () => {
    const p = data.pipeline;
    expect(p.classes).toEqual(['a', 'b']);
    expect(p.decodeAll([1, 0])).toEqual(['b', 'a']);
    expect(Array.from(p.encodeTarget(['b', 'a', 'b']) as Int32Array)).toEqual([1, 0, 1]);
    expect(() => p.decode(2)).toThrow('Pipeline.decode: index: expected an integer class index in 0..1, got 2');
    expect(() => p.encodeTarget(['c'])).toThrow('Pipeline.encodeTarget: row 1 (index 0): unknown label "c"; the classes are "a", "b"');
    const reg = parseCSV('x,y\n1,0.5\n2,1.5\n').pipeline;
    expect(reg.decode(0.25)).toBe(0.25);
    expect(reg.encodeTarget([1, '2'])).toEqual({ rows: 2, cols: 1, data: new Float32Array([1, 2]) });
    expect(() => reg.encodeTarget(['x'])).toThrow(TypeError);
  });

  it('reports inputs and outputs for the model', () => {
    expect(data.pipeline.inputs).toBe(5);
    expect(data.pipeline.outputs).toBe(2);
    expect(data.pipeline.task).toBe('classification');
  });
});

describe('JSON round trip', () => {
  it('a scaled iris pipeline transforms raw rows identically after toJSON → text → fromJSON', async () => {
    const iris = await datasets.iris();
    const { train } = trainTestSplit(iris, { seed: 1, stratify: true, scale: 'standard' });
    const text = JSON.stringify(train.pipeline);
    const restored = Pipeline.fromJSON(JSON.parse(text));
    const raw = (await datasets.csv('iris')).split('\n').slice(1, 40).filter(Boolean).map((line) => line.split(','));
    const records = raw.map(([a, b, c, d]) => ({ sepal_length: a, sepal_width: b, petal_length: c, petal_width: d }));
    expect(restored.transform(records).data).toEqual(train.pipeline.transform(records).data);
    expect(restored.transform(raw.map((cells) => cells.slice(0, 4))).data).toEqual(train.pipeline.transform(records).data);
    expect(restored.decode(2)).toBe('virginica');
    expect(restored.toJSON()).toEqual(train.pipeline.toJSON());
  });

  it('keeps one-hot encoders, fills, numeric labels and reading settings', () => {
    const p = parseCSV('size;color;digit\n1,5;red;3\n;blue;7\n2,5;;3\n', { missing: 'mean', decimal: ',', missingValues: [''] }).pipeline;
    const restored = Pipeline.fromJSON(JSON.parse(JSON.stringify(p)));
    const rows = [{ size: '', color: '' }, { size: '2,0', color: 'blue' }];
    expect(restored.transform(rows).data).toEqual(p.transform(rows).data);
    // size fills with the mean 2; color with the most frequent, ties going to the first sorted: blue.
    expect(Array.from(p.transform(rows).data)).toEqual([2, 1, 0, 2, 1, 0]);
    expect(restored.decode(1)).toBe(7);
    expect(restored.toJSON()).toEqual(p.toJSON());
  });

  describe('refuses corrupted JSON', () => {
    const good = (): PipelineJSON => {
      const json = parseCSV('size,color,label\n1,red,a\n2,blue,b\n').pipeline.withScaler(new Scaler('standard').fit([[1, 0, 1], [2, 1, 0]])).toJSON();
      return JSON.parse(JSON.stringify(json));
    };
    const cases: [string, (j: any) => unknown, RegExp | string, new (...a: never[]) => Error][] = [
      ['not an object', () => 'x', 'Pipeline.fromJSON: json: expected an object, got string', TypeError],
      ['another format', (j) => ({ ...j, format: 'other' }), 'Pipeline.fromJSON: json.format: expected "neuronine-pipeline", got "other"', Error],
      ['a future version', (j) => ({ ...j, version: 2 }), /json.version: expected 1/, Error],
      ['columns not strings', (j) => ({ ...j, columns: ['size', 3] }), 'Pipeline.fromJSON: json.columns[1]: expected a string, got number', TypeError],
      ['duplicate columns', (j) => ({ ...j, columns: ['size', 'size'] }), 'Pipeline.fromJSON: json.columns[1]: "size" appears twice', RangeError],
      ['encoder of an unknown column', (j) => { j.encoders[0].column = 'weight'; return j; }, /json.encoders\[0\].column: "weight" is not one of the columns/, RangeError],
      ['unknown encoder kind', (j) => { j.encoders[0].kind = 'hash'; return j; }, /json.encoders\[0\].kind: expected 'numeric' or 'onehot', got "hash"/, TypeError],
      ['empty categories', (j) => { j.encoders[1].categories = []; return j; }, /json.encoders\[1\].categories: expected at least 1 entries, got 0/, RangeError],
      ['duplicate categories', (j) => { j.encoders[1].categories = ['red', 'red']; return j; }, /categories\[1\]: "red" appears twice/, RangeError],
      ['fill not a category', (j) => { j.encoders[1].fill = 'green'; return j; }, /json.encoders\[1\].fill: expected one of the categories/, RangeError],
      ['scaler of the wrong width', (j) => { j.scaler.offset.pop(); j.scaler.scale.pop(); return j; }, /json.scaler: expected a scaler fitted on 3 encoded features, got 2/, RangeError],
      ['scaler with NaN', (j) => { j.scaler.scale[0] = null; return j; }, /json.scaler.scale\[0\]: expected a finite number, got null/, RangeError],
      ['features that disagree', (j) => { j.features[0] = 'length'; return j; }, /json.features: expected "size", "color=blue", "color=red" \(derived from the encoders\)/, RangeError],
      ['one class', (j) => { j.target.classes = ['a']; return j; }, /json.target.classes: expected at least 2 entries, got 1/, RangeError],
      ['unknown task', (j) => { j.target.task = 'ranking'; return j; }, /json.target.task: expected 'classification' or 'regression'/, TypeError],
      ['target also an input', (j) => { j.target.columns = ['size']; return j; }, /json.target.columns: "size" is also an input column/, RangeError],
      ['numeric labels that are not numbers', (j) => { j.target.labels = 'number'; return j; }, /json.target.classes\[0\]: expected a numeric label, got "a"/, TypeError],
      ['bad decimal', (j) => ({ ...j, decimal: ';' }), /json.decimal: expected '.' or ','/, TypeError],
      ['absurd sizes', (j) => ({ ...j, columns: { length: 1e9 } }), /json.columns: expected an array of strings, got object/, TypeError],
    ];
    for (const [name, corrupt, message, Kind] of cases) {
      it(name, () => {
        let error: unknown;
        try {
          Pipeline.fromJSON(corrupt(good()));
        } catch (e) {
          error = e;
        }
        expect(error).toBeInstanceOf(Kind);
        if (typeof message === 'string') expect((error as Error).message).toBe(message);
        else expect((error as Error).message).toMatch(message);
      });
    }
    it('accepts the untouched JSON', () => {
      expect(Pipeline.fromJSON(good()).features).toEqual(['size', 'color=blue', 'color=red']);
    });
  });
});
