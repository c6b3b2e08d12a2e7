/**
 * neuronine: build and train multi-layer perceptrons in Node and browsers, with the numeric work
 * in WebAssembly SIMD kernels. Public exports only; see the README for the API.
 */
export { createModel, Model } from './model/model.js';
export type { NumericArray } from './model/model.js';
export type {
  BatchLogs, Callback, CreateOptions, DatasetLike, EarlyStopping, EpochLogs, Evaluation, FitOptions, History,
  MetricFigures, PerClass, PipelineLike, ReduceLROnPlateau, Schedule, Summary, SummaryLayer,
} from './model/model.js';
export type {
  ActivationName, BatchNormalizationLayerSpec, DenseLayerSpec, DropoutLayerSpec, InitName, LayerSpec, LayerType,
  LossName, LossSpec, ModelSpec, OptimizerName, OptimizerSpec,
} from './model/spec.js';
export { loadModel, DEFAULT_MAX_PARAMETERS, type LoadOptions } from './io/json.js';
export type { ModelJSON } from './io/format.js';
export type { Matrix, MatrixLike, TargetsLike } from './types.js';
export * from './data/index.js';
