/**
 * The ceiling the kernels are measured against (`loom bench`): as/peak.ts's loop of multiply-adds on
 * registers alone, on every thread of a backend's pool. In the relaxed build each step is a fused
 * multiply-add (f32x4.relaxed_madd), so the figure is the machine's WebAssembly FMA peak
 * (`wasm_fma_peak_gflops`); in the plain build a mul and an add, the plain build's peak
 * (`wasm_simd_peak_gflops`). An sgemm can approach it but not pass it.
 *
 * Example:
 *   const b = await createWasmBackend({ simd: 'relaxed' });
 *   const { gflops } = simdPeak(b); // e.g. 76 on two cores with FMA
 */
import { heap } from '../../core/memory.js';
import type { WasmBackend } from './backend.js';

/** Flops per step of simdPeak (as/peak.ts): 12 f32x4 multiply-adds, 2 flops per lane. */
const FLOPS_PER_STEP = 96;
/** Steps per unit of work: about 0.2 ms of one core. */
const STEPS = 1 << 16;

export interface SimdPeak {
  /**
   * Billions of float32 operations per second, all threads together: the fastest of the timed runs (a
   * ceiling; on a shared machine the median is some other process's share).
   */
  gflops: number;
  simd: WasmBackend['simd'];
  threads: number;
}

/** Measures the register-only multiply-add peak of `b`'s build on all its threads (about 0.3 s). */
export function simdPeak(b: WasmBackend, { warm = 3, timed = 15 } = {}): SimdPeak {
  const units = 16 * b.threads; // enough parts that a thread the OS deschedules is caught up
  const out = heap.alloc(16 * b.threads);
  try {
    const secs: number[] = [];
    for (let r = 0; r < warm + timed; r++) {
      const t0 = performance.now();
      b.pool.run('simdPeak', units, { iters: STEPS, out });
      if (r >= warm) secs.push((performance.now() - t0) / 1000);
    }
    const s = Math.min(...secs);
    return { gflops: (units * STEPS * FLOPS_PER_STEP) / s / 1e9, simd: b.simd, threads: b.threads };
  } finally {
    heap.release(out, true);
  }
}
