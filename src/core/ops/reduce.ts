/** Reductions over dims (sum, mean, var, max, min, argmax, argmin) and their gradients. */
import { backend, type ReduceOp } from '../../backends/backend.js';
import { normDim, numel, sameShape } from '../shape.js';
import { KIND } from '../storage.js';
import { Tensor, withGrad } from '../tensor.js';

function dimsOf(x: Tensor, dim: number | number[] | null): number[] {
  if (dim === null) return x.shape.map((_, i) => i);
  const ds = (Array.isArray(dim) ? dim : [dim]).map((d) => normDim(d, x.ndim));
  return [...new Set(ds)].sort((a, b) => a - b);
}

/** Reduces one dim with the kernel, keeping it as size 1. */
function reduceDim(op: ReduceOp, x: Tensor, d: number): Tensor {
  const xc = x.contiguous();
  const outer = numel(x.shape.slice(0, d));
  const inner = numel(x.shape.slice(d + 1));
  const shape = [...x.shape];
  shape[d] = 1;
  const dtype = op === 'argmax' || op === 'argmin' ? 'int32' : op === 'sum' && x.dtype === 'bool' ? 'int32' : x.dtype;
  const out = Tensor.empty(shape, dtype);
  if (x.shape[d] === 0 && op !== 'sum') throw new Error(`${op}: cannot reduce an empty dimension`);
  backend().reduce(op, xc.operand, { kind: KIND[dtype], off: out.base, strides: [] }, outer, x.shape[d], inner);
  return out;
}

function squeezeDims(t: Tensor, dims: number[]): Tensor {
  return t.reshape(t.shape.filter((_, i) => !dims.includes(i)));
}

/** Puts back the reduced dims as size 1 so a gradient broadcasts over the input. */
function unsqueezeDims(g: Tensor, dims: number[], rank: number, keepdim: boolean): Tensor {
  if (keepdim) return g;
  const shape: number[] = [];
  let k = 0;
  for (let i = 0; i < rank; i++) shape.push(dims.includes(i) ? 1 : g.shape[k++]);
  return g.reshape(shape);
}

export function sum(x: Tensor, dim: number | number[] | null, keepdim: boolean): Tensor {
  const dims = dimsOf(x, dim);
  let out = x.requiresGrad ? x.detach() : x;
  for (const d of dims) out = reduceDim('sum', out, d);
  out = keepdim ? out : squeezeDims(out, dims);
  out = out.detach();
  const inShape = x.shape;
  return withGrad('sum', out, [x], (g) => [unsqueezeDims(g, dims, inShape.length, keepdim).expand(inShape).contiguous()]);
}

export function mean(x: Tensor, dim: number | number[] | null, keepdim: boolean): Tensor {
  const dims = dimsOf(x, dim);
  const n = dims.reduce((a, d) => a * x.shape[d], 1);
  return sum(x, dims, keepdim).div(n);
}

/** Variance with Bessel's correction by default (`correction` = 1), as torch.var. */
export function variance(x: Tensor, dim: number | number[] | null, keepdim: boolean, correction: number): Tensor {
  const dims = dimsOf(x, dim);
  const n = dims.reduce((a, d) => a * x.shape[d], 1);
  const dev = x.sub(mean(x, dims, true));
  return dev.square().sum(dims, keepdim).div(Math.max(n - correction, 0));
}

/** max or min over one dim (or all); the gradient is shared evenly between tied maxima. */
export function extreme(op: 'max' | 'min', x: Tensor, dim: number | null, keepdim: boolean): Tensor {
  const dims = dimsOf(x, dim);
  let out = x.detach();
  for (const d of dims) out = reduceDim(op, out, d);
  const kept = out;
  out = keepdim ? out : squeezeDims(out, dims);
  return withGrad(op, out.detach(), [x], (g) => {
    const hit = x.detach().eq(kept).float();
    const count = hit.sum(dims, true);
    return [hit.div(count).mul(unsqueezeDims(g, dims, x.ndim, keepdim))];
  });
}

export function arg(op: 'argmax' | 'argmin', x: Tensor, dim: number | null, keepdim: boolean): Tensor {
  if (dim === null) return arg(op, x.reshape([-1]), 0, false);
  const d = normDim(dim, x.ndim);
  const out = reduceDim(op, x, d);
  return keepdim ? out : squeezeDims(out, [d]);
}

/** Sums a broadcast gradient back down to `shape` (the inverse of broadcasting). */
export function sumTo(g: Tensor, shape: readonly number[]): Tensor {
  if (sameShape(g.shape, shape)) return g;
  const lead = g.ndim - shape.length;
  const dims: number[] = [];
  for (let i = 0; i < g.ndim; i++) if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) dims.push(i);
  return sum(g, dims, true).reshape([...shape]);
}
