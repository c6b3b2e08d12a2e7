/**
 * fromONNX on graphs made by others: PyTorch's torch.onnx.export of nn.Sequential nets (both
 * exporters; the .onnx files are made by test/fixtures/interop/make-torch.py and committed), and
 * skl2onnx's MLPClassifier/MLPRegressor node patterns built here from the converter's documented
 * structure. onnxruntime runs the same bytes: predictions must agree to 1e-5 on 1,000 rows.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as nn from '../../src/index.js';
import { fromONNX } from '../../src/onnx.js';
import { DataType, encodeModel, type AttributeValue, type OnnxModelSpec } from '../../src/io/onnx-proto.js';
import { maxAbsDiff, runOnnx } from './ort.js';

const fixtures = join(import.meta.dirname, '../fixtures/interop');

function randomRows(rows: number, cols: number, seed: number): Float32Array {
  const rng = nn.createRng(seed);
  return new Float32Array(rows * cols).map(() => nn.randomNormal(rng) * 1.5);
}

const torchNets: { file: string; inputDims: number[]; layers: string[] }[] = [
  { file: 'torch-relu-softmax-opset13', inputDims: [6], layers: ['dense relu', 'dense softmax'] },
  { file: 'torch-flatten-tanh-sigmoid-opset17', inputDims: [2, 3], layers: ['dense tanh', 'dense sigmoid'] },
  { file: 'torch-gelu-silu-opset17', inputDims: [4], layers: ['dense gelu', 'dense swish', 'dense linear'] },
  { file: 'torch-elu-selu-leaky-opset15', inputDims: [5], layers: ['dense elu', 'dense selu', 'dense leakyRelu', 'dense linear'] },
  { file: 'torch-softplus-softsign-dropout-opset14', inputDims: [3], layers: ['dense softplus', 'dense softsign', 'dense linear'] },
  { file: 'torch-batchnorm-opset13', inputDims: [4], layers: ['dense relu', 'batchNormalization', 'dense linear'] },
  { file: 'torch-nobias-identity-opset16', inputDims: [4], layers: ['dense relu', 'dense linear'] },
  { file: 'torch-dynamo-relu-softmax-opset18', inputDims: [6], layers: ['dense relu', 'dense softmax'] },
  { file: 'torch-dynamo-gelu-silu-opset18', inputDims: [4], layers: ['dense gelu', 'dense swish', 'dense linear'] },
];

const describeLayers = (model: nn.Model) => (model.spec.layers as unknown as { type?: string; activation?: string }[])
  .map((l) => ((l.type ?? 'dense') === 'dense' ? `dense ${l.activation}` : l.type!));

describe('fromONNX: PyTorch exports', () => {
  it.each(torchNets.map((n) => [n.file, n]))('%s', async (_, net) => {
    const bytes = new Uint8Array(readFileSync(join(fixtures, `${net.file}.onnx`)));
    const model = await fromONNX(bytes);
    expect(describeLayers(model)).toEqual(net.layers);
    const features = net.inputDims.reduce((p, d) => p * d, 1);
    const x = randomRows(1000, features, 3);
    const out = await runOnnx(bytes, x, [1000, ...net.inputDims]);
    const diff = maxAbsDiff(out.output.data as Float32Array, model.predict({ rows: 1000, cols: features, data: x }).data);
    console.log(`fromONNX ${net.file}: max |ort − neuronine| ${diff.toExponential(2)}`);
    expect(diff).toBeLessThanOrEqual(1e-5);
  });
});

/**
 * An skl2onnx MLP graph, node for node as skl2onnx/operator_converters/multilayer_perceptron.py
 * writes it: Cast of the input, per layer MatMul + Add with (1 × units) intercepts and the
 * activation, the output activation; for a classifier, the probabilities (Identity, or with two
 * classes Sub(1, p) + Concat) and the label branch ArgMax → ArrayFeatureExtractor → Reshape
 * (→ Cast for integer labels), optionally ZipMap.
 */
