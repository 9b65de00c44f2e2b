/**
 * The WebAssembly backend: the reference kernels, with the hot ones overridden by WebAssembly SIMD
 * kernels (src/backends/wasm/as/) that work in place on the shared heap and split their work
 * across worker threads (threads.ts): matmul, the elementwise ops (elementwise.ts), sums, softmax,
 * attention's row pass, LayerNorm, embedding gathers, the fused recurrent steps and the optimizer
 * updates, where, fill, max/min/argmax/argmin, comparisons, dropout masks, uniform initialisation,
 * attention masks, causal linear attention, the NLL loss (sequence.ts), and convolution, pooling and
 * BatchNorm (vision.ts). What stays on the reference: normal initialisation and the sinusoidal table
 * (their values come from the platform's Math.log, exp, sin and cos), sin, cos and pow.
 * Every override is checked against the reference by the same tests (test/backends.test.ts, parity).
 *
 * Each override calls its kernels by name with named arguments (element offsets, as the Backend
 * interface has them); their declarations (kernels.ts) turn these into the byte addresses the kernels
 * take and say how the work splits across threads.
 */
import { heap } from '../../core/memory.js';
import type { Backend, MatOperand } from '../backend.js';
import { referenceBackend } from '../reference.js';
import { elementwiseKernels } from './elementwise.js';
import { callKernel, CELL_CODE, EXTREME_CODE, type KernelBackedMethod } from './kernels.js';
import { defaultWasmUrl, loadKernels, type KernelSource, type WasmKernels } from './module.js';
import { sequenceKernels } from './sequence.js';
import { parseSimdChoice, resolveSimd, simdFromEnvironment, type SimdBuild, type SimdChoice } from './simd.js';
import { KernelPool } from './threads.js';
import { visionKernels } from './vision.js';

export interface WasmBackendOptions {
  /**
   * Threads, counting the caller (default: one per core; 1 = no workers). Where the heap's memory is not
   * shared (a page that is not cross-origin isolated) always 1.
   */
  threads?: number;
  /**
   * Which build of the kernels (simd.ts): 'plain' (loom.wasm), 'relaxed' (loom-relaxed.wasm, fused
   * multiply-adds; an error where the platform lacks relaxed SIMD) or 'auto' (relaxed where supported and
   * its file loads, else plain). Default: LOOM_SIMD from the environment (Node.js), else 'auto'.
   */
  simd?: SimdChoice;
  /** Where loom.wasm is (default: beside the package's dist/), or its bytes. */
  kernels?: KernelSource;
  /**
   * Where loom-relaxed.wasm is, or its bytes (default: beside the package's dist/, unless `kernels` is
   * given: then 'auto' means the plain build given).
   */
  relaxedKernels?: KernelSource;
}

export type WasmBackend = Backend & {
  readonly threads: number;
  /** The build of the kernels running: 'plain' or 'relaxed' (simd.ts). */
  readonly simd: SimdBuild;
  readonly pool: KernelPool;
  close(): Promise<void>;
};

/** How the kernel reads a matrix operand: row-major with a leading dimension, or transposed. */
function layout(m: MatOperand): { trans: boolean; ld: number } | null {
  if (m.colStride === 1) return { trans: false, ld: m.rowStride };
  if (m.rowStride === 1) return { trans: true, ld: m.colStride };
  return null;
}

/** Products of fewer multiply-adds than this, in a batch, go whole to a thread (attention heads). */
const SMALL_PRODUCT_MACS = 1 << 20;

let toldOneThread = false;

/** Says once why there is one thread: a page that is not cross-origin isolated cannot share memory. */
function tellOneThread(): void {
  if (toldOneThread) return;
  toldOneThread = true;
  console.info(
    'Loom: this page is not cross-origin isolated, so WebAssembly memory cannot be shared and the kernels run on one thread. ' +
      'Serve it with Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp for worker threads.',
  );
}

let toldPlainFallback = false;

/**
 * The kernels of the build `o` asks for. 'auto' falls back to loom.wasm, saying so once, when
 * loom-relaxed.wasm cannot be loaded (a page whose server has only loom.wasm).
 */
async function loadBuild(o: WasmBackendOptions): Promise<{ k: WasmKernels; simd: SimdBuild }> {
  const choice = o.simd === undefined ? (simdFromEnvironment() ?? 'auto') : parseSimdChoice(o.simd, 'the simd option');
  const auto = choice === 'auto';
  const simd = auto && o.kernels !== undefined && o.relaxedKernels === undefined ? 'plain' : resolveSimd(choice);
  if (simd === 'plain') return { k: await loadKernels(heap.memory, o.kernels), simd };
  const relaxed = o.relaxedKernels ?? defaultWasmUrl('relaxed');
  try {
    return { k: await loadKernels(heap.memory, relaxed), simd };
  } catch (e) {
    if (!auto) throw e;
    if (!toldPlainFallback) {
      toldPlainFallback = true;
      const where = relaxed instanceof URL ? relaxed.href : 'the bytes given';
      console.info(`Loom: relaxed SIMD is supported here but loom-relaxed.wasm did not load from ${where} (${String(e)}); running the plain SIMD kernels of loom.wasm. Serve both files for fused multiply-adds.`);
    }
    return { k: await loadKernels(heap.memory, o.kernels), simd: 'plain' };
  }
}

