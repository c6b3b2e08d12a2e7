/**
 * The optimizer table: one row per optimizer, the single source of its name, the code shared
 * with assembly/ (OPT_* in assembly/optimizer.ts), the options it takes with their defaults (Keras
 * 3's), the optimizer state it needs and how far one step can move a weight (for the driver's
 * divergence check). The update formulas are in assembly/optimizer.ts.
 *
 * Every optimizer also takes `learningRate`, `clipNorm` and `clipValue`.
 */

/** The resolved hyper-parameters of any optimizer (fields an optimizer does not use keep their defaults). */
export interface ResolvedOptimizer {
  type: OptimizerName;
  learningRate: number;
  momentum: number;
  nesterov: boolean;
  beta1: number;
  beta2: number;
  epsilon: number;
  weightDecay: number;
  rho: number;
  centered: boolean;
  initialAccumulatorValue: number;
  /** Global L2 norm the gradients are scaled down to (Keras's `global_clipnorm`); absent: off. */
  clipNorm?: number;
  /** Bound on each gradient value; absent: off. */
  clipValue?: number;
}

type Hyper = Omit<ResolvedOptimizer, 'type' | 'clipNorm' | 'clipValue'>;

export interface OptimizerRow {
  readonly code: number;
  /** The options this optimizer reads, with their defaults (`learningRate` always among them). */
  readonly options: Readonly<Partial<Hyper>> & { readonly learningRate: number };
  /** Blocks of optimizer state, each as large as the parameter block. */
  stateBlocks(o: ResolvedOptimizer): number;
  /** Value the state starts at (adagrad's accumulator), else 0. */
  readonly initialState?: (o: ResolvedOptimizer) => number;
  /**
   * The step check: `'linear'` (a weight moves by at most lr·|g|·factor) or `'squared'` (the state
   * keeps g², which must stay far from float32's overflow).
   */
  readonly reach: 'linear' | 'squared';
  readonly reachFactor?: (o: ResolvedOptimizer) => number;
}

const ADAM_FAMILY = { learningRate: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 } as const;

export const OPTIMIZER_TABLE = {
  sgd: { code: 0, options: { learningRate: 0.01, weightDecay: 0 }, stateBlocks: () => 0, reach: 'linear' },
  momentum: {
    code: 1, options: { learningRate: 0.01, momentum: 0.9, nesterov: false, weightDecay: 0 }, stateBlocks: () => 1,
    reach: 'linear', reachFactor: (o: ResolvedOptimizer) => 1 / (1 - o.momentum),
  },
  adam: { code: 2, options: { ...ADAM_FAMILY, weightDecay: 0 }, stateBlocks: () => 2, reach: 'squared' },
  rmsprop: {
    code: 3, options: { learningRate: 0.001, rho: 0.9, momentum: 0, centered: false, epsilon: 1e-7 },
    stateBlocks: (o: ResolvedOptimizer) => 1 + (o.centered ? 1 : 0) + (o.momentum > 0 ? 1 : 0), reach: 'squared',
  },
  adagrad: {
    code: 4, options: { learningRate: 0.001, initialAccumulatorValue: 0.1, epsilon: 1e-7 }, stateBlocks: () => 1,
    initialState: (o: ResolvedOptimizer) => o.initialAccumulatorValue, reach: 'squared',
  },
  adamax: { code: 5, options: { ...ADAM_FAMILY }, stateBlocks: () => 2, reach: 'squared' },
  nadam: { code: 6, options: { ...ADAM_FAMILY }, stateBlocks: () => 2, reach: 'squared' },
  adamw: { code: 7, options: { ...ADAM_FAMILY, weightDecay: 0.004 }, stateBlocks: () => 2, reach: 'squared' },
} as const satisfies Record<string, OptimizerRow>;

/** Optimizers. */
export type OptimizerName = keyof typeof OPTIMIZER_TABLE;

export const OPTIMIZERS = Object.keys(OPTIMIZER_TABLE) as readonly OptimizerName[];

/** Defaults of the fields an optimizer does not read (kept so that every resolved optimizer has every field). */
export const UNUSED_DEFAULTS: Hyper = {
  learningRate: 0.001, momentum: 0, nesterov: false, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, weightDecay: 0,
  rho: 0.9, centered: false, initialAccumulatorValue: 0.1,
};

export function optimizerRow(name: OptimizerName): OptimizerRow {
  return OPTIMIZER_TABLE[name];
}
