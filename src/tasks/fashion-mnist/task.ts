/**
 * The image classification task (`fashion-mnist`): Fashion-MNIST, or any data set in the MNIST layout
 * (four IDX files: 28 x 28 greyscale images, labels 0..9), with one of the models of models.ts.
 *
 * Batches. Each epoch visits the training images in a new random order (a permutation drawn by the
 * task's generator, seeded `seed + 1`), `batch` at a time, the last incomplete batch dropped. Images are
 * optionally augmented (augment.ts, random crop with padding and horizontal flip, drawn by a generator
 * seeded `seed + 2`), then normalised with the training set's mean and std (saved in the config, so
 * evaluation and prediction read images as training did).
 *
 *   x: (B, C, H, W) float32 = (pixel / 255 - mean) / std;   y: (B) int32;   logits: (B, K)
 *   loss = cross-entropy(logits, y), mean over the batch, nats
 *
 * Evaluation reads the test split: a periodic one its first `evalImages`, the final one all of it
 * (`testImages` when > 0), reporting `test_loss` and `test_accuracy`.
 *
 * Resumable state: the epoch, the position in it, the order generator's state at the epoch's start (the
 * permutation is drawn again from it) and the augmentation generator's state.
 *
 * @example
 *   const train = loadFashionMnist({ split: 'train' }), test = loadFashionMnist({ split: 'test' });
 *   const task = new FashionMnistTask({ train, test, model: 'cnn', seed: 0,
 *     config: fashionMnistConfig({ data: FASHION_MNIST_DIR, batch: 64 }, train) });
 *   await train(task, { steps: task.stepsPerEpoch * 8, lr: 2e-3, optimizer: 'adamw', ... }, { storage });
 */
import { fromArray } from '../../core/creation.js';
import { Generator } from '../../core/random.js';
import type { Tensor } from '../../core/tensor.js';
import { DataError } from '../../data/data-error.js';
import { crossEntropy } from '../../nn/functional.js';
import type { TensorModule } from '../../nn/module.js';
import type { Evaluation, ModelDescription, Task } from '../../train/task.js';
import { augmentBatch } from './augment.js';
import { evaluateImages, type ImageEvalResult, type LabelledImages } from './evaluate.js';
import { findModel, MODELS, type ImageModelSpec } from './models.js';

/** The task's settings, saved in checkpoints (`taskConfig`). */
export interface FashionMnistConfig {
  /** The folder of the four IDX files. */
  data: string;
  /** Images per step. */
  batch: number;
  /** Use only the first this many training images (0 = all). */
  trainImages: number;
  /** The final evaluation reads the first this many test images (0 = all). */
  testImages: number;
  /** Test images read by a periodic evaluation. */
  evalImages: number;
  /** Random-crop padding (0 = no crop) and horizontal flips of the training images. */
  cropPadding: number;
  flip: boolean;
  /** The training images' mean and standard deviation (pixels in [0, 1]). */
  mean: number;
  std: number;
  /** The class names, by label. */
  classes: string[];
}

/** The task's state between steps, saved in checkpoints (`taskState`). */
export interface FashionMnistState {
  epoch: number;
  position: number;
  /** The order generator's state at the start of the epoch. */
  orderRng: (number | null)[];
  augmentRng: (number | null)[];
}

export interface ImageBatch {
  /** (B, C, H, W) normalised. */
  x: Float32Array;
  y: Int32Array;
}

export interface FashionMnistTaskOptions {
  config: FashionMnistConfig;
  /** The training split (only the first trainImages are used when > 0). */
  train: LabelledImages;
  /** The test split. */
  test: LabelledImages;
  /** A model name of MODELS. */
  model: string;
  /** Overrides of the model's defaults; imageSize, inChannels and numClasses come from the data. */
  modelConfig?: Record<string, unknown>;
  seed: number;
}

/**
 * A config for `data` with the mean and std of its training images `train` (the first `trainImages`
 * when > 0) and the defaults: batch 64, all images, periodic evaluations on 1,000 test images, no
 * augmentation, the class names of `train.classes` (default '0'..'9').
 */
