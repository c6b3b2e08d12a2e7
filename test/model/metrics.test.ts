/**
 * evaluate's metrics and fit's per-epoch metrics equal a plain reference computed from
 * `predict` on the same rows (scikit-learn's definitions written out by hand below).
 */
import { describe, expect, it } from 'vitest';
import { createModel, datasets, trainTestSplit, type Model } from '../../src/index.js';
import { randomArray } from '../reference.js';

const argmax = (row: ArrayLike<number>) => { let b = 0; for (let j = 1; j < row.length; j++) if (row[j] > row[b]) b = j; return b; };

/** The reference: confusion matrix, per-class precision/recall/f1/support, macro averages over classes present. */
function reference(truth: number[], predicted: number[], classes: number) {
  const cm = Array.from({ length: classes }, () => new Array(classes).fill(0));
  truth.forEach((t, i) => cm[t][predicted[i]]++);
  const precision: number[] = [], recall: number[] = [], f1: number[] = [], support: number[] = [];
  const present: number[] = [];
  for (let c = 0; c < classes; c++) {
    const tp = cm[c][c];
    const predictedC = cm.reduce((s, row) => s + row[c], 0);
    const actual = cm[c].reduce((s, v) => s + v, 0);
    const p = predictedC ? tp / predictedC : 0, r = actual ? tp / actual : 0;
    precision.push(p); recall.push(r); f1.push(p + r ? (2 * p * r) / (p + r) : 0); support.push(actual);
    if (predictedC + actual > 0) present.push(c);
  }
  const mean = (v: number[]) => present.reduce((s, c) => s + v[c], 0) / present.length;
  return { cm, precision, recall, f1, support, macro: { precision: mean(precision), recall: mean(recall), f1: mean(f1) }, accuracy: truth.filter((t, i) => t === predicted[i]).length / truth.length };
}

/** Brute-force ROC AUC: the share of (positive, negative) pairs ranked right, ties half. */
function bruteAuc(scores: number[], positive: boolean[]): number {
  let right = 0, pairs = 0;
  scores.forEach((s, i) => {
    if (!positive[i]) return;
    scores.forEach((t, j) => {
      if (positive[j]) return;
      pairs++;
      right += s > t ? 1 : s === t ? 0.5 : 0;
    });
  });
  return right / pairs;
}

