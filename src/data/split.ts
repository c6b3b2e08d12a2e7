/**
 * Train/test splits and dataset-level scaling. `trainTestSplit` divides rows (seeded, optionally
 * stratified so each class keeps its share), and with `scale` fits a scaler on the training rows
 * only and records it in both halves' pipeline, so raw rows at prediction time are scaled the
 * same way. `scale` does the scaling step on its own.
 */

import { checkDataset, subset, type Dataset } from './dataset.js';
import { dataError, show } from './errors.js';
import { createRng, shuffleInPlace, type Rng } from './random.js';
import { Scaler, type ScalerKind } from './scaler.js';
import { checkOptionNames } from './table.js';

/** Options of {@link trainTestSplit}. */
export interface SplitOptions {
  /**
   * Share of rows for the test set, in (0, 1), or a row count ≥ 1. Default 0.5 (the seed
   * notes' half and half). The count is rounded and kept within 1..rows−1.
   */
  testSize?: number;
  /** Seed for the shuffle (any safe integer). Default: a fresh random seed each call. */
  seed?: number;
  /**
   * Keep each class's share in both halves (classification only): per class, the test count is
   * within one row of `share × class size`, and every class has at least one row in each half.
   * Default false.
   */
  stratify?: boolean;
  /** Shuffle before splitting. Default true; with false the test rows are the last rows. */
  shuffle?: boolean;
  /** Fit a scaler of this kind on the training rows and apply it to both halves. Default none. */
  scale?: ScalerKind | 'none';
}

/** Options of {@link scale}. */
export interface ScaleOptions {
  /** `'standard'` (z-score, default) or `'minmax'`. */
  kind?: ScalerKind;
}

/**
 * Fits a scaler on `train.x` and applies it to `train` and (optionally) `test`. The returned
 * datasets share a pipeline that now ends with the fitted scaler, so `pipeline.transform(raw)`
 * scales new rows like the training rows.
 *
 * @throws {Error} when `train` is already scaled or `test` comes from another pipeline;
 *   {TypeError} for an unknown kind.
 *
 * @example
 * const scaled = scale(train, test, { kind: 'minmax' });
 * await model.fit(scaled.train);
 */
export function scale(train: Dataset, test?: Dataset, options: ScaleOptions = {}): { train: Dataset; test?: Dataset } {
  const fn = 'scale';
  checkDataset(fn, 'train', train);
  checkOptionNames(fn, options, ['kind']);
  const kind = options.kind ?? 'standard';
  if (kind !== 'standard' && kind !== 'minmax') {
    throw new TypeError(`${fn}: options.kind: expected 'standard' or 'minmax', got ${show(kind)}`);
  }
  if (train.pipeline.scaler) {
    throw new Error(`${fn}: train: already scaled (its pipeline has a ${train.pipeline.scaler.kind} scaler); scale once, on unscaled data`);
  }
  if (test !== undefined) {
    checkDataset(fn, 'test', test);
    if (test.pipeline !== train.pipeline) {
      const same = test.pipeline.features.length === train.pipeline.features.length &&
        test.pipeline.features.every((name, i) => name === train.pipeline.features[i]) && !test.pipeline.scaler;
      if (!same) {
        throw new Error(`${fn}: test: expected a dataset with the same unscaled encoding as train (both halves of one split), got another pipeline`);
      }
    }
  }
  const scaler = new Scaler(kind).fit(train.x);
  const pipeline = train.pipeline.withScaler(scaler);
  const scaledTrain: Dataset = { ...train, x: scaler.transform(train.x), pipeline };
  if (test === undefined) return { train: scaledTrain };
  return { train: scaledTrain, test: { ...test, x: scaler.transform(test.x), pipeline } };
}

/** Test-set size per class: largest remainders, then at least 1 and at most size − 1 each. */
function stratifiedCounts(sizes: number[], share: number): number[] {
  const ideal = sizes.map((size) => size * share);
  const counts = ideal.map(Math.floor);
  const total = Math.round(sizes.reduce((a, b) => a + b, 0) * share);
  let remaining = total - counts.reduce((a, b) => a + b, 0);
  const order = ideal.map((value, k) => k).sort((a, b) => ideal[b] - Math.floor(ideal[b]) - (ideal[a] - Math.floor(ideal[a])) || a - b);
  for (const k of order) {
    if (remaining <= 0) break;
    counts[k]++;
    remaining--;
  }
  return counts.map((count, k) => Math.min(Math.max(count, 1), sizes[k] - 1));
}

