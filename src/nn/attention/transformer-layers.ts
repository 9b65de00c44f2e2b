/** The Transformer's encoder and decoder layers, as `torch.nn.TransformerEncoderLayer` / `TransformerDecoderLayer`. */
import type { Generator } from '../../core/random.js';
import { Tensor } from '../../core/tensor.js';
import { Dropout } from '../layers/dropout.js';
import { LayerNorm } from '../layers/layernorm.js';
import { Linear } from '../layers/linear.js';
import { Module } from '../module.js';
import { MultiheadAttention } from './multihead-attention.js';

export type Activation = 'relu' | 'gelu' | ((x: Tensor) => Tensor);

export interface TransformerLayerOptions {
  /** Width of the feed-forward network (default 2048). */
  dimFeedforward?: number;
  /** Dropout after attention, inside and after the feed-forward network, and on attention weights (default 0.1). */
  dropout?: number;
  /** Feed-forward activation (default 'relu'). */
  activation?: Activation;
  /** LayerNorm eps (default 1e-5). */
  layerNormEps?: number;
  /** Inputs and outputs (B, T, E) instead of (T, B, E) (default false). */
  batchFirst?: boolean;
  /** Pre-LN: x + f(norm(x)) instead of post-LN norm(x + f(x)) (default false). */
  normFirst?: boolean;
  /** Biases in the linear layers, attention projections and LayerNorms (default true). */
  bias?: boolean;
  generator?: Generator;
}

/** What every attention call in a layer takes besides its masks. */
export interface AttentionWeightOptions {
  /**
   * Keep this call's attention weights on the layer (`lastSelfAttentionWeights`, and in a decoder
   * `lastCrossAttentionWeights`) for inspection (default false: they are not computed).
   */
  needWeights?: boolean;
  /** With needWeights: average over heads, (B, L, S), or keep (B, H, L, S) (default true). */
  averageAttnWeights?: boolean;
}

export interface EncoderLayerForwardOptions extends AttentionWeightOptions {
  /** (T, T) or (B * nhead, T, T); bool true = masked out, float added. */
  srcMask?: Tensor | null;
  /** (B, T): bool true = padding. */
  srcKeyPaddingMask?: Tensor | null;
  /** Causal self-attention (query i sees keys j <= i); combines with srcMask. */
  isCausal?: boolean;
}

export interface DecoderLayerForwardOptions extends AttentionWeightOptions {
  tgtMask?: Tensor | null;
  memoryMask?: Tensor | null;
  tgtKeyPaddingMask?: Tensor | null;
  memoryKeyPaddingMask?: Tensor | null;
  /** Causal self-attention; combines with tgtMask. */
  tgtIsCausal?: boolean;
  /** Causal cross-attention; combines with memoryMask. */
  memoryIsCausal?: boolean;
}

/**
 * Splits `forward(x, ...)` arguments: PyTorch's positional masks (in PyTorch's order), then an optional
 * options object. Positional masks win over the same masks given as options.
 */
export function splitArgs<O extends object>(rest: unknown[], names: (keyof O & string)[], what: string): O {
  const positional: (Tensor | null | undefined)[] = [];
  let opts = {} as O;
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i];
    if (a === null || a === undefined || a instanceof Tensor) {
      if (i >= names.length) throw new TypeError(`${what}.forward: too many positional arguments (masks are ${names.join(', ')})`);
      positional.push(a);
    } else if (typeof a === 'object' && i === rest.length - 1) opts = a as O;
    else throw new TypeError(`${what}.forward: argument ${i + 2} must be a mask tensor, null or the options object`);
  }
  const out = { ...opts } as Record<string, unknown>;
  positional.forEach((t, i) => {
    if (t !== undefined && t !== null) out[names[i]] = t;
  });
  return out as O;
}

function activationFn(a: Activation): (x: Tensor) => Tensor {
  if (typeof a === 'function') return a;
  if (a === 'relu') return (x) => x.relu();
  if (a === 'gelu') return (x) => x.gelu();
  throw new Error(`activation should be relu/gelu, not ${String(a)}`);
}

