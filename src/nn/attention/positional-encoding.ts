/** Sinusoidal position encodings (Vaswani et al. 2017), as `SinusoidalPositionalEncoding` in the parity reference modules. */
import { backend } from '../../backends/backend.js';
import { fmt } from '../../core/shape.js';
import { Tensor } from '../../core/tensor.js';
import { Module } from '../module.js';

/**
 * The (maxLen, dModel) table PE[p, 2i] = sin(p / 10000^(2i/d)), PE[p, 2i+1] = cos(p / 10000^(2i/d)),
 * rounded at the same float32 steps as PyTorch's construction (div = exp(2i * -ln(10000) / d), then
 * p * div, then sin/cos), so it matches PyTorch's buffer to the last bit or two.
 */
export function sinusoidalTable(maxLen: number, dModel: number): Tensor {
  if (!Number.isInteger(dModel) || dModel <= 0 || dModel % 2 !== 0)
    throw new RangeError(`SinusoidalPositionalEncoding: dModel must be a positive even integer, got ${dModel}`);
  if (!Number.isInteger(maxLen) || maxLen < 0) throw new RangeError(`SinusoidalPositionalEncoding: maxLen must be a non-negative integer, got ${maxLen}`);
  const pe = Tensor.empty([maxLen, dModel]);
  backend().sinusoidalTable(pe.base, maxLen, dModel);
  return pe;
}

/**
 * Adds fixed sinusoidal position encodings: output = input + PE[:T] (see `sinusoidalTable`).
 *
 * Shapes: input (B, T, dModel) -> the same, T <= maxLen. The table is the non-persistent buffer `pe`
 * (maxLen, dModel): not in `stateDict()`, as in the reference module. Defaults: maxLen 512.
 *
 *   const pos = new SinusoidalPositionalEncoding(64, { maxLen: 1024 });
 *   const h = pos.forward(emb.forward(ids)); // (B, T, 64)
 */
export class SinusoidalPositionalEncoding extends Module {
  readonly pe: Tensor;
  readonly maxLen: number;

  constructor(readonly dModel: number, { maxLen = 512 }: { maxLen?: number } = {}) {
    super();
    this.maxLen = maxLen;
    this.pe = this.registerBuffer('pe', sinusoidalTable(maxLen, dModel), false);
  }

  forward(x: Tensor): Tensor {
    if (x.ndim !== 3 || x.shape[2] !== this.dModel)
      throw new Error(`SinusoidalPositionalEncoding(d_model=${this.dModel}): expected input (B, T, ${this.dModel}), got ${fmt(x.shape)}`);
    const T = x.shape[1];
    if (T > this.maxLen) throw new Error(`SinusoidalPositionalEncoding: sequence length ${T} exceeds maxLen ${this.maxLen}`);
    return x.add(this.pe.narrow(0, 0, T)); // (B, T, d) + (T, d)
  }

  override extraRepr(): string {
    return `d_model=${this.dModel}, max_len=${this.maxLen}`;
  }
}
