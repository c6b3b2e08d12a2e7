/**
 * The TypeScript half of assembly/network.ts: lays out one model's memory and writes the plan the
 * wasm driver reads. Layout, in order: the plan words, the parameter block (W_0, b_0, W_1, …,
 * each 16-byte aligned), the gradient block (same layout), optimizer state; then the batch
 * buffers (activations and their gradients for `maxBatch` rows, input and target batch, GEMM
 * scratch); then the training data (x, y, batch order, per-batch losses and hit counts); then the
 * evaluation area (x, y, outputs). Each later region is re-planned, larger only, when a call
 * needs more than it holds; after the first epoch of a fit nothing is reserved again.
 */
import { BOARD_BYTES, GEMM_FORMS, METRIC_CODES, type KernelExports } from '../runtime/abi.js';
import { Workspace, type Mark } from '../runtime/workspace.js';
import { ACTIVATION_TABLE } from './activations.js';
import { LOSS_TABLE } from './losses.js';
import { OPTIMIZER_TABLE, type OptimizerRow } from './optimizers.js';
import { LAYER_TABLE } from './layers.js';
import type { ResolvedLayer, ResolvedSpec } from './spec.js';

// Plan words; keep in step with H_* and L_* in assembly/network.ts.
const H = {
  layers: 0, loss: 1, input: 2, target: 3, scratch: 4, params: 5, grads: 6, paramCount: 7,
  optimizer: 8, state1: 9, state2: 10, step: 11, lr: 12, beta1: 13, beta2: 14, epsilon: 15,
  decay: 16, nesterov: 17, maxBatch: 18, inputs: 19, metric: 20, status: 21, beta1Pow: 22, beta2Pow: 24,
  state3: 26, momentum: 27, clipNorm: 28, clipValue: 29, reach: 30, reachFactor: 31, delta: 32, seed: 33,
  stream: 34, gradScale: 35, decayPow: 36, uProduct: 38, summary: 40, sampleWeight: 44, batchWeight: 45, trainOut: 46,
  arena: 47, arenaStride: 48, width: 49, arenaRows: 50,
} as const;
const LAYER0 = 64;
const LAYER_WORDS = 24;
const L = {
  kind: 0, in: 1, out: 2, activation: 3, alpha: 4, weight: 5, bias: 6, dweight: 7, dbias: 8, output: 9,
  doutput: 10, saved: 11, pre: 12, fused: 13, l1: 14, l2: 15, movingMean: 16, movingVar: 17, batchMean: 18,
  batchVar: 19, invStd: 20, momentum: 21, epsilon: 22, rate: 23,
} as const;

/** Rows a prediction block takes at most (each thread's arena holds that many). */
const MAX_ARENA_ROWS = 256;

/** Rows the batch buffers hold at least, so that prediction runs in chunks of a useful size. */
const MIN_PLANNED_BATCH = 128;

const align4 = (count: number): number => (count + 3) & ~3;

/**
 * Addresses of one layer's blocks (byte addresses; index = address / 4 into f32): W and b, or
 * batch normalization's γ and β, their gradients, and the moving statistics (0 when none).
 */
export interface LayerBlock {
  weight: number;
  bias: number;
  dweight: number;
  dbias: number;
  weightFloats: number;
  biasFloats: number;
  movingMean: number;
  movingVariance: number;
}

/** What a layer's batch buffers hold, in (maxBatch × units) blocks after its output and its gradient. */
function extraBuffers(layer: ResolvedLayer): { saved: boolean; pre: boolean } {
  if (layer.type === 'dense') return { saved: false, pre: ACTIVATION_TABLE[layer.activation].derivative === 'input' };
  return { saved: true, pre: false };
}

