/**
 * Every hot kernel of the release module runs on SIMD: its body, or a function it calls, holds
 * f32x4 arithmetic. Read from the text form asc writes beside the binary (build/neuronine.wat).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const wat = readFileSync(new URL('../../build/neuronine.wat', import.meta.url), 'utf8');

// function name → body text
const bodies = new Map<string, string>();
for (const chunk of wat.split(/\n (?=\(func )/)) {
  const name = /^\(func (\$[^\s()]+)/.exec(chunk)?.[1];
  if (name) bodies.set(name, chunk);
}
const exported = new Map([...wat.matchAll(/\(export "([^"]+)" \(func (\$[^\s()]+)\)\)/g)].map((m) => [m[1], m[2]]));

function usesSimd(name: string, seen = new Set<string>()): boolean {
  if (seen.has(name)) return false;
  seen.add(name);
  const body = bodies.get(name) ?? '';
  if (/\bf32x4\.(mul|add|sub|div|max)\b/.test(body)) return true;
  return [...body.matchAll(/\bcall (\$[^\s()]+)/g)].some((m) => usesSimd(m[1], seen));
}

describe('the release module', () => {
  it.each([
    'gemm_nn', 'gemm_nt', 'gemm_tn', 'activation_forward', 'activation_backward', 'softmax_forward',
    'softmax_backward', 'mse_loss', 'softmax_cross_entropy_loss', 'sigmoid_binary_cross_entropy_loss',
    'column_sums', 'all_finite', 'sgd_update', 'momentum_update', 'adam_update', 'network_train_batches',
    'network_predict',
  ])('%s uses f32x4 SIMD', (kernel) => {
    const name = exported.get(kernel);
    expect(name, `${kernel} is exported`).toBeDefined();
    expect(usesSimd(name!)).toBe(true);
  });

  it('tells scalar code apart (control: heap_base has no SIMD)', () => {
    expect(usesSimd(exported.get('heap_base')!)).toBe(false);
  });

  it('imports only its memory, shared with a 4 GiB maximum (aborts compiled out)', () => {
    expect([...wat.matchAll(/\(import [^\n]*/g)].map((m) => m[0])).toEqual(['(import "env" "memory" (memory $0 1 65536 shared))']);
  });
});
