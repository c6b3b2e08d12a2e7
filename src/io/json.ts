/**
 * The saved form of a model, written (`modelToJSON`, behind `model.toJSON()`) and read
 * (`loadModel`). Loading checks every field of the JSON — format and version, the spec (through
 * the same validation as createModel), the weight sizes and values, the pipeline — before a model
 * is built, so a corrupted or truncated file gives an error naming the field and never a
 * half-loaded model.
 */
import { createModel, type CreateOptions, type Model } from '../model/model.js';
import { lossToSpec, optimizerToSpec, parameterCount, resolveSpec, type ModelSpec, type ResolvedLayer, type ResolvedSpec } from '../model/spec.js';
import { checkKeys } from '../check.js';
import { ACTIVATION_TABLE } from '../model/activations.js';
import { OPTIMIZER_TABLE } from '../model/optimizers.js';
import { Pipeline } from '../data/pipeline.js';
import { xoshiro128ss } from '../data/random.js';
import type { TrainingState } from '../model/fit.js';
import { decodeFloats, encodeFloats, FORMAT, READABLE_VERSIONS, VERSION, type ModelJSON, type TrainingJSON } from './format.js';

/** A resolved layer as the spec a user would write for it (defaults of zero left out). */
function layerToJSON(l: ResolvedLayer): Record<string, unknown> {
  if (l.type === 'dropout') return { type: 'dropout', rate: l.rate };
  if (l.type === 'batchNormalization') return { type: 'batchNormalization', momentum: l.momentum, epsilon: l.epsilon };
  const out: Record<string, unknown> = { units: l.units, activation: l.activation };
  if ('alpha' in ACTIVATION_TABLE[l.activation]) out.alpha = l.alpha;
  if (l.l1 !== 0) out.l1 = l.l1;
  if (l.l2 !== 0) out.l2 = l.l2;
  return out;
}

/** Options of `model.toJSON()`. */
export interface SaveOptions {
  /**
   * Save the optimizer's state (moments, bias correction) so that training resumes exactly.
   * Default true; `false` gives a smaller file whose model restarts its moments.
   */
  optimizer?: boolean;
}

const finiteOrNull = (v: number): number | null => (Number.isFinite(v) ? v : null);

/** The model as plain JSON (see format.ts); `model.toJSON()` calls this. */
export function modelToJSON(model: Model, options: SaveOptions = {}): ModelJSON {
  const { spec } = model;
  // the optimizer's own options only (another type's field would be refused on load)
  const optimizer = optimizerToSpec(spec.optimizer) as unknown as Record<string, unknown>;
  const json: ModelJSON = {
    format: FORMAT,
    version: VERSION,
    spec: {
      inputs: spec.inputs,
      layers: spec.layers.map(layerToJSON),
      loss: lossToSpec(spec),
      optimizer,
      init: spec.init,
      seed: spec.seed,
    },
    weights: model.layerViews().map((views, i) => {
      const type = spec.layers[i].type;
      if (type === 'dropout') return {};
      const entry: ModelJSON['weights'][number] = { weight: encodeFloats(views.weight), bias: encodeFloats(views.bias) };
      if (views.movingMean && views.movingVariance) {
        entry.movingMean = encodeFloats(views.movingMean);
        entry.movingVariance = encodeFloats(views.movingVariance);
      }
      return entry;
    }),
    steps: model.steps,
  };
  const net = model.network('toJSON');
  const f32 = net.ws.f32;
  const block = (address: number) => encodeFloats(f32.subarray(address >>> 2, (address >>> 2) + net.paramFloats));
  if (options.optimizer !== false) json.optimizerState = { blocks: net.stateBlocks.map(block), biasCorrection: net.biasCorrection };
  const state = model.trainingState;
  const training: TrainingJSON = { epoch: state.epoch, shuffle: model.shuffleRng.state() };
  if (state.schedule) training.schedule = { ...state.schedule };
  if (state.plateau) training.plateau = { ...state.plateau, best: finiteOrNull(state.plateau.best) };
  if (state.earlyStopping) {
    const { weights, ...rest } = state.earlyStopping;
    training.earlyStopping = { ...rest, best: finiteOrNull(rest.best) };
    if (weights) training.earlyStopping.weights = encodeFloats(weights);
  }
  if (net.spec.layers.some((l) => l.type === 'dropout')) training.dropoutStream = net.dropoutStream;
  json.training = training;
  if (model.pipeline) json.pipeline = model.pipeline.toJSON();
  return json;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function count(where: string, value: unknown, max = 2 ** 31 - 1): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > max) throw new RangeError(`${where} must be a non-negative integer; got ${String(value)}`);
  return value;
}

