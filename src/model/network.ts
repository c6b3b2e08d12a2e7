/**
 * The TypeScript half of assembly/network.ts: lays out one model's memory and writes the plan the
 * wasm driver reads. Layout, in order: the plan words, the parameter block (W_0, b_0, W_1, …,
 * each 16-byte aligned), the gradient block (same layout), optimizer state; then the batch
 * buffers (activations and their gradients for `maxBatch` rows, input and target batch, GEMM
 * scratch); then the training data (x, y, batch order, per-batch losses and hit counts); then the
 * evaluation area (x, y, outputs). Each later region is re-planned, larger only, when a call
 * needs more than it holds; after the first epoch of a fit nothing is reserved again.
 */
import { ACTIVATION_CODES, BOARD_BYTES, GEMM_FORMS, LOSS_CODES, METRIC_CODES, OPTIMIZER_CODES, type KernelExports } from '../runtime/abi.js';
import { Workspace, type Mark } from '../runtime/workspace.js';
import type { ResolvedSpec } from './spec.js';

// Plan words; keep in step with H_* and L_* in assembly/network.ts.
const H = {
  layers: 0, loss: 1, input: 2, target: 3, scratch: 4, params: 5, grads: 6, paramCount: 7,
  optimizer: 8, state1: 9, state2: 10, step: 11, lr: 12, beta1: 13, beta2: 14, epsilon: 15,
  decay: 16, nesterov: 17, maxBatch: 18, inputs: 19, metric: 20, status: 21, beta1Pow: 22, beta2Pow: 24,
  sampleWeight: 28, batchWeight: 29, trainOut: 30,
} as const;
const LAYER0 = 32;
const LAYER_WORDS = 16;
const L = { in: 0, out: 1, activation: 2, alpha: 3, weight: 4, bias: 5, dweight: 6, dbias: 7, output: 8, doutput: 9 } as const;

/** Rows the batch buffers hold at least, so that prediction runs in chunks of a useful size. */
const MIN_PLANNED_BATCH = 128;

const align4 = (count: number): number => (count + 3) & ~3;

/** Addresses of one layer's parameters (byte addresses; use index = address / 4 into f32). */
export interface LayerBlock {
  weight: number;
  bias: number;
  dweight: number;
  dbias: number;
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
  /** Optimizer state blocks (velocity; Adam's first and second moments), each `paramFloats` floats, or 0. */
  readonly state1: number;
  readonly state2: number;
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
    this.paramFloats = spec.layers.reduce((sum, l) => sum + align4(l.inputs * l.units) + align4(l.units), 0);
    this.params = ws.reserveFloats(this.paramFloats, 'the parameters');
    this.grads = ws.reserveFloats(this.paramFloats, 'the gradients');
    const stateBlocks = spec.optimizer.type === 'adam' ? 2 : spec.optimizer.type === 'momentum' ? 1 : 0;
    this.state1 = stateBlocks >= 1 ? ws.reserveFloats(this.paramFloats, 'the optimizer state') : 0;
    this.state2 = stateBlocks >= 2 ? ws.reserveFloats(this.paramFloats, 'the optimizer state') : 0;
    this.board = threads > 1 ? ws.reserve(BOARD_BYTES + 64, 'the job board') : 0;
    if (this.board) {
      this.board = (this.board + 63) & ~63; // its hot words on cache lines of their own
      kernels.parallel_setup(this.board, threads, 0, 0);
    }
    this.fixedEnd = this.batchEnd = this.trainEnd = ws.mark();
    // a fresh memory is zero-filled, so gradients and optimizer state start at 0
    this.blocks = [];
    let offset = 0;
    for (const layer of spec.layers) {
      const weight = offset;
      offset += align4(layer.inputs * layer.units);
      const bias = offset;
      offset += align4(layer.units);
      this.blocks.push({
        weight: this.params + weight * 4, bias: this.params + bias * 4,
        dweight: this.grads + weight * 4, dbias: this.grads + bias * 4,
      });
    }
    this.writeFixedPlan();
    // Adam's β1ᵗ and β2ᵗ (f64) for moments of age 0; the driver multiplies them on every step.
    // They follow the moments, not the step count: a loaded model keeps its steps but starts
    // with fresh moments, so its bias correction starts afresh too.
    new Float64Array(this.ws.i32.buffer, this.plan + H.beta1Pow * 4, 2).fill(1);
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

