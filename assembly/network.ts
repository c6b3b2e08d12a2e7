// The network driver: forward pass, loss, backward pass and optimizer step over a plan that the
// TypeScript side writes into memory once per model and batch size (src/model/network.ts mirrors
// the layout below). Running whole steps — and whole runs of batches — here removes the
// JS↔wasm round trip per layer and per batch that dominates small networks.
//
// Plan layout, in 32-bit words from `plan`:
//   header (words 0–63)           see H_* below
//   layer i at word 64 + 24·i      see L_* below
// Layer i maps A_{i−1} (m, in) to A_i (m, out). Its kind (LAYER_*, the codes of the layer table
// in src/model/layers.ts) says how:
//   dense:    A_i = f(A_{i−1} · W + b), W is (in, out); Z (the pre-activation) goes to PRE, which
//             is a buffer of its own when f' needs z, else the output buffer itself
//   dropout:  A_i = A_{i−1} ⊙ mask while training; skipped (A_i is A_{i−1}) otherwise
//   batchNormalization: A_i = γ·x̂ + β (layers.ts), batch statistics while training
// DA_i holds dL/dA_i; a dense layer turns it into dL/dZ_i in place. A_{−1} is the input batch.
// Every dispatch on a code traps on a code it does not know.

import { par_gemm_nn, par_gemm_nt, par_gemm_tn, par_activation_forward, par_activation_backward,
  par_softmax_forward, par_softmax_backward, par_optimizer_update, par_gradient_summary, par_gather_rows,
  par_predict, par_predict_open, par_dropout_forward, par_dropout_backward, par_batchnorm_forward, par_batchnorm_inference,
  par_batchnorm_backward } from './parallel';
import { gemm_block, GEMM_NN } from './gemm';
import { activation_forward, softmax_forward } from './activation';
import { mse_loss, softmax_cross_entropy_loss, sigmoid_binary_cross_entropy_loss, mae_loss, huber_loss,
  weight_penalty, LOSS_MSE, LOSS_CROSS_ENTROPY, LOSS_BINARY_CROSS_ENTROPY, LOSS_MAE, LOSS_HUBER } from './loss';
import { OPT_SGD, OPT_MOMENTUM, OPT_ADAM, OPT_RMSPROP, OPT_ADAGRAD, OPT_ADAMAX, OPT_NADAM, OPT_ADAMW } from './optimizer';
import { batchnorm_inference, batchnorm_update_moving } from './layers';
import { count_correct, METRIC_NONE } from './reduce';
import { ACT_LINEAR, ACT_SOFTMAX } from './simd';

