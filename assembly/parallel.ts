// Parallel jobs over one shared memory: the main instance splits a GEMM or an element-wise
// kernel into tasks, posts the job on a board in memory, and works on it with the worker
// instances (src/runtime/threads.ts starts them; each runs worker_run) until every task is done.
//
// Splits never change a bit: a GEMM is cut into blocks of whole rows or whole columns of its
// result (gemm_block computes each element the same way whatever block it is in), column sums
// into blocks of whole columns, element-wise kernels (dropout's too: its mask bit hashes the
// element's index) into ranges, softmax into rows, batch normalization into blocks of columns.
// Nothing is ever summed across tasks, so the result does not depend on the thread count or on
// which thread takes which task; tasks are claimed dynamically, so a thread that is slow to start
// or descheduled only costs time.
//
// Board layout (32-bit words from `board`; hot words on their own 64-byte lines):
//   W_CLAIM    (gen << 16) | next task; a job is open while next < tasks. Workers claim by
//              compare-and-swap, so a claim made against an old job fails instead of taking a
//              task of the next one. Closed (next = CLOSED) between jobs.
//   W_READY    tasks below this may be claimed: all of them, except while a prediction's input is
//              still being copied in (par_predict_open … parallel_ready … par_predict_finish)
//   W_WAKE     bumped whenever there may be new work (a job opened, more of it ready, quit): a
//              sleeping worker waits on it, so no wake-up between its last look and its sleep is lost
//   W_DONE     tasks finished in the current job; W_HELPED: tasks workers ran, ever
//   W_SLEEPERS workers blocked in memory.atomic.wait on W_WAKE (notified only when there are some)
//   W_QUIT     1 tells workers to return from worker_run
//   W_FAILED   1 when a worker trapped or died (src/runtime/threads.ts sets it: the worker's own
//              catch after a trap, the pool's supervisor thread when a worker exits or errs)
//   W_ABANDONED the kind of the job the calling thread gave up when it saw W_FAILED (0: it saw
//              it before posting a job); JOB_STRAGGLERS when live workers did not come to rest
//   W_THREADS, W_SCRATCH, W_STRIDE: participants (main + workers), per-participant GEMM scratch
//   W_JOB …    the job: kind, tasks, then its arguments
//   W_SLOTS …  one word per worker id: SLOT_IDLE, SLOT_BUSY while it holds a task, SLOT_DEAD once
//              it is gone (set before W_FAILED). After a failure the calling thread waits until
//              no live worker holds a task, so nothing writes the model's memory behind its back.
//   W_MESSAGE  (src/runtime/threads.ts) the failure's text, UTF-8, for the Error
// The main instance keeps the board address in a global (globals are per instance: workers get
// theirs as worker_run's argument).

import { gemm_block, GEMM_TN } from './gemm';
import { activation_forward, activation_backward, softmax_forward, softmax_backward } from './activation';
import { column_sums, column_sums_strided, gradient_summary, all_finite, max_abs } from './reduce';
import { optimizer_update } from './optimizer';
import { network_forward_rows } from './network';
import { dropout_forward, dropout_forward_block, dropout_backward, batchnorm_forward, batchnorm_forward_block,
  batchnorm_inference, batchnorm_inference_block, batchnorm_backward, batchnorm_backward_block } from './layers';

const W_CLAIM = 0;
const W_READY = 1;
const W_WAKE = 2;
const W_DONE = 16;
const W_HELPED = 17;     // tasks run by workers since the board was set up (tests read it)
const W_NOT_FINITE = 18; // JOB_PREDICT with the input check: 1 once a task found a value that is not finite
const W_SLEEPERS = 32;
const W_QUIT = 33;
const W_FAILED = 34;
const W_THREADS = 35;
const W_SCRATCH = 36;
const W_STRIDE = 37;
const W_ABANDONED = 38;
const W_JOB = 48;
export const MAX_THREADS: i32 = 64;
const W_SLOTS = W_JOB + 32;   // the job takes up to 32 words
const W_PARTIALS = W_SLOTS + MAX_THREADS;   // JOB_SUMMARY: per block max |g| and Σg² (f64 each)
const SUMMARY_BLOCKS = 128;
const W_MESSAGE = W_PARTIALS + SUMMARY_BLOCKS * 4;
const MESSAGE_WORDS = 64;
const MAX_TASKS = 128;
// Bytes of the board (src/runtime/abi.ts and src/runtime/threads.ts repeat the layout).
export const BOARD_BYTES: i32 = (W_MESSAGE + MESSAGE_WORDS) * 4;

const SLOT_IDLE = 0;
const SLOT_BUSY = 1;
const SLOT_DEAD = 2;
// W_ABANDONED when workers still held tasks long after a failure (see settle)
const JOB_STRAGGLERS = 99;
// Loads a settling calling thread makes before it gives up on the live workers (about a second).
const SETTLE_LIMIT = 1 << 28;
const CLOSED = 0xffff;

const JOB_GEMM = 1;
const JOB_COLUMN_SUMS = 2;
const JOB_ACTIVATION_BACKWARD = 3;
const JOB_SOFTMAX_FORWARD = 4;
const JOB_SOFTMAX_BACKWARD = 5;
const JOB_ACTIVATION_FORWARD = 7;
const JOB_UPDATE = 8;          // src/runtime/abi.ts: its abandonment leaves the parameters half-updated
const JOB_SUMMARY = 9;
const JOB_GATHER = 10;
const JOB_FINITE = 11;
const JOB_PREDICT = 12;
const JOB_DROPOUT_FORWARD = 13;
const JOB_DROPOUT_BACKWARD = 14;
const JOB_BATCHNORM_FORWARD = 15;
const JOB_BATCHNORM_INFERENCE = 16;
const JOB_BATCHNORM_BACKWARD = 17;

