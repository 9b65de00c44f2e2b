/** Reference kernels of the negative log-likelihood gather (F.nllLoss) and its scatter backward. */
import { heap } from '../core/memory.js';
import type { Backend, NLLBlock } from './backend.js';

function nllLoss(b: NLLBlock, losses: number): [number, number] {
  const { N, C, D, ignoreIndex } = b;
  const f = heap.f32;
  const I = heap.i32;
  let sum = 0;
  let totalWeight = 0;
  for (let n = 0; n < N; n++)
    for (let d = 0; d < D; d++) {
      const i = n * D + d;
      const c = I[b.target + i];
      if (c === ignoreIndex) {
        f[losses + i] = 0;
        continue;
      }
      if (c < 0 || c >= C) throw new RangeError(`nllLoss: target ${c} at position ${i} is out of bounds for ${C} classes`);
      const wc = b.weight >= 0 ? f[b.weight + c] : 1;
      const l = -wc * f[b.x + (n * C + c) * D + d];
      f[losses + i] = l;
      sum += l;
      totalWeight += wc;
    }
  return [sum, totalWeight];
}

function nllLossBackward(b: NLLBlock, g: number, gx: number, scale: number, perElement: boolean): void {
  const { N, C, D, ignoreIndex } = b;
  const f = heap.f32;
  const I = heap.i32;
  for (let n = 0; n < N; n++)
    for (let d = 0; d < D; d++) {
      const i = n * D + d;
      const c = I[b.target + i];
      if (c === ignoreIndex) continue;
      const wc = b.weight >= 0 ? f[b.weight + c] : 1;
      f[gx + (n * C + c) * D + d] = -wc * scale * f[g + (perElement ? i : 0)];
    }
}

/** The loss kernels of the reference backend (spread into `referenceBackend`). */
export const lossKernels: Pick<Backend, 'nllLoss' | 'nllLossBackward'> = { nllLoss, nllLossBackward };