describe('evaluate', () => {
  it('digits: accuracy, precision, recall, f1, confusion matrix and per-class figures equal the reference from predict', async () => {
    const { train, test } = trainTestSplit(await datasets.digits(), { seed: 4, scale: 'standard' });
    const model = await createModel({ inputs: 64, layers: [{ units: 16, activation: 'relu' }, { units: 10, activation: 'softmax' }], optimizer: { type: 'adam', learningRate: 0.01 }, seed: 2 });
    await model.fit(train, { epochs: 2 });
    const e = model.evaluate(test);
    const truth = Array.from(test.y as ArrayLike<number>);
    const predicted = model.predict(test.x).data;
    const rows = truth.length;
    const pred = Array.from({ length: rows }, (_, r) => argmax(predicted.subarray(r * 10, r * 10 + 10)));
    const ref = reference(truth, pred, 10);
    expect(e.confusionMatrix).toEqual(ref.cm);
    expect(e.accuracy).toBeCloseTo(ref.accuracy, 12);
    expect(e.precision).toBeCloseTo(ref.macro.precision, 12);
    expect(e.recall).toBeCloseTo(ref.macro.recall, 12);
    expect(e.f1).toBeCloseTo(ref.macro.f1, 12);
    expect(e.perClass).toEqual({ precision: ref.precision, recall: ref.recall, f1: ref.f1, support: ref.support });
    expect(e.auc).toBeUndefined();
    expect(e.mae).toBeUndefined();
  });

  it('a class never predicted nor present is left out of the macro averages', async () => {
    const model = await createModel({ inputs: 2, layers: [{ units: 4, activation: 'softmax' }], seed: 1 });
    const x = [[1, 0], [0, 1], [1, 1], [0.5, -1], [-1, 0.2]];
    const y = [0, 1, 1, 0, 0];
    const e = model.evaluate(x, y);
    const pred = model.predict(x).map(argmax);
    const ref = reference(y, pred, 4);
    expect(e.f1).toBeCloseTo(ref.macro.f1, 12);
    expect(e.perClass!.support).toEqual([3, 2, 0, 0]);
  });

  it('one sigmoid output: the positive class, and auc equal to the pairwise reference (ties included)', async () => {
    const rows = 83;
    const x = Array.from({ length: rows }, (_, r) => Array.from(randomArray(3, 40 + r)));
    const y = x.map((row) => (row[0] + row[1] * row[2] > 0.1 ? 1 : 0));
    const model = await createModel({ inputs: 3, layers: [{ units: 6, activation: 'tanh' }, { units: 1, activation: 'sigmoid' }], seed: 5 });
    await model.fit(x, y, { epochs: 3 });
    const xs = [...x, x[0], x[0], x[1]];
    const ys = [...y, 1 - y[0], y[0], 1 - y[1]]; // tied scores with both labels
    const e = model.evaluate(xs, ys);
    const scores = model.predict(xs).map((p) => p[0]);
    const pred = scores.map((s) => (s >= 0.5 ? 1 : 0));
    const ref = reference(ys, pred, 2);
    expect(e.confusionMatrix).toEqual(ref.cm);
    expect(e.precision).toBeCloseTo(ref.precision[1], 12);
    expect(e.recall).toBeCloseTo(ref.recall[1], 12);
    expect(e.f1).toBeCloseTo(ref.f1[1], 12);
    expect(e.auc).toBeCloseTo(bruteAuc(scores, ys.map((v) => v === 1)), 12);
  });

  it('two softmax outputs: macro averages and auc of the second output', async () => {
    const rows = 50;
    const x = Array.from({ length: rows }, (_, r) => Array.from(randomArray(3, 900 + r)));
    const y = x.map((row) => (row[0] > row[1] ? 1 : 0));
    const model = await createModel({ inputs: 3, layers: [{ units: 2, activation: 'softmax' }], seed: 5 });
    const e = model.evaluate(x, y);
    const p = model.predict(x);
    const ref = reference(y, p.map(argmax), 2);
    expect(e.f1).toBeCloseTo(ref.macro.f1, 12);
    expect(e.auc).toBeCloseTo(bruteAuc(p.map((r) => r[1]), y.map((v) => v === 1)), 12);
  });

  it('several sigmoid outputs (multi-label): per output [tn, fp, fn, tp]', async () => {
    const x = Array.from({ length: 30 }, (_, r) => Array.from(randomArray(3, 70 + r)));
    const y = x.map((row) => [row[0] > 0 ? 1 : 0, row[1] > 0.2 ? 1 : 0]);
    const model = await createModel({ inputs: 3, layers: [{ units: 2, activation: 'sigmoid' }], seed: 9 });
    const e = model.evaluate(x, y);
    const p = model.predict(x);
    for (let c = 0; c < 2; c++) {
      const counts = [0, 0, 0, 0];
      y.forEach((t, r) => counts[(t[c] ? 2 : 0) + (p[r][c] >= 0.5 ? 1 : 0)]++);
      expect(e.confusionMatrix![c]).toEqual(counts);
      const [, fp, fn, tp] = counts;
      expect(e.perClass!.precision[c]).toBe(tp + fp ? tp / (tp + fp) : 0);
      expect(e.perClass!.recall[c]).toBe(tp + fn ? tp / (tp + fn) : 0);
    }
  });

  it('regression (diabetes): mae, rmse and r2 equal the reference from predict', async () => {
    const { train, test } = trainTestSplit(await datasets.diabetes(), { seed: 1, scale: 'standard' });
    const model = await createModel({ inputs: 10, layers: [{ units: 8, activation: 'relu' }, { units: 1 }], optimizer: { type: 'adam', learningRate: 0.05 }, seed: 1 });
    await model.fit(train, { epochs: 5 });
    const e = model.evaluate(test);
    const p = model.predict(test.x).data;
    const t = (test.y as { data: ArrayLike<number> }).data;
    const n = p.length;
    let abs = 0, sq = 0, mean = 0, total = 0;
    for (let i = 0; i < n; i++) mean += t[i] / n;
    for (let i = 0; i < n; i++) { abs += Math.abs(p[i] - t[i]); sq += (p[i] - t[i]) ** 2; total += (t[i] - mean) ** 2; }
    expect(e.mae).toBeCloseTo(abs / n, 9);
    expect(e.rmse).toBeCloseTo(Math.sqrt(sq / n), 9);
    expect(e.r2).toBeCloseTo(1 - sq / total, 9);
    expect(e.accuracy).toBeUndefined();
    expect(e.f1).toBeUndefined();
  });
});