function real(where: string, value: unknown, nullIs?: number): number {
  if (value === null && nullIs !== undefined) return nullIs;
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new RangeError(`${where} must be a finite number; got ${String(value)}`);
  return value;
}

function key(where: string, value: unknown): string {
  if (typeof value !== 'string' || value.length > 1000) throw new TypeError(`${where} must be a string; got ${typeof value}`);
  return value;
}

/** Reads the saved training state (see format.ts), checking every field; `snapshotFloats` sizes the best-weights snapshot (parameters and moving statistics). */
function readTraining(where: string, value: unknown, snapshotFloats: number): { state: TrainingState; shuffle: [number, number, number, number]; dropoutStream: number } {
  if (!isObject(value)) throw new TypeError(`${where} must be an object { epoch, shuffle, … }`);
  const state: TrainingState = { epoch: count(`${where}.epoch`, value.epoch) };
  const shuffle = value.shuffle;
  if (!Array.isArray(shuffle) || shuffle.length !== 4 || !shuffle.every((w) => Number.isInteger(w) && w >= 0 && w <= 0xffffffff) || shuffle.every((w) => w === 0)) {
    throw new RangeError(`${where}.shuffle must be four 32-bit unsigned integers, not all 0 (the shuffle stream's state)`);
  }
  if (value.schedule !== undefined) {
    const s = value.schedule;
    if (!isObject(s)) throw new TypeError(`${where}.schedule must be an object`);
    const base = real(`${where}.schedule.base`, s.base);
    if (!(base > 0)) throw new RangeError(`${where}.schedule.base must be greater than 0; got ${base}`);
    state.schedule = { key: key(`${where}.schedule.key`, s.key), start: count(`${where}.schedule.start`, s.start), base, period: count(`${where}.schedule.period`, s.period) };
  }
  if (value.plateau !== undefined) {
    const p = value.plateau;
    if (!isObject(p)) throw new TypeError(`${where}.plateau must be an object`);
    state.plateau = { key: key(`${where}.plateau.key`, p.key), best: real(`${where}.plateau.best`, p.best, NaN), wait: count(`${where}.plateau.wait`, p.wait), cooldown: count(`${where}.plateau.cooldown`, p.cooldown) };
  }
  if (value.earlyStopping !== undefined) {
    const e = value.earlyStopping;
    if (!isObject(e)) throw new TypeError(`${where}.earlyStopping must be an object`);
    const es = { key: key(`${where}.earlyStopping.key`, e.key), best: real(`${where}.earlyStopping.best`, e.best, NaN), wait: count(`${where}.earlyStopping.wait`, e.wait), bestEpoch: count(`${where}.earlyStopping.bestEpoch`, e.bestEpoch) };
    state.earlyStopping = e.weights === undefined ? es : { ...es, weights: decodeFloats(`${where}.earlyStopping.weights`, e.weights, snapshotFloats) };
  }
  const dropoutStream = value.dropoutStream === undefined ? 0 : count(`${where}.dropoutStream`, value.dropoutStream, 0xffffffff);
  return { state, shuffle: shuffle as [number, number, number, number], dropoutStream };
}

/**
 * A version 1 spec as version 2 reads it: version 1 wrote every optimizer field whatever the type
 * (momentum for adam, β for sgd…); only the type's own options are kept.
 */
function upgradeVersion1(spec: ModelJSON['spec']): ModelJSON['spec'] {
  const optimizer = spec.optimizer;
  if (typeof optimizer !== 'object' || optimizer === null || Array.isArray(optimizer)) return spec;
  const row = (OPTIMIZER_TABLE as Record<string, { options: object }>)[String(optimizer.type)];
  if (!row) return spec;
  const kept: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(optimizer)) if (key === 'type' || key in row.options) kept[key] = value;
  return { ...spec, optimizer: kept };
}

