/**
 * ONNX export and import (`neuronine/onnx`).
 *
 * Export: one float input `input` of shape [batch, inputs] (batch is the symbolic dimension
 * `batch`), the pipeline's numeric scaler as `Sub` + `Div` when the model has one, every dense
 * layer as `Gemm` (weight (inputs × units) as is, transB = 0), each activation as its ONNX
 * operator or an exact decomposition (below), batch normalization as `BatchNormalization` in
 * inference form, dropout left out; one output `output` of shape [batch, units].
 *
 * | activation | ONNX                                                        |
 * |------------|-------------------------------------------------------------|
 * | sigmoid, relu, tanh, softplus, softsign, elu, selu | the operator of that name |
 * | leakyRelu  | LeakyRelu(alpha)                                            |
 * | softmax    | Softmax(axis = −1)                                          |
 * | gelu       | Gelu at opset ≥ 20; before: x · 0.5 · (1 + Erf(x / √2)) as Div, Erf, Add, Mul, Mul (PyTorch's form) |
 * | swish      | Sigmoid + Mul (PyTorch's form of SiLU)                      |
 * | linear     | nothing                                                     |
 *
 * Import walks the graph's nodes in order along one chain from the single input to the
 * output, recognising the patterns that PyTorch's `torch.onnx.export` of an `nn.Sequential`
 * and skl2onnx's MLP converters write (see fromONNX), and refuses anything else by node name
 * and operator.
 */
import type { Model } from '../model/model.js';
import type { ActivationName, LossName, OptimizerSpec, InitName } from '../model/spec.js';
import { lossToSpec, optimizerToSpec } from '../model/spec.js';
import { Pipeline } from '../data/pipeline.js';
import { version } from '../version.js';
import {
  DataType, decodeModel, elementCount, encodeModel, tensorFloats,
  type OnnxAttribute, type OnnxModelSpec, type OnnxNode, type OnnxTensor,
} from './onnx-proto.js';
import { buildModel, describeModel, isActivation, type PortableLayer, type PortableModel } from './portable.js';

/** Options of {@link toONNX}. */
export interface ToONNXOptions {
  /** The ONNX operator set to target, 13 to 21. Default 13 (read by every onnxruntime since 1.8). */
  opset?: number;
}

/** Metadata keys written by toONNX (and read back by fromONNX). */
export const ONNX_METADATA = {
  version: 'neuronine.version',
  classes: 'neuronine.classes',
  pipeline: 'neuronine.pipeline',
  spec: 'neuronine.spec',
} as const;

const SQRT2 = Math.SQRT2;

/** ONNX IR version that goes with an opset (the lowest that allows it). */
function irVersionFor(opset: number): number {
  return opset <= 14 ? 7 : opset <= 18 ? 8 : opset <= 20 ? 9 : 10;
}

/**
 * The model as an ONNX model (protobuf bytes) that onnxruntime and other ONNX runtimes read.
 * Metadata records the library version (`neuronine.version`), the class labels when the model's
 * pipeline has them (`neuronine.classes`, a JSON array), the pipeline itself
 * (`neuronine.pipeline`) and the training settings (`neuronine.spec`), so that fromONNX gives
 * back the same model. Categorical encoders stay outside the graph: its input is the encoded
 * feature row (one-hot columns included), before scaling.
 *
 * @throws RangeError for an opset outside 13–21; Error for a disposed model.
 *
 * @example
 * import { toONNX } from 'neuronine/onnx';
 * const bytes = toONNX(model);                    // Uint8Array
 * // Node: (await import('node:fs')).writeFileSync('model.onnx', bytes);
 * // onnxruntime: const session = await ort.InferenceSession.create(bytes);
 */
