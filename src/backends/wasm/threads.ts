/**
 * A pool of worker threads (Node.js, node:worker_threads) that split any range kernel of loom.wasm
 * (matmul rows, elementwise ranges, softmax or LayerNorm rows, optimizer ranges, ...) over all cores.
 *
 * Every worker instantiates the same compiled module against the same shared memory, so the tensors are
 * never copied: a call writes the kernel's index, its arguments and each part's range to a small
 * control block (a SharedArrayBuffer), bumps a generation counter and wakes the workers with
 * Atomics.notify. The range is cut into SPLIT parts per thread; thread t owns parts t, t + threads, ...
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
 */

import { availableParallelism } from 'node:os';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { arity, kernelIndex, marshal, RANGE_KERNELS, splitOf, type KernelArgs, type RangeKernelName } from './kernels.js';
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
/** Parts per thread: a thread that falls behind is caught up by the others one part at a time. */
const SPLIT = 2;
const MAX_PARTS = MAX_THREADS * SPLIT;
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
/** Column-split products are worth a second thread from this many multiply-adds. */
const MIN_PARALLEL_MACS_COLUMNS = 1 << 15;

interface WorkerInit {
  kind: 'loom-kernel-worker';
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  control: SharedArrayBuffer;
  part: number;
}

interface ParallelOptions {
  /** The least work per thread (in units of the range) before another thread is woken. */
  grain: number;
  /** Parts start on multiples of this. */
  align: number;
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

  private constructor(
    readonly kernels: WasmKernels,
    readonly threads: number,
    private readonly workers: Worker[],
    control: SharedArrayBuffer,
  ) {
    this.ctl = new Int32Array(control, 0, INT_SLOTS + MAX_PARTS);
    this.args = new Float64Array(control, ARGS_BYTE);
    this.scratchBytes = threads * kernels.sgemmScratchBytes();
    this.fns = RANGE_KERNELS.map((k) => kernels[k]);
  }

  /**
   * Starts threads - 1 workers (threads counts the caller; default: one per core) and resolves once each
   * has instantiated the kernels.
   */
  static async create(kernels: WasmKernels, threads = availableParallelism()): Promise<KernelPool> {
    if (!Number.isInteger(threads) || threads < 1 || threads > MAX_THREADS) {
      throw new Error(`KernelPool: threads must be an integer in [1, ${MAX_THREADS}], got ${threads}`);
    }
    const control = new SharedArrayBuffer(CONTROL_BYTES);
    const workers: Worker[] = [];
    const started: Promise<void>[] = [];
    for (let part = 1; part < threads; part++) {
      const init: WorkerInit = { kind: 'loom-kernel-worker', module: kernels.module, memory: kernels.memory, control, part };
      const worker = new Worker(new URL(import.meta.url), { workerData: init });
      workers.push(worker);
      started.push(
        new Promise<void>((resolve, reject) => {
          worker.once('message', () => resolve());
          worker.once('error', reject);
          worker.once('exit', (code) => reject(new Error(`KernelPool: worker ${part} exited with code ${code} while starting`)));
        }),
      );
    }
    try {
      await Promise.all(started);
    } catch (e) {
      await Promise.all(workers.map((w) => w.terminate()));
      throw e;
    }
    workers.forEach((worker, i) => {
      worker.removeAllListeners('exit');
      worker.removeAllListeners('error');
      worker.on('error', (e) => console.error(`KernelPool: worker ${i + 1} failed:`, e));
      worker.unref(); // idle workers do not keep the process alive
    });
    return new KernelPool(kernels, threads, workers, control);
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
    const { align, grain } = o;
    const a = this.args;
    const ctl = this.ctl;
    for (let i = 0; i < args.length; i++) a[i] = args[i];
    // `parts` threads share the work; SPLIT parts each when the work allows it. Part q gets
    // [bounds[q], bounds[q+1]) and belongs to thread q % owners.
    const owners = parts;
    const nParts = n >= owners * SPLIT * grain ? owners * SPLIT : owners;
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
        if (done < want) Atomics.wait(ctl, DONE, done, 1);
      }
    }
    if (error !== null) throw error;
    const failed = Atomics.load(ctl, FAILED);
    if (failed > 0) throw new Error(`KernelPool: ${RANGE_KERNELS[kernel]} failed in ${failed} worker(s) (n=${n}); see stderr`);
  }

  /**
   * C = alpha * op(A) @ op(B) + beta * C (the kernel's sgemm over all M rows), split over the threads by
   * rows, or by columns for a product of few rows. `scratch` is `scratchBytes` bytes of the shared
   * memory, 16-byte aligned, used by no other call meanwhile.
   */
  sgemm(args: KernelArgs<'sgemmRows'>): void {
    const { M, N, K } = args;
    if (M < COLUMN_SPLIT_ROWS && this.threads > 1 && M * N * K >= MIN_PARALLEL_MACS_COLUMNS && N >= 32) this.run('sgemmCols', N, args);
    else this.run('sgemmRows', M, args);
  }

  /** Stops the workers. The pool cannot be used afterwards. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const exits = this.workers.map((w) => {
      w.ref(); // keep the event loop alive until the worker has exited
      return new Promise<void>((resolve) => w.once('exit', () => resolve()));
    });
    Atomics.store(this.ctl, STOP, 1);
    Atomics.add(this.ctl, GEN, 1);
    Atomics.notify(this.ctl, GEN);
    await Promise.all(exits);
  }
}

/** A worker's life: instantiate, then claim and run its part of each call until told to stop. */
function runWorker(init: WorkerInit): void {
  const kernels = instantiateKernels(init.module, init.memory);
  const fns = RANGE_KERNELS.map((k) => kernels[k]);
  const ctl = new Int32Array(init.control, 0, INT_SLOTS + MAX_PARTS);
  const args = new Float64Array(init.control, ARGS_BYTE);
  const p = init.part;
  let seen = Atomics.load(ctl, GEN);
  parentPort!.postMessage('ready');
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

if (!isMainThread && (workerData as WorkerInit | null)?.kind === 'loom-kernel-worker') {
  runWorker(workerData as WorkerInit);
}
