// Issue 13's "Why" list, one test per case: answers that used to be silently wrong and inputs that
// used to hang. Each must now be a clear Error of the right class (TypeError for the wrong kind,
// RangeError for the wrong size or value) naming the function, field, row and column, must leave
// models and pipelines as they were, and must come within a second.

import { describe, expect, it } from 'vitest';
import { createModel, fromObjects, loadModel, parseCSV, Pipeline, type Model } from '../../src/index.js';
import type { DataErrorDetails } from '../../src/data/errors.js';

/** Runs `action`, expects it to throw `Kind` within a second, returns the error. */
function thrown<E extends Error>(Kind: new (...args: never[]) => E, action: () => unknown): E & DataErrorDetails {
  const started = performance.now();
  try {
    action();
  } catch (error) {
    expect(performance.now() - started).toBeLessThan(1000);
    expect(error).toBeInstanceOf(Kind);
    if (Kind === (Error as unknown)) expect(error).not.toBeInstanceOf(TypeError);
    return error as E & DataErrorDetails;
  }
  throw new Error('expected an error, none was thrown');
}

async function rejected<E extends Error>(Kind: new (...args: never[]) => E, action: () => Promise<unknown>): Promise<E> {
  const started = performance.now();
  try {
    await action();
  } catch (error) {
    expect(performance.now() - started).toBeLessThan(1000);
    expect(error).toBeInstanceOf(Kind);
    return error as E;
  }
  throw new Error('expected a rejection, none came');
}

const snapshot = (model: Model): string => JSON.stringify(model.toJSON());

/** A 40-row passenger list: an ID, a name, two real features and a two-class target. */
function passengers(): string {
  const lines = ['PassengerId,Name,Age,Fare,Survived'];
  for (let i = 1; i <= 40; i++) {
    const age = 5 + ((i * 7) % 60);
    lines.push(`${i},"Passenger ${String.fromCharCode(65 + (i % 26))}${i}, Mr",${age},${(i * 3.7) % 80},${age < 30 ? 1 : 0}`);
  }
  return lines.join('\n') + '\n';
}