export function toONNX(model: Model, options: ToONNXOptions = {}): Uint8Array {
  const where = 'toONNX';
  if (typeof options !== 'object' || options === null) throw new TypeError(`${where}: options must be an object { opset }; got ${options === null ? 'null' : typeof options}`);
  for (const key of Object.keys(options)) if (key !== 'opset') throw new TypeError(`${where}: unknown option '${key}'; known options: opset`);
  const opset = options.opset ?? 13;
  if (!Number.isInteger(opset) || opset < 13 || opset > 21) throw new RangeError(`${where}: options.opset must be an integer from 13 to 21; got ${String(opset)}`);
  const portable = describeModel(where, model);
  const nodes: OnnxModelSpec['nodes'] = [];
  const initializers: OnnxModelSpec['initializers'] = [];
  const constants = new Map<number, string>();
  const scalar = (value: number): string => {
    let name = constants.get(value);
    if (!name) {
      name = `const_${constants.size}`;
      constants.set(value, name);
      initializers.push({ name, dims: [], values: [value] });
    }
    return name;
  };
  let current = 'input';
  const metadata: Record<string, string> = { [ONNX_METADATA.version]: version };

  const pipeline = model.pipeline?.toJSON() as { scaler?: { offset: number[]; scale: number[] } | null; target?: { task: string; classes?: string[] } } | undefined;
  if (pipeline) {
    metadata[ONNX_METADATA.pipeline] = JSON.stringify(pipeline);
    if (pipeline.target?.task === 'classification' && pipeline.target.classes) metadata[ONNX_METADATA.classes] = JSON.stringify(pipeline.target.classes);
    if (pipeline.scaler) {
      initializers.push({ name: 'scaler.offset', dims: [portable.inputs], values: pipeline.scaler.offset });
      initializers.push({ name: 'scaler.scale', dims: [portable.inputs], values: pipeline.scaler.scale });
      nodes.push({ name: 'scaler.sub', opType: 'Sub', inputs: [current, 'scaler.offset'], outputs: ['scaler.centred'] });
      nodes.push({ name: 'scaler.div', opType: 'Div', inputs: ['scaler.centred', 'scaler.scale'], outputs: ['scaler.out'] });
      current = 'scaler.out';
    }
  }
  const { spec } = model;
  metadata[ONNX_METADATA.spec] = JSON.stringify({
    layers: portable.layers.map((l) => (l.type === 'dropout' ? { type: 'dropout', rate: l.rate }
      : l.type === 'dense' && (l.l1 || l.l2) ? { type: l.type, ...(l.l1 ? { l1: l.l1 } : {}), ...(l.l2 ? { l2: l.l2 } : {}) } : { type: l.type })),
    loss: lossToSpec(spec), optimizer: optimizerToSpec(spec.optimizer), init: spec.init, seed: spec.seed,
  });

  let units = portable.inputs;
  portable.layers.forEach((layer, i) => {
    const p = `layers.${i}`;
    if (layer.type === 'dropout') return;
    if (layer.type === 'batchNormalization') {
      for (const [name, values] of [['gamma', layer.gamma], ['beta', layer.beta], ['moving_mean', layer.movingMean], ['moving_variance', layer.movingVariance]] as const) {
        initializers.push({ name: `${p}.${name}`, dims: [units], values });
      }
      nodes.push({
        name: `${p}.batch_normalization`, opType: 'BatchNormalization',
        inputs: [current, `${p}.gamma`, `${p}.beta`, `${p}.moving_mean`, `${p}.moving_variance`], outputs: [`${p}.out`],
        attributes: { epsilon: { float: layer.epsilon }, momentum: { float: layer.momentum } },
      });
      current = `${p}.out`;
      return;
    }
    initializers.push({ name: `${p}.weight`, dims: [layer.inputs, layer.units], values: layer.weight });
    initializers.push({ name: `${p}.bias`, dims: [layer.units], values: layer.bias });
    const linear = layer.activation === 'linear' ? `${p}.out` : `${p}.linear`;
    nodes.push({ name: `${p}.gemm`, opType: 'Gemm', inputs: [current, `${p}.weight`, `${p}.bias`], outputs: [linear] });
    current = linear;
    if (layer.activation !== 'linear') {
      current = `${p}.out`;
      activationNodes(layer.activation, layer.alpha, linear, current, p, opset, scalar).forEach((n) => nodes.push(n));
    }
    units = layer.units;
  });
  // the last node writes `output`
  if (nodes.length === 0 || current === 'input') {
    nodes.push({ name: 'output.identity', opType: 'Identity', inputs: [current], outputs: ['output'] });
  } else {
    const rename = current;
    for (const node of nodes) {
      node.outputs = node.outputs.map((o) => (o === rename ? 'output' : o));
      node.inputs = node.inputs.map((o) => (o === rename ? 'output' : o));
    }
  }
  return encodeModel({
    irVersion: irVersionFor(opset), opset, producerVersion: version, graphName: 'neuronine', nodes, initializers,
    inputs: [{ name: 'input', shape: ['batch', portable.inputs] }],
    outputs: [{ name: 'output', shape: ['batch', units] }],
    metadata,
  });
}

function activationNodes(activation: ActivationName, alpha: number | undefined, x: string, y: string, p: string, opset: number,
  scalar: (value: number) => string): OnnxModelSpec['nodes'] {
  const simple: Record<string, string> = {
    sigmoid: 'Sigmoid', relu: 'Relu', tanh: 'Tanh', softplus: 'Softplus', softsign: 'Softsign', selu: 'Selu',
  };
  const name = activation as string;
  if (simple[name]) return [{ name: `${p}.${name}`, opType: simple[name], inputs: [x], outputs: [y] }];
  switch (name) {
    case 'leakyRelu': return [{ name: `${p}.leaky_relu`, opType: 'LeakyRelu', inputs: [x], outputs: [y], attributes: { alpha: { float: alpha ?? 0.01 } } }];
    case 'elu': return [{ name: `${p}.elu`, opType: 'Elu', inputs: [x], outputs: [y], attributes: { alpha: { float: alpha ?? 1 } } }];
    case 'softmax': return [{ name: `${p}.softmax`, opType: 'Softmax', inputs: [x], outputs: [y], attributes: { axis: -1 } }];
    case 'swish':
    case 'silu':
      return [
        { name: `${p}.swish.sigmoid`, opType: 'Sigmoid', inputs: [x], outputs: [`${p}.swish.gate`] },
        { name: `${p}.swish.mul`, opType: 'Mul', inputs: [x, `${p}.swish.gate`], outputs: [y] },
      ];
    case 'gelu':
      if (opset >= 20) return [{ name: `${p}.gelu`, opType: 'Gelu', inputs: [x], outputs: [y] }];
      return [
        { name: `${p}.gelu.div`, opType: 'Div', inputs: [x, scalar(SQRT2)], outputs: [`${p}.gelu.scaled`] },
        { name: `${p}.gelu.erf`, opType: 'Erf', inputs: [`${p}.gelu.scaled`], outputs: [`${p}.gelu.erf_out`] },
        { name: `${p}.gelu.add`, opType: 'Add', inputs: [`${p}.gelu.erf_out`, scalar(1)], outputs: [`${p}.gelu.one_plus`] },
        { name: `${p}.gelu.mul`, opType: 'Mul', inputs: [x, `${p}.gelu.one_plus`], outputs: [`${p}.gelu.product`] },
        { name: `${p}.gelu.half`, opType: 'Mul', inputs: [`${p}.gelu.product`, scalar(0.5)], outputs: [y] },
      ];
    default:
      throw new Error(`toONNX: activation '${name}' has no ONNX form in this converter`);
  }
}

// ------------------------------------------------------------------ import

/** Operators fromONNX reads, for error messages. */
const READ = 'Gemm, MatMul + Add, Relu, Sigmoid, Tanh, Softmax, LeakyRelu, Elu, Selu, Gelu (or its Erf form), Softplus, Softsign, '
  + 'Sigmoid + Mul (SiLU), BatchNormalization, and the no-ops Identity, Flatten, Dropout, Cast (to float)';

