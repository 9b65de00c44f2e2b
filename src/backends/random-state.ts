/**
 * A Generator's state moved into the heap for the random kernels (see GeneratorState in backend.ts) and
 * back: the kernels advance the words in place, and the generator continues from where they left it.
 */
import { heap } from '../core/memory.js';
import { Generator } from '../core/random.js';
import type { GeneratorState } from './backend.js';

const STATE_BYTES = 24;

function spareView(state: GeneratorState): Float64Array {
  return new Float64Array(heap.memory.buffer, state * 4 + 16, 1);
}

/** Writes `g`'s state to the block at `state`. */
export function storeState(g: Generator, state: GeneratorState): void {
  const [s0, s1, s2, s3, spare] = g.getState();
  heap.i32.set([s0, s1, s2, s3], state);
  spareView(state)[0] = spare;
}

/** Sets `g`'s state from the block at `state`. */
export function loadState(g: Generator, state: GeneratorState): void {
  const w = heap.i32.subarray(state, state + 4);
  g.setState([w[0] >>> 0, w[1] >>> 0, w[2] >>> 0, w[3] >>> 0, spareView(state)[0]]);
}

/** Runs `draw` with `g`'s state in a heap block, then leaves `g` where `draw` advanced it. */
export function drawFrom<T>(g: Generator, draw: (state: GeneratorState) => T): T {
  const ptr = heap.alloc(STATE_BYTES);
  try {
    const state = ptr / 4;
    storeState(g, state);
    const result = draw(state);
    loadState(g, state);
    return result;
  } finally {
    heap.release(ptr, true);
  }
}

/** A Generator standing for the state at `state` (the reference kernels draw through it, then storeState). */
export function generatorAt(state: GeneratorState): Generator {
  const g = new Generator();
  loadState(g, state);
  return g;
}
