/** Views (no copy: reshape of contiguous data, permute, expand, slice) and copies, with their gradients. */
import { backend } from '../../backends/backend.js';
import { contiguousStrides, fmt, inferShape, normDim, numel, sameShape } from '../shape.js';
import type { DType } from '../storage.js';
import { needsGrad, record } from '../autograd.js';
import { Tensor, withGrad } from '../tensor.js';
import { sumTo } from './reduce.js';

function viewOf(x: Tensor, shape: number[], strides: number[], offset: number): Tensor {
  return new Tensor(x.storage, shape, strides, offset);
}

/** A contiguous copy (the gradient passes through unchanged). */
export function copyOf(x: Tensor): Tensor {
  const out = Tensor.empty(x.shape, x.dtype);
  backend().copy(x.operand, out.operand, x.shape);
  return withGrad('Copy', out, [x], (g) => [g]);
}

export function cast(x: Tensor, dtype: DType): Tensor {
  if (x.dtype === dtype) return x;
  const out = Tensor.empty(x.shape, dtype);
  backend().copy(x.operand, out.operand, x.shape);
  return out;
}

/** Strides that read `x` as `shape` without a copy, or null when its layout does not allow it. */
function viewStrides(x: Tensor, shape: number[]): number[] | null {
  if (x.isContiguous()) return contiguousStrides(shape);
  // Merge x's dims into contiguous chunks and split each over the new dims (as PyTorch's computeStride).
  const out = new Array<number>(shape.length);
  let viewD = shape.length - 1;
  let chunkBase = x.strides[x.ndim - 1] ?? 1;
  let tensorNumel = 1;
  let viewNumel = 1;
  for (let d = x.ndim - 1; d >= 0; d--) {
    tensorNumel *= x.shape[d];
    if (d === 0 || (x.shape[d - 1] !== 1 && x.strides[d - 1] !== tensorNumel * chunkBase)) {
      while (viewD >= 0 && (viewNumel < tensorNumel || shape[viewD] === 1)) {
        out[viewD] = viewNumel * chunkBase;
        viewNumel *= shape[viewD];
        viewD--;
      }
      if (viewNumel !== tensorNumel) return null;
      if (d > 0) {
        chunkBase = x.strides[d - 1];
        tensorNumel = 1;
        viewNumel = 1;
      }
    }
  }
  return viewD === -1 ? out : null;
}

export function view(x: Tensor, shape: number[]): Tensor {
  const s = inferShape(shape, x.numel, 'view');
  const strides = viewStrides(x, s);
  if (!strides)
    throw new Error(`view: shape ${fmt(s)} is incompatible with the layout of a ${fmt(x.shape)} view; use reshape()`);
  const inShape = x.shape;
  return withGrad('View', viewOf(x, s, strides, x.offset), [x], (g) => [g.reshape([...inShape])]);
}

/** A view when the layout allows it, else a copy. */
export function reshape(x: Tensor, shape: number[]): Tensor {
  const s = inferShape(shape, x.numel);
  return viewStrides(x, s) ? view(x, s) : view(copyOf(x), s);
}

export function flatten(x: Tensor, start = 0, end = -1): Tensor {
  if (x.ndim === 0) return reshape(x, [1]);
  const a = normDim(start, x.ndim);
  const b = normDim(end, x.ndim);
  return reshape(x, [...x.shape.slice(0, a), numel(x.shape.slice(a, b + 1)), ...x.shape.slice(b + 1)]);
}

export function permute(x: Tensor, dims: number[]): Tensor {
  if (dims.length !== x.ndim) throw new Error(`permute: ${dims.length} dims given for a tensor of rank ${x.ndim}`);
  const d = dims.map((v) => normDim(v, x.ndim));
  if (new Set(d).size !== d.length) throw new Error(`permute: repeated dim in [${dims.join(', ')}]`);
  const inv = new Array<number>(d.length);
  d.forEach((v, i) => (inv[v] = i));
  const out = viewOf(x, d.map((i) => x.shape[i]), d.map((i) => x.strides[i]), x.offset);
  return withGrad('Permute', out, [x], (g) => [permute(g, inv)]);
}

export function transpose(x: Tensor, d0: number, d1: number): Tensor {
  const dims = x.shape.map((_, i) => i);
  const a = normDim(d0, x.ndim);
  const b = normDim(d1, x.ndim);
  [dims[a], dims[b]] = [dims[b], dims[a]];
  return permute(x, dims);
}

/** Broadcasts size-1 dims (and new leading dims) to `shape`; -1 keeps a dim. */
export function expand(x: Tensor, shape: number[]): Tensor {
  if (shape.length < x.ndim) throw new Error(`expand: target ${fmt(shape)} has fewer dims than ${fmt(x.shape)}`);
  const k = shape.length - x.ndim;
  const target = shape.map((d, i) => (d === -1 && i >= k ? x.shape[i - k] : d));
  const strides = target.map((d, i) => {
    if (i < k) {
      if (d < 0) throw new Error(`expand: size ${d} is not allowed in a new leading dim (${fmt(x.shape)} to ${fmt(shape)})`);
      return 0;
    }
    const s = x.shape[i - k];
    if (s === d) return x.strides[i - k];
    if (s === 1) return 0;
    throw new Error(`expand: cannot expand ${fmt(x.shape)} to ${fmt(shape)}`);
  });
  if (sameShape(target, x.shape)) return x;
  const inShape = x.shape;
  return withGrad('Expand', viewOf(x, target, strides, x.offset), [x], (g) => [sumTo(g, inShape)]);
}

