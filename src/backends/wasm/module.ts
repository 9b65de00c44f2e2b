/**
 * Loads the WebAssembly kernels (dist/wasm/loom.wasm, built by scripts/build-wasm.mjs from
 * src/backends/wasm/as/) against the engine's shared memory.
 *
 * The module imports that memory as `env.memory` and owns no memory of its own: no heap, no data
 * segments, so instantiating it never writes to the memory. Every pointer argument is a byte address in
 * that memory, and the same compiled module can be instantiated again in each worker thread with the
 * same memory (see threads.ts).
 *
 * Example:
 *   const k = await loadKernels(heap.memory);
 *   const scratch = heap.alloc(k.sgemmScratchBytes());
 *   k.sgemm(a, b, c, M, N, K, K, N, N, 0, 0, 1, 0, 0, M, scratch); // C = A @ B
 */

/**
 * A kernel the thread pool can split (threads.ts): `(start, end, part, ...args)` does the range
 * [start, end) of its split dimension as thread `part`. Arguments are numbers (byte addresses, sizes,
 * op codes, scalars).
 */
export type RangeKernel = (start: number, end: number, part: number, ...args: number[]) => void;

/** The raw exports of loom.wasm. Every pointer is a byte address in the shared memory. */
export interface WasmExports {
  /**
   * C = alpha * op(A) @ op(B) + beta * C on rows [rowStart, rowEnd) of C, all row-major float32.
   * op(A) is M x K (A stored K x M when transA = 1), op(B) is K x N (B stored N x K when transB = 1);
   * lda, ldb, ldc are the row strides of the stored matrices in elements. beta = 0 overwrites C without
   * reading it. `scratch` is sgemmScratchBytes() bytes of working space, 16-byte aligned, that no other
   * call uses at the same time.
   */
  sgemm(
    a: number,
    b: number,
    c: number,
    M: number,
    N: number,
    K: number,
    lda: number,
    ldb: number,
    ldc: number,
    transA: number,
    transB: number,
    alpha: number,
    beta: number,
    rowStart: number,
    rowEnd: number,
    scratch: number,
  ): void;
  /** Bytes of scratch one sgemm call needs. */
  sgemmScratchBytes(): number;

  // Range kernels (see the kernel files in src/backends/wasm/as/ for their arguments).
  /** sgemm on rows [start, end) with thread `part`'s scratch: (a, b, c, M, N, K, lda, ldb, ldc, transA, transB, alpha, beta, scratch). */
  sgemmRows: RangeKernel;
  /** Columns [start, end) of a product of at most 3 rows: sgemmRows' arguments. */
  sgemmCols: RangeKernel;
  /** Whole products p in [start, end): sgemmRows' arguments, then strideA, strideB, strideC (bytes). */
  sgemmBatch: RangeKernel;
  unary: RangeKernel;
  unaryBackward: RangeKernel;
  binary1: RangeKernel;
  binary4: RangeKernel;
  copy1: RangeKernel;
  copy4: RangeKernel;
  reduceSum: RangeKernel;
  softmax: RangeKernel;
  softmaxBackward: RangeKernel;
  scaledSoftmax: RangeKernel;
  layerNorm: RangeKernel;
  layerNormBackward: RangeKernel;
  layerNormParamGrad: RangeKernel;
  adam: RangeKernel;
  sgd: RangeKernel;
  // The vision kernels (as/conv.ts, as/pool.ts, as/batchnorm.ts), bound in vision.ts.
  im2col: RangeKernel;
  col2im: RangeKernel;
  convOutput: RangeKernel;
  convOutputBackward: RangeKernel;
  maxPool: RangeKernel;
  maxPoolBackward: RangeKernel;
  avgPool: RangeKernel;
  avgPoolBackward: RangeKernel;
  batchNormStats: RangeKernel;
  batchNormApply: RangeKernel;
  batchNormBackward: RangeKernel;
  batchNormRunningUpdate: RangeKernel;

  // Single-threaded kernels.
  sumSquares(x: number, n: number): number;
  /** Returns -1, or the position of the first index out of [0, rows). */
  indexSelect(table: number, rows: number, cols: number, idx: number, n: number, out: number): number;
  indexAdd(dtable: number, cols: number, idx: number, n: number, dout: number, skip: number): void;
  /** One recurrent step for rows [start, end): (cell, H, gx, gh, bih, bhh, h, c, act, hOut, cOut, y, yStride, mask). */
  recurrentStep: RangeKernel;
  /** Its backward for rows [start, end): (cell, H, h, c, act, cOut, dy, yStride, mask, dh, dc, dgx, dgh). */
  recurrentStepBackward: RangeKernel;
}

/** The range kernels, by index: how a thread pool names a kernel to its workers. */
export const RANGE_KERNELS = [
  'sgemmRows', 'sgemmCols', 'sgemmBatch', 'unary', 'unaryBackward', 'binary1', 'binary4', 'copy1', 'copy4', 'reduceSum',
  'softmax', 'softmaxBackward', 'scaledSoftmax', 'layerNorm', 'layerNormBackward', 'layerNormParamGrad',
  'adam', 'sgd', 'recurrentStep', 'recurrentStepBackward',
  'im2col', 'col2im', 'convOutput', 'convOutputBackward', 'maxPool', 'maxPoolBackward', 'avgPool', 'avgPoolBackward',
  'batchNormStats', 'batchNormApply', 'batchNormBackward', 'batchNormRunningUpdate',
] as const satisfies readonly (keyof WasmExports)[];

export type RangeKernelName = (typeof RANGE_KERNELS)[number];

export interface WasmKernels extends WasmExports {
  /** The compiled module, to instantiate again in a worker (a WebAssembly.Module can be posted). */
  readonly module: WebAssembly.Module;
  readonly memory: WebAssembly.Memory;
}

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
