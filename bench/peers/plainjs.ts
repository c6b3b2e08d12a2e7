/**
 * The floor: the same minibatch SGD written as plain JavaScript loops over Float32Arrays —
 * forward (row · W + b, ReLU), softmax + cross-entropy, backward (dW = Aᵀ·dZ, db = Σ dZ,
 * dA = dZ·Wᵀ), update — with the loop orders a careful JS programmer would pick (inner loops
 * run along contiguous rows) and no allocation per batch. What a library has to beat to be
 * worth a dependency.
 */
import type { Dataset, InferenceContender, LayerWeights, Sizes, TrainContender } from './harness.js';

class PlainNet {
  readonly sizes: Sizes;
  readonly weights: Float32Array[];
  readonly biases: Float32Array[];
  private readonly dweights: Float32Array[];
  private readonly dbiases: Float32Array[];
  /** acts[0] is the input batch; acts[i] layer i's output (batch, sizes[i]); grads the same shapes. */
  private acts: Float32Array[] = [];
  private grads: Float32Array[] = [];
  private capacity = 0;

  constructor(sizes: Sizes, weights: readonly LayerWeights[]) {
    this.sizes = sizes;
    this.weights = weights.map((l) => l.weight.slice());
    this.biases = weights.map((l) => l.bias.slice());
    this.dweights = weights.map((l) => new Float32Array(l.weight.length));
    this.dbiases = weights.map((l) => new Float32Array(l.bias.length));
  }

  set(weights: readonly LayerWeights[]): void {
    weights.forEach((l, i) => { this.weights[i].set(l.weight); this.biases[i].set(l.bias); });
  }

  private ensure(m: number): void {
    if (m <= this.capacity) return;
    this.acts = this.sizes.map((n) => new Float32Array(m * n));
    this.grads = this.sizes.map((n) => new Float32Array(m * n));
    this.capacity = m;
  }

  /** Softmax outputs of the m rows already in acts[0]; returns the last activation buffer. */
  forward(m: number): Float32Array {
    const { sizes, acts } = this;
    const layers = sizes.length - 1;
    for (let l = 0; l < layers; l++) {
      const k = sizes[l], n = sizes[l + 1];
      const inp = acts[l], out = acts[l + 1], w = this.weights[l], b = this.biases[l];
      for (let r = 0; r < m; r++) {
        const o = r * n;
        for (let j = 0; j < n; j++) out[o + j] = b[j];
        for (let p = 0; p < k; p++) {
          const a = inp[r * k + p];
          if (a === 0) continue;
          const wo = p * n;
          for (let j = 0; j < n; j++) out[o + j] += a * w[wo + j];
        }
        if (l < layers - 1) {
          for (let j = 0; j < n; j++) if (out[o + j] < 0) out[o + j] = 0;
        } else {
          let max = -Infinity;
          for (let j = 0; j < n; j++) if (out[o + j] > max) max = out[o + j];
          let sum = 0;
          for (let j = 0; j < n; j++) { const e = Math.exp(out[o + j] - max); out[o + j] = e; sum += e; }
          for (let j = 0; j < n; j++) out[o + j] /= sum;
        }
      }
    }
    return acts[layers];
  }