function sklGraph(options: { sizes: number[]; activation: 'Relu' | 'Tanh' | 'Sigmoid' | 'Identity'; kind: 'multiclass' | 'binary' | 'regressor'; zipmap?: boolean; labels?: boolean; intLabels?: boolean; seed: number }): Uint8Array {
  const { sizes, activation, kind } = options;
  const rng = nn.createRng(options.seed);
  const nodes: OnnxModelSpec['nodes'] = [];
  const initializers: OnnxModelSpec['initializers'] = [];
  nodes.push({ name: 'Cast', opType: 'Cast', inputs: ['input'], outputs: ['cast_input'], attributes: { to: DataType.FLOAT } });
  let current = 'cast_input';
  for (let i = 0; i + 1 < sizes.length; i++) {
    const coef = new Float32Array(sizes[i] * sizes[i + 1]).map(() => (rng() - 0.5) * 1.5);
    const intercept = new Float32Array(sizes[i + 1]).map(() => rng() - 0.5);
    initializers.push({ name: `coefficient${i}`, dims: [sizes[i], sizes[i + 1]], values: coef });
    initializers.push({ name: `intercepts${i}`, dims: [1, sizes[i + 1]], values: intercept });
    nodes.push({ name: `MatMul${i}`, opType: 'MatMul', inputs: [current, `coefficient${i}`], outputs: [`mul_result${i}`] });
    nodes.push({ name: `Add${i}`, opType: 'Add', inputs: [`mul_result${i}`, `intercepts${i}`], outputs: [`add_result${i}`] });
    const last = i + 2 === sizes.length;
    const op = last ? (kind === 'multiclass' ? 'Softmax' : kind === 'binary' ? 'Sigmoid' : 'Identity') : activation;
    nodes.push({ name: `${op}${i}`, opType: op, inputs: [`add_result${i}`], outputs: [last ? 'out_activations_result' : `next_activations${i}`], ...(op === 'Softmax' ? { attributes: { axis: 1 } } : {}) });
    current = last ? 'out_activations_result' : `next_activations${i}`;
  }
  const outputs: OnnxModelSpec['outputs'] = [];
  const classes = kind === 'binary' ? 2 : sizes[sizes.length - 1];
  if (kind === 'regressor') {
    initializers.push({ name: 'shape_tensor', dims: [2], values: [-1, 1], dataType: DataType.INT64 });
    nodes.push({ name: 'Reshape', opType: 'Reshape', inputs: [current, 'shape_tensor'], outputs: ['variable'] });
    outputs.push({ name: 'variable', shape: ['N', 1] });
  } else {
    if (kind === 'binary') {
      initializers.push({ name: 'unity', dims: [], values: [1] });
      nodes.push({ name: 'Sub', opType: 'Sub', inputs: ['unity', current], outputs: ['negative_class_proba'] });
      nodes.push({ name: 'Concat', opType: 'Concat', inputs: ['negative_class_proba', current], outputs: ['probabilities'], attributes: { axis: 1 } });
    } else {
      nodes.push({ name: 'Identity', opType: 'Identity', inputs: [current], outputs: ['probabilities'] });
    }
    if (options.labels !== false) {
      const labels = Array.from({ length: classes }, (_, i) => (options.intLabels ? i * 10 : `class_${i}`));
      initializers.push(options.intLabels ? { name: 'classes', dims: [classes], values: labels as number[], dataType: DataType.INT32 }
        : { name: 'classes', dims: [classes], values: labels as string[], dataType: DataType.STRING });
      nodes.push({ name: 'ArgMax', opType: 'ArgMax', inputs: ['probabilities'], outputs: ['argmax_output'], attributes: { axis: 1 } });
      nodes.push({ name: 'ArrayFeatureExtractor', opType: 'ArrayFeatureExtractor', domain: 'ai.onnx.ml', inputs: ['classes', 'argmax_output'], outputs: ['array_feature_extractor_result'] });
      initializers.push({ name: 'shape_tensor', dims: [1], values: [-1], dataType: DataType.INT64 });
      if (options.intLabels) {
        nodes.push({ name: 'Reshape', opType: 'Reshape', inputs: ['array_feature_extractor_result', 'shape_tensor'], outputs: ['reshaped_result'] });
        nodes.push({ name: 'Cast1', opType: 'Cast', inputs: ['reshaped_result'], outputs: ['label'], attributes: { to: DataType.INT64 } });
        outputs.push({ name: 'label', shape: ['N'], elemType: DataType.INT64 });
      } else {
        nodes.push({ name: 'Reshape', opType: 'Reshape', inputs: ['array_feature_extractor_result', 'shape_tensor'], outputs: ['label'] });
        outputs.push({ name: 'label', shape: ['N'], elemType: DataType.STRING });
      }
    }
    if (options.zipmap) {
      const labelAttr: Record<string, AttributeValue> = options.intLabels ? { classlabels_int64s: Array.from({ length: classes }, (_, i) => i * 10) }
        : { classlabels_strings: { strings: Array.from({ length: classes }, (_, i) => `class_${i}`) } };
      nodes.push({ name: 'ZipMap', opType: 'ZipMap', domain: 'ai.onnx.ml', inputs: ['probabilities'], outputs: ['output_probability'], attributes: labelAttr });
      outputs.push({ name: 'output_probability', shape: [], zipMap: options.intLabels ? 'int64' : 'string' });
    } else outputs.push({ name: 'probabilities', shape: ['N', classes] });
  }
  return encodeModel({
    irVersion: 7, opset: 13, producerVersion: '1.17', graphName: 'mlp', nodes, initializers,
    inputs: [{ name: 'input', shape: ['N', sizes[0]] }], outputs, metadata: {},
    domains: [{ domain: 'ai.onnx.ml', version: 1 }],
  });
}

