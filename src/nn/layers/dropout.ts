/** Dropout: inverted dropout while training, the identity in evaluation. */
import { backend } from '../../backends/backend.js';
import { drawFrom } from '../../backends/random-state.js';
import { defaultGenerator, type Generator } from '../../core/random.js';
import { Tensor } from '../../core/tensor.js';
import { Module } from '../module.js';

function checkP(p: number): void {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`dropout probability has to be between 0 and 1, but got ${p}`);
}

/**
 * `torch.nn.functional.dropout`: while `training`, each element is zeroed with probability `p` and the
 * survivors are scaled by 1 / (1 - p), so the expected value is unchanged; otherwise `x` itself is
 * returned. The mask is drawn from the seeded generator; the gradient is the same mask times the
 * output gradient.
 */
export function dropout(x: Tensor, p = 0.5, training = true, generator: Generator = defaultGenerator): Tensor {
  checkP(p);
  if (!training || p === 0) return x;
  if (p === 1) return x.mul(0);
  const mask = Tensor.empty(x.shape); // scaled Bernoulli(1 - p) mask, same shape as x
  const keep = 1 - p;
  const scale = 1 / keep;
  drawFrom(generator, (state) => backend().dropoutMask({ mask: mask.base, n: mask.numel, threshold: keep, below: scale, above: 0, x: -1, y: -1, state }));
  return x.mul(mask);
}

/**
 * `torch.nn.Dropout(p = 0.5)`: `dropout(x, p)` in training mode, the identity after `eval()`.
 *
 *   const drop = new Dropout(0.1);
 *   h = drop.forward(h); // same shape
 */
export class Dropout extends Module {
  constructor(
    readonly p = 0.5,
    readonly generator: Generator = defaultGenerator,
  ) {
    super();
    checkP(p);
  }

  forward(x: Tensor): Tensor {
    return dropout(x, this.p, this.training, this.generator);
  }

  override extraRepr(): string {
    return `p=${this.p}`;
  }
}
