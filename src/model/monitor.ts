/**
 * Names of the figures `fit` logs each epoch, as `earlyStopping` and `reduceLROnPlateau` monitor
 * them, with "did you mean" for typos; and the option-key check shared by the loop's options.
 */
import { checkKeys, closest } from '../check.js';
import { higherIsBetter, METRIC_NAMES } from './metrics.js';

export interface MonitorSpec {
  monitor: string;
  /** Whether larger is better (mode 'max'). */
  higher: boolean;
  minDelta: number;
}

/** Throws a TypeError naming an unknown key of an options object (with "did you mean"). */
export function checkOptionKeys(where: string, options: object, known: readonly string[]): void {
  checkKeys(where, options, known);
}

/** The closest of `known` to `name` when one is close enough to be a typo (src/check.ts's rule). */
export function didYouMean(name: string, known: readonly string[]): string | undefined {
  return closest(name, known);
}

const valName = (name: string): string => `val${name.charAt(0).toUpperCase()}${name.slice(1)}`;

/** Every name a logged figure can have (whether or not this fit logs it). */
export const ALL_MONITORS: readonly string[] = ['loss', ...METRIC_NAMES].flatMap((n) => [n, valName(n)]);

/**
 * Checks a monitor name against the figures this fit logs (`logged`) and resolves its mode.
 * @throws TypeError for an unknown name (with "did you mean") or one this fit does not log (with how to log it).
 */
export function resolveMonitor(where: string, name: unknown, mode: unknown, logged: readonly string[]): MonitorSpec {
  if (typeof name !== 'string') throw new TypeError(`${where} must be the name of a logged figure (${logged.join(', ')}); got ${typeof name}`);
  if (!logged.includes(name)) {
    if (!ALL_MONITORS.includes(name)) {
      const near = didYouMean(name, logged) ?? didYouMean(name, ALL_MONITORS);
      throw new TypeError(`${where}: unknown figure '${name}'${near ? ` (did you mean '${near}'?)` : ''}; this fit logs ${logged.join(', ')}`);
    }
    const hint = name.startsWith('val') ? ' (give validationData or validationSplit to log validation figures)' : ' (add it to options.metrics)';
    throw new TypeError(`${where}: this fit does not log '${name}'${hint}; it logs ${logged.join(', ')}`);
  }
  if (mode !== 'auto' && mode !== 'min' && mode !== 'max') throw new TypeError(`${where.replace(/\.monitor$/, '')}.mode must be 'auto', 'min' or 'max'; got ${typeof mode === 'string' ? `'${mode}'` : String(mode)}`);
  return { monitor: name, higher: mode === 'auto' ? higherIsBetter(name) : mode === 'max', minDelta: 0 };
}

export { valName };
