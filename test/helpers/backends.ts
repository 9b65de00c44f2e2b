/** Running test code on a chosen kernel backend, and seeded test values for comparing backends. */
import { backend, setBackend, type Backend } from '../../src/backends/backend.js';
import type { Generator } from '../../src/core/random.js';

/** `fn()` with `b` as the current backend, the previous one restored afterwards. */
export function under<T>(b: Backend, fn: () => T): T {
  const prev = backend();
  setBackend(b);
  try {
    return fn();
  } finally {
    setBackend(prev);
  }
}

/** n float32 values drawn from `gen`: normal * scale, with `specials` at every 7th place. */
export function normalValues(gen: Generator, n: number, scale = 1, specials: readonly number[] = []): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = gen.normal() * scale;
  specials.forEach((v, i) => {
    if (i * 7 < n) a[i * 7] = v;
  });
  return a;
}
