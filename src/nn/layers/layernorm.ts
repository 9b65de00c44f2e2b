/**
 * Layer normalisation as one fused op: one forward kernel and one backward kernel over rows
 * (`layerNorm` / `layerNormBackward` of the backend; the reference is src/backends/reference-norm.ts),
 * instead of a chain of mean/sub/var/div ops that would each allocate and be differentiated separately.
 */
import { backend } from '../../backends/backend.js';
import { fmt, numel } from '../../core/shape.js';
import { Tensor, withGrad } from '../../core/tensor.js';
import { ones_, zeros_ } from '../init.js';
import { Module } from '../module.js';
import { Parameter } from '../parameter.js';

/**
 * `torch.nn.functional.layer_norm`: normalises over the trailing dims `normalizedShape` of `x` with the
 * biased variance, then scales by `weight` and shifts by `bias` (both of shape `normalizedShape`, or
 * null). Gradients flow to `x`, `weight` and `bias`.
 */
export function layerNorm(x: Tensor, normalizedShape: number | readonly number[], weight: Tensor | null = null, bias: Tensor | null = null, eps = 1e-5): Tensor {
  const ns = typeof normalizedShape === 'number' ? [normalizedShape] : [...normalizedShape];
  const k = ns.length;
  if (x.ndim < k || x.shape.slice(x.ndim - k).some((d, i) => d !== ns[i]))
    throw new Error(`LayerNorm: given normalized_shape=${fmt(ns)}, expected input with shape [*, ${ns.join(', ')}], but got input of shape ${fmt(x.shape)}`);
  for (const [name, p] of [['weight', weight], ['bias', bias]] as const)
    if (p && (p.shape.length !== k || p.shape.some((d, i) => d !== ns[i])))
      throw new Error(`LayerNorm: ${name} of shape ${fmt(p.shape)} does not match normalized_shape ${fmt(ns)}`);
  if (x.dtype !== 'float32') throw new TypeError(`LayerNorm: input must be float32, got ${x.dtype}`);
  const D = numel(ns);
  const rows = D === 0 ? 0 : x.numel / D;
  const xc = x.contiguous(); // (rows, D) in memory
  const wc = weight?.contiguous() ?? null;
  const bc = bias?.contiguous() ?? null;
  const y = Tensor.empty(x.shape);
  const mean = Tensor.empty([rows]);
  const rstd = Tensor.empty([rows]);
  backend().layerNorm(xc.base, wc ? wc.base : -1, bc ? bc.base : -1, y.base, mean.base, rstd.base, rows, D, eps);

  const inputs = [x, ...(weight ? [weight] : []), ...(bias ? [bias] : [])];
  return withGrad('layerNorm', y, inputs, (g) => {
    const gc = g.contiguous();
    const dx = x.requiresGrad ? Tensor.empty(x.shape) : null;
    const dw = weight?.requiresGrad ? Tensor.empty(ns).fill_(0) : null;
    const db = bias?.requiresGrad ? Tensor.empty(ns).fill_(0) : null;
    backend().layerNormBackward(
      xc.base, wc ? wc.base : -1, mean.base, rstd.base, gc.base,
      dx ? dx.base : -1, dw ? dw.base : -1, db ? db.base : -1, rows, D,
    );
    return [dx, ...(weight ? [dw] : []), ...(bias ? [db] : [])];
  });
}

export interface LayerNormOptions {
  /** Added to the variance (default 1e-5). */
  eps?: number;
  /** Learn a per-element scale `weight` (ones) and shift `bias` (zeros) (default true). */
  elementwiseAffine?: boolean;
  /** With elementwiseAffine, learn `bias` too (default true). */
  bias?: boolean;
}

/**
 * `torch.nn.LayerNorm`: y = (x - E[x]) / sqrt(Var[x] + eps) * weight + bias, with the mean and the
 * biased variance taken over the last `normalizedShape.length` dims.
 *
 * Shapes: input (*, ...normalizedShape) -> output of the same shape. Parameters (with elementwiseAffine):
 * `weight` = 1 and `bias` = 0, both of shape normalizedShape.
 *
 *   const ln = new LayerNorm(64);
 *   const h = ln.forward(x); // (B, T, 64) -> (B, T, 64)
 */
export class LayerNorm extends Module {
  readonly normalizedShape: number[];
  readonly eps: number;
  readonly weight: Tensor | null;
  readonly bias: Tensor | null;

  constructor(normalizedShape: number | readonly number[], { eps = 1e-5, elementwiseAffine = true, bias = true }: LayerNormOptions = {}) {
    super();
    this.normalizedShape = typeof normalizedShape === 'number' ? [normalizedShape] : [...normalizedShape];
    if (this.normalizedShape.some((d) => !Number.isInteger(d) || d < 0))
      throw new RangeError(`LayerNorm: normalizedShape must be non-negative integers, got ${fmt(this.normalizedShape)}`);
    this.eps = eps;
    this.weight = this.registerParameter('weight', elementwiseAffine ? Parameter(Tensor.empty(this.normalizedShape)) : null);
    this.bias = this.registerParameter('bias', elementwiseAffine && bias ? Parameter(Tensor.empty(this.normalizedShape)) : null);
    this.resetParameters();
  }

  resetParameters(): void {
    if (this.weight) ones_(this.weight);
    if (this.bias) zeros_(this.bias);
  }

  forward(x: Tensor): Tensor {
    return layerNorm(x, this.normalizedShape, this.weight, this.bias, this.eps);
  }

  override extraRepr(): string {
    return `(${this.normalizedShape.join(', ')}${this.normalizedShape.length === 1 ? ',' : ''}), eps=${this.eps}, elementwise_affine=${this.weight !== null}`;
  }
}
