/**
 * `neuronine train <data.csv>`: CSV → data set (loadCSV rules) → seeded split (stratified for
 * classification) with the scaler fitted on the training rows → an MLP (hidden layers as given,
 * softmax + cross-entropy for classification, linear + MSE for regression) → fit with a progress
 * display → held-out metrics → the model with its pipeline saved to `-o`. Ctrl-C aborts fit
 * after the current batch (an AbortSignal) and the model trained so far is still measured and
 * saved; the exit code is then 130.
 */
import {
  createModel, parseCSV, parseCSVTable, scale as scaleData, trainTestSplit,
  type ActivationName, type Dataset, type Evaluation, type History, type ModelSpec, type OptimizerName,
} from '../index.js';
import {
  choiceFlag, CLIError, didYouMean, integerFlag, listFlag, numberFlag, parseCommand, positionals, UsageError, type CommandSpec,
} from './args.js';
import { checkOutputPath, readText, reporter, writeOutput, writeStdout } from './io.js';
import { TrainingProgress, grouped } from './progress.js';
import { metricLines } from './report.js';

export const SCALERS = ['standard', 'minmax', 'none'] as const;

export const TRAIN: CommandSpec = {
  name: 'train',
  brief: 'train a network on a CSV, print held-out metrics, save the model',
  summary: 'Train a network on a CSV file, print held-out metrics and save the model with its data pipeline.',
  positionals: [{ name: 'data.csv', description: "CSV with a header row ('-' reads stdin)" }],
  options: [
    { name: 'target', short: 't', value: '<column>', default: 'the last column', description: 'column to predict' },
    { name: 'layers', short: 'l', value: '<units,...>', default: '64,32', description: "hidden layer sizes ('' for none)" },
    { name: 'activation', short: 'a', value: '<name>', default: 'relu', description: 'hidden activation: relu, tanh, gelu, elu, swish, ... (any createModel takes)' },
    { name: 'epochs', short: 'e', value: '<n>', default: '50', description: 'passes over the training rows' },
    { name: 'batch-size', short: 'b', value: '<n>', default: '32', description: 'rows per gradient step' },
    { name: 'optimizer', value: '<name>', default: 'adam', description: 'adam, sgd, momentum, rmsprop, adamw, ... (any createModel takes)' },
    { name: 'lr', value: '<rate>', default: '0.001', description: 'learning rate' },
    { name: 'test-size', value: '<share>', default: '0.2', description: 'held-out share (0–1) or row count; 0 holds out nothing' },
    { name: 'seed', short: 's', value: '<n>', default: 'random, printed', description: 'seed of the split, the weights and the shuffles' },
    { name: 'scale', value: '<kind>', default: 'standard', description: `feature scaling fitted on the training rows: ${SCALERS.join(', ')}` },
    { name: 'early-stopping', value: '<patience>', description: 'stop when the validation loss has not improved for this many epochs; keep the best weights' },
    { name: 'validation-split', value: '<share>', default: '0.1 with --early-stopping, else 0', description: 'share of the training rows watched for validation' },
    { name: 'features', value: '<columns>', default: 'all but the target and --ignore', description: 'comma-separated columns to learn from' },
    { name: 'ignore', value: '<columns>', description: 'comma-separated columns to leave out (IDs, free text)' },
    { name: 'categorical', value: '<columns>', description: 'numeric columns to one-hot encode (codes)' },
    { name: 'numeric', value: '<columns>', description: 'columns to keep numeric even if they look like IDs or text' },
    { name: 'max-categories', value: '<n>', default: '50', description: 'most distinct values of a categorical column' },
    { name: 'unknown-category', value: '<rule>', default: 'error', description: "a category unseen in training, at prediction: error, or ignore (all zeros)" },
    { name: 'missing', value: '<rule>', default: 'error', description: 'missing cells: error, drop (the row), mean (fill)' },
    { name: 'decimal', value: '<separator>', default: '.', description: "decimal separator in numbers: . or , (with ;-separated files)" },
    { name: 'task', value: '<task>', default: 'from the target', description: 'classification or regression' },
    { name: 'output', short: 'o', value: '<model.json>', description: "save the model here ('-' for stdout)" },
    { name: 'json', description: 'print the results as one JSON object on stdout' },
    { name: 'quiet', short: 'q', description: 'print nothing but errors (and --json)' },
  ],
  examples: [
    'neuronine train iris.csv --target species -o iris-model.json',
    'neuronine train houses.csv -t price --layers 128,64 --epochs 200 --lr 0.003 --early-stopping 10 -o price.json',
    'neuronine train titanic.csv -t survived --ignore name,ticket --missing mean --seed 1 --json > result.json',
    'cat data.csv | neuronine train - -t label -o - > model.json',
  ],
  notes: [
    'Classification when the target holds text or at most 20 distinct integers, else regression (--task overrides).\n'
    + 'Classification: softmax output and cross-entropy; prints accuracy, precision, recall, F1 (macro) and the confusion matrix.\n'
    + 'Regression: linear output and mean squared error; prints MAE, RMSE and R². Scale large targets yourself (or raise --lr).\n'
    + 'Ctrl-C stops training after the current batch; the model so far is still measured and saved (exit code 130).',
  ],
};

