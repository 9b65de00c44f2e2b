/** A tensor's elements as a view of the heap, for code that works on flat arrays (the optimizers' pure updates). */
import { heap } from './memory.js';
import { fmt } from './shape.js';
import type { Tensor } from './tensor.js';

/** The elements of a contiguous float32 tensor, as a view of the heap (take it after the last allocation). */
export function flat(t: Tensor): Float32Array {
  if (t.dtype !== 'float32' || !t.isContiguous())
    throw new Error(`flat: expected a contiguous float32 tensor, got ${t.dtype} of shape ${fmt(t.shape)} strides ${fmt(t.strides)}`);
  const b = t.base;
  return heap.f32.subarray(b, b + t.numel);
}
