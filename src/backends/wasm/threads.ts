/**
 * A pool of worker threads that split any range kernel of loom.wasm
 * (matmul rows, elementwise ranges, softmax or LayerNorm rows, optimizer ranges, ...) over all cores.
 *
 * Every worker instantiates the same compiled module against the same shared memory, so the tensors are
 * never copied: a call writes the kernel's index, its arguments and each part's range to a small
 * control block (a SharedArrayBuffer), bumps a generation counter and wakes the workers with
 * Atomics.notify. The range is cut into PARTS_PER_THREAD parts per thread (fewer where a kernel says
 * so); thread t owns parts t, t + threads, ...
 * Each thread claims (a compare-and-swap) and runs its own parts, then any part still unclaimed: a
 * worker the OS has not scheduled, or one still waking up, costs nothing, and a slower thread is
 * caught up by the others part by part. The calling thread waits for the parts in progress. A call is
 * synchronous, like the single-threaded kernel, and gives the same result for any thread count and
 * whoever runs a part (the parts' bounds are fixed, each element always gets the same arithmetic).
 *
 * `threads` counts the calling thread: threads = 2 is the caller plus one worker. Small calls run on the
 * caller alone: each kernel says how much work (`grain`) one thread must get before waking another pays.
 * Workers poll for SPIN_MS after a call before sleeping. On a machine with other busy processes a
 * polling worker is often descheduled: then the caller does most parts itself, correct but no faster.
 *
 * A kernel is called by name with named arguments (`run`); its declaration in kernels.ts gives their
 * order and conversions, and its grain and alignment.
 *
 * Example (x, y, a, b, c are offsets into heap.f32):
 *   const kernels = await loadKernels(heap.memory);
 *   const pool = await KernelPool.create(kernels, 2);
 *   pool.run('unary', n, { op: UNARY_CODE.exp, x, y }); // y = exp(x) on two threads
 *   const scratch = heap.alloc(pool.scratchBytes);
 *   pool.sgemm({ a, b, c, M, N, K, lda: K, ldb: N, ldc: N, transA: false, transB: false, alpha: 1, beta: 0, scratch }); // C = A @ B
 *   await pool.close();
 *
 * The protocol is the same on every platform; how a worker is started (node:worker_threads, Web
 * Workers) is a WorkerTransport, which the entry installs (src/node.ts: node-workers.ts; the browser
 * entry: web-workers.ts).
 */

import { arity, kernelIndex, marshal, PARTS_PER_THREAD, RANGE_KERNELS, splitOf, type KernelArgs, type RangeKernelName } from './kernels.js';
import { instantiateKernels, type WasmKernels } from './module.js';

/** A range kernel as WebAssembly takes it: `(start, end, part, ...args)` (kernels.ts declares the args). */
type RangeKernel = (start: number, end: number, part: number, ...args: number[]) => void;

// Control block: Int32 slots, then Float64 arguments (exact for u32 addresses and f32/f64 scalars),
// then the range bounds of the parts.
const GEN = 0; // bumped once per call; workers wait on it
const DONE = 1; // workers that finished the current call
const STOP = 2; // 1: workers exit
const FAILED = 3; // workers whose kernel threw during the current call
const KERNEL = 4; // index into RANGE_KERNELS
const PARTS = 5; // parts of the current call
const OWNERS = 6; // threads the parts are dealt to
const INT_SLOTS = 8;
const MAX_THREADS = 64;
const MAX_PARTS = MAX_THREADS * PARTS_PER_THREAD;
/** After the int slots: one claim flag per part (0 free, 1 taken). */
const CLAIMS = INT_SLOTS;
/** The most arguments a range kernel takes after (start, end, part). */
export const MAX_ARGS = 20;
const ARGS_BYTE = (INT_SLOTS + MAX_PARTS) * 4;
for (const k of RANGE_KERNELS) {
  if (arity(k) - 3 > MAX_ARGS) throw new Error(`KernelPool: range kernel ${k} takes ${arity(k) - 3} arguments, the control block holds ${MAX_ARGS} (MAX_ARGS)`);
}
const CONTROL_BYTES = ARGS_BYTE + (MAX_ARGS + MAX_PARTS + 1) * 8;