// Job words (offsets from W_JOB).
const J_KIND = 0;
const J_TASKS = 1;
const J_FORM = 2;
const J_OUT = 3;
const J_A = 4;
const J_B = 5;
const J_BIAS = 6;
const J_M = 7;
const J_K = 8;
const J_N = 9;
const J_ACTIVATION = 10;
const J_ALPHA = 11;      // f32
const J_ACCUMULATE = 12;
const J_SPLIT_ROWS = 13; // GEMM: 1 = tasks take rows of out, 0 = columns
const J_CHUNK = 14;      // rows, columns or elements per task
// JOB_UPDATE: the optimizer_update arguments (J_OUT param, J_A grad, J_B s1, J_N len, J_ACTIVATION kind)
const J_S2 = 15;
const J_S3 = 16;
const J_LR = 17;         // f32 from here to J_CLIP
const J_BETA1 = 18;
const J_BETA2 = 19;
const J_EPSILON = 20;
const J_DECAY = 21;
const J_MOMENTUM = 22;
const J_C1 = 23;
const J_C2 = 24;
const J_C3 = 25;
const J_SCALE = 26;
const J_CLIP = 27;
const J_NESTEROV = 28;
// JOB_SUMMARY: J_A grad, J_N len, J_CHUNK blocks per task, J_K floats per block, J_ACCUMULATE 1 for Σg²;
// partials on the board
// JOB_FINITE: J_A inp, J_N len; task t's answer in partial word t
// JOB_GATHER: J_OUT dst, J_A src, J_B row indices (i32), J_M rows, J_N floats per row
// JOB_PREDICT: J_OUT out, J_A x, J_B plan, J_M rows, J_K inputs, J_N outputs, J_CHUNK rows per task,
// J_ACCUMULATE 1 to check that the input is finite (W_NOT_FINITE)
// JOB_DROPOUT_*, JOB_BATCHNORM_*: the kernel's arguments in its order, one word each from J_ARGS
const J_ARGS = 2;

// A GEMM below this many multiply-adds, or an element-wise job below PAR_MIN_ELEMENTS, runs on
// the calling thread alone. On idle cores a hand-off costs about a microsecond and splitting such a
// job (≈ 5 µs of work) gains about as much as its join costs; with other processes on the cores
// every join risks waiting for a descheduled thread, so fewer joins win: 784-128-10 b64 on two
// threads trained 1.12× faster with these thresholds than with half of each (2^16 and 2^13),
// paired in one process at load ~5 (parallel_thresholds).
const PAR_MIN_MACS: i32 = 1 << 17;
const PAR_MIN_ELEMENTS: i32 = 1 << 14;
// The thresholds in use (parallel_thresholds changes them, for measuring; the calling thread's
// instance alone reads them). They decide only where work runs, never its bits.
let minMacs: i64 = PAR_MIN_MACS;
let minElements: i32 = PAR_MIN_ELEMENTS;
// The gradient check's smallest block: a constant, since the blocks fix the order of Σg².
const SUMMARY_MIN_BLOCK: i32 = 1 << 13;
// Spins (each an atomic load) before a waiting worker sleeps: about 50–100 µs, longer than the
// gaps between the jobs of a training step, much shorter than the gaps between runs of steps.
const SPIN_LIMIT = 1 << 15;

// @ts-ignore: decorator
@inline function addr(b: usize, word: i32): usize {
  return <usize>load<u32>(b + (<usize>word << 2));
}

// Sets the smallest GEMM (multiply-adds) and element-wise job (values) that is split across
// threads; 0 keeps a default (131,072 and 16,384). For benchmarks: any thresholds give the same bits.
export function parallel_thresholds(macs: i32, elements: i32): void {
  minMacs = macs > 0 ? <i64>macs : <i64>PAR_MIN_MACS;
  minElements = elements > 0 ? elements : PAR_MIN_ELEMENTS;
}

// The main instance's board (0 until parallel_setup).
let board: usize = 0;

// @ts-ignore: decorator
@inline function at(b: usize, word: i32): usize {
  return b + (<usize>word << 2);
}

// Sets up the board at `address` (BOARD_BYTES, zero-filled, 64-aligned) for `threads`
// participants, each with `stride` bytes of GEMM scratch from `scratch` (participant 0 is the
// main thread). Called by the main instance; with threads = 1 no worker is ever involved.
export function parallel_setup(address: usize, threads: i32, scratch: usize, stride: i32): void {
  board = address;
  atomic.store<i32>(at(board, W_CLAIM), CLOSED);
  store<i32>(at(board, W_THREADS), threads);
  store<i32>(at(board, W_SCRATCH), <i32>scratch);
  store<i32>(at(board, W_STRIDE), stride);
}

// The board's address (0 before parallel_setup): src/runtime/threads.ts hands it to workers.
export function parallel_board(): usize {
  return board;
}

// Participant `id`'s GEMM scratch; `fallback` (the caller's) when no board is set up.
// @ts-ignore: decorator
@inline function scratch_of(b: usize, id: i32, fallback: usize): usize {
  if (!b) return fallback;
  return <usize>addr(b, W_SCRATCH) + <usize>id * <usize>addr(b, W_STRIDE);
}

// Argument `index` of a layer job (J_ARGS), as an address or a 32-bit value.
// @ts-ignore: decorator
@inline function arg(j: usize, index: i32): usize {
  return <usize>load<u32>(at(j, J_ARGS + index));
}
// @ts-ignore: decorator
@inline function put(j: usize, index: i32, value: u32): void {
  store<u32>(at(j, J_ARGS + index), value);
}

function threads(): i32 {
  return board ? load<i32>(at(board, W_THREADS)) : 1;
}

// ---------------------------------------------------------------------------------------------
// Tasks