export class Network {
  readonly ws: Workspace;
  readonly k: KernelExports;
  readonly spec: ResolvedSpec;
  readonly plan: number;
  readonly params: number;
  readonly grads: number;
  /** Floats in the parameter block, alignment padding included. */
  readonly paramFloats: number;
  readonly blocks: LayerBlock[];
  readonly outputs: number;
  /** Optimizer state blocks (paramFloats each), in the order the optimizer kernel takes them. */
  readonly stateBlocks: number[];
  private readonly fixedEnd: Mark;

  /** Rows the batch buffers hold now (0 before the first plan). */
  maxBatch = 0;
  private batchEnd: Mark;
  /** Training data area. */
  trainRows = 0;
  trainX = 0;
  trainY = 0;
  order = 0;
  losses = 0;
  correct = 0;
  /** Per-row training weights (rows floats) and the outputs kept for the epoch's metrics (rows × outputs). */
  trainWeight = 0;
  trainOut = 0;
  private trainEnd: Mark;
  /** Evaluation area. */
  evalRows = 0;
  evalX = 0;
  evalY = 0;
  evalOut = 0;

  /** Threads that run the kernels (1: no job board, the kernels run in the calling thread). */
  readonly threads: number;
  /** The job board of assembly/parallel.ts (threads > 1), in the fixed block so it never moves. */
  readonly board: number;

  constructor(kernels: KernelExports, spec: ResolvedSpec, threads = 1) {
    this.k = kernels;
    this.threads = threads;
    this.ws = new Workspace(kernels);
    this.spec = spec;
    const ws = this.ws;
    this.outputs = spec.layers[spec.layers.length - 1].units;
    this.plan = ws.reserve((LAYER0 + LAYER_WORDS * spec.layers.length) * 4, 'the network plan');
    const sizes = spec.layers.map((l) => LAYER_TABLE[l.type].weights(l.inputs, l.units));
    this.paramFloats = sizes.reduce((sum, [w, b]) => sum + align4(w) + align4(b), 0);
    this.params = ws.reserveFloats(this.paramFloats, 'the parameters');
    this.grads = ws.reserveFloats(this.paramFloats, 'the gradients');
    const row: OptimizerRow = OPTIMIZER_TABLE[spec.optimizer.type];
    this.stateBlocks = [];
    for (let s = 0; s < row.stateBlocks(spec.optimizer); s++) this.stateBlocks.push(ws.reserveFloats(this.paramFloats, 'the optimizer state'));
    this.board = threads > 1 ? ws.reserve(BOARD_BYTES + 64, 'the job board') : 0;
    if (this.board) {
      this.board = (this.board + 63) & ~63; // its hot words on cache lines of their own
      kernels.parallel_setup(this.board, threads, 0, 0);
    }
    // a fresh memory is zero-filled, so gradients and optimizer state start at 0
    this.blocks = [];
    let offset = 0;
    spec.layers.forEach((layer, i) => {
      const [weightFloats, biasFloats] = sizes[i];
      const weight = offset;
      offset += align4(weightFloats);
      const bias = offset;
      offset += align4(biasFloats);
      const statistics = LAYER_TABLE[layer.type].statistics;
      this.blocks.push({
        weight: this.params + weight * 4, bias: this.params + bias * 4,
        dweight: this.grads + weight * 4, dbias: this.grads + bias * 4, weightFloats, biasFloats,
        movingMean: statistics ? ws.reserveFloats(layer.units, 'moving statistics') : 0,
        movingVariance: statistics ? ws.reserveFloats(layer.units, 'moving statistics') : 0,
      });
    });
    this.fixedEnd = this.batchEnd = this.trainEnd = ws.mark();
    this.writeFixedPlan();
    this.resetOptimizerState();
    // batch normalization starts as the identity: γ = 1, β = 0, moving mean 0, moving variance 1
    const f32 = ws.f32;
    spec.layers.forEach((layer, i) => {
      const b = this.blocks[i];
      if (layer.type !== 'batchNormalization') return;
      f32.fill(1, b.weight >>> 2, (b.weight >>> 2) + layer.units);
      f32.fill(1, b.movingVariance >>> 2, (b.movingVariance >>> 2) + layer.units);
    });
  }

