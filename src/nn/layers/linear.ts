/** Linear (fully connected) layer: y = x W^T + b. */
import { addmm } from '../../core/ops/matmul.js';
import type { Generator } from '../../core/random.js';
import { fmt } from '../../core/shape.js';
import { Tensor } from '../../core/tensor.js';
import { calculateFanInAndFanOut, kaimingUniform_, uniform_ } from '../init.js';
import { Module } from '../module.js';
import { Parameter } from '../parameter.js';

/**
 * y = x W^T + b over the last dim of `x`, any number of leading dims: (*, in) -> (*, out), with
 * `weight` (out, in) and `bias` (out) or null (as `torch.nn.functional.linear`).
 */
export function linear(x: Tensor, weight: Tensor, bias: Tensor | null = null): Tensor {
  const [out, inF] = weight.shape;
  if (weight.ndim !== 2) throw new Error(`linear: weight must be 2-D (out, in), got ${fmt(weight.shape)}`);
  if (x.ndim === 0 || x.shape[x.ndim - 1] !== inF)
    throw new Error(`Linear(in=${inF}): input has last dimension ${x.ndim ? x.shape[x.ndim - 1] : 'none'}, shape ${fmt(x.shape)}`);
  if (x.dtype !== 'float32') throw new TypeError(`Linear(in=${inF}): input must be float32, got ${x.dtype}`);
  if (bias && (bias.ndim !== 1 || bias.shape[0] !== out))
    throw new Error(`linear: bias of shape ${fmt(bias.shape)} does not match weight ${fmt(weight.shape)} (expected [${out}])`);
  const lead = x.shape.slice(0, -1);
  const x2 = x.reshape([-1, inF]); // (N, in), N = prod(lead)
  const y = bias ? addmm(bias, x2, weight.T) : x2.matmul(weight.T); // (N, in) @ (in, out) (+ bias) -> (N, out)
  return y.reshape([...lead, out]); // (*, out)
}

export interface LinearOptions {
  /** Learn an additive bias (default true). */
  bias?: boolean;
  /** Generator for the initial values (default: the global one). */
  generator?: Generator;
}

/**
 * `torch.nn.Linear`: y = x W^T + b.
 *
 * Shapes: input (*, inFeatures) -> output (*, outFeatures). Parameters: `weight` (outFeatures,
 * inFeatures), `bias` (outFeatures) unless `bias: false`. Initialisation as PyTorch: weight
 * kaiming_uniform(a = sqrt 5), i.e. U(-1/sqrt(in), 1/sqrt(in)); bias U(-1/sqrt(in), 1/sqrt(in)).
 *
 *   const fc = new Linear(64, 10);
 *   const logits = fc.forward(x); // (B, T, 64) -> (B, T, 10)
 */
export class Linear extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;

  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    { bias = true, generator }: LinearOptions = {},
  ) {
    super();
    for (const [k, v] of [['inFeatures', inFeatures], ['outFeatures', outFeatures]] as const)
      if (!Number.isInteger(v) || v < 0) throw new RangeError(`Linear: ${k} must be a non-negative integer, got ${v}`);
    this.weight = this.registerParameter('weight', Parameter(Tensor.empty([outFeatures, inFeatures])));
    this.bias = this.registerParameter('bias', bias ? Parameter(Tensor.empty([outFeatures])) : null);
    this.resetParameters(generator);
  }

  /** Draws fresh initial values (PyTorch's `reset_parameters`). */
  resetParameters(generator?: Generator): void {
    if (this.inFeatures === 0) {
      this.weight.fill_(0);
      this.bias?.fill_(0);
      return;
    }
    kaimingUniform_(this.weight, Math.sqrt(5), { generator });
    if (this.bias) {
      const bound = 1 / Math.sqrt(calculateFanInAndFanOut(this.weight).fanIn);
      uniform_(this.bias, -bound, bound, generator);
    }
  }

  forward(x: Tensor): Tensor {
    return linear(x, this.weight, this.bias);
  }

  override extraRepr(): string {
    return `in_features=${this.inFeatures}, out_features=${this.outFeatures}, bias=${this.bias !== null}`;
  }
}