export function fashionMnistConfig(c: Partial<FashionMnistConfig> & { data: string }, train: LabelledImages & { classes?: readonly string[] }): FashionMnistConfig {
  const classes = [...(train.classes ?? Array.from({ length: 10 }, (_, i) => String(i)))];
  const base = { batch: 64, trainImages: 0, testImages: 0, evalImages: 1000, cropPadding: 0, flip: false, classes, ...c };
  const n = base.trainImages > 0 ? Math.min(base.trainImages, train.shape[0]) : train.shape[0];
  const px = train.images.subarray(0, n * train.shape[1] * train.shape[2] * train.shape[3]);
  let sum = 0;
  let sq = 0;
  for (const v of px) (sum += v), (sq += v * v);
  const mean = sum / px.length;
  const std = Math.sqrt(Math.max(sq / px.length - mean * mean, 1e-12));
  return { mean: Math.fround(mean), std: Math.fround(std), ...base };
}

export class FashionMnistTask implements Task<FashionMnistConfig, ImageBatch, FashionMnistState> {
  readonly name = 'fashion-mnist';
  readonly unit = 'images';
  readonly config: FashionMnistConfig;
  readonly spec: ImageModelSpec;
  readonly modelConfig: Record<string, unknown>;
  readonly trainSet: LabelledImages;
  readonly testSet: LabelledImages;
  /** Optimizer steps in one epoch: floor(training images / batch). */
  readonly stepsPerEpoch: number;
  model: TensorModule | null = null;
  private readonly orderRng: Generator;
  private readonly augmentRng: Generator;
  private orderStart: (number | null)[] = [];
  private order = new Int32Array(0);
  private epoch = 0;
  private position = 0;

  constructor({ config, train, test, model, modelConfig = {}, seed }: FashionMnistTaskOptions) {
    const problem = fashionMnistConfigProblem(config);
    if (problem) throw new Error(`FashionMnistTask: invalid config: ${problem}`);
    const spec = findModel(model);
    if (!spec) throw new Error(`FashionMnistTask: unknown model '${model}'; the models are ${MODELS.map((m) => m.name).join(', ')}`);
    const [, C, H, W] = train.shape;
    if (H !== W) throw new DataError(`${config.data}: the images are ${H} x ${W}, the models need square images`);
    if (test.shape[1] !== C || test.shape[2] !== H || test.shape[3] !== W)
      throw new DataError(`${config.data}: the test images are ${test.shape.slice(1).join(' x ')}, the training images ${train.shape.slice(1).join(' x ')}`);
    const n = config.trainImages > 0 ? Math.min(config.trainImages, train.shape[0]) : train.shape[0];
    if (n < config.batch) throw new DataError(`${config.data}: ${n} training images are fewer than one batch of ${config.batch}`);
    this.config = config;
    this.spec = spec;
    this.modelConfig = { ...spec.defaults, ...modelConfig, imageSize: H, inChannels: C, numClasses: config.classes.length };
    const mp = spec.problem(this.modelConfig as never);
    if (mp) throw new Error(`FashionMnistTask: invalid ${model} config: ${mp}`);
    this.trainSet = { images: train.images, labels: train.labels.subarray(0, n), shape: [n, C, H, W] };
    this.testSet = test;
    this.stepsPerEpoch = Math.floor(n / config.batch);
    this.orderRng = new Generator(seed + 1);
    this.augmentRng = new Generator(seed + 2);
    this.startEpoch();
  }

  /** Roughly the tensor memory of a training step: the model's bytes per image (at 28 x 28) times the pixels and the batch. */
  memoryEstimate(): number {
    const [, C, H, W] = this.trainSet.shape;
    return this.spec.bytesPerImage * ((C * H * W) / 784) * this.config.batch;
  }

  describeModel(): ModelDescription {
    return { name: this.spec.name, config: this.modelConfig };
  }

  createModel(): TensorModule {
    this.model = this.spec.create(this.modelConfig as never) as TensorModule;
    return this.model;
  }

  nextBatch(): ImageBatch {
    if (this.position + this.config.batch > this.order.length) {
      this.epoch++;
      this.startEpoch();
    }
    const { batch: B, mean, std, cropPadding, flip } = this.config;
    const [, C, H, W] = this.trainSet.shape;
    const size = C * H * W;
    const x = new Float32Array(B * size);
    const y = new Int32Array(B);
    for (let b = 0; b < B; b++) {
      const i = this.order[this.position + b];
      x.set(this.trainSet.images.subarray(i * size, (i + 1) * size), b * size);
      y[b] = this.trainSet.labels[i];
    }
    this.position += B;
    if (cropPadding > 0 || flip) augmentBatch(x, [B, C, H, W], { padding: cropPadding, flip }, this.augmentRng);
    for (let i = 0; i < x.length; i++) x[i] = (x[i] - mean) / std;
    return { x, y };
  }

