/** Adam and AdamW (decoupled weight decay): one update, two ways of decaying the weights. */
import { backend } from '../backends/backend.js';
import type { Tensor } from '../core/tensor.js';
import { check, Optimizer, type ParamGroup, type ParamsArg, type ParamState } from './optimizer.js';

export { adamUpdate } from './updates.js';

export interface AdamOptions {
  lr: number;
  betas: [number, number];
  eps: number;
  weightDecay: number;
  amsgrad: boolean;
  maximize: boolean;
}

/**
 * Adam (Kingma & Ba), as torch.optim.Adam; weight decay is an L2 term added to the gradient.
 *
 * Defaults: lr 1e-3, betas [0.9, 0.999], eps 1e-8, weightDecay 0, amsgrad false, maximize false.
 * State: `step`, `exp_avg` (m), `exp_avg_sq` (v), `max_exp_avg_sq` (amsgrad).
 *
 * @example
 *   const opt = new Adam(model.parameters(), { lr: 3e-4 });
 *   opt.zeroGrad(); loss.backward(); opt.step();
 */
export class Adam extends Optimizer<AdamOptions> {
  /** True for AdamW: weights decay by p·(1 − lr·weightDecay) apart from the gradient. */
  protected get decoupled(): boolean {
    return false;
  }

  constructor(params: ParamsArg<AdamOptions>, options: Partial<AdamOptions> = {}) {
    super(params, { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false, maximize: false, ...options });
  }

  protected validate(h: Partial<AdamOptions>): void {
    check(h.lr! >= 0, 'learning rate', h.lr);
    check(h.eps! >= 0, 'epsilon value', h.eps);
    if (!Array.isArray(h.betas) || h.betas.length !== 2)
      throw new Error(`${this.name}: betas must be two numbers [beta1, beta2], got ${JSON.stringify(h.betas)}`);
    check(h.betas[0] >= 0 && h.betas[0] < 1, 'beta parameter at index 0', h.betas[0]);
    check(h.betas[1] >= 0 && h.betas[1] < 1, 'beta parameter at index 1', h.betas[1]);
    check(h.weightDecay! >= 0, 'weight_decay value', h.weightDecay);
  }

  protected update(p: Tensor, grad: Tensor, state: ParamState, group: ParamGroup<AdamOptions>): void {
    const m = this.buffer(state, 'exp_avg', p);
    const v = this.buffer(state, 'exp_avg_sq', p);
    const vmax = group.amsgrad ? this.buffer(state, 'max_exp_avg_sq', p) : null;
    const step = (state.step = ((state.step as number | undefined) ?? 0) + 1);
    // the math is adamUpdate (updates.ts), run by the backend's kernel in place
    const { lr, betas, eps, weightDecay, maximize } = group;
    backend().adam({
      p: p.base, grad: grad.base, m: m.base, v: v.base, vmax: vmax ? vmax.base : -1, n: p.numel,
      step, lr, betas, eps, weightDecay, maximize, decoupled: this.decoupled,
    });
  }
}

/**
 * AdamW (Loshchilov & Hutter), as torch.optim.AdamW: Adam with decoupled weight decay,
 * p ← p·(1 − lr·weightDecay) before the Adam step.
 *
 * Defaults: as Adam, but weightDecay 0.01.
 *
 * @example
 *   const opt = new AdamW(model.parameters(), { lr: 3e-4, betas: [0.9, 0.95], weightDecay: 0.1 });
 */
export class AdamW extends Adam {
  protected override get decoupled(): boolean {
    return true;
  }

  constructor(params: ParamsArg<AdamOptions>, options: Partial<AdamOptions> = {}) {
    super(params, { weightDecay: 0.01, ...options });
  }
}
