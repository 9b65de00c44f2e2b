/**
 * The WebAssembly backend: the reference kernels, with the hot ones overridden by WebAssembly SIMD
 * kernels (src/backends/wasm/as/) that work in place on the shared heap and split their work
 * across worker threads (threads.ts): matmul, the elementwise ops (elementwise.ts), sums, softmax,
 * attention's row pass, LayerNorm, embedding gathers, the fused recurrent steps and the optimizer
 * updates. What stays on the reference: where, fill, max/min/argmax, comparisons, a few rare unary ops.
 * Every override is checked against the reference by the same tests (test/backends.test.ts, parity).
 *
 * Kernels take byte addresses: the backend interface's element offsets times 4 (u8 masks: times 1).
 */
import { heap } from '../../core/memory.js';
import type { Backend, MatOperand, RecurrentCell } from '../backend.js';
import { referenceBackend } from '../reference.js';
import { elementwiseKernels } from './elementwise.js';
import { loadKernels, type KernelSource, type WasmKernels } from './module.js';
import { KernelPool, kernelIndex } from './threads.js';

export interface WasmBackendOptions {
  /**
   * Threads, counting the caller (default: one per core; 1 = no workers). Where the heap's memory is not
   * shared (a page that is not cross-origin isolated) always 1.
   */
  threads?: number;
  /** Where loom.wasm is (default: beside the package's dist/), or its bytes. */
  kernels?: KernelSource;
}

export type WasmBackend = Backend & { readonly threads: number; readonly pool: KernelPool; close(): Promise<void> };

/** How the kernel reads a matrix operand: row-major with a leading dimension, or transposed. */
function layout(m: MatOperand): { trans: number; ld: number } | null {
  if (m.colStride === 1) return { trans: 0, ld: m.rowStride };
  if (m.rowStride === 1) return { trans: 1, ld: m.colStride };
  return null;
}

const CELL: Record<RecurrentCell, number> = { rnn_tanh: 0, rnn_relu: 1, lstm: 2, gru: 3 };
/** Byte address of an f32 offset, 0 for an absent (-1) operand. */
const at = (off: number): number => (off < 0 ? 0 : off * 4);

const SGEMM_BATCH = kernelIndex('sgemmBatch');
const REDUCE_SUM = kernelIndex('reduceSum');
const SOFTMAX = kernelIndex('softmax');
const SOFTMAX_BACKWARD = kernelIndex('softmaxBackward');
const SCALED_SOFTMAX = kernelIndex('scaledSoftmax');
const LAYER_NORM = kernelIndex('layerNorm');
const LAYER_NORM_BACKWARD = kernelIndex('layerNormBackward');
const LAYER_NORM_PARAM_GRAD = kernelIndex('layerNormParamGrad');
const ADAM = kernelIndex('adam');
const SGD = kernelIndex('sgd');
const RECURRENT_STEP = kernelIndex('recurrentStep');
const RECURRENT_STEP_BACKWARD = kernelIndex('recurrentStepBackward');

/** Elements (about) a thread must get before another is woken. */
const GRAIN = 16384;
/** Multiply-adds a thread must get before another is woken (matmul). */
const GRAIN_MACS = 1 << 18;

