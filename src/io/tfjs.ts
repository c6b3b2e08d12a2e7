/**
 * TensorFlow.js layers-model export and import (`neuronine/tfjs`): the artifacts that
 * `tf.loadLayersModel(tf.io.fromMemory(...))` reads and `model.save(tf.io.withSaveHandler(...))`
 * hands over — `modelTopology` in the Keras JSON form, `weightSpecs` and one `weightData`
 * buffer — and, through `saveTFJS`/`loadTFJS` in `neuronine/node`, the `model.json` +
 * `weights.bin` folder that TF.js and `tensorflowjs_converter` write.
 *
 * | neuronine                 | Keras / TF.js layers                                   |
 * |---------------------------|--------------------------------------------------------|
 * | dense + activation        | Dense { units, activation }                            |
 * | dense + leakyRelu(alpha)  | Dense { activation: 'linear' } + LeakyReLU { alpha }    |
 * | dropout                   | Dropout { rate }                                       |
 * | batchNormalization        | BatchNormalization { axis: -1, momentum, epsilon }     |
 * | swish                     | 'swish' (Keras 3 also writes 'silu'; both are read)    |
 *
 * Read as well: InputLayer, Activation (folded into the dense layer before it), Flatten (of the
 * input: rows of a × b × … values become rows of features), Sequential or a functional chain (each layer fed by the one before).
 */
import type { Model } from '../model/model.js';
import type { InitName, LossName, OptimizerSpec } from '../model/spec.js';
import { lossToSpec, optimizerToSpec } from '../model/spec.js';
import { Pipeline } from '../data/pipeline.js';
import { version } from '../version.js';
import { buildModel, describeModel, isActivation, type PortableLayer, type PortableModel } from './portable.js';

/** One entry of `weightSpecs`. */
export interface TFJSWeightSpec {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32' | 'bool' | 'string' | 'complex64';
  quantization?: unknown;
  group?: string;
}

/** TF.js model artifacts (tf.io.ModelArtifacts, layers-model form). */
export interface TFJSArtifacts {
  modelTopology: Record<string, unknown>;
  weightSpecs: TFJSWeightSpec[];
  weightData: ArrayBuffer | ArrayBuffer[];
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  userDefinedMetadata?: Record<string, unknown>;
}

const describe = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v === 'string' ? `'${v}'` : typeof v === 'object' ? 'an object' : String(v));

/** Activation names: neuronine ↔ Keras/TF.js. */
const TO_KERAS: Record<string, string> = { swish: 'swish', silu: 'swish' };
const FROM_KERAS: Record<string, string> = { silu: 'swish', swish: 'swish', leaky_relu: 'leakyRelu' };

