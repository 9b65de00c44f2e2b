/** Embedding: a lookup table of vectors indexed by integer ids. */
import { backend } from '../../backends/backend.js';
import { indexAdd } from '../../core/ops/indexing.js';
import type { Generator } from '../../core/random.js';
import { fmt } from '../../core/shape.js';
import { Tensor, withGrad } from '../../core/tensor.js';
import { normal_ } from '../init.js';
import { Module } from '../module.js';
import { Parameter } from '../parameter.js';

/**
 * Rows of `weight` (num, dim) picked by int32 `indices` of any shape: out (*indices.shape, dim), as
 * `torch.nn.functional.embedding`. The gradient is scatter-added into the picked rows, except the
 * `paddingIdx` row, which never receives gradient. Indices must lie in [0, num).
 */
export function embedding(indices: Tensor, weight: Tensor, { paddingIdx = null }: { paddingIdx?: number | null } = {}): Tensor {
  if (weight.ndim !== 2) throw new Error(`embedding: weight must be 2-D (num_embeddings, embedding_dim), got ${fmt(weight.shape)}`);
  const [rows, dim] = weight.shape;
  if (indices.dtype !== 'int32') throw new TypeError(`Embedding(num_embeddings=${rows}): indices must be int32, got ${indices.dtype}`);
  const skip = paddingIdx === null ? -1 : normalizePaddingIdx(paddingIdx, rows);
  const idx = indices.contiguous();
  const w = weight.contiguous();
  const out = Tensor.empty([...idx.shape, dim]); // (*indices.shape, dim)
  const bad = backend().indexSelect(w.base, rows, dim, idx.base, idx.numel, out.base);
  if (bad >= 0) {
    const r = idx.reshape([-1]).select(0, bad).item();
    throw new RangeError(`Embedding(num_embeddings=${rows}): index ${r} at position ${bad} of indices ${fmt(idx.shape)} is out of range [0, ${rows})`);
  }
  return withGrad('embedding', out, [weight], (g) => [indexAdd(weight.shape, g, idx, skip)]);
}

/** PyTorch's rule: a negative padding index counts from the end; it must lie in [-num, num). */
function normalizePaddingIdx(paddingIdx: number, num: number): number {
  if (!Number.isInteger(paddingIdx) || paddingIdx < -num || paddingIdx >= num)
    throw new RangeError(`Embedding: paddingIdx must be within [${-num}, ${num}), got ${paddingIdx}`);
  return paddingIdx < 0 ? paddingIdx + num : paddingIdx;
}

export interface EmbeddingOptions {
  /** This row is initialised to zeros and never receives gradient (negative counts from the end). */
  paddingIdx?: number | null;
  generator?: Generator;
}

/**
 * `torch.nn.Embedding`: out[..., :] = weight[indices[...], :].
 *
 * Shapes: indices (*) int32 -> output (*, embeddingDim). Parameter: `weight` (numEmbeddings,
 * embeddingDim), initialised N(0, 1) with the `paddingIdx` row zeroed.
 *
 *   const emb = new Embedding(vocabSize, 64, { paddingIdx: 0 });
 *   const h = emb.forward(ids); // (B, T) -> (B, T, 64)
 */
export class Embedding extends Module {
  readonly weight: Tensor;
  /** The padding row, normalised to [0, numEmbeddings), or null. */
  readonly paddingIdx: number | null;

  constructor(
    readonly numEmbeddings: number,
    readonly embeddingDim: number,
    { paddingIdx = null, generator }: EmbeddingOptions = {},
  ) {
    super();
    for (const [k, v] of [['numEmbeddings', numEmbeddings], ['embeddingDim', embeddingDim]] as const)
      if (!Number.isInteger(v) || v < 0) throw new RangeError(`Embedding: ${k} must be a non-negative integer, got ${v}`);
    this.paddingIdx = paddingIdx === null ? null : normalizePaddingIdx(paddingIdx, numEmbeddings);
    this.weight = this.registerParameter('weight', Parameter(Tensor.empty([numEmbeddings, embeddingDim])));
    this.resetParameters(generator);
  }

  /** N(0, 1), then the padding row set to zero. */
  resetParameters(generator?: Generator): void {
    normal_(this.weight, 0, 1, generator);
    if (this.paddingIdx !== null) this.weight.detach().select(0, this.paddingIdx).fill_(0);
  }

  forward(indices: Tensor): Tensor {
    return embedding(indices, this.weight, { paddingIdx: this.paddingIdx });
  }

  override extraRepr(): string {
    return `${this.numEmbeddings}, ${this.embeddingDim}${this.paddingIdx === null ? '' : `, padding_idx=${this.paddingIdx}`}`;
  }
}