function run_task(b: usize, task: i32, id: i32): void {
  const j = at(b, W_JOB);
  const kind = load<i32>(at(j, J_KIND));
  const chunk = load<i32>(at(j, J_CHUNK));
  const lo = task * chunk;
  if (kind == JOB_GEMM) {
    const m = load<i32>(at(j, J_M)), n = load<i32>(at(j, J_N));
    const rows = load<i32>(at(j, J_SPLIT_ROWS));
    const i0 = rows ? lo : 0, i1 = rows ? min<i32>(m, lo + chunk) : m;
    const j0 = rows ? 0 : lo, j1 = rows ? n : min<i32>(n, lo + chunk);
    gemm_block(load<i32>(at(j, J_FORM)), addr(j, J_OUT), addr(j, J_A), addr(j, J_B),
      addr(j, J_BIAS), m, load<i32>(at(j, J_K)), n, i0, i1, j0, j1, load<i32>(at(j, J_ACTIVATION)),
      load<f32>(at(j, J_ALPHA)), load<i32>(at(j, J_ACCUMULATE)), scratch_of(b, id, 0));
  } else if (kind == JOB_COLUMN_SUMS) {
    // columns lo … of out (n) = column sums of inp (m, n)
    const n = load<i32>(at(j, J_N));
    const off = <usize>lo << 2;
    column_sums_strided(addr(j, J_OUT) + off, addr(j, J_A) + off, load<i32>(at(j, J_M)),
      min<i32>(chunk, n - lo), n, load<i32>(at(j, J_ACCUMULATE)));
  } else if (kind == JOB_ACTIVATION_BACKWARD) {
    const len = load<i32>(at(j, J_N));
    const off = <usize>lo << 2;
    activation_backward(addr(j, J_OUT) + off, addr(j, J_A) + off, addr(j, J_B) + off,
      min<i32>(chunk, len - lo), load<i32>(at(j, J_ACTIVATION)), load<f32>(at(j, J_ALPHA)));
  } else if (kind == JOB_ACTIVATION_FORWARD) {
    const len = load<i32>(at(j, J_N));
    const off = <usize>lo << 2;
    activation_forward(addr(j, J_OUT) + off, addr(j, J_A) + off, min<i32>(chunk, len - lo),
      load<i32>(at(j, J_ACTIVATION)), load<f32>(at(j, J_ALPHA)));
  } else if (kind == JOB_SOFTMAX_FORWARD || kind == JOB_SOFTMAX_BACKWARD) {
    // rows lo … of (m, n)
    const m = load<i32>(at(j, J_M)), n = load<i32>(at(j, J_N));
    const off = <usize>lo * (<usize>n << 2);
    const rows = min<i32>(chunk, m - lo);
    if (kind == JOB_SOFTMAX_FORWARD) softmax_forward(addr(j, J_OUT) + off, addr(j, J_A) + off, rows, n);
    else softmax_backward(addr(j, J_OUT) + off, addr(j, J_A) + off, addr(j, J_B) + off, rows, n);
  } else if (kind == JOB_UPDATE) {
    const len = load<i32>(at(j, J_N));
    const off = <usize>lo << 2;
    const s1 = addr(j, J_B), s2 = addr(j, J_S2), s3 = addr(j, J_S3);
    optimizer_update(load<i32>(at(j, J_ACTIVATION)), addr(j, J_OUT) + off, addr(j, J_A) + off,
      s1 ? s1 + off : 0, s2 ? s2 + off : 0, s3 ? s3 + off : 0, min<i32>(chunk, len - lo),
      load<f32>(at(j, J_LR)), load<f32>(at(j, J_BETA1)), load<f32>(at(j, J_BETA2)), load<f32>(at(j, J_EPSILON)),
      load<f32>(at(j, J_DECAY)), load<i32>(at(j, J_NESTEROV)), load<f32>(at(j, J_MOMENTUM)), load<f32>(at(j, J_C1)),
      load<f32>(at(j, J_C2)), load<f32>(at(j, J_C3)), load<f32>(at(j, J_SCALE)), load<f32>(at(j, J_CLIP)));
  } else if (kind == JOB_SUMMARY) {
    // blocks lo … of the gradient, each summarised alone into its partial
    const len = load<i32>(at(j, J_N)), block = load<i32>(at(j, J_K));
    const blocks = (len + block - 1) / block;
    const squares = load<i32>(at(j, J_ACCUMULATE));
    for (let blk = lo; blk < min<i32>(blocks, lo + chunk); blk++) {
      const first = blk * block;
      summary_of(at(b, W_PARTIALS + blk * 4), addr(j, J_A) + (<usize>first << 2), min<i32>(block, len - first), squares);
    }
  } else if (kind == JOB_FINITE) {
    const len = load<i32>(at(j, J_N));
    store<i32>(at(b, W_PARTIALS + task), all_finite(addr(j, J_A) + (<usize>lo << 2), min<i32>(chunk, len - lo)));
  } else if (kind == JOB_GATHER) {
    // rows lo … of dst = the src rows the indices name
    const rows = load<i32>(at(j, J_M)), rowBytes = <usize>load<i32>(at(j, J_N)) << 2;
    const dst = addr(j, J_OUT), src = addr(j, J_A), picked = addr(j, J_B);
    for (let r = lo; r < min<i32>(rows, lo + chunk); r++) {
      memory.copy(dst + <usize>r * rowBytes, src + <usize>load<i32>(picked + (<usize>r << 2)) * rowBytes, rowBytes);
    }
  } else if (kind == JOB_PREDICT) {
    if (!predict_block(addr(j, J_B), addr(j, J_A), addr(j, J_OUT), lo, min<i32>(chunk, load<i32>(at(j, J_M)) - lo),
      load<i32>(at(j, J_K)), load<i32>(at(j, J_N)), load<i32>(at(j, J_ACCUMULATE)), id, scratch_of(b, id, 0))) {
      atomic.store<i32>(at(b, W_NOT_FINITE), 1);
    }
  } else if (kind == JOB_DROPOUT_FORWARD) {
    // elements lo … of dropout_forward(out, mask, inp, len, rate, seed, stream)
    dropout_forward_block(arg(j, 0), arg(j, 1), arg(j, 2), lo, min<i32>(<i32>arg(j, 3), lo + chunk),
      load<f32>(at(j, J_ARGS + 4)), <u32>arg(j, 5), <u32>arg(j, 6));
  } else if (kind == JOB_DROPOUT_BACKWARD) {
    // elements lo … of dropout_backward(dinp, dout, mask, len)
    const off = <usize>lo << 2;
    dropout_backward(arg(j, 0) + off, arg(j, 1) + off, arg(j, 2) + off, min<i32>(chunk, <i32>arg(j, 3) - lo));
  } else if (kind == JOB_BATCHNORM_FORWARD) {
    // columns lo … of batchnorm_forward(out, xhat, mean, variance, inv_std, inp, gamma, beta, m, n, epsilon)
    const n = <i32>arg(j, 9);
    batchnorm_forward_block(arg(j, 0), arg(j, 1), arg(j, 2), arg(j, 3), arg(j, 4), arg(j, 5), arg(j, 6), arg(j, 7),
      <i32>arg(j, 8), n, lo, min<i32>(n, lo + chunk), load<f32>(at(j, J_ARGS + 10)));
  } else if (kind == JOB_BATCHNORM_INFERENCE) {
    // columns lo … of batchnorm_inference(out, mean, inv_std, inp, gamma, beta, moving_mean, moving_variance, m, n, epsilon)
    const n = <i32>arg(j, 9);
    batchnorm_inference_block(arg(j, 0), arg(j, 1), arg(j, 2), arg(j, 3), arg(j, 4), arg(j, 5), arg(j, 6), arg(j, 7),
      <i32>arg(j, 8), n, lo, min<i32>(n, lo + chunk), load<f32>(at(j, J_ARGS + 10)));
  } else if (kind == JOB_BATCHNORM_BACKWARD) {
    // columns lo … of batchnorm_backward(dinp, dgamma, dbeta, dout, xhat, gamma, inv_std, m, n)
    const n = <i32>arg(j, 8);
    batchnorm_backward_block(arg(j, 0), arg(j, 1), arg(j, 2), arg(j, 3), arg(j, 4), arg(j, 5), arg(j, 6),
      <i32>arg(j, 7), n, lo, min<i32>(n, lo + chunk));
  } else {
    unreachable();
  }
}

