/**
 * TF.js layers models both ways, checked by TensorFlow.js 4.22 itself: our toTFJS artifacts load
 * in tf.loadLayersModel with predictions equal to 1e-5 on 1,000 rows (every activation, output
 * kind and layer kind); models built and trained in TF.js and saved with tf.io.withSaveHandler
 * load here with equal predictions; the tensorflowjs_converter layout of a Keras model (nested
 * model_config, InputLayer, sharded weights) loads through loadTFJS; bad artifacts are refused by
 * layer name.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as nn from '../../src/index.js';
import { fromTFJS, toTFJS, type TFJSArtifacts } from '../../src/tfjs.js';
import { loadTFJS, saveTFJS } from '../../src/node.js';
import { ACTIVATIONS } from '../../src/model/spec.js';
// @ts-expect-error plain JS fixture shared with the browser page
import { buildCase, onnxCases } from '../fixtures/interop/onnx-cases.js';
import { maxAbsDiff } from './ort.js';

type Case = { name: string; spec: nn.ModelSpec };
// TF.js's ELU layer takes alpha 1 only: its case keeps l1 and l2 and drops the alpha (the refusal is tested below)
const cases = (onnxCases(ACTIVATIONS) as Case[]).map((c) => (c.name.startsWith('elu with alpha')
  ? { name: 'elu, l1 and l2 (kernel_regularizer L1L2)', spec: { ...c.spec, layers: c.spec.layers.map((l) => { const { alpha: _, ...rest } = l as { alpha?: number }; return rest as nn.LayerSpec; }) } }
  : c));

function randomRows(rows: number, cols: number, seed: number): Float32Array {
  const rng = nn.createRng(seed);
  return new Float32Array(rows * cols).map(() => nn.randomNormal(rng) * 1.5);
}

async function tfPredict(model: tf.LayersModel, x: Float32Array, rows: number, cols: number, shape: number[] = [cols]): Promise<Float32Array> {
  const input = tf.tensor(x, [rows, ...shape]);
  const out = model.predict(input) as tf.Tensor;
  const data = await out.data() as Float32Array;
  input.dispose();
  out.dispose();
  return data;
}

/** Saves a TF.js model through withSaveHandler and returns the artifacts. */
async function capture(model: tf.LayersModel): Promise<TFJSArtifacts> {
  let artifacts: TFJSArtifacts | undefined;
  await model.save(tf.io.withSaveHandler(async (a) => {
    artifacts = a as unknown as TFJSArtifacts;
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
  return artifacts!;
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('toTFJS in TensorFlow.js', () => {
  it.each(cases.map((c) => [c.name, c]))('%s: tf.loadLayersModel predicts the same to 1e-5 on 1,000 rows; fromTFJS gives it back exactly', async (_, c) => {
    const model = await buildCase(nn, c) as nn.Model;
    const artifacts = toTFJS(model);
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(artifacts as never));
    const x = randomRows(1000, model.inputs, 5);
    const ours = model.predict({ rows: 1000, cols: model.inputs, data: x }).data;
    const diff = maxAbsDiff(await tfPredict(loaded, x, 1000, model.inputs), ours);
    console.log(`tfjs ${c.name}: max |tfjs − neuronine| ${diff.toExponential(2)}`);
    expect(diff).toBeLessThanOrEqual(1e-5);
    loaded.dispose();
    const back = await fromTFJS(artifacts);
    expect(back.predict({ rows: 1000, cols: model.inputs, data: x }).data).toEqual(ours);
    expect(back.spec.layers).toEqual(model.spec.layers);
    expect(back.spec.optimizer).toEqual(model.spec.optimizer);
  });
});

/** TF.js nets to build, train briefly and load here. */
const tfNets: { name: string; inputs: number; shape?: number[]; build: () => tf.layers.Layer[]; activations: string[] }[] = [
  { name: 'Dense relu → Dense softmax', inputs: 5, activations: ['relu', 'softmax'], build: () => [tf.layers.dense({ inputShape: [5], units: 11, activation: 'relu' }), tf.layers.dense({ units: 3, activation: 'softmax' })] },
  { name: 'Dense → Activation(tanh) → Dropout → Dense sigmoid', inputs: 4, activations: ['tanh', 'sigmoid'], build: () => [tf.layers.dense({ inputShape: [4], units: 7 }), tf.layers.activation({ activation: 'tanh' }), tf.layers.dropout({ rate: 0.25 }), tf.layers.dense({ units: 1, activation: 'sigmoid' })] },
  { name: 'Dense → LeakyReLU(0.1) → Dense linear, no bias', inputs: 3, activations: ['leakyRelu', 'linear'], build: () => [tf.layers.dense({ inputShape: [3], units: 6 }), tf.layers.leakyReLU({ alpha: 0.1 }), tf.layers.dense({ units: 2, useBias: false })] },
  { name: 'InputLayer, elu, selu, softplus, softsign', inputs: 4, activations: ['elu', 'selu', 'softplus', 'softsign'], build: () => [tf.layers.inputLayer({ inputShape: [4] }), tf.layers.dense({ units: 6, activation: 'elu' }), tf.layers.dense({ units: 6, activation: 'selu' }), tf.layers.dense({ units: 6, activation: 'softplus' }), tf.layers.dense({ units: 2, activation: 'softsign' })] },
  { name: 'Flatten of [null, 2, 3] rows → Dense relu → Dense softmax', inputs: 6, shape: [2, 3], activations: ['relu', 'softmax'], build: () => [tf.layers.flatten({ inputShape: [2, 3] }), tf.layers.dense({ units: 5, activation: 'relu' }), tf.layers.dense({ units: 3, activation: 'softmax' })] },
  { name: 'gelu and swish', inputs: 4, activations: ['gelu', 'swish'], build: () => [tf.layers.dense({ inputShape: [4], units: 8, activation: 'gelu' as never }), tf.layers.dense({ units: 3, activation: 'swish' as never })] },
  { name: 'BatchNormalization', inputs: 4, activations: ['relu'], build: () => [tf.layers.dense({ inputShape: [4], units: 8, activation: 'relu' }), tf.layers.batchNormalization({ momentum: 0.9, epsilon: 0.01 }), tf.layers.dense({ units: 2 })] },
];


describe('fromTFJS of models trained in TensorFlow.js', () => {
  it.each(tfNets.map((n) => [n.name, n]))('%s', async (_, net) => {
    const model = tf.sequential({ layers: net.build() });
    const outputs = (model.outputs[0].shape[1]) as number;
    // a few epochs on random data, so that the weights (and moving statistics) are not the initial ones
    const x = randomRows(256, net.inputs, 6);
    const y = tf.randomUniform([256, outputs], 0, 1, 'float32', 7);
    model.compile({ optimizer: tf.train.adam(0.01), loss: 'meanSquaredError' });
    await model.fit(tf.tensor(x, [256, ...(net.shape ?? [net.inputs])]), y, { epochs: 3, batchSize: 32, verbose: 0 });
    const artifacts = await capture(model);
    const ours = await fromTFJS(artifacts);
    const rows = randomRows(1000, net.inputs, 8);
    const diff = maxAbsDiff(ours.predict({ rows: 1000, cols: net.inputs, data: rows }).data, await tfPredict(model, rows, 1000, net.inputs, net.shape));
    console.log(`fromTFJS ${net.name}: max |tfjs − neuronine| ${diff.toExponential(2)}`);
    expect(diff).toBeLessThanOrEqual(1e-5);
    model.dispose();
  });

  it('a functional chain (tf.model over tf.input) loads; a branching one is refused by layer name', async () => {
    const input = tf.input({ shape: [3] });
    const h = tf.layers.dense({ units: 5, activation: 'relu', name: 'hidden' }).apply(input) as tf.SymbolicTensor;
    const out = tf.layers.dense({ units: 2, activation: 'softmax', name: 'out' }).apply(h) as tf.SymbolicTensor;
    const chain = tf.model({ inputs: input, outputs: out });
    const ours = await fromTFJS(await capture(chain));
    const x = randomRows(50, 3, 9);
    expect(maxAbsDiff(ours.predict({ rows: 50, cols: 3, data: x }).data, await tfPredict(chain, x, 50, 3))).toBeLessThanOrEqual(1e-5);

    const a = tf.layers.dense({ units: 4, name: 'a' }).apply(input) as tf.SymbolicTensor;
    const b = tf.layers.dense({ units: 4, name: 'b' }).apply(input) as tf.SymbolicTensor;
    const sum = tf.layers.add({ name: 'sum' }).apply([a, b]) as tf.SymbolicTensor;
    const branching = tf.model({ inputs: input, outputs: sum });
    await expect(fromTFJS(await capture(branching))).rejects.toThrow(/fromTFJS: layer 'b' \(Dense\) is fed by 'input\d*'; expected only 'a', the layer before it \(a chain\)/);
  });

  it("Keras's ELU layer with alpha ≠ 1 (which TF.js itself cannot load) is read as elu with that alpha", async () => {
    const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [3], units: 5, name: 'd1' }), tf.layers.elu({ name: 'e1' }), tf.layers.dense({ units: 2, name: 'd2' })] });
    const artifacts = await capture(model);
    const layers = (artifacts.modelTopology as { config: { layers: { class_name: string; config: Record<string, unknown> }[] } }).config.layers;
    layers[1].config.alpha = 0.7;
    const ours = await fromTFJS(artifacts);
    expect(ours.spec.layers[0]).toMatchObject({ activation: 'elu', alpha: 0.7 });
    // against the float64 form: elu(x) = x for x > 0, alpha·(eˣ − 1) otherwise
    const weights = model.getWeights().map((w) => w.dataSync() as Float32Array);
    const x = randomRows(200, 3, 13);
    const expected = new Float64Array(400);
    for (let r = 0; r < 200; r++) {
      const h = Array.from({ length: 5 }, (_, j) => {
        let z = weights[1][j];
        for (let i = 0; i < 3; i++) z += x[r * 3 + i] * weights[0][i * 5 + j];
        return z > 0 ? z : 0.7 * Math.expm1(z);
      });
      for (let k = 0; k < 2; k++) {
        let y = weights[3][k];
        for (let j = 0; j < 5; j++) y += h[j] * weights[2][j * 2 + k];
        expected[r * 2 + k] = y;
      }
    }
    expect(maxAbsDiff(ours.predict({ rows: 200, cols: 3, data: x }).data, expected)).toBeLessThanOrEqual(1e-5);
  });

  it('a loaded model fine-tunes and goes back to TF.js with its new weights', async () => {
    const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [2], units: 8, activation: 'tanh' }), tf.layers.dense({ units: 1, activation: 'sigmoid' })] });
    const ours = await fromTFJS(await capture(model));
    const x = [[0, 0], [0, 1], [1, 0], [1, 1]], y = [0, 1, 1, 0];
    const before = ours.evaluate(x, y).loss;
    ours.learningRate = 0.05;
    await ours.fit(x, y, { epochs: 300, batchSize: 4 });
    expect(ours.evaluate(x, y).loss).toBeLessThan(before * 0.5);
    const again = await tf.loadLayersModel(tf.io.fromMemory(toTFJS(ours) as never));
    const grid = new Float32Array([0, 0, 0, 1, 1, 0, 1, 1]);
    expect(maxAbsDiff(await tfPredict(again, grid, 4, 2), ours.predict({ rows: 4, cols: 2, data: grid }).data)).toBeLessThanOrEqual(1e-5);
  });
});

