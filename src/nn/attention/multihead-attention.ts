/** Multi-head attention, as `torch.nn.MultiheadAttention`. */
import { zeros } from '../../core/creation.js';
import { cat } from '../../core/ops/join.js';
import type { Generator } from '../../core/random.js';
import { fmt } from '../../core/shape.js';
import { Tensor } from '../../core/tensor.js';
import { attention } from './attention.js';
import { constant_, xavierNormal_, xavierUniform_ } from '../init.js';
import { Linear, linear } from '../layers/linear.js';
import { Module } from '../module.js';
import { Parameter } from '../parameter.js';

export interface MultiheadAttentionOptions {
  /** Dropout on the attention weights while training (default 0). */
  dropout?: number;
  /** Biases on the input and output projections (default true). */
  bias?: boolean;
  /** Learned `bias_k`, `bias_v` (1, 1, E) appended to the keys and values along the sequence (default false). */
  addBiasKV?: boolean;
  /** Appends a zero key and value per head after projection (default false). */
  addZeroAttn?: boolean;
  /** Key features (default embedDim); with kdim or vdim != embedDim the projections are separate. */
  kdim?: number | null;
  /** Value features (default embedDim). */
  vdim?: number | null;
  /** Inputs and output (B, L, E) instead of (L, B, E) (default false). */
  batchFirst?: boolean;
  generator?: Generator;
}

export interface MultiheadAttentionForwardOptions {
  /** (B, S) or (S) unbatched: bool true = this key is padding (ignored); float: added to its scores. */
  keyPaddingMask?: Tensor | null;
  /** Return the attention weights (default true); false returns `[output, null]` and saves memory. */
  needWeights?: boolean;
  /** (L, S) or (B * numHeads, L, S): bool true = not allowed; float: added to the scores. */
  attnMask?: Tensor | null;
  /** Average the weights over heads, (B, L, S), or keep them per head, (B, H, L, S) (default true). */
  averageAttnWeights?: boolean;
  /** Query i does not see keys j > i; combines with attnMask (PyTorch requires attnMask with it). */
  isCausal?: boolean;
}

/**
 * `torch.nn.MultiheadAttention`:
 *
 *   MultiHead(Q, K, V) = Concat(head_1, ..., head_H) W_O + b_O,
 *   head_h = softmax((Q W_Q^h)(K W_K^h)^T / sqrt(hd) + M) (V W_V^h),   hd = embedDim / numHeads
 *
 * Shapes (E = embedDim): query (L, B, E), key (S, B, kdim), value (S, B, vdim) -> output (L, B, E)
 * and weights (B, L, S) (averaged) or (B, H, L, S); with `batchFirst` the inputs and output are
 * (B, L, E); unbatched inputs (L, E), (S, kdim), (S, vdim) give (L, E) and (L, S) or (H, L, S).
 *
 * Parameters (PyTorch keys and order): `in_proj_weight` (3E, E) when kdim = vdim = E, otherwise
 * `q_proj_weight` (E, E), `k_proj_weight` (E, kdim), `v_proj_weight` (E, vdim); `in_proj_bias` (3E);
 * `bias_k`, `bias_v` (1, 1, E) with addBiasKV; `out_proj.weight` (E, E), `out_proj.bias` (E).
 * Initialisation as PyTorch: xavier_uniform on the input projection weights, zero biases, out_proj
 * weight as a Linear's, bias_k/bias_v xavier_normal.
 *
 * Masks: bool true = masked out (as PyTorch's MultiheadAttention), float masks are added. Unlike
 * PyTorch, a query whose every key is masked gets zero weights and a zero attention output, not NaN.
 *
 *   const mha = new MultiheadAttention(64, 4, { batchFirst: true });
 *   const [y, w] = mha.forward(x, x, x, { attnMask: generateSquareSubsequentMask(T, { dtype: 'bool' }) });
 *   // x (B, T, 64) -> y (B, T, 64), w (B, T, T)
 */
export class MultiheadAttention extends Module {
  readonly headDim: number;
  readonly kdim: number;
  readonly vdim: number;
  readonly dropout: number;
  readonly batchFirst: boolean;
  readonly addZeroAttn: boolean;
  readonly inProjWeight: Tensor | null;
  readonly qProjWeight: Tensor | null;
  readonly kProjWeight: Tensor | null;
  readonly vProjWeight: Tensor | null;
  readonly inProjBias: Tensor | null;
  readonly biasK: Tensor | null;
  readonly biasV: Tensor | null;
  readonly outProj: Linear;
  readonly generator?: Generator;

