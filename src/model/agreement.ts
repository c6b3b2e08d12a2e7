/**
 * Model and data agree before anything trains: `createModel({ data, layers })` takes the input
 * width and the output layer from a data set (so the numbers are never copied by hand), and
 * `fit(dataset)` refuses an output layer that does not fit the data set's task and classes
 * (units, activation, loss), naming both sides and the fix. A 3-unit softmax on a two-class data
 * set, or a 1-unit linear output on a classification data set, used to train and fail later.
 */
import { isRecord } from '../check.js';
import type { ModelSpec, ResolvedSpec } from './spec.js';

/** What a data set (or a batch stream from `streamCSV`) tells a model about itself. */
export interface DataDescription {
  task?: 'classification' | 'regression';
  classes?: readonly (string | number)[];
  /** Encoded input width (`pipeline.inputs` or `x.cols`). */
  inputs?: number;
  /** Regression target columns. */
  outputs?: number;
}

interface PipelineFacts {
  task?: unknown;
  inputs?: unknown;
  outputs?: unknown;
  classes?: unknown;
}

/** Reads task, classes and widths from a data set, a `streamCSV` result or a pipeline-bearing object. */
export function describeData(data: unknown): DataDescription {
  if (!isRecord(data)) return {};
  const pipeline = (isRecord(data.pipeline) || typeof data.pipeline === 'object' ? data.pipeline : undefined) as PipelineFacts | undefined;
  const task = data.task ?? pipeline?.task;
  const classes = Array.isArray(data.classes) ? data.classes : Array.isArray(pipeline?.classes) ? pipeline.classes : undefined;
  const x = data.x as { cols?: unknown } | undefined;
  const inputs = typeof pipeline?.inputs === 'number' ? pipeline.inputs : typeof x?.cols === 'number' ? x.cols : undefined;
  const y = data.y as { cols?: unknown } | undefined;
  const outputs = typeof pipeline?.outputs === 'number' ? pipeline.outputs : typeof y?.cols === 'number' ? y.cols : undefined;
  return {
    ...(task === 'classification' || task === 'regression' ? { task } : {}),
    ...(classes ? { classes: classes as (string | number)[] } : {}),
    ...(inputs !== undefined ? { inputs } : {}),
    ...(outputs !== undefined ? { outputs } : {}),
  };
}

const listLabels = (classes: readonly (string | number)[]): string => {
  const shown = classes.slice(0, 6).map((c) => JSON.stringify(c)).join(', ');
  return classes.length > 6 ? `${shown}, …` : shown;
};

/**
 * Throws a TypeError when the output layer and loss cannot learn this data set's target:
 * classification with K classes needs K softmax units with cross-entropy (or, for two classes,
 * one sigmoid unit with binary cross-entropy); regression with T targets needs T units and a
 * regression loss, not softmax.
 */
export function checkOutputAgainstData(where: string, spec: ResolvedSpec, data: DataDescription): void {
  const index = spec.layers.length - 1;
  const last = spec.layers[index];
  const model = `the output layer (layers[${index}]) is ${last.units} '${last.activation}' unit${last.units === 1 ? '' : 's'} with loss '${spec.loss}'`;
  if (data.task === 'classification' && data.classes !== undefined) {
    const k = data.classes.length;
    const side = `the data set has ${k} classes (${listLabels(data.classes)})`;
    const fix = `use { units: ${k}, activation: 'softmax' } with loss 'crossEntropy'${k === 2 ? ", or { units: 1, activation: 'sigmoid' } with loss 'binaryCrossEntropy'" : ''}` +
      ', or createModel({ data, layers: [...hidden] }) to get the output layer from the data set';
    const softmaxOk = last.activation === 'softmax' && last.units === k && spec.loss === 'crossEntropy';
    const sigmoidOk = k === 2 && last.activation === 'sigmoid' && last.units === 1 && spec.loss === 'binaryCrossEntropy';
    if (!softmaxOk && !sigmoidOk) throw new TypeError(`${where}: ${side} but ${model}; ${fix}`);
    return;
  }
  if (data.task === 'regression') {
    const t = data.outputs;
    const side = `the data set is a regression${t === undefined ? '' : ` on ${t} target${t === 1 ? '' : 's'}`}`;
    const fix = `use { units: ${t ?? last.units}, activation: 'linear' } with loss 'mse' (or set options.task when the data set was built)`;
    if (spec.loss === 'crossEntropy' || spec.loss === 'binaryCrossEntropy' || last.activation === 'softmax') {
      throw new TypeError(`${where}: ${side} but ${model}, a classification output; ${fix}`);
    }
    if (t !== undefined && last.units !== t) throw new RangeError(`${where}: ${side} but ${model}; ${fix}`);
  }
}

/** `createModel`'s spec with a data set: inputs and the output layer come from `data`. */
export type DataModelSpec = Omit<ModelSpec, 'inputs'> & {
  /**
   * A data set (`loadCSV`, `fromObjects`, `trainTestSplit`…) or a `streamCSV` result. The model
   * takes `inputs` from it and appends an output layer that fits its target: K softmax units for
   * K classes (loss 'crossEntropy'), T linear units for T regression targets (loss 'mse').
   * `layers` are then the hidden layers only.
   */
  data: unknown;
  /** Optional with `data`; if given it must equal the data set's input width. */
  inputs?: number;
};

/**
 * Expands a spec with `data` into a plain spec: inputs from the data set, its output layer
 * appended to `layers`. Returns the spec unchanged when it has no `data`.
 */
export function specFromData(where: string, spec: unknown): { spec: ModelSpec; pipeline: unknown } {
  if (!isRecord(spec) || !Object.prototype.hasOwnProperty.call(spec, 'data')) return { spec: spec as unknown as ModelSpec, pipeline: undefined };
  const { data, ...rest } = spec;
  const facts = describeData(data);
  if (facts.inputs === undefined || facts.task === undefined) {
    throw new TypeError(`${where}: data: expected a data set (from loadCSV, fromObjects, fromArrays, trainTestSplit, datasets.*) or a streamCSV result; got ${data === null ? 'null' : Array.isArray(data) ? 'an array' : typeof data}`);
  }
  if (rest.inputs !== undefined && rest.inputs !== facts.inputs) {
    throw new RangeError(`${where}: inputs is ${String(rest.inputs)} but the data set has ${facts.inputs} features; leave inputs out when giving data`);
  }
  if (rest.layers !== undefined && !Array.isArray(rest.layers)) {
    throw new TypeError(`${where}: layers must be an array of the hidden layers (the output layer comes from data); got ${typeof rest.layers}`);
  }
  const hidden = (rest.layers ?? []) as unknown[];
  let output: { units: number; activation: 'softmax' | 'linear' };
  if (facts.task === 'classification') {
    const k = facts.classes?.length;
    if (k === undefined) throw new TypeError(`${where}: data: a classification data set without its classes`);
    output = { units: k, activation: 'softmax' };
  } else {
    output = { units: facts.outputs ?? 1, activation: 'linear' };
  }
  const pipeline = isRecord(data) ? data.pipeline : undefined;
  return { spec: { ...rest, inputs: facts.inputs, layers: [...hidden, output] } as ModelSpec, pipeline };
}
