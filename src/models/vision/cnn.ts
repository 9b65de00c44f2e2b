/**
 * A two-block convolutional classifier for small greyscale images (Fashion-MNIST, MNIST): the
 * "two-layer CNN" of Zalando's benchmark table, and the `cnn_train_img_s` workload of the benchmark.
 *
 *   block(c_in, c_out) = MaxPool2d(2)(ReLU(BatchNorm2d(Conv2d(c_in, c_out, 3, padding 1)(x))))
 *   x (B, 1, 28, 28) -> block(1, 32) -> (B, 32, 14, 14) -> block(32, 64) -> (B, 64, 7, 7)
 *     -> flatten (B, 3136) -> dropout -> Linear(3136, 128) -> ReLU -> dropout -> Linear(128, 10)
 *
 * PyTorch's names: `features.0` is the first ConvBlock (`conv`, `bn`), `features.1` the second,
 * `fc1`, `fc2` the head; the same as the module in ../shared/bench/torch_anchor.py up to naming.
 *
 * @example
 *   const cnn = new CNN({ dropout: 0.25 });
 *   const logits = cnn.forward(images); // (B, 1, 28, 28) -> (B, 10)
 */
import type { Generator } from '../../core/random.js';
import { fmt } from '../../core/shape.js';
import type { Tensor } from '../../core/tensor.js';
import { BatchNorm2d } from '../../nn/layers/batchnorm.js';
import { ModuleList } from '../../nn/layers/containers.js';
import { Dropout } from '../../nn/layers/dropout.js';
import { Linear } from '../../nn/layers/linear.js';
import { Module } from '../../nn/module.js';
import { Conv2d } from '../../nn/vision/conv.js';
import { MaxPool2d } from '../../nn/vision/pooling.js';

export interface CNNConfig {
  /** Side of the square input images; must be divisible by 4 (default 28). */
  imageSize: number;
  /** Channels of the input images (default 1). */
  inChannels: number;
  /** Number of output logits (default 10). */
  numClasses: number;
  /** Output channels of the two conv blocks (default [32, 64]). */
  channels: [number, number];
  /** Width of the hidden linear layer (default 128). */
  hidden: number;
  /** Dropout probability before each linear layer (default 0.25). */
  dropout: number;
}

export const defaultCNNConfig: CNNConfig = { imageSize: 28, inChannels: 1, numClasses: 10, channels: [32, 64], hidden: 128, dropout: 0.25 };

/** What is wrong with a CNN config, as a phrase naming the field, or null. */
export function cnnConfigProblem(c: CNNConfig): string | null {
  const posInt = (v: unknown) => Number.isInteger(v) && (v as number) >= 1;
  for (const k of ['imageSize', 'inChannels', 'numClasses', 'hidden'] as const) if (!posInt(c[k])) return `${k} = ${JSON.stringify(c[k])}, expected a positive integer`;
  if (c.imageSize % 4 !== 0) return `imageSize = ${c.imageSize}, expected a multiple of 4 (two 2x2 poolings)`;
  if (!Array.isArray(c.channels) || c.channels.length !== 2 || !c.channels.every(posInt)) return `channels = ${JSON.stringify(c.channels)}, expected two positive integers`;
  if (!(typeof c.dropout === 'number' && c.dropout >= 0 && c.dropout < 1)) return `dropout = ${JSON.stringify(c.dropout)}, expected a number in [0, 1)`;
  return null;
}

/** Conv2d(cIn, cOut, 3, padding 1) -> BatchNorm2d -> ReLU -> MaxPool2d(2): (B, cIn, H, W) -> (B, cOut, H/2, W/2). */
export class ConvBlock extends Module {
  readonly conv: Conv2d;
  readonly bn: BatchNorm2d;
  readonly pool: MaxPool2d;

  constructor(cIn: number, cOut: number, { generator }: { generator?: Generator } = {}) {
    super();
    this.conv = this.registerModule('conv', new Conv2d(cIn, cOut, 3, { padding: 1, generator }));
    this.bn = this.registerModule('bn', new BatchNorm2d(cOut));
    this.pool = this.registerModule('pool', new MaxPool2d(2));
  }

  forward(x: Tensor): Tensor {
    // ReLU after the pooling, on a quarter of the values: max(relu(a), relu(b)) = relu(max(a, b)) since
    // ReLU is monotone, and the gradients agree too (both are 0 where the window's max is <= 0)
    return this.pool.forward(this.bn.forward(this.conv.forward(x))).relu();
  }
}

/** The classifier head: flatten -> dropout -> fc1 -> ReLU -> dropout -> fc2. */
export class ClassifierHead extends Module {
  readonly drop: Dropout;
  readonly fc1: Linear;
  readonly fc2: Linear;

  constructor(inFeatures: number, hidden: number, numClasses: number, dropout: number, { generator }: { generator?: Generator } = {}) {
    super();
    this.drop = this.registerModule('drop', new Dropout(dropout));
    this.fc1 = this.registerModule('fc1', new Linear(inFeatures, hidden, { generator }));
    this.fc2 = this.registerModule('fc2', new Linear(hidden, numClasses, { generator }));
  }

  forward(x: Tensor): Tensor {
    const h = this.fc1.forward(this.drop.forward(x.flatten(1))).relu(); // (B, C*H*W) -> (B, hidden)
    return this.fc2.forward(this.drop.forward(h)); // (B, numClasses)
  }
}

/** The two-block CNN. Shapes: images (B, inChannels, imageSize, imageSize) -> logits (B, numClasses). */
export class CNN extends Module {
  readonly config: CNNConfig;
  readonly features: ModuleList<Module & { forward(x: Tensor): Tensor }>;
  readonly head: ClassifierHead;

  constructor(config: Partial<CNNConfig> = {}, { generator, blocks }: { generator?: Generator; blocks?: (Module & { forward(x: Tensor): Tensor })[] } = {}) {
    super();
    const c = (this.config = { ...defaultCNNConfig, ...config });
    const problem = cnnConfigProblem(c);
    if (problem) throw new RangeError(`CNN: ${problem}`);
    const [c1, c2] = c.channels;
    this.features = this.registerModule('features', new ModuleList(blocks ?? [new ConvBlock(c.inChannels, c1, { generator }), new ConvBlock(c1, c2, { generator })]));
    const side = c.imageSize / 4;
    this.head = this.registerModule('head', new ClassifierHead(c2 * side * side, c.hidden, c.numClasses, c.dropout, { generator }));
  }

  forward(images: Tensor): Tensor {
    const { imageSize: S, inChannels: C } = this.config;
    if (images.ndim !== 4 || images.shape[1] !== C || images.shape[2] !== S || images.shape[3] !== S)
      throw new Error(`${this.constructor.name}: expected images (B, ${C}, ${S}, ${S}), got ${fmt(images.shape)}`);
    let x = images;
    for (const block of this.features) x = block.forward(x); // (B, c1, S/2, S/2) -> (B, c2, S/4, S/4)
    return this.head.forward(x);
  }
}
