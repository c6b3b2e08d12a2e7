/**
 * neuronine as a contender: the public API only (createModel, setWeights, fitSync / fit,
 * predict), the way a user would call it, on the release kernels embedded in src/runtime.
 * Epochs are timed between onEpochEnd calls, so staging the rows into wasm memory (done once
 * per fit call) is outside the epoch time, as it is for the peers that hold their data in
 * tensors.
 */
import { createModel, type Model } from '../../src/index.js';
import type { Dataset, InferenceContender, LayerWeights, Sizes, TrainContender } from './harness.js';

type OutputActivation = 'softmax' | 'relu' | 'sigmoid';

/** A model of these sizes (ReLU hidden layers) with the given parameters. */
export async function buildModel(sizes: Sizes, weights: readonly LayerWeights[] | undefined,
  learningRate = 0.05, output: OutputActivation = 'softmax', seed = 7): Promise<Model> {
  const layers = sizes.slice(1).map((units, i) => ({ units, activation: (i === sizes.length - 2 ? output : 'relu') as OutputActivation }));
  const model = await createModel({
    inputs: sizes[0],
    layers,
    loss: output === 'softmax' ? 'crossEntropy' : 'mse',
    optimizer: { type: 'sgd', learningRate },
    seed,
    // the single-thread, portable rows; bench/threads.ts measures threads and relaxed SIMD
    threads: 1,
    kernels: 'portable',
  });
  if (weights) model.setWeights(weights);
  return model;
}

const matrix = (d: Dataset) => ({ rows: d.rows, cols: d.cols, data: d.x });

function trainContender(async: boolean): TrainContender {
  return {
    name: async ? 'neuronine fit (async)' : 'neuronine fitSync',
    note: async
      ? 'await model.fit: yields to the event loop every 10 ms'
      : 'model.fitSync: whole runs of batches per wasm call',
    check: 'step',
    async create({ sizes, weights, learningRate }) {
      const model = await buildModel(sizes, weights, learningRate);
      return {
        step(batch, probe) {
          model.setWeights(weights);
          const history = model.fitSync(matrix(batch), batch.labels, { epochs: 1, batchSize: batch.rows, shuffle: false });
          return { loss: history.loss[0], probs: model.predict(matrix(probe)).data };
        },
        async train(data, batchSize, epochs, onEpoch) {
          const options = { epochs, batchSize, shuffle: true, onEpochEnd: () => { onEpoch(); } };
          if (async) await model.fit(matrix(data), data.labels, options);
          else model.fitSync(matrix(data), data.labels, options);
        },
        predict: (data) => model.predict(matrix(data)).data,
        dispose: () => model.dispose(),
      };
    },
  };
}

export const neuronineFitSync = trainContender(false);
export const neuronineFit = trainContender(true);

/** model.predict on a matrix: copy in, network_predict, copy out. */
export const neuronineInference: InferenceContender = {
  name: 'neuronine predict',
  note: 'model.predict(matrix): copy in, one wasm call, copy out',
  async create(sizes, weights) {
    const model = await buildModel(sizes, weights);
    return { predict: (data) => model.predict(matrix(data)).data, dispose: () => model.dispose() };
  },
};