/** Shared by both layers: the feed-forward block, the config, and cloning. */
abstract class TransformerLayerBase extends Module {
  readonly options: Required<Omit<TransformerLayerOptions, 'generator'>> & { generator?: Generator };
  protected readonly act: (x: Tensor) => Tensor;

  constructor(readonly dModel: number, readonly nhead: number, o: TransformerLayerOptions) {
    super();
    this.options = {
      dimFeedforward: o.dimFeedforward ?? 2048, dropout: o.dropout ?? 0.1, activation: o.activation ?? 'relu',
      layerNormEps: o.layerNormEps ?? 1e-5, batchFirst: o.batchFirst ?? false, normFirst: o.normFirst ?? false,
      bias: o.bias ?? true, generator: o.generator,
    };
    this.act = activationFn(this.options.activation);
  }

  protected mha(): MultiheadAttention {
    const { dropout, batchFirst, bias, generator } = this.options;
    return new MultiheadAttention(this.dModel, this.nhead, { dropout, batchFirst, bias, generator });
  }

  protected norm(): LayerNorm {
    return new LayerNorm(this.dModel, { eps: this.options.layerNormEps, bias: this.options.bias });
  }

  /** A new layer of the same configuration with a copy of this one's parameters (PyTorch's deepcopy). */
  clone(): this {
    const Cls = this.constructor as new (d: number, h: number, o: TransformerLayerOptions) => this;
    const c = new Cls(this.dModel, this.nhead, this.options);
    c.loadStateDict(this.stateDict());
    c.train(this.training);
    return c;
  }

  override extraRepr(): string {
    const { dimFeedforward, normFirst, batchFirst } = this.options;
    return `d_model=${this.dModel}, nhead=${this.nhead}, dim_feedforward=${dimFeedforward}, norm_first=${normFirst}, batch_first=${batchFirst}`;
  }
}

/** The weights of one attention call, detached and kept past `scope()`, or null. */
function keep(w: Tensor | null): Tensor | null {
  if (!w) return null;
  const d = w.detach();
  d.storage.kept = true;
  return d;
}

/**
 * `torch.nn.TransformerEncoderLayer`: self-attention and a feed-forward network, each with a residual
 * connection and LayerNorm:
 *
 *   post-LN (default): x = norm1(x + SA(x));        x = norm2(x + FF(x))
 *   pre-LN (normFirst): x = x + SA(norm1(x));        x = x + FF(norm2(x))
 *   SA(x) = dropout1(self_attn(x, x, x)),  FF(x) = dropout2(linear2(dropout(act(linear1(x)))))
 *
 * Shapes: src (T, B, E), (B, T, E) with batchFirst, or (T, E) unbatched -> the same shape.
 * Keys: `self_attn.*`, `linear1.*`, `linear2.*`, `norm1.*`, `norm2.*` (PyTorch's). forward takes
 * PyTorch's positional order `(src, srcMask, srcKeyPaddingMask)` or `(src, {srcMask, ...})`. With
 * `needWeights: true` the layer keeps the self-attention weights in `lastSelfAttentionWeights`.
 *
 *   const layer = new TransformerEncoderLayer(64, 4, { dimFeedforward: 256, batchFirst: true });
 *   const y = layer.forward(x, { isCausal: true }); // (B, T, 64) -> (B, T, 64)
 */
export class TransformerEncoderLayer extends TransformerLayerBase {
  readonly selfAttn: MultiheadAttention;
  readonly linear1: Linear;
  readonly dropout: Dropout;
  readonly linear2: Linear;
  readonly norm1: LayerNorm;
  readonly norm2: LayerNorm;
  readonly dropout1: Dropout;
  readonly dropout2: Dropout;
  /** The self-attention weights of the last forward with `needWeights: true`, else null. */
  lastSelfAttentionWeights: Tensor | null = null;

