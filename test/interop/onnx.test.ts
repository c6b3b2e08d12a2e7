/**
 * toONNX checked by onnxruntime (onnxruntime-web's wasm backend, in Node here and in Chromium in
 * onnx-browser.test.ts): every activation, output kind and layer kind, 1,000 rows each, outputs
 * equal to neuronine's to 1e-5; fromONNX of the same bytes gives the model back bit for bit; the
 * pipeline's scaler travels as Sub + Div, its labels and settings as metadata.
 */
import { describe, expect, it } from 'vitest';
import * as nn from '../../src/index.js';
import * as onnx from '../../src/onnx.js';
import { ACTIVATIONS, LAYER_TYPES } from '../../src/model/spec.js';
import { decodeModel } from '../../src/io/onnx-proto.js';
import { version } from '../../src/version.js';
// @ts-expect-error plain JS fixture shared with the browser page
import { buildCase, onnxCases, runOnnxCase } from '../fixtures/interop/onnx-cases.js';
import { maxAbsDiff, ort, runOnnx } from './ort.js';

interface CaseResult { name: string; opset: number; maxDiff: number; roundTripDiff: number; sameSpec: boolean; dims: number[]; outputs: number; inputNames: string[]; outputNames: string[] }
type Case = { name: string; spec: nn.ModelSpec; opset?: number };

const cases = onnxCases(ACTIVATIONS) as Case[];

