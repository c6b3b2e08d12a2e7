/**
 * Worker threads for one model (a chunk of its own, imported only by models with threads): each
 * runs its own instance of the model's (already compiled) kernel module on the model's shared
 * memory and takes tasks from the job board of assembly/parallel.ts until the model is disposed
 * or garbage-collected. Node runs them with `worker_threads`, browsers as module workers from a
 * Blob URL (no file to ship or configure).
 *
 * The workers are started by a **supervisor**: one more thread, idle in its event loop, that
 * owns them and sees their 'error' and 'exit' events. The calling thread cannot: while a kernel
 * runs it spins inside wasm on the job's join and never returns to its event loop, so a worker
 * that died holding a task would hang it for good. The supervisor marks the dead worker's slot
 * and the board failed in shared memory; the spinning join sees that, waits until no live
 * worker holds a task, and traps; `wrapKernels` turns the trap into an Error naming what
 * happened. A worker whose kernel traps marks the board failed itself.
 *
 * Workers never keep a Node process alive (the supervisor is unref'd; its workers die with it)
 * and start in the background (the calling thread claims every task itself until they are up).
 */
import { BOARD, SLOT, UNSAFE_ABANDONED_JOBS, type KernelExports } from './abi.js';

// Marks worker `id` gone: its slot dead, then (unless the pool is quitting) the failure's text
// and the board failed. Shared by the workers (after a trap) and the supervisor (exit, error).
const FAIL = `function fail(words, board, id, text) {
  const b = board >>> 2;
  if (Atomics.exchange(words, b + ${BOARD.slots} + id, ${SLOT.dead}) === ${SLOT.dead}) return;
  if (Atomics.load(words, b + ${BOARD.quit})) return;
  if (Atomics.compareExchange(words, b + ${BOARD.message}, 0, -1) === 0) {
    const bytes = new TextEncoder().encode(text).subarray(0, ${(BOARD.messageWords - 1) * 4});
    new Uint8Array(words.buffer, board + ${(BOARD.message + 1) * 4}, bytes.length).set(bytes);
    Atomics.store(words, b + ${BOARD.message}, bytes.length);
  }
  Atomics.store(words, b + ${BOARD.failed}, 1);
}`;

// A worker: instantiate, run until told to quit; a trap marks the board failed (the calling
// thread is spinning on the job and would otherwise wait for ever).
const RUN = `${FAIL}
function run(data) {
  const words = new Int32Array(data.memory.buffer);
  try {
    const instance = new WebAssembly.Instance(data.module, { env: { memory: data.memory, abort() { throw new Error('a kernel assertion failed'); } } });
    instance.exports.worker_run(data.board, data.id);
  } catch (error) {
    fail(words, data.board, data.id, 'worker thread ' + data.id + ' failed: ' + String((error && error.stack) || error));
  }
}`;
const NODE_WORKER = `${RUN}
run(require('node:worker_threads').workerData);`;
const BROWSER_WORKER = `${RUN}
self.onmessage = (event) => { run(event.data); self.close(); };`;