// Claims and runs tasks of the open job until none is left; returns how many it ran. A worker
// marks its slot busy before it claims (so a calling thread that closed the claim word and then
// sees the slot idle knows the worker holds no task) and idle after the task.
function work(b: usize, id: i32): i32 {
  const claim = at(b, W_CLAIM);
  const slot = at(b, W_SLOTS + id);
  let ran = 0;
  while (true) {
    const word = atomic.load<i32>(claim);
    const next = word & 0xffff;
    if (next >= atomic.load<i32>(at(b, W_JOB + J_TASKS)) || next >= atomic.load<i32>(at(b, W_READY))) return ran;
    if (id) atomic.store<i32>(slot, SLOT_BUSY);
    if (atomic.cmpxchg<i32>(claim, word, word + 1) != word) {
      if (id) atomic.store<i32>(slot, SLOT_IDLE);
      continue;
    }
    run_task(b, next, id);
    if (id) {
      atomic.add<i32>(at(b, W_HELPED), 1);
      atomic.store<i32>(slot, SLOT_IDLE);
    }
    atomic.add<i32>(at(b, W_DONE), 1);
    ran++;
  }
}

// After a failure, with the claim word closed: waits until no live worker holds a task (a dead
// one's slot says SLOT_DEAD), then traps; the JavaScript side turns the trap into an Error.
// `kind` is the job given up (0 for none), kept in W_ABANDONED for that side.
function settle(b: usize, kind: i32): void {
  const workers = load<i32>(at(b, W_THREADS));
  for (let id = 1; id < workers; id++) {
    let spins = 0;
    while (atomic.load<i32>(at(b, W_SLOTS + id)) == SLOT_BUSY) {
      if (++spins > SETTLE_LIMIT) {
        kind = JOB_STRAGGLERS;
        break;
      }
    }
  }
  atomic.store<i32>(at(b, W_ABANDONED), kind);
  unreachable();
}

// Runs the job written at W_JOB in `tasks` tasks: alone when there is one task or no workers,
// else posted on the board, worked on here too, and joined (spinning: the browser's main thread
// may not block, and a join lasts microseconds).
function dispatch(tasks: i32): void {
  const b = board;
  store<i32>(at(b, W_JOB + J_TASKS), tasks);
  if (tasks == 1 || load<i32>(at(b, W_THREADS)) == 1) {
    for (let t = 0; t < tasks; t++) run_task(b, t, 0);
    return;
  }
  open_job(tasks);
  finish_job();
}

// Opens the job written at W_JOB (J_TASKS set) for claims of tasks below `ready`.
function open_job(ready: i32): void {
  const b = board;
  const claim = at(b, W_CLAIM);
  // a worker that died between jobs: give up before this job writes anything
  if (atomic.load<i32>(at(b, W_FAILED))) settle(b, 0);
  const gen = ((atomic.load<i32>(claim) >>> 16) + 1) & 0xffff;
  atomic.store<i32>(at(b, W_DONE), 0);
  atomic.store<i32>(at(b, W_READY), ready);
  atomic.store<i32>(claim, gen << 16);
  wake(b);
}

// Works on the open job until every task is done, then closes it.
function finish_job(): void {
  const b = board;
  const claim = at(b, W_CLAIM);
  atomic.store<i32>(at(b, W_READY), load<i32>(at(b, W_JOB + J_TASKS)));
  work(b, 0);
  while (atomic.load<i32>(at(b, W_DONE)) < atomic.load<i32>(at(b, W_JOB + J_TASKS))) {
    if (atomic.load<i32>(at(b, W_FAILED))) break;
  }
  // closed before the job words change, so that a late claim against this job fails
  atomic.store<i32>(claim, atomic.load<i32>(claim) | CLOSED);
  if (atomic.load<i32>(at(b, W_FAILED))) settle(b, load<i32>(at(b, W_JOB + J_KIND)));
}

// Whether a task of the open job may be claimed now.
function claimable(b: usize): bool {
  const next = atomic.load<i32>(at(b, W_CLAIM)) & 0xffff;
  return next < atomic.load<i32>(at(b, W_JOB + J_TASKS)) && next < atomic.load<i32>(at(b, W_READY));
}

// Wakes sleeping workers after new work was made claimable (see worker_run).
function wake(b: usize): void {
  atomic.add<i32>(at(b, W_WAKE), 1);
  if (atomic.load<i32>(at(b, W_SLEEPERS)) > 0) atomic.notify(at(b, W_WAKE), MAX_THREADS);
}

