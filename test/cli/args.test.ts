/**
 * The CLI's argument helpers in process (the bin itself is tested in cli.test.ts): the
 * "did you mean" matcher, option parsing against a command's table, flag value checks, and the
 * rewriting of the data layer's option advice into flags.
 */
import { describe, expect, it } from 'vitest';
import { closest, editDistance, integerFlag, numberFlag, parseCommand, UsageError, type CommandSpec } from '../../src/cli/args.js';
import { asFlags, parseLayers } from '../../src/cli/train.js';

const SPEC: CommandSpec = {
  name: 'demo', brief: 'demo', summary: 'demo', positionals: [{ name: 'file', description: 'a file' }],
  options: [{ name: 'epochs', short: 'e', value: '<n>', description: 'epochs' }, { name: 'json', description: 'json' }],
  examples: ['neuronine demo x'],
};

describe('cli arguments', () => {
  it('edit distance counts a transposition as one edit', () => {
    expect(editDistance('', '')).toBe(0);
    expect(editDistance('train', 'trian')).toBe(1);
    expect(editDistance('epochs', 'epoch')).toBe(1);
    expect(editDistance('abc', 'xyz')).toBe(3);
    expect(editDistance('species', 'specis')).toBe(1);
  });

  it('suggests the closest name only when it is near', () => {
    expect(closest('trian', ['train', 'evaluate', 'predict'])).toBe('train');
    expect(closest('--epoch', ['--epochs', '--lr'])).toBe('--epochs');
    expect(closest('SPECIES', ['species', 'petal_width'])).toBe('species');
    expect(closest('banana', ['train', 'evaluate', 'predict'])).toBeUndefined();
    expect(closest('x', [])).toBeUndefined();
    expect(closest('eval', ['train', 'evaluate'])).toBe('evaluate');
  });

  it('parses a command line against the option table; unknown flags are usage errors with a suggestion', () => {
    expect(parseCommand(SPEC, ['data.csv', '-e', '3', '--json'])).toEqual({ positionals: ['data.csv'], values: { epochs: '3', json: true } });
    expect(parseCommand(SPEC, ['--epochs=7', '--', '--not-a-flag']).positionals).toEqual(['--not-a-flag']);
    expect(() => parseCommand(SPEC, ['--epoch', '3'])).toThrow(new UsageError("unknown option '--epoch' for 'demo'; did you mean '--epochs'? (see neuronine demo --help)"));
    expect(() => parseCommand(SPEC, ['--zzz'])).toThrow(/^unknown option '--zzz' for 'demo' \(see/);
    expect(() => parseCommand(SPEC, ['-e'])).toThrow(/^option '--epochs' needs a value \(see neuronine demo --help\)$/);
  });

  it('checks flag values', () => {
    expect(integerFlag('epochs', undefined, 50, 1)).toBe(50);
    expect(integerFlag('epochs', '12', 50, 1)).toBe(12);
    for (const bad of ['0', '-3', '1.5', 'ten', '', '1e3']) expect(() => integerFlag('epochs', bad, 50, 1)).toThrow(UsageError);
    expect(numberFlag('lr', '0.01', 1, (x) => x > 0, 'a number > 0')).toBe(0.01);
    for (const bad of ['0', 'NaN', 'Infinity', '', 'abc']) expect(() => numberFlag('lr', bad, 1, (x) => x > 0, 'a number > 0')).toThrow(UsageError);
    expect(parseLayers('64, 32,1')).toEqual([64, 32, 1]);
    expect(parseLayers('')).toEqual([]);
    expect(parseLayers(undefined)).toEqual([64, 32]);
    for (const bad of ['a,b', '64,', '0', '3.5', '-4']) expect(() => parseLayers(bad)).toThrow(UsageError);
  });

  it("says the data layer's option advice as flags", () => {
    expect(asFlags('leave it out with options.ignore: ["customer_id"], or keep it with options.categorical: ["customer_id"]'))
      .toBe('leave it out with --ignore customer_id, or keep it with --categorical customer_id');
    expect(asFlags("use options.missing: 'drop' or 'mean', or fix the cell")).toBe('use --missing drop or --missing mean, or fix the cell');
    expect(asFlags('or raise options.maxCategories')).toBe('or raise --max-categories');
    expect(asFlags("set options.task: 'regression')")).toBe('set --task regression)');
    expect(asFlags("Scale the inputs (standardise them, e.g. trainTestSplit(data, { scale: 'standard' })) or lower the learning rate (now 50)."))
      .toBe('Scale the inputs (standardise them, --scale standard) or lower --lr (now 50).');
    expect(asFlags('nothing to change')).toBe('nothing to change');
  });
});