/**
 * How long a thread polls a counter before sleeping on it (ms). A wake-up through the OS costs tens of
 * microseconds, more than many kernels take; a worker that polls through the JavaScript between two
 * kernels of a step (or two tokens of generation) is ready in a microsecond.
 */
const SPIN_MS = 0.5;
/** Polls between two looks at the clock. */
const SPIN_CHECK = 256;

/**
 * Products of fewer rows than this split by columns: a row split would pack all of B in every thread
 * and leave a thread with more register tiles than another (32 rows: 4 tiles and 3); a column split
 * packs each part of B once. Below 4 rows (a batch of one) B is not packed at all (matmul.ts) and the
 * product is bound by reading B (a GRU layer's 768 x 256 weights come from L3): two cores reading half
 * each take about half the time.
 */
const COLUMN_SPLIT_ROWS = 64;
/**
 * Wider products split by columns too once N >= WIDE_COLUMNS * M. Each row part packs all of B (K x N
 * floats) and each column part all of A (M x K splats of 4 floats, matmul.ts), so with several parts
 * a column split moves less memory when N > 4 M. A convolution's im2col product is such a one
 * (64 x 288 by 288 x 12544 in the CNN's second layer: 7.9 ms split by rows, 4.9 ms by columns).
 */
const WIDE_COLUMNS = 4;
/** Column-split products are worth a second thread from this many multiply-adds. */
const MIN_PARALLEL_MACS_COLUMNS = 1 << 15;

/** What a worker is started with (posted to it: a compiled module, shared memory and buffer). */
export interface WorkerInit {
  kind: 'loom-kernel-worker';
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  control: SharedArrayBuffer;
  part: number;
}

/** A started worker, as the pool sees it. */
export interface PoolWorker {
  /** Resolves once the worker has exited; called before the pool tells the workers to stop. */
  exited(): Promise<void>;
  /** Ends the worker at once (a failed start). */
  terminate(): Promise<void>;
}

/** How a platform starts the pool's workers. */
export interface WorkerTransport {
  /** Threads the machine can run at once: the default pool size. */
  readonly cores: number;
  /** Starts a worker that runs runWorker(init); resolves once it has instantiated the kernels. */
  start(init: WorkerInit): Promise<PoolWorker>;
}

let transport: WorkerTransport | null = null;

/** Sets how pools start their workers from now on (done by the entries: src/node.ts, install.ts). */
export function setWorkerTransport(t: WorkerTransport): void {
  transport = t;
}

/** True once an entry has set a transport (without one, pools have one thread). */
export function hasWorkerTransport(): boolean {
  return transport !== null;
}

/**
 * True where this thread may block in Atomics.wait (not a browser's main thread); a caller that may not
 * only polls while the workers finish.
 */
function canBlock(): boolean {
  try {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
    return true;
  } catch {
    return false;
  }
}

interface ParallelOptions {
  /** The least work per thread (in units of the range) before another thread is woken. */
  grain: number;
  /** Parts start on multiples of this. */
  align: number;
  /** Parts per thread at most. */
  partsPerThread: number;
}

/** Calls a range kernel with up to MAX_ARGS arguments (extra ones are ignored by WebAssembly). */
function call(fn: RangeKernel, start: number, end: number, part: number, a: ArrayLike<number>): void {
  fn(start, end, part, a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11], a[12], a[13], a[14], a[15], a[16], a[17], a[18], a[19]);
}

export class KernelPool {
  /** Bytes of scratch an sgemm call needs: one kernel scratch area per thread, at the `scratch` argument. */
  readonly scratchBytes: number;
  private readonly ctl: Int32Array;
  private readonly args: Float64Array;
  private readonly fns: RangeKernel[];
  private closed = false;
  private readonly blocks = canBlock();

  private constructor(
    readonly kernels: WasmKernels,
    readonly threads: number,
    private readonly workers: PoolWorker[],
    control: ArrayBufferLike,
  ) {
    this.ctl = new Int32Array(control, 0, INT_SLOTS + MAX_PARTS);
    this.args = new Float64Array(control, ARGS_BYTE);
    this.scratchBytes = threads * kernels.sgemmScratchBytes();
    this.fns = RANGE_KERNELS.map((k) => kernels[k]);
  }