// A worker's life: claim tasks while jobs come, spin a little when there is none, then sleep
// until the main thread posts one; return when told to quit.
export function worker_run(b: usize, id: i32): void {
  let spins = 0;
  while (!atomic.load<i32>(at(b, W_QUIT))) {
    if (work(b, id) > 0) {
      spins = 0;
      continue;
    }
    if (++spins < SPIN_LIMIT) continue;
    // sleep unless something came since W_WAKE was read: whoever adds work bumps W_WAKE after it
    // and then notifies if it sees a sleeper, so either the look below sees the work, or the wait
    // sees W_WAKE changed, or the notify comes after the wait began
    const seen = atomic.load<i32>(at(b, W_WAKE));
    atomic.add<i32>(at(b, W_SLEEPERS), 1);
    if (!atomic.load<i32>(at(b, W_QUIT)) && !claimable(b)) memory.atomic.wait32(at(b, W_WAKE), seen, -1);
    atomic.sub<i32>(at(b, W_SLEEPERS), 1);
    spins = 0;
  }
}

// ---------------------------------------------------------------------------------------------
// The parallel kernels (same arguments and results as the kernels they split)

// Tasks for `units` units of work when each task should get at least `minUnits`.
// @ts-ignore: decorator
@inline function task_count(units: i32, minUnits: i32): i32 {
  return max<i32>(1, min<i32>(min<i32>(threads(), MAX_TASKS), units / max<i32>(minUnits, 1)));
}

function gemm_job(form: i32, out: usize, a: usize, b: usize, bias: usize, m: i32, k: i32, n: i32,
  activation: i32, alpha: f32, accumulate: i32, scratch: usize): void {
  const macs = <i64>m * <i64>k * <i64>n;
  if (!board || threads() == 1 || macs < minMacs) {
    gemm_block(form, out, a, b, bias, m, k, n, 0, m, 0, n, activation, alpha, accumulate, scratch_of(board, 0, scratch));
    return;
  }
  // Cut along the longer side of out: a block of columns repacks all of the a-side (m × k), a
  // block of rows all of the b-side (k × n). Boundaries at whole register tiles (8 columns or
  // 5 rows) so that no block adds a partial tile.
  const rows = m > n;
  const unit = rows ? 5 : 8;
  const units = ((rows ? m : n) + unit - 1) / unit;
  const tasks = task_count(units, 1);
  const chunk = ((units + tasks - 1) / tasks) * unit;
  const j = at(board, W_JOB);
  store<i32>(at(j, J_KIND), JOB_GEMM);
  store<i32>(at(j, J_FORM), form);
  store<u32>(at(j, J_OUT), <u32>out);
  store<u32>(at(j, J_A), <u32>a);
  store<u32>(at(j, J_B), <u32>b);
  store<u32>(at(j, J_BIAS), <u32>bias);
  store<i32>(at(j, J_M), m);
  store<i32>(at(j, J_K), k);
  store<i32>(at(j, J_N), n);
  store<i32>(at(j, J_ACTIVATION), activation);
  store<f32>(at(j, J_ALPHA), alpha);
  store<i32>(at(j, J_ACCUMULATE), accumulate);
  store<i32>(at(j, J_SPLIT_ROWS), rows ? 1 : 0);
  store<i32>(at(j, J_CHUNK), chunk);
  dispatch(((rows ? m : n) + chunk - 1) / chunk);
}

// Element-wise jobs over `len` elements (or rows): ranges of `chunk`, a multiple of `align`.
function range_job(kind: i32, len: i32, align: i32, minPerTask: i32): void {
  const tasks = task_count(len, minPerTask);
  const chunk = (((len + tasks - 1) / tasks + align - 1) / align) * align;
  const j = at(board, W_JOB);
  store<i32>(at(j, J_KIND), kind);
  store<i32>(at(j, J_CHUNK), chunk);
  dispatch((len + chunk - 1) / chunk);
}

// gemm_nn, split: out = f([out +] a · b [+ bias]); a is (m, k), b is (k, n), out is (m, n).
export function par_gemm_nn(out: usize, a: usize, b: usize, bias: usize, m: i32, k: i32, n: i32,
  activation: i32, alpha: f32, accumulate: i32, scratch: usize): void {
  gemm_job(0, out, a, b, bias, m, k, n, activation, alpha, accumulate, scratch);
}

// gemm_nt, split: out (m, n) = [out +] a (m, k) · bᵀ, b is (n, k).
export function par_gemm_nt(out: usize, a: usize, b: usize, m: i32, k: i32, n: i32, accumulate: i32, scratch: usize): void {
  gemm_job(1, out, a, b, 0, m, k, n, 0, 0, accumulate, scratch);
}

// gemm_tn, split: out (m, n) = [out +] aᵀ · b, a is (k, m), b is (k, n); bias_grad (n) = [bias_grad +]
// column sums of b, always by column_sums (so the bits do not depend on the GEMM's blocking).
export function par_gemm_tn(out: usize, a: usize, b: usize, bias_grad: usize, m: i32, k: i32, n: i32,
  accumulate: i32, scratch: usize): void {
  gemm_job(GEMM_TN, out, a, b, 0, m, k, n, 0, 0, accumulate, scratch);
  if (bias_grad) par_column_sums(bias_grad, b, k, n, accumulate);
}

// column_sums, split by columns (whole columns per task, 16 at a time).
export function par_column_sums(out: usize, inp: usize, m: i32, n: i32, accumulate: i32): void {
  if (!board || threads() == 1 || m * n < minElements) {
    column_sums(out, inp, m, n, accumulate);
    return;
  }
  const j = at(board, W_JOB);
  store<u32>(at(j, J_OUT), <u32>out);
  store<u32>(at(j, J_A), <u32>inp);
  store<i32>(at(j, J_M), m);
  store<i32>(at(j, J_N), n);
  store<i32>(at(j, J_ACCUMULATE), accumulate);
  range_job(JOB_COLUMN_SUMS, n, 16, 16);
}

