/** Stochastic gradient descent with momentum, dampening, weight decay and Nesterov momentum. */
import type { Tensor } from '../core/tensor.js';
import { check, flat, Optimizer, type ParamGroup, type ParamsArg, type ParamState } from './optimizer.js';

export interface SGDOptions {
  lr: number;
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;
  maximize: boolean;
}

/**
 * One SGD step on flat arrays, in place (torch.optim.sgd `_single_tensor_sgd`):
 *
 *   g = ±grad + weightDecay·p
 *   buf = g                                     on the first step (`first`, no dampening)
 *   buf = momentum·buf + (1 − dampening)·g      after
 *   g = g + momentum·buf   (nesterov)   or   g = buf
 *   p = p − lr·g
 *
 * `buf` is null when momentum is 0.
 */
export function sgdUpdate(p: Float32Array, grad: Float32Array, buf: Float32Array | null, first: boolean, h: SGDOptions): void {
  const { lr, momentum, dampening, weightDecay, nesterov, maximize } = h;
  const keep = 1 - dampening;
  for (let i = 0; i < p.length; i++) {
    let g = maximize ? -grad[i] : grad[i];
    if (weightDecay !== 0) g += weightDecay * p[i];
    if (buf) {
      buf[i] = first ? g : momentum * buf[i] + keep * g;
      g = nesterov ? g + momentum * buf[i] : buf[i];
    }
    p[i] -= lr * g;
  }
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
    sgdUpdate(flat(p), flat(grad), buf && flat(buf), first, group);
  }
}
