/**
 * Layer normalisation as one fused op: one forward kernel and one backward kernel over rows, instead of
 * a chain of mean/sub/var/div ops that would each allocate and be differentiated separately.
 *
 * The kernels are plain TypeScript over the heap here; they are the specification for a future
 * `layerNorm` / `layerNormBackward` pair in the backend interface (src/backends/backend.ts), at which
 * point these two functions move to the reference backend unchanged.
 */
import { heap } from '../core/memory.js';
import { fmt, numel } from '../core/shape.js';
import { Tensor, withGrad } from '../core/tensor.js';
import { ones_, zeros_ } from './init.js';
import { Module } from './module.js';
import { Parameter } from './parameter.js';

/**
 * Forward over `rows` contiguous rows of `D` f32 elements (all arguments are element offsets into
 * heap.f32; `w`/`b` are -1 when absent):
 *   mean = sum(x) / D,  rstd = 1 / sqrt(sum((x - mean)^2) / D + eps)  (biased variance)
 *   y = (x - mean) * rstd * w + b
 * `mean` and `rstd` (one per row) are saved for the backward pass.
 */
function layerNormKernel(x: number, w: number, b: number, y: number, mean: number, rstd: number, rows: number, D: number, eps: number): void {
  const f = heap.f32;
  for (let r = 0; r < rows; r++) {
    const xo = x + r * D;
    const yo = y + r * D;
    let s = 0;
    for (let i = 0; i < D; i++) s += f[xo + i];
    const mu = s / D;
    let v = 0;
    for (let i = 0; i < D; i++) {
      const d = f[xo + i] - mu;
      v += d * d;
    }
    const rs = 1 / Math.sqrt(v / D + eps);
    f[mean + r] = mu;
    f[rstd + r] = rs;
    for (let i = 0; i < D; i++) {
      let o = (f[xo + i] - mu) * rs;
      if (w >= 0) o *= f[w + i];
      if (b >= 0) o += f[b + i];
      f[yo + i] = o;
    }
  }
}

/**
 * Backward of `layerNormKernel`, with xhat = (x - mean) * rstd and g = dy * w (dy when w is absent):
 *   dx = rstd * (g - mean(g) - xhat * mean(g * xhat))      (skipped when dx = -1)
 *   dw += sum over rows of dy * xhat,  db += sum over rows of dy   (skipped when -1; must start at 0)
 */
function layerNormBackwardKernel(
  x: number, w: number, mean: number, rstd: number, dy: number,
  dx: number, dw: number, db: number, rows: number, D: number,
): void {
  const f = heap.f32;
  for (let r = 0; r < rows; r++) {
    const xo = x + r * D;
    const go = dy + r * D;
    const mu = f[mean + r];
    const rs = f[rstd + r];
    let sg = 0;
    let sgx = 0;
    for (let i = 0; i < D; i++) {
      const xh = (f[xo + i] - mu) * rs;
      const gy = f[go + i];
      const g = w >= 0 ? gy * f[w + i] : gy;
      sg += g;
      sgx += g * xh;
      if (dw >= 0) f[dw + i] += gy * xh;
      if (db >= 0) f[db + i] += gy;
    }
    if (dx < 0) continue;
    const mg = sg / D;
    const mgx = sgx / D;
    const xo2 = dx + r * D;
    for (let i = 0; i < D; i++) {
      const xh = (f[xo + i] - mu) * rs;
      const g = w >= 0 ? f[go + i] * f[w + i] : f[go + i];
      f[xo2 + i] = rs * (g - mg - xh * mgx);
    }
  }
}

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
  layerNormKernel(xc.base, wc ? wc.base : -1, bc ? bc.base : -1, y.base, mean.base, rstd.base, rows, D, eps);

  const inputs = [x, ...(weight ? [weight] : []), ...(bias ? [bias] : [])];
  return withGrad('layerNorm', y, inputs, (g) => {
    const gc = g.contiguous();
    const dx = x.requiresGrad ? Tensor.empty(x.shape) : null;
    const dw = weight?.requiresGrad ? Tensor.empty(ns).fill_(0) : null;
    const db = bias?.requiresGrad ? Tensor.empty(ns).fill_(0) : null;
    layerNormBackwardKernel(
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
