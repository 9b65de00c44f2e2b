/**
 * Chooses the backend at start-up: WebAssembly SIMD kernels on every core when the module loads, the
 * reference kernels otherwise. `LOOM_BACKEND=reference` forces the reference; `LOOM_THREADS=n` sets the
 * thread count.
 */
import { setBackend } from './backend.js';
import { createWasmBackend } from './wasm/backend.js';

const env = typeof process !== 'undefined' ? process.env : {};

if (env.LOOM_BACKEND !== 'reference') {
  const threads = env.LOOM_THREADS ? Number(env.LOOM_THREADS) : undefined;
  setBackend(await createWasmBackend({ threads }));
}
