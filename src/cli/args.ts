/**
 * Command-line arguments: each command declares its options once (name, short flag, value
 * placeholder, default, description) and that table drives both parsing (Node's built-in
 * `util.parseArgs`, strict) and the `--help` text. Mistakes are `UsageError`s (exit code 2)
 * whose message names the flag and, for a near miss, suggests the closest known name.
 */
import { parseArgs } from 'node:util';

/** A mistake in how the command was called: exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** A failure the user can act on (a missing file, bad data, a model from another program): exit code 1. */
export class CLIError extends Error {
  override name = 'CLIError';
}

export interface OptionSpec {
  name: string;
  short?: string;
  /** Placeholder of the value (`<n>`); absent for a boolean switch. */
  value?: string;
  /** The default shown in the help (the command applies it). */
  default?: string;
  description: string;
}

export interface CommandSpec {
  name: string;
  /** A few words for the list of commands in `neuronine --help`. */
  brief: string;
  summary: string;
  /** Positional arguments, in order; `?` at the end of a name makes it optional. */
  positionals: { name: string; description: string }[];
  options: OptionSpec[];
  examples: string[];
  /** Extra paragraphs for the help. */
  notes?: string[];
}

/** Options every command takes. */
export const COMMON_OPTIONS: OptionSpec[] = [
  { name: 'help', short: 'h', description: 'show this help' },
];

export interface Parsed {
  positionals: string[];
  values: Record<string, string | boolean | undefined>;
}

/** Edit distance with transpositions (optimal string alignment), for "did you mean". */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1, cols = b.length + 1;
  const d: number[] = new Array(rows * cols);
  for (let i = 0; i < rows; i++) d[i * cols] = i;
  for (let j = 0; j < cols; j++) d[j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[(i - 1) * cols + j] + 1, d[i * cols + j - 1] + 1, d[(i - 1) * cols + j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, d[(i - 2) * cols + j - 2] + 1);
      d[i * cols + j] = best;
    }
  }
  return d[rows * cols - 1];
}

/**
 * The candidate closest to `word` when it is close enough to be a typo (case-insensitive edit
 * distance at most a third of the word's length, at least 1; or one is a prefix of the other).
 */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  const lower = word.toLowerCase();
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const distance = editDistance(lower, candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  if (best === undefined) return undefined;
  const limit = Math.max(1, Math.floor(lower.length / 3));
  if (bestDistance <= limit) return best;
  const prefix = candidates.find((c) => lower.length >= 3 && (c.toLowerCase().startsWith(lower) || lower.startsWith(c.toLowerCase())));
  return prefix;
}

/** ` (did you mean X?)`, or nothing. */
export function didYouMean(word: string, candidates: readonly string[], show: (name: string) => string = (n) => n): string {
  const match = closest(word, candidates);
  return match === undefined ? '' : `; did you mean ${show(match)}?`;
}

/** Parses `argv` (the words after the command name) against a command's option table. */
export function parseCommand(spec: CommandSpec, argv: string[]): Parsed {
  const options = [...spec.options, ...COMMON_OPTIONS];
  const config: Record<string, { type: 'string' | 'boolean'; short?: string }> = {};
  for (const option of options) config[option.name] = { type: option.value ? 'string' : 'boolean', ...(option.short ? { short: option.short } : {}) };
  const flags = options.flatMap((o) => [`--${o.name}`, ...(o.short ? [`-${o.short}`] : [])]);
  // a loose pass first, to name an unknown flag with a suggestion (strict parseArgs just rejects it)
  const loose = parseArgs({ args: argv, options: config, strict: false, allowPositionals: true, tokens: true });
  for (const token of loose.tokens ?? []) {
    if (token.kind !== 'option' || token.name in config) continue;
    const known = options.find((o) => o.short === token.name);
    if (known) continue;
    throw new UsageError(`unknown option '${token.rawName}' for '${spec.name}'${didYouMean(token.rawName, flags, (f) => `'${f}'`)} (see neuronine ${spec.name} --help)`);
  }
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: config, strict: true, allowPositionals: true });
  } catch (error) {
    const message = (error as Error).message.replace(/\.$/, '').replace(/^Option '(?:-\w, )?(-[^' ]+)(?: <value>)?' argument missing$/, "option '$1' needs a value");
    throw new UsageError(`${message.charAt(0).toLowerCase()}${message.slice(1)} (see neuronine ${spec.name} --help)`);
  }
  // a string option given twice keeps the last value (parseArgs' rule); say nothing about it
  return { positionals: parsed.positionals, values: parsed.values as Parsed['values'] };
}

