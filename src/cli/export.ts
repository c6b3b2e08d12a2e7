/**
 * `neuronine export <model.json> --format onnx|tfjs -o <path>`: a saved model in the formats
 * other engines read, through the package's interop entries (`neuronine/onnx` toONNX,
 * `neuronine/node` saveTFJS). ONNX goes to one file (or stdout); TF.js to a folder holding
 * model.json and weights.bin. The conversion runs before anything is written, so a model that
 * cannot be exported leaves no output behind.
 */
import { saveTFJS } from '../node.js';
import { toONNX } from '../onnx.js';
import { CLIError, choiceFlag, integerFlag, parseCommand, positionals, UsageError, type CommandSpec } from './args.js';
import { checkOutputPath, reporter, writeOutput } from './io.js';
import { readModel } from './model-file.js';

const FORMATS = ['onnx', 'tfjs'] as const;

export const EXPORT: CommandSpec = {
  name: 'export',
  brief: 'a saved model as ONNX or as a TF.js layers model',
  summary: 'Export a saved model to ONNX (onnxruntime, on servers, phones and in other languages) or to a TensorFlow.js layers model (tf.loadLayersModel).',
  positionals: [{ name: 'model.json', description: "a model saved by 'neuronine train -o' ('-' reads stdin)" }],
  options: [
    { name: 'format', short: 'f', value: '<format>', default: 'from the -o name: .onnx is onnx', description: `${FORMATS.join(' or ')}` },
    { name: 'output', short: 'o', value: '<path>', description: "the .onnx file ('-' for stdout), or the folder for tfjs (model.json + weights.bin)" },
    { name: 'opset', value: '<n>', default: '13', description: 'ONNX operator set, 13 to 21' },
    { name: 'quiet', short: 'q', description: 'print nothing but errors' },
  ],
  examples: [
    'neuronine export iris-model.json --format onnx -o iris.onnx',
    'neuronine export iris-model.json --format tfjs -o web_model',
  ],
  notes: [
    "ONNX: the graph's input is the encoded feature row before scaling (the pipeline's scaler is in the graph; one-hot\n"
    + 'columns are not: give them as 0/1 in the order `neuronine summary --json` lists as pipeline.features).\n'
    + "TF.js: the input is the encoded and scaled feature row; the pipeline travels in the model's userDefinedMetadata.\n"
    + 'See docs/interop.md.',
  ],
};

export async function exportModel(argv: string[]): Promise<number> {
  const parsed = parseCommand(EXPORT, argv);
  const [path] = positionals(EXPORT, parsed);
  const v = parsed.values;
  const output = v.output as string | undefined;
  if (output === undefined) throw new UsageError("export needs -o <path> (the .onnx file, or the folder for tfjs)");
  const format = v.format === undefined
    ? (/\.onnx$/i.test(output) || output === '-' ? 'onnx' : (() => { throw new UsageError('export needs --format onnx or --format tfjs (or an -o name ending in .onnx)'); })())
    : choiceFlag('format', v.format, 'onnx', FORMATS);
  if (format === 'tfjs' && output === '-') throw new UsageError("--format tfjs writes a folder (model.json + weights.bin); give its name with -o, not '-'");
  if (format === 'tfjs' && v.opset !== undefined) throw new UsageError('--opset applies to --format onnx only');
  const opset = integerFlag('opset', v.opset, 13, 13, 21);
  const report = reporter({ dataOnStdout: output === '-', quiet: v.quiet === true });
  if (format === 'onnx') checkOutputPath(output, 'output');
  const model = await readModel(path);
  const source = path === '-' ? 'stdin' : path;
  const features = model.pipeline && 'features' in model.pipeline ? (model.pipeline as { features: readonly string[] }).features : undefined;
  if (format === 'onnx') {
    let bytes: Uint8Array;
    try {
      bytes = toONNX(model, { opset });
    } catch (error) {
      throw new CLIError(`${source}: ${(error as Error).message}`);
    }
    writeOutput(output, bytes, 'output');
    if (output !== '-') report.line(`wrote ${output}: ONNX opset ${opset}, ${bytes.length.toLocaleString('en-US')} bytes; input ${model.inputs} features${features ? ` (${features.join(', ')})` : ''}, before scaling`);
  } else {
    try {
      await saveTFJS(model, output);
    } catch (error) {
      throw new CLIError(`${source}: ${(error as Error).message}`);
    }
    report.line(`wrote ${output}/model.json and ${output}/weights.bin: a TF.js layers model; input ${model.inputs} features${features ? ` (${features.join(', ')})` : ''}, scaled`);
  }
  return 0;
}
