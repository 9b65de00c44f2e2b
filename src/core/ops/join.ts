/** cat and stack; their gradients are slices of the output gradient. */
import { fmt, normDim } from '../shape.js';
import { Tensor, withGrad } from '../tensor.js';

export function cat(ts: Tensor[], dim = 0): Tensor {
  if (ts.length === 0) throw new Error('cat: expected a non-empty list of tensors');
  const first = ts[0];
  const d = normDim(dim, first.ndim);
  ts.forEach((t, k) => {
    if (t.ndim !== first.ndim || t.shape.some((s, i) => i !== d && s !== first.shape[i]))
      throw new Error(`cat: tensor ${k} has shape ${fmt(t.shape)}, expected ${fmt(first.shape)} except in dim ${d}`);
    if (t.dtype !== first.dtype) throw new Error(`cat: tensor ${k} is ${t.dtype}, expected ${first.dtype}`);
  });
  const shape = [...first.shape];
  shape[d] = ts.reduce((a, t) => a + t.shape[d], 0);
  const out = Tensor.empty(shape, first.dtype);
  const sizes = ts.map((t) => t.shape[d]);
  let at = 0;
  for (const t of ts) out.detach().narrow(d, at, t.shape[d]).copy_(t), (at += t.shape[d]);
  return withGrad('cat', out, ts, (g) => g.split(sizes, d).map((p, k) => (ts[k].requiresGrad ? p : null)));
}

export function stack(ts: Tensor[], dim = 0): Tensor {
  if (ts.length === 0) throw new Error('stack: expected a non-empty list of tensors');
  const d = normDim(dim, ts[0].ndim + 1);
  ts.forEach((t, k) => {
    if (t.shape.join() !== ts[0].shape.join()) throw new Error(`stack: tensor ${k} has shape ${fmt(t.shape)}, expected ${fmt(ts[0].shape)}`);
  });
  return cat(ts.map((t) => t.unsqueeze(d)), d);
}
