// Every bad-data case of issue 3, plus the neighbours a user meets: each must throw the right
// error class with a message naming the function, the row and column (1-based, spreadsheet rows
// for CSV: header = row 1) and the offending value, and carry them as properties.

import { describe, expect, it } from 'vitest';
import { fromArrays, fromObjects } from '../../src/data/arrays.js';
import { datasets } from '../../src/data/datasets.js';
import type { DataErrorDetails } from '../../src/data/errors.js';
import { loadCSV, parseCSV } from '../../src/data/load.js';
import { trainTestSplit } from '../../src/data/split.js';

/** Runs `action`, expects it to throw `Kind`, returns the error for closer checks. */
function thrown<E extends Error>(Kind: new (...args: never[]) => E, action: () => unknown): E & DataErrorDetails {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(Kind);
    return error as E & DataErrorDetails;
  }
  throw new Error('expected an error, none was thrown');
}

const IRIS_HEAD = 'sepal_length,sepal_width,petal_length,petal_width,species\n';

describe('bad data in CSV (the issue\'s list)', () => {
  it('1. non-numeric cell in a numeric column', () => {
    const error = thrown(TypeError, () => parseCSV(`${IRIS_HEAD}5.1,3.5,1.4,0.2,setosa\n4.9,abc,1.4,0.2,setosa\n4.7,3.2,1.3,0.2,virginica\n`));
    expect(error.message).toMatch(/^parseCSV: row 3, column 2 \("sepal_width"\): expected a number, got "abc"/);
    expect(error.message).toContain('2 of the column\'s 3 values are numbers');
    expect(error).toMatchObject({ row: 3, column: 2, columnName: 'sepal_width', value: 'abc' });
  });

  it('2. ragged row: too few fields', () => {
    const error = thrown(RangeError, () => parseCSV(`${IRIS_HEAD}5.1,3.5,1.4,0.2,setosa\n4.9,3.0,1.4\n`));
    expect(error.message).toBe(
      'parseCSV: row 3 has 3 fields but the header (row 1) has 5: column 4 ("petal_width") and after are missing (the row ends with "1.4")',
    );
    expect(error).toMatchObject({ row: 3, column: 4, columnName: 'petal_width', value: '1.4' });
  });

  it('3. ragged row: too many fields (an unquoted comma)', () => {
    const error = thrown(RangeError, () => parseCSV('name,score,label\nAda,1,a\n"Smith, J",2,b\nSmith, K,3,a\n'));
    expect(error.message).toMatch(/^parseCSV: row 4 has 4 fields but the header \(row 1\) has 3: column 4 holds an extra value "a"/);
    expect(error).toMatchObject({ row: 4, column: 4, value: 'a' });
  });

  it('4. empty file', () => {
    expect(thrown(RangeError, () => parseCSV('')).message).toBe('parseCSV: text: expected a header and data rows, got an empty text');
    expect(thrown(RangeError, () => parseCSV('\n\r\n  \n')).message).toBe('parseCSV: text: expected a header and data rows, got only blank lines');
  });

  it('5. header only', () => {
    const error = thrown(RangeError, () => parseCSV(`${IRIS_HEAD}\n\n`));
    expect(error.message).toBe(
      'parseCSV: text: found a header row with 5 columns (sepal_length, sepal_width, petal_length, petal_width, species) but no data rows',
    );
  });

  it('6. duplicate target column', () => {
    const error = thrown(Error, () => parseCSV('x,species,species\n1,a,a\n2,b,b\n', { target: 'species' }));
    expect(error.message).toBe(
      'parseCSV: the target column "species" appears twice, as columns 2 and 3; rename one so the target is unambiguous',
    );
    expect(error).toMatchObject({ row: 1, column: 3, columnName: 'species' });
    // Duplicate non-target names are refused too (columns are matched by name at prediction).
    expect(thrown(Error, () => parseCSV('x,x,y\n1,2,a\n3,4,b\n')).message).toMatch(/columns 1 and 2 are both named "x"/);
  });

  it('7. missing target column', () => {
    const error = thrown(Error, () => parseCSV(`${IRIS_HEAD}5.1,3.5,1.4,0.2,setosa\n`, { target: 'class' }));
    expect(error.message).toBe(
      'parseCSV: options.target: no column named "class"; the columns are "sepal_length", "sepal_width", "petal_length", "petal_width", "species"',
    );
    expect(thrown(RangeError, () => parseCSV('a,b\n1,2\n', { target: 5 })).message).toBe(
      'parseCSV: options.target: expected a column index in -2..1, got 5',
    );
  });

  it('8. missing values: an error by default, naming the cell', () => {
    const text = `${IRIS_HEAD}5.1,3.5,1.4,0.2,setosa\n4.9,,1.4,0.2,setosa\n4.7,3.2,NA,0.2,virginica\n`;
    const error = thrown(TypeError, () => parseCSV(text));
    expect(error.message).toBe(
      'parseCSV: row 3, column 2 ("sepal_width"): missing value ""; use options.missing: \'drop\' or \'mean\', or fix the cell',
    );
    expect(error).toMatchObject({ row: 3, column: 2, value: '' });
    // A missing target cannot be filled.
    const target = thrown(TypeError, () => parseCSV(`${IRIS_HEAD}5.1,3.5,1.4,0.2,setosa\n4.9,3,1.4,0.2,\n4.7,3.2,1,0.2,virginica\n`, { missing: 'mean' }));
    expect(target.message).toBe('parseCSV: row 3, column 5 ("species"): missing value ""; the target cannot be filled: use options.missing: \'drop\'');
  });

  it('9. NaN and Infinity', () => {
    const nan = thrown(RangeError, () => parseCSV('a,b,label\n1,2,x\n3,NaN,y\n'));
    expect(nan.message).toBe(
      'parseCSV: row 3, column 2 ("b"): expected a finite number, got "NaN" (if it marks a missing value, add "NaN" to options.missingValues)',
    );
    expect(nan).toMatchObject({ row: 3, column: 2, value: 'NaN' });
    expect(thrown(RangeError, () => parseCSV('a,b,label\n1,-Infinity,x\n3,4,y\n')).message).toMatch(/^parseCSV: row 2, column 2 \("b"\): expected a finite number, got "-Infinity"/);
    expect(thrown(RangeError, () => parseCSV('a,b,label\n1,1e999,x\n3,4,y\n')).message).toMatch(/row 2, column 2 \("b"\): expected a finite number, got "1e999"/);
    // In JavaScript values too.
    expect(thrown(RangeError, () => fromArrays([[1, 2], [3, NaN]], ['a', 'b'])).message).toBe(
      'fromArrays: row 2 (index 1), column 2 ("column2"): expected a finite number, got NaN',
    );
    // …unless NaN is declared a missing marker.
    const ok = parseCSV('a,b,label\n1,2,x\n3,NaN,y\n5,6,x\n', { missingValues: ['NaN'], missing: 'mean' });
    expect(Array.from(ok.x.data)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('10. a class with a single sample in a stratified split', async () => {
    const data = parseCSV('x,label\n1,a\n2,a\n3,b\n4,b\n5,c\n6,a\n');
    const error = thrown(RangeError, () => trainTestSplit(data, { stratify: true, seed: 1 }));
    expect(error.message).toBe(
      'trainTestSplit: row 5 (index 4), target "label": class "c" has a single row, so it cannot be in both halves of a stratified split; add rows of this class, drop it, or split without stratify',
    );
    expect(error).toMatchObject({ row: 5, columnName: 'label', value: 'c' });
  });

  it('11. a target with only one class', () => {
    const error = thrown(RangeError, () => parseCSV('x,label\n1,yes\n2,yes\n3,yes\n'));
    expect(error.message).toBe(
      'parseCSV: row 2, column 2 ("label"): the target has only one class, "yes", in all 3 rows; classification needs at least two (is this the right target column?)',
    );
  });

  it('12. too many categories: probably an ID column', () => {
    // Nearly all distinct: refused as an ID column before the category count matters.
    const ids = Array.from({ length: 60 }, (_, i) => `user-${i},${i % 7},${i % 2 ? 'a' : 'b'}`).join('\n');
    const id = thrown(RangeError, () => parseCSV(`id,visits,label\n${ids}\n`));
    expect(id.message).toBe(
      'parseCSV: column 1 ("id") is a text column whose values are all distinct (60 different in 60 rows): it names rows ' +
        '(an ID, a name, free text) and would become 60 one-hot features that cannot generalise; leave it out with options.ignore: ["id"], ' +
        'or keep it with options.categorical: ["id"]',
    );
    expect(id).toMatchObject({ column: 1, columnName: 'id' });
    expect(parseCSV(`id,visits,label\n${ids}\n`, { ignore: ['id'] }).features).toEqual(['visits']);
    expect(parseCSV(`id,visits,label\n${ids}\n`, { maxCategories: 60, categorical: ['id'] }).x.cols).toBe(61);
    // Many repeated categories: over maxCategories.
    const rows = Array.from({ length: 120 }, (_, i) => `city-${i % 55},${i % 7},${i % 2 ? 'a' : 'b'}`).join('\n');
    const error = thrown(RangeError, () => parseCSV(`city,visits,label\n${rows}\n`));
    expect(error.message).toBe(
      'parseCSV: row 52, column 1 ("city"): value "city-50" is distinct value number 51 of this categorical column (options.maxCategories is 50); ' +
        'a column with this many categories is probably an ID or free-text column: leave it out with options.ignore: ["city"], or raise options.maxCategories',
    );
    expect(error).toMatchObject({ row: 52, column: 1, columnName: 'city', value: 'city-50' });
    expect(parseCSV(`city,visits,label\n${rows}\n`, { maxCategories: 60 }).x.cols).toBe(56);
    expect(thrown(RangeError, () => parseCSV('c,label\na,x\nb,y\nc,x\n', { maxCategories: 2 })).message).toMatch(/options.maxCategories is 2/);
  });
});

describe('bad data: neighbours of the list', () => {
  it('unterminated quote names where the field opened', () => {
    const error = thrown(RangeError, () => parseCSV('a,b\n1,2\n3,"open\n4,5\n'));
    expect(error.message).toMatch(/^parseCSV: row 3, column 2: a quoted field opens here and is never closed/);
    expect(error).toMatchObject({ row: 3, column: 2 });
  });

  it('text after a closing quote', () => {
    const error = thrown(RangeError, () => parseCSV('a,b\n"x"y,2\n'));
    expect(error.message).toBe('parseCSV: row 2, column 1: unexpected "y" after the closing quote of "x"; inside a quoted field write a quote as \'""\'');
  });

  it('a column with no values at all', () => {
    expect(thrown(TypeError, () => parseCSV('a,b,label\n1,,x\n2,,y\n')).message).toBe(
      'parseCSV: row 2, column 2 ("b"): the column has no values (all 2 cells are missing, e.g. "")',
    );
  });

  it('a single-column file hints at the delimiter', () => {
    expect(thrown(RangeError, () => parseCSV('a|b\n1|2\n')).message).toMatch(/expected at least two columns .* is the delimiter one of , ; or tab\?/);
  });

  it('non-numeric regression target', () => {
    const error = thrown(TypeError, () => parseCSV('x,y\n1,2.5\n2,3.5\n3,lots\n', { task: 'regression' }));
    expect(error.message).toBe('parseCSV: row 4, column 2 ("y"): expected a number, got "lots" (2 of the column\'s 3 values are numbers; the regression target must be numeric)');
  });

  it('drop that leaves nothing', () => {
    expect(thrown(RangeError, () => parseCSV('a,b,label\n1,,x\n,2,y\n', { missing: 'drop' })).message).toBe(
      "parseCSV: every one of the 2 rows has a missing value in a used column; nothing left after options.missing: 'drop'",
    );
  });

  it('unknown option names (typos) and bad option values', () => {
    expect(thrown(TypeError, () => parseCSV('a,b\n1,x\n2,y\n', { traget: 'b' } as never)).message).toMatch(/^parseCSV: options: unknown option 'traget' \(did you mean 'target'\?\); known options: target, features/);
    expect(thrown(TypeError, () => parseCSV('a,b\n1,x\n2,y\n', { missing: 'zero' } as never)).message).toBe(
      "parseCSV: options.missing: expected 'error', 'drop' or 'mean', got \"zero\"",
    );
    expect(thrown(RangeError, () => parseCSV('a,b\n1,x\n2,y\n', { features: ['b'] })).message).toBe(
      'parseCSV: options.features: column 2 ("b") is the target; a column cannot be both',
    );
  });

  it('fromObjects: an element that is not a record, a value of no column kind, an empty array', () => {
    expect(thrown(TypeError, () => fromObjects([{ a: 1, b: 'x' }, [1, 'y'] as never])).message).toBe(
      'fromObjects: row 2 (index 1): expected an object keyed by column name, got array',
    );
    const error = thrown(TypeError, () => fromObjects([{ a: 1, b: 'x' }, { a: { deep: 1 }, b: 'y' }]));
    expect(error.message).toBe('fromObjects: row 2 (index 1), column 1 ("a"): expected a number, string, boolean or null, got object');
    expect(thrown(RangeError, () => fromObjects([])).message).toBe('fromObjects: rows: expected at least one record, got an empty array');
  });

  it('fromArrays: ragged x, mismatched y', () => {
    expect(thrown(RangeError, () => fromArrays([[1, 2], [3]], [0, 1])).message).toBe('fromArrays: x row 2 (index 1): expected 2 cells (as row 1), got 1');
    expect(thrown(RangeError, () => fromArrays([[1, 2], [3, 4]], [0, 1, 1])).message).toBe('fromArrays: y: expected 2 rows (as x), got 3');
  });

  it('loadCSV: a string that is a file name, an unknown source kind', async () => {
    await expect(loadCSV('data/iris.csv')).rejects.toThrow(/a string is read as CSV text, and "data\/iris.csv" looks like a file name or URL/);
    await expect(loadCSV(42 as never)).rejects.toThrow(TypeError);
  });

  it('datasets.csv: unknown name', async () => {
    await expect(datasets.csv('titanic' as never)).rejects.toThrow("datasets.csv: name: expected 'iris', 'digits' or 'diabetes', got \"titanic\"");
  });
});
