// The network driver: forward pass, loss, backward pass and optimizer step over a plan that the
// TypeScript side writes into memory once per model and batch size (src/model/network.ts mirrors
// the layout below). Running whole steps — and whole runs of batches — here removes the
// JS↔wasm round trip per layer and per batch that dominates small networks.
//
// Plan layout, in 32-bit words from `plan`:
//   header (words 0–31)           see H_* below
//   layer i at word 32 + 16·i      see L_* below
// Layer i maps A_{i−1} (m, in) to A_i (m, out): A_i = f(A_{i−1} · W + b), W is (in, out).
// DA_i holds dL/dA_i, then in place dL/dZ_i. A_{−1} is the input batch.

import { par_gemm_nn, par_gemm_nt, par_gemm_tn, par_activation_backward, par_softmax_forward,
  par_softmax_backward, par_max_abs } from './parallel';
import { mse_loss, softmax_cross_entropy_loss, sigmoid_binary_cross_entropy_loss,
  LOSS_MSE, LOSS_CROSS_ENTROPY } from './loss';
import { sgd_update, momentum_update, adam_update } from './optimizer';
import { count_correct, METRIC_NONE } from './reduce';
import { ACT_LINEAR, ACT_SOFTMAX, ACT_SIGMOID } from './simd';

const H_LAYERS = 0;      // number of layers
const H_LOSS = 1;        // loss kind (LOSS_*)
const H_INPUT = 2;       // input batch (max_batch, inputs)
const H_TARGET = 3;      // target batch (max_batch, outputs)
const H_SCRATCH = 4;     // GEMM scratch
const H_PARAMS = 5;      // parameter block: W_0, b_0, W_1, b_1, … each 16-byte aligned
const H_GRADS = 6;       // gradient block, same layout
const H_PARAM_COUNT = 7; // floats in the parameter block (padding included)
const H_OPTIMIZER = 8;   // OPT_*
const H_STATE1 = 9;      // velocity (momentum) or first moment (adam)
const H_STATE2 = 10;     // second moment (adam)
const H_STEP = 11;       // optimizer steps taken so far
const H_LR = 12;         // f32 learning rate
const H_BETA1 = 13;      // f32 momentum (momentum) or β1 (adam)
const H_BETA2 = 14;      // f32 β2 (adam)
const H_EPSILON = 15;    // f32 ε (adam)
const H_DECAY = 16;      // f32 weight decay
const H_NESTEROV = 17;   // momentum: 1 for Nesterov
const H_MAX_BATCH = 18;  // rows the activation buffers hold
const H_INPUTS = 19;     // input width
const H_METRIC = 20;     // METRIC_* of reduce.ts for the training accuracy, or METRIC_NONE
const H_STATUS = 21;     // how the last training step ended: STEP_* below
const H_BETA1_POW = 22;  // f64 (words 22–23) β1ᵗ after H_STEP steps (adam), kept by network_update
const H_BETA2_POW = 24;  // f64 (words 24–25) β2ᵗ
const H_SAMPLE_WEIGHT = 28; // per-row training weights (rows) f32, or 0 when every row weighs 1
const H_BATCH_WEIGHT = 29;  // the batch's row weights (max_batch) f32, gathered by network_train_batches
const H_TRAIN_OUT = 30;     // where network_train_batches keeps each training row's outputs (rows, outputs), or 0
const H_LAYER0 = 32;
const LAYER_WORDS = 16;

const L_IN = 0;
const L_OUT = 1;
const L_ACTIVATION = 2;
const L_ALPHA = 3;       // f32
const L_WEIGHT = 4;
const L_BIAS = 5;
const L_DWEIGHT = 6;
const L_DBIAS = 7;
const L_OUTPUT = 8;      // A_i (max_batch, out)
const L_DOUTPUT = 9;     // DA_i (max_batch, out)

const STEP_OK = 0;
const STEP_LOSS_NOT_FINITE = 1;     // the loss was NaN or ±Infinity
const STEP_GRADIENT_NOT_FINITE = 2; // a gradient was NaN or ±Infinity
const STEP_TOO_LARGE = 3;           // the update would move weights by more than STEP_LIMIT
// A step that moves a weight by more than this has diverged: refusing it keeps the weights
// finite (float32 overflows at 3.4e38). For Adam the limit is on g², which the second moment holds.
const STEP_LIMIT: f64 = 1e30;

const OPT_SGD = 0;
const OPT_MOMENTUM = 1;
const OPT_ADAM = 2;