  constructor(
    readonly embedDim: number,
    readonly numHeads: number,
    { dropout = 0, bias = true, addBiasKV = false, addZeroAttn = false, kdim = null, vdim = null, batchFirst = false, generator }: MultiheadAttentionOptions = {},
  ) {
    super();
    if (!Number.isInteger(embedDim) || embedDim <= 0) throw new RangeError(`MultiheadAttention: embedDim must be a positive integer, got ${embedDim}`);
    if (!Number.isInteger(numHeads) || numHeads <= 0) throw new RangeError(`MultiheadAttention: numHeads must be a positive integer, got ${numHeads}`);
    if (embedDim % numHeads !== 0) throw new RangeError(`MultiheadAttention: embedDim (${embedDim}) must be divisible by numHeads (${numHeads})`);
    if (!(dropout >= 0 && dropout <= 1)) throw new RangeError(`MultiheadAttention: dropout must be between 0 and 1, got ${dropout}`);
    const E = embedDim;
    this.headDim = E / numHeads;
    this.kdim = kdim ?? E;
    this.vdim = vdim ?? E;
    this.dropout = dropout;
    this.batchFirst = batchFirst;
    this.addZeroAttn = addZeroAttn;
    this.generator = generator;
    const packed = this.kdim === E && this.vdim === E;
    const param = (shape: number[]) => Parameter(Tensor.empty(shape));
    this.inProjWeight = this.registerParameter('in_proj_weight', packed ? param([3 * E, E]) : null);
    this.qProjWeight = this.registerParameter('q_proj_weight', packed ? null : param([E, E]));
    this.kProjWeight = this.registerParameter('k_proj_weight', packed ? null : param([E, this.kdim]));
    this.vProjWeight = this.registerParameter('v_proj_weight', packed ? null : param([E, this.vdim]));
    this.inProjBias = this.registerParameter('in_proj_bias', bias ? param([3 * E]) : null);
    this.biasK = this.registerParameter('bias_k', addBiasKV ? param([1, 1, E]) : null);
    this.biasV = this.registerParameter('bias_v', addBiasKV ? param([1, 1, E]) : null);
    this.outProj = this.registerModule('out_proj', new Linear(E, E, { bias, generator }));
    this.resetParameters();
  }

  /** PyTorch's `_reset_parameters`. */
  resetParameters(): void {
    const g = this.generator;
    for (const w of [this.inProjWeight, this.qProjWeight, this.kProjWeight, this.vProjWeight]) if (w) xavierUniform_(w, 1, g);
    if (this.inProjBias) constant_(this.inProjBias, 0);
    if (this.outProj.bias) constant_(this.outProj.bias, 0);
    if (this.biasK) xavierNormal_(this.biasK, 1, g);
    if (this.biasV) xavierNormal_(this.biasV, 1, g);
  }

  /** The three input projections of batch-first inputs: (B, L, E), (B, S, E), (B, S, E). */
  private project(q: Tensor, k: Tensor, v: Tensor, selfAttention: boolean): [Tensor, Tensor, Tensor] {
    const E = this.embedDim;
    const b = this.inProjBias;
    const bias = (i: number) => (b ? b.narrow(0, i * E, E) : null);
    if (this.inProjWeight) {
      const w = this.inProjWeight;
      if (selfAttention) {
        const [qp, kp, vp] = linear(q, w, b).chunk(3, -1); // (B, L, 3E) -> 3 x (B, L, E)
        return [qp, kp, vp];
      }
      return [0, 1, 2].map((i) => linear([q, k, v][i], w.narrow(0, i * E, E), bias(i))) as [Tensor, Tensor, Tensor];
    }
    return [linear(q, this.qProjWeight!, bias(0)), linear(k, this.kProjWeight!, bias(1)), linear(v, this.vProjWeight!, bias(2))];
  }