  constructor(dModel: number, nhead: number, opts: TransformerLayerOptions = {}) {
    super(dModel, nhead, opts);
    const { dimFeedforward: F, dropout: p, bias, generator: g } = this.options;
    this.selfAttn = this.registerModule('self_attn', this.mha());
    this.linear1 = this.registerModule('linear1', new Linear(dModel, F, { bias, generator: g }));
    this.dropout = this.registerModule('dropout', new Dropout(p, g));
    this.linear2 = this.registerModule('linear2', new Linear(F, dModel, { bias, generator: g }));
    this.norm1 = this.registerModule('norm1', this.norm());
    this.norm2 = this.registerModule('norm2', this.norm());
    this.dropout1 = this.registerModule('dropout1', new Dropout(p, g));
    this.dropout2 = this.registerModule('dropout2', new Dropout(p, g));
  }

  forward(src: Tensor, opts?: EncoderLayerForwardOptions): Tensor;
  forward(src: Tensor, srcMask?: Tensor | null, srcKeyPaddingMask?: Tensor | null, opts?: EncoderLayerForwardOptions): Tensor;
  forward(src: Tensor, ...rest: unknown[]): Tensor {
    const o = splitArgs<EncoderLayerForwardOptions>(rest, ['srcMask', 'srcKeyPaddingMask'], 'TransformerEncoderLayer');
    const sa = (x: Tensor) => {
      const [y, w] = this.selfAttn.forward(x, x, x, {
        attnMask: o.srcMask, keyPaddingMask: o.srcKeyPaddingMask, isCausal: o.isCausal,
        needWeights: o.needWeights ?? false, averageAttnWeights: o.averageAttnWeights,
      });
      this.lastSelfAttentionWeights = keep(w);
      return this.dropout1.forward(y);
    };
    const ff = (x: Tensor) => this.dropout2.forward(this.linear2.forward(this.dropout.forward(this.act(this.linear1.forward(x)))));
    let x = src;
    if (this.options.normFirst) {
      x = x.add(sa(this.norm1.forward(x)));
      x = x.add(ff(this.norm2.forward(x)));
    } else {
      x = this.norm1.forward(x.add(sa(x)));
      x = this.norm2.forward(x.add(ff(x)));
    }
    return x;
  }
}

/**
 * `torch.nn.TransformerDecoderLayer`: masked self-attention, cross-attention over the encoder's output
 * (`memory`), and a feed-forward network, each with a residual connection and LayerNorm:
 *
 *   post-LN: x = norm1(x + SA(x)); x = norm2(x + CA(x, mem)); x = norm3(x + FF(x))
 *   pre-LN:  x = x + SA(norm1(x)); x = x + CA(norm2(x), mem); x = x + FF(norm3(x))
 *
 * Shapes: tgt (T, B, E) and memory (S, B, E) ((B, ·, E) with batchFirst; unbatched (T, E), (S, E)) ->
 * the shape of tgt. Keys: `self_attn.*`, `multihead_attn.*`, `linear1.*`, `linear2.*`, `norm1..3.*`.
 * forward takes PyTorch's positional order `(tgt, memory, tgtMask, memoryMask, tgtKeyPaddingMask,
 * memoryKeyPaddingMask)` or `(tgt, memory, {...})`. With `needWeights: true` it keeps
 * `lastSelfAttentionWeights` (B, T, T) and `lastCrossAttentionWeights` (B, T, S).
 *
 *   const layer = new TransformerDecoderLayer(64, 4, { batchFirst: true });
 *   const y = layer.forward(tgt, memory, { tgtIsCausal: true }); // (B, T, 64), (B, S, 64) -> (B, T, 64)
 */
export class TransformerDecoderLayer extends TransformerLayerBase {
  readonly selfAttn: MultiheadAttention;
  readonly multiheadAttn: MultiheadAttention;
  readonly linear1: Linear;
  readonly dropout: Dropout;
  readonly linear2: Linear;
  readonly norm1: LayerNorm;
  readonly norm2: LayerNorm;
  readonly norm3: LayerNorm;
  readonly dropout1: Dropout;
  readonly dropout2: Dropout;
  readonly dropout3: Dropout;
  /** The self-attention weights of the last forward with `needWeights: true`, else null. */
  lastSelfAttentionWeights: Tensor | null = null;
  /** The cross-attention weights of the last forward with `needWeights: true`, else null. */
  lastCrossAttentionWeights: Tensor | null = null;

