/**
 * brain.js 2.0.0-beta.24 `NeuralNetwork` (the CPU one). It trains one sample at a time
 * (`trainPattern` per row: forward, deltas, momentum update) and has no softmax or
 * cross-entropy: every layer uses the one activation (ReLU here) and the output error is
 * target − output. So it is checked on its forward pass (same weights → same outputs as a
 * neuronine model with a ReLU output layer), and its training rate is per-sample SGD on the same
 * layer sizes. Inputs are plain arrays (a typed-array input makes brain.js build a lookup
 * table); `train` converts them to Float32Array once per call, in the discarded first epoch.
 *
 * Installs without native builds: its peer dependency gpu.js 2.24 depends on `webgpu`, whose
 * Dawn binaries ship inside the npm package (no download, no compile); older gpu.js 2.x needed
 * `gl` (node-gyp), which cannot build here.
 */
import { NeuralNetwork } from 'brain.js';
import type { Dataset, InferenceContender, LayerWeights, Sizes, TrainContender } from './harness.js';

/** Per-sample SGD is unstable at the minibatch learning rate; the rate does not change the cost. */
const PER_SAMPLE_LEARNING_RATE = 0.001;

interface BrainNet {
  sizes: number[];
  weights: Float32Array[][];
  biases: Float32Array[];
  initialize(): void;
  run(input: ArrayLike<number>): Float32Array;
  train(data: { input: number[]; output: number[] }[], options: Record<string, unknown>): unknown;
}

function makeNet(sizes: Sizes, weights: readonly LayerWeights[]): BrainNet {
  const net = new NeuralNetwork({
    inputSize: sizes[0], hiddenLayers: sizes.slice(1, -1), outputSize: sizes[sizes.length - 1], activation: 'relu',
  }) as unknown as BrainNet;
  net.initialize();
  // brain.js keeps weights[layer][node][input]; ours is (input × node) row-major
  weights.forEach((l, i) => {
    const k = sizes[i], n = sizes[i + 1];
    for (let j = 0; j < n; j++) {
      const row = net.weights[i + 1][j];
      for (let p = 0; p < k; p++) row[p] = l.weight[p * n + j];
      net.biases[i + 1][j] = l.bias[j];
    }
  });
  return net;
}

function predict(net: BrainNet, data: Dataset, classes: number): Float32Array {
  const out = new Float32Array(data.rows * classes);
  for (let r = 0; r < data.rows; r++) out.set(net.run(data.x.subarray(r * data.cols, (r + 1) * data.cols)), r * classes);
  return out;
}

export const brainTrain: TrainContender = {
  name: 'brain.js NeuralNetwork',
  note: 'per-sample SGD (batch size ignored), ReLU on every layer, output error target − output, momentum 0.1 (its minimum is > 0)',
  check: 'forward',
  outputActivation: 'relu',
  async create({ sizes, weights }) {
    const net = makeNet(sizes, weights);
    const classes = sizes[sizes.length - 1];
    return {
      train(data, _batchSize, epochs, onEpoch) {
        const rows = [];
        for (let r = 0; r < data.rows; r++) {
          const output = new Array<number>(classes).fill(0);
          output[data.labels[r]] = 1;
          rows.push({ input: Array.from(data.x.subarray(r * data.cols, (r + 1) * data.cols)), output });
        }
        net.train(rows, {
          iterations: epochs, errorThresh: 1e-9, learningRate: PER_SAMPLE_LEARNING_RATE, activation: 'relu',
          callback: onEpoch, callbackPeriod: 1, log: false,
        });
      },
      predict: (data) => predict(net, data, classes),
      dispose() {},
    };
  },
};

export const brainInference: InferenceContender = {
  name: 'brain.js run',
  note: 'net.run(row) per row, ReLU output',
  outputActivation: 'relu',
  async create(sizes, weights) {
    const net = makeNet(sizes, weights);
    return { predict: (data) => predict(net, data, sizes[sizes.length - 1]), dispose() {} };
  },
};
