/**
 * The saved form of a model, written (`modelToJSON`, behind `model.toJSON()`) and read
 * (`loadModel`). Loading checks every field of the JSON — format and version, the spec (through
 * the same validation as createModel), the weight sizes and values, the pipeline — before a model
 * is built, so a corrupted or truncated file gives an error naming the field and never a
 * half-loaded model.
 */
import { createModel, type CreateOptions, type Model } from '../model/model.js';
import { resolveSpec, type ModelSpec, type ResolvedSpec } from '../model/spec.js';
import { Pipeline } from '../data/pipeline.js';
import { decodeFloats, encodeFloats, FORMAT, VERSION, type ModelJSON } from './format.js';

/** The model as plain JSON (see format.ts); `model.toJSON()` calls this. */
export function modelToJSON(model: Model): ModelJSON {
  const { spec } = model;
  const json: ModelJSON = {
    format: FORMAT,
    version: VERSION,
    spec: {
      inputs: spec.inputs,
      layers: spec.layers.map((l) => (l.activation === 'leakyRelu' ? { units: l.units, activation: l.activation, alpha: l.alpha } : { units: l.units, activation: l.activation })),
      loss: spec.loss,
      optimizer: { ...spec.optimizer },
      init: spec.init,
      seed: spec.seed,
    },
    weights: model.layerViews().map(({ weight, bias }) => ({ weight: encodeFloats(weight), bias: encodeFloats(bias) })),
    steps: model.steps,
  };
  if (spec.optimizer.type !== 'momentum') delete json.spec.optimizer.nesterov;
  if (model.pipeline) json.pipeline = model.pipeline.toJSON();
  return json;
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
  if (saved.version !== VERSION) throw new RangeError(`${where}: version ${JSON.stringify(saved.version)} is not supported; this library reads version ${VERSION}`);
  const spec = saved.spec;
  if (typeof spec !== 'object' || spec === null) throw new TypeError(`${where}: spec is missing`);
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
    const entry = weights[i] as { weight?: unknown; bias?: unknown } | null;
    if (typeof entry !== 'object' || entry === null) throw new TypeError(`${where}: weights[${i}] must be { weight, bias }`);
    return {
      weight: decodeFloats(`${where}: weights[${i}].weight`, entry.weight, layer.inputs * layer.units),
      bias: decodeFloats(`${where}: weights[${i}].bias`, entry.bias, layer.units),
    };
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