  batchSize(batch: ImageBatch): number {
    return batch.y.length;
  }

  loss({ x, y }: ImageBatch): Tensor {
    const [, C, H, W] = this.trainSet.shape;
    const B = y.length;
    const logits = this.net().forward(fromArray(x, [B, C, H, W])); // (B, K)
    return crossEntropy(logits, fromArray(y, [B], { dtype: 'int32' }));
  }

  /** The metrics of the test split (the first `limit` images, default all or testImages). */
  measure(limit?: number): ImageEvalResult {
    const { mean, std, classes, testImages } = this.config;
    return evaluateImages(this.net(), this.testSet, { numClasses: classes.length, mean, std, limit: limit ?? (testImages > 0 ? testImages : undefined) });
  }

  evaluate(kind: 'periodic' | 'final'): Evaluation {
    const r = this.measure(kind === 'periodic' ? this.config.evalImages : undefined);
    return {
      metrics: { test_loss: r.loss, test_accuracy: r.accuracy },
      summary: `test accuracy ${(100 * r.accuracy).toFixed(2)}%, loss ${r.loss.toFixed(4)} (${r.count.toLocaleString('en-US')} images)`,
    };
  }

  saveState(): { json: FashionMnistState } {
    return { json: { epoch: this.epoch, position: this.position, orderRng: this.orderStart, augmentRng: this.augmentRng.getState() } };
  }

  loadState(json: FashionMnistState): void {
    const { epoch, position } = json;
    if (!Number.isInteger(epoch) || epoch < 0 || !Number.isInteger(position) || position < 0 || position > this.stepsPerEpoch * this.config.batch)
      throw new Error(`invalid data position: epoch ${JSON.stringify(epoch)}, position ${JSON.stringify(position)} (an epoch has ${this.trainSet.shape[0]} images)`);
    try {
      this.orderRng.setState(json.orderRng as number[]);
      this.augmentRng.setState(json.augmentRng as number[]);
    } catch (e) {
      throw new Error(`invalid RNG state: ${(e as Error).message}`);
    }
    this.epoch = epoch;
    this.startEpoch();
    this.position = position;
  }

  /** A new random order of the training images (Fisher-Yates), from the order generator. */
  private startEpoch(): void {
    this.orderStart = this.orderRng.getState();
    const n = this.trainSet.shape[0];
    const order = Int32Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = this.orderRng.int(0, i + 1);
      [order[i], order[j]] = [order[j], order[i]];
    }
    this.order = order;
    this.position = 0;
  }

  private net(): TensorModule {
    if (!this.model) throw new Error('FashionMnistTask: call createModel() first');
    return this.model;
  }
}

/** What is wrong with a fashion-mnist config read from a file, as a phrase naming the field, or null. */
export function fashionMnistConfigProblem(config: object): string | null {
  const c = config as Record<string, unknown>;
  const want = (ok: boolean, key: string, what: string) => (ok ? null : `${key} = ${JSON.stringify(c[key])}, expected ${what}`);
  const isInt = (k: string, min: number) => Number.isInteger(c[k]) && (c[k] as number) >= min;
  const isNum = (k: string) => typeof c[k] === 'number' && Number.isFinite(c[k]);
  return (
    want(typeof c.data === 'string', 'data', 'a folder path') ??
    want(isInt('batch', 1), 'batch', 'a positive integer') ??
    want(isInt('trainImages', 0), 'trainImages', 'a non-negative integer') ??
    want(isInt('testImages', 0), 'testImages', 'a non-negative integer') ??
    want(isInt('evalImages', 1), 'evalImages', 'a positive integer') ??
    want(isInt('cropPadding', 0), 'cropPadding', 'a non-negative integer') ??
    want(typeof c.flip === 'boolean', 'flip', 'a boolean') ??
    want(isNum('mean'), 'mean', 'a number') ??
    want(isNum('std') && (c.std as number) > 0, 'std', 'a positive number') ??
    want(Array.isArray(c.classes) && c.classes.length >= 2 && c.classes.every((s) => typeof s === 'string'), 'classes', 'a list of at least two class names')
  );
}
