/**
 * Worker threads for one model (a chunk of its own, imported only by models with threads): each runs its own instance of the model's (already compiled)
 * kernel module on the model's shared memory and takes tasks from the job board of
 * assembly/parallel.ts until the model is disposed or garbage-collected. Node runs them with
 * `worker_threads`, browsers as module workers from a Blob URL (no file to ship or configure).
 *
 * Workers never keep a Node process alive (unref), start in the background (the main thread
 * claims every task itself until they are up, so nothing waits for them), and a task that traps
 * in a worker marks the board failed, which makes the main thread's running kernel call trap in
 * turn; `wrapKernels` turns that into an Error naming the worker's failure and the model goes on
 * with one thread.
 */
import type { KernelExports } from './abi.js';

// Board words, as in assembly/parallel.ts.
const W_CLAIM = 0;
const W_HELPED = 17;
const W_QUIT = 33;
const W_FAILED = 34;
const W_THREADS = 35;

// The worker's code, shared by both platforms: instantiate, run until told to quit; a trap marks
// the board failed (the main thread is spinning on the job and would otherwise wait for ever).
const RUN = `function run(data, report) {
  const words = new Int32Array(data.memory.buffer);
  try {
    const instance = new WebAssembly.Instance(data.module, { env: { memory: data.memory, abort() { throw new Error('a kernel assertion failed'); } } });
    instance.exports.worker_run(data.board, data.id);
  } catch (error) {
    Atomics.store(words, (data.board >>> 2) + ${W_FAILED}, 1);
    report(String((error && error.stack) || error));
  }
}`;
const NODE_SOURCE = `${RUN}
const { workerData, parentPort } = require('node:worker_threads');
run(workerData, (message) => parentPort.postMessage(message));`;
const BROWSER_SOURCE = `${RUN}
self.onmessage = (event) => { run(event.data, (message) => self.postMessage(message)); self.close(); };`;

interface NodeWorker {
  unref(): void;
  terminate(): Promise<number>;
  on(event: string, listener: (value: unknown) => void): void;
}
type NodeWorkerClass = new (source: string, options: object) => NodeWorker;

function nodeWorkers(): NodeWorkerClass | undefined {
  const proc = (globalThis as { process?: { getBuiltinModule?: (name: string) => unknown; versions?: { node?: string } } }).process;
  if (!proc?.versions?.node || typeof proc.getBuiltinModule !== 'function') return undefined;
  return (proc.getBuiltinModule('node:worker_threads') as { Worker?: NodeWorkerClass } | undefined)?.Worker;
}

/** The worker threads of one model. */
export class WorkerPool {
  /** What went wrong in a worker, once something did. */
  failure: string | undefined;
  /** Workers started and not yet exited. */
  running = 0;
  private readonly words: Int32Array;
  private readonly board: number;
  private stoppers: (() => void)[] = [];

  /** Starts `count` workers (ids 1 … count) on `memory`, with the board at byte `board`. */
  constructor(module: WebAssembly.Module, memory: WebAssembly.Memory, board: number, count: number) {
    this.words = new Int32Array(memory.buffer);
    this.board = board >>> 2;
    const fail = (message: unknown) => { this.failure ??= String(message); };
    const NodeWorker = nodeWorkers();
    if (NodeWorker) {
      for (let id = 1; id <= count; id++) {
        const worker = new NodeWorker(NODE_SOURCE, { eval: true, workerData: { module, memory, board, id } });
        this.running++;
        worker.on('message', fail);
        worker.on('error', fail);
        worker.on('exit', () => { this.running--; });
        // after the listeners: adding a 'message' listener refs the worker again
        worker.unref();
        this.stoppers.push(() => { void worker.terminate(); });
      }
      return;
    }
    const url = URL.createObjectURL(new Blob([BROWSER_SOURCE], { type: 'text/javascript' }));
    try {
      for (let id = 1; id <= count; id++) {
        const worker = new Worker(url, { type: 'module', name: `neuronine-${id}` });
        worker.onmessage = (event) => fail(event.data);
        worker.onerror = (event) => fail(event.message || 'the worker failed to start');
        worker.postMessage({ module, memory, board, id });
        this.running++;
        this.stoppers.push(() => { worker.terminate(); this.running--; });
      }
    } finally {
      // a worker keeps its script once started
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
    }
  }

  /** Tasks the workers have run so far (the main thread runs the rest). */
  get helped(): number {
    return Atomics.load(this.words, this.board + W_HELPED);
  }

  /** Whether dispose() ran. */
  get stopped(): boolean {
    return Atomics.load(this.words, this.board + W_QUIT) === 1;
  }

  /** Tells the workers to quit and stops them; the board is left with one thread. */
  dispose(): void {
    const { words, board } = this;
    Atomics.store(words, board + W_THREADS, 1);
    Atomics.store(words, board + W_QUIT, 1);
    Atomics.notify(words, board + W_CLAIM);
    for (const stop of this.stoppers) stop();
    this.stoppers = [];
  }

  /**
   * After a kernel call trapped: whether a worker's failure caused it. If so the workers are
   * stopped and the board cleared, so the model goes on with one thread.
   */
  takeFailure(): string | undefined {
    const failed = Atomics.load(this.words, this.board + W_FAILED) === 1;
    if (!failed) return undefined;
    this.dispose();
    Atomics.store(this.words, this.board + W_FAILED, 0);
    return this.failure ?? 'a worker thread stopped in the middle of a task';
  }
}

/** The driver calls that run parallel jobs: the ones whose traps may come from a worker. */
const DRIVER_CALLS = ['network_forward', 'network_backward', 'network_train_step', 'network_train_batches',
  'network_predict'] as const;

/**
 * The kernels with the driver calls wrapped so that a worker's failure surfaces as an Error
 * naming it (instead of the main thread's bare trap). `failure()` is asked after a trap: the
 * worker's message when a worker caused it (the caller then goes on with one thread), else
 * undefined and the trap is rethrown as it came.
 */
export function wrapKernels(kernels: KernelExports, failure: () => string | undefined): KernelExports {
  const wrapped = { ...kernels };
  for (const name of DRIVER_CALLS) {
    const call = kernels[name] as (...args: number[]) => number;
    (wrapped as unknown as Record<string, unknown>)[name] = (...args: number[]) => {
      try {
        return call(...args);
      } catch (error) {
        const message = failure();
        if (message === undefined) throw error;
        throw new Error(`neuronine: a worker thread failed, so the running step or prediction was abandoned (its update was not applied; the model goes on with one thread): ${message}`, { cause: error });
      }
    };
  }
  return wrapped;
}
