/**
 * Finite-difference gradient checking (torch.autograd.gradcheck, for float32).
 *
 * An output of several elements is reduced with a fixed random cotangent w, L = sum(out * w), so every
 * output element takes part; a one-element output is L itself (w = 1), so that the tolerances apply to
 * its gradient unscaled. The analytic gradient dL/dx of every float input that requires grad comes
 * from `backward()`; the numeric one from central differences, element by element, under `noGrad`:
 *
 *   dL/dx_i ~ (L(x_i + eps) - L(x_i - eps)) / (x_i+ - x_i-)
 *
 * where x_i+- are the perturbed values as stored in float32, and L is summed in float64 from the float32
 * outputs. Tolerances: a float32 output carries a relative rounding error of about 6e-8, so with
 * eps = 1e-3 the difference quotient is off by about |out| * 6e-8 / 1e-3 ~ 1e-4 from rounding and by
 * O(eps^2 f''') from truncation; atol = rtol = 1e-2 pass every correct gradient with a wide margin and
 * still catch a wrong factor or a dropped term. Keep inputs away from kinks (relu and abs at 0, ties in
 * max/min, clamp bounds), where the two sides of the difference disagree.
 *
 * @example
 *   const x = randn([3, 4], { requiresGrad: true });
 *   gradcheck((x) => x.softmax(0), [x]); // true, or throws naming the input and element
 */
import { noGrad } from './autograd.js';
import { heap } from './memory.js';
import { Generator } from './random.js';
import { fmt } from './shape.js';
import { Tensor } from './tensor.js';

export interface GradcheckOptions {
  /** Perturbation of each element (default 1e-3). */
  eps?: number;
  /** Absolute tolerance (default 1e-2). */
  atol?: number;
  /** Relative tolerance, times |numeric| (default 1e-2). */
  rtol?: number;
  /** Seed of the random cotangent (default 0). */
  seed?: number;
}

/** Checks `fn`'s analytic gradients against central differences; returns true or throws on a mismatch. */
export function gradcheck(fn: (...inputs: Tensor[]) => Tensor, inputs: Tensor[], opts: GradcheckOptions = {}): true {
  const { eps = 1e-3, atol = 1e-2, rtol = 1e-2, seed = 0 } = opts;
  const checked = inputs.map((x, k) => {
    if (!x.requiresGrad || x.dtype !== 'float32') return false;
    if (!x.isLeaf) throw new Error(`gradcheck: input ${k} must be a leaf tensor (it has gradFn ${x.gradFn!.name})`);
    if (x.strides.some((s, d) => s === 0 && x.shape[d] > 1))
      throw new Error(`gradcheck: input ${k} of shape ${fmt(x.shape)} is an expanded view; its elements alias`);
    return true;
  });
  if (!checked.some(Boolean)) throw new Error('gradcheck: no float32 input requires grad');

  // analytic: backward of L = sum(out * w)
  const saved = inputs.map((x) => x.grad);
  inputs.forEach((x) => (x.grad = null));
  const out = fn(...inputs);
  if (out.dtype !== 'float32') throw new Error(`gradcheck: output must be float32, got ${out.dtype}`);
  if (!out.requiresGrad) throw new Error('gradcheck: output does not depend on any input that requires grad');
  const gen = new Generator(seed);
  const w = out.numel === 1 ? Float64Array.of(1) : Float64Array.from({ length: out.numel }, () => Math.fround(gen.normal()));
  out.mul(fromFloat64(w, out.shape)).sum().backward();
  const analytic = inputs.map((x, k) => (checked[k] ? (x.grad ? x.grad.toArray() : new Float32Array(x.numel)) : null));
  inputs.forEach((x, k) => (x.grad = saved[k]));

  // numeric: central differences, one element at a time
  const loss = (): number => {
    const o = noGrad(() => fn(...inputs)).toArray();
    let s = 0;
    for (let i = 0; i < o.length; i++) s += o[i] * w[i];
    return s;
  };
  inputs.forEach((x, k) => {
    const a = analytic[k];
    if (!a) return;
    for (let i = 0; i < x.numel; i++) {
      const at = elementOffset(x, i);
      const v = heap.f32[x.base + at];
      heap.f32[x.base + at] = v + eps;
      const hi = heap.f32[x.base + at];
      const lp = loss();
      heap.f32[x.base + at] = v - eps;
      const lo = heap.f32[x.base + at];
      const lm = loss();
      heap.f32[x.base + at] = v;
      const numeric = (lp - lm) / (hi - lo);
      if (!(Math.abs(a[i] - numeric) <= atol + rtol * Math.abs(numeric)))
        throw new Error(
          `gradcheck: input ${k} (shape ${fmt(x.shape)}), element ${i} [${unravel(x.shape, i).join(', ')}]: ` +
            `analytic ${a[i]} vs numeric ${numeric} (allowed difference ${atol + rtol * Math.abs(numeric)})`,
        );
    }
  });
  return true;
}

/** A float32 tensor of `shape` holding `values`. */
function fromFloat64(values: Float64Array, shape: readonly number[]): Tensor {
  const t = Tensor.empty(shape);
  heap.f32.set(values, t.base);
  return t;
}

/** The row-major index of element `i` of `shape`. */
function unravel(shape: readonly number[], i: number): number[] {
  const idx = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    idx[d] = i % shape[d];
    i = Math.floor(i / shape[d]);
  }
  return idx;
}

/** Offset of row-major element `i` of a (possibly strided) view, from its first element. */
function elementOffset(x: Tensor, i: number): number {
  return unravel(x.shape, i).reduce((off, v, d) => off + v * x.strides[d], 0);
}