export async function createWasmBackend(o: WasmBackendOptions = {}): Promise<WasmBackend> {
  const k: WasmKernels = await loadKernels(heap.memory, o.kernels);
  const pool = await KernelPool.create(k, heap.shared ? o.threads : 1);
  const scratch = heap.alloc(pool.scratchBytes); // engine memory for the life of the process
  const rowGrain = (cols: number) => Math.max(1, Math.ceil(GRAIN / Math.max(cols, 1)));
  return {
    ...referenceBackend,
    ...elementwiseKernels(k, pool),
    name: `wasm(${pool.threads} thread${pool.threads > 1 ? 's' : ''})`,
    threads: pool.threads,
    pool,
    close: () => pool.close(),

    matmul(batch, M, N, K, a, b, c, accumulate) {
      const la = layout(a);
      const lb = layout(b);
      if (!la || !lb || c.colStride !== 1) return referenceBackend.matmul(batch, M, N, K, a, b, c, accumulate);
      const beta = accumulate ? 1 : 0;
      const macs = M * N * K;
      if (batch > 1 && (pool.threads === 1 || batch >= pool.threads) && macs < 4 * GRAIN_MACS) {
        // many small products (attention heads): whole products per thread
        const args = [a.off * 4, b.off * 4, c.off * 4, M, N, K, la.ld, lb.ld, c.rowStride, la.trans, lb.trans, 1, beta, scratch,
          a.batchStride * 4, b.batchStride * 4, c.batchStride * 4];
        pool.parallelFor(SGEMM_BATCH, batch, args, { grain: Math.max(1, Math.ceil(GRAIN_MACS / Math.max(macs, 1))) });
        return;
      }
      for (let p = 0; p < batch; p++) {
        pool.sgemm(
          (a.off + p * a.batchStride) * 4, (b.off + p * b.batchStride) * 4, (c.off + p * c.batchStride) * 4,
          M, N, K, la.ld, lb.ld, c.rowStride, la.trans, lb.trans, 1, beta, scratch,
        );
      }
    },

    reduce(op, x, out, outer, r, inner) {
      if (op !== 'sum' || x.kind !== 'f32' || out.kind !== 'f32') return referenceBackend.reduce(op, x, out, outer, r, inner);
      const tasks = outer * (inner === 1 ? 1 : Math.ceil(inner / 16));
      const perTask = r * (inner === 1 ? 1 : 16);
      pool.parallelFor(REDUCE_SUM, tasks, [x.off * 4, out.off * 4, r, inner], { grain: rowGrain(perTask) });
    },

    softmax(x, y, rows, cols, log) {
      pool.parallelFor(SOFTMAX, rows, [x * 4, y * 4, cols, log ? 1 : 0], { grain: rowGrain(cols) });
    },

    softmaxBackward(y, dy, dx, rows, cols, log) {
      pool.parallelFor(SOFTMAX_BACKWARD, rows, [y * 4, dy * 4, dx * 4, cols, log ? 1 : 0], { grain: rowGrain(cols) });
    },

    scaledSoftmax(x, N, L, S, scale, causal, causalOffset) {
      pool.parallelFor(SCALED_SOFTMAX, N * L, [x * 4, L, S, scale, causal ? 1 : 0, causalOffset], { grain: rowGrain(S) });
    },

    layerNorm(x, w, b, y, mean, rstd, rows, D, eps) {
      pool.parallelFor(LAYER_NORM, rows, [x * 4, at(w), at(b), y * 4, mean * 4, rstd * 4, D, eps], { grain: rowGrain(D) });
    },

    layerNormBackward(x, w, mean, rstd, dy, dx, dw, db, rows, D) {
      if (dx >= 0) pool.parallelFor(LAYER_NORM_BACKWARD, rows, [x * 4, at(w), mean * 4, rstd * 4, dy * 4, dx * 4, D], { grain: rowGrain(D) });
      if (dw >= 0 || db >= 0) {
        pool.parallelFor(LAYER_NORM_PARAM_GRAD, Math.ceil(D / 4), [x * 4, mean * 4, rstd * 4, dy * 4, at(dw), at(db), rows, D], { grain: rowGrain(4 * rows) });
      }
    },

    indexSelect(table, rows, cols, idx, n, out) {
      const bad = k.indexSelect(table * 4, rows, cols, idx * 4, n, out * 4);
      if (bad >= 0) throw new RangeError(`index ${heap.i32[idx + bad]} is out of range for ${rows} rows`);
    },

    indexAdd(dtable, cols, idx, n, dout, skip) {
      k.indexAdd(dtable * 4, cols, idx * 4, n, dout * 4, skip);
    },

    sumSquares(x, n) {
      return k.sumSquares(x * 4, n);
    },

    adam(s) {
      const [beta1, beta2] = s.betas;
      // the scalars of adamUpdate (src/optim/updates.ts), computed the same way
      const decay = s.decoupled ? 1 - s.lr * s.weightDecay : 1;
      const l2 = s.decoupled ? 0 : s.weightDecay;
      const stepSize = s.lr / (1 - beta1 ** s.step);
      const bc2Sqrt = Math.sqrt(1 - beta2 ** s.step);
      const args = [s.p * 4, s.grad * 4, s.m * 4, s.v * 4, at(s.vmax), decay, l2, stepSize, bc2Sqrt, beta1, beta2, s.eps, s.maximize ? 1 : 0];
      pool.parallelFor(ADAM, s.n, args, { grain: GRAIN });
    },

    sgd(s) {
      const args = [s.p * 4, s.grad * 4, at(s.buf), s.first ? 1 : 0, s.lr, s.momentum, s.dampening, s.weightDecay, s.nesterov ? 1 : 0, s.maximize ? 1 : 0];
      pool.parallelFor(SGD, s.n, args, { grain: GRAIN });
    },

    recurrentStep(s) {
      const args = [CELL[s.cell], s.H, s.gx * 4, s.gh * 4, at(s.bih), at(s.bhh), s.h * 4, at(s.c), s.act * 4, s.hOut * 4, at(s.cOut), at(s.y), s.yStride, s.mask < 0 ? 0 : s.mask];
      pool.parallelFor(RECURRENT_STEP, s.B, args, { grain: rowGrain(4 * s.H) });
    },

    recurrentStepBackward(s) {
      const args = [CELL[s.cell], s.H, s.h * 4, at(s.c), s.act * 4, at(s.cOut), at(s.dy), s.yStride, s.mask < 0 ? 0 : s.mask, s.dh * 4, at(s.dc), s.dgx * 4, s.dgh * 4];
      pool.parallelFor(RECURRENT_STEP_BACKWARD, s.B, args, { grain: rowGrain(4 * s.H) });
    },
  };
}
