/** Messages between the page (main.ts) and the training worker (worker.ts). */
import type { ActivationName, OptimizerName } from '../../src/index.ts';

export interface TrainConfig {
  /** Hidden layer widths, input side first (may be empty: plain softmax regression). */
  hidden: number[];
  activation: Exclude<ActivationName, 'softmax'>;
  optimizer: OptimizerName;
  learningRate: number;
  batchSize: number;
  epochs: number;
  seed: number;
}

/** One test digit as the sample grid shows it. */
export interface SampleItem {
  /** Index in the held-out set. */
  index: number;
  label: number;
  predicted: number;
  /** Probability of the predicted class. */
  confidence: number;
  /** 784 bytes of ink, 0–255. */
  image: Uint8Array;
}

export type ToWorker =
  | { type: 'init'; dataUrl: string }
  | { type: 'train'; config: TrainConfig }
  | { type: 'stop' }
  | { type: 'predict'; id: number; pixels: Float32Array };

/** One training batch's figures. */
export interface BatchItem {
  epoch: number;
  batch: number;
  loss: number;
  accuracy: number;
}

/** Held-out loss and accuracy at a point of training (`at` in epochs, fractional). */
export interface ValidationPoint {
  at: number;
  loss: number;
  accuracy: number;
}

/** One finished epoch: training figures (fit's), held-out figures (NaN when no check was due at its end), fit's own time and rate (training only). */
export interface EpochFigures {
  epoch: number;
  loss: number;
  accuracy: number;
  valLoss: number;
  valAccuracy: number;
  seconds: number;
  samplesPerSecond: number;
}

/** Confusion matrix (row = true digit, column = predicted; 100 counts) and sample predictions on the held-out set. */
export interface Evaluation {
  accuracy: number;
  confusion: number[];
  samples: SampleItem[];
  mistakes: SampleItem[];
  mistakeCount: number;
}

export type FromWorker =
  | { type: 'loading'; loaded: number; total: number }
  | { type: 'ready'; train: number; test: number; seconds: number }
  /** The model is built: `threads` and `threadsNote` are the model's (`threadsNote`: why it got fewer threads than 'auto' asked for). */
  | { type: 'started'; parameters: number; batchesPerEpoch: number; trainRows: number; config: TrainConfig; threads: number; threadsNote: string | null }
  /**
   * What training produced since the last message, in one post (at most one every 100 ms, i.e.
   * ≤ 10 a second while training): every batch's figures, held-out points, finished epochs, and
   * the latest confusion matrix and samples (null if none since). `runs`: runs of batches `fit`
   * has trained so far in this fit (several batches each: it does not stop after every batch);
   * `samplesPerSecond`: rows trained per wall-clock second over the last ~½ s.
   */
  | { type: 'progress'; batches: BatchItem[]; validation: ValidationPoint[]; epochs: EpochFigures[]; evaluation: Evaluation | null; samplesPerSecond: number; runs: number }
  /**
   * Training ended. `seconds`: wall-clock from the first batch to the end (everything included);
   * `timing`: of that, seconds in fit's training (its epochs' own figure) and in held-out checks.
   */
  | { type: 'done'; stopReason: 'completed' | 'aborted' | 'callback' | 'earlyStopping'; epochs: number; seconds: number; timing: { fit: number; checks: number } }
  | { type: 'prediction'; id: number; probabilities: number[] | null }
  | { type: 'error'; message: string };
