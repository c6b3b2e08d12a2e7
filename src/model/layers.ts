/**
 * The layer-kind table: one row per kind of layer, the single source of its `type` name, the
 * code shared with assembly/ (LAYER_* in assembly/network.ts), the spec fields it takes and their
 * defaults, and the float blocks it owns. A layer is written `{ units, activation? }` (dense) or
 * `{ type: 'dense' | 'dropout' | 'batchNormalization', … }`; the last layer is dense.
 *
 * Trainable blocks live in the parameter block (the optimizer updates them): a dense layer's
 * W (inputs × units) and b (units), a batch normalization's γ and β (units each, in the places
 * of W and b). Batch normalization's moving mean and variance are statistics, kept apart.
 */

export interface LayerRow {
  readonly code: number;
  /** Spec fields besides `type`. */
  readonly keys: readonly string[];
  /** Defaults of the numeric fields. */
  readonly defaults: Readonly<Record<string, number>>;
  /** Floats of the two trainable blocks (W and b, or γ and β) for a layer of these sizes. */
  weights(inputs: number, units: number): [number, number];
  /** Whether the layer keeps moving statistics (two blocks of `units` floats). */
  readonly statistics: boolean;
  /** Whether the layer has its own width (`units`) rather than its input's. */
  readonly hasUnits: boolean;
}

export const LAYER_TABLE = {
  dense: {
    code: 0, keys: ['units', 'activation', 'alpha', 'l1', 'l2'], defaults: { l1: 0, l2: 0 },
    weights: (inputs: number, units: number): [number, number] => [inputs * units, units], statistics: false, hasUnits: true,
  },
  dropout: {
    code: 1, keys: ['rate'], defaults: {},
    weights: (): [number, number] => [0, 0], statistics: false, hasUnits: false,
  },
  batchNormalization: {
    code: 2, keys: ['momentum', 'epsilon'], defaults: { momentum: 0.99, epsilon: 1e-3 },
    weights: (_inputs: number, units: number): [number, number] => [units, units], statistics: true, hasUnits: false,
  },
} as const satisfies Record<string, LayerRow>;

/** Kinds of layer. */
export type LayerType = keyof typeof LAYER_TABLE;

export const LAYER_TYPES = Object.keys(LAYER_TABLE) as readonly LayerType[];

export function layerRow(type: LayerType): LayerRow {
  return LAYER_TABLE[type];
}
