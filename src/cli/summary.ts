/**
 * `neuronine summary <model.json>`: the layer table of a saved model, and what its data
 * pipeline reads (input columns, encoded features, scaler, target and classes).
 */
import type { Model, PipelineJSON } from '../index.js';
import { parseCommand, positionals, type CommandSpec } from './args.js';
import { reporter, writeStdout } from './io.js';
import { readModel } from './model-file.js';
import { grouped } from './progress.js';
import { table } from './report.js';

export const SUMMARY: CommandSpec = {
  name: 'summary',
  summary: "Show a saved model's layers (kind, activation, output shape, parameters), its optimizer and its data pipeline.",
  positionals: [{ name: 'model.json', description: "a model saved by 'neuronine train -o' ('-' reads stdin)" }],
  options: [{ name: 'json', description: 'print the same as one JSON object' }],
  examples: ['neuronine summary iris-model.json', 'neuronine summary model.json --json'],
};

interface LayerRow {
  layer: number;
  kind: 'dense';
  activation: string;
  outputShape: [null, number];
  parameters: number;
}

/** STOPGAP until issue 9's model.summary() lands: the same table from the public spec. */
function layerRows(model: Model): LayerRow[] {
  return model.spec.layers.map((layer, i) => ({
    layer: i, kind: 'dense', activation: layer.activation, outputShape: [null, layer.units], parameters: layer.inputs * layer.units + layer.units,
  }));
}

export async function summary(argv: string[]): Promise<number> {
  const parsed = parseCommand(SUMMARY, argv);
  const [path] = positionals(SUMMARY, parsed);
  const json = parsed.values.json === true;
  const model = await readModel(path);
  const rows = layerRows(model);
  const pipeline = model.pipeline && 'toJSON' in model.pipeline ? model.pipeline : undefined;
  const { spec } = model;
  if (json) {
    writeStdout(`${JSON.stringify({
      command: 'summary', model: path, inputs: model.inputs, outputs: model.outputs, layers: rows, parameters: model.parameterCount,
      loss: spec.loss, optimizer: spec.optimizer, steps: model.steps, seed: model.seed, pipeline: pipeline ? pipeline.toJSON() : null,
    }, null, 2)}\n`);
    return 0;
  }
  const report = reporter({ dataOnStdout: false, quiet: false });
  report.line(`${path}: ${model.inputs} inputs → ${model.outputs} outputs, ${spec.loss} loss, ${spec.optimizer.type} (learning rate ${spec.optimizer.learningRate}), ${grouped(model.steps)} steps trained, seed ${model.seed}`);
  for (const line of table([['layer', 'kind', 'activation', 'output shape', 'parameters'],
    ...rows.map((r) => [String(r.layer), r.kind, r.activation, `(None, ${r.outputShape[1]})`, grouped(r.parameters)])])) report.line(line);
  report.line(`total parameters: ${grouped(model.parameterCount)} (all trainable)`);
  const p = pipeline?.toJSON() as PipelineJSON | undefined;
  if (p) {
    const used = p.encoders.map((e) => e.column);
    report.line(`pipeline: reads ${used.length} column${used.length === 1 ? '' : 's'} (${used.join(', ')}) into ${p.features.length} features${p.scaler ? `, ${p.scaler.kind} scaling` : ''}`);
    report.line(`target: ${p.target.columns.join(', ')} (${p.target.task}${p.target.task === 'classification' ? `: ${p.target.classes.join(', ')}` : ''})`);
  } else {
    report.line('pipeline: none (the model takes numeric feature arrays; evaluate and predict need a model trained on a CSV)');
  }
  return 0;
}