const H_LAYERS = 0;      // number of layers
const H_LOSS = 1;        // loss code (LOSS_*)
const H_INPUT = 2;       // input batch (max_batch, inputs)
const H_TARGET = 3;      // target batch (max_batch, outputs)
const H_SCRATCH = 4;     // GEMM scratch
const H_PARAMS = 5;      // parameter block: each layer's weights and biases (or γ, β), 16-byte aligned
const H_GRADS = 6;       // gradient block, same layout
const H_PARAM_COUNT = 7; // floats in the parameter block (padding included)
const H_OPTIMIZER = 8;   // optimizer code (OPT_*)
const H_STATE1 = 9;      // optimizer state blocks (each paramCount floats), 0 when unused
const H_STATE2 = 10;
const H_STEP = 11;       // optimizer steps taken so far
const H_LR = 12;         // f32 learning rate
const H_BETA1 = 13;      // f32 β1 (adam family), momentum μ (momentum), ρ (rmsprop)
const H_BETA2 = 14;      // f32 β2
const H_EPSILON = 15;    // f32 ε
const H_DECAY = 16;      // f32 weight decay
const H_NESTEROV = 17;   // momentum: 1 for Nesterov
const H_MAX_BATCH = 18;  // rows the activation buffers hold
const H_INPUTS = 19;     // input width
const H_METRIC = 20;     // METRIC_* of reduce.ts for the training accuracy, or METRIC_NONE
const H_STATUS = 21;     // how the last training step ended: STEP_* below
const H_BETA1_POW = 22;  // f64 (words 22–23) β1ᵗ after H_STEP steps, kept by network_update
const H_BETA2_POW = 24;  // f64 (words 24–25) β2ᵗ
const H_STATE3 = 26;     // third optimizer state block (rmsprop's momentum buffer)
const H_MOMENTUM = 27;   // f32 rmsprop's momentum μ
const H_CLIP_NORM = 28;  // f32 global-norm clip, 0 when off
const H_CLIP_VALUE = 29; // f32 element clip, +∞ when off
const H_REACH = 30;      // how far one step can move a weight: REACH_* below
const H_REACH_FACTOR = 31; // f32 factor of REACH_LINEAR (1/(1 − μ) with momentum)
const H_DELTA = 32;      // f32 huber δ
const H_SEED = 33;       // u32 dropout seed
const H_STREAM = 34;     // u32 dropout calls made so far (each draws a fresh mask)
const H_GRAD_SCALE = 35; // f32 the global-norm factor of the last step (1 when not clipped)
const H_DECAY_POW = 36;  // f64 (words 36–37) nadam: 0.96^(0.004·t)
const H_U_PRODUCT = 38;  // f64 (words 38–39) nadam: Π u_s over the steps taken
const H_SUMMARY = 40;    // f64 ×2 (words 40–43) the last step's max |g| and Σ g² (Σ g² only with clipNorm, else 0)
const H_SAMPLE_WEIGHT = 44; // per-row training weights (rows) f32, or 0 when every row weighs 1
const H_BATCH_WEIGHT = 45;  // the batch's row weights (max_batch) f32, gathered by network_train_batches
const H_TRAIN_OUT = 46;     // where network_train_batches keeps each training row's outputs (rows, outputs), or 0
const H_ARENA = 47;      // prediction arenas: one per thread, H_ARENA_STRIDE bytes apart (network_forward_rows)
const H_ARENA_STRIDE = 48;
const H_WIDTH = 49;      // the widest layer's units: each arena holds three (arena rows, width) blocks, then two (width)
const H_ARENA_ROWS = 50; // rows a prediction block takes at most (min(max_batch, 256): the arenas stay small)
const H_LAYER0 = 64;
const LAYER_WORDS = 24;

const L_KIND = 0;        // LAYER_*
const L_IN = 1;
const L_OUT = 2;
const L_ACTIVATION = 3;  // dense: activation code
const L_ALPHA = 4;       // f32 dense: leakyRelu / elu α
const L_WEIGHT = 5;      // dense: W; batchNormalization: γ
const L_BIAS = 6;        // dense: b; batchNormalization: β
const L_DWEIGHT = 7;
const L_DBIAS = 8;
const L_OUTPUT = 9;      // A_i (max_batch, out)
const L_DOUTPUT = 10;    // DA_i (max_batch, out)
const L_SAVED = 11;      // dense: y or z for f'; dropout: the mask; batchNormalization: x̂
const L_PRE = 12;        // dense: where the GEMM writes Z (the output buffer unless f' needs z)
const L_FUSED = 13;      // dense: 1 when the GEMM epilogue applies the activation
const L_L1 = 14;         // f32 dense: L1 penalty on W
const L_L2 = 15;         // f32 dense: L2 penalty on W
const L_MOVING_MEAN = 16; // batchNormalization (n each)
const L_MOVING_VAR = 17;
const L_BATCH_MEAN = 18;
const L_BATCH_VAR = 19;
const L_INV_STD = 20;
const L_MOMENTUM = 21;   // f32 batchNormalization momentum
const L_EPSILON = 22;    // f32 batchNormalization ε
const L_RATE = 23;       // f32 dropout rate

