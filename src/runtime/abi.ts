/**
 * The TypeScript mirror of `assembly/index.ts`: the exports of the kernel module with their
 * signatures, and the numeric codes of the kernels that are not a family of their own (the
 * activation, loss, optimizer and layer codes live in their tables in src/model/). Addresses are
 * byte offsets into the instance's own memory. Internal: not exported from the package.
 */

/** Accuracy metrics, as in assembly/reduce.ts. */
export const METRIC_CODES = { none: -1, argmax: 0, threshold: 1 } as const;

/** GEMM forms for gemm_scratch_bytes, as in assembly/gemm.ts. */
export const GEMM_FORMS = { nn: 0, nt: 1, tn: 2 } as const;

/**
 * The part of `WebAssembly.Memory` the runtime uses (declared here so that Node projects without
 * the DOM lib can type-check against it).
 */
export interface KernelMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}

/** The exports of the kernel module. */
export interface KernelExports {
  memory: KernelMemory;
  heap_base(): number;
  gemm_nn(out: number, a: number, b: number, bias: number, m: number, k: number, n: number,
    activation: number, alpha: number, accumulate: number, scratch: number): void;
  gemm_nt(out: number, a: number, b: number, m: number, k: number, n: number, accumulate: number,
    scratch: number): void;
  gemm_tn(out: number, a: number, b: number, biasGrad: number, m: number, k: number, n: number,
    accumulate: number, scratch: number): void;
  gemm_scratch_bytes(form: number, m: number, k: number, n: number): number;
  activation_forward(out: number, inp: number, len: number, kind: number, alpha: number): void;
  activation_backward(dinp: number, dout: number, out: number, len: number, kind: number, alpha: number): void;
  softmax_forward(out: number, inp: number, m: number, n: number): void;
  softmax_backward(dinp: number, dout: number, out: number, m: number, n: number): void;
  mse_loss(dpred: number, pred: number, target: number, m: number, n: number): number;
  mae_loss(dpred: number, pred: number, target: number, m: number, n: number): number;
  huber_loss(dpred: number, pred: number, target: number, m: number, n: number, delta: number): number;
  weight_penalty(dweight: number, weight: number, len: number, l1: number, l2: number): number;
  softmax_cross_entropy_loss(dlogits: number, pred: number, target: number, m: number, n: number): number;
  sigmoid_binary_cross_entropy_loss(dlogits: number, pred: number, target: number, m: number, n: number): number;
  column_sums(out: number, inp: number, m: number, n: number, accumulate: number): void;
  all_finite(inp: number, len: number): number;
  max_abs(inp: number, len: number): number;
  count_correct(pred: number, target: number, m: number, n: number, metric: number): number;
  gradient_summary(out: number, grad: number, len: number): void;
  sgd_update(param: number, grad: number, len: number, lr: number, weightDecay: number, scale: number, clip: number): void;
  momentum_update(param: number, grad: number, velocity: number, len: number, lr: number,
    momentum: number, nesterov: number, weightDecay: number, scale: number, clip: number): void;
  adam_update(param: number, grad: number, moment1: number, moment2: number, len: number, lr: number,
    beta1: number, beta2: number, epsilon: number, c1: number, c2: number, weightDecay: number, scale: number, clip: number): void;
  rmsprop_update(param: number, grad: number, velocity: number, meanGrad: number, accumulated: number, len: number,
    lr: number, rho: number, momentum: number, epsilon: number, scale: number, clip: number): void;
  adagrad_update(param: number, grad: number, accumulator: number, len: number, lr: number, epsilon: number,
    scale: number, clip: number): void;
  adamax_update(param: number, grad: number, moment: number, norm: number, len: number, lr: number, beta1: number,
    beta2: number, epsilon: number, c1: number, scale: number, clip: number): void;
  nadam_update(param: number, grad: number, moment1: number, moment2: number, len: number, lr: number, beta1: number,
    beta2: number, epsilon: number, a: number, b: number, c2: number, scale: number, clip: number): void;
  dropout_forward(out: number, mask: number, inp: number, len: number, rate: number, seed: number, stream: number): void;
  dropout_backward(dinp: number, dout: number, mask: number, len: number): void;
  batchnorm_forward(out: number, xhat: number, mean: number, variance: number, invStd: number, inp: number,
    gamma: number, beta: number, m: number, n: number, epsilon: number): void;
  batchnorm_inference(out: number, mean: number, invStd: number, inp: number, gamma: number, beta: number,
    movingMean: number, movingVariance: number, m: number, n: number, epsilon: number): void;
  batchnorm_backward(dinp: number, dgamma: number, dbeta: number, dout: number, xhat: number, gamma: number,
    invStd: number, m: number, n: number): void;
  batchnorm_update_moving(movingMean: number, movingVariance: number, mean: number, variance: number, n: number,
    momentum: number): void;
  network_forward(plan: number, input: number, m: number, training: number): number;
  network_loss(plan: number, target: number, m: number, gradient: number): number;
  network_score(plan: number, pred: number, target: number, m: number): number;
  network_penalty(plan: number): number;
  network_backward(plan: number, input: number, m: number): number;
  network_update(plan: number): void;
  network_train_step(plan: number, m: number): number;
  network_train_batches(plan: number, x: number, y: number, order: number, rows: number, batch: number,
    first: number, count: number, losses: number, correct: number): number;
  network_predict(plan: number, x: number, out: number, rows: number): void;
  /** Posts a prediction whose input is copied in afterwards: rows per task, or 0 (copy all, then network_predict). */
  network_predict_open(plan: number, x: number, out: number, rows: number): number;
  /** The open prediction's first `tasks` tasks have their rows in place. */
  parallel_ready(tasks: number): void;
  /** Finishes the open prediction (tasks from `copied` on given up): 1 when its input was all finite, else 0. */
  par_predict_finish(copied: number): number;
  // assembly/parallel.ts: the job board shared with worker threads
  parallel_setup(board: number, threads: number, scratch: number, stride: number): void;
  parallel_board(): number;
  parallel_thresholds(macs: number, elements: number): void;
  par_all_finite(inp: number, len: number): number;
  par_dropout_forward(out: number, mask: number, inp: number, len: number, rate: number, seed: number, stream: number): void;
  par_dropout_backward(dinp: number, dout: number, mask: number, len: number): void;
  par_batchnorm_forward(out: number, xhat: number, mean: number, variance: number, invStd: number, inp: number,
    gamma: number, beta: number, m: number, n: number, epsilon: number): void;
  par_batchnorm_inference(out: number, mean: number, invStd: number, inp: number, gamma: number, beta: number,
    movingMean: number, movingVariance: number, m: number, n: number, epsilon: number): void;
  par_batchnorm_backward(dinp: number, dgamma: number, dbeta: number, dout: number, xhat: number, gamma: number,
    invStd: number, m: number, n: number): void;
  worker_run(board: number, id: number): void;
  gemm_block(form: number, out: number, a: number, b: number, bias: number, m: number, k: number, n: number,
    i0: number, i1: number, j0: number, j1: number, activation: number, alpha: number, accumulate: number,
    scratch: number): void;
}

/** Words of the job board of assembly/parallel.ts (W_*), for src/runtime/threads.ts and tests. */
export const BOARD = {
  claim: 0, wake: 2, helped: 17, quit: 33, failed: 34, threads: 35, abandoned: 38, job: 48, slots: 80,
  message: 144 + 128 * 4, messageWords: 64,
} as const;
/** Worker slot states (SLOT_* of assembly/parallel.ts). */
export const SLOT = { idle: 0, busy: 1, dead: 2 } as const;
/**
 * Jobs whose abandonment leaves the model's own state half-written (W_ABANDONED values): the
 * optimizer update (JOB_UPDATE) and live workers that never came to rest (JOB_STRAGGLERS).
 */
export const UNSAFE_ABANDONED_JOBS: readonly number[] = [8, 99];
/** Bytes of the job board (BOARD_BYTES of assembly/parallel.ts). */
export const BOARD_BYTES = (BOARD.message + BOARD.messageWords) * 4;