  /**
   * Starts threads - 1 workers (threads counts the caller; default: one per core) with `workers` (default:
   * the installed transport) and resolves once each has instantiated the kernels.
   */
  static async create(kernels: WasmKernels, threads?: number, workers = transport): Promise<KernelPool> {
    threads ??= workers?.cores ?? 1;
    if (!Number.isInteger(threads) || threads < 1 || threads > MAX_THREADS) {
      throw new Error(`KernelPool: threads must be an integer in [1, ${MAX_THREADS}], got ${threads}`);
    }
    if (threads === 1) return new KernelPool(kernels, 1, [], new ArrayBuffer(CONTROL_BYTES));
    if (!workers) {
      throw new Error(`KernelPool: ${threads} threads need a worker transport, got none (in Node.js import loom-nn/node)`);
    }
    const control = new SharedArrayBuffer(CONTROL_BYTES);
    const started: Promise<PoolWorker>[] = [];
    for (let part = 1; part < threads; part++) {
      started.push(workers.start({ kind: 'loom-kernel-worker', module: kernels.module, memory: kernels.memory, control, part }));
    }
    const outcomes = await Promise.allSettled(started);
    const failed = outcomes.find((o) => o.status === 'rejected');
    const running = outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
    if (failed) {
      await Promise.all(running.map((w) => w.terminate()));
      throw failed.reason;
    }
    return new KernelPool(kernels, threads, running, control);
  }

  /** How many threads `n` units of work are worth, at least `grain` each. */
  partsFor(n: number, grain = 1): number {
    if (this.threads === 1 || n < 2 * grain) return 1;
    return Math.min(this.threads, Math.floor(n / grain));
  }

  /**
   * Runs range kernel `kernel` over its units [0, n) with `args`, split into near-equal parts over the
   * threads that the work is worth (its declaration's grain and alignment, kernels.ts).
   */
  run<K extends RangeKernelName>(kernel: K, n: number, args: NoInfer<KernelArgs<K>>): void {
    this.parallelFor(kernelIndex(kernel), n, marshal(kernel, args), splitOf(kernel, args));
  }

  /** `run` on positional arguments: `kernel` is an index into RANGE_KERNELS. */
  private parallelFor(kernel: number, n: number, args: number[], o: ParallelOptions): void {
    if (this.closed) throw new Error('KernelPool: called after close()');
    const parts = this.partsFor(n, o.grain);
    if (parts <= 1) {
      // exactly the kernel's arguments: a call of the right arity takes V8's fast path into WebAssembly
      this.fns[kernel](0, n, 0, ...args);
      return;
    }
    const { align, grain, partsPerThread } = o;
    const a = this.args;
    const ctl = this.ctl;
    for (let i = 0; i < args.length; i++) a[i] = args[i];
    // `parts` threads share the work; partsPerThread parts each when the work allows it. Part q gets
    // [bounds[q], bounds[q+1]) and belongs to thread q % owners.
    const owners = parts;
    const nParts = n >= owners * partsPerThread * grain ? owners * partsPerThread : owners;
    const perPart = Math.ceil(n / nParts / align) * align;
    for (let q = 0; q <= nParts; q++) a[MAX_ARGS + q] = Math.min(n, q * perPart);
    ctl[KERNEL] = kernel;
    ctl[PARTS] = nParts;
    ctl[OWNERS] = owners;
    // Order matters to a worker still busy with an earlier call: it can only claim a part after the
    // claims are reset, and by then the arguments and DONE are already those of this call.
    Atomics.store(ctl, DONE, 0);
    Atomics.store(ctl, FAILED, 0);
    for (let q = 0; q < nParts; q++) Atomics.store(ctl, CLAIMS + q, 0);
    Atomics.add(ctl, GEN, 1);
    Atomics.notify(ctl, GEN);

    // The caller's parts, then any still unclaimed. Should a kernel throw, the workers are still waited
    // for, so that no worker is running when the next call rewrites the control block.
    const fn = this.fns[kernel];
    let error: unknown = null;
    let mine = 0;
    for (let pass = 0; pass < 2; pass++) {
      for (let q = 0; q < nParts; q++) {
        if ((pass === 0) !== (q % owners === 0) || Atomics.compareExchange(ctl, CLAIMS + q, 0, 1) !== 0) continue;
        try {
          if (error === null) call(fn, a[MAX_ARGS + q], a[MAX_ARGS + q + 1], 0, args);
        } catch (e) {
          error = e;
        }
        mine++;
      }
    }
    const want = nParts - mine;
    let deadline = 0;
    for (let spin = 1; Atomics.load(ctl, DONE) < want; spin++) {
      if (spin % SPIN_CHECK !== 0) continue;
      const now = performance.now();
      if (deadline === 0) deadline = now + SPIN_MS;
      else if (now > deadline) {
        const done = Atomics.load(ctl, DONE);
        if (done < want && this.blocks) Atomics.wait(ctl, DONE, done, 1);
      }
    }
    if (error !== null) throw error;
    const failed = Atomics.load(ctl, FAILED);
    if (failed > 0) throw new Error(`KernelPool: ${RANGE_KERNELS[kernel]} failed in ${failed} worker(s) (n=${n}); see stderr`);
  }

