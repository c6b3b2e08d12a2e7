/**
 * The numeric codes shared by the two sides: every row of the TypeScript tables (activations,
 * losses, optimizers, layer kinds) has the same code as the matching constant in assembly/, and
 * assembly/ has no constant of a family that no row names. Constant names are the row names in
 * UPPER_SNAKE_CASE with the family's prefix (leakyRelu → ACT_LEAKY_RELU).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ACTIVATION_TABLE } from '../../src/model/activations.js';
import { LOSS_TABLE } from '../../src/model/losses.js';
import { OPTIMIZER_TABLE } from '../../src/model/optimizers.js';
import { LAYER_TABLE } from '../../src/model/layers.js';

const source = (file: string): string => readFileSync(fileURLToPath(new URL(`../../assembly/${file}`, import.meta.url)), 'utf8');

/** `export const PREFIX_NAME: i32 = n;` constants of one family in an assembly file. */
function constants(file: string, prefix: string): Map<string, number> {
  const found = new Map<string, number>();
  for (const match of source(file).matchAll(new RegExp(`export const (${prefix}_[A-Z0-9_]+): i32 = (-?\\d+);`, 'g'))) {
    found.set(match[1], Number(match[2]));
  }
  return found;
}

const upperSnake = (name: string): string => name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();

const FAMILIES: [string, Record<string, { code: number }>, string, string][] = [
  ['activations', ACTIVATION_TABLE, 'simd.ts', 'ACT'],
  ['losses', LOSS_TABLE, 'loss.ts', 'LOSS'],
  ['optimizers', OPTIMIZER_TABLE, 'optimizer.ts', 'OPT'],
  ['layer kinds', LAYER_TABLE, 'network.ts', 'LAYER'],
];

describe.each(FAMILIES)('%s: the table and assembly/ agree', (_family, table, file, prefix) => {
  const assembly = constants(file, prefix);
  const rows = Object.entries(table);

  it('every row has its constant with the same code', () => {
    const wrong = rows.filter(([name, row]) => assembly.get(`${prefix}_${upperSnake(name)}`) !== row.code)
      .map(([name, row]) => `${name}: table ${row.code}, ${prefix}_${upperSnake(name)} = ${assembly.get(`${prefix}_${upperSnake(name)}`)}`);
    expect(wrong).toEqual([]);
  });

  it('every constant has its row, and codes are distinct', () => {
    const names = new Set(rows.map(([name]) => `${prefix}_${upperSnake(name)}`));
    expect([...assembly.keys()].filter((name) => !names.has(name))).toEqual([]);
    expect(new Set(rows.map(([, row]) => row.code)).size).toBe(rows.length);
  });
});
