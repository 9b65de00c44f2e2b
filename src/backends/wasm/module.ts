/**
 * Loads the WebAssembly kernels (dist/wasm/loom.wasm, or loom-relaxed.wasm, the relaxed-SIMD build of
 * the same sources: see simd.ts; both built by scripts/build-wasm.mjs from src/backends/wasm/as/)
 * against the engine's shared memory.
 *
 * The module imports that memory as `env.memory` and owns no memory of its own: no heap, no data
 * segments, so instantiating it never writes to the memory. Every pointer argument is a byte address in
 * that memory, and the same compiled module can be instantiated again in each worker thread with the
 * same memory (see threads.ts). Where memory cannot be shared (a page without cross-origin isolation)
 * the module is instantiated against an unshared memory, for one thread.
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
import type { SimdBuild } from './simd.js';

export type WasmKernels = WasmExports & {
  /** The compiled module, to instantiate again in a worker (a WebAssembly.Module can be posted). */
  readonly module: WebAssembly.Module;
  readonly memory: WebAssembly.Memory;
};

/**
 * Where the build puts a module, relative to this file once compiled to dist/src/backends/wasm/: one
 * `new URL('literal', import.meta.url)` per build, the form bundlers (Vite, webpack 5) find and emit.
 */
export const defaultWasmUrl = (simd: SimdBuild = 'plain'): URL =>
  simd === 'relaxed' ? new URL('../../../wasm/loom-relaxed.wasm', import.meta.url) : new URL('../../../wasm/loom.wasm', import.meta.url);

/** The module's bytes, or where to get them (a URL the page's bundler emitted, or a file: URL in Node.js). */
export type KernelSource = URL | Uint8Array<ArrayBuffer>;

/** Reads a file: URL (fetch cannot); installed by the Node entry (node-workers.ts). */
let readFileUrl: ((url: URL) => Promise<Uint8Array<ArrayBuffer>>) | null = null;

export function setKernelFileReader(read: (url: URL) => Promise<Uint8Array<ArrayBuffer>>): void {
  readFileUrl = read;
}

const compiled = new Map<string, Promise<WebAssembly.Module>>();

/**
 * Compiles the module once per source URL and memory kind. `shared`: for a shared memory (the build's
 * module); otherwise the memory import is declared unshared (a page that is not cross-origin isolated).
 */
export function compileKernels(source: KernelSource = defaultWasmUrl(), shared = true): Promise<WebAssembly.Module> {
  if (source instanceof Uint8Array) return WebAssembly.compile(shared ? source : unsharedMemoryImport(source));
  const key = `${shared ? 'shared' : 'unshared'} ${source.href}`;
  let mod = compiled.get(key);
  if (!mod) {
    mod = compileUrl(source, shared);
    compiled.set(key, mod);
    mod.catch(() => compiled.delete(key));
  }
  return mod;
}

async function compileUrl(url: URL, shared: boolean): Promise<WebAssembly.Module> {
  if (url.protocol === 'file:') {
    if (!readFileUrl) throw new Error(`loadKernels: expected a file reader for ${url.href}, got none (in Node.js import loom-nn/node)`);
    let bytes: Uint8Array<ArrayBuffer>;
    try {
      bytes = await readFileUrl(url);
    } catch (e) {
      throw new Error(`loadKernels: expected the compiled kernels at ${url.pathname}; run \`node scripts/build-wasm.mjs\` (${String(e)})`);
    }
    return WebAssembly.compile(shared ? bytes : unsharedMemoryImport(bytes));
  }
  const res = await fetch(url);
  if (!res.ok) throw new Error(`loadKernels: expected the compiled kernels at ${url.href}, got HTTP ${res.status}`);
  if (shared && res.headers.get('content-type') === 'application/wasm') return WebAssembly.compileStreaming(res);
  const bytes = new Uint8Array(await res.arrayBuffer());
  return WebAssembly.compile(shared ? bytes : unsharedMemoryImport(bytes));
}

/** Reads an unsigned LEB128 at `p`: [value, next position]. */
function leb(b: Uint8Array, p: number): [number, number] {
  let v = 0;
  for (let shift = 0; ; shift += 7) {
    const byte = b[p++];
    v += (byte & 0x7f) * 2 ** shift;
    if (byte < 0x80) return [v, p];
  }
}

/**
 * A copy of the module whose memory import is unshared: the limits flag of `env.memory` goes from 0x03
 * (shared, with maximum) to 0x01. The kernels use no atomics, so the code validates against either.
 */
export function unsharedMemoryImport(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  const b = new Uint8Array(bytes);
  let p = 8; // magic and version
  while (p < b.length) {
    const id = b[p];
    const [size, body] = leb(b, p + 1);
    if (id === 2) {
      let [count, q] = leb(b, body);
      for (; count > 0; count--) {
        for (let name = 0; name < 2; name++) {
          const [len, at] = leb(b, q);
          q = at + len;
        }
        const kind = b[q++];
        if (kind !== 2) throw new Error(`unsharedMemoryImport: expected only a memory import, found import kind ${kind}`);
        if (b[q] !== 0x03) throw new Error(`unsharedMemoryImport: expected a shared memory import (limits 0x03), found 0x${b[q].toString(16)}`);
        b[q] = 0x01;
        return b;
      }
    }
    p = body + size;
  }
  throw new Error('unsharedMemoryImport: the module imports no memory');
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
 * Loads loom.wasm (a URL: Node.js reads file: URLs through the Node entry, a page fetches; or its bytes)
 * and instantiates it against `memory`, shared (threads) or not (one thread).
 */
export async function loadKernels(memory: WebAssembly.Memory, source: KernelSource = defaultWasmUrl()): Promise<WasmKernels> {
  const shared = typeof SharedArrayBuffer === 'function' && memory.buffer instanceof SharedArrayBuffer;
  return instantiateKernels(await compileKernels(source, shared), memory);
}
