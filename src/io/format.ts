/**
 * The model JSON format, version 2, and its encoding helpers. A saved model is
 * ```
 * { format: 'neuronine-model', version: 2,
 *   spec: { inputs, layers: [...], loss, optimizer: {…}, init, seed },   // a ModelSpec, as createModel takes it
 *   weights: [...],          // one entry per layer, float32 little-endian base64:
 *                            //   dense { weight (inputs × units, row-major), bias }
 *                            //   batchNormalization { weight: γ, bias: β, movingMean, movingVariance }
 *                            //   dropout {}
 *   steps: number,                                 // optimizer steps taken
 *   optimizerState?: {                             // left out by toJSON({ optimizer: false })
 *     blocks: base64[],                            // the optimizer's state blocks over the whole parameter
 *                                                  // block, alignment padding included, in the order of
 *                                                  // the optimizer kernel (momentum: velocity; adam: first
 *                                                  // and second moments; rmsprop: velocity, mean gradient
 *                                                  // if centered, momentum if any; adagrad: accumulator)
 *     biasCorrection: [β1ᵗ, β2ᵗ, d, Πu] },         // running powers (f64, exact in JSON); nadam's
 *                                                  // 0.96^(0.004t) and Π u_s (two entries: both 1)
 *   training?: {                                   // what a later fit continues
 *     epoch,                                       // epochs trained over all fits
 *     shuffle: [u32, u32, u32, u32],               // the shuffle stream's xoshiro128** state
 *     dropoutStream?: u32,                         // dropout masks drawn so far
 *     schedule?: { key, start, base, period },
 *     plateau?: { key, best, wait, cooldown },
 *     earlyStopping?: { key, best, wait, bestEpoch, weights?: base64 } },
 *   pipeline?: {…} }                               // the data pipeline's own JSON, when there is one
 * ```
 * Version 2 added layer kinds (`type`), the L1/L2 fields, loss objects (`{ type: 'huber', delta }`),
 * the new optimizers and clipping (the optimizer object holds only the options of its type), the
 * optimizer state and the training state. `best` is null before any value was seen. Version 1
 * files (dense layers only, every optimizer field written, no optimizer or training state) still
 * load: their moments start afresh.
 */

export const FORMAT = 'neuronine-model';
export const VERSION = 2;
/** Versions `loadModel` reads. */
export const READABLE_VERSIONS: readonly number[] = [1, 2];

export interface TrainingJSON {
  epoch: number;
  shuffle: [number, number, number, number];
  schedule?: { key: string; start: number; base: number; period: number };
  plateau?: { key: string; best: number | null; wait: number; cooldown: number };
  earlyStopping?: { key: string; best: number | null; wait: number; bestEpoch: number; weights?: string };
  dropoutStream?: number;
}

export interface ModelJSON {
  format: typeof FORMAT;
  version: number;
  spec: {
    inputs: number;
    layers: Record<string, unknown>[];
    loss: string | { type: string; delta?: number };
    optimizer: Record<string, unknown>;
    init: string;
    seed: number;
  };
  weights: { weight?: string; bias?: string; movingMean?: string; movingVariance?: string }[];
  steps: number;
  optimizerState?: { blocks: string[]; biasCorrection: number[] };
  training?: TrainingJSON;
  pipeline?: unknown;
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const LOOKUP = new Int16Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) LOOKUP[ALPHABET.charCodeAt(i)] = i;

/** float32 values → base64 of their little-endian bytes. */
export function encodeFloats(values: Float32Array): string {
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i], true);
  let out = '';
  let i = 0;
  for (; i + 3 <= bytes.length; i += 3) {
    const v = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    out += ALPHABET[v >> 18] + ALPHABET[(v >> 12) & 63] + ALPHABET[(v >> 6) & 63] + ALPHABET[v & 63];
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const v = bytes[i] << 16;
    out += ALPHABET[v >> 18] + ALPHABET[(v >> 12) & 63] + '==';
  } else if (rest === 2) {
    const v = (bytes[i] << 16) | (bytes[i + 1] << 8);
    out += ALPHABET[v >> 18] + ALPHABET[(v >> 12) & 63] + ALPHABET[(v >> 6) & 63] + '=';
  }
  return out;
}

/**
 * base64 → exactly `count` float32 values, each finite.
 * @throws RangeError naming `where` when the text is not base64, has the wrong length, or holds
 * a non-finite value.
 */
export function decodeFloats(where: string, text: unknown, count: number): Float32Array {
  if (typeof text !== 'string') throw new TypeError(`${where} must be a base64 string; got ${typeof text}`);
  const expected = Math.ceil((count * 4) / 3) * 4;
  if (text.length !== expected) {
    throw new RangeError(`${where} holds ${text.length} base64 characters; ${count} float32 values take ${expected} (truncated or corrupted?)`);
  }
  const bytes = new Uint8Array(count * 4);
  let b = 0;
  for (let i = 0; i < text.length; i += 4) {
    let v = 0;
    for (let j = 0; j < 4; j++) {
      const code = text.charCodeAt(i + j);
      const digit = code === 61 /* = */ && i + 4 === text.length ? 0 : code < 128 ? LOOKUP[code] : -1;
      if (digit < 0) throw new RangeError(`${where}: character ${i + j} ('${text[i + j]}') is not base64`);
      v = (v << 6) | digit;
    }
    if (b < bytes.length) bytes[b++] = v >> 16;
    if (b < bytes.length) bytes[b++] = (v >> 8) & 255;
    if (b < bytes.length) bytes[b++] = v & 255;
  }
  const view = new DataView(bytes.buffer);
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    const v = view.getFloat32(i * 4, true);
    if (!Number.isFinite(v)) throw new RangeError(`${where}: value ${i} is ${v}; a saved model holds finite numbers only`);
    out[i] = v;
  }
  return out;
}
