/**
 * The WebAssembly backend's vision kernels: im2col / col2im and the convolution's output layout
 * (as/conv.ts), max and average pooling (as/pool.ts), BatchNorm (as/batchnorm.ts), dispatched over the
 * thread pool. Each splits over a dimension whose parts write disjoint memory: column rows for im2col,
 * input planes for col2im and pooling's backward, output planes, or channels for the per-channel sums,
 * so every element gets the same arithmetic on any number of threads.
 */
import type { Backend } from '../backend.js';
import { referenceBackend } from '../reference.js';
import { kernelIndex, type KernelPool } from './threads.js';

type VisionKernels = Pick<
  Backend,
  | 'im2col' | 'col2im' | 'convOutput' | 'convOutputBackward' | 'maxPool' | 'maxPoolBackward' | 'avgPool' | 'avgPoolBackward'
  | 'batchNormStats' | 'batchNormApply' | 'batchNormBackward' | 'batchNormRunningUpdate'
>;

const IM2COL = kernelIndex('im2col');
const COL2IM = kernelIndex('col2im');
const CONV_OUTPUT = kernelIndex('convOutput');
const CONV_OUTPUT_BACKWARD = kernelIndex('convOutputBackward');
const MAX_POOL = kernelIndex('maxPool');
const MAX_POOL_BACKWARD = kernelIndex('maxPoolBackward');
const AVG_POOL = kernelIndex('avgPool');
const AVG_POOL_BACKWARD = kernelIndex('avgPoolBackward');
const BATCH_NORM_STATS = kernelIndex('batchNormStats');
const BATCH_NORM_APPLY = kernelIndex('batchNormApply');
const BATCH_NORM_BACKWARD = kernelIndex('batchNormBackward');
const BATCH_NORM_RUNNING_UPDATE = kernelIndex('batchNormRunningUpdate');

/** Elements (about) a thread must get before another is woken. */
const GRAIN = 16384;
/** Units of `perUnit` elements each that make a thread's grain. */
const grain = (perUnit: number): number => Math.max(1, Math.ceil(GRAIN / Math.max(perUnit, 1)));
/** Byte address of an f32 or i32 offset, 0 for an absent (-1) operand. */
const at = (off: number): number => (off < 0 ? 0 : off * 4);
/** as/conv.ts packs output column positions in 16 bits. */
const MAX_OW = 1 << 16;

export function visionKernels(pool: KernelPool): VisionKernels {
  return {
    im2col(x, cols, g) {
      if (g.OW >= MAX_OW) return referenceBackend.im2col(x, cols, g);
      const { N, C, H, W, kH, kW, OH, OW } = g;
      const args = [x * 4, cols * 4, N, C, H, W, kH, kW, OH, OW, g.rowSrc * 4, g.colSrc * 4];
      pool.parallelFor(IM2COL, C * kH * kW, args, { grain: grain(N * OH * OW) });
    },

    col2im(dcols, dx, g) {
      if (g.OW >= MAX_OW) return referenceBackend.col2im(dcols, dx, g);
      const { N, C, H, W, kH, kW, OH, OW } = g;
      const args = [dcols * 4, dx * 4, N, C, H, W, kH, kW, OH, OW, g.rowSrc * 4, g.colSrc * 4];
      pool.parallelFor(COL2IM, N * C, args, { grain: grain(kH * kW * OH * OW) });
    },

    convOutput(y, bias, out, N, O, P) {
      pool.parallelFor(CONV_OUTPUT, N * O, [y * 4, at(bias), out * 4, N, O, P], { grain: grain(P) });
    },

    convOutputBackward(dout, dy, db, N, O, P) {
      pool.parallelFor(CONV_OUTPUT_BACKWARD, O, [dout * 4, dy * 4, at(db), N, O, P], { grain: grain(N * P) });
    },

    maxPool(x, y, idx, planes, H, W, w) {
      const args = [x * 4, y * 4, idx * 4, H, W, w.kH, w.kW, w.sH, w.sW, w.pH, w.pW, w.dH, w.dW, w.OH, w.OW];
      pool.parallelFor(MAX_POOL, planes, args, { grain: grain(w.OH * w.OW * w.kH * w.kW) });
    },

    maxPoolBackward(dy, idx, dx, planes, HW, P) {
      pool.parallelFor(MAX_POOL_BACKWARD, planes, [dy * 4, idx * 4, dx * 4, HW, P], { grain: grain(P) });
    },

    avgPool(x, y, planes, H, W, P, win) {
      pool.parallelFor(AVG_POOL, planes, [x * 4, y * 4, H, W, P, win * 4], { grain: grain(Math.max(P, H * W)) });
    },

    avgPoolBackward(dy, dx, planes, H, W, P, win) {
      pool.parallelFor(AVG_POOL_BACKWARD, planes, [dy * 4, dx * 4, H, W, P, win * 4], { grain: grain(Math.max(P, H * W)) });
    },

    batchNormStats(x, mean, rstd, variance, N, C, S, eps) {
      pool.parallelFor(BATCH_NORM_STATS, C, [x * 4, mean * 4, rstd * 4, variance * 4, N, C, S, eps], { grain: grain(2 * N * S) });
    },

    batchNormApply(x, mean, rstd, w, b, y, N, C, S) {
      pool.parallelFor(BATCH_NORM_APPLY, N * C, [x * 4, mean * 4, rstd * 4, at(w), at(b), y * 4, C, S], { grain: grain(S) });
    },

    batchNormBackward(x, w, mean, rstd, dy, dx, dw, db, N, C, S, batchStats) {
      const args = [x * 4, at(w), mean * 4, rstd * 4, dy * 4, at(dx), at(dw), at(db), N, C, S, batchStats ? 1 : 0];
      pool.parallelFor(BATCH_NORM_BACKWARD, C, args, { grain: grain(3 * N * S) });
    },

    batchNormRunningUpdate(rm, rv, mean, variance, C, M, momentum) {
      // C values: never worth a second thread
      pool.parallelFor(BATCH_NORM_RUNNING_UPDATE, C, [at(rm), at(rv), mean * 4, variance * 4, M, momentum], { grain: C });
    },
  };
}
