/** The Transformer feed-forward block of ViT and Swin: fc2(gelu(fc1(x))). */
import type { Generator } from '../../core/random.js';
import type { Tensor } from '../../core/tensor.js';
import { Linear } from './linear.js';
import { Module } from '../module.js';

/**
 * `Mlp` of the parity reference modules (timm's naming): y = fc2(GELU(fc1(x))), GELU in its exact (erf)
 * form. Shapes: (*, dim) -> (*, dim). Parameters: `fc1` Linear(dim, hidden), `fc2` Linear(hidden, dim).
 *
 *   const mlp = new Mlp(64, 256);
 *   const y = mlp.forward(x); // (B, T, 64) -> (B, T, 64)
 */
export class Mlp extends Module {
  readonly fc1: Linear;
  readonly fc2: Linear;

  constructor(readonly dim: number, readonly hidden: number, { generator }: { generator?: Generator } = {}) {
    super();
    this.fc1 = this.registerModule('fc1', new Linear(dim, hidden, { generator }));
    this.fc2 = this.registerModule('fc2', new Linear(hidden, dim, { generator }));
  }

  forward(x: Tensor): Tensor {
    return this.fc2.forward(this.fc1.forward(x).gelu());
  }
}
