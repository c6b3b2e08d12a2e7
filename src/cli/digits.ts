/**
 * `npm start`: trains a digit classifier on the bundled 8×8 handwritten digits (1,797 images,
 * UCI), half for training and half held out, printing one progress line per epoch and the
 * held-out accuracy at the end. Options: --epochs N, --batch N, --hidden N, --seed N.
 */
import { createModel, datasets, trainTestSplit } from '../index.js';

function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  if (at < 0) return fallback;
  const value = Number(process.argv[at + 1]);
  if (!Number.isInteger(value) || value < 1) {
    console.error(`--${name} needs a positive integer; got ${process.argv[at + 1]}`);
    process.exit(2);
  }
  return value;
}

const epochs = option('epochs', 30);
const batchSize = option('batch', 32);
const hidden = option('hidden', 64);
const seed = option('seed', 7);

const digits = await datasets.digits();
const { train, test } = trainTestSplit(digits, { testSize: 0.5, seed, stratify: true, scale: 'standard' });
const model = await createModel({
  inputs: train.x.cols,
  layers: [{ units: hidden, activation: 'relu' }, { units: digits.classes!.length, activation: 'softmax' }],
  loss: 'crossEntropy',
  optimizer: { type: 'adam', learningRate: 0.005 },
  seed,
});
console.log(`digits: ${train.rows} training and ${test.rows} held-out images of ${train.x.cols} pixels`);
console.log(`model: ${train.x.cols}-${hidden}-${digits.classes!.length}, relu then softmax, cross-entropy, adam; ${model.parameterCount} parameters`);
const started = performance.now();
await model.fit(train, {
  epochs, batchSize,
  validationData: test,
  onEpochEnd: (epoch, logs) => {
    const line = [
      `epoch ${String(epoch + 1).padStart(String(epochs).length)}/${epochs}`,
      `loss ${logs.loss.toFixed(4)}`,
      `accuracy ${logs.accuracy!.toFixed(4)}`,
      `val loss ${logs.valLoss!.toFixed(4)}`,
      `val accuracy ${logs.valAccuracy!.toFixed(4)}`,
      `${Math.round(logs.samplesPerSecond).toLocaleString('en-US')} samples/s`,
    ];
    console.log(line.join('  '));
  },
});
const seconds = (performance.now() - started) / 1000;
const { accuracy, loss } = model.evaluate(test);
console.log(`trained in ${seconds.toFixed(2)} s`);
console.log(`held-out accuracy: ${(accuracy! * 100).toFixed(2)} % (loss ${loss.toFixed(4)}) on ${test.rows} images`);
