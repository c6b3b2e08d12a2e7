/**
 * `model.summary()`: the layers as a text table like Keras's `model.summary()` (layer, kind,
 * activation, output shape, parameters, then the totals), or the same as data with `{ json: true }`.
 */
import type { ResolvedSpec } from './spec.js';

/** One row of the summary. */
export interface SummaryLayer {
  /** Index in `layers` (input side first). */
  index: number;
  /** The layer kind ('dense'). */
  kind: string;
  activation: string;
  /** Output shape: `[null, units]` (null is the batch dimension, as Keras prints `None`). */
  outputShape: [null, number];
  /** Trainable parameters of the layer (weights and biases). */
  parameters: number;
}

/** `model.summary({ json: true })`. */
export interface Summary {
  inputs: number;
  layers: SummaryLayer[];
  /** Trainable parameters of all layers. */
  totalParameters: number;
  /** Bytes the parameters take as float32. */
  parameterBytes: number;
  loss: string;
  optimizer: string;
}

export function summarize(spec: ResolvedSpec): Summary {
  const layers = spec.layers.map((layer, index): SummaryLayer => {
    const kind = (layer as { type?: string }).type ?? 'dense';
    return { index, kind, activation: layer.activation, outputShape: [null, layer.units], parameters: layer.inputs * layer.units + layer.units };
  });
  const totalParameters = layers.reduce((sum, l) => sum + l.parameters, 0);
  return { inputs: spec.inputs, layers, totalParameters, parameterBytes: totalParameters * 4, loss: spec.loss, optimizer: spec.optimizer.type };
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
  const rows = summary.layers.map((l) => [`layers[${l.index}]`, l.kind, l.activation, `(None, ${l.outputShape[1]})`, grouped(l.parameters)]);
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
    `Trainable params: ${grouped(summary.totalParameters)} (${bytes(summary.parameterBytes)})`,
    'Non-trainable params: 0 (0 B)',
  ].join('\n');
}