/** Options of {@link loadModel}. */
export interface LoadOptions extends CreateOptions {
  /**
   * Most parameters (weights and biases) a file may describe; a larger model is refused before
   * anything is decoded or allocated, so a hostile or corrupted file cannot make `loadModel`
   * allocate gigabytes. Default 16,777,216 (2^24: 64 MB of float32 weights, about 256 MB with
   * gradients and Adam's moments); raise it to load bigger models (the spec's own limit, 2^28,
   * still applies).
   */
  maxParameters?: number;
}

/** Default of {@link LoadOptions.maxParameters}. */
export const DEFAULT_MAX_PARAMETERS = 1 << 24;

/**
 * Rebuilds a model saved with `model.toJSON()` (the object, or its JSON text). What
 * `createModel` accepts, `loadModel` accepts: the spec goes through the same validator.
 *
 * @throws SyntaxError for text that is not JSON; TypeError/RangeError naming the field that is
 * missing, of the wrong kind, the wrong size or not finite; RangeError for a model of more than
 * `options.maxParameters` parameters.
 *
 * @example
 * const text = JSON.stringify(model);
 * const copy = await loadModel(text);
 */
export async function loadModel(json: string | ModelJSON | object, options: LoadOptions = {}): Promise<Model> {
  const where = 'loadModel';
  if (typeof options !== 'object' || options === null) throw new TypeError(`${where}: options must be an object; got ${options === null ? 'null' : typeof options}`);
  checkKeys(`${where}: options`, options, ['threads', 'kernels', 'instantiate', 'maxParameters']);
  const maxParameters = options.maxParameters ?? DEFAULT_MAX_PARAMETERS;
  if (typeof maxParameters !== 'number' || !Number.isSafeInteger(maxParameters) || maxParameters < 1) {
    throw new RangeError(`${where}: options.maxParameters must be a positive integer; got ${String(maxParameters)}`);
  }
  const { maxParameters: _max, ...createOptions } = options;
  let data: unknown = json;
  if (typeof json === 'string') {
    try {
      data = JSON.parse(json);
    } catch (cause) {
      throw new SyntaxError(`${where}: the text is not valid JSON (truncated?): ${(cause as Error).message}`, { cause });
    }
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new TypeError(`${where}: expected a saved model object; got ${Array.isArray(data) ? 'an array' : typeof data}`);
  const saved = data as Partial<ModelJSON>;
  if (saved.format !== FORMAT) throw new TypeError(`${where}: format is ${JSON.stringify(saved.format)}; expected '${FORMAT}' (is this a neuronine model?)`);
  if (typeof saved.version !== 'number' || !READABLE_VERSIONS.includes(saved.version)) throw new RangeError(`${where}: version ${JSON.stringify(saved.version)} is not supported; this library reads versions ${READABLE_VERSIONS.join(' and ')} (it writes ${VERSION})`);
  if (typeof saved.spec !== 'object' || saved.spec === null) throw new TypeError(`${where}: spec is missing`);
  const spec = saved.version === 1 ? upgradeVersion1(saved.spec) : saved.spec;
  if (!Array.isArray(spec.layers)) throw new TypeError(`${where}: spec.layers must be an array`);
  const weights = saved.weights;
  if (!Array.isArray(weights) || weights.length !== spec.layers.length) {
    throw new RangeError(`${where}: weights must hold one entry per layer (${spec.layers.length}); got ${Array.isArray(weights) ? weights.length : typeof weights}`);
  }
  const steps = saved.steps ?? 0;
  if (!Number.isInteger(steps) || steps < 0 || steps > 2 ** 31 - 1) throw new RangeError(`${where}: steps must be a non-negative integer; got ${String(steps)}`);
  const pipeline = saved.pipeline === undefined || saved.pipeline === null ? undefined : Pipeline.fromJSON(saved.pipeline);
  // the spec is checked (sizes included) before any weight is decoded or memory is made
  let resolved: ResolvedSpec;
  try {
    resolved = resolveSpec(spec as unknown as ModelSpec);
  } catch (error) {
    if (error instanceof Error) error.message = error.message.replace(/^createModel/, `${where}: spec`);
    throw error;
  }
  const parameters = parameterCount(resolved.layers);
  if (parameters > maxParameters) {
    throw new RangeError(`${where}: the file describes a model of ${parameters} parameters, above options.maxParameters (${maxParameters}); nothing was allocated. Pass a larger maxParameters to load it`);
  }
  const decoded = resolved.layers.map((layer, i) => {
    const entry = weights[i] as Record<string, unknown> | null;
    const fields = layer.type === 'dense' ? ['weight', 'bias'] : layer.type === 'batchNormalization' ? ['weight', 'bias', 'movingMean', 'movingVariance'] : [];
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      throw new TypeError(`${where}: weights[${i}] must be an object { ${fields.join(', ')} } for a '${layer.type}' layer`);
    }
    for (const key of Object.keys(entry)) {
      if (!fields.includes(key)) throw new TypeError(`${where}: weights[${i}].${key} does not belong to a '${layer.type}' layer (expected { ${fields.join(', ')} })`);
    }
    if (layer.type === 'dropout') return { weight: new Float32Array(0), bias: new Float32Array(0) };
    const sizes = layer.type === 'dense' ? [layer.inputs * layer.units, layer.units] : [layer.units, layer.units];
    const out: { weight: Float32Array; bias: Float32Array; movingMean?: Float32Array; movingVariance?: Float32Array } = {
      weight: decodeFloats(`${where}: weights[${i}].weight`, entry.weight, sizes[0]),
      bias: decodeFloats(`${where}: weights[${i}].bias`, entry.bias, sizes[1]),
    };
    if (layer.type === 'batchNormalization') {
      out.movingMean = decodeFloats(`${where}: weights[${i}].movingMean`, entry.movingMean, layer.units);
      out.movingVariance = decodeFloats(`${where}: weights[${i}].movingVariance`, entry.movingVariance, layer.units);
      const negative = out.movingVariance.findIndex((v) => v < 0);
      if (negative >= 0) throw new RangeError(`${where}: weights[${i}].movingVariance value ${negative} is ${out.movingVariance[negative]}; a variance is at least 0`);
    }
    return out;
  });
  const outputs = resolved.layers[resolved.layers.length - 1].units;
  if (pipeline) {
    if (pipeline.inputs !== resolved.inputs) throw new RangeError(`${where}: the pipeline makes ${pipeline.inputs} features but the model takes ${resolved.inputs}`);
    // a two-class pipeline also fits one sigmoid unit (binary classification)
    const binary = pipeline.task === 'classification' && pipeline.outputs === 2 && outputs === 1;
    if (pipeline.outputs !== outputs && !binary) throw new RangeError(`${where}: the pipeline has ${pipeline.outputs} outputs but the model has ${outputs}`);
  }
  const model = await createModel(spec as unknown as ModelSpec, createOptions);
  // the model is new and not yet returned: if a check below fails, nobody ever sees it
  const net = model.network(where);
  let moments: Float32Array[] | undefined;
  let biasCorrection: number[] | undefined;
  if (saved.optimizerState !== undefined && saved.optimizerState !== null) {
    const o = saved.optimizerState as unknown;
    if (!isObject(o) || !Array.isArray(o.blocks)) throw new TypeError(`${where}: optimizerState must be { blocks, biasCorrection }`);
    const blocks = net.stateBlocks;
    if (o.blocks.length !== blocks.length) throw new RangeError(`${where}: optimizerState.blocks holds ${o.blocks.length} blocks; optimizer '${resolved.optimizer.type}' keeps ${blocks.length}`);
    moments = o.blocks.map((b, i) => decodeFloats(`${where}: optimizerState.blocks[${i}]`, b, net.paramFloats));
    const bc = o.biasCorrection;
    if (!Array.isArray(bc) || (bc.length !== 2 && bc.length !== 4) || !bc.every((v) => typeof v === 'number' && v >= 0 && v <= 1)) throw new RangeError(`${where}: optimizerState.biasCorrection must be two or four numbers in [0, 1] (β1ᵗ, β2ᵗ, nadam's 0.96^(0.004t) and Π u)`);
    biasCorrection = bc as number[];
  }
  const training = saved.training === undefined ? undefined : readTraining(`${where}: training`, saved.training, net.snapshotFloats);
  model.setWeights(decoded);
  model.setSteps(steps);
  if (moments && biasCorrection) {
    const f32 = net.ws.f32;
    net.stateBlocks.forEach((address, i) => f32.set(moments![i], address >>> 2));
    net.biasCorrection = biasCorrection;
  }
  if (training) {
    model.trainingState = training.state;
    model.shuffleRng = xoshiro128ss(training.shuffle);
    net.dropoutStream = training.dropoutStream;
  }
  model.pipeline = pipeline;
  return model;
}
