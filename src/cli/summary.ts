/**
 * `neuronine summary <model.json>`: the layer table of a saved model, and what its data
 * pipeline reads (input columns, encoded features, scaler, target and classes).
 */
import type { PipelineJSON } from '../index.js';
import { parseCommand, positionals, type CommandSpec } from './args.js';
import { reporter, writeStdout } from './io.js';
import { readModel } from './model-file.js';
import { grouped } from './progress.js';

export const SUMMARY: CommandSpec = {
  name: 'summary',
  brief: 'the layers, parameters and data pipeline of a saved model',
  summary: "Show a saved model's layers (kind, activation, output shape, parameters), its optimizer and its data pipeline.",
  positionals: [{ name: 'model.json', description: "a model saved by 'neuronine train -o' ('-' reads stdin)" }],
  options: [{ name: 'json', description: 'print the same as one JSON object' }],
  examples: ['neuronine summary iris-model.json', 'neuronine summary model.json --json'],
};

export async function summary(argv: string[]): Promise<number> {
  const parsed = parseCommand(SUMMARY, argv);
  const [path] = positionals(SUMMARY, parsed);
  const json = parsed.values.json === true;
  const model = await readModel(path);
  const pipeline = model.pipeline ? (model.pipeline.toJSON() as PipelineJSON) : undefined;
  const { spec } = model;
  const training = { learningRate: spec.optimizer.learningRate, steps: model.steps, seed: model.seed };
  if (json) {
    writeStdout(`${JSON.stringify({ command: 'summary', model: path, ...model.summary({ json: true }), ...training, pipeline: pipeline ?? null }, null, 2)}\n`);
    return 0;
  }
  const report = reporter({ dataOnStdout: false, quiet: false });
  report.line(path);
  report.line(model.summary());
  report.line(`Trained: ${grouped(model.steps)} optimizer steps, learning rate ${spec.optimizer.learningRate}, seed ${model.seed}`);
  if (pipeline) {
    const used = pipeline.encoders.map((e) => e.column);
    report.line(`Pipeline: reads ${used.length} column${used.length === 1 ? '' : 's'} (${used.join(', ')}) into ${pipeline.features.length} features${pipeline.scaler ? `, ${pipeline.scaler.kind} scaling` : ''}`);
    const { target } = pipeline;
    report.line(`Target: ${target.columns.join(', ')} (${target.task}${target.task === 'classification' ? `: ${target.classes.join(', ')}` : ''})`);
  } else {
    report.line('Pipeline: none (the model takes numeric feature arrays; evaluate and predict need a model trained on a CSV)');
  }
  return 0;
}
