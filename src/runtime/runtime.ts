/**
 * What a model runs on: the kernel build (portable or relaxed SIMD), the thread count, and the
 * instance with its memory — shared with worker threads when there is more than one. Decides
 * what `'auto'` means on this engine and says why a model got fewer threads than it asked for.
 */
import type { KernelExports } from './abi.js';
import { compiledModule, createMemory, instantiateModule, kernelModule, relaxedSimdAvailable,
  sharedMemoryUnavailable, type KernelBuild } from './module.js';
import type { WorkerFailure, WorkerPool } from './threads.js';

/** At most this many threads per model (the board's limit in assembly/parallel.ts). */
export const MAX_THREADS = 64;

type Builtins = { getBuiltinModule?: (name: string) => unknown; versions?: { node?: string } };
const nodeProcess = (): Builtins | undefined => (globalThis as { process?: Builtins }).process;

/** Why this platform cannot start worker threads, or undefined when it can. */
export function workersUnavailable(): string | undefined {
  const proc = nodeProcess();
  if (proc?.versions?.node && typeof proc.getBuiltinModule === 'function') {
    return (proc.getBuiltinModule('node:worker_threads') as { Worker?: unknown } | undefined)?.Worker
      ? undefined : 'node:worker_threads is unavailable';
  }
  const g = globalThis as { Worker?: unknown; Blob?: unknown; URL?: { createObjectURL?: unknown } };
  if (typeof g.Worker === 'function' && typeof g.Blob === 'function' && typeof g.URL?.createObjectURL === 'function') return undefined;
  return 'this platform has no worker threads (node:worker_threads or Worker)';
}

/** Cores the platform reports (1 when it does not say), at most MAX_THREADS. */
export function cores(): number {
  const proc = nodeProcess();
  const os = typeof proc?.getBuiltinModule === 'function'
    ? proc.getBuiltinModule('node:os') as { availableParallelism?: () => number; cpus?: () => unknown[] } | undefined : undefined;
  const count = os?.availableParallelism?.() ?? os?.cpus?.().length
    ?? (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? 1;
  return Math.max(1, Math.min(MAX_THREADS, Math.floor(count) || 1));
}

/**
 * A network whose largest layer has fewer multiply-adds per row than this gains nothing from
 * threads (its GEMMs are below the hand-off cost at usual batch sizes): `'auto'` gives it one.
 */
export const AUTO_THREADS_MIN_MACS = 16384;

export interface ModelRuntime {
  kernels: KernelExports;
  build: KernelBuild;
  threads: number;
  /** Why the model runs on fewer threads than asked, if it does. */
  note: string | undefined;
  /** Starts the workers on the board at `board` (threads > 1 only). */
  startWorkers(board: number): WorkerPool;
  /** The kernels with a worker's failure turned into an Error (threads > 1 only; see threads.ts). */
  wrap(kernels: KernelExports, failure: () => WorkerFailure | undefined): KernelExports;
}

/** The kernel build for a spec's `kernels`. */
export function chooseBuild(kernels: 'portable' | 'relaxed' | 'auto'): KernelBuild {
  return kernels === 'auto' ? (relaxedSimdAvailable() ? 'relaxed' : 'portable') : kernels;
}

/** The thread count for a spec's `threads` and layers, and why it is lower than asked, if it is. */
export function chooseThreads(threads: number | 'auto', layers: readonly { inputs: number; units: number }[]): { threads: number; note?: string } {
  let want = threads;
  if (want === 'auto') {
    const largest = Math.max(...layers.map((l) => l.inputs * l.units));
    if (largest < AUTO_THREADS_MIN_MACS) return { threads: 1 };
    want = cores();
  }
  if (want === 1) return { threads: 1 };
  const missing = sharedMemoryUnavailable() ?? workersUnavailable();
  if (missing) return { threads: 1, note: `running on 1 thread instead of ${want}: ${missing}` };
  return { threads: want };
}

const warned = new Set<string>();

/** Compiles (once) and instantiates the kernels for a model. */
export async function createRuntime(spec: { threads: number | 'auto'; kernels: 'portable' | 'relaxed' | 'auto';
  layers: readonly { inputs: number; units: number }[] }): Promise<ModelRuntime> {
  const build = chooseBuild(spec.kernels);
  const { threads, note } = chooseThreads(spec.threads, spec.layers);
  if (note && typeof spec.threads === 'number' && !warned.has(note)) {
    // asked for threads by number and cannot have them: say so once per process
    warned.add(note);
    console.warn(`neuronine: ${note}`);
  }
  const shared = threads > 1;
  const module = compiledModule(build, shared) ?? await kernelModule(build, shared);
  const memory = createMemory(shared);
  const pool = shared ? await import('./threads.js') : undefined;
  return {
    kernels: instantiateModule(module, memory),
    build,
    threads,
    note,
    startWorkers: (board) => new pool!.WorkerPool(module, memory, board, threads - 1),
    wrap: (kernels, failure) => pool!.wrapKernels(kernels, failure),
  };
}
