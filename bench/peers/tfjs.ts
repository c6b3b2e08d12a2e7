/**
 * TensorFlow.js 4.22 on its wasm backend (XNNPACK, SIMD, one thread) and its plain JS cpu
 * backend. The main path is a hand-written loop — tf.fused.matMul (bias + ReLU fused) per
 * layer, tf.losses.softmaxCrossEntropy, optimizer.minimize with tf.train.sgd — over a batch
 * gathered from tensors that hold the whole epoch's data; `FUSED` below records why fused. The
 * Keras-style path (tf.sequential of dense layers, model.fit) runs as a separate contender on
 * the wasm backend, to show which is TF.js's faster way.
 *
 * The threaded wasm build does not load in Node: tfjs-backend-wasm reports
 * WASM_HAS_MULTITHREAD_SUPPORT = false under Node (tfjs issue 3830), and forcing the flag fails
 * because Emscripten starts its pthread workers from a blob: URL, which Node's Worker rejects
 * (ERR_WORKER_PATH). `probeThreaded` reproduces that at run time and reports the reason.
 */
// the union package: tfjs-core's Node bundle registers no gradients; @tensorflow/tfjs does (and
// brings tfjs-layers for the model.fit variant)
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths, setThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import { execFile } from 'node:child_process';
import path from 'node:path';
import type { Dataset, InferenceContender, LayerWeights, Sizes, TrainContender } from './harness.js';

const require = createRequire(import.meta.url);
const wasmDir = `${path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'))}/dist/`;

/**
 * tf.fused.matMul with bias and ReLU in one op, or tf.matMul + tf.add + tf.relu: measured here
 * (wasm: 784-128-10 b64, 784-512-256-10 b128, 4-16-3 b16; cpu: 4-16-3) the two were within the
 * run-to-run noise (±10 %) of each other; fused is kept as the fewer-ops path TF.js recommends.
 */
const FUSED = true;

export type Backend = 'wasm' | 'cpu';

let wasmReady: Promise<void> | undefined;

/** Makes `backend` the active one (tensors belong to the backend active when they were made). */
async function use(backend: Backend): Promise<void> {
  if (backend === 'wasm' && !wasmReady) {
    setWasmPaths(wasmDir);
    setThreadsCount(1);
    wasmReady = tf.ready().then(() => undefined);
  }
  if (tf.getBackend() !== backend) await tf.setBackend(backend);
  await tf.ready();
  if (backend === 'wasm' && !tf.env().getBool('WASM_HAS_SIMD_SUPPORT')) throw new Error('tfjs wasm: no SIMD');
}

/** TF.js version and wasm flags, for the results. */
export function tfjsInfo(): Record<string, unknown> {
  return { version: tf.version.tfjs, wasmDir };
}

interface Net {
  weights: tf.Variable[];
  biases: tf.Variable[];
}

function makeNet(weights: readonly LayerWeights[], sizes: Sizes): Net {
  return {
    weights: weights.map((l, i) => tf.variable(tf.tensor2d(l.weight, [sizes[i], sizes[i + 1]]))),
    biases: weights.map((l) => tf.variable(tf.tensor1d(l.bias))),
  };
}

function setNet(net: Net, weights: readonly LayerWeights[]): void {
  weights.forEach((l, i) => {
    net.weights[i].assign(tf.tensor(l.weight, net.weights[i].shape));
    net.biases[i].assign(tf.tensor1d(l.bias));
  });
}

/** Logits (rows, classes). */
function logits(net: Net, x: tf.Tensor2D): tf.Tensor2D {
  let a = x;
  const last = net.weights.length - 1;
  for (let i = 0; i <= last; i++) {
    if (FUSED) {
      a = tf.fused.matMul({ a, b: net.weights[i] as tf.Tensor2D, bias: net.biases[i], activation: i < last ? 'relu' : 'linear' }) as tf.Tensor2D;
    } else {
      a = tf.add(tf.matMul(a, net.weights[i] as tf.Tensor2D), net.biases[i]) as tf.Tensor2D;
      if (i < last) a = tf.relu(a);
    }
  }
  return a;
}

function disposeNet(net: Net): void {
  for (const v of [...net.weights, ...net.biases]) v.dispose();
}

const names: Record<Backend, string> = { wasm: 'tfjs-wasm (SIMD, 1 thread)', cpu: 'tfjs-cpu' };

