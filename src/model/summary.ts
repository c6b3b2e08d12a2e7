/**
 * `model.summary()`: the layers as a text table like Keras's `model.summary()` (layer, kind,
 * activation, output shape, parameters, then the totals), or the same as data with `{ json: true }`.
 */
import type { ResolvedSpec } from './spec.js';
import { LAYER_TABLE } from './layers.js';

/** One row of the summary. */
export interface SummaryLayer {
  /** Index in `layers` (input side first). */
  index: number;
  /** The layer kind: 'dense', 'dropout' or 'batchNormalization'. */
  kind: string;
  /** 'linear' for layers that are not dense. */
  activation: string;
  /** Output shape: `[null, units]` (null is the batch dimension, as Keras prints `None`). */
  outputShape: [null, number];
  /** Parameters of the layer: trainable (weights and biases, or γ and β) plus non-trainable (moving mean and variance), as Keras counts them. */
  parameters: number;
  /** Of which trainable. */
  trainable: number;
}

/** `model.summary({ json: true })`. */
export interface Summary {
  inputs: number;
  layers: SummaryLayer[];
  /** Parameters of all layers, trainable and not. */
  totalParameters: number;
  /** Of which trainable (what the optimizer updates; `model.parameterCount`). */
  trainableParameters: number;
  /** Bytes all parameters take as float32. */
  parameterBytes: number;
  loss: string;
  optimizer: string;
}

export function summarize(spec: ResolvedSpec): Summary {
  const layers = spec.layers.map((layer, index): SummaryLayer => {
    const row = LAYER_TABLE[layer.type];
    const [w, b] = row.weights(layer.inputs, layer.units);
    const statistics = row.statistics ? 2 * layer.units : 0;
    return { index, kind: layer.type, activation: layer.activation, outputShape: [null, layer.units], parameters: w + b + statistics, trainable: w + b };
  });
  const totalParameters = layers.reduce((sum, l) => sum + l.parameters, 0);
  const trainableParameters = layers.reduce((sum, l) => sum + l.trainable, 0);
  return { inputs: spec.inputs, layers, totalParameters, trainableParameters, parameterBytes: totalParameters * 4, loss: spec.loss, optimizer: spec.optimizer.type };
}

const grouped = (n: number): string => n.toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');

function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(2)} KB`;
  return `${(n / 1024 / 1024).toFixed(2)} MB`;
}

/** The text table. */
export function summaryText(summary: Summary): string {
  const header = ['Layer', 'Kind', 'Activation', 'Output shape', 'Parameters'];
  const rows = summary.layers.map((l) => [`layers[${l.index}]`, l.kind, l.kind === 'dense' ? l.activation : '', `(None, ${l.outputShape[1]})`, grouped(l.parameters)]);
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (cells: string[]) => cells.map((cell, c) => (c === cells.length - 1 ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join('   ').trimEnd();
  const rule = (ch: string) => ch.repeat(widths.reduce((a, w) => a + w, 0) + 3 * (widths.length - 1));
  return [
    `Model: ${summary.inputs} inputs, loss '${summary.loss}', optimizer '${summary.optimizer}'`,
    rule('━'),
    line(header),
    rule('━'),
    ...rows.map(line),
    rule('─'),
    `Total params: ${grouped(summary.totalParameters)} (${bytes(summary.parameterBytes)})`,
    `Trainable params: ${grouped(summary.trainableParameters)} (${bytes(summary.trainableParameters * 4)})`,
    `Non-trainable params: ${grouped(summary.totalParameters - summary.trainableParameters)} (${bytes((summary.totalParameters - summary.trainableParameters) * 4)})`,
  ].join('\n');
}
