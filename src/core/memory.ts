/**
 * The tensor heap: one WebAssembly.Memory that every tensor's storage lives in, so WebAssembly kernels
 * (and worker threads, the memory is shared) read and write tensors in place, without copies.
 *
 * The allocator is written in TypeScript: a buddy allocator of power-of-two size classes, each block
 * aligned to its size (at least 64 bytes: a cache line, and four 128-bit SIMD lanes), with a free list
 * per class and a bump pointer that grows the memory on demand. Release pushes the block on its free
 * list; a request takes a block of its class, or halves a larger free one; before the memory would grow,
 * free buddies merge back (coalesce), so memory freed in small blocks serves large requests later.
 * The memory ends at 4 GiB (wasm32), so the largest block is 2 GiB; a request that cannot fit is refused
 * at once with an OutOfMemoryError.
 *
 * Release is the engine's job, not the user's: a tensor's storage is returned to its free list when the
 * tensor becomes unreachable (FinalizationRegistry). In Node.js, a synchronous training loop never lets
 * the event loop run finalizers, so under allocation pressure the heap collects garbage and runs the
 * pending finalizers synchronously (`gc()` + `cleanupSome()`, installed by the Node entry: see
 * installCollector). Where those are missing (a browser), finalizers run whenever the event loop turns. `dispose()` and `scope()` give
 * deterministic release on top.
 *
 * V8 clears finalization cells only in full (mark-compact) collections, which a loop of small JS objects
 * rarely triggers on its own; so unreachable storage accumulates until a forced collection. Two triggers
 * bound it: every `budget` bytes allocated, and before the memory would grow (it can never shrink), so
 * garbage is collected instead of reserved. A full collection costs a few milliseconds, so the budget
 * scales with the heap: `collectEvery` bytes, or twice what was live after the last collection if that
 * is more. A training step that holds 100 MB of activations then collects every 200 MB allocated, not
 * every 16 MB (a GPT step allocates some 300 MB): the share of time spent collecting stays small (a few
 * percent) whatever the model's size, and garbage stays below twice the live set. Memory an op knows
 * to be dead is released at once (`release(ptr, true)`) and does not count towards the budget.
 */

const PAGE = 65536;
const ALIGN = 64;
const MAX_PAGES = 65536; // 4 GiB, the wasm32 limit
const LIMIT_BYTES = MAX_PAGES * PAGE;
const MIN_CLASS = 6; // 64 bytes
/** The largest block: 2 GiB, as a 4 GiB block could not fit beside address 0, which is never handed out. */
const MAX_CLASS = 31;

/**
 * A request the heap cannot serve: larger than its largest block, or more than is left below its 4 GiB
 * limit. The message is one sentence naming the bytes asked for, the limit and what to do.
 */
export class OutOfMemoryError extends RangeError {
  constructor(message: string) {
    super(message);
    this.name = 'OutOfMemoryError';
  }
}

const GiB = 2 ** 30;
/** The first multiple of `align` (a power of two) at or above `n`. */
const alignUp = (n: number, align: number): number => Math.ceil(n / align) * align;
/** Bytes in GiB with two decimals, rounded up, or down (`down`) for what is left. */
const gib = (bytes: number, down = false): string => `${(down ? Math.floor : Math.ceil)((bytes / GiB) * 100) / 100} GiB`;

const LIMIT = `the heap's limit of ${gib(LIMIT_BYTES)} (wasm32 memory)`;

function outOfMemory(bytes: number, why: string): OutOfMemoryError {
  return new OutOfMemoryError(`cannot allocate ${bytes} bytes (${gib(bytes)}) for one tensor: ${why}; use a smaller batch, sequence length or model`);
}

/** The heap block that holds n float32 values: the buddy allocator's power of two, at least 64 bytes. */
export const heapBlockBytes = (n: number): number => 2 ** Math.max(MIN_CLASS, Math.ceil(Math.log2(Math.max(n * 4, 1))));

/**
 * The refusal of a run estimated to need `bytes` of tensor memory at its peak (`what`: e.g. `a training
 * step`), when that is more than the heap can ever hold; null when it may fit.
 */
export function heapRefusal(bytes: number, what: string): OutOfMemoryError | null {
  if (bytes <= LIMIT_BYTES) return null;
  return new OutOfMemoryError(`${what} needs about ${gib(bytes)} of tensor memory, more than ${LIMIT} can hold; use a smaller batch, sequence length or model`);
}

/**
 * How the platform collects garbage. Core knows none: by default only the event loop runs finalizers;
 * the Node entry (src/node.ts) installs a synchronous `gc()` and a registry with `cleanupSome()`.
 */
export interface Collector {
  /** A synchronous full collection, where the platform has one. */
  gc?: () => void;
  /** The FinalizationRegistry constructor to track blocks with (one that has `cleanupSome()`, ideally). */
  Registry: typeof FinalizationRegistry;
}

let collector: Collector = { Registry: FinalizationRegistry };

/**
 * Installs the platform's collector for every heap: blocks tracked from now on use its registry. Blocks
 * tracked before stay in their registry (released when the event loop runs its finalizers).
 */
