/**
 * The WebAssembly backend's vision kernels: im2col / col2im and the convolution's output layout
 * (as/conv.ts), max and average pooling (as/pool.ts), BatchNorm (as/batchnorm.ts), dispatched over the
 * thread pool (their declarations, with how each splits, are in kernels.ts). Each splits over a
 * dimension whose parts write disjoint memory: column rows for im2col, input planes for col2im and
 * pooling's backward, output planes, or channels for the per-channel sums, so every element gets the
 * same arithmetic on any number of threads.
 */
import type { Backend } from '../backend.js';
import { referenceBackend } from '../reference.js';
import type { KernelPool } from './threads.js';

type VisionKernels = Pick<
  Backend,
  | 'im2col' | 'col2im' | 'convOutput' | 'convOutputBackward' | 'maxPool' | 'maxPoolBackward' | 'avgPool' | 'avgPoolBackward'
  | 'batchNormStats' | 'batchNormApply' | 'batchNormBackward' | 'batchNormRunningUpdate'
>;

/** as/conv.ts packs output column positions in 16 bits; wider outputs go to the reference. */
const MAX_OW = 1 << 16;

export function visionKernels(pool: KernelPool): VisionKernels {
  return {
    im2col(x, cols, g) {
      if (g.OW >= MAX_OW) return referenceBackend.im2col(x, cols, g);
      pool.run('im2col', g.C * g.kH * g.kW, { x, cols, ...g });
    },

    col2im(dcols, dx, g) {
      if (g.OW >= MAX_OW) return referenceBackend.col2im(dcols, dx, g);
      pool.run('col2im', g.N * g.C, { dcols, dx, ...g });
    },

    convOutput(y, bias, out, N, O, P) {
      pool.run('convOutput', N * O, { y, bias, out, N, O, P });
    },

    convOutputBackward(dout, dy, db, N, O, P) {
      pool.run('convOutputBackward', O, { dout, dy, db, N, O, P });
    },

    maxPool(x, y, idx, planes, H, W, w) {
      pool.run('maxPool', planes, { x, y, idx, H, W, ...w });
    },

    maxPoolBackward(dy, idx, dx, planes, HW, P) {
      pool.run('maxPoolBackward', planes, { dy, idx, dx, HW, P });
    },

    avgPool(x, y, planes, H, W, P, win) {
      pool.run('avgPool', planes, { x, y, H, W, P, win });
    },

    avgPoolBackward(dy, dx, planes, H, W, P, win) {
      pool.run('avgPoolBackward', planes, { dy, dx, H, W, P, win });
    },

    batchNormStats(x, mean, rstd, variance, N, C, S, eps) {
      pool.run('batchNormStats', C, { x, mean, rstd, variance, N, C, S, eps });
    },

    batchNormApply(x, mean, rstd, w, b, y, N, C, S) {
      pool.run('batchNormApply', N * C, { x, mean, rstd, w, b, y, C, S });
    },

    batchNormBackward(x, w, mean, rstd, dy, dx, dw, db, N, C, S, batchStats) {
      pool.run('batchNormBackward', C, { x, w, mean, rstd, dy, dx, dw, db, N, C, S, batchStats });
    },

    batchNormRunningUpdate(rm, rv, mean, variance, C, M, m) {
      pool.run('batchNormRunningUpdate', C, { rm, rv, mean, variance, M, m });
    },
  };
}
