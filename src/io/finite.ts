/**
 * Refusing weights that hold NaN or infinities: a corrupt or diverged file would otherwise load and
 * poison every later step or sample. Portable (no Node modules).
 */
import type { Tensor } from '../core/tensor.js';

/**
 * Names the first float32 tensor holding a NaN or an infinity, how many it holds and where the first
 * is (`tensor 'rnn.weight_ih_l0' has 3 non-finite values (the first, NaN, at element 1)`), or returns
 * null when every value is finite. Integer and bool tensors cannot hold either and are not read.
 *
 * @example
 *   const problem = nonFiniteProblem(tensors);
 *   if (problem) throw new CheckpointError(`checkpoint file '${path}': ${problem}`);
 */
export function nonFiniteProblem(tensors: ReadonlyMap<string, Tensor>): string | null {
  for (const [name, t] of tensors) {
    if (t.dtype !== 'float32') continue;
    const values = t.toArray();
    let bad = 0;
    let first = -1;
    for (let i = 0; i < values.length; i++) {
      if (Number.isFinite(values[i])) continue;
      if (bad++ === 0) first = i;
    }
    if (bad > 0) return `tensor '${name}' has ${bad} non-finite value${bad === 1 ? '' : 's'} (the first, ${values[first]}, at element ${first})`;
  }
  return null;
}
