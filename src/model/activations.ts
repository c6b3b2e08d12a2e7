/**
 * The activation table: one row per activation, the single source of its name, the code shared
 * with assembly/ (ACT_* in assembly/simd.ts; test/kernels/codes.test.ts checks both sides), its
 * default α and how the kernels run it. Spec types, checks, error messages and the network plan
 * are derived from it; adding an activation is a row here plus its forward and derivative in
 * assembly/activation.ts and its code in assembly/simd.ts.
 *
 * `derivative` says what the backward pass keeps: the output y = f(z) (`'output'`) or the
 * pre-activation z (`'input'`, which costs one more (batch × units) buffer per layer). `fused`
 * activations are applied by the GEMM epilogue as the outputs are stored; the others run as a
 * pass of their own.
 */

export interface ActivationRow {
  readonly code: number;
  readonly derivative: 'output' | 'input';
  readonly fused: boolean;
  /** Default α, for the activations that take one. */
  readonly alpha?: number;
  /** Row-wise (softmax) rather than elementwise. */
  readonly rowwise?: boolean;
}

export const ACTIVATION_TABLE = {
  linear: { code: 0, derivative: 'output', fused: true },
  relu: { code: 1, derivative: 'output', fused: true },
  leakyRelu: { code: 2, derivative: 'output', fused: true, alpha: 0.01 },
  sigmoid: { code: 3, derivative: 'output', fused: true },
  tanh: { code: 4, derivative: 'output', fused: true },
  softmax: { code: 5, derivative: 'output', fused: false, rowwise: true },
  elu: { code: 6, derivative: 'output', fused: false, alpha: 1 },
  selu: { code: 7, derivative: 'output', fused: false },
  gelu: { code: 8, derivative: 'input', fused: false },
  softplus: { code: 9, derivative: 'input', fused: false },
  swish: { code: 10, derivative: 'input', fused: false },
  softsign: { code: 11, derivative: 'output', fused: false },
} as const satisfies Record<string, ActivationRow>;

/** Other spellings accepted in a spec, resolved to a row name. */
export const ACTIVATION_ALIASES = { silu: 'swish' } as const;

/** Activation functions. `softmax` is row-wise; the others are elementwise. `'silu'` is `'swish'`. */
export type ActivationName = keyof typeof ACTIVATION_TABLE | keyof typeof ACTIVATION_ALIASES;
/** An activation after aliases are resolved. */
export type CanonicalActivation = keyof typeof ACTIVATION_TABLE;

export const ACTIVATIONS = [...Object.keys(ACTIVATION_TABLE), ...Object.keys(ACTIVATION_ALIASES)] as readonly ActivationName[];

export function activationRow(name: CanonicalActivation): ActivationRow {
  return ACTIVATION_TABLE[name];
}

/** Name → code, derived from the table. */
export const ACTIVATION_CODES = Object.fromEntries(
  Object.entries(ACTIVATION_TABLE).map(([name, row]) => [name, row.code]),
) as { readonly [K in CanonicalActivation]: (typeof ACTIVATION_TABLE)[K]['code'] };
