/**
 * synaptic 1.1.4 `Architect.Perceptron`: a graph of neuron objects that it compiles ("optimize")
 * into one generated JavaScript function on first use. It trains one sample at a time
 * (`activate` then `propagate(rate, target)`) with a logistic output whose error is
 * target − output; hidden layers are set to its RELU squash. Checked on its forward pass (same
 * weights → same outputs as a neuronine model with a sigmoid output layer).
 */
import synaptic from 'synaptic';
import { fmtRate, forwardMacs, type Dataset, type InferenceContender, type LayerWeights, type Sizes, type TrainContender } from './harness.js';

const PER_SAMPLE_LEARNING_RATE = 0.001;
/** Networks above this many weights are left out: see `skip`. 784-128-10 has 101,632. */
const MAX_CONNECTIONS = 150_000;

interface Neuron {
  bias: number;
  squash: unknown;
  connections: { inputs: Record<string, { from: Neuron; weight: number }> };
}
interface Layer { list: Neuron[]; set(options: { squash?: unknown }): void }
interface Network {
  layers: { input: Layer; hidden: Layer[]; output: Layer };
  activate(input: ArrayLike<number>): number[];
  propagate(rate: number, target: number[]): void;
}

function makeNet(sizes: Sizes, weights: readonly LayerWeights[]): Network {
  const { Architect, Neuron } = synaptic as unknown as {
    Architect: { Perceptron: new (...sizes: number[]) => Network };
    Neuron: { squash: Record<string, unknown> };
  };
  const net = new Architect.Perceptron(...sizes);
  for (const layer of net.layers.hidden) layer.set({ squash: Neuron.squash.RELU });
  const layers = [net.layers.input, ...net.layers.hidden, net.layers.output];
  weights.forEach((l, i) => {
    const index = new Map(layers[i].list.map((neuron, p) => [neuron, p]));
    const n = sizes[i + 1];
    layers[i + 1].list.forEach((neuron, j) => {
      neuron.bias = l.bias[j];
      for (const c of Object.values(neuron.connections.inputs)) c.weight = l.weight[index.get(c.from)! * n + j];
    });
  });
  return net;
}

function predict(net: Network, data: Dataset, classes: number): Float32Array {
  const out = new Float32Array(data.rows * classes);
  for (let r = 0; r < data.rows; r++) out.set(net.activate(data.x.subarray(r * data.cols, (r + 1) * data.cols)), r * classes);
  return out;
}

export const synapticTrain: TrainContender = {
  name: 'synaptic Perceptron',
  note: 'per-sample activate + propagate (batch size ignored), ReLU hidden, logistic output, compiled network',
  check: 'forward',
  outputActivation: 'sigmoid',
  skip: (sizes) => (forwardMacs(sizes) > MAX_CONNECTIONS
    ? `${fmtRate(forwardMacs(sizes))} connections: measured on 784-512-256-10, building the neuron graph took 74 s, compiling it 20 s and 2 GB, then ≈ 1 sample/s`
    : undefined),
  async create({ sizes, weights }) {
    const net = makeNet(sizes, weights);
    const classes = sizes[sizes.length - 1];
    return {
      train(data, _batchSize, epochs, onEpoch) {
        const target = new Array<number>(classes).fill(0);
        for (let e = 0; e < epochs; e++) {
          for (let r = 0; r < data.rows; r++) {
            net.activate(data.x.subarray(r * data.cols, (r + 1) * data.cols));
            target[data.labels[r]] = 1;
            net.propagate(PER_SAMPLE_LEARNING_RATE, target);
            target[data.labels[r]] = 0;
          }
          onEpoch();
        }
      },
      predict: (data) => predict(net, data, classes),
      dispose() {},
    };
  },
};

export const synapticInference: InferenceContender = {
  name: 'synaptic activate',
  note: 'net.activate(row) per row, logistic output',
  outputActivation: 'sigmoid',
  async create(sizes, weights) {
    const net = makeNet(sizes, weights);
    return { predict: (data) => predict(net, data, sizes[sizes.length - 1]), dispose() {} };
  },
};