// Layer codes: the `code` column of the table in src/model/layers.ts.
export const LAYER_DENSE: i32 = 0;
export const LAYER_DROPOUT: i32 = 1;
export const LAYER_BATCH_NORMALIZATION: i32 = 2;

// Optimizer codes: OPT_* of optimizer.ts (the `code` column of src/model/optimizers.ts).

const REACH_LINEAR = 0;  // a weight moves by at most lr·|g|·factor
const REACH_SQUARED = 1; // the state holds g² (or its running max): refuse when g² passes the limit

const STEP_OK = 0;
const STEP_LOSS_NOT_FINITE = 1;     // the loss was NaN or ±Infinity
const STEP_GRADIENT_NOT_FINITE = 2; // a gradient was NaN or ±Infinity
const STEP_TOO_LARGE = 3;           // the update would move weights by more than STEP_LIMIT
// A step that moves a weight by more than this has diverged: refusing it keeps the weights
// finite (float32 overflows at 3.4e38). For optimizers that keep g², the limit is on g².
const STEP_LIMIT: f64 = 1e30;

// 0.96^0.004, the per-step factor of nadam's momentum schedule (Keras: u_t = β1(1 − ½·0.96^(0.004t)))
const NADAM_DECAY_STEP: f64 = 0.9998367253541203;

// @ts-ignore: decorator
@inline function word(plan: usize, index: i32): i32 {
  return load<i32>(plan + (<usize>index << 2));
}
// @ts-ignore: decorator
@inline function real(plan: usize, index: i32): f32 {
  return load<f32>(plan + (<usize>index << 2));
}
// @ts-ignore: decorator
@inline function real64(plan: usize, index: i32): f64 {
  return load<f64>(plan + (<usize>index << 2));
}
// @ts-ignore: decorator
@inline function setReal64(plan: usize, index: i32, value: f64): void {
  store<f64>(plan + (<usize>index << 2), value);
}
// @ts-ignore: decorator
@inline function ptr(plan: usize, index: i32): usize {
  return <usize>load<u32>(plan + (<usize>index << 2));
}
// @ts-ignore: decorator
@inline function layer(plan: usize, i: i32): usize {
  return plan + (<usize>(H_LAYER0 + i * LAYER_WORDS) << 2);
}

// Forward pass of m ≤ max_batch rows starting at `input` (m, inputs); `training` != 0 applies
// dropout and batch statistics. Leaves A_i in the layers' output buffers and returns the last
// one's address (dropout layers outside training pass their input on without a copy).
export function network_forward(plan: usize, input: usize, m: i32, training: i32): usize {
  const layers = word(plan, H_LAYERS);
  const scratch = ptr(plan, H_SCRATCH);
  let prev = input;
  for (let i = 0; i < layers; i++) {
    const l = layer(plan, i);
    const kind = word(l, L_KIND);
    const n = word(l, L_OUT);
    const out = ptr(l, L_OUTPUT);
    if (kind == LAYER_DENSE) {
      const act = word(l, L_ACTIVATION);
      const alpha = real(l, L_ALPHA);
      if (word(l, L_FUSED)) {
        par_gemm_nn(out, prev, ptr(l, L_WEIGHT), ptr(l, L_BIAS), m, word(l, L_IN), n, act, alpha, 0, scratch);
      } else {
        const pre = ptr(l, L_PRE);
        par_gemm_nn(pre, prev, ptr(l, L_WEIGHT), ptr(l, L_BIAS), m, word(l, L_IN), n, ACT_LINEAR, 0, 0, scratch);
        if (act == ACT_SOFTMAX) par_softmax_forward(out, pre, m, n);
        else par_activation_forward(out, pre, m * n, act, alpha);
      }
      prev = out;
    } else if (kind == LAYER_DROPOUT) {
      if (training) {
        const stream = <u32>word(plan, H_STREAM);
        store<u32>(plan + (<usize>H_STREAM << 2), stream + 1);
        par_dropout_forward(out, ptr(l, L_SAVED), prev, m * n, real(l, L_RATE), <u32>word(plan, H_SEED), stream);
        prev = out;
      }
    } else if (kind == LAYER_BATCH_NORMALIZATION) {
      if (training) {
        par_batchnorm_forward(out, ptr(l, L_SAVED), ptr(l, L_BATCH_MEAN), ptr(l, L_BATCH_VAR), ptr(l, L_INV_STD),
          prev, ptr(l, L_WEIGHT), ptr(l, L_BIAS), m, n, real(l, L_EPSILON));
      } else {
        par_batchnorm_inference(out, ptr(l, L_BATCH_MEAN), ptr(l, L_INV_STD), prev, ptr(l, L_WEIGHT), ptr(l, L_BIAS),
          ptr(l, L_MOVING_MEAN), ptr(l, L_MOVING_VAR), m, n, real(l, L_EPSILON));
      }
      prev = out;
    } else {
      unreachable();
    }
  }
  return prev;
}