  /**
   * C = alpha * op(A) @ op(B) + beta * C (the kernel's sgemm over all M rows), split over the threads by
   * rows, or by columns for a product of few rows or of many more columns than rows. `scratch` is
   * `scratchBytes` bytes of the shared memory, 16-byte aligned, used by no other call meanwhile.
   */
  sgemm(args: KernelArgs<'sgemmRows'>): void {
    const { M, N, K } = args;
    if ((M < COLUMN_SPLIT_ROWS || N >= WIDE_COLUMNS * M) && this.threads > 1 && M * N * K >= MIN_PARALLEL_MACS_COLUMNS && N >= 32) this.run('sgemmCols', N, args);
    else this.run('sgemmRows', M, args);
  }

  /** Stops the workers. The pool cannot be used afterwards. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const exits = this.workers.map((w) => w.exited());
    Atomics.store(this.ctl, STOP, 1);
    Atomics.add(this.ctl, GEN, 1);
    Atomics.notify(this.ctl, GEN);
    await Promise.all(exits);
  }
}

/**
 * A worker's life: instantiate, say `ready`, then claim and run its part of each call until told to stop
 * (then it returns). Run by the transports' worker scripts.
 */
export function runWorker(init: WorkerInit, ready: () => void): void {
  const kernels = instantiateKernels(init.module, init.memory);
  const fns = RANGE_KERNELS.map((k) => kernels[k]);
  const ctl = new Int32Array(init.control, 0, INT_SLOTS + MAX_PARTS);
  const args = new Float64Array(init.control, ARGS_BYTE);
  const p = init.part;
  let seen = Atomics.load(ctl, GEN);
  ready();
  for (;;) {
    let deadline = 0;
    for (let spin = 1; Atomics.load(ctl, GEN) === seen; spin++) {
      if (spin % SPIN_CHECK !== 0) continue;
      const now = performance.now();
      if (deadline === 0) deadline = now + SPIN_MS;
      else if (now > deadline) Atomics.wait(ctl, GEN, seen);
    }
    seen = Atomics.load(ctl, GEN);
    if (Atomics.load(ctl, STOP) !== 0) return;
    // this thread's parts, then any still unclaimed; a successful claim means the part belongs to the
    // latest call (claims are reset after its arguments are written), so they are read after it
    const nParts = Atomics.load(ctl, PARTS);
    const owners = Atomics.load(ctl, OWNERS);
    for (let pass = 0; pass < 2; pass++) {
      for (let q = 0; q < nParts; q++) {
        if ((pass === 0) !== (q % owners === p) || Atomics.compareExchange(ctl, CLAIMS + q, 0, 1) !== 0) continue;
        const k = Atomics.load(ctl, KERNEL);
        try {
          call(fns[k], args[MAX_ARGS + q], args[MAX_ARGS + q + 1], p, args);
        } catch (e) {
          Atomics.add(ctl, FAILED, 1);
          console.error(`KernelPool: worker ${p}: ${RANGE_KERNELS[k]}: ${String(e)}`);
        }
        Atomics.add(ctl, DONE, 1);
      }
    }
    Atomics.notify(ctl, DONE);
  }
}
