/** gather and indexSelect, with their scatter-add gradients. */
import { backend } from '../../backends/backend.js';
import { heap } from '../memory.js';
import { contiguousStrides, fmt, normDim, numel } from '../shape.js';
import { Tensor, withGrad } from '../tensor.js';

function checkIndex(index: Tensor, op: string): Tensor {
  if (index.dtype !== 'int32') throw new Error(`${op}: index must be an integer tensor, got ${index.dtype}`);
  return index.contiguous();
}

/**
 * For every element of `index` (row-major), the offset in contiguous `x` it reads under gather along
 * `d`: x[i0]..[index[i]]..[in] with the other coordinates taken from the index element's own position.
 */
function gatherOffsets(xShape: readonly number[], d: number, index: Tensor): Int32Array {
  const n = xShape[d];
  const xStrides = contiguousStrides(xShape);
  const values = index.toArray();
  const offs = new Int32Array(values.length);
  const pos = new Array<number>(index.ndim).fill(0);
  for (let e = 0; e < values.length; e++) {
    const v = values[e];
    if (v < -n || v >= n) throw new RangeError(`gather: index ${v} is out of range for dim ${d} of size ${n}`);
    let off = 0;
    for (let i = 0; i < pos.length; i++) off += (i === d ? (v < 0 ? v + n : v) : pos[i]) * xStrides[i];
    offs[e] = off;
    for (let i = pos.length - 1; i >= 0 && ++pos[i] === index.shape[i]; i--) pos[i] = 0;
  }
  return offs;
}

/** out[i][j][k] = x[i][index[i][j][k]][k] for dim = 1 (torch.gather). */
export function gather(x: Tensor, dim: number, index: Tensor): Tensor {
  const d = normDim(dim, x.ndim);
  if (index.ndim !== x.ndim) throw new Error(`gather: index of shape ${fmt(index.shape)} must have the rank of input ${fmt(x.shape)}`);
  index.shape.forEach((s, i) => {
    if (i !== d && s > x.shape[i]) throw new Error(`gather: index ${fmt(index.shape)} is larger than input ${fmt(x.shape)} in dim ${i}`);
  });
  checkIndex(index, 'gather');
  const offs = gatherOffsets(x.shape, d, index);
  const xc = x.contiguous();
  const out = Tensor.empty(index.shape, x.dtype);
  const a = x.dtype === 'float32' ? heap.f32 : x.dtype === 'int32' ? heap.i32 : heap.u8;
  const xb = xc.base;
  const ob = out.base;
  for (let e = 0; e < offs.length; e++) a[ob + e] = a[xb + offs[e]];
  return withGrad('gather', out, [x], (g) => {
    const gc = g.contiguous();
    const gx = Tensor.empty(x.shape).fill_(0);
    const f = heap.f32;
    const gb = gc.base;
    const gxb = gx.base;
    for (let e = 0; e < offs.length; e++) f[gxb + offs[e]] += f[gb + e];
    return [gx];
  });
}

/** Rows of `x` along `dim` picked by a 1-D (or any-shape, for dim 0) integer index. */
export function indexSelect(x: Tensor, dim: number, index: Tensor): Tensor {
  const d = normDim(dim, x.ndim);
  if (d !== 0) return indexSelect(x.transpose(0, d), 0, index).transpose(0, d);
  const idx = checkIndex(index, 'indexSelect');
  const rows = x.shape[0];
  const cols = numel(x.shape.slice(1));
  if (x.dtype !== 'float32') {
    // the kernel is f32-only; integer and bool tables (no gradient) are copied row by row
    const out = Tensor.empty([...index.shape, ...x.shape.slice(1)], x.dtype);
    const flat = out.reshape([idx.numel, ...x.shape.slice(1)]);
    idx.toArray().forEach((r, i) => flat.select(0, i).copy_(x.select(0, r)));
    return out;
  }
  const xc = x.contiguous();
  const out = Tensor.empty([...index.shape, ...x.shape.slice(1)]);
  const bad = backend().indexSelect(xc.base, rows, cols, idx.base, idx.numel, out.base);
  if (bad >= 0) throw new RangeError(`index ${heap.i32[idx.base + bad]} is out of range for ${rows} rows`);
  return withGrad('indexSelect', out, [x], (g) => [indexAdd(x.shape, g, idx, -1)]);
}

/** A zero tensor of `shape` with rows of `g` added at `index` (skipping index `skip`). */
export function indexAdd(shape: readonly number[], g: Tensor, index: Tensor, skip: number): Tensor {
  const gc = g.contiguous();
  const out = Tensor.empty(shape).fill_(0);
  backend().indexAdd(out.base, numel(shape.slice(1)), index.base, index.numel, gc.base, skip);
  return out;
}