describe('saveTFJS / loadTFJS and the tensorflowjs_converter layout', () => {
  let dir: string;
  beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'neuronine-tfjs-')); });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('saveTFJS writes model.json + weights.bin that TF.js loads; loadTFJS reads them back exactly', async () => {
    const model = await buildCase(nn, cases.find((c) => c.name.startsWith('deep'))) as nn.Model;
    await saveTFJS(model, join(dir, 'saved'));
    const json = JSON.parse(readFileSync(join(dir, 'saved/model.json'), 'utf8'));
    expect(json.format).toBe('layers-model');
    expect(json.weightsManifest[0].paths).toEqual(['weights.bin']);
    const weights = readFileSync(join(dir, 'saved/weights.bin'));
    const loaded = await tf.loadLayersModel(tf.io.fromMemory({
      modelTopology: json.modelTopology, weightSpecs: json.weightsManifest[0].weights,
      weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength),
    }));
    const x = randomRows(100, model.inputs, 10);
    const ours = model.predict({ rows: 100, cols: model.inputs, data: x }).data;
    expect(maxAbsDiff(await tfPredict(loaded, x, 100, model.inputs), ours)).toBeLessThanOrEqual(1e-5);
    expect((await loadTFJS(join(dir, 'saved'))).predict({ rows: 100, cols: model.inputs, data: x }).data).toEqual(ours);
  });

  it('a Keras model as tensorflowjs_converter writes it (model_config, InputLayer, Keras names, two shards)', async () => {
    const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [4], units: 6, activation: 'relu', name: 'dense' }), tf.layers.dense({ units: 3, activation: 'softmax', name: 'dense_1' })] });
    const artifacts = await capture(model);
    const layers = (artifacts.modelTopology as { config: { layers: { class_name: string; config: Record<string, unknown> }[] } }).config.layers;
    for (const l of layers) delete l.config.batch_input_shape;
    const keras = {
      format: 'layers-model', generatedBy: 'keras v2.15.0', convertedBy: 'TensorFlow.js Converter v4.22.0',
      modelTopology: {
        keras_version: '2.15.0', backend: 'tensorflow',
        model_config: { class_name: 'Sequential', config: { name: 'sequential', layers: [
          { class_name: 'InputLayer', config: { batch_input_shape: [null, 4], dtype: 'float32', sparse: false, ragged: false, name: 'dense_input' } },
          ...layers,
        ] } },
        training_config: { loss: 'categorical_crossentropy', optimizer_config: { class_name: 'Adam', config: {} } },
      },
      weightsManifest: [{ paths: ['group1-shard1of2.bin', 'group1-shard2of2.bin'], weights: artifacts.weightSpecs }],
    };
    const data = new Uint8Array(artifacts.weightData as ArrayBuffer);
    mkdtempSync(join(dir, 'k'));
    const folder = join(dir, 'keras');
    rmSync(folder, { recursive: true, force: true });
    (await import('node:fs')).mkdirSync(folder);
    writeFileSync(join(folder, 'model.json'), JSON.stringify(keras));
    writeFileSync(join(folder, 'group1-shard1of2.bin'), data.subarray(0, 40));
    writeFileSync(join(folder, 'group1-shard2of2.bin'), data.subarray(40));
    const ours = await loadTFJS(folder);
    const x = randomRows(200, 4, 12);
    expect(maxAbsDiff(ours.predict({ rows: 200, cols: 4, data: x }).data, await tfPredict(model, x, 200, 4))).toBeLessThanOrEqual(1e-5);
    rmSync(join(folder, 'group1-shard2of2.bin'));
    await expect(loadTFJS(folder)).rejects.toThrow(/group1-shard2of2\.bin/);
  });
});

