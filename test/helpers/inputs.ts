// Seeded test inputs: normal, uniform, away from kinks, and without ties.
import { fromArray, randn, Generator, Tensor } from '../../src/node.js';

/** Seeded standard normal input that requires grad. */
export function param(shape: number[], seed = 1): Tensor {
  return randn(shape, { generator: new Generator(seed), requiresGrad: true });
}

/** Seeded values that keep |v| >= margin (away from the kinks of relu, abs, sign, reciprocal). */
export function awayFromZero(shape: number[], seed = 1, margin = 0.2): Tensor {
  const v = randn(shape, { generator: new Generator(seed) }).toArray();
  return fromArray(v.map((x) => (x >= 0 ? x + margin : x - margin)), shape, { requiresGrad: true });
}

/** Seeded uniform values in [lo, hi) that require grad. */
export function uniform(shape: number[], lo: number, hi: number, seed = 1): Tensor {
  const g = new Generator(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return fromArray(Array.from({ length: n }, () => lo + (hi - lo) * g.uniform()), shape, { requiresGrad: true });
}

/** A shuffled 0.1-spaced ramp: all values distinct by far more than gradcheck's eps (max/min without ties). */
export function distinct(shape: number[], seed = 1): Tensor {
  const g = new Generator(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  const v = Array.from({ length: n }, (_, i) => (i - n / 2) * 0.1);
  for (let i = n - 1; i > 0; i--) {
    const j = g.int(0, i + 1);
    [v[i], v[j]] = [v[j], v[i]];
  }
  return fromArray(v, shape, { requiresGrad: true });
}
