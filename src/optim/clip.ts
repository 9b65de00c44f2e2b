/** Gradient clipping, as torch.nn.utils.clip_grad_norm_ and clip_grad_value_. */
import { backend } from '../backends/backend.js';
import { scalar } from '../core/ops/elementwise.js';
import { Tensor } from '../core/tensor.js';

/** The gradients of `params` that exist, each as a contiguous float32 tensor (views where possible). */
function gradsOf(params: Tensor | Iterable<Tensor>, fn: string): Tensor[] {
  const list = params instanceof Tensor ? [params] : [...params];
  const grads: Tensor[] = [];
  for (const p of list) {
    if (!(p instanceof Tensor)) throw new Error(`${fn}: expected tensors, got ${typeof p}`);
    if (!p.grad) continue;
    if (p.grad.dtype !== 'float32') throw new Error(`${fn}: gradients must be float32, got ${p.grad.dtype}`);
    if (!p.grad.isContiguous()) {
      p.grad = p.grad.contiguous();
      p.grad.storage.kept = true;
    }
    grads.push(p.grad);
  }
  return grads;
}

/**
 * The p-norm of values given as arrays, as torch.linalg.vector_norm: (Σ|x|^p)^(1/p); p = Infinity is
 * max |x|, −Infinity min |x|, 0 the count of non-zeros. Accumulated in float64.
 */
function vectorNorm(arrays: ArrayLike<number>[], p: number): number {
  let acc = p === -Infinity ? Infinity : 0;
  for (const a of arrays)
    for (let i = 0; i < a.length; i++) {
      const x = Math.abs(a[i]);
      if (p === Infinity) acc = x > acc || Number.isNaN(x) ? x : acc;
      else if (p === -Infinity) acc = x < acc || Number.isNaN(x) ? x : acc;
      else if (p === 0) acc += x !== 0 ? 1 : 0;
      else if (p === 1) acc += x;
      else if (p === 2) acc += x * x;
      else acc += x ** p;
    }
  if (p === Infinity || p === -Infinity || p === 0 || p === 1) return acc;
  return p === 2 ? Math.sqrt(acc) : acc ** (1 / p);
}

/**
 * Scales the gradients of `params` in place so that their joint norm is at most `maxNorm`, and returns
 * the joint norm from before (torch.nn.utils.clip_grad_norm_):
 *
 *   total = ‖[‖g₁‖ₚ, ‖g₂‖ₚ, …]‖ₚ          (each in float32, as PyTorch)
 *   c = maxNorm / (total + 1e-6);   every g ← g·c when c < 1
 *
 * `normType` may be Infinity. A NaN or infinite total throws when `errorIfNonfinite`; otherwise the
 * gradients are scaled by it anyway, as PyTorch. Parameters without a gradient are skipped; with none,
 * the result is 0.
 *
 * @example
 *   loss.backward();
 *   const norm = clipGradNorm(model.parameters(), 1.0);
 *   opt.step();
 */
export function clipGradNorm(params: Tensor | Iterable<Tensor>, maxNorm: number, normType = 2, errorIfNonfinite = false): number {
  const grads = gradsOf(params, 'clipGradNorm');
  if (grads.length === 0) return 0;
  // the 2-norm (the usual case) by the backend's float64 sum of squares; other norms in TypeScript
  const norms = grads.map((g) => Math.fround(normType === 2 ? Math.sqrt(backend().sumSquares(g.base, g.numel)) : vectorNorm([g.toArray()], normType)));
  const total = Math.fround(vectorNorm([norms], normType));
  if (errorIfNonfinite && !Number.isFinite(total))
    throw new Error(
      `The total norm of order ${normType} for gradients from \`parameters\` is non-finite, so it cannot be clipped. ` +
        'To disable this error and scale the gradients by the non-finite norm anyway, set `errorIfNonfinite=false`',
    );
  const coef = Math.fround(maxNorm / Math.fround(total + 1e-6));
  if (!(coef >= 1)) {
    // g <- g * coef in place by the backend's multiply (float32 coef, as scaleInPlace)
    const c = scalar(coef);
    for (const g of grads) backend().binary('mul', g.operand, { kind: 'f32', off: c.base, strides: g.shape.map(() => 0) }, g.operand, g.shape);
  }
  return total;
}

/** x ← x·c (the kernel a WebAssembly override replaces). */
export function scaleInPlace(x: Float32Array, c: number): void {
  for (let i = 0; i < x.length; i++) x[i] *= c;
}

/**
 * Clamps every gradient of `params` to [−clipValue, clipValue] in place (torch.nn.utils.clip_grad_value_).
 * NaN stays NaN.
 *
 * @example
 *   clipGradValue(model.parameters(), 0.5);
 */
export function clipGradValue(params: Tensor | Iterable<Tensor>, clipValue: number): void {
  if (!(clipValue >= 0)) throw new Error(`clipGradValue: clipValue must be a non-negative number, got ${clipValue}`);
  // g <- min(max(g, -clipValue), clipValue) in place by the backend's maximum and minimum (NaN kept)
  const lo = scalar(-clipValue);
  const hi = scalar(clipValue);
  for (const g of gradsOf(params, 'clipGradValue')) {
    const bound = (c: Tensor) => ({ kind: 'f32' as const, off: c.base, strides: g.shape.map(() => 0) });
    backend().binary('maximum', g.operand, bound(lo), g.operand, g.shape);
    backend().binary('minimum', g.operand, bound(hi), g.operand, g.shape);
  }
}

/** x ← min(max(x, lo), hi), NaN kept. */
export function clampInPlace(x: Float32Array, lo: number, hi: number): void {
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    if (v < lo) x[i] = lo;
    else if (v > hi) x[i] = hi;
  }
}
