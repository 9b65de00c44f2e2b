/** RMSprop, plain, with momentum, and centered. */
import { backend } from '../backends/backend.js';
import type { Tensor } from '../core/tensor.js';
import { check, Optimizer, type ParamGroup, type ParamsArg, type ParamState } from './optimizer.js';

export { rmspropUpdate } from './updates.js';

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
    const { lr, alpha, eps, weightDecay, momentum, maximize } = group;
    backend().rmsprop({ p: p.base, grad: grad.base, squareAvg: sq.base, buf: buf ? buf.base : -1, gAvg: gAvg ? gAvg.base : -1, n: p.numel, lr, alpha, eps, weightDecay, momentum, maximize });
  }
}