describe('fromTFJS refuses bad artifacts by layer name', () => {
  let good: TFJSArtifacts;
  beforeAll(async () => {
    good = toTFJS(await nn.createModel({ inputs: 3, layers: [{ units: 4, activation: 'relu' }, { units: 2, activation: 'softmax' }], seed: 1 }));
  });
  const clone = (): TFJSArtifacts => ({ ...good, modelTopology: JSON.parse(JSON.stringify(good.modelTopology)), weightSpecs: good.weightSpecs.map((s) => ({ ...s })) });
  const layersOf = (a: TFJSArtifacts) => (a.modelTopology as { config: { layers: { class_name: string; config: Record<string, unknown> }[] } }).config.layers;

  it('an unknown layer class', async () => {
    const a = clone();
    layersOf(a).splice(1, 0, { class_name: 'Conv2D', config: { name: 'conv', filters: 3 } });
    await expect(fromTFJS(a)).rejects.toThrow(/fromTFJS: layer 1 'conv' \(Conv2D\): layer class 'Conv2D' is not one neuronine reads; expected InputLayer, Dense/);
  });

  it('toTFJS refuses elu with alpha ≠ 1, which TF.js cannot load', async () => {
    const model = await nn.createModel({ inputs: 2, layers: [{ units: 3, activation: 'elu', alpha: 0.5 }, { units: 1 }] });
    expect(() => toTFJS(model)).toThrow(/toTFJS: layers\[0\] is elu with alpha 0.5, which TF.js cannot load/);
  });

  it('an unknown activation', async () => {
    const a = clone();
    layersOf(a)[0].config.activation = 'mish';
    await expect(fromTFJS(a)).rejects.toThrow(/fromTFJS: layer 0 'dense_1' \(Dense\): activation 'mish' is not one neuronine has/);
  });

  it('weight data shorter than its specs', async () => {
    const a = clone();
    a.weightData = (good.weightData as ArrayBuffer).slice(0, 56);
    await expect(fromTFJS(a)).rejects.toThrow(/fromTFJS: weight 'dense_1\/bias' \(shape \[4\]\) needs bytes 48 to 64 but the weight data holds 56 \(shorter than its specs/);
    a.weightData = new ArrayBuffer((good.weightData as ArrayBuffer).byteLength + 4);
    await expect(fromTFJS(a)).rejects.toThrow(/the weight data holds 108 bytes but the specs describe 104/);
  });

  it('shapes that do not chain', async () => {
    const a = clone();
    layersOf(a)[0].config.batch_input_shape = [null, 5];
    await expect(fromTFJS(a)).rejects.toThrow(/fromTFJS: layer 0 'dense_1' \(Dense\): weight 'dense_1\/kernel' has shape \[3, 4\]; expected \[5, 4\] \(the shapes do not chain\)/);
    const b = clone();
    layersOf(b)[1].config.units = 3;
    await expect(fromTFJS(b)).rejects.toThrow(/layer 1 'dense_2' \(Dense\): weight 'dense_2\/kernel' has shape \[4, 2\]; expected \[4, 3\]/);
  });

  it('a missing weight, quantized or non-float weights, not artifacts at all', async () => {
    const a = clone();
    a.weightSpecs[1].name = 'other/bias';
    await expect(fromTFJS(a)).rejects.toThrow(/layer 0 'dense_1' \(Dense\): no weight 'dense_1\/bias' in weightSpecs/);
    const q = clone();
    q.weightSpecs[0].quantization = { dtype: 'uint8', min: 0, scale: 1 };
    await expect(fromTFJS(q)).rejects.toThrow(/weight 'dense_1\/kernel' is quantized/);
    const i = clone();
    i.weightSpecs[0].dtype = 'int32';
    await expect(fromTFJS(i)).rejects.toThrow(/weight 'dense_1\/kernel' is int32; expected float32/);
    await expect(fromTFJS(null as never)).rejects.toThrow(TypeError);
    await expect(fromTFJS({ modelTopology: { class_name: 'Sequential', config: { layers: [] } }, weightSpecs: [], weightData: new ArrayBuffer(0) })).rejects.toThrow(/layers must be a non-empty array/);
    await expect(fromTFJS({ modelTopology: { node: [] }, weightSpecs: [], weightData: new ArrayBuffer(0) })).rejects.toThrow(/modelTopology has no class_name/);
  });
});