export function unsqueeze(x: Tensor, dim: number): Tensor {
  const d = normDim(dim, x.ndim + 1);
  const shape = [...x.shape];
  const strides = [...x.strides];
  shape.splice(d, 0, 1);
  strides.splice(d, 0, d < x.ndim ? x.strides[d] * x.shape[d] : 1);
  return withGrad('Unsqueeze', viewOf(x, shape, strides, x.offset), [x], (g) => [squeeze(g, d)]);
}

export function squeeze(x: Tensor, dim?: number): Tensor {
  if (dim === undefined) return reshape(x, x.shape.filter((s) => s !== 1));
  const d = normDim(dim, x.ndim);
  if (x.shape[d] !== 1) return x;
  return reshape(x, x.shape.filter((_, i) => i !== d));
}

/** Python-style slice along one dim, as a view. */
export function slice(x: Tensor, dim: number, start: number | null, end: number | null, step: number): Tensor {
  const d = normDim(dim, x.ndim);
  const n = x.shape[d];
  if (!Number.isInteger(step) || step < 1) throw new Error(`slice: step must be a positive integer, got ${step}`);
  const clampIdx = (v: number) => Math.min(Math.max(v < 0 ? v + n : v, 0), n);
  const s = start === null ? 0 : clampIdx(start);
  const e = end === null ? n : clampIdx(end);
  const len = Math.max(0, Math.ceil((e - s) / step));
  const shape = [...x.shape];
  shape[d] = len;
  const strides = [...x.strides];
  strides[d] *= step;
  const out = viewOf(x, shape, strides, x.offset + s * x.strides[d]);
  const inShape = x.shape;
  return withGrad('Slice', out, [x], (g) => {
    const gx = Tensor.empty(inShape).fill_(0);
    slice(gx, d, s, e, step).copy_(g);
    return [gx];
  });
}

/** `length` elements from `start` (negative counts from the end) along `dim`, as a view. */
export function narrow(x: Tensor, dim: number, start: number, length: number): Tensor {
  const d = normDim(dim, x.ndim);
  const n = x.shape[d];
  const s = start < 0 ? start + n : start;
  if (s < 0 || length < 0 || s + length > n)
    throw new RangeError(`narrow: start ${start} and length ${length} are out of range for dim ${d} of size ${n}`);
  return slice(x, d, s, s + length, 1);
}

/** The sub-tensor at `index` of `dim` (that dim removed), as a view. */
export function select(x: Tensor, dim: number, index: number): Tensor {
  const d = normDim(dim, x.ndim);
  const n = x.shape[d];
  if (index < -n || index >= n) throw new RangeError(`select: index ${index} is out of range for dim ${d} of size ${n}`);
  const i = index < 0 ? index + n : index;
  return squeeze(slice(x, d, i, i + 1, 1), d);
}

/**
 * Consecutive pieces of `size` (or of the given sizes) along `dim`, as views. One autograd node for all
 * of them: the backward writes each piece's gradient into one buffer (zeros for pieces without one),
 * rather than a zero-filled input-sized tensor per piece summed up afterwards.
 */
export function split(x: Tensor, size: number | number[], dim: number): Tensor[] {
  const d = normDim(dim, x.ndim);
  const n = x.shape[d];
  const sizes = Array.isArray(size) ? size : Array.from({ length: Math.ceil(n / size) }, (_, i) => Math.min(size, n - i * size));
  if (sizes.reduce((a, b) => a + b, 0) !== n) throw new Error(`split: sizes [${sizes.join(', ')}] do not sum to ${n}`);
  const starts: number[] = [];
  let at = 0;
  const pieces = sizes.map((s) => {
    starts.push(at);
    const shape = [...x.shape];
    shape[d] = s;
    const piece = viewOf(x, shape, [...x.strides], x.offset + at * x.strides[d]);
    at += s;
    return piece;
  });
  if (needsGrad(x)) {
    const inShape = x.shape;
    record('Split', [x], pieces, (grads) => {
      const gx = Tensor.empty(inShape);
      grads.forEach((g, i) => {
        const part = viewOf(gx, pieces[i].shape as number[], [...gx.strides], starts[i] * gx.strides[d]);
        if (g) part.copy_(g);
        else part.fill_(0);
      });
      return [gx];
    });
  }
  return pieces;
}

export function chunk(x: Tensor, chunks: number, dim: number): Tensor[] {
  const n = x.shape[normDim(dim, x.ndim)];
  return split(x, Math.ceil(n / chunks), dim);
}
