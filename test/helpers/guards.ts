/**
 * Memory helpers for kernel tests: blocks with sentinel words on both sides (to catch writes
 * past either end) and blocks that end at the last byte of linear memory (to catch reads past
 * the end, which then trap).
 */
import type { Arena } from './wasm.js';

/** Floats of sentinel on each side of a guarded block (8 keeps 16-byte alignment). */
export const GUARD = 8;
/** A NaN with a payload no kernel produces: a reduction that reads a guard word shows it. */
export const SENTINEL = 0x7fc0dead;

/** A block of `len` floats holding `values` (if given) with sentinel words on both sides. */
export function guarded(arena: Arena, len: number, values?: ArrayLike<number>): number {
  const base = arena.alloc(len + 2 * GUARD, 0);
  new Uint32Array(arena.k.memory.buffer, base, len + 2 * GUARD).fill(SENTINEL);
  const address = base + GUARD * 4;
  if (values) arena.f32(address, len).set(values);
  return address;
}

/** Descriptions of the guard words around a guarded block that were overwritten. */
export function guardDamage(arena: Arena, address: number, len: number, what: string): string[] {
  const words = new Uint32Array(arena.k.memory.buffer, address - GUARD * 4, len + 2 * GUARD);
  const damage: string[] = [];
  for (let g = 0; g < GUARD; g++) {
    if (words[g] !== SENTINEL) damage.push(`${what}[${g - GUARD}] overwritten`);
    if (words[GUARD + len + g] !== SENTINEL) damage.push(`${what}[${len + g}] overwritten (past the end)`);
  }
  return damage;
}

/**
 * Places `values` so that they end at the last byte of linear memory: a vector load past their
 * end traps. Call after every other allocation of the arena.
 */
export function atMemoryEnd(arena: Arena, values: ArrayLike<number>): number {
  arena.k.memory.grow(1 + Math.ceil((values.length * 4) / 65536));
  const address = arena.k.memory.buffer.byteLength - values.length * 4;
  arena.f32(address, values.length).set(values);
  return address;
}
