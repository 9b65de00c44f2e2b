/** What the tasks' `memoryEstimate` figures share: tensors counted in heap blocks (see Task.memoryEstimate). */
import { heapBlockBytes } from '../core/memory.js';

/** The logits (B, T, V) of a cross-entropy loss, their log-softmax and their gradient. */
export const logitBytes = (B: number, T: number, V: number): number => 3 * heapBlockBytes(B * T * V);