type Step =
  | { kind: 'linear'; inputs: number; units: number; weight: Float32Array; bias: Float32Array; hasBias: boolean; node: string }
  | { kind: 'activation'; activation: string; alpha?: number; node: string }
  | { kind: 'batchNormalization'; units: number; gamma: Float32Array; beta: Float32Array; mean: Float32Array; variance: Float32Array; epsilon: number; momentum: number; node: string }
  | { kind: 'scale'; op: 'Sub' | 'Div'; values: Float32Array; node: string };

type Sym =
  | { kind: 'const'; tensor: OnnxTensor }
  | { kind: 'main'; step: number }
  | { kind: 'gelu'; step: number; stage: 'scaled' | 'erf' | 'erf1' }
  | { kind: 'product'; step: number; x: boolean; half: boolean; erf1: boolean }
  | { kind: 'softsign'; step: number; stage: 'abs' | 'abs1' }
  | { kind: 'negprob'; step: number }
  | { kind: 'binary'; step: number }
  | { kind: 'post' }
  | { kind: 'unused'; node: string };

/** Post-processing operators accepted (and dropped) after the probabilities: skl2onnx's label branch. */
const POST = new Set(['ArgMax', 'ArrayFeatureExtractor', 'ZipMap', 'Reshape', 'Cast', 'Identity', 'Squeeze', 'Flatten']);

const nodeLabel = (node: OnnxNode, index: number): string => `node ${index} '${node.name || `#${index}`}' (${node.opType})`;

function attribute(node: OnnxNode, name: string): OnnxAttribute | undefined {
  return node.attributes.find((a) => a.name === name);
}

function intAttribute(node: OnnxNode, name: string, fallback: number): number {
  const a = attribute(node, name);
  return a?.i ?? fallback;
}

/**
 * A float attribute (ONNX stores float32) as the shortest decimal that rounds to the same float32:
 * momentum 0.9 comes back as 0.9, not 0.8999999761581421, so that a re-export and the model's
 * spec show what the author wrote.
 */
function floatAttribute(node: OnnxNode, name: string, fallback: number): number {
  const value = attribute(node, name)?.f;
  if (value === undefined) return fallback;
  for (let digits = 1; digits < 10; digits++) {
    const short = Number(value.toPrecision(digits));
    if (Math.fround(short) === value) return short;
  }
  return value;
}

/**
 * Reads an ONNX MLP back into a `Model` that predicts and can be trained further.
 *
 * Accepted graphs: one float input of shape [batch, n] (or [batch, ...] followed by `Flatten`
 * with axis 1), then a chain of
 * - `Gemm` (alpha = beta = 1, transA = 0, transB 0 or 1: PyTorch's `nn.Linear` exports transB = 1
 *   with its (out × in) weight), or `MatMul` with a constant weight followed by `Add` of a constant
 *   bias (skl2onnx, and PyTorch's other form, `onnx::MatMul_*` initializers);
 * - activations: `Relu`, `Sigmoid`, `Tanh`, `Softmax` (last axis), `LeakyRelu`, `Elu` (alpha 1),
 *   `Selu` (default constants), `Gelu` (approximate 'none') or PyTorch's `Div`/`Erf`/`Add`/`Mul`/`Mul`
 *   form of it, `Softplus`, `Softsign`, `Sigmoid` + `Mul` (SiLU/swish), each after a dense layer;
 * - `BatchNormalization` in inference mode;
 * - the no-ops `Identity`, `Flatten` (axis 1), `Dropout` (inference), `Cast` to float, and a
 *   `Reshape` to [−1, units] (skl2onnx's regressor ends with one);
 * - `Constant` nodes for any of the constants above.
 *
 * skl2onnx's `MLPClassifier` post-processing is accepted and dropped: the label branch
 * (`ArgMax` → `ArrayFeatureExtractor` → `Reshape`/`Cast`) and `ZipMap`, whose outputs are not
 * the model's; with two classes its `Sub(1, p)` + `Concat` (the [1 − p, p] probabilities)
 * becomes one sigmoid unit giving p. The model's output is the one graph output that carries
 * the chain. Graphs written by toONNX also get their pipeline, loss and optimizer back.
 *
 * @throws Error naming the node (index, name, operator) or tensor and what was expected, for
 *   bytes that are not ONNX, truncated data, other operators (Conv, LSTM...), a second input,
 *   shapes that do not chain. Nothing larger than the input is allocated before the checks.
 *
 * @example
 * import { fromONNX } from 'neuronine/onnx';
 * const model = await fromONNX(new Uint8Array(await (await fetch('mlp.onnx')).arrayBuffer()));
 * model.predict([[0.1, 0.2, 0.3, 0.4]]);
 */
export async function fromONNX(bytes: Uint8Array | ArrayBuffer): Promise<Model> {
  const where = 'fromONNX';
  const { portable, meta } = readONNX(where, bytes);
  let options = {};
  let pipeline: Pipeline | undefined;
  if (meta.spec) {
    const { loss, optimizer, init, seed } = meta.spec;
    options = { loss, optimizer, init, seed };
  }
  if (meta.pipeline) pipeline = meta.pipeline;
  const model = await buildModel(where, portable, options);
  if (pipeline) model.pipeline = pipeline;
  return model;
}

interface SavedSpec {
  layers: { type: string; rate?: number; l1?: number; l2?: number }[];
  loss?: LossName;
  optimizer?: OptimizerSpec;
  init?: InitName;
  seed?: number;
}