/**
 * Splits a dataset into training and test rows.
 *
 * @param data - a {@link Dataset}.
 * @param options - `testSize` (default 0.5), `seed`, `stratify`, `shuffle` (default true),
 *   `scale` (`'standard'` or `'minmax'`: fitted on the training rows only).
 * @throws {RangeError} for fewer than two rows, a bad `testSize`, or (stratified) a class with a
 *   single row (naming it); {TypeError} for `stratify` on a regression dataset.
 *
 * @example
 * const { train, test } = trainTestSplit(iris, { testSize: 0.2, seed: 1, stratify: true, scale: 'standard' });
 */
export function trainTestSplit(data: Dataset, options: SplitOptions = {}): { train: Dataset; test: Dataset } {
  const fn = 'trainTestSplit';
  checkDataset(fn, 'data', data);
  checkOptionNames(fn, options, ['testSize', 'seed', 'stratify', 'shuffle', 'scale']);
  const n = data.rows;
  if (n < 2) throw new RangeError(`${fn}: data: expected at least 2 rows to split, got ${n}`);
  const testSize = options.testSize ?? 0.5;
  let testCount: number;
  if (typeof testSize !== 'number' || !Number.isFinite(testSize) || testSize <= 0 || (testSize >= 1 && !Number.isInteger(testSize)) || testSize >= n) {
    throw new RangeError(`${fn}: options.testSize: expected a share in (0, 1) or a row count in 1..${n - 1}, got ${show(testSize)}`);
  }
  testCount = testSize < 1 ? Math.round(n * testSize) : testSize;
  testCount = Math.min(Math.max(testCount, 1), n - 1);
  const shuffle = options.shuffle ?? true;
  const stratify = options.stratify ?? false;
  if (typeof shuffle !== 'boolean') throw new TypeError(`${fn}: options.shuffle: expected a boolean, got ${show(shuffle)}`);
  if (typeof stratify !== 'boolean') throw new TypeError(`${fn}: options.stratify: expected a boolean, got ${show(stratify)}`);
  const scaleKind = options.scale ?? 'none';
  if (scaleKind !== 'none' && scaleKind !== 'standard' && scaleKind !== 'minmax') {
    throw new TypeError(`${fn}: options.scale: expected 'standard', 'minmax' or 'none', got ${show(scaleKind)}`);
  }
  const seed = options.seed ?? Math.floor(Math.random() * 2 ** 32);
  const rng: Rng = createRng(seed);

  let trainRows: number[];
  let testRows: number[];
  if (!stratify) {
    const order = Array.from({ length: n }, (_, i) => i);
    if (shuffle) {
      shuffleInPlace(order, rng);
      testRows = order.slice(0, testCount);
      trainRows = order.slice(testCount);
    } else {
      trainRows = order.slice(0, n - testCount);
      testRows = order.slice(n - testCount);
    }
  } else {
    if (!(data.y instanceof Int32Array) || data.task !== 'classification') {
      throw new TypeError(`${fn}: options.stratify: needs a classification dataset (class indices in y), got a ${data.task} dataset`);
    }
    const y = data.y;
    let classCount = data.classes?.length ?? 0;
    for (let r = 0; r < n; r++) classCount = Math.max(classCount, y[r] + 1);
    const members: number[][] = Array.from({ length: classCount }, () => []);
    for (let r = 0; r < n; r++) members[y[r]].push(r);
    const present = members.map((rows, k) => k).filter((k) => members[k].length > 0);
    for (const k of present) {
      if (members[k].length === 1) {
        const r = members[k][0];
        const label = data.classes?.[k] ?? String(k);
        throw dataError(
          RangeError,
          `${fn}: row ${r + 1} (index ${r}), target ${show(data.target)}: class ${show(label)} has a single row, ` +
            'so it cannot be in both halves of a stratified split; add rows of this class, drop it, or split without stratify',
          { row: r + 1, columnName: data.target, value: label },
        );
      }
    }
    const counts = stratifiedCounts(present.map((k) => members[k].length), testCount / n);
    trainRows = [];
    testRows = [];
    present.forEach((k, i) => {
      const rows = members[k];
      if (shuffle) {
        shuffleInPlace(rows, rng);
        testRows.push(...rows.slice(0, counts[i]));
        trainRows.push(...rows.slice(counts[i]));
      } else {
        testRows.push(...rows.slice(rows.length - counts[i]));
        trainRows.push(...rows.slice(0, rows.length - counts[i]));
      }
    });
    if (shuffle) {
      // Mix the classes within each half (else rows come grouped by class).
      shuffleInPlace(trainRows, rng);
      shuffleInPlace(testRows, rng);
    } else {
      trainRows.sort((a, b) => a - b);
      testRows.sort((a, b) => a - b);
    }
  }

  const train = subset(data, trainRows);
  const test = subset(data, testRows);
  if (scaleKind === 'none') return { train, test };
  const scaled = scale(train, test, { kind: scaleKind });
  return { train: scaled.train, test: scaled.test! };
}
