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

export type FromWorker =
  | { type: 'loading'; loaded: number; total: number }
  | { type: 'ready'; train: number; test: number; seconds: number }
  | { type: 'started'; parameters: number; batchesPerEpoch: number; trainRows: number; config: TrainConfig }
  /** Every batch's figures, sent in small groups (at most every ~50 ms). */
  | { type: 'batches'; items: { epoch: number; batch: number; loss: number; accuracy: number }[]; samplesPerSecond: number }
  /** Held-out loss and accuracy at a point of training (`at` in epochs, fractional). */
  | { type: 'validation'; at: number; loss: number; accuracy: number }
  | { type: 'epoch'; epoch: number; loss: number; accuracy: number; valLoss: number; valAccuracy: number; seconds: number; samplesPerSecond: number }
  /** Confusion matrix (row = true digit, column = predicted; 100 counts) and sample predictions on the held-out set. */
  | { type: 'evaluation'; accuracy: number; confusion: number[]; samples: SampleItem[]; mistakes: SampleItem[]; mistakeCount: number }
  | { type: 'done'; stopReason: 'completed' | 'aborted' | 'callback' | 'earlyStopping'; epochs: number; seconds: number }
  | { type: 'prediction'; id: number; probabilities: number[] | null }
  | { type: 'error'; message: string };
