/**
 * Classification metrics over a labelled image set: the mean cross-entropy, the accuracy, the accuracy
 * of each class and the confusion matrix (rows: true class, columns: predicted class), read in batches
 * without gradients and in evaluation mode (BatchNorm's running statistics, no dropout).
 *
 * @example
 *   const r = evaluateImages(model, { images, labels, shape }, { numClasses: 10, mean, std });
 *   console.log(`accuracy ${(100 * r.accuracy).toFixed(2)}%`);
 */
import { noGrad } from '../../core/autograd.js';
import { fromArray } from '../../core/creation.js';
import type { Tensor } from '../../core/tensor.js';
import { crossEntropy } from '../../nn/functional.js';
import type { TensorModule } from '../../nn/module.js';

/** Images (N, C, H, W) in [0, 1], row-major, and their labels (N). */
export interface LabelledImages {
  images: Float32Array;
  labels: Int32Array;
  shape: readonly [number, number, number, number];
}

export interface ImageEvalOptions {
  numClasses: number;
  /** The normalisation of the training data: the model reads (x - mean) / std. */
  mean: number;
  std: number;
  /** Read only the first `limit` images (default all). */
  limit?: number;
  /** Images per forward pass (default 250). */
  batch?: number;
}

export interface ImageEvalResult {
  loss: number;
  accuracy: number;
  /** Images read. */
  count: number;
  /** Accuracy by true class (NaN for a class without images). */
  perClass: number[];
  /** confusion[t][p]: images of class t predicted as p. */
  confusion: number[][];
}

/** (x - mean) / std of images[from, from + n) as a (n, C, H, W) tensor. */
export function normalizedBatch(data: LabelledImages, from: number, n: number, mean: number, std: number): Tensor {
  const [, C, H, W] = data.shape;
  const size = C * H * W;
  const x = data.images.slice(from * size, (from + n) * size);
  for (let i = 0; i < x.length; i++) x[i] = (x[i] - mean) / std;
  return fromArray(x, [n, C, H, W]);
}

export function evaluateImages(model: TensorModule, data: LabelledImages, { numClasses: K, mean, std, limit, batch = 250 }: ImageEvalOptions): ImageEvalResult {
  const N = Math.min(limit ?? data.shape[0], data.shape[0]);
  const confusion = Array.from({ length: K }, () => new Array<number>(K).fill(0));
  let lossSum = 0;
  let correct = 0;
  const wasTraining = model.training;
  model.eval();
  try {
    noGrad(() => {
      for (let from = 0; from < N; from += batch) {
        const n = Math.min(batch, N - from);
        const logits = model.forward(normalizedBatch(data, from, n, mean, std)); // (n, K)
        const y = data.labels.subarray(from, from + n);
        lossSum += crossEntropy(logits, fromArray(y, [n], { dtype: 'int32' }), { reduction: 'sum' }).item();
        const pred = logits.argmax(1).toArray();
        for (let i = 0; i < n; i++) {
          confusion[y[i]][pred[i]]++;
          if (pred[i] === y[i]) correct++;
        }
      }
    });
  } finally {
    model.train(wasTraining);
  }
  const perClass = confusion.map((row, k) => row[k] / row.reduce((a, b) => a + b, 0));
  return { loss: lossSum / N, accuracy: correct / N, count: N, perClass, confusion };
}
