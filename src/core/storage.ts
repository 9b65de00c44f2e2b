/**
 * A block of the heap holding a tensor's elements. Views (reshape, transpose, slice, expand) share one
 * Storage; the block returns to the heap when no tensor references the Storage any more, or at once on
 * `release()`.
 */
import type { ArrayKind } from '../backends/backend.js';
import { heap } from './memory.js';

export type DType = 'float32' | 'int32' | 'bool';

export const KIND: Record<DType, ArrayKind> = { float32: 'f32', int32: 'i32', bool: 'u8' };
export const ITEMSIZE: Record<DType, number> = { float32: 4, int32: 4, bool: 1 };

/** Storages made inside `scope()` calls, innermost last. */
const scopes: Set<Storage>[] = [];

export class Storage {
  private ptr: number;
  /** Engine-owned storage (parameters, gradients, optimizer state) is never released by a scope. */
  kept = false;

  constructor(
    readonly dtype: DType,
    readonly length: number,
  ) {
    this.ptr = heap.alloc(length * ITEMSIZE[dtype]);
    heap.track(this, this.ptr, this);
    scopes[scopes.length - 1]?.add(this);
  }

  /** Element offset of the first element in the heap's array of this dtype. */
  get base(): number {
    if (this.ptr === 0) throw new Error('this tensor was disposed; its memory is no longer valid');
    return this.ptr / ITEMSIZE[this.dtype];
  }

  get released(): boolean {
    return this.ptr === 0;
  }

  release(): void {
    if (this.ptr === 0) return;
    heap.untrack(this);
    heap.release(this.ptr, true);
    this.ptr = 0;
  }
}

/**
 * Runs `fn` and releases, when it returns, the memory of every tensor made inside it except those in its
 * result (found through arrays and plain objects) and engine-owned ones (parameters, gradients,
 * optimizer state). Deterministic release for hot loops; without it the engine reclaims memory itself.
 */
export function scope<T>(fn: () => T): T {
  const made = new Set<Storage>();
  scopes.push(made);
  let result: T;
  try {
    result = fn();
  } finally {
    scopes.pop();
  }
  const keepSet = new Set<Storage>();
  collectStorages(result, keepSet, new Set());
  for (const s of made) {
    if (s.kept || keepSet.has(s)) scopes[scopes.length - 1]?.add(s);
    else s.release();
  }
  return result;
}

function collectStorages(v: unknown, out: Set<Storage>, seen: Set<unknown>): void {
  if (v === null || typeof v !== 'object' || seen.has(v)) return;
  seen.add(v);
  const st = (v as { storage?: unknown }).storage;
  if (st instanceof Storage) out.add(st);
  if (Array.isArray(v)) for (const x of v) collectStorages(x, out, seen);
  else if (Object.getPrototypeOf(v) === Object.prototype) for (const x of Object.values(v)) collectStorages(x, out, seen);
  else if (v instanceof Map) for (const x of v.values()) collectStorages(x, out, seen);
}