// Loss of predictions `pred` (m, outputs) against `target` (m, outputs), without penalties.
// With `gradient` != 0 also writes dL/dZ of the last (dense) layer into its DA buffer: fused for
// softmax + cross-entropy and sigmoid + binary cross-entropy; through the output activation's
// derivative for mse, mae and huber.
// With sample weights w (the plan's batch weights, when `weighted`) the loss is Σ w_r·L_r / Σ w_r
// (L_r the row's loss) and row r of the gradient is scaled by w_r·m/Σ w (the kernels' gradient
// holds 1/m): PyTorch's weighted mean. A row of weight 0 gets a gradient of exactly 0.
export function network_loss(plan: usize, target: usize, m: i32, gradient: i32): f64 {
  const last = layer(plan, word(plan, H_LAYERS) - 1);
  return network_loss_of(plan, ptr(last, L_OUTPUT), target, m, gradient, 1);
}

// The loss kernel of the plan's loss code (batch mean over m rows; with dpred != 0 also its
// gradient with respect to the predictions, or to z for the fused pairs).
function loss_of(plan: usize, dpred: usize, pred: usize, target: usize, m: i32, n: i32): f64 {
  const kind = word(plan, H_LOSS);
  if (kind == LOSS_CROSS_ENTROPY) return softmax_cross_entropy_loss(dpred, pred, target, m, n);
  if (kind == LOSS_BINARY_CROSS_ENTROPY) return sigmoid_binary_cross_entropy_loss(dpred, pred, target, m, n);
  if (kind == LOSS_MSE) return mse_loss(dpred, pred, target, m, n);
  if (kind == LOSS_MAE) return mae_loss(dpred, pred, target, m, n);
  if (kind == LOSS_HUBER) return huber_loss(dpred, pred, target, m, n, real(plan, H_DELTA));
  unreachable();
  return 0;
}

// Σ w over the batch's m row weights, or −1 when the plan has no sample weights.
function batch_weight_sum(plan: usize, m: i32): f64 {
  if (word(plan, H_SAMPLE_WEIGHT) == 0) return -1;
  const weights = ptr(plan, H_BATCH_WEIGHT);
  let sum: f64 = 0;
  for (let r = 0; r < m; r++) sum += <f64>load<f32>(weights + (<usize>r << 2));
  return sum;
}