describe('fit option metrics', () => {
  const rows = 70;
  const x = Array.from({ length: rows }, (_, r) => Array.from(randomArray(4, 500 + r)));
  const y = x.map((row) => (row[0] + row[1] > 0.3 ? 1 : 0));
  const vx = x.map((row) => row.map((v) => -v));
  const binary = () => createModel({ inputs: 4, layers: [{ units: 5, activation: 'tanh' }, { units: 1, activation: 'sigmoid' }], optimizer: { type: 'sgd', learningRate: 0.5 }, seed: 8 });

  it('records training (forward pass before each update) and validation figures per epoch', async () => {
    const model: Model = await binary();
    const expected: { f1: number; auc: number; precision: number }[] = [];
    const valExpected: { f1?: number; auc?: number; recall?: number }[] = [];
    const history = await model.fit(x, y, {
      epochs: 4, batchSize: rows, shuffle: false, validationData: [vx, y], metrics: ['precision', 'recall', 'f1', 'auc', 'accuracy'],
      callbacks: [{
        // one batch per epoch: the training figures are those of the weights before the epoch
        onEpochBegin: () => { const e = model.evaluate(x, y); expected.push({ f1: e.f1!, auc: e.auc!, precision: e.precision! }); },
        onEpochEnd: () => { valExpected.push(model.evaluate(vx, y)); },
      }],
    });
    expect(history.f1).toEqual(expected.map((e) => e.f1));
    expect(history.auc).toEqual(expected.map((e) => e.auc));
    expect(history.precision).toEqual(expected.map((e) => e.precision));
    expect(history.valF1).toEqual(valExpected.map((e) => e.f1));
    expect(history.valAuc).toEqual(valExpected.map((e) => e.auc));
    expect(history.valRecall).toEqual(valExpected.map((e) => e.recall));
    expect(history.accuracy).toHaveLength(4);
    expect(history.valAccuracy).toHaveLength(4);
  });

  it('regression metrics per epoch', async () => {
    const model = await createModel({ inputs: 4, layers: [{ units: 3, activation: 'tanh' }, { units: 2 }], seed: 1 });
    const yr = x.map((row) => [row[0] * 2, row[1] - row[2]]);
    const seen: { mae?: number; rmse?: number; r2?: number }[] = [];
    const history = await model.fit(x, yr, { epochs: 3, batchSize: rows, metrics: ['mae', 'rmse', 'r2'], validationSplit: 0.2, onEpochEnd: () => { seen.push(model.evaluate(x.slice(56), yr.slice(56))); } });
    expect(history.valMae).toEqual(seen.map((s) => s.mae));
    expect(history.valRmse).toEqual(seen.map((s) => s.rmse));
    expect(history.valR2).toEqual(seen.map((s) => s.r2));
    expect(history.mae).toHaveLength(3);
  });
});
