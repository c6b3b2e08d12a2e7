/**
 * `npm start`: trains a digit classifier on the bundled 8×8 handwritten digits (1,797 images,
 * UCI), half for training and half held out, with the CLI's progress display (a live bar on a
 * terminal, a line per epoch otherwise) and the held-out accuracy at the end. Options (checked:
 * an unknown or misspelt one is an error): --epochs N, --batch N, --hidden N, --seed N.
 * `neuronine train <csv>` is the general command; this is the repository's quick demo.
 */
import { createModel, datasets, trainTestSplit } from '../index.js';
import { commandHelp, integerFlag, parseCommand, positionals, UsageError, type CommandSpec } from './args.js';
import { reporter, writeStderr, writeStdout } from './io.js';
import { TrainingProgress } from './progress.js';

const DIGITS: CommandSpec = {
  name: 'start',
  brief: 'train on the bundled digits',
  summary: 'Train a 64-64-10 network on half of the bundled digits and report the accuracy on the other half.',
  positionals: [],
  options: [
    { name: 'epochs', value: '<n>', default: '30', description: 'passes over the training images' },
    { name: 'batch', value: '<n>', default: '32', description: 'images per gradient step' },
    { name: 'hidden', value: '<n>', default: '64', description: 'units in the hidden layer' },
    { name: 'seed', value: '<n>', default: '7', description: 'seed of the split, the weights and the shuffles' },
  ],
  examples: ['npm start', 'npm start -- --epochs 10 --hidden 32'],
};

let options;
try {
  const parsed = parseCommand(DIGITS, process.argv.slice(2));
  if (parsed.values.help) {
    writeStdout(commandHelp(DIGITS).replace('neuronine start', 'npm start --'));
    process.exit(0);
  }
  positionals(DIGITS, parsed);
  const v = parsed.values;
  options = {
    epochs: integerFlag('epochs', v.epochs, 30, 1),
    batchSize: integerFlag('batch', v.batch, 32, 1),
    hidden: integerFlag('hidden', v.hidden, 64, 1, 65_536),
    seed: integerFlag('seed', v.seed, 7, 0, 2 ** 32 - 1),
  };
} catch (error) {
  if (!(error instanceof UsageError)) throw error;
  writeStderr(`npm start: ${error.message.replace(/neuronine start --help/g, 'npm start -- --help')}\n`);
  process.exit(2);
}
const { epochs, batchSize, hidden, seed } = options;

const report = reporter({ dataOnStdout: false, quiet: false });
const digits = await datasets.digits();
const { train, test } = trainTestSplit(digits, { testSize: 0.5, seed, stratify: true, scale: 'standard' });
const classes = digits.classes!.length;
const model = await createModel({
  inputs: train.x.cols,
  layers: [{ units: hidden, activation: 'relu' }, { units: classes, activation: 'softmax' }],
  loss: 'crossEntropy',
  optimizer: { type: 'adam', learningRate: 0.005 },
  seed,
});
report.line(`digits: ${train.rows} training and ${test.rows} held-out images of ${train.x.cols} pixels`);
report.line(`model: ${train.x.cols}-${hidden}-${classes}, relu then softmax, cross-entropy, adam; ${model.parameterCount} parameters`);
const progress = new TrainingProgress({ epochs, rows: train.rows, batchSize, reporter: report, enabled: true });
const started = performance.now();
await model.fit(train, { epochs, batchSize, validationData: test, onBatchEnd: progress.onBatchEnd, onEpochEnd: progress.onEpochEnd });
progress.finish();
const seconds = (performance.now() - started) / 1000;
const { accuracy, loss } = model.evaluate(test);
report.line(`trained in ${seconds.toFixed(2)} s`);
report.line(`held-out accuracy: ${(accuracy! * 100).toFixed(2)} % (loss ${loss.toFixed(4)}) on ${test.rows} images`);