describe("issue 13: the 'Why' list", () => {
  it('a record key with a typo is an error with a did-you-mean, whatever options.missing says', async () => {
    const rows = Array.from({ length: 12 }, (_, i) => ({ Age: i % 2 ? null : 20 + i, Fare: i * 2.5, Survived: i % 3 ? 'no' : 'yes' }));
    for (const missing of ['mean', 'drop'] as const) {
      const data = fromObjects(rows, { target: 'Survived', missing });
      const model = await createModel({ data, layers: [{ units: 4, activation: 'relu' }], seed: 1 });
      const before = snapshot(model);
      const error = thrown(Error, () => model.predictClass([{ age: 30, Fare: 10 }]));
      expect(error.message).toBe(
        'Pipeline.transform: row 1 (index 0) has no key "Age" (did you mean "age"?) (expected keys "Age", "Fare"; got "age", "Fare"); ' +
          "a missing value must be present as '', null or undefined",
      );
      expect(error).toMatchObject({ row: 1, column: 1, columnName: 'Age' });
      expect(snapshot(model)).toBe(before);
      // present and empty is what `missing` is for
      if (missing === 'mean') expect(model.predictClass([{ Age: null, Fare: 10 }])).toHaveLength(1);
    }
  });

  it('an ID column and a name column are refused, naming them and the way out', () => {
    const text = passengers();
    const id = thrown(RangeError, () => parseCSV(text));
    expect(id.message).toBe(
      'parseCSV: column 1 ("PassengerId") counts the rows (1, 2, …, 40): it is a row number or ID, not a feature, and a model ' +
        'would learn the row order; leave it out with options.ignore: ["PassengerId"], or keep it with options.numeric: ["PassengerId"]',
    );
    expect(id).toMatchObject({ column: 1, columnName: 'PassengerId' });
    const name = thrown(RangeError, () => parseCSV(text, { ignore: ['PassengerId'] }));
    expect(name.message).toMatch(/^parseCSV: column 2 \("Name"\) is a text column whose values are all distinct \(40 different in 40 rows\)/);
    expect(name.message).toContain('options.ignore: ["Name"]');
    expect(name).toMatchObject({ column: 2, columnName: 'Name' });
    const data = parseCSV(text, { ignore: ['PassengerId', 'Name'] });
    expect(data.features).toEqual(['Age', 'Fare']);
    // insisting works, and by index too
    expect(parseCSV(text, { numeric: ['PassengerId'], categorical: [1] }).x.cols).toBe(1 + 40 + 2);
  });

  it('an output layer that does not fit the data set is refused before training, the model untouched', async () => {
    const data = parseCSV(passengers(), { ignore: ['PassengerId', 'Name'] });
    const softmax3 = await createModel({ inputs: 2, layers: [{ units: 3, activation: 'softmax' }], seed: 1 });
    const before = snapshot(softmax3);
    const wide = await rejected(TypeError, () => softmax3.fit(data, { epochs: 1 }));
    expect(wide.message).toBe(
      "fit: the data set has 2 classes (0, 1) but the output layer (layers[0]) is 3 'softmax' units with loss 'crossEntropy'; " +
        "use { units: 2, activation: 'softmax' } with loss 'crossEntropy', or { units: 1, activation: 'sigmoid' } with loss " +
        "'binaryCrossEntropy', or createModel({ data, layers: [...hidden] }) to get the output layer from the data set",
    );
    expect(snapshot(softmax3)).toBe(before);
    const linear = await createModel({ inputs: 2, layers: [{ units: 1 }], seed: 1 });
    const regression = await rejected(TypeError, () => linear.fit(data, { epochs: 1 }));
    expect(regression.message).toMatch(/^fit: the data set has 2 classes \(0, 1\) but the output layer \(layers\[0\]\) is 1 'linear' unit with loss 'mse'; use \{ units: 2, activation: 'softmax' \}/);
    expect(() => linear.fitSync(data, { epochs: 1 })).toThrow(TypeError);
    // the other direction: a classification output on a regression data set
    const reg = parseCSV('a,b,y\n' + Array.from({ length: 30 }, (_, i) => `${i % 7},${(i * 3) % 5},${i * 0.37}`).join('\n'));
    expect(reg.task).toBe('regression');
    const cls = await createModel({ inputs: 2, layers: [{ units: 2, activation: 'softmax' }], seed: 1 });
    expect((await rejected(TypeError, () => cls.fit(reg, { epochs: 1 }))).message).toMatch(/^fit: the data set is a regression on 1 target but the output layer .* a classification output; use \{ units: 1, activation: 'linear' \}/);
    // what fits trains
    const ok = await createModel({ data, layers: [{ units: 4, activation: 'relu' }], seed: 1 });
    expect(ok.outputs).toBe(2);
    expect((await ok.fit(data, { epochs: 2 })).accuracy).toHaveLength(2);
    const sigmoid = await createModel({ inputs: 2, layers: [{ units: 1, activation: 'sigmoid' }], seed: 1 });
    expect((await sigmoid.fit(data, { epochs: 1 })).epochs).toBe(1);
  });

  it('class labels keep one type from loading to predictClass', async () => {
    const numeric = parseCSV(passengers(), { ignore: ['PassengerId', 'Name'] });
    expect(numeric.classes).toEqual([0, 1]);
    const model = await createModel({ data: numeric, layers: [{ units: 4, activation: 'relu' }], seed: 3 });
    await model.fit(numeric, { epochs: 1 });
    const predicted = model.predictClass([{ Age: 20, Fare: 3 }, { Age: 60, Fare: 3 }]);
    for (const label of predicted) expect(numeric.classes).toContain(label);
    expect(typeof predicted[0]).toBe('number');
    const text = parseCSV('x,kind\n1,b\n2,a\n3,b\n');
    expect(text.classes).toEqual(['a', 'b']);
    expect(text.pipeline.classes).toEqual(['a', 'b']);
    expect(numeric.pipeline.decodeAll([0, 1])).toEqual(numeric.classes);
  });

  it("a new category can be ignored (all zeros) with unknownCategory: 'ignore', saved in the pipeline", async () => {
    const text = 'size,color,label\n1,red,a\n2,blue,b\n3,red,a\n4,green,b\n';
    const strict = parseCSV(text);
    const unknown = thrown(RangeError, () => strict.pipeline.transform([{ size: 1, color: 'purple' }]));
    expect(unknown.message).toBe(
      'Pipeline.transform: row 1 (index 0), column 2 ("color"): unknown category "purple"; the pipeline knows "blue", "green", "red" ' +
        "(build the dataset with unknownCategory: 'ignore' to encode unknown categories as all zeros)",
    );
    expect(unknown).toMatchObject({ row: 1, column: 2, columnName: 'color', value: 'purple' });
    const lenient = parseCSV(text, { unknownCategory: 'ignore' });
    expect(Array.from(lenient.pipeline.transform([{ size: 1, color: 'purple' }, { size: 2, color: 'red' }]).data)).toEqual([1, 0, 0, 0, 2, 0, 0, 1]);
    const json = JSON.parse(JSON.stringify(lenient.pipeline));
    expect(json.unknownCategory).toBe('ignore');
    expect(Pipeline.fromJSON(json).unknownCategory).toBe('ignore');
    expect(Pipeline.fromJSON(JSON.parse(JSON.stringify(strict.pipeline))).unknownCategory).toBe('error');
    const model = await createModel({ data: lenient, layers: [{ units: 3, activation: 'relu' }], seed: 1 });
    await model.fit(lenient, { epochs: 1, batchSize: 2 });
    const loaded = await loadModel(JSON.stringify(model));
    expect(loaded.predictClass([{ size: 1, color: 'purple' }])).toHaveLength(1);
    expect(thrown(TypeError, () => parseCSV(text, { unknownCategory: 'skip' as never })).message).toBe(
      "parseCSV: options.unknownCategory: expected 'error' or 'ignore', got \"skip\"",
    );
  });

  it('a 100 KB cell of digits and a letter is refused in well under a second (the reader is linear)', () => {
    const cell = '1'.repeat(100_000) + 'a';
    const text = `a,b,label\n1,2,x\n${cell},3,y\n4,5,x\n6,7,y\n`;
    const error = thrown(TypeError, () => parseCSV(text));
    expect(error.message).toMatch(/^parseCSV: row 3, column 1 \("a"\): expected a number, got "1{37}\.\.\."/);
    expect(error).toMatchObject({ row: 3, column: 1, columnName: 'a' });
    const pipeline = parseCSV('a,b,label\n1,2,x\n3,4,y\n').pipeline;
    thrown(TypeError, () => pipeline.transform([[cell, 1]]));
    // and the same for a quoted cell of 100,000 quote characters, and a long exponent
    const quotes = `a,b\n"${'""'.repeat(50_000)}",1\n`;
    const started = performance.now();
    expect(parseCSV(quotes + 'x,2\n', { categorical: ['a'] }).rows).toBe(2);
    expect(performance.now() - started).toBeLessThan(1000);
    thrown(TypeError, () => parseCSV(`a,b,label\n1,2,x\n1e${'9'.repeat(100_000)}x,3,y\n`));
  });

  it('numbers beyond float32 are refused with the value and the limit', () => {
    const error = thrown(RangeError, () => parseCSV('a,b,label\n1,2,x\n1e39,3,y\n'));
    expect(error.message).toBe(
      'parseCSV: row 3, column 1 ("a"): "1e39" is outside float32\'s finite range (±3.4028235e+38, the largest value a model holds); scale the column down',
    );
    expect(error).toMatchObject({ row: 3, column: 1, columnName: 'a', value: '1e39' });
    // the largest float32 itself is fine; a regression target too is checked
    expect(parseCSV('a,y\n3.4028234e38,1.5\n1,2.5\n').x.data[0]).toBe(3.4028234663852886e38);
    expect(thrown(RangeError, () => parseCSV('a,y\n1,1.5\n2,-1e39\n')).message).toMatch(/^parseCSV: row 3, column 2 \("y"\): "-1e39" is outside float32's finite range/);
    expect(thrown(RangeError, () => fromObjects([{ a: 1e39, y: 1 }, { a: 1, y: 2 }])).message).toMatch(/^fromObjects: row 1 \(index 0\), column 1 \("a"\): 1e\+39 is outside float32's finite range/);
    const pipeline = parseCSV('a,b,label\n1,2,x\n3,4,y\n').pipeline;
    expect(thrown(RangeError, () => pipeline.transform([[1, 1e39]])).message).toMatch(/^Pipeline.transform: row 1 \(index 0\), column 2 \("b"\): 1e\+39 is outside float32's finite range/);
  });

  it('a column named like an Object.prototype member is read from the record only', () => {
    const rows = [{ constructor: 1, toString: 2, y: 'a' }, { constructor: 2, toString: 1, y: 'b' }];
    const data = fromObjects(rows);
    expect(data.features).toEqual(['constructor', 'toString']);
    const error = thrown(Error, () => data.pipeline.transform([{ toString: 3 }]));
    expect(error.message).toMatch(/^Pipeline.transform: row 1 \(index 0\) has no key "constructor"/);
    expect(thrown(Error, () => fromObjects([{ constructor: 1, y: 'a' }, { y: 'b' }] as never)).message).toMatch(/^fromObjects: row 2 \(index 1\) has no key "constructor"/);
    // inherited keys never count
    const inherited = Object.create({ constructor: 5 }) as Record<string, unknown>;
    Object.defineProperty(inherited, "toString", { value: 1, enumerable: true });
    expect(thrown(Error, () => data.pipeline.transform([inherited])).message).toMatch(/has no key "constructor"/);
  });
});