  /** The moving statistics of every batch-normalization layer, as (address, floats) ranges. */
  private statisticsRanges(): [number, number][] {
    const ranges: [number, number][] = [];
    this.spec.layers.forEach((layer, i) => {
      const b = this.blocks[i];
      if (b.movingMean) ranges.push([b.movingMean, layer.units], [b.movingVariance, layer.units]);
    });
    return ranges;
  }

  /**
   * Floats in a snapshot of everything training changes that defines the model: the parameter
   * block, then each batch-normalization layer's moving mean and variance (Keras counts those
   * among a model's weights, so restoring the best epoch restores them too).
   */
  get snapshotFloats(): number {
    return this.statisticsRanges().reduce((sum, [, floats]) => sum + floats, this.paramFloats);
  }

  /** Copies the parameters and moving statistics into `to` (snapshotFloats long). */
  saveSnapshot(to: Float32Array): void {
    const f32 = this.ws.f32;
    to.set(f32.subarray(this.params >>> 2, (this.params >>> 2) + this.paramFloats));
    let at = this.paramFloats;
    for (const [address, floats] of this.statisticsRanges()) {
      to.set(f32.subarray(address >>> 2, (address >>> 2) + floats), at);
      at += floats;
    }
  }

  /** Writes back a snapshot taken by saveSnapshot. */
  restoreSnapshot(from: Float32Array): void {
    const f32 = this.ws.f32;
    f32.set(from.subarray(0, this.paramFloats), this.params >>> 2);
    let at = this.paramFloats;
    for (const [address, floats] of this.statisticsRanges()) {
      f32.set(from.subarray(at, at + floats), address >>> 2);
      at += floats;
    }
  }

  private setWord(index: number, value: number): void {
    this.ws.i32[(this.plan >>> 2) + index] = value;
  }
  private setReal(index: number, value: number): void {
    this.ws.f32[(this.plan >>> 2) + index] = value;
  }
  private layerWord(i: number, field: number, value: number): void {
    this.setWord(LAYER0 + LAYER_WORDS * i + field, value);
  }
  private layerReal(i: number, field: number, value: number): void {
    this.setReal(LAYER0 + LAYER_WORDS * i + field, value);
  }

  private writeFixedPlan(): void {
    const { spec } = this;
    this.setWord(H.layers, spec.layers.length);
    this.setWord(H.loss, LOSS_TABLE[spec.loss].code);
    this.setReal(H.delta, spec.delta);
    this.setWord(H.params, this.params);
    this.setWord(H.grads, this.grads);
    this.setWord(H.paramCount, this.paramFloats);
    this.setWord(H.optimizer, OPTIMIZER_TABLE[spec.optimizer.type].code);
    this.setWord(H.inputs, spec.inputs);
    // the dropout stream: its own seed, derived from the model's
    this.setWord(H.seed, dropoutSeed(spec.seed));
    this.metric = LOSS_TABLE[spec.loss].metric;
    this.writeOptimizer();
    spec.layers.forEach((layer, i) => {
      this.layerWord(i, L.kind, LAYER_TABLE[layer.type].code);
      this.layerWord(i, L.in, layer.inputs);
      this.layerWord(i, L.out, layer.units);
      const activation = ACTIVATION_TABLE[layer.activation];
      this.layerWord(i, L.activation, activation.code);
      this.layerWord(i, L.fused, activation.fused ? 1 : 0);
      this.layerReal(i, L.alpha, layer.alpha);
      this.layerReal(i, L.l1, layer.l1);
      this.layerReal(i, L.l2, layer.l2);
      this.layerReal(i, L.rate, layer.rate);
      this.layerReal(i, L.momentum, layer.momentum);
      this.layerReal(i, L.epsilon, layer.epsilon);
      const b = this.blocks[i];
      this.layerWord(i, L.weight, b.weight);
      this.layerWord(i, L.bias, b.bias);
      this.layerWord(i, L.dweight, b.dweight);
      this.layerWord(i, L.dbias, b.dbias);
      this.layerWord(i, L.movingMean, b.movingMean);
      this.layerWord(i, L.movingVar, b.movingVariance);
    });
  }

