/**
 * A pool of worker threads (Node.js, node:worker_threads) that split one sgemm over the rows of C.
 *
 * Every worker instantiates the same compiled module against the same shared memory, so the tensors are
 * never copied: a call writes its arguments to a small control block (a SharedArrayBuffer), bumps a
 * generation counter and wakes the workers with Atomics.notify; the calling thread computes its own share
 * of the rows and then blocks in Atomics.wait until every worker has counted itself done. The call is
 * synchronous, like the single-threaded kernel.
 *
 * `threads` counts the calling thread: threads = 2 is the caller plus one worker. Small products run on
 * the caller alone (waking a worker costs more than it saves).
 *
 * Example:
 *   const kernels = await loadKernels(heap.memory);
 *   const pool = await SgemmPool.create(kernels, 2);
 *   const scratch = heap.alloc(pool.scratchBytes);
 *   pool.sgemm(a, b, c, M, N, K, K, N, N, 0, 0, 1, 0, scratch); // C = A @ B on two threads
 *   await pool.close();
 */

import { availableParallelism } from 'node:os';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { instantiateKernels, type WasmKernels } from './module.js';

// Control block: Int32 slots, then Float64 arguments (exact for u32 addresses and f32 scalars).
const GEN = 0; // bumped once per call; workers wait on it
const DONE = 1; // workers that finished the current call
const STOP = 2; // 1: workers exit
const FAILED = 3; // workers whose kernel threw during the current call
const INT_SLOTS = 8;
const ARG_A = 0;
const ARG_B = 1;
const ARG_C = 2;
const ARG_M = 3;
const ARG_N = 4;
const ARG_K = 5;
const ARG_LDA = 6;
const ARG_LDB = 7;
const ARG_LDC = 8;
const ARG_TRANS_A = 9;
const ARG_TRANS_B = 10;
const ARG_ALPHA = 11;
const ARG_BETA = 12;
const ARG_SCRATCH = 13;
const ARG_BOUNDS = 14; // row bounds of the parts: threads + 1 values
const MAX_THREADS = 64;
const CONTROL_BYTES = INT_SLOTS * 4 + (ARG_BOUNDS + MAX_THREADS + 1) * 8;

/** Rows of the kernel's register tile: parts start on multiples of it so no tile is split. */
const ROW_ALIGN = 5;
/** Products below this many multiply-adds run on the calling thread alone. */
const MIN_PARALLEL_MACS = 1 << 18;
/** Polls of a counter before sleeping on it: a wake-up through the OS costs tens of microseconds. */
const SPINS = 2000;

interface WorkerInit {
  kind: 'loom-sgemm-worker';
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  control: SharedArrayBuffer;
  part: number;
}

export class SgemmPool {
  /** Bytes of scratch a call needs: one kernel scratch area per thread, at the `scratch` argument. */
  readonly scratchBytes: number;
  private readonly ctl: Int32Array;
  private readonly args: Float64Array;
  private closed = false;

  private constructor(
    private readonly kernels: WasmKernels,
    readonly threads: number,
    private readonly workers: Worker[],
    control: SharedArrayBuffer,
  ) {
    this.ctl = new Int32Array(control, 0, INT_SLOTS);
    this.args = new Float64Array(control, INT_SLOTS * 4);
    this.scratchBytes = threads * kernels.sgemmScratchBytes();
  }

