/**
 * The saved form of a model, written (`modelToJSON`, behind `model.toJSON()`) and read
 * (`loadModel`). Loading checks every field of the JSON — format and version, the spec (through
 * the same validation as createModel), the weight sizes and values, the pipeline — before a model
 * is built, so a corrupted or truncated file gives an error naming the field and never a
 * half-loaded model.
 */
import { createModel, type CreateOptions, type Model } from '../model/model.js';
import { resolveSpec, type ModelSpec, type ResolvedLayer, type ResolvedSpec } from '../model/spec.js';
import { ACTIVATION_TABLE } from '../model/activations.js';
import { OPTIMIZER_TABLE } from '../model/optimizers.js';
import { Pipeline } from '../data/pipeline.js';
import { decodeFloats, encodeFloats, FORMAT, READABLE_VERSIONS, VERSION, type ModelJSON } from './format.js';

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

/** The model as plain JSON (see format.ts); `model.toJSON()` calls this. */
export function modelToJSON(model: Model): ModelJSON {
  const { spec } = model;
  // the optimizer's own options only (another type's field would be refused on load)
  const o = spec.optimizer as unknown as Record<string, unknown>;
  const optimizer: Record<string, unknown> = { type: spec.optimizer.type };
  for (const key of Object.keys(OPTIMIZER_TABLE[spec.optimizer.type].options)) optimizer[key] = o[key];
  if (spec.optimizer.clipNorm !== undefined) optimizer.clipNorm = spec.optimizer.clipNorm;
  if (spec.optimizer.clipValue !== undefined) optimizer.clipValue = spec.optimizer.clipValue;
  const json: ModelJSON = {
    format: FORMAT,
    version: VERSION,
    spec: {
      inputs: spec.inputs,
      layers: spec.layers.map(layerToJSON),
      loss: spec.loss === 'huber' ? { type: 'huber', delta: spec.delta } : spec.loss,
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
  if (model.pipeline) json.pipeline = model.pipeline.toJSON();
  return json;
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

/**
 * Rebuilds a model saved with `model.toJSON()` (the object, or its JSON text).
 *
 * @throws SyntaxError for text that is not JSON; TypeError/RangeError naming the field that is
 * missing, of the wrong kind, the wrong size or not finite.
 *
 * @example
 * const text = JSON.stringify(model);
 * const copy = await loadModel(text);
 */
export async function loadModel(json: string | ModelJSON | object, options: CreateOptions = {}): Promise<Model> {
  const where = 'loadModel';
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
  if (!READABLE_VERSIONS.includes(saved.version as number)) throw new RangeError(`${where}: version ${JSON.stringify(saved.version)} is not supported; this library reads versions ${READABLE_VERSIONS.join(' and ')}`);
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
  const model = await createModel(spec as unknown as ModelSpec, options);
  model.setWeights(decoded);
  model.setSteps(steps);
  model.pipeline = pipeline;
  return model;
}