describe('toONNX in onnxruntime (Node)', () => {
  it('covers every activation and layer kind the library has', () => {
    for (const a of ACTIVATIONS) expect(cases.some((c) => c.name === `hidden ${a}`)).toBe(true);
    for (const kind of LAYER_TYPES) expect(cases.some((c) => c.spec.layers.some((l) => ((l as { type?: string }).type ?? 'dense') === kind))).toBe(true);
  });

  it.each(cases.map((c) => [c.name, c]))('%s: onnxruntime equals predict to 1e-5 on 1,000 rows; fromONNX gives it back exactly', async (_, c) => {
    const result = await runOnnxCase(nn, onnx, ort, c) as CaseResult;
    console.log(`onnx ${result.name}: max |ort − neuronine| ${result.maxDiff.toExponential(2)}`);
    expect(result.inputNames).toEqual(['input']);
    expect(result.outputNames).toEqual(['output']);
    expect(result.dims).toEqual([1000, result.outputs]);
    expect(result.maxDiff).toBeLessThanOrEqual(1e-5);
    expect(result.roundTripDiff).toBe(0);
    expect(result.sameSpec).toBe(true);
  });

  it.each([13, 14, 15, 17, 18, 20, 21])('opset %i: loads and agrees (gelu and swish too)', async (opset) => {
    const c: Case = { name: `opset ${opset}`, opset, spec: { inputs: 5, layers: [{ units: 9, activation: 'gelu' }, { type: 'batchNormalization' }, { units: 9, activation: 'swish' }, { units: 3, activation: 'softmax' }] } };
    const result = await runOnnxCase(nn, onnx, ort, c) as CaseResult;
    expect(result.maxDiff).toBeLessThanOrEqual(1e-5);
    expect(result.roundTripDiff).toBe(0);
    const decoded = decodeModel(onnx.toONNX(await buildCase(nn, c), { opset }), 'test');
    expect(decoded.opsets).toEqual([{ domain: '', version: opset }]);
    expect(decoded.graph!.nodes.some((n) => n.opType === 'Gelu')).toBe(opset >= 20);
    expect(decoded.graph!.nodes.some((n) => n.opType === 'Erf')).toBe(opset < 20);
    expect(decoded.graph!.nodes.filter((n) => n.opType === 'BatchNormalization')).toHaveLength(1);
  });

  it("src/version.ts says package.json's version", async () => {
    const { readFileSync } = await import('node:fs');
    expect(version).toBe(JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version);
  });

  it('declares a dynamic batch, named input and output, and metadata with the version', async () => {
    const model = await buildCase(nn, cases[0]);
    const decoded = decodeModel(onnx.toONNX(model), 'test');
    expect(decoded.irVersion).toBe(7);
    expect(decoded.producerName).toBe('neuronine');
    expect(decoded.graph!.inputs).toEqual([{ name: 'input', elemType: 1, shape: ['batch', 7] }]);
    expect(decoded.graph!.outputs).toEqual([{ name: 'output', elemType: 1, shape: ['batch', 5] }]);
    expect(decoded.metadata.find((m) => m.key === 'neuronine.version')?.value).toBe(version);
    // one row and an odd batch run through the same bytes
    for (const rows of [1, 3, 65]) {
      const x = new Float32Array(rows * 7).map((_, i) => Math.cos(i));
      const out = await runOnnx(onnx.toONNX(model), x, [rows, 7]);
      expect(maxAbsDiff(out.output.data as Float32Array, model.predict({ rows, cols: 7, data: x }).data)).toBeLessThanOrEqual(1e-5);
    }
  });

  it('a trained classifier with a pipeline: the scaler runs in the graph, labels and pipeline in the metadata', async () => {
    const iris = await nn.datasets.iris();
    const { train, test } = nn.trainTestSplit(iris, { testSize: 0.3, seed: 1, stratify: true, scale: 'standard' });
    const model = await nn.createModel({ inputs: 4, layers: [{ units: 12, activation: 'relu' }, { units: 3, activation: 'softmax' }], seed: 3, optimizer: { type: 'adam', learningRate: 0.01 } });
    await model.fit(train, { epochs: 30, batchSize: 16 });
    const bytes = onnx.toONNX(model);
    const decoded = decodeModel(bytes, 'test');
    expect(decoded.graph!.nodes.slice(0, 2).map((n) => n.opType)).toEqual(['Sub', 'Div']);
    expect(JSON.parse(decoded.metadata.find((m) => m.key === 'neuronine.classes')!.value)).toEqual(['setosa', 'versicolor', 'virginica']);
    // the graph takes the encoded rows before scaling: undo the split's scaling to get them
    const scaler = (model.pipeline!.toJSON() as { scaler: { offset: number[]; scale: number[] } }).scaler;
    const raw = new Float32Array(test.x.data.length);
    for (let i = 0; i < raw.length; i++) raw[i] = test.x.data[i] * scaler.scale[i % 4] + scaler.offset[i % 4];
    const out = await runOnnx(bytes, raw, [test.x.rows, 4]);
    const diff = maxAbsDiff(out.output.data as Float32Array, model.predict(test.x).data);
    console.log(`onnx iris with scaler: max |ort − neuronine| ${diff.toExponential(2)}`);
    expect(diff).toBeLessThanOrEqual(1e-5);
    const back = await onnx.fromONNX(bytes);
    expect(back.predict(test.x).data).toEqual(model.predict(test.x).data);
    expect(back.predictClass([{ sepal_length: 5.1, sepal_width: 3.5, petal_length: 1.4, petal_width: 0.2 }])).toEqual(['setosa']);
    expect(back.spec.optimizer).toEqual(model.spec.optimizer);
    expect(back.seed).toBe(model.seed);
  });

  it('categorical columns: the graph takes the encoded rows before scaling (pipeline.withScaler(undefined).transform), as the docs say', async () => {
    const rng = nn.createRng(4);
    const colours = ['red', 'green', 'blue'];
    const records = Array.from({ length: 300 }, () => {
      const colour = colours[Math.floor(rng() * 3)];
      const size = nn.randomNormal(rng) * 10 + 50;
      return { colour, size, weight: size * 0.3 + nn.randomNormal(rng), label: size > 50 === (colour === 'red') ? 'yes' : 'no' };
    });
    const data = nn.fromObjects(records, { target: 'label' });
    const { train } = nn.trainTestSplit(data, { testSize: 0.2, seed: 1, scale: 'standard' });
    const model = await nn.createModel({ inputs: train.x.cols, layers: [{ units: 8, activation: 'relu' }, { units: 2, activation: 'softmax' }], seed: 2 });
    await model.fit(train, { epochs: 5 });
    const pipeline = model.pipeline as unknown as nn.Pipeline;
    const encoded = pipeline.withScaler(undefined).transform(records.slice(0, 50));
    const out = await runOnnx(onnx.toONNX(model), encoded.data, [50, encoded.cols]);
    const diff = maxAbsDiff(out.output.data as Float32Array, (model.predict(records.slice(0, 50)) as number[][]).flat());
    expect(encoded.cols).toBe(5); // colour=blue, colour=green, colour=red, size, weight
    expect(diff).toBeLessThanOrEqual(1e-5);
  });

  it('the loaded model fine-tunes: loss goes down', async () => {
    const model = await nn.createModel({ inputs: 2, layers: [{ units: 8, activation: 'tanh' }, { units: 1, activation: 'sigmoid' }], seed: 5 });
    const back = await onnx.fromONNX(onnx.toONNX(model));
    const x = [[0, 0], [0, 1], [1, 0], [1, 1]], y = [0, 1, 1, 0];
    const before = back.evaluate(x, y).loss;
    back.learningRate = 0.05;
    await back.fit(x, y, { epochs: 300, batchSize: 4 });
    expect(back.evaluate(x, y).loss).toBeLessThan(before * 0.5);
  });

  it('refuses a bad opset or option', async () => {
    const model = await buildCase(nn, cases[0]);
    expect(() => onnx.toONNX(model, { opset: 12 })).toThrow(/toONNX: options.opset must be an integer from 13 to 21; got 12/);
    expect(() => onnx.toONNX(model, { opset: 22 })).toThrow(RangeError);
    expect(() => onnx.toONNX(model, { opst: 13 } as never)).toThrow(/unknown option 'opst'/);
  });
});
