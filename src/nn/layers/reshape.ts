/** Layers that only change the shape (a view when the memory allows it): Flatten, Unflatten, Identity. */
import { fmt, normDim } from '../../core/shape.js';
import type { Tensor } from '../../core/tensor.js';
import { Module } from '../module.js';

/**
 * `torch.nn.Flatten(start_dim = 1, end_dim = -1)`: merges dims startDim..endDim (inclusive, negative
 * counts from the end) into one. Shapes: (N, *dims) -> (N, prod(dims)) with the defaults. No parameters.
 *
 *   const flat = new Flatten();
 *   const h = flat.forward(x); // (B, 64, 5, 5) -> (B, 1600)
 */
export class Flatten extends Module {
  constructor(
    readonly startDim = 1,
    readonly endDim = -1,
  ) {
    super();
    for (const [name, d] of [['startDim', startDim], ['endDim', endDim]] as const)
      if (!Number.isInteger(d)) throw new RangeError(`Flatten: ${name} must be an integer, got ${d}`);
  }

  forward(x: Tensor): Tensor {
    const a = normDim(this.startDim, x.ndim, 'Flatten: start_dim');
    const b = normDim(this.endDim, x.ndim, 'Flatten: end_dim');
    if (a > b) throw new Error(`Flatten: start_dim ${this.startDim} comes after end_dim ${this.endDim} for input ${fmt(x.shape)}`);
    return x.flatten(a, b);
  }

  override extraRepr(): string {
    return `start_dim=${this.startDim}, end_dim=${this.endDim}`;
  }
}

/**
 * `torch.nn.Unflatten(dim, unflattened_size)`: splits dim `dim` into `unflattenedSize` (one entry may
 * be -1, inferred). Shapes: (*before, d, *after) -> (*before, *unflattenedSize, *after) with
 * prod(unflattenedSize) = d. No parameters.
 *
 *   const unflat = new Unflatten(1, [64, 5, 5]);
 *   const img = unflat.forward(h); // (B, 1600) -> (B, 64, 5, 5)
 */
export class Unflatten extends Module {
  readonly unflattenedSize: readonly number[];

  constructor(
    readonly dim: number,
    unflattenedSize: readonly number[],
  ) {
    super();
    if (!Number.isInteger(dim)) throw new RangeError(`Unflatten: dim must be an integer, got ${dim}`);
    if (unflattenedSize.length === 0 || unflattenedSize.some((s) => !Number.isInteger(s) || s < -1))
      throw new RangeError(`Unflatten: unflattened_size must be a non-empty list of sizes (-1 at most once), got ${JSON.stringify(unflattenedSize)}`);
    if (unflattenedSize.filter((s) => s === -1).length > 1)
      throw new RangeError(`Unflatten: only one size can be -1 (inferred), got ${fmt(unflattenedSize)}`);
    this.unflattenedSize = [...unflattenedSize];
  }

  forward(x: Tensor): Tensor {
    const d = normDim(this.dim, x.ndim, 'Unflatten: dim');
    const n = x.shape[d];
    const known = this.unflattenedSize.reduce((p, s) => (s === -1 ? p : p * s), 1);
    const sizes = this.unflattenedSize.map((s) => (s === -1 ? (known === 0 ? 0 : n / known) : s));
    if (sizes.some((s) => !Number.isInteger(s)) || sizes.reduce((p, s) => p * s, 1) !== n)
      throw new Error(`Unflatten: sizes ${fmt(this.unflattenedSize)} don't multiply up to the size of dim ${this.dim} (${n}) of input ${fmt(x.shape)}`);
    return x.reshape([...x.shape.slice(0, d), ...sizes, ...x.shape.slice(d + 1)]);
  }

  override extraRepr(): string {
    const t = this.unflattenedSize;
    return `dim=${this.dim}, unflattened_size=${t.length === 1 ? `(${t[0]},)` : `(${t.join(', ')})`}`;
  }
}

/**
 * `torch.nn.Identity`: returns its input unchanged (a placeholder, e.g. where a block has no
 * projection). No parameters.
 *
 *   const proj = dim === outDim ? new Identity() : new Linear(dim, outDim);
 */
export class Identity extends Module {
  forward(x: Tensor): Tensor {
    return x;
  }
}