/** Parses and checks the graph into the neutral form (exported for tests of the walk itself). */
export function readONNX(where: string, source: Uint8Array | ArrayBuffer): { portable: PortableModel; meta: { spec?: SavedSpec; pipeline?: Pipeline } } {
  let bytes: Uint8Array;
  if (source instanceof Uint8Array) bytes = source;
  else if (source instanceof ArrayBuffer) bytes = new Uint8Array(source);
  else throw new TypeError(`${where}: expected the model's bytes as a Uint8Array or ArrayBuffer; got ${source === null ? 'null' : typeof source}`);
  if (bytes.length === 0) throw new Error(`${where}: the bytes are empty; expected an ONNX model`);
  const model = decodeModel(bytes, where);
  const graph = model.graph;
  if (!graph) throw new Error(`${where}: the bytes hold no graph (ModelProto.graph is missing); expected an ONNX model (is this an .onnx file?)`);
  if (model.irVersion < 3 || model.irVersion > 20) throw new Error(`${where}: ir_version ${model.irVersion} is not an ONNX IR version (3 to 11 expected); is this an .onnx file?`);
  const opset = model.opsets.find((o) => o.domain === '' || o.domain === 'ai.onnx')?.version;
  if (opset === undefined) throw new Error(`${where}: the model imports no version of the default ONNX operator set`);
  if (opset < 7) throw new Error(`${where}: opset ${opset} is older than this reader knows (7 or newer)`);
  if (graph.sparseInitializers > 0) throw new Error(`${where}: the graph has sparse initializers; expected dense tensors`);

  const values = new Map<string, Sym>();
  for (const t of graph.initializers) values.set(t.name, { kind: 'const', tensor: t });
  const realInputs = graph.inputs.filter((v) => !values.has(v.name));
  if (realInputs.length !== 1) {
    throw new Error(`${where}: the graph has ${realInputs.length} inputs (${realInputs.map((v) => `'${v.name}'`).join(', ') || 'none'}); expected exactly one, the feature rows`
      + (realInputs.length > 1 ? `; '${realInputs[1].name}' is a second input` : ''));
  }
  const input = realInputs[0];
  if (input.notTensor || input.elemType !== DataType.FLOAT) {
    throw new Error(`${where}: input '${input.name}' is ${input.notTensor ? 'not a tensor' : `of element type ${input.elemType}`}; expected a float32 tensor (type 1) of shape [batch, features]`);
  }
  const shape = input.shape;
  if (shape && shape.length < 2) throw new Error(`${where}: input '${input.name}' has shape [${shape.join(', ')}]; expected [batch, features]`);
  // features known from the input's shape (after a Flatten for rank > 2)
  let features: number | undefined = shape && shape.length === 2 && typeof shape[1] === 'number' ? shape[1] : undefined;
  let flattenPending = !!shape && shape.length > 2;
  values.set(input.name, { kind: 'main', step: 0 });

  const steps: Step[] = [];
  const mainAt = (): Sym => ({ kind: 'main', step: steps.length });
  const sym = (node: OnnxNode, index: number, k: number): Sym | undefined => {
    const name = node.inputs[k];
    if (name === undefined || name === '') return undefined;
    const s = values.get(name);
    if (!s) throw new Error(`${where}: ${nodeLabel(node, index)} reads '${name}', which no earlier node, initializer or input makes`);
    if (s.kind === 'unused') throw new Error(`${where}: ${nodeLabel(node, index)} reads '${name}', the ${s.node} output that an inference graph does not use`);
    return s;
  };
  const isCurrent = (s: Sym | undefined): boolean => s?.kind === 'main' && s.step === steps.length;
  const constOf = (s: Sym | undefined): OnnxTensor | undefined => (s?.kind === 'const' ? s.tensor : undefined);
  const scalarOf = (s: Sym | undefined, label: string): number | undefined => {
    const t = constOf(s);
    if (!t) return undefined;
    const count = elementCount(t, `${where}: ${label}`);
    return count === 1 ? tensorFloats(t, `${where}: ${label}`)[0] : undefined;
  };
  const setOut = (node: OnnxNode, index: number, s: Sym): void => {
    if (node.outputs.length === 0 || !node.outputs[0]) throw new Error(`${where}: ${nodeLabel(node, index)} has no output`);
    values.set(node.outputs[0], s);
    for (const extra of node.outputs.slice(1)) if (extra) values.set(extra, { kind: 'unused', node: nodeLabel(node, index) });
  };
  const lastStep = (): Step | undefined => steps[steps.length - 1];
  const unitsNow = (): number | undefined => {
    for (let i = steps.length - 1; i >= 0; i--) {
      const s = steps[i];
      if (s.kind === 'linear') return s.units;
      if (s.kind === 'batchNormalization') return s.units;
    }
    return features;
  };
  const needCurrent = (node: OnnxNode, index: number, s: Sym | undefined, what = 'its input'): void => {
    if (isCurrent(s)) return;
    const name = node.inputs.find((n) => values.get(n) === s) ?? node.inputs[0];
    if (s?.kind === 'main') throw new Error(`${where}: ${nodeLabel(node, index)} reads '${name}', an earlier value of the chain; expected ${what} to be the output of the node before it (neuronine reads one chain of layers, no branches or skips)`);
    throw new Error(`${where}: ${nodeLabel(node, index)}: expected ${what} to be the running activations, got ${s?.kind === 'const' ? `the constant '${name}'` : `'${name}'`}`);
  };
  const pushActivation = (node: OnnxNode, index: number, activation: string, alpha?: number): void => {
    if (!isActivation(activation)) throw new Error(`${where}: ${nodeLabel(node, index)}: activation '${activation}' is not one this build of neuronine has (${READ})`);
    steps.push({ kind: 'activation', activation, alpha, node: nodeLabel(node, index) });
  };
  const linearFrom = (node: OnnxNode, index: number, weightT: OnnxTensor, transposed: boolean): Step & { kind: 'linear' } => {
    const label = nodeLabel(node, index);
    if (weightT.dims.length !== 2) throw new Error(`${where}: ${label}: weight '${weightT.name}' has shape [${weightT.dims.join(', ')}]; expected a matrix`);
    const [rows, cols] = weightT.dims;
    const inputs = transposed ? cols : rows, units = transposed ? rows : cols;
    const before = unitsNow();
    if (flattenPending) throw new Error(`${where}: ${label}: the input '${input.name}' has shape [${shape!.join(', ')}]; expected a Flatten (axis 1) before the first layer`);
    if (before !== undefined && before !== inputs) {
      throw new Error(`${where}: ${label}: weight '${weightT.name}' of shape [${weightT.dims.join(', ')}] takes ${inputs} inputs, but the values before it have ${before} features (the shapes do not chain)`);
    }
    if (units < 1 || inputs < 1) throw new Error(`${where}: ${label}: weight '${weightT.name}' has an empty dimension`);
    const raw = tensorFloats(weightT, `${where}: ${label}`);
    let weight = raw;
    if (transposed) {
      weight = new Float32Array(raw.length);
      for (let o = 0; o < units; o++) for (let i = 0; i < inputs; i++) weight[i * units + o] = raw[o * inputs + i];
    }
    if (features === undefined && steps.every((s) => s.kind !== 'linear')) features = inputs;
    return { kind: 'linear', inputs, units, weight, bias: new Float32Array(units), hasBias: false, node: label };
  };
  const biasFrom = (node: OnnxNode, index: number, t: OnnxTensor, units: number): Float32Array => {
    const label = nodeLabel(node, index);
    const count = elementCount(t, `${where}: ${label}`);
    const okShape = t.dims.length <= 2 && (t.dims.length < 2 || t.dims[0] === 1);
    if (!okShape || (count !== units && count !== 1)) {
      throw new Error(`${where}: ${label}: bias '${t.name}' has shape [${t.dims.join(', ')}]; expected [${units}] or [1, ${units}] for ${units} units`);
    }
    const values = tensorFloats(t, `${where}: ${label}`);
    return count === units ? values : new Float32Array(units).fill(values[0]);
  };

  // the step whose output the label branch (ArgMax, ZipMap) reads: the network's output when
  // ZipMap replaces the probabilities as a graph output
  let postFrom = -1;
  graph.nodes.forEach((node, index) => {
    const label = nodeLabel(node, index);
    const domain = node.domain === 'ai.onnx' ? '' : node.domain;
    if (domain !== '' && !(domain === 'ai.onnx.ml' && (node.opType === 'ArrayFeatureExtractor' || node.opType === 'ZipMap'))) {
      throw new Error(`${where}: ${label} is from operator domain '${node.domain}'; expected standard ONNX operators (${READ})`);
    }
    const a = sym(node, index, 0), b = sym(node, index, 1);
    // post-processing branches (skl2onnx's label output, ZipMap): consumed only by more of it
    const fromProbabilities = (s: Sym | undefined): boolean => isCurrent(s) || (s?.kind === 'binary' && s.step === steps.length);
    if (a?.kind === 'post' || b?.kind === 'post') {
      if (!POST.has(node.opType)) throw new Error(`${where}: ${label} works on the class-label branch; expected only ${[...POST].join(', ')} there`);
      setOut(node, index, { kind: 'post' });
      return;
    }
    switch (node.opType) {
      case 'Constant': {
        const value = attribute(node, 'value');
        let tensor: OnnxTensor | undefined = value?.t;
        const vf = attribute(node, 'value_float'), vfs = attribute(node, 'value_floats'), vi = attribute(node, 'value_int'), vis = attribute(node, 'value_ints');
        if (!tensor && vf?.f !== undefined) tensor = { name: node.outputs[0], dims: [], dataType: DataType.FLOAT, floatData: [vf.f] };
        if (!tensor && vfs?.floats) tensor = { name: node.outputs[0], dims: [vfs.floats.length], dataType: DataType.FLOAT, floatData: vfs.floats };
        if (!tensor && vi?.i !== undefined) tensor = { name: node.outputs[0], dims: [], dataType: DataType.INT64, intData: [vi.i] };
        if (!tensor && vis?.ints) tensor = { name: node.outputs[0], dims: [vis.ints.length], dataType: DataType.INT64, intData: vis.ints };
        if (!tensor) throw new Error(`${where}: ${label}: expected a tensor, float(s) or int(s) value`);
        setOut(node, index, { kind: 'const', tensor: { ...tensor, name: node.outputs[0] } });
        return;
      }
      case 'Identity':
        if (a?.kind === 'const') { setOut(node, index, a); return; }
        if (a?.kind === 'binary') { setOut(node, index, a); return; }
        needCurrent(node, index, a);
        setOut(node, index, mainAt());
        return;
      case 'Cast': {
        const to = intAttribute(node, 'to', 0);
        if (a?.kind === 'const') { setOut(node, index, a); return; }
        if (fromProbabilities(a) && to !== DataType.FLOAT) { setOut(node, index, { kind: 'post' }); return; }
        needCurrent(node, index, a);
        if (to !== DataType.FLOAT) throw new Error(`${where}: ${label}: casts to type ${to}; expected a cast to float (1) only`);
        setOut(node, index, mainAt());
        return;
      }
      case 'Dropout': {
        needCurrent(node, index, a);
        const mode = sym(node, index, 2);
        if (mode) {
          const t = constOf(mode);
          if (!t || tensorFloats(t, `${where}: ${label}`)[0] !== 0) throw new Error(`${where}: ${label}: training_mode must be a constant false; expected an inference graph`);
        }
        setOut(node, index, mainAt());
        return;
      }
      case 'Flatten': {
        if (fromProbabilities(a) && steps.length > 0 && !flattenPending) { setOut(node, index, mainAt()); return; }
        needCurrent(node, index, a);
        const axis = intAttribute(node, 'axis', 1);
        if (axis !== 1) throw new Error(`${where}: ${label}: axis ${axis}; expected 1 (keep the batch, flatten the rest)`);
        if (flattenPending) {
          if (steps.length > 0 || !shape!.slice(1).every((d: number | string | undefined) => typeof d === 'number')) {
            throw new Error(`${where}: ${label}: cannot tell the feature count of input '${input.name}' of shape [${shape!.join(', ')}]`);
          }
          features = (shape!.slice(1) as number[]).reduce((p, d) => p * d, 1);
          flattenPending = false;
        }
        setOut(node, index, mainAt());
        return;
      }
      case 'Reshape': {
        if (a?.kind === 'binary' || (isCurrent(a) && steps.length > 0)) {
          const target = constOf(b);
          const dims = target ? Array.from(tensorFloats(target, `${where}: ${label}`)) : [];
          const units = a?.kind === 'binary' ? 2 : unitsNow();
          if (dims.length === 2 && (dims[0] === -1 || dims[0] === 0) && dims[1] === units) { setOut(node, index, a!); return; }
          if (dims.length === 1 && dims[0] === -1 && units === 1) { setOut(node, index, { kind: 'post' }); return; }
          throw new Error(`${where}: ${label}: reshapes the ${units} outputs to [${dims.join(', ')}]; expected [-1, ${units}] (a no-op)`);
        }
        throw new Error(`${where}: ${label}: expected a Reshape of the network's output only`);
      }
      case 'Gemm': {
        needCurrent(node, index, a, 'input A');
        const w = constOf(b);
        if (!w) throw new Error(`${where}: ${label}: input B ('${node.inputs[1]}') must be a constant weight (an initializer)`);
        const alpha = floatAttribute(node, 'alpha', 1), beta = floatAttribute(node, 'beta', 1);
        const transA = intAttribute(node, 'transA', 0), transB = intAttribute(node, 'transB', 0);
        if (alpha !== 1 || beta !== 1 || transA !== 0) throw new Error(`${where}: ${label}: alpha ${alpha}, beta ${beta}, transA ${transA}; expected alpha = beta = 1 and transA = 0`);
        const step = linearFrom(node, index, w, transB === 1);
        const c = sym(node, index, 2);
        if (c) {
          const ct = constOf(c);
          if (!ct) throw new Error(`${where}: ${label}: input C ('${node.inputs[2]}') must be a constant bias`);
          step.bias = biasFrom(node, index, ct, step.units);
        }
        step.hasBias = true;
        steps.push(step);
        setOut(node, index, mainAt());
        return;
      }
      case 'MatMul': {
        needCurrent(node, index, a, 'its first input');
        const w = constOf(b);
        if (!w) throw new Error(`${where}: ${label}: the second input ('${node.inputs[1]}') must be a constant weight (an initializer)`);
        steps.push(linearFrom(node, index, w, false));
        setOut(node, index, mainAt());
        return;
      }
      case 'Add': {
        if (a?.kind === 'gelu' || b?.kind === 'gelu' || a?.kind === 'softsign' || b?.kind === 'softsign') {
          const g = (a?.kind === 'gelu' || a?.kind === 'softsign' ? a : b) as Sym & { kind: 'gelu' | 'softsign' };
          const one = scalarOf(g === a ? b : a, label);
          if (g.kind === 'gelu' && g.stage === 'erf' && one === 1 && g.step === steps.length) { setOut(node, index, { ...g, stage: 'erf1' }); return; }
          if (g.kind === 'softsign' && g.stage === 'abs' && one === 1 && g.step === steps.length) { setOut(node, index, { ...g, stage: 'abs1' }); return; }
          throw new Error(`${where}: ${label}: expected Add(Erf(x / √2), 1) of a GELU or Add(Abs(x), 1) of a softsign`);
        }
        const [m, c] = isCurrent(a) ? [a, b] : [b, a];
        needCurrent(node, index, m);
        const last = lastStep();
        const bias = constOf(c);
        if (!bias || last?.kind !== 'linear' || last.hasBias) {
          throw new Error(`${where}: ${label}: expected the bias Add right after a MatMul (a constant added to the MatMul's output)`);
        }
        last.bias = biasFrom(node, index, bias, last.units);
        last.hasBias = true;
        setOut(node, index, mainAt());
        return;
      }
      case 'Sub': {
        // skl2onnx's binary classifier: Sub(1, p) → the negative class's probability
        if (isCurrent(b) && scalarOf(a, label) === 1) {
          const last = lastStep();
          if (last?.kind === 'activation' && last.activation === 'sigmoid' && unitsNow() === 1) { setOut(node, index, { kind: 'negprob', step: steps.length }); return; }
        }
        if (isCurrent(a) && steps.length === 0 && constOf(b)) {
          steps.push({ kind: 'scale', op: 'Sub', values: tensorFloats(constOf(b)!, `${where}: ${label}`), node: label });
          setOut(node, index, mainAt());
          return;
        }
        throw new Error(`${where}: ${label}: expected Sub only as the 1 − p of a binary classifier's output, or a scaler's offset before the first layer`);
      }
      case 'Div': {
        // softsign as PyTorch writes it: x / (1 + |x|)
        if (isCurrent(a) && b?.kind === 'softsign' && b.stage === 'abs1' && b.step === steps.length) {
          pushActivation(node, index, 'softsign');
          setOut(node, index, mainAt());
          return;
        }
        if (isCurrent(a) && scalarOf(b, label) !== undefined && Math.abs(scalarOf(b, label)! - SQRT2) < 1e-6) {
          setOut(node, index, { kind: 'gelu', step: steps.length, stage: 'scaled' });
          return;
        }
        if (isCurrent(a) && constOf(b) && steps.length <= 1 && steps.every((s) => s.kind === 'scale' && s.op === 'Sub')) {
          steps.push({ kind: 'scale', op: 'Div', values: tensorFloats(constOf(b)!, `${where}: ${label}`), node: label });
          setOut(node, index, mainAt());
          return;
        }
        throw new Error(`${where}: ${label}: expected Div only as x / √2 inside a GELU, or a scaler's divisor before the first layer`);
      }
      case 'Abs':
        if (isCurrent(a) && steps.length > 0) { setOut(node, index, { kind: 'softsign', step: steps.length, stage: 'abs' }); return; }
        throw new Error(`${where}: ${label}: expected Abs only inside a softsign (x / (1 + |x|))`);
      case 'Erf':
        if (a?.kind === 'gelu' && a.stage === 'scaled') { setOut(node, index, { ...a, stage: 'erf' }); return; }
        throw new Error(`${where}: ${label}: expected Erf only inside a GELU (Erf(x / √2))`);
      case 'Mul': {
        // SiLU: Mul(x, Sigmoid(x))
        const last = lastStep();
        if (a?.kind === 'main' && b?.kind === 'main' && last?.kind === 'activation' && last.activation === 'sigmoid') {
          const s = steps.length;
          if ((a.step === s - 1 && b.step === s) || (a.step === s && b.step === s - 1)) {
            steps.pop();
            pushActivation(node, index, 'swish');
            setOut(node, index, mainAt());
            return;
          }
        }
        // GELU: x · 0.5 · (1 + Erf(x / √2)) multiplied in any order (PyTorch's two exporters differ)
        type Factors = { x: boolean; half: boolean; erf1: boolean; invSqrt2?: boolean };
        const factor = (s: Sym | undefined): Factors | undefined => {
          if (isCurrent(s)) return { x: true, half: false, erf1: false };
          if (s?.kind === 'gelu' && s.stage === 'erf1' && s.step === steps.length) return { x: false, half: false, erf1: true };
          if (s?.kind === 'product' && s.step === steps.length) return s;
          const k = scalarOf(s, label);
          if (k === 0.5) return { x: false, half: true, erf1: false };
          if (k !== undefined && Math.abs(k - Math.SQRT1_2) < 1e-6) return { x: false, half: false, erf1: false, invSqrt2: true };
          return undefined;
        };
        const fa = factor(a), fb = factor(b);
        if (fa && fb) {
          if ((fa.invSqrt2 && isCurrent(b)) || (fb.invSqrt2 && isCurrent(a))) { setOut(node, index, { kind: 'gelu', step: steps.length, stage: 'scaled' }); return; }
          if (!fa.invSqrt2 && !fb.invSqrt2 && !(fa.x && fb.x) && !(fa.half && fb.half) && !(fa.erf1 && fb.erf1)) {
            const merged = { x: fa.x || fb.x, half: fa.half || fb.half, erf1: fa.erf1 || fb.erf1 };
            if (merged.x && merged.half && merged.erf1) {
              pushActivation(node, index, 'gelu');
              setOut(node, index, mainAt());
            } else setOut(node, index, { kind: 'product', step: steps.length, ...merged });
            return;
          }
        }
        throw new Error(`${where}: ${label}: expected Mul only in SiLU (x · Sigmoid(x)) or GELU (x · 0.5 · (1 + Erf(x / √2)))`);
      }
      case 'Concat': {
        const axis = intAttribute(node, 'axis', 1);
        if (node.inputs.length === 2 && a?.kind === 'negprob' && isCurrent(b) && a.step === steps.length && (axis === 1 || axis === -1)) {
          setOut(node, index, { kind: 'binary', step: steps.length });
          return;
        }
        throw new Error(`${where}: ${label}: expected Concat only as [1 − p, p] after a binary classifier's sigmoid`);
      }
      case 'ArgMax':
      case 'ZipMap':
        if (fromProbabilities(a)) {
          postFrom = steps.length;
          setOut(node, index, { kind: 'post' });
          return;
        }
        throw new Error(`${where}: ${label}: expected it on the network's output (post-processing), not inside the network`);
      case 'BatchNormalization': {
        needCurrent(node, index, a);
        if (intAttribute(node, 'training_mode', 0) !== 0) throw new Error(`${where}: ${label}: training_mode 1; expected an inference graph`);
        if (node.outputs.slice(1).some((o) => o)) throw new Error(`${where}: ${label}: has training outputs (running mean and variance); expected an inference graph`);
        const units = unitsNow();
        const parts = [2, 3, 4, 1].map((k) => {
          const t = constOf(sym(node, index, k));
          if (!t) throw new Error(`${where}: ${label}: input ${k} ('${node.inputs[k] ?? ''}') must be a constant`);
          const v = tensorFloats(t, `${where}: ${label}`);
          if (units !== undefined && v.length !== units) throw new Error(`${where}: ${label}: '${t.name}' holds ${v.length} values; expected ${units}, one per feature`);
          return v;
        });
        const [beta, mean, variance, gamma] = parts;
        steps.push({
          kind: 'batchNormalization', units: gamma.length, gamma, beta, mean, variance,
          epsilon: floatAttribute(node, 'epsilon', 1e-5), momentum: floatAttribute(node, 'momentum', 0.9), node: label,
        });
        setOut(node, index, mainAt());
        return;
      }
      case 'Relu': case 'Sigmoid': case 'Tanh': case 'Softplus': case 'Softsign': case 'Softmax':
      case 'LeakyRelu': case 'Elu': case 'Selu': case 'Gelu': {
        needCurrent(node, index, a);
        const op = node.opType;
        if (op === 'Softmax') {
          const axis = intAttribute(node, 'axis', opset >= 13 ? -1 : 1);
          if (axis !== -1 && axis !== 1) throw new Error(`${where}: ${label}: axis ${axis}; expected the last axis (-1 or 1)`);
        }
        if (op === 'Selu' && (Math.abs(floatAttribute(node, 'alpha', 1.6732632) - 1.6732632) > 1e-6 || Math.abs(floatAttribute(node, 'gamma', 1.050701) - 1.050701) > 1e-6)) {
          throw new Error(`${where}: ${label}: alpha/gamma differ from SELU's constants (1.6732632, 1.0507010)`);
        }
        if (op === 'Gelu') {
          const approximate = attribute(node, 'approximate')?.s;
          if (approximate && new TextDecoder().decode(approximate) !== 'none') throw new Error(`${where}: ${label}: approximate '${new TextDecoder().decode(approximate)}'; neuronine's gelu is the exact erf form ('none')`);
        }
        const names: Record<string, string> = {
          Relu: 'relu', Sigmoid: 'sigmoid', Tanh: 'tanh', Softplus: 'softplus', Softsign: 'softsign', Softmax: 'softmax',
          LeakyRelu: 'leakyRelu', Elu: 'elu', Selu: 'selu', Gelu: 'gelu',
        };
        const alpha = op === 'LeakyRelu' ? floatAttribute(node, 'alpha', 0.01) : op === 'Elu' ? floatAttribute(node, 'alpha', 1) : undefined;
        // elu's α is written only when it is not the default 1 (a library without it still reads α = 1)
        pushActivation(node, index, names[op], op === 'Elu' && alpha === 1 ? undefined : alpha);
        setOut(node, index, mainAt());
        return;
      }
      default:
        throw new Error(`${where}: ${label} is not part of an MLP this library reads; expected ${READ}`);
    }
  });

  // exactly one graph output carries the chain; others may only be the label branch
  let outputName: string | undefined;
  for (const out of graph.outputs) {
    const s = values.get(out.name);
    if (!s) throw new Error(`${where}: graph output '${out.name}' is made by no node`);
    if (s.kind === 'post') continue;
    if ((s.kind === 'main' || s.kind === 'binary') && s.step === steps.length) {
      if (outputName !== undefined) throw new Error(`${where}: graph outputs '${outputName}' and '${out.name}' both carry the network's output; expected one`);
      outputName = out.name;
      continue;
    }
    throw new Error(`${where}: graph output '${out.name}' is ${s.kind === 'main' ? 'an intermediate value of the chain' : s.kind === 'const' ? 'a constant' : 'an unfinished pattern'}; expected the network's output (and optionally a label branch)`);
  }
  if (outputName === undefined && postFrom !== steps.length) throw new Error(`${where}: no graph output carries the network's output`);

  return fold(where, steps, features, readMeta(where, model.metadata));
}

