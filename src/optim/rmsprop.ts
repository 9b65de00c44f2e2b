/** RMSprop, plain, with momentum, and centered. */
import type { Tensor } from '../core/tensor.js';
import { check, flat, Optimizer, type ParamGroup, type ParamsArg, type ParamState } from './optimizer.js';

export interface RMSpropOptions {
  lr: number;
  alpha: number;
  eps: number;
  weightDecay: number;
  momentum: number;
  centered: boolean;
  maximize: boolean;
}

/**
 * One RMSprop step on flat arrays, in place (torch.optim.rmsprop `_single_tensor_rmsprop`):
 *
 *   g = ±grad + weightDecay·p
 *   s = α·s + (1 − α)·g²
 *   ḡ = α·ḡ + (1 − α)·g,   a = √(s − ḡ²) + eps        centered
 *   a = √s + eps                                       otherwise
 *   buf = momentum·buf + g / a,   p = p − lr·buf       momentum > 0
 *   p = p − lr·g / a                                   otherwise
 *
 * `buf` is null unless momentum > 0, `gAvg` null unless centered.
 */
export function rmspropUpdate(
  p: Float32Array,
  grad: Float32Array,
  squareAvg: Float32Array,
  buf: Float32Array | null,
  gAvg: Float32Array | null,
  h: RMSpropOptions,
): void {
  const { lr, alpha, eps, weightDecay, momentum, maximize } = h;
  for (let i = 0; i < p.length; i++) {
    let g = maximize ? -grad[i] : grad[i];
    if (weightDecay !== 0) g += weightDecay * p[i];
    squareAvg[i] = alpha * squareAvg[i] + (1 - alpha) * g * g;
    let a: number;
    if (gAvg) {
      gAvg[i] = alpha * gAvg[i] + (1 - alpha) * g;
      a = Math.sqrt(squareAvg[i] - gAvg[i] * gAvg[i]) + eps;
    } else a = Math.sqrt(squareAvg[i]) + eps;
    if (buf) {
      buf[i] = momentum * buf[i] + g / a;
      p[i] -= lr * buf[i];
    } else p[i] -= (lr * g) / a;
  }
}

/**
 * RMSprop (Hinton), as torch.optim.RMSprop.
 *
 * Defaults: lr 0.01, alpha 0.99, eps 1e-8, weightDecay 0, momentum 0, centered false, maximize false.
 * State: `step`, `square_avg`, `momentum_buffer` (momentum > 0), `grad_avg` (centered).
 *
 * @example
 *   const opt = new RMSprop(model.parameters(), { lr: 1e-3, momentum: 0.9, centered: true });
 */
export class RMSprop extends Optimizer<RMSpropOptions> {
  constructor(params: ParamsArg<RMSpropOptions>, options: Partial<RMSpropOptions> = {}) {
    super(params, { lr: 0.01, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0, centered: false, maximize: false, ...options });
  }

  protected validate(h: Partial<RMSpropOptions>): void {
    check(h.lr! >= 0, 'learning rate', h.lr);
    check(h.eps! >= 0, 'epsilon value', h.eps);
    check(h.momentum! >= 0, 'momentum value', h.momentum);
    check(h.weightDecay! >= 0, 'weight_decay value', h.weightDecay);
    check(h.alpha! >= 0, 'alpha value', h.alpha);
  }

  protected update(p: Tensor, grad: Tensor, state: ParamState, group: ParamGroup<RMSpropOptions>): void {
    const sq = this.buffer(state, 'square_avg', p);
    const buf = group.momentum > 0 ? this.buffer(state, 'momentum_buffer', p) : null;
    const gAvg = group.centered ? this.buffer(state, 'grad_avg', p) : null;
    state.step = ((state.step as number | undefined) ?? 0) + 1;
    rmspropUpdate(flat(p), flat(grad), flat(sq), buf && flat(buf), gAvg && flat(gAvg), group);
  }
}