// The supervisor: starts the workers and watches them. `kill` messages are a test hook: stop
// worker `kill` after `after` ms, as a crash would.
const NODE_SUPERVISOR = `${FAIL}
const { Worker, workerData, parentPort } = require('node:worker_threads');
const { module, memory, board, count, source } = workerData;
const words = new Int32Array(memory.buffer);
const workers = [];
for (let id = 1; id <= count; id++) {
  const worker = new Worker(source, { eval: true, workerData: { module, memory, board, id } });
  worker.on('error', (error) => fail(words, board, id, 'worker thread ' + id + ' failed: ' + String((error && error.stack) || error)));
  worker.on('exit', (code) => fail(words, board, id, 'worker thread ' + id + ' exited (code ' + code + ')'));
  workers.push(worker);
}
parentPort.on('message', (message) => {
  if (message && message.kill) setTimeout(() => { void workers[message.kill - 1].terminate(); }, message.after || 0);
});`;
// (browsers: nested dedicated workers, in Chromium, Firefox and Safari 15.5+)
const BROWSER_SUPERVISOR = `${FAIL}
const workers = [];
let words, board;
self.onmessage = (event) => {
  const data = event.data;
  if (data.kill) {
    setTimeout(() => { workers[data.kill - 1].terminate(); fail(words, board, data.kill, 'worker thread ' + data.kill + ' was terminated'); }, data.after || 0);
    return;
  }
  words = new Int32Array(data.memory.buffer);
  board = data.board;
  const url = URL.createObjectURL(new Blob([data.source], { type: 'text/javascript' }));
  for (let id = 1; id <= data.count; id++) {
    const worker = new Worker(url, { type: 'module', name: 'neuronine-' + id });
    worker.onerror = (error) => fail(words, board, id, 'worker thread ' + id + ' failed: ' + (error.message || 'it did not start'));
    worker.postMessage({ module: data.module, memory: data.memory, board: data.board, id });
    workers.push(worker);
  }
};`;

interface NodeWorker {
  unref(): void;
  terminate(): Promise<number>;
  postMessage(message: unknown): void;
  on(event: string, listener: (value: unknown) => void): void;
}
type NodeWorkerClass = new (source: string, options: object) => NodeWorker;

function nodeWorkers(): NodeWorkerClass | undefined {
  const proc = (globalThis as { process?: { getBuiltinModule?: (name: string) => unknown; versions?: { node?: string } } }).process;
  if (!proc?.versions?.node || typeof proc.getBuiltinModule !== 'function') return undefined;
  return (proc.getBuiltinModule('node:worker_threads') as { Worker?: NodeWorkerClass } | undefined)?.Worker;
}

/** What `takeFailure` reports: the failure's text, and whether the model's own state was half-written. */
export interface WorkerFailure {
  message: string;
  /** The optimizer update (or live workers that did not come to rest) was cut short: the parameters are half-updated. */
  unsafe: boolean;
}

/** The worker threads of one model. */
export class WorkerPool {
  /** What went wrong, when the supervisor itself failed (it reports after the event loop turns). */
  failure: string | undefined;
  private readonly words: Int32Array;
  private readonly board: number;
  private readonly count: number;
  private supervising = true;
  private stopper: (() => void) | undefined;
  private post: (message: unknown) => void;

  /** Starts `count` workers (ids 1 … count) on `memory`, with the board at byte `board`. */
  constructor(module: WebAssembly.Module, memory: WebAssembly.Memory, board: number, count: number) {
    this.words = new Int32Array(memory.buffer);
    this.board = board >>> 2;
    this.count = count;
    const gone = (message: unknown) => {
      if (!this.supervising) return;
      this.supervising = false;
      if (this.stopped) return;
      // its workers die with it
      this.failure ??= `the worker threads' supervisor stopped (${String(message)})`;
      for (let id = 1; id <= count; id++) Atomics.store(this.words, this.board + BOARD.slots + id, SLOT.dead);
      Atomics.store(this.words, this.board + BOARD.failed, 1);
    };
    const NodeWorker = nodeWorkers();
    if (NodeWorker) {
      const supervisor = new NodeWorker(NODE_SUPERVISOR, { eval: true, workerData: { module, memory, board, count, source: NODE_WORKER } });
      supervisor.on('error', (error) => gone(error));
      supervisor.on('exit', (code) => gone(`exit code ${String(code)}`));
      // after the listeners: adding a 'message' listener refs the worker again
      supervisor.unref();
      this.post = (message) => supervisor.postMessage(message);
      this.stopper = () => { void supervisor.terminate(); };
      return;
    }
    const url = URL.createObjectURL(new Blob([BROWSER_SUPERVISOR], { type: 'text/javascript' }));
    const supervisor = new Worker(url, { type: 'module', name: 'neuronine-supervisor' });
    supervisor.onerror = (event) => gone(event.message || 'it did not start');
    supervisor.postMessage({ module, memory, board, count, source: BROWSER_WORKER });
    this.post = (message) => supervisor.postMessage(message);
    this.stopper = () => { supervisor.terminate(); this.supervising = false; };
    // a worker keeps its script once started
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
  }

