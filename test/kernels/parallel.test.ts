/**
 * The layer jobs of assembly/parallel.ts (par_dropout_forward, par_dropout_backward,
 * par_batchnorm_forward, par_batchnorm_inference, par_batchnorm_backward) against the kernels they
 * split (assembly/layers.ts), bit for bit, on the release and the debug build: dropout in ranges of
 * elements (each task draws the bits the whole call gives its elements), batch normalization in
 * blocks of 16 columns (each column summed down its own rows as in the whole call).
 *
 * First on a board set up for 2, 3 and 5 participants with no worker running: the calling thread
 * then claims every task itself, one after the other, so every split (tasks starting at element or
 * column 16, 32, …; a last task holding the tail) runs deterministically, and the board's task
 * count shows that the job was split. Then on a shared memory with real worker threads, until
 * the workers have taken tasks of every job.
 */
import { describe, expect, it } from 'vitest';
import { Arena, BUILDS, moduleOf, type Build } from '../helpers/wasm.js';
import { guardDamage, guarded } from '../helpers/guards.js';
import { randomArray } from '../reference.js';
import { BOARD, BOARD_BYTES } from '../../src/runtime/abi.js';
import { createMemory } from '../../src/runtime/module.js';
import { WorkerPool } from '../../src/runtime/threads.js';

const M_SIZES = [1, 2, 5, 17, 64, 65];
// blocks of 16 columns, then vectors of 4, then one: every mix, and splits into 1 … 5 tasks
const N_SIZES = [1, 3, 15, 16, 17, 31, 33, 48, 63, 65, 100, 257];
const EPSILON = Math.fround(1e-3);

/** A board of BOARD_BYTES (64-aligned, zero) set up for `threads` participants. */
function board(arena: Arena, threads: number): number {
  const at = (arena.alloc(BOARD_BYTES / 4 + 16) + 63) & ~63;
  new Uint8Array(arena.k.memory.buffer, at, BOARD_BYTES).fill(0);
  arena.k.parallel_setup(at, threads, 0, 0);
  return at;
}

/** Tasks of the last job posted on the board (0 after `clearTasks` when the call ran alone). */
const tasksWord = (at: number) => (at >>> 2) + BOARD.job + 1;

interface Buffers { [name: string]: { at: number; len: number } }

/**
 * Runs the five kernels (plain or par_) on one (m, n) problem in fresh guarded buffers with the
 * same inputs; returns every output's bits and the task count of each par_ job.
 */
function runLayers(arena: Arena, m: number, n: number, par: boolean, boardAt = 0) {
  const len = m * n;
  const k = arena.k;
  const input = (values: ArrayLike<number>) => ({ at: guarded(arena, values.length, values), len: values.length });
  const output = (count: number) => ({ at: guarded(arena, count), len: count });
  const x = input(randomArray(len, m * 131 + n, -3, 5)), dy = input(randomArray(len, m + 7 * n, -1, 1));
  const gamma = input(randomArray(n, n + 1, 0.5, 2)), beta = input(randomArray(n, n + 2, -1, 1));
  const movingMean = input(randomArray(n, n + 3, -1, 1)), movingVariance = input(randomArray(n, n + 4, 0.2, 3));
  const inPlace = input(randomArray(len, m * 17 + n, -1, 1));
  const outs: Buffers = {
    y: output(len), xhat: output(len), mean: output(n), variance: output(n), invStd: output(n),
    dx: output(len), dgamma: output(n), dbeta: output(n), dgammaAlone: output(n), dbetaAlone: output(n),
    yInference: output(len), meanInference: output(n), invStdInference: output(n),
    dropped: output(len), mask: output(len), maskInPlace: output(len), dDropped: output(len), inPlace,
  };
  const o = (name: string) => outs[name].at;
  const tasks: Record<string, number> = {};
  const calls: { name: string; args: number[] }[] = [];
  const call = (name: string, ...args: number[]) => {
    calls.push({ name, args });
    if (boardAt) new Int32Array(k.memory.buffer)[tasksWord(boardAt)] = 0;
    (k as unknown as Record<string, (...a: number[]) => void>)[par ? `par_${name}` : name](...args);
    if (boardAt) tasks[name] = Math.max(tasks[name] ?? 0, new Int32Array(k.memory.buffer)[tasksWord(boardAt)]);
  };
  call('batchnorm_forward', o('y'), o('xhat'), o('mean'), o('variance'), o('invStd'), x.at, gamma.at, beta.at, m, n, EPSILON);
  call('batchnorm_backward', o('dx'), o('dgamma'), o('dbeta'), dy.at, o('xhat'), gamma.at, o('invStd'), m, n);
  // the network's first layer: no dx
  call('batchnorm_backward', 0, o('dgammaAlone'), o('dbetaAlone'), dy.at, o('xhat'), gamma.at, o('invStd'), m, n);
  call('batchnorm_inference', o('yInference'), o('meanInference'), o('invStdInference'), x.at, gamma.at, beta.at,
    movingMean.at, movingVariance.at, m, n, EPSILON);
  call('dropout_forward', o('dropped'), o('mask'), x.at, len, 0.3, 20260102, 77);
  call('dropout_forward', inPlace.at, o('maskInPlace'), inPlace.at, len, 0.55, 5, 0xfffffff0);
  call('dropout_backward', o('dDropped'), dy.at, o('mask'), len);
  const bits: Record<string, Uint32Array> = {};
  const damage: string[] = [];
  for (const [name, { at, len: count }] of Object.entries(outs)) {
    bits[name] = new Uint32Array(k.memory.buffer, at, count).slice();
    damage.push(...guardDamage(arena, at, count, name));
  }
  return { bits, tasks, damage, calls };
}