/** The parts one after another in one new array (`make` creates it at the total length). */
export function concatenate<T extends Float32Array<ArrayBuffer> | Uint8Array<ArrayBuffer>>(parts: readonly ArrayLike<number>[], make: (length: number) => T): T {
  const out = make(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/**
 * The model as TF.js layers-model artifacts: a Sequential topology in the Keras JSON form,
 * weight specs and one little-endian float32 buffer. `userDefinedMetadata.neuronine` carries
 * the library version, the pipeline and the training settings, so fromTFJS gives back the same
 * model.
 *
 * @example
 * import { toTFJS } from 'neuronine/tfjs';
 * import * as tf from '@tensorflow/tfjs';
 * const tfModel = await tf.loadLayersModel(tf.io.fromMemory(toTFJS(model)));
 */
export function toTFJS(model: Model): TFJSArtifacts {
  const where = 'toTFJS';
  const portable = describeModel(where, model);
  const layers: Record<string, unknown>[] = [];
  const specs: TFJSWeightSpec[] = [];
  const buffers: Float32Array[] = [];
  let units = portable.inputs;
  const counts: Record<string, number> = {};
  const nameFor = (kind: string) => `${kind}_${(counts[kind] = (counts[kind] ?? 0) + 1)}`;
  const first = (config: Record<string, unknown>) => {
    if (layers.length === 0) config.batch_input_shape = [null, portable.inputs];
    return config;
  };
  const weight = (name: string, shape: number[], values: Float32Array) => {
    specs.push({ name, shape, dtype: 'float32' });
    buffers.push(values);
  };
  for (const layer of portable.layers) {
    if (layer.type === 'dense') {
      const name = nameFor('dense');
      // leakyRelu becomes a linear Dense and a LeakyReLU layer
      const leaky = layer.activation === 'leakyRelu';
      const elu = (layer.activation as string) === 'elu' && layer.alpha !== undefined && layer.alpha !== 1;
      if (elu) throw new Error(`${where}: layers[${portable.layers.indexOf(layer)}] is elu with alpha ${layer.alpha}, which TF.js cannot load (its ELU layer takes alpha 1 only); use toONNX, or alpha 1`);
      const regularizer = layer.l1 || layer.l2 ? { class_name: 'L1L2', config: { l1: layer.l1 ?? 0, l2: layer.l2 ?? 0 } } : null;
      layers.push({
        class_name: 'Dense',
        config: first({
          units: layer.units, activation: leaky ? 'linear' : (TO_KERAS[layer.activation] ?? layer.activation), use_bias: true,
          kernel_initializer: { class_name: 'GlorotUniform', config: { seed: null } }, bias_initializer: { class_name: 'Zeros', config: {} },
          kernel_regularizer: regularizer, bias_regularizer: null, activity_regularizer: null, kernel_constraint: null, bias_constraint: null,
          name, trainable: true, dtype: 'float32',
        }),
      });
      weight(`${name}/kernel`, [layer.inputs, layer.units], layer.weight);
      weight(`${name}/bias`, [layer.units], layer.bias);
      if (leaky) layers.push({ class_name: 'LeakyReLU', config: { alpha: layer.alpha ?? 0.01, name: nameFor('leaky_re_lu'), trainable: true } });
      units = layer.units;
    } else if (layer.type === 'dropout') {
      layers.push({ class_name: 'Dropout', config: first({ rate: layer.rate, noise_shape: null, seed: null, name: nameFor('dropout'), trainable: true }) });
    } else {
      const name = nameFor('batch_normalization');
      layers.push({
        class_name: 'BatchNormalization',
        config: first({
          axis: -1, momentum: layer.momentum, epsilon: layer.epsilon, center: true, scale: true,
          beta_initializer: { class_name: 'Zeros', config: {} }, gamma_initializer: { class_name: 'Ones', config: {} },
          moving_mean_initializer: { class_name: 'Zeros', config: {} }, moving_variance_initializer: { class_name: 'Ones', config: {} },
          beta_regularizer: null, gamma_regularizer: null, beta_constraint: null, gamma_constraint: null, name, trainable: true,
        }),
      });
      weight(`${name}/gamma`, [units], layer.gamma);
      weight(`${name}/beta`, [units], layer.beta);
      weight(`${name}/moving_mean`, [units], layer.movingMean);
      weight(`${name}/moving_variance`, [units], layer.movingVariance);
    }
  }
  const data = concatenate(buffers, (length) => new Float32Array(length));
  const { spec } = model;
  const meta: Record<string, unknown> = {
    version,
    spec: { loss: lossToSpec(spec), optimizer: optimizerToSpec(spec.optimizer), init: spec.init, seed: spec.seed },
  };
  if (model.pipeline) meta.pipeline = model.pipeline.toJSON();
  return {
    modelTopology: {
      class_name: 'Sequential',
      config: { name: 'sequential', layers },
      keras_version: 'tfjs-layers 4.22.0',
      backend: 'tensor_flow.js',
    },
    weightSpecs: specs,
    weightData: data.buffer,
    format: 'layers-model',
    generatedBy: `neuronine ${version}`,
    convertedBy: null,
    userDefinedMetadata: { neuronine: meta },
  };
}

interface KerasLayer {
  class_name: string;
  config: Record<string, unknown>;
  name?: string;
  inbound_nodes?: unknown;
}

/** The layer list of a Sequential or a functional chain; checks the chain's wiring. */
function layerList(where: string, topology: Record<string, unknown>): KerasLayer[] {
  const root = (typeof topology.model_config === 'object' && topology.model_config !== null ? topology.model_config : topology) as Record<string, unknown>;
  const className = root.class_name;
  const config = root.config as Record<string, unknown> | unknown[] | undefined;
  if (typeof className !== 'string') throw new Error(`${where}: modelTopology has no class_name; expected a Keras layers model ({ class_name: 'Sequential', config: { layers } })`);
  const layers = (Array.isArray(config) ? config : (config as Record<string, unknown> | undefined)?.layers) as unknown;
  if (!Array.isArray(layers) || layers.length === 0) throw new Error(`${where}: modelTopology.config.layers must be a non-empty array; got ${describe(layers)}`);
  layers.forEach((l, i) => {
    if (typeof l !== 'object' || l === null || typeof (l as KerasLayer).class_name !== 'string' || typeof (l as KerasLayer).config !== 'object' || (l as KerasLayer).config === null) {
      throw new Error(`${where}: layers[${i}] must be { class_name, config }; got ${describe(l)}`);
    }
  });
  const list = layers as KerasLayer[];
  if (className === 'Sequential') return list;
  if (className !== 'Model' && className !== 'Functional') throw new Error(`${where}: model class '${className}'; expected 'Sequential' or a functional 'Model' chain`);
  // functional: every layer after the first is fed by exactly the layer before it
  const nameOf = (l: KerasLayer) => (l.name ?? l.config.name) as string;
  list.forEach((layer, i) => {
    if (i === 0) return;
    const inbound = JSON.stringify(layer.inbound_nodes ?? []);
    const names = [...inbound.matchAll(/"([^"]+)"/g)].map((m) => m[1]).filter((n) => list.some((l) => nameOf(l) === n));
    if (names.length !== 1 || names[0] !== nameOf(list[i - 1])) {
      throw new Error(`${where}: layer '${nameOf(layer)}' (${layer.class_name}) is fed by ${names.length ? names.map((n) => `'${n}'`).join(', ') : 'nothing'}; expected only '${nameOf(list[i - 1])}', the layer before it (a chain)`);
    }
  });
  return list;
}

function batchShape(config: Record<string, unknown>): unknown[] | undefined {
  const shape = config.batch_input_shape ?? config.batch_shape ?? (Array.isArray(config.input_shape) ? [null, ...config.input_shape] : undefined);
  return Array.isArray(shape) ? shape : undefined;
}

/** The weight buffer(s) as one byte view, with the spec offsets checked against its length. */
function weightBytes(where: string, data: unknown): Uint8Array {
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (Array.isArray(data) && data.every((d) => d instanceof ArrayBuffer)) {
    const total = data.reduce((s, d: ArrayBuffer) => s + d.byteLength, 0);
    const out = new Uint8Array(total);
    let offset = 0;
    for (const d of data as ArrayBuffer[]) {
      out.set(new Uint8Array(d), offset);
      offset += d.byteLength;
    }
    return out;
  }
  throw new TypeError(`${where}: weightData must be an ArrayBuffer (or an array of them); got ${describe(data)}`);
}

interface SavedMeta {
  spec?: { loss?: LossName; optimizer?: OptimizerSpec; init?: InitName; seed?: number };
  pipeline?: unknown;
}

/**
 * Reads TF.js layers-model artifacts — as `model.save(tf.io.withSaveHandler(...))` hands them,
 * or as `tensorflowjs_converter` writes a Keras model (then `modelTopology.model_config`) — into
 * a `Model` that predicts the same and can be trained further.
 *
 * Layers read: InputLayer, Dense (any activation neuronine has, use_bias true or false),
 * Activation and LeakyReLU (folded into the Dense before them), Dropout, BatchNormalization
 * (last axis), Flatten of rank-2 rows. Others are refused by class name.
 *
 * @throws Error naming the layer (index, name, class) and what was expected, for unknown layer
 *   classes or activations, weight data shorter than the specs, weights of the wrong shape,
 *   shapes that do not chain, quantized or non-float weights.
 *
 * @example
 * import { fromTFJS } from 'neuronine/tfjs';
 * await tfModel.save(tf.io.withSaveHandler(async (artifacts) => {
 *   model = await fromTFJS(artifacts);
 *   return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
 * }));
 */
export async function fromTFJS(artifacts: TFJSArtifacts): Promise<Model> {
  const where = 'fromTFJS';
  const { portable, meta } = readTFJS(where, artifacts);
  const model = await buildModel(where, portable, meta.spec ?? {});
  if (meta.pipeline !== undefined) model.pipeline = Pipeline.fromJSON(meta.pipeline);
  return model;
}

/** Parses and checks artifacts into the neutral form. */
export function readTFJS(where: string, artifacts: TFJSArtifacts): { portable: PortableModel; meta: SavedMeta } {
  if (typeof artifacts !== 'object' || artifacts === null) throw new TypeError(`${where}: expected model artifacts { modelTopology, weightSpecs, weightData }; got ${describe(artifacts)}`);
  let topology = artifacts.modelTopology as unknown;
  if (topology instanceof ArrayBuffer) throw new Error(`${where}: modelTopology is a binary graph (a TF.js graph model); expected a layers model`);
  if (typeof topology === 'string') topology = JSON.parse(topology);
  if (typeof topology !== 'object' || topology === null) throw new TypeError(`${where}: modelTopology must be an object; got ${describe(topology)}`);
  const specs = artifacts.weightSpecs;
  if (!Array.isArray(specs)) throw new TypeError(`${where}: weightSpecs must be an array; got ${describe(specs)}`);
  const data = weightBytes(where, artifacts.weightData);
  const layers = layerList(where, topology as Record<string, unknown>);

  // where each weight sits in the buffer (checked against its length before anything is read)
  const located = new Map<string, { offset: number; spec: TFJSWeightSpec }>();
  let offset = 0;
  specs.forEach((spec, i) => {
    if (typeof spec !== 'object' || spec === null || typeof spec.name !== 'string' || !Array.isArray(spec.shape)) throw new TypeError(`${where}: weightSpecs[${i}] must be { name, shape, dtype }`);
    if (spec.quantization) throw new Error(`${where}: weight '${spec.name}' is quantized; convert the model without --quantize (neuronine reads float32 weights)`);
    if ((spec.dtype ?? 'float32') !== 'float32') throw new Error(`${where}: weight '${spec.name}' is ${spec.dtype}; expected float32`);
    let count = 1;
    for (const d of spec.shape) {
      if (!Number.isInteger(d) || d < 0) throw new RangeError(`${where}: weight '${spec.name}' has shape [${spec.shape.join(', ')}]; expected non-negative integers`);
      count *= d;
    }
    if (offset + count * 4 > data.length) {
      throw new RangeError(`${where}: weight '${spec.name}' (shape [${spec.shape.join(', ')}]) needs bytes ${offset} to ${offset + count * 4} but the weight data holds ${data.length} (shorter than its specs: truncated weights file?)`);
    }
    located.set(spec.name, { offset, spec });
    offset += count * 4;
  });
  if (offset !== data.length) throw new RangeError(`${where}: the weight data holds ${data.length} bytes but the specs describe ${offset}`);

  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const read = (label: string, layerName: string, suffix: string, shape: number[]): Float32Array => {
    const entry = [...located.entries()].find(([name]) => {
      const clean = name.replace(/:0$/, '');
      return clean === `${layerName}/${suffix}` || clean.endsWith(`/${layerName}/${suffix}`);
    });
    if (!entry) throw new Error(`${where}: ${label}: no weight '${layerName}/${suffix}' in weightSpecs`);
    const [name, { offset: at, spec }] = entry;
    if (spec.shape.length !== shape.length || spec.shape.some((d, k) => d !== shape[k])) {
      throw new RangeError(`${where}: ${label}: weight '${name}' has shape [${spec.shape.join(', ')}]; expected [${shape.join(', ')}] (the shapes do not chain)`);
    }
    const count = shape.reduce((p, d) => p * d, 1);
    const out = new Float32Array(count);
    for (let k = 0; k < count; k++) {
      out[k] = view.getFloat32(at + k * 4, true);
      if (!Number.isFinite(out[k])) throw new RangeError(`${where}: ${label}: weight '${name}' value ${k} is ${out[k]}; expected finite numbers`);
    }
    return out;
  };

  let features: number | undefined;
  const result: PortableLayer[] = [];
  let units: number | undefined;
  // an input of shape [null, a, b, …] must be flattened first: its width waits for the Flatten
  let unflattened: number[] | undefined;
  const takeShape = (label: string, config: Record<string, unknown>) => {
    const shape = batchShape(config);
    if (!shape || features !== undefined || unflattened) return;
    const dims = shape.slice(1);
    if (shape.length < 2 || !dims.every((d) => Number.isInteger(d) && (d as number) > 0)) {
      throw new Error(`${where}: ${label}: input shape [${shape.map(String).join(', ')}]; expected [null, features] with a known width`);
    }
    if (dims.length === 1) {
      features = dims[0] as number;
      units = features;
    } else unflattened = dims as number[];
  };
  const activationOf = (label: string, value: unknown): { activation: string; alpha?: number } => {
    const name = typeof value === 'string' ? value : typeof value === 'object' && value !== null ? ((value as { class_name?: string; config?: { name?: string } }).config?.name ?? (value as { class_name?: string }).class_name) : undefined;
    if (name === undefined || name === null) return { activation: 'linear' };
    const mapped = FROM_KERAS[name] ?? name;
    if (!isActivation(mapped)) throw new Error(`${where}: ${label}: activation '${String(name)}' is not one neuronine has`);
    return mapped === 'leakyRelu' ? { activation: mapped, alpha: 0.2 } : { activation: mapped };
  };

  // kernel_regularizer { class_name: 'L1L2' | 'L1' | 'L2', config: { l1, l2 } } → the dense layer's l1, l2
  const regularizerOf = (label: string, value: unknown): { l1?: number; l2?: number } => {
    if (value === null || value === undefined) return {};
    const r = value as { class_name?: string; config?: { l1?: unknown; l2?: unknown } };
    if (!['L1L2', 'L1', 'L2', 'l1_l2', 'l1', 'l2'].includes(String(r.class_name))) throw new Error(`${where}: ${label}: kernel_regularizer '${String(r.class_name)}' is not one neuronine has (L1, L2, L1L2)`);
    const out: { l1?: number; l2?: number } = {};
    for (const key of ['l1', 'l2'] as const) {
      const v = r.config?.[key];
      if (v === undefined || v === null || v === 0) continue;
      if (typeof v !== 'number' || !(v >= 0)) throw new RangeError(`${where}: ${label}: kernel_regularizer.${key} must be a number ≥ 0; got ${describe(v)}`);
      out[key] = v;
    }
    return out;
  };
  layers.forEach((layer, i) => {
    const config = layer.config;
    const layerName = String(config.name ?? layer.name ?? `layer_${i}`);
    const label = `layer ${i} '${layerName}' (${layer.class_name})`;
    takeShape(label, config);
    const last = result[result.length - 1];
    switch (layer.class_name) {
      case 'InputLayer':
        if (i !== 0) throw new Error(`${where}: ${label}: an InputLayer after the first layer`);
        if (!batchShape(config)) throw new Error(`${where}: ${label}: no batch_input_shape`);
        return;
      case 'Flatten':
        if (unflattened) {
          features = unflattened.reduce((p, d) => p * d, 1);
          units = features;
          unflattened = undefined;
        }
        return;
      case 'Dense': {
        if (unflattened) throw new Error(`${where}: ${label}: its input has shape [null, ${unflattened.join(', ')}]; expected a Flatten before the first Dense (neuronine reads rows of features)`);
        const n = config.units;
        if (!Number.isInteger(n) || (n as number) < 1) throw new RangeError(`${where}: ${label}: units must be a positive integer; got ${describe(n)}`);
        const inputs = units ?? located.get([...located.keys()].find((k) => k.replace(/:0$/, '').endsWith(`${layerName}/kernel`)) ?? '')?.spec.shape[0];
        if (inputs === undefined) throw new Error(`${where}: ${label}: cannot tell its input width (no batch_input_shape and no kernel weight)`);
        if (features === undefined) features = inputs;
        const weight = read(label, layerName, 'kernel', [inputs, n as number]);
        const bias = config.use_bias === false ? new Float32Array(n as number) : read(label, layerName, 'bias', [n as number]);
        const { activation, alpha } = activationOf(label, config.activation);
        const penalties = regularizerOf(label, config.kernel_regularizer);
        result.push({ type: 'dense', inputs, units: n as number, activation: activation as never, ...(alpha !== undefined ? { alpha } : {}), ...penalties, weight, bias, source: label });
        units = n as number;
        return;
      }
      case 'Activation':
      case 'LeakyReLU':
      case 'ELU': {
        const act = layer.class_name === 'Activation' ? activationOf(label, config.activation)
          : layer.class_name === 'ELU' ? { activation: 'elu', alpha: Number(config.alpha ?? 1) }
            : { activation: 'leakyRelu', alpha: Number(config.alpha ?? config.negative_slope ?? 0.3) };
        if (act.activation === 'linear') return;
        if (last?.type !== 'dense' || last.activation !== 'linear') {
          throw new Error(`${where}: ${label} follows ${last ? `${last.source}` : 'the input'}; neuronine applies an activation at the end of a dense layer (a Dense with activation 'linear' before it) only`);
        }
        last.activation = act.activation as never;
        if (act.alpha !== undefined && !(act.activation === 'elu' && act.alpha === 1)) last.alpha = act.alpha;
        return;
      }
      case 'Dropout': {
        const rate = config.rate;
        if (typeof rate !== 'number' || !(rate >= 0 && rate < 1)) throw new RangeError(`${where}: ${label}: rate must be in [0, 1); got ${describe(rate)}`);
        result.push({ type: 'dropout', rate, source: label });
        return;
      }
      case 'BatchNormalization': {
        const axis = Array.isArray(config.axis) ? (config.axis.length === 1 ? config.axis[0] : NaN) : config.axis ?? -1;
        if (axis !== -1 && axis !== 1) throw new Error(`${where}: ${label}: axis ${JSON.stringify(config.axis)}; expected the feature axis (-1)`);
        if (units === undefined) throw new Error(`${where}: ${label}: cannot tell the width before it`);
        const n = units;
        result.push({
          type: 'batchNormalization', units: n,
          momentum: typeof config.momentum === 'number' ? config.momentum : 0.99,
          epsilon: typeof config.epsilon === 'number' ? config.epsilon : 1e-3,
          gamma: config.scale === false ? new Float32Array(n).fill(1) : read(label, layerName, 'gamma', [n]),
          beta: config.center === false ? new Float32Array(n) : read(label, layerName, 'beta', [n]),
          movingMean: read(label, layerName, 'moving_mean', [n]),
          movingVariance: read(label, layerName, 'moving_variance', [n]),
          source: label,
        });
        return;
      }
      default:
        throw new Error(`${where}: ${label}: layer class '${layer.class_name}' is not one neuronine reads; expected InputLayer, Dense, Activation, LeakyReLU, ELU, Dropout, BatchNormalization or Flatten`);
    }
  });
  if (!result.some((l) => l.type === 'dense')) throw new Error(`${where}: the model has no Dense layer`);
  const meta = ((artifacts.userDefinedMetadata as { neuronine?: SavedMeta } | undefined)?.neuronine ?? {}) as SavedMeta;
  return { portable: { inputs: features!, layers: result }, meta };
}

/** The `model.json` text of a folder save: artifacts with the weights manifest pointing at `weights.bin`. */
export function tfjsModelJSON(artifacts: TFJSArtifacts, weightsPath = 'weights.bin'): string {
  return JSON.stringify({
    format: artifacts.format ?? 'layers-model',
    generatedBy: artifacts.generatedBy,
    convertedBy: artifacts.convertedBy ?? null,
    modelTopology: artifacts.modelTopology,
    weightsManifest: [{ paths: [weightsPath], weights: artifacts.weightSpecs }],
    ...(artifacts.userDefinedMetadata ? { userDefinedMetadata: artifacts.userDefinedMetadata } : {}),
  });
}
