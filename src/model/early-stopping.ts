/**
 * Early stopping (Keras's `EarlyStopping` rule): after each epoch the monitored figure either
 * improves on the best so far by more than `minDelta` (the wait restarts) or the wait grows;
 * training stops once the wait reaches `patience` (so `patience: 0` stops at the first epoch
 * without improvement). With `restoreBestWeights`, a snapshot of the parameter block is taken at
 * every improvement and written back when early stopping ends the training, so the model ends
 * with exactly the weights it had after `bestEpoch`.
 */
import { checkOptionKeys, type MonitorSpec } from './monitor.js';

/** `fit` option `earlyStopping` (or `true` for all the defaults). */
export interface EarlyStopping {
  /** A logged figure: 'loss', 'valLoss', 'accuracy', 'valAccuracy', or a `metrics` name, with `val` prefixed for validation. Default 'valLoss'. */
  monitor?: string;
  /** Epochs without improvement before stopping. Default 0. */
  patience?: number;
  /** Smallest change that counts as an improvement. Default 0. */
  minDelta?: number;
  /** 'min', 'max', or 'auto' (max for accuracy, precision, recall, f1, auc, r2; min otherwise). Default 'auto'. */
  mode?: 'auto' | 'min' | 'max';
  /** End with the weights of the best epoch when early stopping ends the training. Default false. */
  restoreBestWeights?: boolean;
}

export interface ResolvedEarlyStopping extends MonitorSpec {
  patience: number;
  restoreBestWeights: boolean;
  key: string;
}

/** Early stopping's progress, kept on the model (and in its saved form) so a later fit continues it. */
export interface EarlyStoppingState {
  key: string;
  /** The best monitored value so far; NaN before any. */
  best: number;
  wait: number;
  /** The model's epoch count after the best epoch (its 0-based index over all fits + 1). */
  bestEpoch: number;
  /** The parameter block after the best epoch (with restoreBestWeights). */
  weights?: Float32Array;
}

export function resolveEarlyStopping(where: string, value: unknown, monitor: (where: string, name: unknown, mode: unknown) => MonitorSpec): ResolvedEarlyStopping | undefined {
  if (value === undefined || value === false) return undefined;
  const spec = (value === true ? {} : value) as EarlyStopping;
  if (typeof spec !== 'object' || spec === null) throw new TypeError(`${where} must be true or an object { monitor, patience, minDelta, mode, restoreBestWeights }; got ${value === null ? 'null' : typeof value}`);
  checkOptionKeys(where, spec, ['monitor', 'patience', 'minDelta', 'mode', 'restoreBestWeights']);
  const m = monitor(`${where}.monitor`, spec.monitor ?? 'valLoss', spec.mode ?? 'auto');
  const patience = spec.patience ?? 0;
  if (typeof patience !== 'number' || !Number.isInteger(patience) || patience < 0) throw new RangeError(`${where}.patience must be a non-negative integer (epochs); got ${String(patience)}`);
  const minDelta = spec.minDelta ?? 0;
  if (typeof minDelta !== 'number' || !Number.isFinite(minDelta) || minDelta < 0) throw new RangeError(`${where}.minDelta must be a number ≥ 0; got ${String(minDelta)}`);
  const restore = spec.restoreBestWeights ?? false;
  if (typeof restore !== 'boolean') throw new TypeError(`${where}.restoreBestWeights must be true or false; got ${typeof restore}`);
  return { ...m, minDelta, patience, restoreBestWeights: restore, key: JSON.stringify([m.monitor, m.higher, patience, minDelta, restore]) };
}

/** A fresh state: nothing seen yet. */
export function freshEarlyStopping(es: ResolvedEarlyStopping): EarlyStoppingState {
  return { key: es.key, best: NaN, wait: 0, bestEpoch: 0 };
}

/**
 * One epoch's end: `current` is the monitored value, `epochCount` the model's epochs after this
 * one. Returns 'improved', 'wait' or 'stop'.
 */
export function earlyStoppingStep(es: ResolvedEarlyStopping, state: EarlyStoppingState, current: number, epochCount: number): 'improved' | 'wait' | 'stop' {
  state.wait++;
  // best is NaN until a value has been seen
  const better = Number.isNaN(state.best) ? !Number.isNaN(current) : es.higher ? current - es.minDelta > state.best : current + es.minDelta < state.best;
  if (better) {
    state.best = current;
    state.bestEpoch = epochCount;
    state.wait = 0;
    return 'improved';
  }
  return state.wait >= es.patience ? 'stop' : 'wait';
}