  /** Workers started and not yet gone. */
  get running(): number {
    if (!this.supervising) return 0;
    let live = 0;
    for (let id = 1; id <= this.count; id++) if (Atomics.load(this.words, this.board + BOARD.slots + id) !== SLOT.dead) live++;
    return live;
  }

  /** Tasks the workers have run so far (the calling thread runs the rest). */
  get helped(): number {
    return Atomics.load(this.words, this.board + BOARD.helped);
  }

  /** Whether dispose() ran. */
  get stopped(): boolean {
    return Atomics.load(this.words, this.board + BOARD.quit) === 1;
  }

  /** Test hook: stops worker `id` after `ms` milliseconds without telling it, as a crash would. */
  kill(id: number, ms = 0): void {
    this.post({ kill: id, after: ms });
  }

  /** Tells the workers to quit and stops them; the board is left with one thread. */
  dispose(): void {
    const { words, board } = this;
    Atomics.store(words, board + BOARD.threads, 1);
    Atomics.store(words, board + BOARD.quit, 1);
    // sleeping workers wait on the wake word (assembly/parallel.ts, worker_run)
    Atomics.add(words, board + BOARD.wake, 1);
    Atomics.notify(words, board + BOARD.wake);
    this.stopper?.();
    this.stopper = undefined;
  }

  /**
   * After a kernel call trapped: whether a worker's failure caused it, and what it was. If so the
   * workers are stopped and the board cleared, so the model can go on with one thread.
   */
  takeFailure(): WorkerFailure | undefined {
    const { words, board } = this;
    if (Atomics.load(words, board + BOARD.failed) !== 1) return undefined;
    const length = Atomics.load(words, board + BOARD.message);
    const text = length > 0
      ? new TextDecoder().decode(new Uint8Array(words.buffer, (board + BOARD.message + 1) * 4, length).slice())
      : undefined;
    const unsafe = UNSAFE_ABANDONED_JOBS.includes(Atomics.load(words, board + BOARD.abandoned));
    this.dispose();
    Atomics.store(words, board + BOARD.failed, 0);
    return { message: text ?? this.failure ?? 'a worker thread stopped in the middle of a task', unsafe };
  }
}

/** The driver calls that run parallel jobs: the ones whose traps may come from a worker. */
const DRIVER_CALLS = ['network_forward', 'network_backward', 'network_train_step', 'network_train_batches',
  'network_predict', 'network_predict_open', 'par_predict_finish', 'network_update', 'network_loss', 'network_score',
  'par_all_finite'] as const;

/**
 * The kernels with the driver calls wrapped so that a worker's failure surfaces as an Error
 * naming it (instead of the calling thread's bare trap). `failure()` is asked after a trap: the
 * failure when a worker caused it, else undefined and the trap is rethrown as it came.
 */
export function wrapKernels(kernels: KernelExports, failure: () => WorkerFailure | undefined): KernelExports {
  const wrapped = { ...kernels };
  for (const name of DRIVER_CALLS) {
    const call = kernels[name] as (...args: number[]) => number;
    (wrapped as unknown as Record<string, unknown>)[name] = (...args: number[]) => {
      try {
        return call(...args);
      } catch (error) {
        const found = failure();
        if (found === undefined) throw error;
        throw new Error(found.unsafe
          ? `neuronine: a worker thread failed during the optimizer update, so the parameters are half-updated and the model refuses further calls (create or load it again): ${found.message}`
          : `neuronine: a worker thread failed, so the running step or prediction was abandoned (its update was not applied; the model goes on with one thread): ${found.message}`, { cause: error });
      }
    };
  }
  return wrapped;
}
