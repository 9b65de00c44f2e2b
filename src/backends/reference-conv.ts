/**
 * Reference kernels of the convolution (the specification; see `im2col` and ConvGeometry in
 * backend.ts), used by conv1d / conv2d (src/nn/vision/conv.ts):
 *
 *   cols (C*kH*kW, N*OH*OW)  = im2col(x)          every receptive field laid out as a column
 *   Y (O, N*OH*OW)           = W @ cols           the backend's matmul, per group
 *   out (N, O, OH, OW)       = convOutput(Y, bias)
 *
 * and in the backward convOutputBackward (dY and dbias), then col2im(W^T @ dY) = dx.
 */
import { heap } from '../core/memory.js';
import type { Backend, ConvGeometry } from './backend.js';

/** cols (C*kH*kW, N*OH*OW) <- x (N, C, H, W); a -1 in the index tables reads a zero. */
function im2col(x: number, cols: number, g: ConvGeometry): void {
  const f = heap.f32;
  const I = heap.i32;
  const { N, C, H, W, kH, kW, OH, OW, rowSrc, colSrc } = g;
  const P = OH * OW;
  const NP = N * P;
  let row = cols;
  for (let c = 0; c < C; c++)
    for (let ki = 0; ki < kH; ki++)
      for (let kj = 0; kj < kW; kj++, row += NP)
        for (let n = 0; n < N; n++) {
          const plane = x + (n * C + c) * H * W;
          for (let oh = 0; oh < OH; oh++) {
            const dst = row + n * P + oh * OW;
            const r = I[rowSrc + ki * OH + oh];
            if (r < 0) {
              f.fill(0, dst, dst + OW);
              continue;
            }
            const src = plane + r * W;
            for (let ow = 0; ow < OW; ow++) {
              const s = I[colSrc + kj * OW + ow];
              f[dst + ow] = s < 0 ? 0 : f[src + s];
            }
          }
        }
}

/** dx (N, C, H, W) += col2im(dcols): the adjoint of im2col (dx must start at 0). */
function col2im(dcols: number, dx: number, g: ConvGeometry): void {
  const f = heap.f32;
  const I = heap.i32;
  const { N, C, H, W, kH, kW, OH, OW, rowSrc, colSrc } = g;
  const P = OH * OW;
  const NP = N * P;
  let row = dcols;
  for (let c = 0; c < C; c++)
    for (let ki = 0; ki < kH; ki++)
      for (let kj = 0; kj < kW; kj++, row += NP)
        for (let n = 0; n < N; n++) {
          const plane = dx + (n * C + c) * H * W;
          for (let oh = 0; oh < OH; oh++) {
            const r = I[rowSrc + ki * OH + oh];
            if (r < 0) continue;
            const src = row + n * P + oh * OW;
            const dst = plane + r * W;
            for (let ow = 0; ow < OW; ow++) {
              const s = I[colSrc + kj * OW + ow];
              if (s >= 0) f[dst + s] += f[src + ow];
            }
          }
        }
}

/** out (N, O, P) = y (O, N, P) + bias (O) (bias = -1: none). */
function convOutput(y: number, bias: number, out: number, N: number, O: number, P: number): void {
  const f = heap.f32;
  for (let o = 0; o < O; o++) {
    const b = bias >= 0 ? f[bias + o] : 0;
    for (let n = 0; n < N; n++) {
      const src = y + (o * N + n) * P;
      const dst = out + (n * O + o) * P;
      for (let p = 0; p < P; p++) f[dst + p] = f[src + p] + b;
    }
  }
}

/** dy (O, N, P) <- dout (N, O, P); db (O) = sum over N and P (db = -1: skipped). */
function convOutputBackward(dout: number, dy: number, db: number, N: number, O: number, P: number): void {
  const f = heap.f32;
  for (let o = 0; o < O; o++) {
    let s = 0;
    for (let n = 0; n < N; n++) {
      const src = dout + (n * O + o) * P;
      const dst = dy + (o * N + n) * P;
      for (let p = 0; p < P; p++) {
        const v = f[src + p];
        f[dst + p] = v;
        s += v;
      }
    }
    if (db >= 0) f[db + o] = s;
  }
}

/** The convolution kernels of the reference backend (spread into `referenceBackend`). */
export const convKernels: Pick<Backend, 'im2col' | 'col2im' | 'convOutput' | 'convOutputBackward'> = {
  im2col, col2im, convOutput, convOutputBackward,
};
