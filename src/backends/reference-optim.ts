/**
 * Reference kernels of the optimizer updates: the pure update functions of src/optim/updates.ts (the
 * specification) applied to views of the heap, and the float64 sum of squares of gradient clipping.
 */
import { heap } from '../core/memory.js';
import { adamUpdate, rmspropUpdate, sgdUpdate } from '../optim/updates.js';
import type { AdamStep, Backend, RMSpropStep, SGDStep } from './backend.js';

function view(off: number, n: number): Float32Array {
  return heap.f32.subarray(off, off + n);
}

function adam(s: AdamStep): void {
  adamUpdate(view(s.p, s.n), view(s.grad, s.n), view(s.m, s.n), view(s.v, s.n), s.vmax < 0 ? null : view(s.vmax, s.n), s.step, s, s.decoupled);
}

function sgd(s: SGDStep): void {
  sgdUpdate(view(s.p, s.n), view(s.grad, s.n), s.buf < 0 ? null : view(s.buf, s.n), s.first, s);
}

function rmsprop(s: RMSpropStep): void {
  rmspropUpdate(view(s.p, s.n), view(s.grad, s.n), view(s.squareAvg, s.n), s.buf < 0 ? null : view(s.buf, s.n), s.gAvg < 0 ? null : view(s.gAvg, s.n), s);
}

function sumSquares(x: number, n: number): number {
  const f = heap.f32;
  let acc = 0;
  for (let i = 0; i < n; i++) acc += f[x + i] * f[x + i];
  return acc;
}

/** The optimizer kernels of the reference backend (spread into `referenceBackend`). */
export const optimKernels: Pick<Backend, 'adam' | 'sgd' | 'rmsprop' | 'sumSquares'> = { adam, sgd, rmsprop, sumSquares };