/** Names of the outputs whose bits differ between two runs. */
function differences(a: Record<string, Uint32Array>, b: Record<string, Uint32Array>): string[] {
  return Object.keys(a).filter((name) => !Buffer.from(a[name].buffer).equals(Buffer.from(b[name].buffer)));
}

describe.each(BUILDS)('layer jobs (%s build)', (build: Build) => {
  it('give the plain kernels\' bits when split into 2 … 5 tasks, every task run by the calling thread', () => {
    const problems: string[] = [];
    const plain = new Arena(build);
    for (const threads of [2, 3, 5]) {
      const arena = new Arena(build);
      const at = board(arena, threads);
      arena.k.parallel_thresholds(1, 1); // split whatever the size
      for (const m of M_SIZES) {
        for (const n of N_SIZES) {
          const label = `${threads} threads, m ${m} n ${n}`;
          const want = runLayers(plain, m, n, false);
          const got = runLayers(arena, m, n, true, at);
          for (const name of differences(want.bits, got.bits)) problems.push(`${label}: ${name} differs`);
          problems.push(...got.damage.map((d) => `${label}: ${d}`));
          // split whenever two blocks of 16 exist: batch normalization by columns, dropout by elements
          for (const name of ['batchnorm_forward', 'batchnorm_backward', 'batchnorm_inference']) {
            if (n >= 32 && got.tasks[name] < 2) problems.push(`${label}: ${name} ran in ${got.tasks[name]} task(s)`);
          }
          for (const name of ['dropout_forward', 'dropout_backward']) {
            if (m * n >= 32 && got.tasks[name] < 2) problems.push(`${label}: ${name} ran in ${got.tasks[name]} task(s)`);
          }
          if (got.tasks.batchnorm_forward > Math.min(threads, Math.ceil(n / 16))) problems.push(`${label}: ${got.tasks.batchnorm_forward} column tasks`);
        }
      }
    }
    expect(problems.slice(0, 12)).toEqual([]);
  });

  it('run alone below the threshold (m·n < 16,384 values) and split above it, to the same bits', () => {
    const plain = new Arena(build);
    const arena = new Arena(build);
    const at = board(arena, 2);
    for (const [m, n, split] of [[63, 257, false], [1, 16383, false], [64, 257, true], [1, 16384, true], [300, 65, true]] as const) {
      const want = runLayers(plain, m, n, false);
      const got = runLayers(arena, m, n, true, at);
      expect(differences(want.bits, got.bits), `m ${m} n ${n}`).toEqual([]);
      for (const [name, tasks] of Object.entries(got.tasks)) {
        // a single-column-block batch normalization (n ≤ 31) cannot be split
        const can = split && (name.startsWith('dropout') || n >= 32);
        expect(tasks, `m ${m} n ${n} ${name}`).toBe(can ? 2 : 0);
      }
    }
  });

  it('give the same bits with worker threads taking tasks on a shared memory', async () => {
    const memory = createMemory(true);
    const arena = new Arena(build, memory);
    const plain = new Arena(build);
    const at = board(arena, 3);
    arena.k.parallel_thresholds(1, 1);
    // large enough for a worker to catch a task of every job (dropout_backward's is the shortest)
    const m = 64, n = 257;
    const want = runLayers(plain, m, n, false);
    const top = arena.alloc(0);
    arena.alloc(32 * (m * n * 12 + n * 20)); // room for the rounds below, laid out before the workers start
    arena.reset(top);
    const pool = new WorkerPool(moduleOf(build, true), memory, at, 2);
    try {
      const words = new Int32Array(memory.buffer);
      const helped = () => Atomics.load(words, (at >>> 2) + BOARD.helped);
      const k = arena.k as unknown as Record<string, (...a: number[]) => void>;
      // workers start in the background (until then the calling thread takes every task): every
      // tenth round checks the bits on fresh buffers, each round repeats every job and notes the
      // ones whose tasks workers ran
      const tookPart = new Set<string>();
      let got = runLayers(arena, m, n, true, at);
      for (let round = 1; round <= 300 && tookPart.size < 5; round++) {
        for (const { name, args } of got.calls) {
          const before = helped();
          for (let r = 0; r < 100; r++) k[`par_${name}`](...args);
          if (helped() > before) tookPart.add(name);
        }
        if (round % 10 === 0) {
          got = runLayers(arena, m, n, true, at);
          expect(differences(want.bits, got.bits), `round ${round}`).toEqual([]);
        }
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      expect([...tookPart].sort(), 'jobs whose tasks workers ran').toEqual(
        ['batchnorm_backward', 'batchnorm_forward', 'batchnorm_inference', 'dropout_backward', 'dropout_forward']);
      expect(differences(want.bits, runLayers(arena, m, n, true, at).bits)).toEqual([]);
    } finally {
      pool.dispose();
    }
  });
});
