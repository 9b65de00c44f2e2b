/** torch.matmul semantics: dot, matrix-vector, matrix-matrix and broadcast batched products. */
import { backend, type MatOperand } from '../../backends/backend.js';
import { broadcastable, broadcastShapes, fmt, numel } from '../shape.js';
import { Tensor, withGrad } from '../tensor.js';
import { sumTo } from './reduce.js';

/** The batch dims of `t` (all but the last two) collapsed to one stride, or null when they don't collapse. */
function batchStride(t: Tensor): number | null {
  const nb = t.ndim - 2;
  let stride: number | null = null;
  for (let i = nb - 1; i >= 0; i--) {
    if (t.shape[i] === 1) continue;
    if (stride === null) stride = t.strides[i];
    else return null; // more than one non-trivial batch dim: check collapsibility below
  }
  if (stride !== null || nb <= 1) return stride ?? 0;
  return null;
}

/** True when the batch dims of `t` collapse to one stride: laid out one after another, or broadcast. */
function collapses(t: Tensor): boolean {
  if (batchStride(t) !== null) return true;
  const nb = t.ndim - 2;
  for (let i = 0; i < nb - 1; i++) if (t.strides[i] !== t.strides[i + 1] * t.shape[i + 1]) return false;
  return true;
}

/** `t` itself when the kernel can read it in place, else a contiguous copy. */
function laidOut(t: Tensor): Tensor {
  return collapses(t) ? t : t.contiguous();
}

function operand(t: Tensor): MatOperand {
  const nb = t.ndim - 2;
  const s = batchStride(t) ?? t.strides[nb - 1];
  return { off: t.base, batchStride: s, rowStride: t.strides[nb], colStride: t.strides[nb + 1] };
}

/** (…, M, K) @ (…, K, N) -> (…, M, N), batch dims broadcast; no autograd. */
export function bmm(a: Tensor, b: Tensor): Tensor {
  const M = a.shape[a.ndim - 2];
  const K = a.shape[a.ndim - 1];
  const N = b.shape[b.ndim - 1];
  if (b.shape[b.ndim - 2] !== K)
    throw new Error(`matmul: shapes ${fmt(a.shape)} and ${fmt(b.shape)} cannot be multiplied (${K} != ${b.shape[b.ndim - 2]})`);
  const batch = broadcastShapes(a.shape.slice(0, -2), b.shape.slice(0, -2), 'matmul');
  const ae = laidOut(a.expand([...batch, M, K]));
  const be = laidOut(b.expand([...batch, K, N]));
  const out = Tensor.empty([...batch, M, N]);
  // operands are read after the last allocation, so no collection can move between them and the kernel
  backend().matmul(numel(batch), M, N, K, operand(ae), operand(be), { off: out.base, batchStride: M * N, rowStride: N, colStride: 1 }, false);
  return out;
}

export function matmul(a: Tensor, b: Tensor): Tensor {
  if (a.ndim === 0 || b.ndim === 0) throw new Error(`matmul: both arguments need at least 1 dim, got ${fmt(a.shape)} and ${fmt(b.shape)}`);
  if (a.dtype !== 'float32' || b.dtype !== 'float32') throw new Error(`matmul: expected float32 tensors, got ${a.dtype} and ${b.dtype}`);
  const K = a.shape[a.ndim - 1];
  const Kb = b.shape[Math.max(b.ndim - 2, 0)];
  if (K !== Kb) throw new Error(`matmul: shapes ${fmt(a.shape)} and ${fmt(b.shape)} cannot be multiplied (${K} != ${Kb})`);
  const batchA = a.shape.slice(0, -2);
  const batchB = b.shape.slice(0, -2);
  if (!broadcastable(batchA, batchB))
    throw new Error(`matmul: shapes ${fmt(a.shape)} and ${fmt(b.shape)} cannot be multiplied: their batch dimensions ${fmt(batchA)} and ${fmt(batchB)} do not broadcast`);
  const a2 = a.ndim === 1 ? a.unsqueeze(0) : a;
  const b2 = b.ndim === 1 ? b.unsqueeze(1) : b;
  let out = product(a2, b2);
  if (a.ndim === 1) out = out.squeeze(-2);
  if (b.ndim === 1) out = out.squeeze(-1);
  return out;
}

function product(a: Tensor, b: Tensor): Tensor {
  const out = bmm(a, b);
  return withGrad('matmul', out, [a, b], (g) => [
    a.requiresGrad ? sumTo(bmm(g, b.transpose(-1, -2)), a.shape) : null,
    b.requiresGrad ? sumTo(bmm(a.transpose(-1, -2), g), b.shape) : null,
  ]);
}

/**
 * bias + a @ b for a (N, K) and b (K, M), bias broadcast to (N, M) (torch.addmm): the product is
 * accumulated onto a copy of the bias in one output buffer, instead of a product and then a sum.
 */
export function addmm(bias: Tensor, a: Tensor, b: Tensor): Tensor {
  if (a.ndim !== 2 || b.ndim !== 2 || a.shape[1] !== b.shape[0])
    throw new Error(`addmm: expected (N, K) and (K, M) matrices, got ${fmt(a.shape)} and ${fmt(b.shape)}`);
  if (a.dtype !== 'float32' || b.dtype !== 'float32' || bias.dtype !== 'float32')
    throw new Error(`addmm: expected float32 tensors, got ${bias.dtype}, ${a.dtype} and ${b.dtype}`);
  const [N, K] = a.shape;
  const M = b.shape[1];
  const out = Tensor.empty([N, M]).copy_(bias.detach()); // (N, M), the bias broadcast
  backend().matmul(1, N, M, K, operand(a), operand(b), { off: out.base, batchStride: 0, rowStride: M, colStride: 1 }, true);
  return withGrad('addmm', out, [bias, a, b], (g) => [
    bias.requiresGrad ? sumTo(g, bias.shape) : null,
    a.requiresGrad ? bmm(g, b.transpose(-1, -2)) : null,
    b.requiresGrad ? bmm(a.transpose(-1, -2), g) : null,
  ]);
}