// activation_forward, split into ranges of whole vectors.
export function par_activation_forward(out: usize, inp: usize, len: i32, kind: i32, alpha: f32): void {
  if (!board || threads() == 1 || len < minElements) {
    activation_forward(out, inp, len, kind, alpha);
    return;
  }
  const j = at(board, W_JOB);
  store<u32>(at(j, J_OUT), <u32>out);
  store<u32>(at(j, J_A), <u32>inp);
  store<i32>(at(j, J_N), len);
  store<i32>(at(j, J_ACTIVATION), kind);
  store<f32>(at(j, J_ALPHA), alpha);
  range_job(JOB_ACTIVATION_FORWARD, len, 16, minElements / 2);
}

// activation_backward, split into ranges of whole vectors.
export function par_activation_backward(dinp: usize, dout: usize, out: usize, len: i32, kind: i32, alpha: f32): void {
  if (!board || threads() == 1 || len < minElements) {
    activation_backward(dinp, dout, out, len, kind, alpha);
    return;
  }
  const j = at(board, W_JOB);
  store<u32>(at(j, J_OUT), <u32>dinp);
  store<u32>(at(j, J_A), <u32>dout);
  store<u32>(at(j, J_B), <u32>out);
  store<i32>(at(j, J_N), len);
  store<i32>(at(j, J_ACTIVATION), kind);
  store<f32>(at(j, J_ALPHA), alpha);
  range_job(JOB_ACTIVATION_BACKWARD, len, 16, minElements / 2);
}

function softmax_job(kind: i32, out: usize, a: usize, b: usize, m: i32, n: i32): void {
  const j = at(board, W_JOB);
  store<u32>(at(j, J_OUT), <u32>out);
  store<u32>(at(j, J_A), <u32>a);
  store<u32>(at(j, J_B), <u32>b);
  store<i32>(at(j, J_M), m);
  store<i32>(at(j, J_N), n);
  range_job(kind, m, 1, max<i32>(1, (minElements / 2) / max<i32>(n, 1)));
}

// softmax_forward, split by rows.
export function par_softmax_forward(out: usize, inp: usize, m: i32, n: i32): void {
  if (!board || threads() == 1 || m * n < minElements) softmax_forward(out, inp, m, n);
  else softmax_job(JOB_SOFTMAX_FORWARD, out, inp, 0, m, n);
}

// softmax_backward, split by rows.
export function par_softmax_backward(dinp: usize, dout: usize, out: usize, m: i32, n: i32): void {
  if (!board || threads() == 1 || m * n < minElements) softmax_backward(dinp, dout, out, m, n);
  else softmax_job(JOB_SOFTMAX_BACKWARD, dinp, dout, out, m, n);
}

// dropout_forward, split into ranges of whole vectors; element i's mask bit is the whole call's.
export function par_dropout_forward(out: usize, mask: usize, inp: usize, len: i32, rate: f32, seed: u32, stream: u32): void {
  if (!board || threads() == 1 || len < minElements) {
    dropout_forward(out, mask, inp, len, rate, seed, stream);
    return;
  }
  const j = at(board, W_JOB);
  put(j, 0, <u32>out); put(j, 1, <u32>mask); put(j, 2, <u32>inp); put(j, 3, <u32>len);
  put(j, 4, reinterpret<u32>(rate)); put(j, 5, seed); put(j, 6, stream);
  range_job(JOB_DROPOUT_FORWARD, len, 16, minElements / 2);
}

// dropout_backward, split into ranges of whole vectors.
export function par_dropout_backward(dinp: usize, dout: usize, mask: usize, len: i32): void {
  if (!board || threads() == 1 || len < minElements) {
    dropout_backward(dinp, dout, mask, len);
    return;
  }
  const j = at(board, W_JOB);
  put(j, 0, <u32>dinp); put(j, 1, <u32>dout); put(j, 2, <u32>mask); put(j, 3, <u32>len);
  range_job(JOB_DROPOUT_BACKWARD, len, 16, minElements / 2);
}

// Batch normalization jobs over the n columns of (m, n): blocks of 16 columns (the kernels' block;
// each column's sums run down its own m rows, so a block gives the same bits on any thread).
// @ts-ignore: decorator
@inline function columns_job(kind: i32, m: i32, n: i32): void {
  range_job(kind, n, 16, max<i32>(16, (minElements / 2) / max<i32>(m, 1)));
}

// batchnorm_forward, split into blocks of columns.
export function par_batchnorm_forward(out: usize, xhat: usize, mean: usize, variance: usize, inv_std: usize,
  inp: usize, gamma: usize, beta: usize, m: i32, n: i32, epsilon: f32): void {
  if (!board || threads() == 1 || m * n < minElements) {
    batchnorm_forward(out, xhat, mean, variance, inv_std, inp, gamma, beta, m, n, epsilon);
    return;
  }
  const j = at(board, W_JOB);
  put(j, 0, <u32>out); put(j, 1, <u32>xhat); put(j, 2, <u32>mean); put(j, 3, <u32>variance); put(j, 4, <u32>inv_std);
  put(j, 5, <u32>inp); put(j, 6, <u32>gamma); put(j, 7, <u32>beta); put(j, 8, <u32>m); put(j, 9, <u32>n);
  put(j, 10, reinterpret<u32>(epsilon));
  columns_job(JOB_BATCHNORM_FORWARD, m, n);
}

// batchnorm_inference, split into blocks of columns.
export function par_batchnorm_inference(out: usize, mean: usize, inv_std: usize, inp: usize, gamma: usize, beta: usize,
  moving_mean: usize, moving_variance: usize, m: i32, n: i32, epsilon: f32): void {
  if (!board || threads() == 1 || m * n < minElements) {
    batchnorm_inference(out, mean, inv_std, inp, gamma, beta, moving_mean, moving_variance, m, n, epsilon);
    return;
  }
  const j = at(board, W_JOB);
  put(j, 0, <u32>out); put(j, 1, <u32>mean); put(j, 2, <u32>inv_std); put(j, 3, <u32>inp); put(j, 4, <u32>gamma);
  put(j, 5, <u32>beta); put(j, 6, <u32>moving_mean); put(j, 7, <u32>moving_variance); put(j, 8, <u32>m);
  put(j, 9, <u32>n); put(j, 10, reinterpret<u32>(epsilon));
  columns_job(JOB_BATCHNORM_INFERENCE, m, n);
}