export async function createWasmBackend(o: WasmBackendOptions = {}): Promise<WasmBackend> {
  const { k, simd } = await loadBuild(o);
  if (!heap.shared && o.threads !== 1) tellOneThread();
  const pool = await KernelPool.create(k, heap.shared ? o.threads : 1);
  const scratch = heap.alloc(pool.scratchBytes); // engine memory for the life of the process
  // Every Backend method a kernel declares it implements (kernels.ts) must be here.
  const overrides: Pick<Backend, KernelBackedMethod> = {
    ...elementwiseKernels(pool),
    ...sequenceKernels(k, pool),
    ...visionKernels(pool),

    fill(dst, n, value) {
      if (dst.kind === 'u8' || n < 65536) return referenceBackend.fill(dst, n, value);
      const bits = dst.kind === 'f32' ? new Int32Array(new Float32Array([value]).buffer)[0] : value | 0;
      pool.run('fill32', n, { dst: dst.off, bits });
    },

    matmul(batch, M, N, K, a, b, c, accumulate) {
      const la = layout(a);
      const lb = layout(b);
      if (!la || !lb || c.colStride !== 1) return referenceBackend.matmul(batch, M, N, K, a, b, c, accumulate);
      // one object literal of a fixed shape per call (spreading a shared one costs more than the product
      // itself for the one-row products of generation)
      const [lda, ldb, ldc, transA, transB, beta] = [la.ld, lb.ld, c.rowStride, la.trans, lb.trans, accumulate ? 1 : 0];
      if (batch > 1 && (pool.threads === 1 || batch >= pool.threads) && M * N * K < SMALL_PRODUCT_MACS) {
        pool.run('sgemmBatch', batch, {
          a: a.off, b: b.off, c: c.off, M, N, K, lda, ldb, ldc, transA, transB, alpha: 1, beta, scratch,
          strideA: a.batchStride * 4, strideB: b.batchStride * 4, strideC: c.batchStride * 4,
        });
        return;
      }
      for (let p = 0; p < batch; p++) {
        const [ap, bp, cp] = [a.off + p * a.batchStride, b.off + p * b.batchStride, c.off + p * c.batchStride];
        pool.sgemm({ a: ap, b: bp, c: cp, M, N, K, lda, ldb, ldc, transA, transB, alpha: 1, beta, scratch });
      }
    },

    reduce(op, x, out, outer, r, inner) {
      if (op !== 'sum') {
        const arg = op === 'argmax' || op === 'argmin';
        if (x.kind !== 'f32' || out.kind !== (arg ? 'i32' : 'f32') || r < 1) return referenceBackend.reduce(op, x, out, outer, r, inner);
        pool.run('reduceExtreme', outer * Math.ceil(inner / 4), { op: EXTREME_CODE[op], x: x.off, out: out.off, r, inner });
        return;
      }
      if (x.kind !== 'f32' || out.kind !== 'f32') return referenceBackend.reduce(op, x, out, outer, r, inner);
      const tasks = outer * (inner === 1 ? 1 : Math.ceil(inner / 16));
      pool.run('reduceSum', tasks, { x: x.off, out: out.off, r, inner });
    },

    softmax(x, y, rows, cols, log) {
      pool.run('softmax', rows, { x, y, cols, log });
    },

    softmaxBackward(y, dy, dx, rows, cols, log) {
      pool.run('softmaxBackward', rows, { y, dy, dx, cols, log });
    },

    scaledSoftmax(x, N, L, S, scale, causal, causalOffset) {
      pool.run('scaledSoftmax', N * L, { x, L, S, scale, causal, causalOffset });
    },

    layerNorm(x, w, b, y, mean, rstd, rows, D, eps) {
      pool.run('layerNorm', rows, { x, w, b, y, mean, rstd, D, eps });
    },

    layerNormBackward(x, w, mean, rstd, dy, dx, dw, db, rows, D) {
      if (dx >= 0) pool.run('layerNormBackward', rows, { x, w, mean, rstd, dy, dx, D });
      if (dw >= 0 || db >= 0) pool.run('layerNormParamGrad', Math.ceil(D / 4), { x, mean, rstd, dy, dw, db, rows, D });
    },

    indexSelect(table, rows, cols, idx, n, out) {
      return callKernel(k, 'indexSelect', { table, rows, cols, idx, n, out });
    },

    indexAdd(dtable, cols, idx, n, dout, skip) {
      callKernel(k, 'indexAdd', { dtable, cols, idx, n, dout, skip });
    },

    sumSquares(x, n) {
      return callKernel(k, 'sumSquares', { x, n });
    },

    adam(s) {
      const [beta1, beta2] = s.betas;
      // the scalars of adamUpdate (src/optim/updates.ts), computed the same way
      const decay = s.decoupled ? 1 - s.lr * s.weightDecay : 1;
      const l2 = s.decoupled ? 0 : s.weightDecay;
      const stepSize = s.lr / (1 - beta1 ** s.step);
      const bc2Sqrt = Math.sqrt(1 - beta2 ** s.step);
      pool.run('adam', s.n, { p: s.p, grad: s.grad, m: s.m, v: s.v, vmax: s.vmax, decay, l2, stepSize, bc2Sqrt, beta1, beta2, eps: s.eps, maximize: s.maximize });
    },

    sgd(s) {
      pool.run('sgd', s.n, s);
    },

    rmsprop(s) {
      pool.run('rmsprop', s.n, s);
    },

    recurrentStep(s) {
      pool.run('recurrentStep', s.B, { ...s, cell: CELL_CODE[s.cell] });
    },

    recurrentStepBackward(s) {
      pool.run('recurrentStepBackward', s.B, { ...s, cell: CELL_CODE[s.cell] });
    },
  };
  return {
    ...referenceBackend,
    ...overrides,
    name: `wasm(${pool.threads} thread${pool.threads > 1 ? 's' : ''})`,
    threads: pool.threads,
    simd,
    pool,
    close: () => pool.close(),
  };
}
