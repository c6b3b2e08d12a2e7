/**
 * `npm start` (src/cli/digits.ts through tsx): trains the bundled digits with the CLI's progress
 * display — one line per epoch here, stdout being a pipe — and prints the held-out accuracy;
 * unknown or misspelt options are usage errors (exit 2) instead of being ignored.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { root } from '../package/stage.js';

const start = (args: string[]) => spawnSync(process.execPath, [join(root, 'node_modules/tsx/dist/cli.mjs'), join(root, 'src/cli/digits.ts'), ...args],
  { cwd: root, encoding: 'utf8', timeout: 120_000 });

describe('npm start', () => {
  it('trains the bundled digits with a line per epoch and reports held-out accuracy', () => {
    const result = start(['--epochs', '4', '--seed', '3']);
    expect(result.status, result.stderr).toBe(0);
    const lines = result.stdout.split('\n');
    expect(lines[0]).toBe('digits: 898 training and 899 held-out images of 64 pixels');
    expect(lines.filter((l) => /^epoch [1-4]\/4  loss [\d.]+  accuracy [\d.]+  val loss [\d.]+  val accuracy [\d.]+  [\d,]+ samples\/s$/.test(l))).toHaveLength(4);
    const accuracy = Number(/held-out accuracy: ([\d.]+) % \(loss [\d.]+\) on 899 images/.exec(result.stdout)?.[1]);
    expect(accuracy).toBeGreaterThan(85);
  });

  it('refuses a misspelt option with a suggestion (exit 2)', () => {
    const result = start(['--hiden', '8']);
    expect(result.status).toBe(2);
    expect(result.stderr.trim()).toBe("npm start: unknown option '--hiden' for 'start'; did you mean '--hidden'? (see npm start -- --help)");
    expect(result.stdout).toBe('');
  });
});
