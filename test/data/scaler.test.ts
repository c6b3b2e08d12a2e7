// Scalers (src/data/scaler.ts) against a float64 reference: statistics, transform, inverse,
// constant columns, JSON round trip, validation.

import { describe, expect, it } from 'vitest';
import { minMaxScaler, Scaler, standardScaler } from '../../src/data/scaler.js';
import type { Matrix } from '../../src/types.js';

const matrix = (rows: number[][]): Matrix => ({ rows: rows.length, cols: rows[0].length, data: Float32Array.from(rows.flat()) });

const X = [
  [1, 10, 5, -2],
  [2, 20, 5, 0],
  [3, 60, 5, 7],
  [6, 30, 5, 1],
];

function column(c: number): number[] {
  return X.map((row) => Math.fround(row[c]));
}

describe('standard scaler', () => {
  it('fits the mean and population standard deviation per column', () => {
    const scaler = standardScaler().fit(matrix(X));
    for (let c = 0; c < 4; c++) {
      const values = column(c);
      const mean = values.reduce((a, b) => a + b, 0) / values.length;
      const std = Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / values.length);
      expect(scaler.offset[c]).toBeCloseTo(mean, 12);
      expect(scaler.scale[c]).toBeCloseTo(std === 0 ? 1 : std, 12);
    }
  });

  it('gives zero mean and unit variance on the training rows; constant columns map to 0', () => {
    const out = standardScaler().fitTransform(matrix(X));
    for (let c = 0; c < 4; c++) {
      const values = Array.from({ length: 4 }, (_, r) => out.data[r * 4 + c]);
      const mean = values.reduce((a, b) => a + b, 0) / 4;
      const variance = values.reduce((a, v) => a + (v - mean) ** 2, 0) / 4;
      expect(mean).toBeCloseTo(0, 6);
      expect(variance).toBeCloseTo(c === 2 ? 0 : 1, 5);
      if (c === 2) expect(values.every((v) => v === 0 && Number.isFinite(v))).toBe(true);
    }
  });
});

describe('min-max scaler', () => {
  it('maps training columns to [0, 1]; a constant column to 0; new rows may fall outside', () => {
    const scaler = minMaxScaler().fit(matrix(X));
    const out = scaler.transform(matrix(X));
    for (let c = 0; c < 4; c++) {
      const values = Array.from({ length: 4 }, (_, r) => out.data[r * 4 + c]);
      expect(Math.min(...values)).toBe(0);
      expect(Math.max(...values)).toBe(c === 2 ? 0 : 1);
    }
    expect(Array.from(scaler.transform([[11, 10, 5, -2]]).data)).toEqual([2, 0, 0, 0]);
  });
});

describe('both kinds', () => {
  for (const kind of ['standard', 'minmax'] as const) {
    it(`${kind}: inverse undoes transform; in-place output; JSON round trip gives identical output`, () => {
      const scaler = new Scaler(kind).fit(matrix(X));
      const scaled = scaler.transform(matrix(X));
      const back = scaler.inverseTransform(scaled);
      for (let i = 0; i < back.data.length; i++) expect(back.data[i]).toBeCloseTo(X.flat()[i], 4);
      const inPlace = matrix(X);
      expect(scaler.transform(inPlace, inPlace)).toBe(inPlace);
      expect(inPlace.data).toEqual(scaled.data);
      const restored = Scaler.fromJSON(JSON.parse(JSON.stringify(scaler)));
      expect(restored.kind).toBe(kind);
      expect(restored.transform(matrix(X)).data).toEqual(scaled.data);
    });
  }

  it('refuses use before fit, wrong widths, non-finite values and corrupted JSON', () => {
    expect(() => standardScaler().transform(matrix(X))).toThrow('Scaler.transform: the scaler is not fitted; call fit(trainX) first');
    expect(() => standardScaler().toJSON()).toThrow(Error);
    const scaler = standardScaler().fit(matrix(X));
    expect(() => scaler.transform([[1, 2]])).toThrow('Scaler.transform: x: expected 4 columns (as fitted), got 2');
    expect(() => standardScaler().fit([[1], [Infinity]])).toThrow('Scaler.fit: x: row 2 (index 1), column 1: expected a finite number, got Infinity');
    expect(() => standardScaler().fit({ rows: 0, cols: 2, data: new Float32Array(0) })).toThrow(RangeError);
    expect(() => new Scaler('robust' as never)).toThrow(TypeError);
    expect(() => Scaler.fromJSON({ kind: 'standard', offset: [0, 1], scale: [1] })).toThrow('Scaler.fromJSON: json: expected offset and scale of equal length, got 2 and 1');
    expect(() => Scaler.fromJSON({ kind: 'standard', offset: [0], scale: [0] })).toThrow('Scaler.fromJSON: json.scale[0]: expected a positive number, got 0');
    expect(() => Scaler.fromJSON({ kind: 'standard', offset: [null], scale: [1] })).toThrow(RangeError);
    expect(() => Scaler.fromJSON({ kind: 'zscore', offset: [0], scale: [1] })).toThrow(TypeError);
    expect(() => Scaler.fromJSON('x')).toThrow(TypeError);
  });
});