// @ts-ignore: decorator
@inline function word(plan: usize, index: i32): i32 {
  return load<i32>(plan + (<usize>index << 2));
}
// @ts-ignore: decorator
@inline function real(plan: usize, index: i32): f32 {
  return load<f32>(plan + (<usize>index << 2));
}
// @ts-ignore: decorator
@inline function ptr(plan: usize, index: i32): usize {
  return <usize>load<u32>(plan + (<usize>index << 2));
}
// @ts-ignore: decorator
@inline function layer(plan: usize, i: i32): usize {
  return plan + (<usize>(H_LAYER0 + i * LAYER_WORDS) << 2);
}

// Forward pass of m ≤ max_batch rows starting at `input` (m, inputs); leaves A_i in every
// layer's output buffer and returns the last one's address.
export function network_forward(plan: usize, input: usize, m: i32): usize {
  const layers = word(plan, H_LAYERS);
  const scratch = ptr(plan, H_SCRATCH);
  let prev = input;
  for (let i = 0; i < layers; i++) {
    const l = layer(plan, i);
    const n = word(l, L_OUT);
    const act = word(l, L_ACTIVATION);
    const out = ptr(l, L_OUTPUT);
    par_gemm_nn(out, prev, ptr(l, L_WEIGHT), ptr(l, L_BIAS), m, word(l, L_IN), n,
      act == ACT_SOFTMAX ? ACT_LINEAR : act, real(l, L_ALPHA), 0, scratch);
    if (act == ACT_SOFTMAX) par_softmax_forward(out, out, m, n);
    prev = out;
  }
  return prev;
}

// The loss kernel of kind LOSS_* (batch mean over m rows; with dpred != 0 also its gradient).
function loss_of(kind: i32, dpred: usize, pred: usize, target: usize, m: i32, n: i32): f64 {
  if (kind == LOSS_MSE) return mse_loss(dpred, pred, target, m, n);
  if (kind == LOSS_CROSS_ENTROPY) return softmax_cross_entropy_loss(dpred, pred, target, m, n);
  return sigmoid_binary_cross_entropy_loss(dpred, pred, target, m, n);
}

// Σ w over the batch's m row weights, or −1 when the plan has no sample weights.
function batch_weight_sum(plan: usize, m: i32): f64 {
  if (word(plan, H_SAMPLE_WEIGHT) == 0) return -1;
  const weights = ptr(plan, H_BATCH_WEIGHT);
  let sum: f64 = 0;
  for (let r = 0; r < m; r++) sum += <f64>load<f32>(weights + (<usize>r << 2));
  return sum;
}

// Loss of the last forward pass against `target` (m, outputs). With `gradient` != 0 also writes
// dL/dZ of the last layer into its DA buffer (fused for softmax + cross-entropy and
// sigmoid + binary cross-entropy; through the activation's derivative for MSE).
// With sample weights w (the plan's batch weights) the loss is Σ w_r·L_r / Σ w_r (L_r the row's
// loss) and row r of the gradient is scaled by w_r·m/Σ w (the kernels' gradient holds 1/m):
// PyTorch's weighted mean. A row of weight 0 gets a gradient of exactly 0 and adds nothing.
export function network_loss(plan: usize, target: usize, m: i32, gradient: i32): f64 {
  const last = layer(plan, word(plan, H_LAYERS) - 1);
  const n = word(last, L_OUT);
  const act = word(last, L_ACTIVATION);
  const pred = ptr(last, L_OUTPUT);
  const dpred = gradient ? ptr(last, L_DOUTPUT) : 0;
  const kind = word(plan, H_LOSS);
  const wsum = batch_weight_sum(plan, m);
  let loss: f64 = 0;
  if (wsum < 0) {
    loss = loss_of(kind, dpred, pred, target, m, n);
  } else {
    const weights = ptr(plan, H_BATCH_WEIGHT);
    const rowBytes = <usize>n << 2;
    for (let r = 0; r < m; r++) {
      const w = <f64>load<f32>(weights + (<usize>r << 2));
      if (w != 0) loss += w * loss_of(kind, 0, pred + <usize>r * rowBytes, target + <usize>r * rowBytes, 1, n);
    }
    loss = wsum > 0 ? loss / wsum : 0;
    if (dpred) {
      loss_of(kind, dpred, pred, target, m, n);
      const scale = wsum > 0 ? <f32>(<f64>m / wsum) : <f32>0;
      scale_rows(dpred, weights, scale, m, n);
    }
  }
  if (dpred && kind == LOSS_MSE) {
    if (act == ACT_SOFTMAX) par_softmax_backward(dpred, dpred, pred, m, n);
    else par_activation_backward(dpred, dpred, pred, m * n, act, real(last, L_ALPHA));
  }
  return loss;
}

