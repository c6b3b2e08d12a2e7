/**
 * Learning-rate schedules and `reduceLROnPlateau`, applied once per epoch by the fit loop. A
 * typed schedule computes the rate of epoch e (counted from the epoch the schedule started,
 * across fits) from a base rate — the model's rate when the schedule started:
 * ```
 * step:        base · factor^floor(e / every)
 * exponential: base · rate^e
 * cosine:      warm-up: base · (e + 1) / warmupEpochs for e < warmupEpochs, then
 *              min + (base − min) · (1 + cos(π · min(1, (e − warmup) / (epochs − warmup)))) / 2
 * ```
 * A function `(epoch, learningRate) => number` gets the model's epoch count (over all fits) and
 * the current rate, so rates chain. A second `fit` with the same schedule continues it; another
 * schedule, or setting `model.learningRate`, starts afresh from the current rate.
 */
import { checkOptionKeys, type MonitorSpec } from './monitor.js';

/** A learning-rate schedule (`fit` option `schedule`). */
export type Schedule =
  | { type: 'step'; every: number; factor: number }
  | { type: 'exponential'; rate: number }
  | { type: 'cosine'; epochs?: number; minLearningRate?: number; warmupEpochs?: number }
  | ((epoch: number, learningRate: number) => number);

/** `fit` option `reduceLROnPlateau`: multiply the rate by `factor` when `monitor` stops improving. */
export interface ReduceLROnPlateau {
  /** A logged figure (see `earlyStopping.monitor`). Default 'valLoss'. */
  monitor?: string;
  /** Default 0.1. */
  factor?: number;
  /** Epochs without improvement before reducing. Default 10. */
  patience?: number;
  /** Smallest change that counts as improvement. Default 1e-4 (Keras's). */
  minDelta?: number;
  /** Epochs to wait after a reduction before counting again. Default 0. */
  cooldown?: number;
  /** The rate is never reduced below this. Default 0. */
  minLearningRate?: number;
}

/** A typed schedule with its defaults filled in. */
export interface ResolvedSchedule {
  kind: 'step' | 'exponential' | 'cosine' | 'function';
  every: number;
  factor: number;
  rate: number;
  /** cosine: epochs of the decay, or 0 for "this fit's epochs" (fixed when the schedule starts). */
  epochs: number;
  minLearningRate: number;
  warmupEpochs: number;
  fn?: (epoch: number, learningRate: number) => number;
  /** Identifies the schedule across fits (a second fit with an equal key continues it). */
  key: string;
}

export interface ResolvedPlateau extends MonitorSpec {
  factor: number;
  patience: number;
  cooldown: number;
  minLearningRate: number;
  key: string;
}

/** A typed schedule's progress, kept on the model (and in its saved form). */
export interface ScheduleState {
  key: string;
  /** The model's epoch count when the schedule started. */
  start: number;
  /** The rate the schedule counts from. */
  base: number;
  /** cosine: the decay's length in epochs. */
  period: number;
}

export interface PlateauState {
  key: string;
  /** The best monitored value so far; NaN before any. */
  best: number;
  wait: number;
  cooldown: number;
}

function number(where: string, value: unknown, fallback: number, check: (v: number) => boolean, expected: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || !check(value)) {
    throw new RangeError(`${where} must be ${expected}; got ${typeof value === 'number' ? value : typeof value}`);
  }
  return value;
}

/** Checks a `schedule` option and fills in its defaults. */
export function resolveSchedule(where: string, value: unknown): ResolvedSchedule | undefined {
  if (value === undefined) return undefined;
  const base = { every: 1, factor: 1, rate: 1, epochs: 0, minLearningRate: 0, warmupEpochs: 0 };
  if (typeof value === 'function') return { kind: 'function', ...base, fn: value as ResolvedSchedule['fn'], key: 'function' };
  if (typeof value !== 'object' || value === null) {
    throw new TypeError(`${where} must be { type: 'step' | 'exponential' | 'cosine', … } or a function (epoch, learningRate) => number; got ${value === null ? 'null' : typeof value}`);
  }
  const spec = value as Record<string, unknown>;
  const type = spec.type;
  if (type === 'step') {
    checkOptionKeys(where, spec, ['type', 'every', 'factor']);
    if (spec.every === undefined || spec.factor === undefined) throw new TypeError(`${where}: a 'step' schedule needs every (epochs) and factor; got ${JSON.stringify(spec)}`);
    const every = number(`${where}.every`, spec.every, 1, (v) => Number.isInteger(v) && v >= 1, 'a positive integer (epochs)');
    const factor = number(`${where}.factor`, spec.factor, 1, (v) => v > 0, 'a number greater than 0');
    return { kind: 'step', ...base, every, factor, key: JSON.stringify(['step', every, factor]) };
  }
  if (type === 'exponential') {
    checkOptionKeys(where, spec, ['type', 'rate']);
    if (spec.rate === undefined) throw new TypeError(`${where}: an 'exponential' schedule needs rate (the factor per epoch)`);
    const rate = number(`${where}.rate`, spec.rate, 1, (v) => v > 0, 'a number greater than 0');
    return { kind: 'exponential', ...base, rate, key: JSON.stringify(['exponential', rate]) };
  }
  if (type === 'cosine') {
    checkOptionKeys(where, spec, ['type', 'epochs', 'minLearningRate', 'warmupEpochs']);
    const epochs = number(`${where}.epochs`, spec.epochs, 0, (v) => Number.isInteger(v) && v >= 1, 'a positive integer');
    const minLearningRate = number(`${where}.minLearningRate`, spec.minLearningRate, 0, (v) => v >= 0, 'a number ≥ 0');
    const warmupEpochs = number(`${where}.warmupEpochs`, spec.warmupEpochs, 0, (v) => Number.isInteger(v) && v >= 0, 'a non-negative integer');
    if (epochs > 0 && warmupEpochs >= epochs) throw new RangeError(`${where}.warmupEpochs (${warmupEpochs}) must be less than epochs (${epochs})`);
    return { kind: 'cosine', ...base, epochs, minLearningRate, warmupEpochs, key: JSON.stringify(['cosine', epochs, minLearningRate, warmupEpochs]) };
  }
  throw new TypeError(`${where}.type must be one of 'step', 'exponential', 'cosine' (or give a function); got ${typeof type === 'string' ? `'${type}'` : String(type)}`);
}