  /**
   * Starts threads - 1 workers (threads counts the caller; default: one per core) and resolves once each
   * has instantiated the kernels.
   */
  static async create(kernels: WasmKernels, threads = availableParallelism()): Promise<SgemmPool> {
    if (!Number.isInteger(threads) || threads < 1 || threads > MAX_THREADS) {
      throw new Error(`SgemmPool: threads must be an integer in [1, ${MAX_THREADS}], got ${threads}`);
    }
    const control = new SharedArrayBuffer(CONTROL_BYTES);
    const workers: Worker[] = [];
    const started: Promise<void>[] = [];
    for (let part = 1; part < threads; part++) {
      const init: WorkerInit = { kind: 'loom-sgemm-worker', module: kernels.module, memory: kernels.memory, control, part };
      const worker = new Worker(new URL(import.meta.url), { workerData: init });
      workers.push(worker);
      started.push(
        new Promise<void>((resolve, reject) => {
          worker.once('message', () => resolve());
          worker.once('error', reject);
          worker.once('exit', (code) => reject(new Error(`SgemmPool: worker ${part} exited with code ${code} while starting`)));
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
      worker.on('error', (e) => console.error(`SgemmPool: worker ${i + 1} failed:`, e));
      worker.unref(); // idle workers do not keep the process alive
    });
    return new SgemmPool(kernels, threads, workers, control);
  }

  /**
   * C = alpha * op(A) @ op(B) + beta * C (the kernel's sgemm over all M rows), split over the threads.
   * `scratch` is `scratchBytes` bytes of the shared memory, 16-byte aligned, used by no other call meanwhile.
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
    scratch: number,
  ): void {
    if (this.closed) throw new Error('SgemmPool: sgemm called after close()');
    const parts = this.partsFor(M, N, K);
    if (parts === 1) {
      this.kernels.sgemm(a, b, c, M, N, K, lda, ldb, ldc, transA, transB, alpha, beta, 0, M, scratch);
      return;
    }
    const { args, ctl } = this;
    args[ARG_A] = a;
    args[ARG_B] = b;
    args[ARG_C] = c;
    args[ARG_M] = M;
    args[ARG_N] = N;
    args[ARG_K] = K;
    args[ARG_LDA] = lda;
    args[ARG_LDB] = ldb;
    args[ARG_LDC] = ldc;
    args[ARG_TRANS_A] = transA;
    args[ARG_TRANS_B] = transB;
    args[ARG_ALPHA] = alpha;
    args[ARG_BETA] = beta;
    args[ARG_SCRATCH] = scratch;
    // Part p gets rows [bounds[p], bounds[p+1]); parts past `parts` are empty.
    const perPart = Math.ceil(M / parts / ROW_ALIGN) * ROW_ALIGN;
    for (let p = 0; p <= this.threads; p++) args[ARG_BOUNDS + p] = Math.min(M, p * perPart);
    Atomics.store(ctl, DONE, 0);
    Atomics.store(ctl, FAILED, 0);
    Atomics.add(ctl, GEN, 1); // publishes the arguments above
    Atomics.notify(ctl, GEN);

    // The caller's share: part 0, with the first scratch area. Should it throw, the workers are still
    // waited for, so that no worker is running when the next call rewrites the control block.
    let error: unknown = null;
    try {
      this.kernels.sgemm(a, b, c, M, N, K, lda, ldb, ldc, transA, transB, alpha, beta, 0, args[ARG_BOUNDS + 1], scratch);
    } catch (e) {
      error = e;
    }
    const want = this.workers.length;
    for (let spin = 0; Atomics.load(ctl, DONE) < want; spin++) {
      if (spin >= SPINS) {
        const done = Atomics.load(ctl, DONE);
        if (done < want) Atomics.wait(ctl, DONE, done);
      }
    }
    if (error !== null) throw error;
    const failed = Atomics.load(ctl, FAILED);
    if (failed > 0) throw new Error(`SgemmPool: the kernel failed in ${failed} worker(s) (M=${M} N=${N} K=${K}); see stderr`);
  }

  /** How many threads a product is worth: all of them, or the caller alone when it is small. */
  private partsFor(M: number, N: number, K: number): number {
    if (this.threads === 1 || M < 2 * ROW_ALIGN || M * N * K < MIN_PARALLEL_MACS) return 1;
    return this.threads;
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

/** A worker's life: instantiate, then run one share of each call until told to stop. */
function runWorker(init: WorkerInit): void {
  const kernels = instantiateKernels(init.module, init.memory);
  const ctl = new Int32Array(init.control, 0, INT_SLOTS);
  const args = new Float64Array(init.control, INT_SLOTS * 4);
  const scratchBytes = kernels.sgemmScratchBytes();
  let seen = Atomics.load(ctl, GEN);
  parentPort!.postMessage('ready');
  for (;;) {
    for (let spin = 0; Atomics.load(ctl, GEN) === seen; spin++) {
      if (spin >= SPINS) Atomics.wait(ctl, GEN, seen);
    }
    seen = Atomics.load(ctl, GEN);
    if (Atomics.load(ctl, STOP) !== 0) return;
    const p = init.part;
    const rowStart = args[ARG_BOUNDS + p];
    const rowEnd = args[ARG_BOUNDS + p + 1];
    try {
      if (rowEnd > rowStart) {
        kernels.sgemm(
          args[ARG_A],
          args[ARG_B],
          args[ARG_C],
          args[ARG_M],
          args[ARG_N],
          args[ARG_K],
          args[ARG_LDA],
          args[ARG_LDB],
          args[ARG_LDC],
          args[ARG_TRANS_A],
          args[ARG_TRANS_B],
          args[ARG_ALPHA],
          args[ARG_BETA],
          rowStart,
          rowEnd,
          args[ARG_SCRATCH] + p * scratchBytes,
        );
      }
    } catch (e) {
      Atomics.add(ctl, FAILED, 1);
      console.error(`SgemmPool: worker ${p}: ${String(e)}`);
    }
    Atomics.add(ctl, DONE, 1);
    Atomics.notify(ctl, DONE);
  }
}

if (!isMainThread && (workerData as WorkerInit | null)?.kind === 'loom-sgemm-worker') {
  runWorker(workerData as WorkerInit);
}