// batchnorm_backward, split into blocks of columns (dγ, dβ and dx of a column in the same task).
export function par_batchnorm_backward(dinp: usize, dgamma: usize, dbeta: usize, dout: usize, xhat: usize,
  gamma: usize, inv_std: usize, m: i32, n: i32): void {
  if (!board || threads() == 1 || m * n < minElements) {
    batchnorm_backward(dinp, dgamma, dbeta, dout, xhat, gamma, inv_std, m, n);
    return;
  }
  const j = at(board, W_JOB);
  put(j, 0, <u32>dinp); put(j, 1, <u32>dgamma); put(j, 2, <u32>dbeta); put(j, 3, <u32>dout); put(j, 4, <u32>xhat);
  put(j, 5, <u32>gamma); put(j, 6, <u32>inv_std); put(j, 7, <u32>m); put(j, 8, <u32>n);
  columns_job(JOB_BATCHNORM_BACKWARD, m, n);
}

// optimizer_update, split into ranges of whole vectors (16 floats: the block is a multiple of 4
// long, so every element takes the vector path whatever the split).
export function par_optimizer_update(kind: i32, param: usize, grad: usize, s1: usize, s2: usize, s3: usize, len: i32,
  lr: f32, beta1: f32, beta2: f32, epsilon: f32, decay: f32, nesterov: i32, momentum: f32, c1: f32, c2: f32, c3: f32,
  scale: f32, clip: f32): void {
  if (!board || threads() == 1 || len < minElements) {
    optimizer_update(kind, param, grad, s1, s2, s3, len, lr, beta1, beta2, epsilon, decay, nesterov, momentum, c1, c2, c3, scale, clip);
    return;
  }
  const j = at(board, W_JOB);
  store<i32>(at(j, J_ACTIVATION), kind);
  store<u32>(at(j, J_OUT), <u32>param);
  store<u32>(at(j, J_A), <u32>grad);
  store<u32>(at(j, J_B), <u32>s1);
  store<u32>(at(j, J_S2), <u32>s2);
  store<u32>(at(j, J_S3), <u32>s3);
  store<i32>(at(j, J_N), len);
  store<f32>(at(j, J_LR), lr);
  store<f32>(at(j, J_BETA1), beta1);
  store<f32>(at(j, J_BETA2), beta2);
  store<f32>(at(j, J_EPSILON), epsilon);
  store<f32>(at(j, J_DECAY), decay);
  store<i32>(at(j, J_NESTEROV), nesterov);
  store<f32>(at(j, J_MOMENTUM), momentum);
  store<f32>(at(j, J_C1), c1);
  store<f32>(at(j, J_C2), c2);
  store<f32>(at(j, J_C3), c3);
  store<f32>(at(j, J_SCALE), scale);
  store<f32>(at(j, J_CLIP), clip);
  range_job(JOB_UPDATE, len, 16, minElements / 2);
}

// Floats per block of the gradient summary: at least 8,192, and at most SUMMARY_BLOCKS blocks;
// it depends on the length alone, so the sum below has the same order on any thread count.
// @ts-ignore: decorator
@inline function summary_block(len: i32): i32 {
  return max<i32>(SUMMARY_MIN_BLOCK, ((len + SUMMARY_BLOCKS - 1) / SUMMARY_BLOCKS + 15) & ~15);
}

// One block's (max |g|, Σ g²) into out (f64 each); Σ g² only when `squares` (else 0: max_abs
// alone reads the block at memory speed, and the sum is needed only for global-norm clipping).
// @ts-ignore: decorator
@inline function summary_of(out: usize, grad: usize, len: i32, squares: i32): void {
  if (squares) {
    gradient_summary(out, grad, len);
  } else {
    store<f64>(out, <f64>max_abs(grad, len));
    store<f64>(out, 0, 8);
  }
}

// gradient_summary by blocks: out = (max |g|, Σ g²) (f64 each) over grad (len), Σ g² summed block by
// block in order (each block's sum by gradient_summary), max |g| the largest block's (exact; NaN
// when any g is NaN). Without `squares`, Σ g² is 0 and only max |g| is computed.
export function par_gradient_summary(out: usize, grad: usize, len: i32, squares: i32): void {
  const block = summary_block(len);
  const blocks = (len + block - 1) / block;
  let most: f64 = 0, sum: f64 = 0;
  if (!board || threads() == 1 || blocks == 1) {
    for (let blk = 0; blk < blocks; blk++) {
      const first = blk * block;
      summary_of(out, grad + (<usize>first << 2), min<i32>(block, len - first), squares);
      most = max<f64>(most, load<f64>(out));
      sum += load<f64>(out, 8);
    }
  } else {
    const j = at(board, W_JOB);
    store<u32>(at(j, J_A), <u32>grad);
    store<i32>(at(j, J_N), len);
    store<i32>(at(j, J_K), block);
    store<i32>(at(j, J_ACCUMULATE), squares);
    range_job(JOB_SUMMARY, blocks, 1, 1);
    for (let blk = 0; blk < blocks; blk++) {
      most = max<f64>(most, load<f64>(at(board, W_PARTIALS + blk * 4)));
      sum += load<f64>(at(board, W_PARTIALS + blk * 4), 8);
    }
  }
  store<f64>(out, most);
  store<f64>(out, sum, 8);
}

// Copies rows: row r of dst (m, n) = row picked[r] of src (·, n), split by rows.
export function par_gather_rows(dst: usize, src: usize, picked: usize, m: i32, n: i32): void {
  const rowBytes = <usize>n << 2;
  if (!board || threads() == 1 || m * n < minElements * 2) {
    for (let r = 0; r < m; r++) memory.copy(dst + <usize>r * rowBytes, src + <usize>load<i32>(picked + (<usize>r << 2)) * rowBytes, rowBytes);
    return;
  }
  const j = at(board, W_JOB);
  store<u32>(at(j, J_OUT), <u32>dst);
  store<u32>(at(j, J_A), <u32>src);
  store<u32>(at(j, J_B), <u32>picked);
  store<i32>(at(j, J_M), m);
  store<i32>(at(j, J_N), n);
  range_job(JOB_GATHER, m, 1, max<i32>(1, minElements / max<i32>(n, 1)));
}