  /** One SGD step on m rows (x rows picked by `rowIndex`); returns the mean loss before the step. */
  step(x: Float32Array, labels: Int32Array, rowIndex: ArrayLike<number>, start: number, m: number, lr: number): number {
    this.ensure(m);
    const { sizes, acts, grads } = this;
    const layers = sizes.length - 1;
    const k0 = sizes[0];
    for (let r = 0; r < m; r++) {
      const row = rowIndex[start + r];
      acts[0].set(x.subarray(row * k0, row * k0 + k0), r * k0);
    }
    const probs = this.forward(m);
    const classes = sizes[layers];
    let loss = 0;
    const dz = grads[layers];
    for (let r = 0; r < m; r++) {
      const label = labels[rowIndex[start + r]];
      loss -= Math.log(Math.max(probs[r * classes + label], 1e-30));
      for (let j = 0; j < classes; j++) dz[r * classes + j] = (probs[r * classes + j] - (j === label ? 1 : 0)) / m;
    }
    for (let l = layers - 1; l >= 0; l--) {
      const k = sizes[l], n = sizes[l + 1];
      const inp = acts[l], dout = grads[l + 1], w = this.weights[l], dw = this.dweights[l], db = this.dbiases[l];
      dw.fill(0);
      db.fill(0);
      for (let r = 0; r < m; r++) {
        for (let j = 0; j < n; j++) db[j] += dout[r * n + j];
        for (let p = 0; p < k; p++) {
          const a = inp[r * k + p];
          if (a === 0) continue;
          const wo = p * n;
          for (let j = 0; j < n; j++) dw[wo + j] += a * dout[r * n + j];
        }
      }
      if (l > 0) {
        const din = grads[l];
        for (let r = 0; r < m; r++) {
          for (let p = 0; p < k; p++) {
            if (inp[r * k + p] <= 0) { din[r * k + p] = 0; continue; } // ReLU'
            let s = 0;
            const wo = p * n;
            for (let j = 0; j < n; j++) s += dout[r * n + j] * w[wo + j];
            din[r * k + p] = s;
          }
        }
      }
    }
    for (let l = 0; l < layers; l++) {
      const w = this.weights[l], dw = this.dweights[l], b = this.biases[l], db = this.dbiases[l];
      for (let i = 0; i < w.length; i++) w[i] -= lr * dw[i];
      for (let i = 0; i < b.length; i++) b[i] -= lr * db[i];
    }
    return loss / m;
  }

  predict(data: Dataset): Float32Array {
    const classes = this.sizes[this.sizes.length - 1];
    const out = new Float32Array(data.rows * classes);
    const chunk = 256;
    this.ensure(chunk);
    for (let start = 0; start < data.rows; start += chunk) {
      const m = Math.min(chunk, data.rows - start);
      this.acts[0].set(data.x.subarray(start * data.cols, (start + m) * data.cols));
      out.set(this.forward(m).subarray(0, m * classes), start * classes);
    }
    return out;
  }
}

function shuffled(rows: number, rng: () => number): Int32Array {
  const order = new Int32Array(rows);
  for (let i = 0; i < rows; i++) order[i] = i;
  for (let i = rows - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    const t = order[i]; order[i] = order[j]; order[j] = t;
  }
  return order;
}

export const plainTrain: TrainContender = {
  name: 'plain JS (Float32Array loops)',
  note: 'hand-written forward + backprop + SGD, minibatch, no library',
  check: 'step',
  async create({ sizes, weights, learningRate }) {
    const net = new PlainNet(sizes, weights);
    return {
      step(batch, probe) {
        net.set(weights);
        const identity = Int32Array.from({ length: batch.rows }, (_, i) => i);
        const loss = net.step(batch.x, batch.labels, identity, 0, batch.rows, learningRate);
        return { loss, probs: net.predict(probe) };
      },
      train(data, batchSize, epochs, onEpoch) {
        for (let e = 0; e < epochs; e++) {
          const order = shuffled(data.rows, Math.random);
          for (let start = 0; start < data.rows; start += batchSize) {
            net.step(data.x, data.labels, order, start, Math.min(batchSize, data.rows - start), learningRate);
          }
          onEpoch();
        }
      },
      predict: (data) => net.predict(data),
      dispose() {},
    };
  },
};

export const plainInference: InferenceContender = {
  name: 'plain JS predict',
  note: 'forward loops in chunks of 256 rows',
  async create(sizes, weights) {
    const net = new PlainNet(sizes, weights);
    return { predict: (data) => net.predict(data), dispose() {} };
  },
};
