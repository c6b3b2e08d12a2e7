// RFC 4180 reading (src/data/csv.ts): quoting, line ends, BOM, blank lines, delimiter detection,
// header/no header, spreadsheet row numbers. papaparse is the independent oracle: on every case
// both readers must give the same cells.

import Papa from 'papaparse';
import { describe, expect, it } from 'vitest';
import { detectDelimiter, parseCSVTable } from '../../src/data/csv.js';
import { parseCSV } from '../../src/data/load.js';

/** Cells as papaparse reads them (blank lines skipped like ours, BOM stripped). */
function papa(text: string, delimiter?: string): string[][] {
  const result = Papa.parse<string[]>(text.replace(/^\uFEFF/, ''), {
    delimiter: delimiter ?? '',
    delimitersToGuess: [',', ';', '\t'],
    skipEmptyLines: true,
  });
  expect(result.errors).toEqual([]);
  return result.data;
}

function ours(text: string, delimiter?: string): string[][] {
  const table = parseCSVTable(text, { header: false, delimiter });
  return table.rows;
}

const cases: [string, string, string[][]][] = [
  ['plain', 'a,b,c\n1,2,3\n', [['a', 'b', 'c'], ['1', '2', '3']]],
  ['no final line break', 'a,b\n1,2', [['a', 'b'], ['1', '2']]],
  ['quoted delimiter', 'a,b\n"1,5",2\n', [['a', 'b'], ['1,5', '2']]],
  ['escaped quotes', 'a,b\n"say ""hi""",2\n', [['a', 'b'], ['say "hi"', '2']]],
  ['embedded LF', 'a,b\n"line1\nline2",2\n', [['a', 'b'], ['line1\nline2', '2']]],
  ['embedded CRLF', 'a,b\r\n"line1\r\nline2",2\r\n', [['a', 'b'], ['line1\r\nline2', '2']]],
  ['CRLF line ends', 'a,b\r\n1,2\r\n3,4\r\n', [['a', 'b'], ['1', '2'], ['3', '4']]],
  ['lone CR line ends', 'a,b\r1,2\r3,4\r', [['a', 'b'], ['1', '2'], ['3', '4']]],
  ['UTF-8 BOM', '\uFEFFa,b\n1,2\n', [['a', 'b'], ['1', '2']]],
  ['trailing blank lines', 'a,b\n1,2\n\n\n', [['a', 'b'], ['1', '2']]],
  ['trailing CRLF blank lines', 'a,b\r\n1,2\r\n\r\n\r\n', [['a', 'b'], ['1', '2']]],
  ['blank line in the middle', 'a,b\n1,2\n\n3,4\n', [['a', 'b'], ['1', '2'], ['3', '4']]],
  ['empty fields', 'a,b,c\n,,\n1,,3\n', [['a', 'b', 'c'], ['', '', ''], ['1', '', '3']]],
  ['empty quoted field', 'a,b\n"",2\n', [['a', 'b'], ['', '2']]],
  ['quote only field', 'a,b\n"""",2\n', [['a', 'b'], ['"', '2']]],
  ['semicolon', 'a;b\n1,5;2\n', [['a', 'b'], ['1,5', '2']]],
  ['tab', 'a\tb\n1\t2\n', [['a', 'b'], ['1', '2']]],
  ['unicode', 'név,ár\n"Zoë, the 🐈",3\n', [['név', 'ár'], ['Zoë, the 🐈', '3']]],
  ['quoted header', '"a,1","b"\n1,2\n', [['a,1', 'b'], ['1', '2']]],
  ['last field quoted with newline at end', 'a,b\n1,"x\ny"', [['a', 'b'], ['1', 'x\ny']]],
];

describe('parseCSVTable: RFC 4180 cases, same cells as papaparse', () => {
  for (const [name, text, expected] of cases) {
    it(name, () => {
      expect(ours(text)).toEqual(expected);
      expect(papa(text)).toEqual(expected);
    });
  }
});

describe('parseCSVTable: header, names, rows', () => {
  it('takes the header as column names and numbers rows like a spreadsheet', () => {
    const table = parseCSVTable('a,b\n1,"x\ny"\n\n3,4\n');
    expect(table.columns).toEqual(['a', 'b']);
    expect(table.rows).toEqual([['1', 'x\ny'], ['3', '4']]);
    // header = row 1; the quoted line break stays in row 2; the blank line is row 3.
    expect(table.rowNumbers).toEqual([2, 4]);
  });

  it('names columns column1..N without a header, first record is row 1', () => {
    const table = parseCSVTable('1,2\n3,4\n', { header: false });
    expect(table.columns).toEqual(['column1', 'column2']);
    expect(table.rows).toEqual([['1', '2'], ['3', '4']]);
    expect(table.rowNumbers).toEqual([1, 2]);
  });

  it('trims header names and names empty ones by position', () => {
    expect(parseCSVTable(' a , ,c\n1,2,3\n').columns).toEqual(['a', 'column2', 'c']);
  });

  it('drops the empty last column left by a trailing delimiter on every line', () => {
    const table = parseCSVTable('a,b,\n1,2,\n3,4,\n');
    expect(table.columns).toEqual(['a', 'b']);
    expect(table.rows).toEqual([['1', '2'], ['3', '4']]);
  });

  it('accepts spaces after a closing quote', () => {
    expect(parseCSVTable('a,b\n"x" ,2\n').rows).toEqual([['x', '2']]);
  });

  it('honours an explicit delimiter, even a multi-character one', () => {
    expect(parseCSVTable('a||b\n1||2\n', { delimiter: '||' }).rows).toEqual([['1', '2']]);
    expect(parseCSVTable('a,b;c\n1,2;3\n', { delimiter: ';' }).columns).toEqual(['a,b', 'c']);
  });
});

describe('detectDelimiter', () => {
  it.each([
    ['a,b,c\n1,2,3\n', ','],
    ['a;b;c\n1,5;2,5;3\n', ';'],
    ['a\tb\n1,5\t2\n', '\t'],
    ['"a;b",c\n"1;2",3\n', ','],
    ['single\n1\n', ','],
  ])('%j → %j', (text, expected) => {
    expect(detectDelimiter(text)).toBe(expected);
    expect(parseCSVTable(text).delimiter).toBe(expected);
  });
});

describe('parseCSV end to end on RFC cases', () => {
  it('reads a semicolon file with decimal commas, CRLF and a BOM', () => {
    const data = parseCSV('\uFEFFlength;width;kind\r\n1,5;2;a\r\n"2,5";3;b\r\n\r\n', { decimal: ',' });
    expect(Array.from(data.x.data)).toEqual([1.5, 2, 2.5, 3]);
    expect(data.classes).toEqual(['a', 'b']);
  });

  it('keeps quoted categories with commas and newlines intact', () => {
    const data = parseCSV('x,city,label\n1,"Paris, FR",a\n2,"New\nYork",b\n3,"Paris, FR",a\n');
    expect(data.features).toEqual(['x', 'city=New\nYork', 'city=Paris, FR']);
  });
});
