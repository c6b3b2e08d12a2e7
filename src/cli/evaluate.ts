/**
 * `neuronine evaluate <model.json> <data.csv>`: the held-out figures of `train` on new labelled
 * rows, read through the model's own pipeline (same encoders, same scaler, same classes).
 */
import { parseCommand, positionals, UsageError, type CommandSpec } from './args.js';
import { readText, reporter, writeStdout } from './io.js';
import { encodeRows, pipelineOf, readModel } from './model-file.js';
import { metricLines } from './report.js';

export const EVALUATE: CommandSpec = {
  name: 'evaluate',
  brief: 'metrics of a saved model on labelled rows',
  summary: "Measure a saved model on labelled rows: loss and accuracy, precision, recall, F1 (and ROC AUC for two classes) and the confusion matrix (classification) or MAE, RMSE and R² (regression).",
  positionals: [
    { name: 'model.json', description: "a model saved by 'neuronine train -o' (or model.toJSON())" },
    { name: 'data.csv', description: "CSV with the model's input columns and its target column ('-' reads stdin)" },
  ],
  options: [
    { name: 'json', description: 'print the results as one JSON object' },
    { name: 'quiet', short: 'q', description: 'print nothing but errors (and --json)' },
  ],
  examples: [
    'neuronine evaluate iris-model.json new-flowers.csv',
    'neuronine evaluate price.json houses-2025.csv --json | jq .metrics.r2',
  ],
  notes: ['Columns are matched by name; extra columns are ignored. Unknown categories and labels are errors naming the row and column.'],
};

export async function evaluate(argv: string[]): Promise<number> {
  const parsed = parseCommand(EVALUATE, argv);
  const [modelPath, dataPath] = positionals(EVALUATE, parsed);
  if (modelPath === '-' && dataPath === '-') throw new UsageError("only one of <model.json> and <data.csv> can be '-' (stdin)");
  const json = parsed.values.json === true;
  const report = reporter({ dataOnStdout: false, json, quiet: parsed.values.quiet === true });
  const model = await readModel(modelPath);
  const pipeline = pipelineOf(model, modelPath);
  const source = dataPath === '-' ? 'stdin' : dataPath;
  const rows = encodeRows(pipeline, await readText(dataPath, 'data'), source, true);
  const metrics = model.evaluate(rows.x, rows.y!);
  const classes = pipeline.classes;
  if (json) {
    writeStdout(`${JSON.stringify({ command: 'evaluate', model: modelPath, data: source, task: pipeline.task, ...(classes ? { classes } : {}), rows: rows.x.rows, metrics }, null, 2)}\n`);
  } else {
    for (const line of metricLines(`${source} (${rows.x.rows} rows)`, metrics, classes)) report.line(line);
  }
  return 0;
}
