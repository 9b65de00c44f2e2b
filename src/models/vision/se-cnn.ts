/**
 * The two-block CNN (cnn.ts) with squeeze-and-excitation channel attention (Hu et al. 2018) after each
 * conv block: every block's C feature maps are rescaled by a gate computed from their global means,
 *
 *   block(c_in, c_out) = SE(MaxPool2d(2)(ReLU(BatchNorm2d(Conv2d(c_in, c_out, 3, padding 1)(x)))))
 *   s = sigmoid(fc2(relu(fc1(mean_hw(h)))))  (B, C);   SE(h) = h * s[:, :, None, None]
 *
 * Names: `features.{i}.conv`, `.bn`, `.se.fc1`, `.se.fc2`, then `head` as in CNN.
 *
 * @example
 *   const net = new SECNN({ reduction: 8 });
 *   const logits = net.forward(images); // (B, 1, 28, 28) -> (B, 10)
 */
import type { Generator } from '../../core/random.js';
import type { Tensor } from '../../core/tensor.js';
import { CNN, cnnConfigProblem, ConvBlock, defaultCNNConfig, type CNNConfig } from './cnn.js';
import { SqueezeExcitation } from './squeeze-excitation.js';

export interface SECNNConfig extends CNNConfig {
  /** The SE bottleneck is channels / reduction wide (default 8: 4 and 8 hidden units). */
  reduction: number;
}

export const defaultSECNNConfig: SECNNConfig = { ...defaultCNNConfig, reduction: 8 };

/** What is wrong with an SE-CNN config, as a phrase naming the field, or null. */
export function seCNNConfigProblem(c: SECNNConfig): string | null {
  const p = cnnConfigProblem(c);
  if (p) return p;
  if (!Number.isInteger(c.reduction) || c.reduction < 1 || c.channels.some((ch) => Math.floor(ch / c.reduction) < 1))
    return `reduction = ${JSON.stringify(c.reduction)}, expected a positive integer at most the smallest channel count`;
  return null;
}

/** ConvBlock followed by SqueezeExcitation: (B, cIn, H, W) -> (B, cOut, H/2, W/2). */
export class SEConvBlock extends ConvBlock {
  readonly se: SqueezeExcitation;

  constructor(cIn: number, cOut: number, reduction: number, { generator }: { generator?: Generator } = {}) {
    super(cIn, cOut, { generator });
    this.se = this.registerModule('se', new SqueezeExcitation(cOut, { reduction, generator }));
  }

  override forward(x: Tensor): Tensor {
    return this.se.forward(super.forward(x));
  }
}

/** CNN with SE blocks. Shapes: images (B, inChannels, imageSize, imageSize) -> logits (B, numClasses). */
export class SECNN extends CNN {
  declare readonly config: SECNNConfig;

  constructor(config: Partial<SECNNConfig> = {}, { generator }: { generator?: Generator } = {}) {
    const c = { ...defaultSECNNConfig, ...config };
    const problem = seCNNConfigProblem(c);
    if (problem) throw new RangeError(`SECNN: ${problem}`);
    const [c1, c2] = c.channels;
    super(c, { generator, blocks: [new SEConvBlock(c.inChannels, c1, c.reduction, { generator }), new SEConvBlock(c1, c2, c.reduction, { generator })] });
  }
}