  /** Whether `length` floats from float index `start` of memory are all finite (SIMD kernel, split across the threads). */
  readonly finiteCheck = (start: number, length: number): boolean => this.k.par_all_finite(start * 4, length) === 1;

  /** Writes the optimizer's hyper-parameters (call again after changing them). */
  writeOptimizer(): void {
    const o = this.spec.optimizer;
    const row: OptimizerRow = OPTIMIZER_TABLE[o.type];
    this.setReal(H.lr, o.learningRate);
    this.setReal(H.beta1, o.type === 'momentum' ? o.momentum : o.type === 'rmsprop' ? o.rho : o.beta1);
    this.setReal(H.beta2, o.beta2);
    this.setReal(H.epsilon, o.epsilon);
    this.setReal(H.decay, o.weightDecay);
    this.setWord(H.nesterov, o.nesterov ? 1 : 0);
    this.setReal(H.momentum, o.type === 'rmsprop' ? o.momentum : 0);
    this.setReal(H.clipNorm, o.clipNorm ?? 0);
    this.setReal(H.clipValue, o.clipValue ?? Infinity);
    this.setWord(H.reach, row.reach === 'squared' ? 1 : 0);
    this.setReal(H.reachFactor, row.reachFactor ? row.reachFactor(o) : 1);
    this.setReal(H.gradScale, 1);
    // state blocks in the kernel's argument order; rmsprop's are (velocity, mean gradient or 0, momentum or 0)
    const [s1 = 0, s2 = 0, s3 = 0] = this.stateBlocks;
    if (o.type === 'rmsprop') {
      this.setWord(H.state1, s1);
      this.setWord(H.state2, o.centered ? s2 : 0);
      this.setWord(H.state3, o.momentum > 0 ? (o.centered ? s3 : s2) : 0);
    } else {
      this.setWord(H.state1, s1);
      this.setWord(H.state2, s2);
      this.setWord(H.state3, s3);
    }
  }

  /**
   * Starts the optimizer state afresh: moments 0 (adagrad's accumulator at its initial value) and
   * the bias corrections of moments of age 0. A loaded model keeps its step count but starts here.
   */
  resetOptimizerState(): void {
    const o = this.spec.optimizer;
    const row: OptimizerRow = OPTIMIZER_TABLE[o.type];
    const f32 = this.ws.f32;
    const start = row.initialState ? row.initialState(o) : 0;
    for (const block of this.stateBlocks) f32.fill(start, block >>> 2, (block >>> 2) + this.paramFloats);
    // β1ᵗ, β2ᵗ and nadam's 0.96^(0.004t) and Π u (f64) for moments of age 0
    const f64 = new Float64Array(this.ws.i32.buffer, this.plan + H.beta1Pow * 4, 2);
    f64.fill(1);
    new Float64Array(this.ws.i32.buffer, this.plan + H.decayPow * 4, 2).fill(1);
  }

  /** Dropout masks drawn so far (each training forward pass through a dropout layer draws one). */
  get dropoutStream(): number {
    return this.ws.i32[(this.plan >>> 2) + H.stream] >>> 0;
  }
  set dropoutStream(value: number) {
    this.setWord(H.stream, value | 0);
  }

  /**
   * How accuracy is counted: `argmax` (a row is right when its largest output is the target's
   * class), `threshold` (each output is right when it is on the target's side of 0.5), or `none`
   * (regression).
   */
  get metric(): keyof typeof METRIC_CODES {
    const code = this.ws.i32[(this.plan >>> 2) + H.metric];
    return code === METRIC_CODES.argmax ? 'argmax' : code === METRIC_CODES.threshold ? 'threshold' : 'none';
  }
  set metric(kind: keyof typeof METRIC_CODES) {
    this.setWord(H.metric, METRIC_CODES[kind]);
  }

