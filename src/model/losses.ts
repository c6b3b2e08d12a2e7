/**
 * The loss table: one row per loss, the single source of its name, the code shared with
 * assembly/ (LOSS_* in assembly/loss.ts), its options and defaults, and the output layer it needs.
 * All losses are means over the rows of a batch of a sum over a row's outputs (see
 * assembly/loss.ts for the formulas).
 */

export interface LossRow {
  readonly code: number;
  /** Options the loss takes (besides `type`), with their defaults. */
  readonly options: Readonly<Record<string, number>>;
  /** The output activation the loss's gradient is fused with, when it needs one. */
  readonly output?: 'softmax' | 'sigmoid';
  /** How `fit` and `evaluate` count accuracy with this loss (before looking at the targets). */
  readonly metric: 'argmax' | 'threshold' | 'none';
}

export const LOSS_TABLE = {
  mse: { code: 0, options: {}, metric: 'none' },
  crossEntropy: { code: 1, options: {}, output: 'softmax', metric: 'argmax' },
  binaryCrossEntropy: { code: 2, options: {}, output: 'sigmoid', metric: 'threshold' },
  mae: { code: 3, options: {}, metric: 'none' },
  huber: { code: 4, options: { delta: 1 }, metric: 'none' },
} as const satisfies Record<string, LossRow>;

/** Loss functions (means over the batch). */
export type LossName = keyof typeof LOSS_TABLE;

export const LOSSES = Object.keys(LOSS_TABLE) as readonly LossName[];