/** Checks the number of positional arguments; returns them. */
export function positionals(spec: CommandSpec, parsed: Parsed): string[] {
  const required = spec.positionals.filter((p) => !p.name.endsWith('?')).length;
  const most = spec.positionals.length;
  const got = parsed.positionals;
  if (got.length < required) {
    const missing = spec.positionals[got.length].name;
    throw new UsageError(`'${spec.name}' needs ${spec.positionals.slice(0, required).map((p) => `<${p.name}>`).join(' ')}; <${missing}> is missing (see neuronine ${spec.name} --help)`);
  }
  if (got.length > most) {
    throw new UsageError(`'${spec.name}' takes ${most === 0 ? 'no arguments' : `at most ${most} argument${most === 1 ? '' : 's'}`}; got also '${got[most]}' (see neuronine ${spec.name} --help)`);
  }
  return got;
}

/** `--name <value>` read as an integer in [min, max]. */
export function integerFlag(name: string, text: string | boolean | undefined, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (typeof text !== 'string' || !/^[+-]?\d+$/.test(text.trim()) || !Number.isSafeInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `an integer ≥ ${min}` : `an integer from ${min} to ${max}`;
    throw new UsageError(`--${name} needs ${range}; got '${String(text)}'`);
  }
  return value;
}

/** `--name <value>` read as a finite number for which `ok` holds. */
export function numberFlag(name: string, text: string | boolean | undefined, fallback: number, ok: (x: number) => boolean, expected: string): number {
  if (text === undefined) return fallback;
  const value = typeof text === 'string' && text.trim() !== '' ? Number(text) : NaN;
  if (!Number.isFinite(value) || !ok(value)) throw new UsageError(`--${name} needs ${expected}; got '${String(text)}'`);
  return value;
}

/** `--name <value>` that must be one of `choices` (with a suggestion for a near miss). */
export function choiceFlag<T extends string>(name: string, text: string | boolean | undefined, fallback: T, choices: readonly T[]): T {
  if (text === undefined) return fallback;
  if (typeof text === 'string' && (choices as readonly string[]).includes(text)) return text as T;
  throw new UsageError(`--${name} must be one of ${choices.join(', ')}; got '${String(text)}'${didYouMean(String(text), choices, (c) => `'${c}'`)}`);
}

/** `--name a,b,c` as a list of non-empty names. */
export function listFlag(name: string, text: string | boolean | undefined): string[] | undefined {
  if (text === undefined) return undefined;
  const items = String(text).split(',').map((s) => s.trim());
  if (items.some((s) => s === '')) throw new UsageError(`--${name} needs a comma-separated list of column names; got '${String(text)}'`);
  return items;
}

/** The help text of one command. */
export function commandHelp(spec: CommandSpec): string {
  const args = spec.positionals.map((p) => (p.name.endsWith('?') ? `[${p.name.slice(0, -1)}]` : `<${p.name}>`)).join(' ');
  const lines = [`neuronine ${spec.name} ${args}${spec.options.length ? ' [options]' : ''}`.replace(/ +/g, ' ').trimEnd(), '', spec.summary];
  if (spec.positionals.length) {
    lines.push('', 'Arguments:');
    for (const p of spec.positionals) lines.push(`  ${p.name.replace(/\?$/, '').padEnd(22)} ${p.description}`);
  }
  lines.push('', 'Options:');
  for (const o of [...spec.options, ...COMMON_OPTIONS]) {
    const flag = `${o.short ? `-${o.short}, ` : '    '}--${o.name}${o.value ? ` ${o.value}` : ''}`;
    const text = `${o.description}${o.default !== undefined ? ` (default ${o.default})` : ''}`;
    lines.push(flag.length > 24 ? `  ${flag}\n  ${' '.repeat(24)} ${text}` : `  ${flag.padEnd(24)} ${text}`);
  }
  for (const note of spec.notes ?? []) lines.push('', note);
  lines.push('', 'Examples:');
  for (const example of spec.examples) lines.push(`  ${example}`);
  return `${lines.join('\n')}\n`;
}
