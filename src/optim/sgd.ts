/** Stochastic gradient descent with momentum, dampening, weight decay and Nesterov momentum. */
import { backend } from '../backends/backend.js';
import type { Tensor } from '../core/tensor.js';
import { check, Optimizer, type ParamGroup, type ParamsArg, type ParamState } from './optimizer.js';

export { sgdUpdate } from './updates.js';

export interface SGDOptions {
  lr: number;
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;
  maximize: boolean;
}

/**
 * SGD, as torch.optim.SGD.
 *
 * Defaults: lr required, momentum 0, dampening 0, weightDecay 0, nesterov false, maximize false.
 * Nesterov needs momentum > 0 and dampening 0. State: `momentum_buffer` (when momentum ≠ 0).
 *
 * @example
 *   const opt = new SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
 *   opt.zeroGrad(); loss.backward(); opt.step();
 */
export class SGD extends Optimizer<SGDOptions> {
  constructor(params: ParamsArg<SGDOptions>, options: Partial<SGDOptions> = {}) {
    super(params, { momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, maximize: false, ...options });
  }

  protected validate(h: Partial<SGDOptions>): void {
    if (h.lr !== undefined) check(h.lr >= 0, 'learning rate', h.lr);
    check(h.momentum! >= 0, 'momentum value', h.momentum);
    check(h.weightDecay! >= 0, 'weight_decay value', h.weightDecay);
    if (h.nesterov && (!(h.momentum! > 0) || h.dampening !== 0))
      throw new Error('Nesterov momentum requires a momentum and zero dampening');
  }

  protected update(p: Tensor, grad: Tensor, state: ParamState, group: ParamGroup<SGDOptions>): void {
    let buf: Tensor | null = null;
    let first = false;
    if (group.momentum !== 0) {
      first = !('momentum_buffer' in state);
      buf = this.buffer(state, 'momentum_buffer', p);
    }
    // the math is sgdUpdate (updates.ts), run by the backend's kernel in place
    const { lr, momentum, dampening, weightDecay, nesterov, maximize } = group;
    backend().sgd({ p: p.base, grad: grad.base, buf: buf ? buf.base : -1, n: p.numel, first, lr, momentum, dampening, weightDecay, nesterov, maximize });
  }
}
