/**
 * The optimizers' update math as pure functions over flat Float32Arrays, in place: the specification
 * that the backends' `adam` / `sgd` / `rmsprop` kernels implement (the reference backend calls these on views of
 * the heap; the WebAssembly kernels repeat them step for step, in float64, bit for bit).
 */
import type { AdamOptions } from './adam.js';
import type { RMSpropOptions } from './rmsprop.js';
import type { SGDOptions } from './sgd.js';

/**
 * One Adam step on flat arrays, in place (torch.optim.adam `_single_tensor_adam`; with `decoupled`,
 * `_single_tensor_adamw`). `step` is the step number, counting from 1.
 *
 *   p = p·(1 − lr·weightDecay)                       decoupled (AdamW)
 *   g = ±grad (+ weightDecay·p unless decoupled)
 *   m = β1·m + (1 − β1)·g
 *   v = β2·v + (1 − β2)·g²
 *   vmax = max(vmax, v)                              amsgrad (then v̂ = vmax)
 *   p = p − (lr / (1 − β1^step)) · m / (√v̂ / √(1 − β2^step) + eps)
 *
 * `vmax` is null unless amsgrad.
 */
export function adamUpdate(
  p: Float32Array,
  grad: Float32Array,
  m: Float32Array,
  v: Float32Array,
  vmax: Float32Array | null,
  step: number,
  h: Pick<AdamOptions, 'lr' | 'eps' | 'weightDecay' | 'maximize'> & { betas: readonly [number, number] },
  decoupled: boolean,
): void {
  const { lr, eps, weightDecay, maximize } = h;
  const [beta1, beta2] = h.betas;
  const decay = decoupled ? 1 - lr * weightDecay : 1;
  const l2 = decoupled ? 0 : weightDecay;
  const stepSize = lr / (1 - beta1 ** step);
  const bc2Sqrt = Math.sqrt(1 - beta2 ** step);
  for (let i = 0; i < p.length; i++) {
    if (decay !== 1) p[i] *= decay;
    let g = maximize ? -grad[i] : grad[i];
    if (l2 !== 0) g += l2 * p[i];
    m[i] = beta1 * m[i] + (1 - beta1) * g;
    v[i] = beta2 * v[i] + (1 - beta2) * g * g;
    let vHat = v[i];
    if (vmax) vHat = vmax[i] = Math.max(vmax[i], vHat);
    p[i] -= (stepSize * m[i]) / (Math.sqrt(vHat) / bc2Sqrt + eps);
  }
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
  h: Omit<RMSpropOptions, 'centered'>,
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