export interface TrainResult {
  command: 'train';
  data: string;
  target: string;
  task: 'classification' | 'regression';
  classes?: (string | number)[];
  features: string[];
  rows: { train: number; validation: number; test: number };
  seed: number;
  layers: string;
  parameters: number;
  history: History;
  seconds: number;
  metrics?: Evaluation;
  output: string | null;
  interrupted: boolean;
}

/** Parses `--layers 64,32` (`''` or `none` for no hidden layer). */
export function parseLayers(text: string | boolean | undefined): number[] {
  if (text === undefined) return [64, 32];
  const value = String(text).trim();
  if (value === '' || value === 'none') return [];
  const sizes = value.split(',').map((s) => s.trim());
  for (const size of sizes) {
    if (!/^\d+$/.test(size) || Number(size) < 1 || Number(size) > 65_536) {
      throw new UsageError(`--layers needs comma-separated layer sizes (positive integers), such as 64,32; got '${value}' ('${size}' is not a size)`);
    }
  }
  return sizes.map(Number);
}

/** The data layer's advice in option names (`options.ignore: ["id"]`) said as this command's flags (`--ignore id`). */
export function asFlags(message: string): string {
  const flag = (name: string) => `--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
  return message
    .replace(/options\.(\w+): \[([^\]]*)\]/g, (_, name: string, list: string) => {
      try {
        return `${flag(name)} ${(JSON.parse(`[${list}]`) as unknown[]).join(',')}`;
      } catch {
        return `${flag(name)} ${list}`;
      }
    })
    .replace(/options\.(\w+): '([^']*)'( or '([^']*)')?/g, (_, name: string, a: string, _or, b?: string) => `${flag(name)} ${a}${b ? ` or ${flag(name)} ${b}` : ''}`)
    .replace(/options\.(\w+)/g, (_, name: string) => flag(name))
    .replace(/e\.g\. trainTestSplit\(data, \{ scale: '(\w+)' \}\)/g, '--scale $1')
    .replace(/lower the learning rate \(now ([^)]+)\)/g, 'lower --lr (now $1)');
}

/**
 * Checks --activation and --optimizer against the library before any data is read: a tiny
 * model with those names; the library's list of valid names (from its message) becomes a usage
 * error with a suggestion. The CLI keeps no copy of the list.
 */
async function checkNames(activation: ActivationName, optimizer: OptimizerName, learningRate: number): Promise<void> {
  try {
    (await createModel({ inputs: 1, layers: [{ units: 1, activation }], optimizer: { type: optimizer, learningRate } })).dispose();
  } catch (error) {
    const message = (error as Error).message;
    const match = /(activation|optimizer\.type) must be one of (.+); got '([^']*)'/.exec(message);
    if (!match) throw new UsageError(message);
    const flag = match[1] === 'activation' ? 'activation' : 'optimizer';
    const names = [...match[2].matchAll(/'([^']+)'/g)].map((m) => m[1]);
    throw new UsageError(`--${flag} must be one of ${names.join(', ')}; got '${match[3]}'${didYouMean(match[3], names, (n) => `'${n}'`)}`);
  }
}

export async function train(argv: string[]): Promise<number> {
  const parsed = parseCommand(TRAIN, argv);
  const [path] = positionals(TRAIN, parsed);
  const v = parsed.values;
  const layers = parseLayers(v.layers);
  const activation = (v.activation ?? 'relu') as ActivationName;
  const epochs = integerFlag('epochs', v.epochs, 50, 1, 1_000_000);
  const batchSize = integerFlag('batch-size', v['batch-size'], 32, 1, 1 << 20);
  const optimizer = (v.optimizer ?? 'adam') as OptimizerName;
  const learningRate = numberFlag('lr', v.lr, 0.001, (x) => x > 0, 'a number greater than 0');
  const testSize = numberFlag('test-size', v['test-size'], 0.2, (x) => x === 0 || (x > 0 && x < 1) || Number.isInteger(x), 'a share between 0 and 1, or a whole number of rows');
  const seed = integerFlag('seed', v.seed, Math.floor(Math.random() * 2 ** 31), 0, 2 ** 32 - 1);
  const scale = choiceFlag('scale', v.scale, 'standard', SCALERS);
  const patience = v['early-stopping'] === undefined ? undefined : integerFlag('early-stopping', v['early-stopping'], 0, 0);
  const validationSplit = numberFlag('validation-split', v['validation-split'], patience === undefined ? 0 : 0.1, (x) => x >= 0 && x < 1, 'a share from 0 up to (not including) 1');
  if (patience !== undefined && validationSplit === 0) throw new UsageError('--early-stopping watches the validation loss; give --validation-split a share above 0');
  const missing = choiceFlag('missing', v.missing, 'error', ['error', 'drop', 'mean'] as const);
  const task = v.task === undefined ? undefined : choiceFlag('task', v.task, 'classification', ['classification', 'regression'] as const);
  const columnOptions = {
    features: listFlag('features', v.features),
    ignore: listFlag('ignore', v.ignore),
    categorical: listFlag('categorical', v.categorical),
    numeric: listFlag('numeric', v.numeric),
  };
  const maxCategories = v['max-categories'] === undefined ? undefined : integerFlag('max-categories', v['max-categories'], 50, 1);
  const unknownCategory = choiceFlag('unknown-category', v['unknown-category'], 'error', ['error', 'ignore'] as const);
  const decimal = choiceFlag('decimal', v.decimal, '.', ['.', ','] as const);
  const output = v.output as string | undefined;
  const json = v.json === true;
  if (output === '-' && json) throw new UsageError("-o - and --json both want stdout; save the model to a file or drop --json");
  const report = reporter({ dataOnStdout: output === '-', json, quiet: v.quiet === true });
  checkOutputPath(output, 'output');
  await checkNames(activation, optimizer, learningRate);

  // read the data; check column names here to suggest the closest one
  const text = await readText(path, 'data');
  const source = path === '-' ? 'stdin' : path;
  let columns: string[];
  try {
    columns = parseCSVTable(text).columns;
  } catch (error) {
    throw new CLIError(`${source}: ${(error as Error).message}`);
  }
  const target = v.target as string | undefined;
  for (const [flag, names] of [['target', target === undefined ? [] : [target]], ...Object.entries(columnOptions)] as const) {
    for (const name of names ?? []) {
      if (!columns.includes(name)) {
        throw new CLIError(`--${flag}: ${source} has no column '${name}'${didYouMean(name, columns, (c) => `'${c}'`)} (columns: ${columns.join(', ')})`);
      }
    }
  }
  let data: Dataset;
  try {
    const given = Object.fromEntries(Object.entries(columnOptions).filter(([, names]) => names !== undefined));
    data = parseCSV(text, {
      target: target ?? -1, missing, unknownCategory, decimal, ...given, ...(task ? { task } : {}), ...(maxCategories ? { maxCategories } : {}),
    });
  } catch (error) {
    throw new CLIError(`${source}: ${asFlags((error as Error).message)}`);
  }

  // split: stratified for classification (a class with a single row cannot be: then a plain split)
  const classification = data.task === 'classification';
  let train = data, test: Dataset | undefined;
  if (testSize > 0) {
    if (testSize >= data.rows) throw new UsageError(`--test-size ${testSize} leaves no training rows (${source} has ${data.rows})`);
    const split = (stratify: boolean) => trainTestSplit(data, { testSize, seed, stratify, scale });
    try {
      ({ train, test } = split(classification));
    } catch (error) {
      if (!classification || !(error instanceof RangeError) || !/single row/.test(error.message)) throw error;
      const label = (error as { value?: unknown }).value;
      report.line(`note: class ${label === undefined ? '' : `${JSON.stringify(label)} `}has a single row, so it cannot be in both halves of a stratified split; splitting without stratification`);
      ({ train, test } = split(false));
    }
  } else if (scale !== 'none') {
    ({ train } = scaleData(data, undefined, { kind: scale }));
  }

  const outputs = classification ? data.classes!.length : (data.y as { cols: number }).cols;
  const spec: ModelSpec = {
    inputs: train.x.cols,
    layers: [
      ...layers.map((units) => ({ units, activation })),
      classification ? { units: outputs, activation: 'softmax' as const } : { units: outputs, activation: 'linear' as const },
    ],
    loss: classification ? 'crossEntropy' : 'mse',
    optimizer: { type: optimizer, learningRate },
    seed,
  };
  const model = await createModel(spec);
  const shape = [train.x.cols, ...layers, outputs].join('-');
  const trainRows = train.rows - Math.floor(train.rows * validationSplit);
  report.line(`${source}: ${data.rows} rows, ${data.features.length} feature${data.features.length === 1 ? '' : 's'}, target '${data.target}' (${classification ? `classification, ${outputs} classes` : 'regression'})`);
  report.line(`split: ${trainRows} training, ${train.rows - trainRows} validation, ${test?.rows ?? 0} held-out rows; seed ${seed}`);
  report.line(`model: ${shape}, ${activation} hidden, ${classification ? 'softmax + cross-entropy' : 'linear + MSE'}, ${optimizer} lr ${learningRate}; ${grouped(model.parameterCount)} parameters`);

  const progress = new TrainingProgress({
    epochs, rows: trainRows, batchSize, reporter: report, enabled: !report.quiet,
  });
  const controller = new AbortController();
  let interrupts = 0;
  const onInterrupt = () => {
    interrupts++;
    if (interrupts > 1) process.exit(130);
    controller.abort();
    progress.note('stopping after the current batch (Ctrl-C again to quit at once, saving nothing)');
  };
  process.on('SIGINT', onInterrupt);
  const started = performance.now();
  let history: History;
  try {
    history = await model.fit(train, {
      epochs, batchSize, signal: controller.signal,
      ...(validationSplit > 0 ? { validationSplit } : {}),
      ...(patience !== undefined ? { earlyStopping: { monitor: 'valLoss', patience, restoreBestWeights: true } } : {}),
      // per-batch figures only for the live bar: fit with a signal and onBatchEnd runs one batch
      // per wasm call (and yield), measured 1.5-2x slower on small networks; lines need none
      ...(progress.live ? { onBatchEnd: progress.onBatchEnd } : {}),
      onEpochEnd: progress.onEpochEnd,
    });
  } catch (error) {
    // a loss or gradient that stopped being finite: the library's advice, said as flags
    throw new CLIError(asFlags((error as Error).message));
  } finally {
    process.off('SIGINT', onInterrupt);
    progress.finish();
  }
  const seconds = (performance.now() - started) / 1000;
  const interrupted = history.stopReason === 'aborted';
  if (history.stopReason === 'earlyStopping' && history.bestEpoch !== undefined) {
    report.line(`early stopping after epoch ${history.epochs}: no better validation loss for ${patience} epoch${patience === 1 ? '' : 's'}; keeping epoch ${history.bestEpoch + 1}'s weights`);
  }
  if (interrupted) report.line(`interrupted after ${history.epochs} complete epoch${history.epochs === 1 ? '' : 's'}`);
  report.line(`trained ${history.epochs} epoch${history.epochs === 1 ? '' : 's'} in ${seconds.toFixed(2)} s`);

  const metrics = test ? model.evaluate(test.x, test.y) : undefined;
  if (metrics && test) for (const line of metricLines(`held-out (${test.rows} rows)`, metrics, data.classes)) report.line(line);

  if (output !== undefined) {
    writeOutput(output, `${JSON.stringify(model)}\n`, 'output');
    if (output !== '-') report.line(`saved ${output}`);
  }
  if (json) {
    const result: TrainResult = {
      command: 'train', data: source, target: data.target, task: data.task, ...(data.classes ? { classes: data.classes } : {}),
      features: data.features, rows: { train: trainRows, validation: train.rows - trainRows, test: test?.rows ?? 0 },
      seed, layers: shape, parameters: model.parameterCount, history, seconds, ...(metrics ? { metrics } : {}),
      output: output ?? null, interrupted,
    };
    writeStdout(`${JSON.stringify(result, null, 2)}\n`);
  }
  return interrupted ? 130 : 0;
}
