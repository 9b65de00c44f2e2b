/**
 * Chooses the backend at start-up (imported by the entries): WebAssembly SIMD kernels on every core.
 * `LOOM_BACKEND=reference` forces the reference kernels; `LOOM_THREADS=n` sets the thread count;
 * `LOOM_SIMD=plain|relaxed|auto` the build of the kernels (wasm/simd.ts; default auto: relaxed SIMD
 * where the platform has it).
 *
 * The kernel pool's workers are those the Node entry installed before this runs (node:worker_threads),
 * else Web Workers where the platform has them; a page that is not cross-origin isolated runs on one
 * thread (backend.ts says so once).
 */
import { setBackend } from './backend.js';
import { createWasmBackend } from './wasm/backend.js';
import { hasWorkerTransport, setWorkerTransport } from './wasm/threads.js';
import { webWorkers } from './wasm/web-workers.js';

const env = typeof process !== 'undefined' ? process.env : {};

if (!hasWorkerTransport() && typeof Worker === 'function') setWorkerTransport(webWorkers);

if (env.LOOM_BACKEND !== 'reference') {
  const threads = env.LOOM_THREADS ? Number(env.LOOM_THREADS) : undefined;
  setBackend(await createWasmBackend({ threads }));
}
