/**
 * Checks shared by the model and the data layer: option objects with "did you mean" for typos,
 * and the two shape tests every input path needs (`isRecord`, `isMatrix`). One copy each, so an
 * option typo or a matrix is recognised the same way by `createModel`, `fit`, `loadCSV` and
 * `Pipeline.transform`.
 */
import type { Matrix } from './types.js';

/** A plain object: not null, not an array, not a typed array. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !ArrayBuffer.isView(value);
}

/** A typed array of numbers (not a DataView, not a BigInt array). */
export function isNumericArray(value: unknown): value is ArrayLike<number> {
  return ArrayBuffer.isView(value) && !(value instanceof DataView)
    && !(value instanceof BigInt64Array) && !(value instanceof BigUint64Array);
}

/** A `{ rows, cols, data }` matrix: numeric `rows` and `cols` and a typed array of numbers. */
export function isMatrix(value: unknown): value is Matrix {
  return isRecord(value) && isNumericArray(value.data) && typeof value.rows === 'number' && typeof value.cols === 'number';
}

/** Whether `key` is an own property of `record` (never one inherited from `Object.prototype`). */
export function hasOwn(record: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(record, key);
}

const letters = (name: string): string => name.toLowerCase().replace(/[^a-z0-9]/g, '');

/**
 * Edit distance (insertions, deletions, substitutions, adjacent swaps) between `a` and `b`, or
 * `limit + 1` as soon as it is known to exceed `limit`. O(|a|·|b|) on names of at most 64
 * characters; longer names are compared by equality only, so no input makes this slow.
 */
function distance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  if (a.length > 64 || b.length > 64) return a === b ? 0 : limit + 1;
  let before = new Array<number>(b.length + 1).fill(0);
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  let current = new Array<number>(b.length + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    current[0] = i;
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, before[j - 2] + 1);
      current[j] = d;
      if (d < best) best = d;
    }
    if (best > limit) return limit + 1;
    [before, previous, current] = [previous, current, before];
  }
  return previous[b.length];
}

/**
 * The known name closest to `name`: the same letters ignoring case and separators
 * (`validation_split` → `validationSplit`, `age` → `Age`), else the nearest by edit distance
 * within a third of the length (at least 1; names under three letters need the same letters), else a known name that starts with the same four
 * letters (`epoch` → `epochs`). `undefined` when nothing is close.
 *
 * @example
 * closest('traget', ['target', 'features']); // 'target'
 */
export function closest(name: string, known: Iterable<string>): string | undefined {
  const candidates = [...known];
  const key = letters(name);
  const same = candidates.find((k) => letters(k) === key);
  if (same !== undefined) return same;
  const limit = key.length < 3 ? 0 : Math.max(1, Math.floor(key.length / 3));
  if (limit === 0) return undefined;
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const candidate of candidates) {
    const d = distance(key, letters(candidate), limit);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  if (best !== undefined) return best;
  return key.length >= 4 ? candidates.find((k) => letters(k).startsWith(key.slice(0, 4))) : undefined;
}

/** ` (did you mean 'x'?)` for the closest known name, or `''`. */
export function didYouMean(name: string, known: Iterable<string>, quote = "'"): string {
  const near = closest(name, known);
  return near === undefined ? '' : ` (did you mean ${quote}${near}${quote}?)`;
}

/**
 * Throws a TypeError for an options value that is not a plain object, and for any own key of it
 * that is not in `known` (catches typos such as `epoch` or `traget`), with the closest known
 * name. `undefined` passes (no options).
 *
 * @param where - the function and argument, as messages start: `createModel`, `fit: options`.
 *
 * @example
 * checkKeys('parseCSV: options', { traget: 'y' }, ['target']);
 * // TypeError: parseCSV: options: unknown option 'traget' (did you mean 'target'?); known options: target
 */
export function checkKeys(where: string, options: unknown, known: readonly string[]): void {
  if (options === undefined) return;
  if (!isRecord(options)) {
    const kind = options === null ? 'null' : Array.isArray(options) ? 'an array' : typeof options;
    throw new TypeError(`${where}: expected an options object, got ${kind}`);
  }
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) {
      throw new TypeError(`${where}: unknown option '${key}'${didYouMean(key, known)}; known options: ${known.join(', ')}`);
    }
  }
}