// Row r of x (m, n) times w_r·scale; a row of weight 0 becomes exactly 0 (whatever it held).
function scale_rows(x: usize, weights: usize, scale: f32, m: i32, n: i32): void {
  for (let r = 0; r < m; r++) {
    const w = load<f32>(weights + (<usize>r << 2));
    const row = x + ((<usize>r * n) << 2);
    if (w == 0) {
      memory.fill(row, 0, <usize>n << 2);
      continue;
    }
    const vs = f32x4.splat(w * scale);
    let j = 0;
    for (; j + 4 <= n; j += 4) v128.store(row + (<usize>j << 2), f32x4.mul(v128.load(row + (<usize>j << 2)), vs));
    for (; j < n; j++) store<f32>(row + (<usize>j << 2), load<f32>(row + (<usize>j << 2)) * (w * scale));
  }
}

// Backward pass after network_loss(…, gradient = 1): fills the gradient block.
// The input layer's dL/dX is never needed, so its dZ · Wᵀ is skipped.
export function network_backward(plan: usize, input: usize, m: i32): void {
  const layers = word(plan, H_LAYERS);
  const scratch = ptr(plan, H_SCRATCH);
  for (let i = layers - 1; i >= 0; i--) {
    const l = layer(plan, i);
    const k = word(l, L_IN);
    const n = word(l, L_OUT);
    const dz = ptr(l, L_DOUTPUT);
    const prev = i > 0 ? ptr(layer(plan, i - 1), L_OUTPUT) : input;
    // dW (k, n) = A_prevᵀ · dZ, db = Σ_rows dZ
    par_gemm_tn(ptr(l, L_DWEIGHT), prev, dz, ptr(l, L_DBIAS), k, m, n, 0, scratch);
    if (i > 0) {
      const p = layer(plan, i - 1);
      const dprev = ptr(p, L_DOUTPUT);
      // dA_prev (m, k) = dZ · Wᵀ, then dZ_prev = dA_prev ⊙ f'(·)
      par_gemm_nt(dprev, dz, ptr(l, L_WEIGHT), m, n, k, 0, scratch);
      const act = word(p, L_ACTIVATION);
      if (act == ACT_SOFTMAX) par_softmax_backward(dprev, dprev, prev, m, k);
      else par_activation_backward(dprev, dprev, prev, m * k, act, real(p, L_ALPHA));
    }
  }
}

// One optimizer step over the whole parameter block with the gradients in the gradient block.
export function network_update(plan: usize): void {
  const params = ptr(plan, H_PARAMS);
  const grads = ptr(plan, H_GRADS);
  const count = word(plan, H_PARAM_COUNT);
  const lr = real(plan, H_LR);
  const decay = real(plan, H_DECAY);
  const kind = word(plan, H_OPTIMIZER);
  const t = word(plan, H_STEP) + 1;
  store<i32>(plan + (<usize>H_STEP << 2), t);
  if (kind == OPT_SGD) {
    sgd_update(params, grads, count, lr, decay);
  } else if (kind == OPT_MOMENTUM) {
    momentum_update(params, grads, ptr(plan, H_STATE1), count, lr, real(plan, H_BETA1),
      word(plan, H_NESTEROV), decay);
  } else {
    const beta1 = real(plan, H_BETA1);
    const beta2 = real(plan, H_BETA2);
    // βᵗ as running products (the TS side sets them from the step count when it writes the plan)
    const pow1 = load<f64>(plan + (<usize>H_BETA1_POW << 2)) * <f64>beta1;
    const pow2 = load<f64>(plan + (<usize>H_BETA2_POW << 2)) * <f64>beta2;
    store<f64>(plan + (<usize>H_BETA1_POW << 2), pow1);
    store<f64>(plan + (<usize>H_BETA2_POW << 2), pow2);
    const c1 = <f32>(1.0 / (1.0 - pow1));
    const c2 = <f32>(1.0 / (1.0 - pow2));
    adam_update(params, grads, ptr(plan, H_STATE1), ptr(plan, H_STATE2), count, lr, beta1, beta2,
      real(plan, H_EPSILON), c1, c2, decay);
  }
}

