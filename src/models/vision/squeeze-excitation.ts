/** Squeeze-and-Excitation (Hu et al. 2018): channel attention from globally pooled features. */
import type { Generator } from '../../core/random.js';
import { fmt } from '../../core/shape.js';
import type { Tensor } from '../../core/tensor.js';
import { Linear } from '../../nn/layers/linear.js';
import { Module } from '../../nn/module.js';

export interface SqueezeExcitationOptions {
  /** The bottleneck is channels / reduction wide (integer division) (default 4). */
  reduction?: number;
  generator?: Generator;
}

/**
 * `SqueezeExcitation` of the parity reference modules: each channel is rescaled by a gate computed from
 * the mean of every channel,
 *
 *   s = sigmoid(fc2(relu(fc1(mean_hw(x)))))   (B, C);   y = x * s[:, :, None, None]
 *
 * Shapes: (B, C, H, W) -> (B, C, H, W). Parameters: `fc1` Linear(C, C / reduction), `fc2`
 * Linear(C / reduction, C).
 *
 *   const se = new SqueezeExcitation(64, { reduction: 16 });
 *   const y = se.forward(x); // (B, 64, H, W) -> (B, 64, H, W)
 */
export class SqueezeExcitation extends Module {
  readonly fc1: Linear;
  readonly fc2: Linear;

  constructor(readonly channels: number, { reduction = 4, generator }: SqueezeExcitationOptions = {}) {
    super();
    if (!Number.isInteger(reduction) || reduction < 1) throw new RangeError(`SqueezeExcitation: reduction must be a positive integer, got ${reduction}`);
    const hidden = Math.floor(channels / reduction);
    this.fc1 = this.registerModule('fc1', new Linear(channels, hidden, { generator }));
    this.fc2 = this.registerModule('fc2', new Linear(hidden, channels, { generator }));
  }

  forward(x: Tensor): Tensor {
    if (x.ndim !== 4 || x.shape[1] !== this.channels)
      throw new Error(`SqueezeExcitation(${this.channels}): expected input (B, ${this.channels}, H, W), got ${fmt(x.shape)}`);
    const s = this.fc2.forward(this.fc1.forward(x.mean([2, 3])).relu()).sigmoid(); // (B, C)
    return x.mul(s.unsqueeze(-1).unsqueeze(-1)); // (B, C, H, W) * (B, C, 1, 1)
  }
}