export function installCollector(c: Collector): void {
  collector = c;
  heap.useCollector(c);
}

/** True where a WebAssembly.Memory can be shared with workers (Node.js; a cross-origin isolated page). */
export function canShareMemory(): boolean {
  const g = globalThis as { crossOriginIsolated?: boolean };
  return typeof SharedArrayBuffer === 'function' && g.crossOriginIsolated !== false;
}

export class Heap {
  readonly memory: WebAssembly.Memory;
  f32!: Float32Array;
  i32!: Int32Array;
  u8!: Uint8Array;
  private top = ALIGN; // address 0 is never handed out
  private readonly free: number[][] = [];
  /** Bytes in blocks handed out and not yet released (the measure of leaks). */
  liveBytes = 0;
  /** Bytes allocated since the last forced collection. */
  private sinceCollect = 0;
  /** Allocation volume after which a synchronous collection is forced (bytes), while less than that is live. */
  collectEvery = 16 << 20;
  /** liveBytes right after the last forced collection. */
  private liveAfterCollect = 0;
  private registry!: FinalizationRegistry<number> & { cleanupSome?: () => void };
  /** Earlier registries (before installCollector) that may still hold blocks, to unregister from. */
  private readonly formerRegistries: FinalizationRegistry<number>[] = [];

  /** `shared`: a memory that worker threads can use (default: where the platform allows it). */
  constructor(initialPages = 256, shared = canShareMemory()) {
    this.memory = new WebAssembly.Memory({ initial: initialPages, maximum: MAX_PAGES, shared });
    this.refreshViews();
    this.useCollector(collector);
  }

  /** Tracks blocks with `c`'s registry from now on (see installCollector). */
  useCollector(c: Collector): void {
    if (this.registry) this.formerRegistries.push(this.registry);
    this.registry = new c.Registry<number>((ptr) => this.release(ptr));
  }

  /** True when the memory is shared (kernels can run on worker threads). */
  get shared(): boolean {
    return typeof SharedArrayBuffer === 'function' && this.memory.buffer instanceof SharedArrayBuffer;
  }

  private refreshViews(): void {
    const buf = this.memory.buffer;
    this.f32 = new Float32Array(buf);
    this.i32 = new Int32Array(buf);
    this.u8 = new Uint8Array(buf);
  }

  /** The size class of a request of 1 to 2^32 bytes: c = ceil(log2(bytes)), at least MIN_CLASS; blocks of class c hold 2^c bytes. */
  private static classOf(bytes: number): number {
    return Math.max(MIN_CLASS, 32 - Math.clz32(bytes - 1));
  }

  /**
   * A block of at least `bytes` bytes, 64-byte aligned. Contents are undefined. Throws an
   * OutOfMemoryError when the block (`bytes` rounded up to a power of two) cannot fit in the heap.
   */
  alloc(bytes: number): number {
    if (bytes > 2 ** MAX_CLASS) throw outOfMemory(bytes, `the largest block within ${LIMIT} is ${gib(2 ** MAX_CLASS)}`);
    if (!Number.isInteger(bytes) || bytes < 0) throw new RangeError(`Heap.alloc: expected a byte count (a non-negative integer), got ${bytes}`);
    const c = Heap.classOf(Math.max(bytes, 1));
    const size = 2 ** c;
    this.sinceCollect += size;
    const budget = this.budget;
    if (this.sinceCollect > budget) this.collect();
    else this.registry.cleanupSome?.();
    let ptr = this.takeFree(c);
    const end = alignUp(this.top, size) + size;
    if (ptr === undefined && end > this.reservedBytes) {
      // merge free buddies, then collect garbage, rather than grow; collect not again before a quarter
      // budget, or a full heap would collect per block
      this.coalesce();
      ptr = this.takeFree(c);
      if (ptr === undefined && (this.sinceCollect > budget / 4 || end > LIMIT_BYTES)) {
        this.collect();
        this.coalesce();
        ptr = this.takeFree(c);
      }
    }
    if (ptr === undefined) {
      ptr = alignUp(this.top, size);
      if (ptr + size > LIMIT_BYTES) throw outOfMemory(bytes, `it needs a ${gib(size)} block and the largest block left within ${LIMIT} is ${gib(this.largestBlockLeft(), true)}`);
      this.ensure(ptr + size, bytes);
      this.freeRange(this.top, ptr); // the alignment gap, as free blocks
      this.top = ptr + size;
      this.classAt.set(ptr, c);
    }
    this.liveBytes += size;
    return ptr;
  }

  /** A free block of class c: from its free list, or the lower part of a larger free block split in halves. */
  private takeFree(c: number): number | undefined {
    const own = this.free[c]?.pop();
    if (own !== undefined) return own;
    for (let k = c + 1; k <= MAX_CLASS; k++) {
      const big = this.free[k]?.pop();
      if (big === undefined) continue;
      // halve it down to class c: each upper half (class j, aligned to 2^j) goes to its free list
      for (let j = k - 1; j >= c; j--) {
        (this.free[j] ??= []).push(big + 2 ** j);
        this.classAt.set(big + 2 ** j, j);
      }
      this.classAt.set(big, c);
      return big;
    }
    return undefined;
  }