// One training step on the m rows already in the input and target buffers. Returns the batch
// loss and sets the plan's status word; unless the status is STEP_OK the parameters and the
// optimizer state are untouched.
export function network_train_step(plan: usize, m: i32): f64 {
  const input = ptr(plan, H_INPUT);
  network_forward(plan, input, m);
  const loss = network_loss(plan, ptr(plan, H_TARGET), m, 1);
  let status = STEP_OK;
  if (!isFinite(loss)) {
    status = STEP_LOSS_NOT_FINITE;
  } else if (batch_weight_sum(plan, m) == 0) {
    // every row of the batch weighs 0: the batch changes nothing (no step is taken)
  } else {
    network_backward(plan, input, m);
    const gmax = <f64>par_max_abs(ptr(plan, H_GRADS), word(plan, H_PARAM_COUNT));
    const kind = word(plan, H_OPTIMIZER);
    // the largest move a weight could make: lr·g, growing to lr·g/(1 − μ) with momentum
    const lr = <f64>real(plan, H_LR);
    const reach = kind == OPT_ADAM ? gmax * gmax
      : kind == OPT_MOMENTUM ? lr * gmax / (1.0 - <f64>real(plan, H_BETA1)) : lr * gmax;
    if (!isFinite(gmax)) status = STEP_GRADIENT_NOT_FINITE;
    else if (!(reach <= STEP_LIMIT)) status = STEP_TOO_LARGE;
    else network_update(plan);
  }
  store<i32>(plan + (<usize>H_STATUS << 2), status);
  return loss;
}

// Trains on batches first … first + count − 1 of an epoch over `rows` rows held in memory:
// x (rows, inputs), y (rows, outputs), `order` the epoch's row permutation (i32). Batch b takes
// rows order[b·batch …] (the last batch may be short). Writes each batch loss (f32) to
// losses[b] and, unless the plan's metric is METRIC_NONE, the count of right predictions made
// by the forward pass (before the update) to correct[b] (i32). With the plan's sample weights,
// gathers each batch's row weights; with H_TRAIN_OUT, keeps each row's outputs (before the
// update) at its row's place, for the epoch's metrics. Returns how many batches ran;
// fewer than `count` means batch first + returned value was refused (the plan's status word
// says why) and left the parameters as they were.
export function network_train_batches(plan: usize, x: usize, y: usize, order: usize, rows: i32,
  batch: i32, first: i32, count: i32, losses: usize, correct: usize): i32 {
  const inputs = word(plan, H_INPUTS);
  const outputs = word(layer(plan, word(plan, H_LAYERS) - 1), L_OUT);
  const xBytes = <usize>inputs << 2;
  const yBytes = <usize>outputs << 2;
  const input = ptr(plan, H_INPUT);
  const target = ptr(plan, H_TARGET);
  const metric = word(plan, H_METRIC);
  const pred = ptr(layer(plan, word(plan, H_LAYERS) - 1), L_OUTPUT);
  const sampleWeight = ptr(plan, H_SAMPLE_WEIGHT);
  const batchWeight = ptr(plan, H_BATCH_WEIGHT);
  const keep = ptr(plan, H_TRAIN_OUT);
  for (let c = 0; c < count; c++) {
    const b = first + c;
    const start = b * batch;
    const m = min<i32>(batch, rows - start);
    for (let r = 0; r < m; r++) {
      const row = <usize>load<i32>(order + (<usize>(start + r) << 2));
      memory.copy(input + <usize>r * xBytes, x + row * xBytes, xBytes);
      memory.copy(target + <usize>r * yBytes, y + row * yBytes, yBytes);
      if (sampleWeight) store<f32>(batchWeight + (<usize>r << 2), load<f32>(sampleWeight + (row << 2)));
    }
    const loss = network_train_step(plan, m);
    store<f32>(losses + (<usize>b << 2), <f32>loss);
    if (word(plan, H_STATUS) != STEP_OK) return c;
    // the output buffer still holds this batch's forward pass: the update does not touch it
    if (metric != METRIC_NONE) store<i32>(correct + (<usize>b << 2), count_correct(pred, target, m, outputs, metric));
    if (keep) {
      for (let r = 0; r < m; r++) {
        const row = <usize>load<i32>(order + (<usize>(start + r) << 2));
        memory.copy(keep + row * yBytes, pred + <usize>r * yBytes, yBytes);
      }
    }
  }
  return count;
}

// Forward pass over `rows` rows of x (rows, inputs) in chunks of max_batch; writes the outputs
// to out (rows, outputs).
export function network_predict(plan: usize, x: usize, out: usize, rows: i32): void {
  const inputs = word(plan, H_INPUTS);
  const maxBatch = word(plan, H_MAX_BATCH);
  const outputs = word(layer(plan, word(plan, H_LAYERS) - 1), L_OUT);
  for (let start = 0; start < rows; start += maxBatch) {
    const m = min<i32>(maxBatch, rows - start);
    const result = network_forward(plan, x + ((<usize>start * inputs) << 2), m);
    memory.copy(out + ((<usize>start * outputs) << 2), result, (<usize>m * outputs) << 2);
  }
}