  /** How the last training step ended (STEP_* of assembly/network.ts). */
  get status(): 'ok' | 'loss' | 'gradient' | 'tooLarge' {
    return (['ok', 'loss', 'gradient', 'tooLarge'] as const)[this.ws.i32[(this.plan >>> 2) + H.status]];
  }

  /**
   * The running products the optimizers keep in f64 plan words, for saving: β1ᵗ and β2ᵗ (the
   * bias correction of the moments' age), nadam's 0.96^(0.004t) and Π u_s.
   */
  get biasCorrection(): number[] {
    const f64 = (word: number) => new Float64Array(this.ws.i32.buffer, this.plan + word * 4, 2);
    return [...f64(H.beta1Pow), ...f64(H.decayPow)];
  }
  set biasCorrection(value: number[]) {
    new Float64Array(this.ws.i32.buffer, this.plan + H.beta1Pow * 4, 2).set(value.slice(0, 2));
    new Float64Array(this.ws.i32.buffer, this.plan + H.decayPow * 4, 2).set(value.length >= 4 ? value.slice(2, 4) : [1, 1]);
  }

  /** Optimizer steps taken so far. */
  get step(): number {
    return this.ws.i32[(this.plan >>> 2) + H.step];
  }
  set step(value: number) {
    this.setWord(H.step, value);
  }

  /** Address of the input batch buffer (maxBatch, inputs) and the target batch buffer. */
  get inputBatch(): number {
    return this.ws.i32[(this.plan >>> 2) + H.input] >>> 0;
  }
  get targetBatch(): number {
    return this.ws.i32[(this.plan >>> 2) + H.target] >>> 0;
  }

  /** Makes the batch buffers hold at least `rows` rows; discards the data areas if it must grow. */
  ensureBatch(rows: number): void {
    const want = Math.max(rows, MIN_PLANNED_BATCH);
    if (want <= this.maxBatch) return;
    const { ws, spec, k } = this;
    let scratch = 16;
    // per layer: output, its gradient, [saved], [pre], then batch normalization's three (units) vectors
    const sizes: number[] = [];
    for (const layer of spec.layers) {
      const block = want * layer.units * 4;
      const extra = extraBuffers(layer);
      sizes.push(block, block);
      if (extra.saved) sizes.push(block);
      if (extra.pre) sizes.push(block);
      if (layer.type === 'batchNormalization') sizes.push(layer.units * 4, layer.units * 4, layer.units * 4);
      if (layer.type === 'dense') {
        scratch = Math.max(scratch,
          k.gemm_scratch_bytes(GEMM_FORMS.nn, want, layer.inputs, layer.units),
          k.gemm_scratch_bytes(GEMM_FORMS.tn, layer.inputs, want, layer.units),
          k.gemm_scratch_bytes(GEMM_FORMS.nt, want, layer.units, layer.inputs));
      }
    }
    // every thread packs GEMM operands into scratch of its own, and predicts blocks of at most
    // arenaRows rows in an arena of its own: three (arenaRows, width) blocks (two layer outputs
    // and a pre-activation), then two (width) vectors (batch normalization's mean and 1/σ) — see
    // network_forward_rows; capped so that large batches do not make every arena large too
    const stride = Math.ceil(scratch / 64) * 64;
    const width = Math.max(...spec.layers.map((l) => l.units));
    const arenaRows = Math.min(want, MAX_ARENA_ROWS);
    const arenaStride = Math.ceil(((3 * arenaRows + 2) * width * 4) / 64) * 64;
    sizes.push(want * spec.inputs * 4, want * this.outputs * 4, stride * this.threads, want * 4, arenaStride * this.threads);
    // all or nothing: nothing below changes unless every block fits
    const at = ws.layout(this.fixedEnd, sizes, `buffers for batches of ${want} rows`);
    let next = 0;
    spec.layers.forEach((layer, i) => {
      const extra = extraBuffers(layer);
      const output = at[next++];
      this.layerWord(i, L.output, output);
      this.layerWord(i, L.doutput, at[next++]);
      // dense: f' reads y (the output) unless it needs z, which then has its own buffer
      const saved = extra.saved ? at[next++] : output;
      const pre = extra.pre ? at[next++] : output;
      this.layerWord(i, L.saved, extra.pre ? pre : saved);
      this.layerWord(i, L.pre, pre);
      if (layer.type === 'batchNormalization') {
        this.layerWord(i, L.batchMean, at[next++]);
        this.layerWord(i, L.batchVar, at[next++]);
        this.layerWord(i, L.invStd, at[next++]);
      }
    });
    this.setWord(H.input, at[next++]);
    this.setWord(H.target, at[next++]);
    const scratchAt = at[next++];
    this.setWord(H.scratch, scratchAt);
    this.setWord(H.batchWeight, at[next++]);
    this.setWord(H.arena, at[next++]);
    this.setWord(H.arenaStride, arenaStride);
    this.setWord(H.width, width);
    this.setWord(H.arenaRows, arenaRows);
    if (this.board) k.parallel_setup(this.board, this.threads, scratchAt, stride);
    this.setWord(H.maxBatch, want);
    this.maxBatch = want;
    this.batchEnd = this.trainEnd = ws.mark();
    this.trainRows = 0;
    this.evalRows = 0;
  }