function readMeta(where: string, entries: { key: string; value: string }[]): { spec?: SavedSpec; pipeline?: Pipeline } {
  const meta: { spec?: SavedSpec; pipeline?: Pipeline } = {};
  const get = (key: string) => entries.find((e) => e.key === key)?.value;
  const spec = get(ONNX_METADATA.spec);
  const pipeline = get(ONNX_METADATA.pipeline);
  try {
    if (spec) meta.spec = JSON.parse(spec) as SavedSpec;
  } catch {
    throw new Error(`${where}: metadata '${ONNX_METADATA.spec}' is not valid JSON`);
  }
  if (pipeline) {
    let json: unknown;
    try {
      json = JSON.parse(pipeline);
    } catch {
      throw new Error(`${where}: metadata '${ONNX_METADATA.pipeline}' is not valid JSON`);
    }
    meta.pipeline = Pipeline.fromJSON(json);
  }
  return meta;
}

/** Steps → layers: a linear step takes the activation after it; scaler steps must match the pipeline. */
function fold(where: string, steps: Step[], features: number | undefined, meta: { spec?: SavedSpec; pipeline?: Pipeline }):
  { portable: PortableModel; meta: { spec?: SavedSpec; pipeline?: Pipeline } } {
  const layers: PortableLayer[] = [];
  let i = 0;
  const scale = steps.filter((s) => s.kind === 'scale');
  if (scale.length > 0) {
    const scaler = (meta.pipeline?.toJSON() as { scaler?: { offset: number[]; scale: number[] } | null } | undefined)?.scaler;
    const sub = scale.find((s) => s.op === 'Sub'), div = scale.find((s) => s.op === 'Div');
    const same = (values: Float32Array | undefined, expected: number[]) => !!values && values.length === expected.length && expected.every((v, k) => Math.fround(v) === values[k]);
    if (!scaler || !same(sub?.values, scaler.offset) || !same(div?.values, scaler.scale)) {
      throw new Error(`${where}: ${scale[0].node}: a Sub/Div before the first layer is read only as the scaler of a neuronine pipeline saved in the metadata; scale the features outside the graph instead`);
    }
    i = scale.length;
  }
  for (; i < steps.length; i++) {
    const step = steps[i];
    if (step.kind === 'linear') {
      const next = steps[i + 1];
      let activation = 'linear', alpha: number | undefined;
      if (next?.kind === 'activation') {
        activation = next.activation;
        alpha = next.alpha;
        i++;
      }
      layers.push({ type: 'dense', inputs: step.inputs, units: step.units, activation: activation as ActivationName, ...(alpha !== undefined ? { alpha } : {}), weight: step.weight, bias: step.bias, source: step.node });
    } else if (step.kind === 'batchNormalization') {
      layers.push({ type: 'batchNormalization', units: step.units, momentum: step.momentum, epsilon: step.epsilon, gamma: step.gamma, beta: step.beta, movingMean: step.mean, movingVariance: step.variance, source: step.node });
    } else if (step.kind === 'activation') {
      const before = steps[i - 1];
      throw new Error(`${where}: ${step.node} follows ${before ? before.node : 'the input'}; neuronine applies an activation at the end of a dense layer (Gemm or MatMul + Add) only`);
    } else {
      throw new Error(`${where}: ${step.node}: a scaler step after the first layer`);
    }
  }
  if (layers.length === 0) throw new Error(`${where}: the graph has no dense layer (Gemm or MatMul); expected an MLP`);
  const first = layers.find((l) => l.type === 'dense') as PortableLayer & { type: 'dense' };
  const inputs = features ?? first.inputs;
  // dropout layers of our own exports come back from the saved layer list
  const saved = meta.spec?.layers;
  if (saved && saved.filter((l) => l.type !== 'dropout').length === layers.length
    && saved.filter((l) => l.type !== 'dropout').every((l, k) => l.type === layers[k].type)) {
    const withDropout: PortableLayer[] = [];
    let k = 0;
    for (const l of saved) {
      if (l.type === 'dropout') {
        withDropout.push({ type: 'dropout', rate: Number(l.rate) });
        continue;
      }
      const layer = layers[k++];
      if (layer.type === 'dense' && typeof l.l1 === 'number' && l.l1 > 0) layer.l1 = l.l1;
      if (layer.type === 'dense' && typeof l.l2 === 'number' && l.l2 > 0) layer.l2 = l.l2;
      withDropout.push(layer);
    }
    return { portable: { inputs, layers: withDropout }, meta };
  }
  return { portable: { inputs, layers }, meta };
}
