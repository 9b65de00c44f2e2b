/**
 * Refusing weights that hold NaN or infinities: a corrupt or diverged file would otherwise load and
 * poison every later step or sample. Portable (no Node modules).
 */
import type { Tensor } from '../core/tensor.js';
import { SafetensorsError } from './safetensors.js';

/**
 * Throws a SafetensorsError naming `file`, the first tensor holding a NaN or an infinity, how many it
 * holds and where the first is, e.g. `model.safetensors: tensor 'rnn.weight_ih_l0' has 3 non-finite
 * values (the first, NaN, at element 1)`. Only float32 tensors are read (integer and bool ones cannot
 * hold either).
 *
 * @example
 *   const { tensors } = decodeTensors(bytes, path);
 *   checkFinite(path, tensors);
 */
export function checkFinite(file: string, tensors: ReadonlyMap<string, Tensor>): void {
  for (const [name, t] of tensors) {
    if (t.dtype !== 'float32') continue;
    const values = t.toArray();
    let bad = 0;
    let first = -1;
    for (let i = 0; i < values.length; i++) {
      if (Number.isFinite(values[i])) continue;
      if (bad++ === 0) first = i;
    }
    if (bad > 0)
      throw new SafetensorsError(
        `${file}: tensor '${name}' has ${bad} non-finite value${bad === 1 ? '' : 's'} (the first, ${values[first]}, at element ${first}); the file is corrupt or was saved from a diverged run`,
      );
  }
}