  private writeFixedPlan(): void {
    const { spec } = this;
    this.setWord(H.layers, spec.layers.length);
    this.setWord(H.loss, LOSS_CODES[spec.loss]);
    this.setWord(H.params, this.params);
    this.setWord(H.grads, this.grads);
    this.setWord(H.paramCount, this.paramFloats);
    this.setWord(H.optimizer, OPTIMIZER_CODES[spec.optimizer.type]);
    this.setWord(H.state1, this.state1);
    this.setWord(H.state2, this.state2);
    this.setWord(H.inputs, spec.inputs);
    this.metric = spec.loss === 'crossEntropy' ? 'argmax' : spec.loss === 'binaryCrossEntropy' ? 'threshold' : 'none';
    this.writeOptimizer();
    spec.layers.forEach((layer, i) => {
      this.layerWord(i, L.in, layer.inputs);
      this.layerWord(i, L.out, layer.units);
      this.layerWord(i, L.activation, ACTIVATION_CODES[layer.activation]);
      this.ws.f32[(this.plan >>> 2) + LAYER0 + LAYER_WORDS * i + L.alpha] = layer.alpha;
      const b = this.blocks[i];
      this.layerWord(i, L.weight, b.weight);
      this.layerWord(i, L.bias, b.bias);
      this.layerWord(i, L.dweight, b.dweight);
      this.layerWord(i, L.dbias, b.dbias);
    });
  }

  /** Whether `length` floats from float index `start` of memory are all finite (SIMD kernel). */
  readonly finiteCheck = (start: number, length: number): boolean => this.k.all_finite(start * 4, length) === 1;

  /** Writes the optimizer's hyper-parameters (call again after changing them). */
  writeOptimizer(): void {
    const o = this.spec.optimizer;
    this.setReal(H.lr, o.learningRate);
    this.setReal(H.beta1, o.type === 'momentum' ? o.momentum : o.beta1);
    this.setReal(H.beta2, o.beta2);
    this.setReal(H.epsilon, o.epsilon);
    this.setReal(H.decay, o.weightDecay);
    this.setWord(H.nesterov, o.nesterov ? 1 : 0);
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

  /** Addresses of the optimizer's state blocks (each `paramFloats` floats), in order. */
  get stateBlocks(): number[] {
    return [this.state1, this.state2].filter((address) => address !== 0);
  }

  /** Adam's running β1ᵗ and β2ᵗ (f64 plan words): the bias correction of the moments' age. */
  get biasCorrection(): [number, number] {
    const powers = new Float64Array(this.ws.i32.buffer, this.plan + H.beta1Pow * 4, 2);
    return [powers[0], powers[1]];
  }
  set biasCorrection(value: [number, number]) {
    new Float64Array(this.ws.i32.buffer, this.plan + H.beta1Pow * 4, 2).set(value);
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
    const sizes: number[] = [];
    for (const layer of spec.layers) {
      sizes.push(want * layer.units * 4, want * layer.units * 4);
      scratch = Math.max(scratch,
        k.gemm_scratch_bytes(GEMM_FORMS.nn, want, layer.inputs, layer.units),
        k.gemm_scratch_bytes(GEMM_FORMS.tn, layer.inputs, want, layer.units),
        k.gemm_scratch_bytes(GEMM_FORMS.nt, want, layer.units, layer.inputs));
    }
    // every thread packs GEMM operands into scratch of its own
    const stride = Math.ceil(scratch / 64) * 64;
    sizes.push(want * spec.inputs * 4, want * this.outputs * 4, stride * this.threads, want * 4);
    // all or nothing: nothing below changes unless every block fits
    const at = ws.layout(this.fixedEnd, sizes, `buffers for batches of ${want} rows`);
    spec.layers.forEach((_, i) => {
      this.layerWord(i, L.output, at[2 * i]);
      this.layerWord(i, L.doutput, at[2 * i + 1]);
    });
    const n = spec.layers.length;
    this.setWord(H.input, at[2 * n]);
    this.setWord(H.target, at[2 * n + 1]);
    this.setWord(H.scratch, at[2 * n + 2]);
    this.setWord(H.batchWeight, at[2 * n + 3]);
    if (this.board) k.parallel_setup(this.board, this.threads, at[2 * n + 2], stride);
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