  /**
   * Attention of `query` over `key`/`value`; returns `[output, weights]` (weights null when
   * `needWeights` is false). See the class comment for shapes.
   */
  forward(query: Tensor, key: Tensor, value: Tensor, opts: MultiheadAttentionForwardOptions = {}): [Tensor, Tensor | null] {
    const { needWeights = true, averageAttnWeights = true, isCausal = false } = opts;
    let { keyPaddingMask = null, attnMask = null } = opts;
    const E = this.embedDim;
    const H = this.numHeads;
    const what = `MultiheadAttention(embed_dim=${E}, num_heads=${H})`;
    const batched = query.ndim === 3;
    if (query.ndim !== 2 && query.ndim !== 3) throw new Error(`${what}: query must be 3-D (batched) or 2-D (unbatched), got ${fmt(query.shape)}`);
    for (const [n, t] of [['key', key], ['value', value]] as const)
      if (t.ndim !== query.ndim) throw new Error(`${what}: query ${fmt(query.shape)} is ${query.ndim}-D, so ${n} must be too, got ${fmt(t.shape)}`);
    if (keyPaddingMask && keyPaddingMask.ndim !== query.ndim - 1)
      throw new Error(`${what}: keyPaddingMask must be ${batched ? '(B, S)' : '(S)'} for a ${query.ndim}-D query, got ${fmt(keyPaddingMask.shape)}`);
    // everything batch-first inside: (B, L, E), (B, S, kdim), (B, S, vdim)
    let [q, k, v] = [query, key, value];
    if (!batched) {
      [q, k, v] = [q.unsqueeze(0), k.unsqueeze(0), v.unsqueeze(0)];
      keyPaddingMask = keyPaddingMask?.unsqueeze(0) ?? null;
    } else if (!this.batchFirst) [q, k, v] = [q.transpose(0, 1), k.transpose(0, 1), v.transpose(0, 1)]; // (L, B, E) -> (B, L, E)
    const [B, L] = q.shape;
    let S = k.shape[1];
    if (q.shape[2] !== E) throw new Error(`${what}: query has ${q.shape[2]} features, expected embed_dim ${E} (query ${fmt(query.shape)})`);
    if (k.shape[2] !== this.kdim || v.shape[2] !== this.vdim)
      throw new Error(`${what}: key and value must have ${this.kdim} and ${this.vdim} features, got key ${fmt(key.shape)}, value ${fmt(value.shape)}`);
    if (k.shape[0] !== B || v.shape[0] !== B || v.shape[1] !== S)
      throw new Error(`${what}: key ${fmt(key.shape)} and value ${fmt(value.shape)} do not match query ${fmt(query.shape)} in batch or source length`);
    if (keyPaddingMask && (keyPaddingMask.shape[0] !== B || keyPaddingMask.shape[1] !== S))
      throw new Error(`${what}: keyPaddingMask of shape ${fmt(keyPaddingMask.shape)}, expected ${fmt(batched ? [B, S] : [S])}`);
    if (attnMask) {
      const ok = (attnMask.ndim === 2 && attnMask.shape[0] === L && attnMask.shape[1] === S) ||
        (attnMask.ndim === 3 && attnMask.shape[0] === B * H && attnMask.shape[1] === L && attnMask.shape[2] === S);
      if (!ok) throw new Error(`${what}: attnMask must be (L, S) = ${fmt([L, S])} or (B * num_heads, L, S) = ${fmt([B * H, L, S])}, got ${fmt(attnMask.shape)}`);
      if (attnMask.ndim === 3) attnMask = attnMask.reshape(B, H, L, S); // (B*H, L, S) -> (B, H, L, S)
    }

    let [qp, kp, vp] = this.project(q, k, v, query === key && key === value);
    const padKey = (m: Tensor | null) => (m ? cat([m, zeros([...m.shape.slice(0, -1), 1], { dtype: m.dtype })], -1) : null);
    if (this.biasK && this.biasV) {
      kp = cat([kp, this.biasK.expand(B, 1, E)], 1); // (B, S+1, E)
      vp = cat([vp, this.biasV.expand(B, 1, E)], 1);
      [attnMask, keyPaddingMask, S] = [padKey(attnMask), padKey(keyPaddingMask), S + 1];
    }
    const hd = this.headDim;
    let qh = qp.reshape(B, L, H, hd).transpose(1, 2); // (B, H, L, hd)
    let kh = kp.reshape(B, S, H, hd).transpose(1, 2); // (B, H, S, hd)
    let vh = vp.reshape(B, S, H, hd).transpose(1, 2); // (B, H, S, hd)
    if (this.addZeroAttn) {
      kh = cat([kh, zeros([B, H, 1, hd])], 2); // (B, H, S+1, hd)
      vh = cat([vh, zeros([B, H, 1, hd])], 2);
      [attnMask, keyPaddingMask, S] = [padKey(attnMask), padKey(keyPaddingMask), S + 1];
    }
    const [o, w] = attention(qh, kh, vh, {
      masks: [attnMask, keyPaddingMask?.reshape(B, 1, 1, S)], // (L, S) or (B, H, L, S); (B, 1, 1, S)
      isCausal,
      dropoutP: this.training ? this.dropout : 0,
      needWeights,
      generator: this.generator,
    });
    let out = this.outProj.forward(o.transpose(1, 2).reshape(B, L, E)); // (B, H, L, hd) -> (B, L, E)
    let weights = w && averageAttnWeights ? w.mean(1) : w; // (B, L, S) or (B, H, L, S)
    if (!batched) {
      out = out.squeeze(0); // (L, E)
      weights = weights?.squeeze(0) ?? null;
    } else if (!this.batchFirst) out = out.transpose(0, 1); // (L, B, E)
    return [out, weights];
  }

  override extraRepr(): string {
    return `embed_dim=${this.embedDim}, num_heads=${this.numHeads}${this.batchFirst ? ', batch_first=true' : ''}`;
  }
}
