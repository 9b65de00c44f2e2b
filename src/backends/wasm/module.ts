/**
 * Loads the WebAssembly kernels (dist/wasm/loom.wasm, built by scripts/build-wasm.mjs from
 * src/backends/wasm/as/) against the engine's shared memory.
 *
 * The module imports that memory as `env.memory` and owns no memory of its own: no heap, no data
 * segments, so instantiating it never writes to the memory. Every pointer argument is a byte address in
 * that memory, and the same compiled module can be instantiated again in each worker thread with the
 * same memory (see threads.ts).
 *
 * The kernels and their arguments are declared in kernels.ts; instantiating checks that the module has
 * each of them with the declared number of arguments.
 *
 * Example:
 *   const k = await loadKernels(heap.memory);
 *   const scratch = heap.alloc(k.sgemmScratchBytes());
 *   k.sgemm(a, b, c, M, N, K, K, N, N, 0, 0, 1, 0, 0, M, scratch); // C = A @ B (byte addresses)
 */
import { arity, KERNELS, type KernelName, type WasmExports } from './kernels.js';

export type WasmKernels = WasmExports & {
  /** The compiled module, to instantiate again in a worker (a WebAssembly.Module can be posted). */
  readonly module: WebAssembly.Module;
  readonly memory: WebAssembly.Memory;
};

/** Where the build puts the module, relative to this file once compiled to dist/src/backends/wasm/. */
export const defaultWasmUrl = (): URL => new URL('../../../wasm/loom.wasm', import.meta.url);

const isNode = typeof process !== 'undefined' && !!process.versions?.node;

const compiled = new Map<string, Promise<WebAssembly.Module>>();

/** Compiles the module once per source URL. */
export function compileKernels(url: URL = defaultWasmUrl()): Promise<WebAssembly.Module> {
  let mod = compiled.get(url.href);
  if (!mod) {
    mod = readBytes(url).then((bytes) => WebAssembly.compile(bytes));
    compiled.set(url.href, mod);
    mod.catch(() => compiled.delete(url.href));
  }
  return mod;
}

async function readBytes(url: URL): Promise<BufferSource> {
  if (isNode && url.protocol === 'file:') {
    const { readFile } = await import('node:fs/promises');
    try {
      return await readFile(url);
    } catch (e) {
      throw new Error(
        `loadKernels: expected the compiled kernels at ${url.pathname}; run \`node scripts/build-wasm.mjs\` (${String(e)})`,
      );
    }
  }
  const res = await fetch(url);
  if (!res.ok) throw new Error(`loadKernels: expected the compiled kernels at ${url.href}, got HTTP ${res.status}`);
  return res.arrayBuffer();
}

/** Instantiates an already compiled module with `memory` (synchronous: usable inside a worker's setup). */
export function instantiateKernels(module: WebAssembly.Module, memory: WebAssembly.Memory): WasmKernels {
  const instance = new WebAssembly.Instance(module, { env: { memory } });
  const ex = instance.exports as unknown as WasmExports;
  for (const name of Object.keys(KERNELS) as KernelName[]) {
    const fn: unknown = ex[name];
    const want = arity(name);
    if (typeof fn !== 'function' || fn.length !== want) {
      const got = typeof fn !== 'function' ? 'no such export' : `${fn.length} arguments`;
      throw new Error(`loom.wasm: expected kernel ${name} with ${want} arguments (kernels.ts), got ${got}; rebuild with \`npm run build\``);
    }
  }
  return { ...ex, module, memory };
}

/**
 * Loads loom.wasm (Node: from the file system; browser: fetch) and instantiates it against `memory`,
 * which must be shared (the module declares `(memory 0 65536 shared)`).
 */
export async function loadKernels(memory: WebAssembly.Memory, url: URL = defaultWasmUrl()): Promise<WasmKernels> {
  if (typeof SharedArrayBuffer === 'undefined' || !(memory.buffer instanceof SharedArrayBuffer)) {
    throw new Error('loadKernels: expected a shared WebAssembly.Memory ({shared: true, maximum: 65536}), got an unshared one');
  }
  return instantiateKernels(await compileKernels(url), memory);
}