  /** Makes the training area hold `rows` rows in `batches` batches; discards the evaluation area if it must grow. */
  ensureTrain(rows: number, batches: number): void {
    if (rows <= this.trainRows && batches <= this.trainRows) return;
    const { spec } = this;
    const perBatch = Math.max(batches, rows) * 4;
    const [x, y, order, losses, correct, weight, out] = this.ws.layout(this.batchEnd,
      [rows * spec.inputs * 4, rows * this.outputs * 4, rows * 4, perBatch, perBatch, rows * 4, rows * this.outputs * 4], `${rows} training rows`);
    Object.assign(this, { trainX: x, trainY: y, order, losses, correct, trainWeight: weight, trainOut: out, trainRows: rows, evalRows: 0 });
    this.useTrainingExtras(false, false);
    this.trainEnd = this.ws.mark();
  }

  /**
   * Whether the driver weighs rows by the weights at `trainWeight` (written by the caller) and
   * keeps each training row's outputs at `trainOut` (for per-epoch metrics).
   */
  useTrainingExtras(weights: boolean, outputs: boolean): void {
    this.setWord(H.sampleWeight, weights ? this.trainWeight : 0);
    this.setWord(H.trainOut, outputs ? this.trainOut : 0);
  }

  /** Makes the evaluation area hold `rows` rows. */
  ensureEval(rows: number): void {
    if (rows <= this.evalRows) return;
    const [x, y, out] = this.ws.layout(this.trainEnd,
      [rows * this.spec.inputs * 4, rows * this.outputs * 4, rows * this.outputs * 4], `${rows} rows to evaluate`);
    Object.assign(this, { evalX: x, evalY: y, evalOut: out, evalRows: rows });
  }
}

/** The dropout generator's seed: a 32-bit mix of the model seed, apart from the init and shuffle streams. */
function dropoutSeed(seed: number): number {
  let x = (Math.floor(seed / 2 ** 32) ^ seed ^ 0x5bd1e995) >>> 0;
  x = Math.imul(x ^ (x >>> 16), 0x7feb352d) >>> 0;
  x = Math.imul(x ^ (x >>> 15), 0x846ca68b) >>> 0;
  return (x ^ (x >>> 16)) | 0;
}