function network_loss_of(plan: usize, pred: usize, target: usize, m: i32, gradient: i32, weighted: i32): f64 {
  const last = layer(plan, word(plan, H_LAYERS) - 1);
  const n = word(last, L_OUT);
  const act = word(last, L_ACTIVATION);
  const dpred = gradient ? ptr(last, L_DOUTPUT) : 0;
  const kind = word(plan, H_LOSS);
  const wsum = weighted ? batch_weight_sum(plan, m) : -1;
  let loss: f64 = 0;
  if (wsum < 0) {
    loss = loss_of(plan, dpred, pred, target, m, n);
  } else {
    const weights = ptr(plan, H_BATCH_WEIGHT);
    const rowBytes = <usize>n << 2;
    for (let r = 0; r < m; r++) {
      const w = <f64>load<f32>(weights + (<usize>r << 2));
      if (w != 0) loss += w * loss_of(plan, 0, pred + <usize>r * rowBytes, target + <usize>r * rowBytes, 1, n);
    }
    loss = wsum > 0 ? loss / wsum : 0;
    if (dpred) {
      loss_of(plan, dpred, pred, target, m, n);
      const scale = wsum > 0 ? <f32>(<f64>m / wsum) : <f32>0;
      scale_rows(dpred, weights, scale, m, n);
    }
  }
  if (dpred && kind != LOSS_CROSS_ENTROPY && kind != LOSS_BINARY_CROSS_ENTROPY) {
    if (act == ACT_SOFTMAX) par_softmax_backward(dpred, dpred, pred, m, n);
    else par_activation_backward(dpred, dpred, ptr(last, L_SAVED), m * n, act, real(last, L_ALPHA));
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

// The loss `evaluate` reports for predictions `pred` (m, outputs) against `target`: the data loss
// plus the weight penalties, as training reports it.
export function network_score(plan: usize, pred: usize, target: usize, m: i32): f64 {
  return network_loss_of(plan, pred, target, m, 0, 0) + network_penalty(plan);
}

// The L1/L2 penalties of every dense layer's weights (added to the reported loss).
export function network_penalty(plan: usize): f64 {
  const layers = word(plan, H_LAYERS);
  let sum: f64 = 0;
  for (let i = 0; i < layers; i++) {
    const l = layer(plan, i);
    const l1 = real(l, L_L1), l2 = real(l, L_L2);
    if (word(l, L_KIND) == LAYER_DENSE && (l1 != 0 || l2 != 0)) {
      sum += weight_penalty(0, ptr(l, L_WEIGHT), word(l, L_IN) * word(l, L_OUT), l1, l2);
    }
  }
  return sum;
}

// Backward pass after network_loss(…, gradient = 1): fills the gradient block, penalties'
// gradients included, and returns the penalties' sum. The input's dL/dX is never needed, so the
// first layer skips it.
export function network_backward(plan: usize, input: usize, m: i32): f64 {
  const layers = word(plan, H_LAYERS);
  const scratch = ptr(plan, H_SCRATCH);
  let penalty: f64 = 0;
  for (let i = layers - 1; i >= 0; i--) {
    const l = layer(plan, i);
    const kind = word(l, L_KIND);
    const k = word(l, L_IN);
    const n = word(l, L_OUT);
    const dout = ptr(l, L_DOUTPUT);
    const prev = i > 0 ? ptr(layer(plan, i - 1), L_OUTPUT) : input;
    const dprev = i > 0 ? ptr(layer(plan, i - 1), L_DOUTPUT) : 0;
    if (kind == LAYER_DENSE) {
      // dA → dZ (the loss already gave the last layer's dZ)
      if (i < layers - 1) {
        const act = word(l, L_ACTIVATION);
        if (act == ACT_SOFTMAX) par_softmax_backward(dout, dout, ptr(l, L_OUTPUT), m, n);
        else par_activation_backward(dout, dout, ptr(l, L_SAVED), m * n, act, real(l, L_ALPHA));
      }
      // dW (k, n) = A_prevᵀ · dZ, db = Σ_rows dZ
      par_gemm_tn(ptr(l, L_DWEIGHT), prev, dout, ptr(l, L_DBIAS), k, m, n, 0, scratch);
      const l1 = real(l, L_L1), l2 = real(l, L_L2);
      if (l1 != 0 || l2 != 0) penalty += weight_penalty(ptr(l, L_DWEIGHT), ptr(l, L_WEIGHT), k * n, l1, l2);
      // dA_prev (m, k) = dZ · Wᵀ
      if (dprev) par_gemm_nt(dprev, dout, ptr(l, L_WEIGHT), m, n, k, 0, scratch);
    } else if (kind == LAYER_DROPOUT) {
      if (dprev) par_dropout_backward(dprev, dout, ptr(l, L_SAVED), m * n);
    } else if (kind == LAYER_BATCH_NORMALIZATION) {
      par_batchnorm_backward(dprev, ptr(l, L_DWEIGHT), ptr(l, L_DBIAS), dout, ptr(l, L_SAVED), ptr(l, L_WEIGHT),
        ptr(l, L_INV_STD), m, n);
    } else {
      unreachable();
    }
  }
  return penalty;
}

// One optimizer step over the whole parameter block with the gradients in the gradient block,
// read through the clipping of the last gradient_summary (H_GRAD_SCALE, H_CLIP_VALUE).
export function network_update(plan: usize): void {
  const params = ptr(plan, H_PARAMS);
  const grads = ptr(plan, H_GRADS);
  const count = word(plan, H_PARAM_COUNT);
  const lr = real(plan, H_LR);
  const beta1 = real(plan, H_BETA1);
  const beta2 = real(plan, H_BETA2);
  const epsilon = real(plan, H_EPSILON);
  const decay = real(plan, H_DECAY);
  const scale = real(plan, H_GRAD_SCALE);
  const clip = real(plan, H_CLIP_VALUE);
  const s1 = ptr(plan, H_STATE1), s2 = ptr(plan, H_STATE2), s3 = ptr(plan, H_STATE3);
  const kind = word(plan, H_OPTIMIZER);
  const t = word(plan, H_STEP) + 1;
  store<i32>(plan + (<usize>H_STEP << 2), t);
  // βᵗ as running products (f64); the TS side sets them to 1 when the optimizer state starts
  const pow1 = real64(plan, H_BETA1_POW) * <f64>beta1;
  const pow2 = real64(plan, H_BETA2_POW) * <f64>beta2;
  // the step's factors (see optimizer_update); the update itself is split across the threads
  let c1: f32 = 0, c2: f32 = 0, c3: f32 = 0;
  if (kind == OPT_ADAM || kind == OPT_ADAMW) {
    setReal64(plan, H_BETA1_POW, pow1);
    setReal64(plan, H_BETA2_POW, pow2);
    c1 = <f32>(1.0 / (1.0 - pow1));
    c2 = <f32>(1.0 / (1.0 - pow2));
  } else if (kind == OPT_ADAMAX) {
    setReal64(plan, H_BETA1_POW, pow1);
    c1 = <f32>(1.0 / (1.0 - pow1));
  } else if (kind == OPT_NADAM) {
    // Keras 3: u_t = β1(1 − ½·0.96^(0.004t)), u_{t+1} likewise, Π u over the steps so far
    const decayPow = real64(plan, H_DECAY_POW) * NADAM_DECAY_STEP;
    const ut = <f64>beta1 * (1.0 - 0.5 * decayPow);
    const ut1 = <f64>beta1 * (1.0 - 0.5 * decayPow * NADAM_DECAY_STEP);
    const product = real64(plan, H_U_PRODUCT) * ut;
    const product1 = product * ut1;
    setReal64(plan, H_DECAY_POW, decayPow);
    setReal64(plan, H_U_PRODUCT, product);
    setReal64(plan, H_BETA2_POW, pow2);
    c1 = <f32>(ut1 / (1.0 - product1));
    c2 = <f32>((1.0 - ut) / (1.0 - product));
    c3 = <f32>(1.0 / (1.0 - pow2));
  } else if (kind != OPT_SGD && kind != OPT_MOMENTUM && kind != OPT_RMSPROP && kind != OPT_ADAGRAD) {
    unreachable();
  }
  par_optimizer_update(kind, params, grads, s1, s2, s3, count, lr, beta1, beta2, epsilon, decay,
    word(plan, H_NESTEROV), real(plan, H_MOMENTUM), c1, c2, c3, scale, clip);
}

// After an accepted step: every batch-normalization layer's moving statistics take in the
// batch's (so a refused step leaves them as they were, like the weights).
function network_update_statistics(plan: usize): void {
  const layers = word(plan, H_LAYERS);
  for (let i = 0; i < layers; i++) {
    const l = layer(plan, i);
    if (word(l, L_KIND) == LAYER_BATCH_NORMALIZATION) {
      batchnorm_update_moving(ptr(l, L_MOVING_MEAN), ptr(l, L_MOVING_VAR), ptr(l, L_BATCH_MEAN),
        ptr(l, L_BATCH_VAR), word(l, L_OUT), real(l, L_MOMENTUM));
    }
  }
}

// One training step on the m rows already in the input and target buffers. Returns the batch
// loss (penalties included) and sets the plan's status word; unless the status is STEP_OK the
// parameters, the optimizer state and the moving statistics are untouched.
export function network_train_step(plan: usize, m: i32): f64 {
  const input = ptr(plan, H_INPUT);
  const pred = network_forward(plan, input, m, 1);
  let loss = network_loss_of(plan, pred, ptr(plan, H_TARGET), m, 1, 1);
  let status = STEP_OK;
  if (!isFinite(loss)) {
    status = STEP_LOSS_NOT_FINITE;
  } else if (batch_weight_sum(plan, m) == 0) {
    // every row of the batch weighs 0: the batch changes nothing (no step is taken)
    loss += network_penalty(plan);
  } else if (!isFinite(loss += network_backward(plan, input, m))) {
    status = STEP_LOSS_NOT_FINITE;
  } else {
    const summary = plan + (<usize>H_SUMMARY << 2);
    // Keras's global_clipnorm: g·c/max(‖g‖, c); ‖g‖ is summed only when it is on
    const clipNorm = <f64>real(plan, H_CLIP_NORM);
    par_gradient_summary(summary, ptr(plan, H_GRADS), word(plan, H_PARAM_COUNT), clipNorm > 0 ? 1 : 0);
    const gmax = load<f64>(summary);
    const norm = Math.sqrt(load<f64>(summary, 8));
    const scale = clipNorm > 0 && norm > clipNorm ? clipNorm / norm : 1.0;
    store<f32>(plan + (<usize>H_GRAD_SCALE << 2), <f32>scale);
    // the largest gradient the optimizer will read, and how far it can move a weight
    const g = min<f64>(gmax * scale, <f64>real(plan, H_CLIP_VALUE));
    const reach = word(plan, H_REACH) == REACH_SQUARED ? g * g
      : <f64>real(plan, H_LR) * g * <f64>real(plan, H_REACH_FACTOR);
    if (!isFinite(gmax)) status = STEP_GRADIENT_NOT_FINITE;
    else if (!(reach <= STEP_LIMIT)) status = STEP_TOO_LARGE;
    else {
      network_update(plan);
      network_update_statistics(plan);
    }
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
  const last = layer(plan, word(plan, H_LAYERS) - 1);
  const outputs = word(last, L_OUT);
  const yBytes = <usize>outputs << 2;
  const input = ptr(plan, H_INPUT);
  const target = ptr(plan, H_TARGET);
  const metric = word(plan, H_METRIC);
  const pred = ptr(last, L_OUTPUT);
  const sampleWeight = ptr(plan, H_SAMPLE_WEIGHT);
  const batchWeight = ptr(plan, H_BATCH_WEIGHT);
  const keep = ptr(plan, H_TRAIN_OUT);
  for (let c = 0; c < count; c++) {
    const b = first + c;
    const start = b * batch;
    const m = min<i32>(batch, rows - start);
    const picked = order + (<usize>start << 2);
    par_gather_rows(input, x, picked, m, inputs);
    for (let r = 0; r < m; r++) {
      const row = <usize>load<i32>(picked + (<usize>r << 2));
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

// Inference-mode forward pass over `rows` rows of x (rows, inputs); writes the outputs to out
// (rows, outputs). Split by rows (parallel.ts, par_predict): each thread runs every layer on blocks
// of rows of its own, in its own arena, so a prediction joins the threads once rather than after
// every layer; every row's outputs are the same bits whatever block and thread computed them.
export function network_predict(plan: usize, x: usize, out: usize, rows: i32): void {
  par_predict(plan, x, out, rows, word(plan, H_INPUTS), network_outputs(plan), word(plan, H_ARENA_ROWS), 0, ptr(plan, H_SCRATCH));
}

// network_predict while x is still being copied in (parallel.ts, par_predict_open): returns the
// rows per task, or 0 when the prediction is not worth splitting (copy all, then network_predict).
export function network_predict_open(plan: usize, x: usize, out: usize, rows: i32): i32 {
  return par_predict_open(plan, x, out, rows, word(plan, H_INPUTS), network_outputs(plan), word(plan, H_ARENA_ROWS));
}

// @ts-ignore: decorator
@inline function network_outputs(plan: usize): i32 {
  return word(layer(plan, word(plan, H_LAYERS) - 1), L_OUT);
}

// Inference-mode forward pass of m ≤ H_ARENA_ROWS rows from x (m, inputs) into out (m, outputs),
// with thread `id`'s arena for the layers' outputs and `scratch` for the GEMMs. The same sums as
// network_forward(…, training = 0) (a GEMM's elements do not depend on its row count), without
// writing anything of the plan's, so that threads can run it on different rows at once.
export function network_forward_rows(plan: usize, x: usize, out: usize, m: i32, id: i32, scratch: usize): void {
  const layers = word(plan, H_LAYERS);
  const block = (<usize>word(plan, H_ARENA_ROWS) * <usize>word(plan, H_WIDTH)) << 2;
  const arena = ptr(plan, H_ARENA) + <usize>id * <usize>word(plan, H_ARENA_STRIDE);
  const pre = arena + 2 * block;
  const mean = arena + 3 * block;
  const invStd = mean + (<usize>word(plan, H_WIDTH) << 2);
  // the last layer that writes writes straight into out (dropout passes its input on)
  let last = layers - 1;
  while (last > 0 && word(layer(plan, last), L_KIND) == LAYER_DROPOUT) last--;
  let prev = x;
  let next = arena;
  for (let i = 0; i < layers; i++) {
    const l = layer(plan, i);
    const kind = word(l, L_KIND);
    const n = word(l, L_OUT);
    if (kind == LAYER_DROPOUT) continue;
    const dst = i == last ? out : next;
    if (kind == LAYER_DENSE) {
      const act = word(l, L_ACTIVATION);
      const alpha = real(l, L_ALPHA);
      const k = word(l, L_IN);
      if (word(l, L_FUSED)) {
        gemm_block(GEMM_NN, dst, prev, ptr(l, L_WEIGHT), ptr(l, L_BIAS), m, k, n, 0, m, 0, n, act, alpha, 0, scratch);
      } else {
        gemm_block(GEMM_NN, pre, prev, ptr(l, L_WEIGHT), ptr(l, L_BIAS), m, k, n, 0, m, 0, n, ACT_LINEAR, 0, 0, scratch);
        if (act == ACT_SOFTMAX) softmax_forward(dst, pre, m, n);
        else activation_forward(dst, pre, m * n, act, alpha);
      }
    } else if (kind == LAYER_BATCH_NORMALIZATION) {
      batchnorm_inference(dst, mean, invStd, prev, ptr(l, L_WEIGHT), ptr(l, L_BIAS),
        ptr(l, L_MOVING_MEAN), ptr(l, L_MOVING_VAR), m, n, real(l, L_EPSILON));
    } else {
      unreachable();
    }
    prev = dst;
    next = next == arena ? arena + block : arena;
  }
  // only dropout layers: the outputs are the inputs
  if (prev != out) memory.copy(out, prev, (<usize>m * <usize>network_outputs(plan)) << 2);
}
