/**
 * `neuronine predict <model.json> <rows.csv>`: the input rows, unchanged, with the prediction
 * appended — `predicted_<target>` (the class label, or the value for regression) and, for
 * classification, one `probability_<class>` column per class — as CSV (same delimiter as the
 * input) on stdout or to `-o`; `--json` gives the same as an array of records.
 */
import type { Matrix } from '../index.js';
import { parseCommand, positionals, UsageError, type CommandSpec } from './args.js';
import { checkOutputPath, readText, writeOutput } from './io.js';
import { encodeRows, pipelineOf, readModel } from './model-file.js';

export const PREDICT: CommandSpec = {
  name: 'predict',
  brief: 'the rows of a CSV with predicted labels or values (and probabilities)',
  summary: 'Predict rows of a CSV with a saved model: the rows come back with the predicted label (or value) and, for classification, one probability column per class.',
  positionals: [
    { name: 'model.json', description: "a model saved by 'neuronine train -o'" },
    { name: 'rows.csv', description: "CSV with the model's input columns ('-' reads stdin); a target column may be there and is kept" },
  ],
  options: [
    { name: 'output', short: 'o', value: '<out.csv>', default: 'stdout', description: 'write the rows with predictions here' },
    { name: 'json', description: 'write an array of records instead of CSV' },
    { name: 'quiet', short: 'q', description: 'print nothing but errors' },
  ],
  examples: [
    'neuronine predict iris-model.json flowers.csv > predicted.csv',
    'neuronine predict price.json houses.csv -o priced.csv',
    'cat rows.csv | neuronine predict model.json - --json',
  ],
};

/** A CSV cell, quoted when it holds the delimiter, a quote, a line break or edge spaces. */
export function csvCell(text: string, delimiter: string): string {
  return text.includes(delimiter) || /["\r\n]/.test(text) || text !== text.trim() ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Probabilities of each class from the network's outputs (one sigmoid unit: two classes). */
function probabilities(out: Matrix, r: number, classes: number): number[] {
  if (out.cols === 1 && classes === 2) return [1 - out.data[r], out.data[r]];
  return Array.from(out.data.subarray(r * out.cols, (r + 1) * out.cols));
}

/** A number as short as it reads back the same in float32. */
const short = (x: number): string => String(Number(x.toPrecision(7)));

export async function predict(argv: string[]): Promise<number> {
  const parsed = parseCommand(PREDICT, argv);
  const [modelPath, dataPath] = positionals(PREDICT, parsed);
  const output = (parsed.values.output as string | undefined) ?? '-';
  const json = parsed.values.json === true;
  if (dataPath === '-' && modelPath === '-') throw new UsageError("only one of <model.json> and <rows.csv> can be '-' (stdin)");
  checkOutputPath(output, 'output');
  const model = await readModel(modelPath);
  const pipeline = pipelineOf(model, modelPath);
  const source = dataPath === '-' ? 'stdin' : dataPath;
  const { table, x } = encodeRows(pipeline, await readText(dataPath, 'rows'), source, false);
  const out = model.predict(x);
  // labels as text (numeric labels print as they were read)
  const classes = pipeline.classes?.map(String);
  const targets = pipeline.target.columns;
  const names = [...(classes ? [`predicted_${targets[0]}`] : targets.map((t) => `predicted_${t}`)), ...(classes ?? []).map((c) => `probability_${c}`)];
  const added: string[][] = table.rows.map((_, r) => {
    if (!classes) return Array.from(out.data.subarray(r * out.cols, (r + 1) * out.cols), short);
    const p = probabilities(out, r, classes.length);
    let best = 0;
    for (let k = 1; k < p.length; k++) if (p[k] > p[best]) best = k;
    return [classes[best], ...p.map(short)];
  });
  let text: string;
  if (json) {
    const records = table.rows.map((row, r) => {
      const record: Record<string, string | number> = {};
      table.columns.forEach((name, c) => { record[name] = row[c]; });
      names.forEach((name, k) => { record[name] = classes && k === 0 ? pipeline.decode(classes.indexOf(added[r][0])) : Number(added[r][k]); });
      return record;
    });
    text = `${JSON.stringify(records, null, 2)}\n`;
  } else {
    const d = table.delimiter;
    const lines = [[...table.columns, ...names].map((c) => csvCell(c, d)).join(d)];
    table.rows.forEach((row, r) => lines.push([...row, ...added[r]].map((c) => csvCell(c, d)).join(d)));
    text = `${lines.join('\n')}\n`;
  }
  writeOutput(output, text, 'output');
  return 0;
}