function predictIndices(model: nn.Model, x: Float32Array, inputs: number): number[] {
  const rows: number[][] = [];
  for (let r = 0; r < x.length / inputs; r++) rows.push(Array.from(x.subarray(r * inputs, r * inputs + inputs)));
  return model.predictClass(rows) as number[];
}

describe('fromONNX: skl2onnx MLP patterns', () => {
  const variants = [
    { name: 'MLPClassifier, 3 classes, relu, string labels, zipmap', options: { sizes: [5, 9, 7, 3], activation: 'Relu', kind: 'multiclass', zipmap: true } },
    { name: 'MLPClassifier, 4 classes, tanh, integer labels, no zipmap', options: { sizes: [6, 8, 4], activation: 'Tanh', kind: 'multiclass', intLabels: true } },
    { name: 'MLPClassifier, binary, logistic, zipmap', options: { sizes: [4, 6, 1], activation: 'Sigmoid', kind: 'binary', zipmap: true } },
    { name: 'MLPClassifier, binary, identity, integer labels', options: { sizes: [3, 5, 1], activation: 'Identity', kind: 'binary', intLabels: true } },
    { name: 'MLPRegressor, relu (Reshape at the end)', options: { sizes: [4, 10, 1], activation: 'Relu', kind: 'regressor' } },
  ] as const;

  it.each(variants.map((v) => [v.name, v]))('%s', async (_, v) => {
    const options = { ...v.options, seed: 9 } as unknown as Parameters<typeof sklGraph>[0];
    const bytes = sklGraph(options);
    const model = await fromONNX(bytes);
    const inputs = options.sizes[0], units = options.sizes[options.sizes.length - 1];
    expect(model.inputs).toBe(inputs);
    expect(model.outputs).toBe(units);
    // onnxruntime-web runs the label branch (ArgMax, ArrayFeatureExtractor) but has no ZipMap:
    // it runs the graph with the probabilities as a tensor output instead
    const full = sklGraph({ ...options, zipmap: false });
    const x = randomRows(1000, inputs, 4);
    const out = await runOnnx(full, x, [1000, inputs]);
    const reference = (out.probabilities ?? out.variable).data as Float32Array;
    const ours = model.predict({ rows: 1000, cols: inputs, data: x }).data;
    if (out.label) {
      // skl2onnx's label for each row is classes[argmax]: predictClass gives that index
      const classes = predictIndices(model, x, inputs).map((i) => (options.intLabels ? BigInt(i * 10) : `class_${i}`));
      expect(Array.from(out.label.data)).toEqual(classes);
    }
    // a binary classifier's [1 − p, p]: neuronine's one sigmoid unit is p, the second column
    const expected = options.kind === 'binary' ? reference.filter((_, i) => i % 2 === 1) : reference;
    const diff = maxAbsDiff(ours, expected);
    console.log(`fromONNX skl2onnx ${v.name}: max |ort − neuronine| ${diff.toExponential(2)}`);
    expect(diff).toBeLessThanOrEqual(1e-5);
    if (options.kind === 'binary') expect(maxAbsDiff(reference.filter((_, i) => i % 2 === 0), ours.map((p) => 1 - p))).toBeLessThanOrEqual(1e-6);
  });
});