// all_finite, split into ranges: 1 when every one of len floats from inp is finite, else 0.
export function par_all_finite(inp: usize, len: i32): i32 {
  if (!board || threads() == 1 || len < minElements * 4) return all_finite(inp, len);
  const j = at(board, W_JOB);
  store<u32>(at(j, J_A), <u32>inp);
  store<i32>(at(j, J_N), len);
  range_job(JOB_FINITE, len, 16, minElements * 2);
  const tasks = load<i32>(at(j, J_TASKS));
  for (let t = 0; t < tasks; t++) if (!load<i32>(at(board, W_PARTIALS + t))) return 0;
  return 1;
}

// Rows per prediction task for `rows` rows: the arena's rows (blockRows) on one thread; on more, about
// a quarter of each thread's share (so a slow thread costs little), at least 32 rows (each task
// packs every weight matrix once) and at most blockRows. Whatever the value, a
// row's outputs are the same bits.
// @ts-ignore: decorator
@inline function predict_chunk(rows: i32, blockRows: i32): i32 {
  const t = threads();
  if (t == 1) return blockRows;
  const share = (rows + 4 * t - 1) / (4 * t);
  return min<i32>(blockRows, max<i32>(32, (share + 7) & ~7));
}

// Rows lo … lo + rows − 1 of x (·, inputs) through every layer into the same rows of out
// (·, outputs), in participant `id`'s arena (network_forward_rows). With `check`, returns 0 when
// one of those rows holds a value that is not finite (the rows are predicted all the same), else 1.
function predict_block(plan: usize, x: usize, out: usize, lo: i32, rows: i32, inputs: i32, outputs: i32, check: i32,
  id: i32, scratch: usize): i32 {
  const xs = x + ((<usize>lo * <usize>inputs) << 2);
  const finite = check ? all_finite(xs, rows * inputs) : 1;
  network_forward_rows(plan, xs, out + ((<usize>lo * <usize>outputs) << 2), rows, id, scratch);
  return finite;
}

// Tasks a prediction job may have: fewer than CLOSED, the claim word's "none left".
const MAX_PREDICT_TASKS: i32 = 1 << 15;

function predict_job(plan: usize, x: usize, out: usize, rows: i32, inputs: i32, outputs: i32, chunk: i32, check: i32): i32 {
  const j = at(board, W_JOB);
  store<i32>(at(j, J_KIND), JOB_PREDICT);
  store<u32>(at(j, J_OUT), <u32>out);
  store<u32>(at(j, J_A), <u32>x);
  store<u32>(at(j, J_B), <u32>plan);
  store<i32>(at(j, J_M), rows);
  store<i32>(at(j, J_K), inputs);
  store<i32>(at(j, J_N), outputs);
  store<i32>(at(j, J_CHUNK), chunk);
  store<i32>(at(j, J_ACCUMULATE), check);
  atomic.store<i32>(at(board, W_NOT_FINITE), 0);
  return (rows + chunk - 1) / chunk;
}

// network_predict's split: rows of x (rows, inputs) through the network into out (rows, outputs),
// in tasks of whole rows (network_forward_rows in each thread's arena), at most MAX_PREDICT_TASKS
// tasks per job (`scratch`: the GEMM scratch when there is no board). `check` != 0 also checks that x is finite: returns 0 when it is not, else 1.
export function par_predict(plan: usize, x: usize, out: usize, rows: i32, inputs: i32, outputs: i32,
  blockRows: i32, check: i32, scratch: usize): i32 {
  if (!board) {
    let finite = 1;
    for (let start = 0; start < rows; start += blockRows) {
      finite &= predict_block(plan, x, out, start, min<i32>(blockRows, rows - start), inputs, outputs, check, 0, scratch);
    }
    return finite;
  }
  const chunk = predict_chunk(rows, blockRows);
  let finite = 1;
  for (let start = 0; start < rows; start += chunk * MAX_PREDICT_TASKS) {
    const m = min<i32>(chunk * MAX_PREDICT_TASKS, rows - start);
    dispatch(predict_job(plan, x + ((<usize>start * <usize>inputs) << 2), out + ((<usize>start * <usize>outputs) << 2),
      m, inputs, outputs, chunk, check));
    if (atomic.load<i32>(at(board, W_NOT_FINITE))) finite = 0;
  }
  return finite;
}

// A prediction whose input is still being copied in: posts the job over all `rows` rows of x (not
// yet written) with no task claimable, and returns the rows per task; the caller copies x task by
// task, calls parallel_ready after each, then par_predict_finish. Returns 0 (nothing posted) when
// one thread would do it all anyway: then the caller copies everything and calls network_predict.
export function par_predict_open(plan: usize, x: usize, out: usize, rows: i32, inputs: i32, outputs: i32, blockRows: i32): i32 {
  if (!board || threads() == 1) return 0;
  const chunk = predict_chunk(rows, blockRows);
  const tasks = (rows + chunk - 1) / chunk;
  if (tasks < 2 || tasks > MAX_PREDICT_TASKS) return 0;
  store<i32>(at(board, W_JOB + J_TASKS), predict_job(plan, x, out, rows, inputs, outputs, chunk, 1));
  open_job(0);
  return chunk;
}

// The first `tasks` tasks of the open prediction may run: their rows are in place.
export function parallel_ready(tasks: i32): void {
  atomic.store<i32>(at(board, W_READY), tasks);
  wake(board);
}

// Runs the rest of the open prediction here and on the workers and joins them. `copied` < the
// task count gives up the tasks from there on (their rows were never copied: the copy failed).
// Returns 1 when every row of x was finite, else 0.
export function par_predict_finish(copied: i32): i32 {
  const tasks = at(board, W_JOB + J_TASKS);
  // no claim can be at or past `copied`: W_READY never went beyond it
  if (copied < load<i32>(tasks)) atomic.store<i32>(tasks, copied);
  finish_job();
  return atomic.load<i32>(at(board, W_NOT_FINITE)) ? 0 : 1;
}
