/** gather and indexSelect, with their scatter-add gradients. */
import { backend } from '../../backends/backend.js';
import { heap } from '../memory.js';
import { fmt, normDim, numel } from '../shape.js';
import { Tensor, withGrad } from '../tensor.js';

function checkIndex(index: Tensor, op: string): Tensor {
  if (index.dtype !== 'int32') throw new Error(`${op}: index must be an integer tensor, got ${index.dtype}`);
  return index.contiguous();
}

/** out[i][j][k] = x[i][index[i][j][k]][k] for dim = 1 (torch.gather). */
export function gather(x: Tensor, dim: number, index: Tensor): Tensor {
  const d = normDim(dim, x.ndim);
  if (index.ndim !== x.ndim) throw new Error(`gather: index of shape ${fmt(index.shape)} must have the rank of input ${fmt(x.shape)}`);
  index.shape.forEach((s, i) => {
    if (i !== d && s > x.shape[i]) throw new Error(`gather: index ${fmt(index.shape)} is larger than input ${fmt(x.shape)} in dim ${i}`);
  });
  const idx = checkIndex(index, 'gather');
  const xc = x.contiguous();
  const out = Tensor.empty(index.shape, x.dtype);
  const src = x.dtype === 'float32' ? heap.f32 : x.dtype === 'int32' ? heap.i32 : heap.u8;
  const inner = numel(x.shape.slice(d + 1));
  const ixInner = numel(index.shape.slice(d + 1));
  const n = x.shape[d];
  const m = index.shape[d];
  const outer = numel(index.shape.slice(0, d));
  const I = heap.i32;
  const ib = idx.base;
  const xb = xc.base;
  const ob = out.base;
  // map every index element to its source element
  const pos = (o: number, j: number, k: number) => {
    const v = I[ib + (o * m + j) * ixInner + k];
    if (v < -n || v >= n) throw new RangeError(`gather: index ${v} is out of range for dim ${d} of size ${n}`);
    return o * n * inner + (v < 0 ? v + n : v) * inner + k;
  };
  for (let o = 0; o < outer; o++)
    for (let j = 0; j < m; j++)
      for (let k = 0; k < ixInner; k++) src[ob + (o * m + j) * ixInner + k] = src[xb + pos(o, j, k)];
  return withGrad('gather', out, [x], (g) => {
    const gc = g.contiguous();
    const gx = Tensor.empty(x.shape).fill_(0);
    const f = heap.f32;
    for (let o = 0; o < outer; o++)
      for (let j = 0; j < m; j++)
        for (let k = 0; k < ixInner; k++) f[gx.base + pos(o, j, k)] += f[gc.base + (o * m + j) * ixInner + k];
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
  const xc = x.float().contiguous();
  const out = Tensor.empty([...index.shape, ...x.shape.slice(1)]);
  backend().indexSelect(xc.base, rows, cols, idx.base, idx.numel, out.base);
  return withGrad('indexSelect', out, [x], (g) => [indexAdd(x.shape, g, idx, -1)]);
}

/** A zero tensor of `shape` with rows of `g` added at `index` (skipping index `skip`). */
export function indexAdd(shape: readonly number[], g: Tensor, index: Tensor, skip: number): Tensor {
  const gc = g.contiguous();
  const out = Tensor.empty(shape).fill_(0);
  backend().indexAdd(out.base, numel(shape.slice(1)), index.base, index.numel, gc.base, skip);
  return out;
}
