/**
 * The data layer's public surface: CSV and arrays to training-ready matrices, encoders and
 * scalers that travel with the model, seeded splits and shuffles, and bundled data sets. Browser
 * safe: nothing reachable from here imports a `node:` module (file paths: `src/node.ts`).
 */

export type { Cell } from './cells.js';
export { parseCSVTable, detectDelimiter, type CSVReadOptions, type CSVTable } from './csv.js';
export { subset, oneHot, type Dataset } from './dataset.js';
export { datasets, type BundledDataset, type MnistOptions } from './datasets.js';
export type { DataError, DataErrorDetails } from './errors.js';
export { streamCSV, type Batch, type CSVBatches, type CSVChunks, type CSVStreamSource, type StreamCSVOptions } from './stream.js';
export { loadCSV, parseCSV, type CSVOptions, type CSVSource, type LoadCSVOptions } from './load.js';
export { fromArrays, fromObjects, type FromArraysOptions } from './arrays.js';
export {
  Pipeline,
  type FeatureEncoder,
  type NumericEncoder,
  type OneHotEncoder,
  type PipelineJSON,
  type PipelineSpec,
  type RawRow,
  type TargetEncoder,
  type Task,
  type TransformOptions,
  type UnknownCategory,
} from './pipeline.js';
export { createRng, randomInt, randomNormal, shuffleInPlace, shuffleIndices, type Rng } from './random.js';
export { Scaler, minMaxScaler, standardScaler, type ScalerJSON, type ScalerKind } from './scaler.js';
export { scale, trainTestSplit, type ScaleOptions, type SplitOptions } from './split.js';
export type { ColumnRef, TableOptions } from './table.js';
