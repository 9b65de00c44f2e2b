/**
 * The kernels on an unshared memory (a page that is not cross-origin isolated): the module's memory
 * import is declared unshared (unsharedMemoryImport) and computes what it computes on a shared one.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { compileKernels, defaultWasmUrl, instantiateKernels, unsharedMemoryImport } from '../src/backends/wasm/module.js';

const bytes = new Uint8Array(readFileSync(defaultWasmUrl()));

/** C = A @ B (3 x 4 by 4 x 2) with the kernels on `memory`. */
function product(module: WebAssembly.Module, memory: WebAssembly.Memory): number[] {
  const k = instantiateKernels(module, memory);
  const f32 = new Float32Array(memory.buffer);
  const [a, b, c, scratch] = [0, 64, 128, 1024];
  f32.set([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], a / 4);
  f32.set([1, -1, 0.5, 2, -3, 0, 4, 1], b / 4);
  k.sgemm(a, b, c, 3, 2, 4, 4, 2, 2, 0, 0, 1, 0, 0, 3, scratch);
  return [...f32.subarray(c / 4, c / 4 + 6)];
}

test('the unshared variant instantiates against an unshared memory and gives the same product', async () => {
  const shared = product(await compileKernels(bytes), new WebAssembly.Memory({ initial: 1, maximum: 65536, shared: true }));
  const unshared = product(await WebAssembly.compile(unsharedMemoryImport(bytes)), new WebAssembly.Memory({ initial: 1, maximum: 65536 }));
  assert.deepEqual(shared, [9, 7, 19, 15, 29, 23]);
  assert.deepEqual(unshared, shared);
});

test('the shared module refuses an unshared memory, which is why the variant exists', async () => {
  const module = await compileKernels(bytes);
  assert.throws(() => instantiateKernels(module, new WebAssembly.Memory({ initial: 1, maximum: 65536 })), WebAssembly.LinkError);
});

test('unsharedMemoryImport refuses a module without a shared memory import', () => {
  assert.throws(() => unsharedMemoryImport(unsharedMemoryImport(bytes)), /expected a shared memory import/);
});