  constructor(dModel: number, nhead: number, opts: TransformerLayerOptions = {}) {
    super(dModel, nhead, opts);
    const { dimFeedforward: F, dropout: p, bias, generator: g } = this.options;
    this.selfAttn = this.registerModule('self_attn', this.mha());
    this.multiheadAttn = this.registerModule('multihead_attn', this.mha());
    this.linear1 = this.registerModule('linear1', new Linear(dModel, F, { bias, generator: g }));
    this.dropout = this.registerModule('dropout', new Dropout(p, g));
    this.linear2 = this.registerModule('linear2', new Linear(F, dModel, { bias, generator: g }));
    this.norm1 = this.registerModule('norm1', this.norm());
    this.norm2 = this.registerModule('norm2', this.norm());
    this.norm3 = this.registerModule('norm3', this.norm());
    this.dropout1 = this.registerModule('dropout1', new Dropout(p, g));
    this.dropout2 = this.registerModule('dropout2', new Dropout(p, g));
    this.dropout3 = this.registerModule('dropout3', new Dropout(p, g));
  }

  forward(tgt: Tensor, memory: Tensor, opts?: DecoderLayerForwardOptions): Tensor;
  forward(
    tgt: Tensor, memory: Tensor, tgtMask?: Tensor | null, memoryMask?: Tensor | null,
    tgtKeyPaddingMask?: Tensor | null, memoryKeyPaddingMask?: Tensor | null, opts?: DecoderLayerForwardOptions,
  ): Tensor;
  forward(tgt: Tensor, memory: Tensor, ...rest: unknown[]): Tensor {
    const o = splitArgs<DecoderLayerForwardOptions>(
      rest, ['tgtMask', 'memoryMask', 'tgtKeyPaddingMask', 'memoryKeyPaddingMask'], 'TransformerDecoderLayer',
    );
    const needWeights = o.needWeights ?? false;
    const { averageAttnWeights } = o;
    const sa = (x: Tensor) => {
      const [y, w] = this.selfAttn.forward(x, x, x, {
        attnMask: o.tgtMask, keyPaddingMask: o.tgtKeyPaddingMask, isCausal: o.tgtIsCausal, needWeights, averageAttnWeights,
      });
      this.lastSelfAttentionWeights = keep(w);
      return this.dropout1.forward(y);
    };
    const ca = (x: Tensor) => {
      const [y, w] = this.multiheadAttn.forward(x, memory, memory, {
        attnMask: o.memoryMask, keyPaddingMask: o.memoryKeyPaddingMask, isCausal: o.memoryIsCausal, needWeights, averageAttnWeights,
      });
      this.lastCrossAttentionWeights = keep(w);
      return this.dropout2.forward(y);
    };
    return this.residual(tgt, sa, ca);
  }

  /**
   * The layer around its self-attention `sa` and cross-attention `ca` (each with its dropout): with the
   * feed-forward ff, pre-LN x += sa(norm1(x)), x += ca(norm2(x)), x += ff(norm3(x)), or post-LN
   * x = norm1(x + sa(x)), and so on. A decoder that runs its own attention (a key/value cache) calls it.
   */
  residual(tgt: Tensor, sa: (x: Tensor) => Tensor, ca: (x: Tensor) => Tensor): Tensor {
    const ff = (x: Tensor) => this.dropout3.forward(this.linear2.forward(this.dropout.forward(this.act(this.linear1.forward(x)))));
    let x = tgt;
    if (this.options.normFirst) {
      x = x.add(sa(this.norm1.forward(x)));
      x = x.add(ca(this.norm2.forward(x)));
      x = x.add(ff(this.norm3.forward(x)));
    } else {
      x = this.norm1.forward(x.add(sa(x)));
      x = this.norm2.forward(x.add(ca(x)));
      x = this.norm3.forward(x.add(ff(x)));
    }
    return x;
  }
}