export function tfjsTrain(backend: Backend): TrainContender {
  return {
    name: names[backend],
    note: `tfjs-core ${tf.version_core} ${backend} backend: hand-written loop, ${FUSED ? 'fused.matMul(+bias, relu)' : 'matMul+add+relu'}, softmaxCrossEntropy, sgd optimizer.minimize`,
    check: 'step',
    async create({ sizes, weights, learningRate }) {
      await use(backend);
      const net = makeNet(weights, sizes);
      const vars = [...net.weights, ...net.biases];
      const optimizer = tf.train.sgd(learningRate);
      const classes = sizes[sizes.length - 1];
      return {
        async step(batch, probe) {
          await use(backend);
          setNet(net, weights);
          const { x, y } = tf.tidy(() => ({ x: tf.tensor2d(batch.x, [batch.rows, batch.cols]), y: tf.oneHot(tf.tensor1d(batch.labels, 'int32'), classes) }));
          const cost = optimizer.minimize(() => tf.losses.softmaxCrossEntropy(y, logits(net, x)), true, vars)!;
          const loss = cost.dataSync()[0];
          tf.dispose([cost, x, y]);
          const probs = tf.tidy(() => tf.softmax(logits(net, tf.tensor2d(probe.x, [probe.rows, probe.cols]))).dataSync() as Float32Array);
          return { loss, probs };
        },
        async train(data, batchSize, epochs, onEpoch) {
          await use(backend);
          const x = tf.tensor2d(data.x, [data.rows, data.cols]);
          const y = tf.tidy(() => tf.oneHot(tf.tensor1d(data.labels, 'int32'), classes));
          for (let e = 0; e < epochs; e++) {
            const order = tf.util.createShuffledIndices(data.rows);
            for (let start = 0; start < data.rows; start += batchSize) {
              const idx = tf.tensor1d(new Int32Array(order.subarray(start, Math.min(start + batchSize, data.rows))), 'int32');
              const xb = tf.gather(x, idx) as tf.Tensor2D;
              const yb = tf.gather(y, idx);
              optimizer.minimize(() => tf.losses.softmaxCrossEntropy(yb, logits(net, xb)), false, vars);
              tf.dispose([idx, xb, yb]);
            }
            onEpoch();
          }
          tf.dispose([x, y]);
        },
        async predict(data) {
          await use(backend);
          return tf.tidy(() => tf.softmax(logits(net, tf.tensor2d(data.x, [data.rows, data.cols]))).dataSync() as Float32Array);
        },
        dispose() {
          disposeNet(net);
          optimizer.dispose();
        },
      };
    },
  };
}

/** tf.sequential dense layers + compile(sgd, categoricalCrossentropy) + model.fit. */
export function tfjsLayersTrain(backend: Backend): TrainContender {
  return {
    name: `${names[backend]} layers fit`,
    note: `tf.sequential dense layers, model.fit (async, per-batch callbacks), sgd, categoricalCrossentropy`,
    check: 'step',
    async create({ sizes, weights, learningRate }) {
      await use(backend);
      const model = tf.sequential();
      for (let i = 1; i < sizes.length; i++) {
        model.add(tf.layers.dense({ units: sizes[i], activation: i < sizes.length - 1 ? 'relu' : 'softmax', ...(i === 1 ? { inputShape: [sizes[0]] } : {}) }));
      }
      model.compile({ optimizer: tf.train.sgd(learningRate), loss: 'categoricalCrossentropy' });
      const tensors = () => weights.flatMap((l, i) => [tf.tensor2d(l.weight, [sizes[i], sizes[i + 1]]), tf.tensor1d(l.bias)]);
      const classes = sizes[sizes.length - 1];
      const setAll = () => { const t = tensors(); model.setWeights(t); tf.dispose(t); };
      setAll();
      return {
        async step(batch, probe) {
          await use(backend);
          setAll();
          const x = tf.tensor2d(batch.x, [batch.rows, batch.cols]);
          const y = tf.tidy(() => tf.oneHot(tf.tensor1d(batch.labels, 'int32'), classes));
          const loss = (await model.trainOnBatch(x, y)) as number;
          tf.dispose([x, y]);
          const probs = tf.tidy(() => (model.predict(tf.tensor2d(probe.x, [probe.rows, probe.cols])) as tf.Tensor).dataSync() as Float32Array);
          return { loss, probs };
        },
        async train(data, batchSize, epochs, onEpoch) {
          await use(backend);
          const x = tf.tensor2d(data.x, [data.rows, data.cols]);
          const y = tf.tidy(() => tf.oneHot(tf.tensor1d(data.labels, 'int32'), classes));
          await model.fit(x, y, { batchSize, epochs, shuffle: true, verbose: 0, callbacks: { onEpochEnd: async () => { onEpoch(); } } });
          tf.dispose([x, y]);
        },
        dispose: () => model.dispose(),
      };
    },
  };
}

export function tfjsInference(backend: Backend): InferenceContender {
  return {
    name: `${names[backend]} predict`,
    note: `tensor2d(rows) → fused.matMul layers → softmax → dataSync`,
    async create(sizes, weights) {
      await use(backend);
      const net = makeNet(weights, sizes);
      return {
        async predict(data: Dataset) {
          await use(backend);
          return tf.tidy(() => tf.softmax(logits(net, tf.tensor2d(data.x, [data.rows, data.cols]))).dataSync() as Float32Array);
        },
        dispose: () => disposeNet(net),
      };
    },
  };
}

/**
 * Tries the threaded wasm build (2 threads) in a child process, since a process can initialise
 * the wasm backend only once. Resolves with null when it ran, or the reason it did not.
 */
export function probeThreaded(): Promise<string | null> {
  const child = new URL('./tfjs-threaded-probe.ts', import.meta.url).pathname;
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', child], { timeout: 60_000 }, (error, stdout, stderr) => {
      const out = `${stdout}\n${stderr}`;
      if (/^threaded ok/m.test(stdout)) resolve(null);
      else {
        const flag = /WASM_HAS_MULTITHREAD_SUPPORT is false[^\n;]*/.exec(out)?.[0];
        const failure = /ERR_WORKER_PATH\]?:? [^\n]*|Error: [^\n]*/.exec(out)?.[0] ?? error?.message ?? 'failed to initialise';
        resolve([flag, `forced on: ${failure.replace(/blob:nodedata:[\w-]+/, 'blob:…').slice(0, 200)}`].filter(Boolean).join('; '));
      }
    });
  });
}