/** The rate of epoch `e` of a typed schedule (counted from its start). */
export function scheduledRate(s: ResolvedSchedule, state: ScheduleState, e: number): number {
  const { base } = state;
  if (s.kind === 'step') return base * Math.pow(s.factor, Math.floor(e / s.every));
  if (s.kind === 'exponential') return base * Math.pow(s.rate, e);
  // cosine
  if (e < s.warmupEpochs) return (base * (e + 1)) / s.warmupEpochs;
  const span = state.period - s.warmupEpochs;
  const t = span > 0 ? Math.min(1, (e - s.warmupEpochs) / span) : 1;
  return s.minLearningRate + ((base - s.minLearningRate) * (1 + Math.cos(Math.PI * t))) / 2;
}

/** Checks a `reduceLROnPlateau` option (the monitor is checked with the other monitors). */
export function resolvePlateau(where: string, value: unknown, monitor: (where: string, name: unknown, mode: unknown) => MonitorSpec): ResolvedPlateau | undefined {
  if (value === undefined) return undefined;
  const spec = (value === true ? {} : value) as ReduceLROnPlateau;
  if (typeof spec !== 'object' || spec === null) throw new TypeError(`${where} must be an object { monitor, factor, patience, … } or true; got ${value === null ? 'null' : typeof value}`);
  checkOptionKeys(where, spec, ['monitor', 'factor', 'patience', 'minDelta', 'cooldown', 'minLearningRate']);
  const m = monitor(`${where}.monitor`, spec.monitor ?? 'valLoss', 'auto');
  const factor = number(`${where}.factor`, spec.factor, 0.1, (v) => v > 0 && v < 1, 'a number in (0, 1)');
  const patience = number(`${where}.patience`, spec.patience, 10, (v) => Number.isInteger(v) && v >= 0, 'a non-negative integer');
  const minDelta = number(`${where}.minDelta`, spec.minDelta, 1e-4, (v) => v >= 0, 'a number ≥ 0');
  const cooldown = number(`${where}.cooldown`, spec.cooldown, 0, (v) => Number.isInteger(v) && v >= 0, 'a non-negative integer');
  const minLearningRate = number(`${where}.minLearningRate`, spec.minLearningRate, 0, (v) => v >= 0, 'a number ≥ 0');
  return { ...m, minDelta, factor, patience, cooldown, minLearningRate, key: JSON.stringify([m.monitor, factor, patience, minDelta, cooldown, minLearningRate]) };
}

/**
 * One epoch's end for reduceLROnPlateau (Keras's rule): returns the reduced rate, or undefined
 * when the rate stays.
 */
export function plateauStep(p: ResolvedPlateau, state: PlateauState, current: number, learningRate: number): number | undefined {
  if (state.cooldown > 0) {
    state.cooldown--;
    state.wait = 0;
  }
  // best is NaN until a value has been seen
  const better = Number.isNaN(state.best) ? !Number.isNaN(current) : p.higher ? current > state.best + p.minDelta : current < state.best - p.minDelta;
  if (better) {
    state.best = current;
    state.wait = 0;
    return undefined;
  }
  if (state.cooldown > 0) return undefined;
  state.wait++;
  if (state.wait < p.patience || !(learningRate > p.minLearningRate)) return undefined;
  state.cooldown = p.cooldown;
  state.wait = 0;
  return Math.max(learningRate * p.factor, p.minLearningRate);
}