  /**
   * Merges free buddies into blocks of the next class, bottom up (a block of class c sits at a multiple
   * of 2^c, its buddy at ptr XOR 2^c). Free lists never merge on release, which keeps release a push;
   * this runs only before the memory would grow or a request would fail, so that blocks freed in one
   * size (a long sequence's many small steps) serve a request of another (the validation's large logits).
   */
  private coalesce(): void {
    for (let c = MIN_CLASS; c < MAX_CLASS; c++) {
      const list = this.free[c];
      if (!list || list.length < 2) continue;
      const size = 2 ** c;
      const isFree = new Set(list);
      const kept: number[] = [];
      for (const ptr of list) {
        if (!isFree.has(ptr)) continue; // merged already, as the buddy of an earlier one
        const lower = ptr % (2 * size) === 0;
        const buddy = lower ? ptr + size : ptr - size;
        if (isFree.has(buddy)) {
          isFree.delete(buddy);
          const merged = lower ? ptr : buddy;
          if (!lower) this.classAt.delete(ptr);
          else this.classAt.delete(buddy);
          this.classAt.set(merged, c + 1);
          (this.free[c + 1] ??= []).push(merged);
        } else kept.push(ptr);
        isFree.delete(ptr);
      }
      this.free[c] = kept;
    }
  }

  /** The largest block a request could still get: a free one, or one above the bump pointer. */
  private largestBlockLeft(): number {
    let largest = 0;
    for (let c = MIN_CLASS; c <= MAX_CLASS; c++) {
      if (this.free[c]?.length) largest = 2 ** c;
      if (alignUp(this.top, 2 ** c) + 2 ** c <= LIMIT_BYTES) largest = Math.max(largest, 2 ** c);
    }
    return largest;
  }

  /** Puts [start, end) on the free lists as the largest aligned blocks that tile it. */
  private freeRange(start: number, end: number): void {
    while (start < end) {
      let c = MIN_CLASS;
      while (c < MAX_CLASS && start % 2 ** (c + 1) === 0 && start + 2 ** (c + 1) <= end) c++;
      (this.free[c] ??= []).push(start);
      this.classAt.set(start, c);
      start += 2 ** c;
    }
  }

  private readonly classAt = new Map<number, number>();

  /**
   * Returns a block to its free list. `explicit`: released by its owner (dispose, scope, an op's own
   * buffers), not found as garbage; it does not count towards the next forced collection.
   */
  release(ptr: number, explicit = false): void {
    const c = this.classAt.get(ptr);
    if (c === undefined) throw new Error(`Heap.release: ${ptr} is not a block of this heap`);
    (this.free[c] ??= []).push(ptr);
    this.liveBytes -= 2 ** c;
    if (explicit) this.sinceCollect = Math.max(0, this.sinceCollect - 2 ** c);
  }

  /** Ties a block's life to an owner object: the block is released when the owner is collected. */
  track(owner: object, ptr: number, token: object): void {
    this.registry.register(owner, ptr, token);
  }

  /** Stops tracking (the block was released explicitly). */
  untrack(token: object): void {
    this.registry.unregister(token);
    for (const r of this.formerRegistries) r.unregister(token);
  }

  /** Bytes of allocation between forced collections: collectEvery, or twice the live set after the last one if larger. */
  get budget(): number {
    return Math.max(this.collectEvery, 2 * this.liveAfterCollect);
  }

  /** Collects garbage now and runs pending finalizers, where the platform allows it synchronously. */
  collect(): void {
    this.sinceCollect = 0;
    collector.gc?.();
    this.registry.cleanupSome?.();
    this.liveAfterCollect = this.liveBytes;
  }

  /** True when unreachable tensors are reclaimed even inside a synchronous loop. */
  get reclaimsSynchronously(): boolean {
    return collector.gc !== undefined && this.registry.cleanupSome !== undefined;
  }

  /** Grows the memory to hold `end` bytes (at most LIMIT_BYTES, which `alloc` checked) for a request of `bytes`. */
  private ensure(end: number, bytes: number): void {
    const have = this.memory.buffer.byteLength;
    if (end <= have) return;
    const pages = Math.ceil((end - have) / PAGE);
    // grow geometrically, at most 256 MiB at a time, and never past the limit
    const grow = Math.min(Math.max(pages, Math.min(have / PAGE, 4096)), MAX_PAGES - have / PAGE);
    try {
      this.memory.grow(grow);
    } catch (e) {
      throw outOfMemory(bytes, `the system refused to grow the heap to ${gib(have + grow * PAGE)} (${(e as Error).message})`);
    }
    this.refreshViews();
  }

  /** Bytes of memory reserved from the system (live, free-listed and never used). */
  get reservedBytes(): number {
    return this.memory.buffer.byteLength;
  }
}

/** The process-wide heap all tensors live in. */
export const heap = new Heap();
