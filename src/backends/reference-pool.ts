/**
 * Reference kernels of 2-d pooling over (H, W) planes (the specification; see `maxPool` and `avgPool`
 * in backend.ts), used by max_pool2d, avg_pool2d and adaptive_avg_pool2d (src/nn/vision/pooling.ts).
 */
import { heap } from '../core/memory.js';
import type { Backend, PoolWindow } from './backend.js';

/**
 * y[plane, oh, ow] = max over the window (padding never wins: it is -inf); idx = the flat h * W + w of
 * the maximum (the first one; a NaN always wins, as PyTorch's CPU kernel).
 */
function maxPool(x: number, y: number, idx: number, planes: number, H: number, W: number, g: PoolWindow): void {
  const f = heap.f32;
  const i32 = heap.i32;
  const { OH, OW } = g;
  for (let c = 0; c < planes; c++) {
    const xp = x + c * H * W;
    const yo = c * OH * OW;
    for (let oh = 0; oh < OH; oh++)
      for (let ow = 0; ow < OW; ow++) {
        const h0 = oh * g.sH - g.pH;
        const w0 = ow * g.sW - g.pW;
        let max = -Infinity;
        let at = -1;
        for (let ki = 0; ki < g.kH; ki++) {
          const h = h0 + ki * g.dH;
          if (h < 0 || h >= H) continue;
          for (let kj = 0; kj < g.kW; kj++) {
            const w = w0 + kj * g.dW;
            if (w < 0 || w >= W) continue;
            const v = f[xp + h * W + w];
            if (at < 0 || v > max || Number.isNaN(v)) {
              max = v;
              at = h * W + w;
            }
          }
        }
        f[y + yo + oh * OW + ow] = max;
        i32[idx + yo + oh * OW + ow] = at;
      }
  }
}

/** dx = 0, then dx[plane, idx] += dy: the gradient goes to each window's maximum. */
function maxPoolBackward(dy: number, idx: number, dx: number, planes: number, HW: number, P: number): void {
  const f = heap.f32;
  const i32 = heap.i32;
  f.fill(0, dx, dx + planes * HW);
  for (let c = 0; c < planes; c++)
    for (let q = 0; q < P; q++) {
      const at = i32[idx + c * P + q];
      if (at >= 0) f[dx + c * HW + at] += f[dy + c * P + q];
    }
}

/** y = sum over the window / divisor, for every plane; win (P, 5) = h0, h1, w0, w1, divisor in heap.i32. */
function avgPool(x: number, y: number, planes: number, H: number, W: number, P: number, win: number): void {
  const f = heap.f32;
  const I = heap.i32;
  for (let c = 0; c < planes; c++) {
    const xp = x + c * H * W;
    for (let q = 0; q < P; q++) {
      const o = win + q * 5;
      let s = 0;
      for (let h = I[o]; h < I[o + 1]; h++) for (let w = I[o + 2]; w < I[o + 3]; w++) s += f[xp + h * W + w];
      f[y + c * P + q] = s / I[o + 4];
    }
  }
}

/** dx = 0, then dx += dy / divisor over every window. */
function avgPoolBackward(dy: number, dx: number, planes: number, H: number, W: number, P: number, win: number): void {
  const f = heap.f32;
  const I = heap.i32;
  f.fill(0, dx, dx + planes * H * W);
  for (let c = 0; c < planes; c++) {
    const xp = dx + c * H * W;
    for (let q = 0; q < P; q++) {
      const o = win + q * 5;
      const v = f[dy + c * P + q] / I[o + 4];
      for (let h = I[o]; h < I[o + 1]; h++) for (let w = I[o + 2]; w < I[o + 3]; w++) f[xp + h * W + w] += v;
    }
  }
}

/** The pooling kernels of the reference backend (spread into `referenceBackend`). */
export const poolKernels: Pick<Backend, 'maxPool' | 'maxPoolBackward' | 'avgPool' | 'avgPoolBackward'> = {
  maxPool, maxPoolBackward, avgPool, avgPoolBackward,
};
