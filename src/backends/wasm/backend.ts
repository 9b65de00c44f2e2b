/**
 * The WebAssembly backend: the reference kernels, with the hot ones overridden by WebAssembly SIMD
 * kernels that work in place on the shared heap and split large products across worker threads.
 * Every override is checked against the reference by the same tests (test/backends.test.ts, parity).
 */
import { heap } from '../../core/memory.js';
import type { Backend, MatOperand } from '../backend.js';
import { referenceBackend } from '../reference.js';
import { loadKernels, type WasmKernels } from './module.js';
import { SgemmPool } from './threads.js';

export interface WasmBackendOptions {
  /** Threads for large products, counting the caller (default: one per core; 1 = no workers). */
  threads?: number;
}

/** How the kernel reads a matrix operand: row-major with a leading dimension, or transposed. */
function layout(m: MatOperand): { trans: number; ld: number } | null {
  if (m.colStride === 1) return { trans: 0, ld: m.rowStride };
  if (m.rowStride === 1) return { trans: 1, ld: m.colStride };
  return null;
}

export async function createWasmBackend(o: WasmBackendOptions = {}): Promise<Backend & { threads: number; close(): Promise<void> }> {
  const kernels: WasmKernels = await loadKernels(heap.memory);
  const pool = await SgemmPool.create(kernels, o.threads);
  const scratchStorage = heap.alloc(pool.scratchBytes);
  return {
    ...referenceBackend,
    name: `wasm(${pool.threads} thread${pool.threads > 1 ? 's' : ''})`,
    threads: pool.threads,
    close: () => pool.close(),

    matmul(batch, M, N, K, a, b, c, accumulate) {
      const la = layout(a);
      const lb = layout(b);
      if (!la || !lb || c.colStride !== 1) return referenceBackend.matmul(batch, M, N, K, a, b, c, accumulate);
      for (let p = 0; p < batch; p++) {
        pool.sgemm(
          (a.off + p * a.batchStride) * 4,
          (b.off + p * b.batchStride) * 4,
          (c.off + p * c.batchStride) * 4,
          M, N, K, la.ld, lb.ld, c.rowStride, la.trans, lb.trans, 1, accumulate ? 1 : 0, scratchStorage,
        );
      }
    },
  };
}
