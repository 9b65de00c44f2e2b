/**
 * Transformer stacks, as `torch.nn.TransformerEncoder`, `TransformerDecoder` and `Transformer`, and the
 * causal mask helper.
 */
import { fromArray } from '../../core/creation.js';
import type { Generator } from '../../core/random.js';
import { fmt } from '../../core/shape.js';
import type { DType } from '../../core/storage.js';
import type { Tensor } from '../../core/tensor.js';
import { ModuleList } from '../layers/containers.js';
import { xavierUniform_ } from '../init.js';
import { LayerNorm } from '../layers/layernorm.js';
import { Module } from '../module.js';
import {
  splitArgs, TransformerDecoderLayer, TransformerEncoderLayer,
  type AttentionWeightOptions, type DecoderLayerForwardOptions, type TransformerLayerOptions,
} from './transformer-layers.js';

/**
 * The causal mask of `n` positions, as `nn.Transformer.generate_square_subsequent_mask`: float32 (n, n)
 * with -Infinity above the diagonal (j > i) and 0 elsewhere, or with `dtype: 'bool'`, true above the
 * diagonal (true = masked out, Loom's bool convention).
 *
 *   generateSquareSubsequentMask(3)
 *   // [[0, -inf, -inf], [0, 0, -inf], [0, 0, 0]]
 */
export function generateSquareSubsequentMask(n: number, { dtype = 'float32' }: { dtype?: Extract<DType, 'float32' | 'bool'> } = {}): Tensor {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`generateSquareSubsequentMask: size must be a non-negative integer, got ${n}`);
  const bool = dtype === 'bool';
  const data = bool ? new Uint8Array(n * n) : new Float32Array(n * n);
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) data[i * n + j] = bool ? 1 : -Infinity;
  return fromArray(data, [n, n], { dtype });
}

export interface EncoderForwardOptions extends AttentionWeightOptions {
  /** (T, T) or (B * nhead, T, T) self-attention mask of every layer. */
  mask?: Tensor | null;
  /** (B, T): bool true = padding. */
  srcKeyPaddingMask?: Tensor | null;
  isCausal?: boolean;
}

/**
 * `torch.nn.TransformerEncoder`: `numLayers` copies of `encoderLayer` (each starts with the same
 * parameters, as PyTorch's deepcopy) applied in turn, then the optional `norm`.
 *
 * Shapes as the layer's. Keys: `layers.0.self_attn.in_proj_weight`, ..., `norm.weight` (with a norm).
 * forward(src, mask?, srcKeyPaddingMask?, opts?) as PyTorch. PyTorch hides the layers' attention
 * weights; here `forward(src, { needWeights: true })` keeps them, read with `attentionWeights()`.
 *
 *   const enc = new TransformerEncoder(new TransformerEncoderLayer(64, 4, { batchFirst: true }), 6);
 *   const h = enc.forward(x, { srcKeyPaddingMask: pad, needWeights: true }); // (B, T, 64)
 *   const w = enc.attentionWeights(); // 6 x (B, T, T)
 */
export class TransformerEncoder extends Module {
  readonly layers: ModuleList<TransformerEncoderLayer>;
  readonly norm: Module & { forward(x: Tensor): Tensor } | null;

  constructor(encoderLayer: TransformerEncoderLayer, readonly numLayers: number, { norm = null }: { norm?: (Module & { forward(x: Tensor): Tensor }) | null } = {}) {
    super();
    if (!Number.isInteger(numLayers) || numLayers < 0) throw new RangeError(`TransformerEncoder: numLayers must be a non-negative integer, got ${numLayers}`);
    this.layers = this.registerModule('layers', new ModuleList(Array.from({ length: numLayers }, () => encoderLayer.clone())));
    this.norm = this.registerModule('norm', norm);
  }

  forward(src: Tensor, opts?: EncoderForwardOptions): Tensor;
  forward(src: Tensor, mask?: Tensor | null, srcKeyPaddingMask?: Tensor | null, opts?: EncoderForwardOptions): Tensor;
  forward(src: Tensor, ...rest: unknown[]): Tensor {
    const o = splitArgs<EncoderForwardOptions>(rest, ['mask', 'srcKeyPaddingMask'], 'TransformerEncoder');
    const { mask, ...others } = o;
    let x = src;
    for (const layer of this.layers) x = layer.forward(x, { ...others, srcMask: mask });
    return this.norm ? this.norm.forward(x) : x;
  }

  /** Each layer's self-attention weights from the last forward (null where needWeights was off). */
  attentionWeights(): (Tensor | null)[] {
    return [...this.layers].map((l) => l.lastSelfAttentionWeights);
  }
}

/**
 * `torch.nn.TransformerDecoder`: `numLayers` copies of `decoderLayer`, each taking the same `memory`,
 * then the optional `norm`. forward(tgt, memory, tgtMask?, memoryMask?, tgtKeyPaddingMask?,
 * memoryKeyPaddingMask?, opts?) as PyTorch. With `needWeights: true` the layers keep their weights:
 * `selfAttentionWeights()` and `crossAttentionWeights()`.
 *
 *   const dec = new TransformerDecoder(new TransformerDecoderLayer(64, 4), 6, { norm: new LayerNorm(64) });
 *   const y = dec.forward(tgt, memory, { tgtIsCausal: true }); // (T, B, 64), (S, B, 64) -> (T, B, 64)
 */
export class TransformerDecoder extends Module {
  readonly layers: ModuleList<TransformerDecoderLayer>;
  readonly norm: Module & { forward(x: Tensor): Tensor } | null;

  constructor(decoderLayer: TransformerDecoderLayer, readonly numLayers: number, { norm = null }: { norm?: (Module & { forward(x: Tensor): Tensor }) | null } = {}) {
    super();
    if (!Number.isInteger(numLayers) || numLayers < 0) throw new RangeError(`TransformerDecoder: numLayers must be a non-negative integer, got ${numLayers}`);
    this.layers = this.registerModule('layers', new ModuleList(Array.from({ length: numLayers }, () => decoderLayer.clone())));
    this.norm = this.registerModule('norm', norm);
  }

  forward(tgt: Tensor, memory: Tensor, opts?: DecoderLayerForwardOptions): Tensor;
  forward(
    tgt: Tensor, memory: Tensor, tgtMask?: Tensor | null, memoryMask?: Tensor | null,
    tgtKeyPaddingMask?: Tensor | null, memoryKeyPaddingMask?: Tensor | null, opts?: DecoderLayerForwardOptions,
  ): Tensor;
  forward(tgt: Tensor, memory: Tensor, ...rest: unknown[]): Tensor {
    const o = splitArgs<DecoderLayerForwardOptions>(rest, ['tgtMask', 'memoryMask', 'tgtKeyPaddingMask', 'memoryKeyPaddingMask'], 'TransformerDecoder');
    let x = tgt;
    for (const layer of this.layers) x = layer.forward(x, memory, o);
    return this.norm ? this.norm.forward(x) : x;
  }

  selfAttentionWeights(): (Tensor | null)[] {
    return [...this.layers].map((l) => l.lastSelfAttentionWeights);
  }

  crossAttentionWeights(): (Tensor | null)[] {
    return [...this.layers].map((l) => l.lastCrossAttentionWeights);
  }
}

export interface TransformerOptions extends TransformerLayerOptions {
  /** Default 6. */
  numEncoderLayers?: number;
  /** Default 6. */
  numDecoderLayers?: number;
  customEncoder?: TransformerEncoder | null;
  customDecoder?: TransformerDecoder | null;
}

export interface TransformerForwardOptions extends AttentionWeightOptions {
  srcMask?: Tensor | null;
  tgtMask?: Tensor | null;
  memoryMask?: Tensor | null;
  srcKeyPaddingMask?: Tensor | null;
  tgtKeyPaddingMask?: Tensor | null;
  memoryKeyPaddingMask?: Tensor | null;
  srcIsCausal?: boolean;
  tgtIsCausal?: boolean;
  memoryIsCausal?: boolean;
}

/**
 * `torch.nn.Transformer`: an encoder (numEncoderLayers layers + LayerNorm) over `src` and a decoder
 * (numDecoderLayers layers + LayerNorm) over `tgt` attending to the encoder's output.
 *
 * Defaults as PyTorch: dModel 512, nhead 8, 6 + 6 layers, dimFeedforward 2048, dropout 0.1, relu.
 * Every parameter with more than one dim is re-drawn xavier_uniform (PyTorch's `_reset_parameters`).
 * Shapes: src (S, B, E), tgt (T, B, E) -> (T, B, E) ((B, ·, E) with batchFirst). Keys:
 * `encoder.layers.N.*`, `encoder.norm.*`, `decoder.layers.N.*`, `decoder.norm.*`.
 * forward(src, tgt, srcMask?, tgtMask?, memoryMask?, srcKeyPaddingMask?, tgtKeyPaddingMask?,
 * memoryKeyPaddingMask?, opts?) as PyTorch's positional order.
 *
 *   const model = new Transformer({ dModel: 64, nhead: 4, batchFirst: true });
 *   const y = model.forward(src, tgt, null, generateSquareSubsequentMask(T)); // (B, T, 64)
 */
export class Transformer extends Module {
  readonly dModel: number;
  readonly nhead: number;
  readonly batchFirst: boolean;
  readonly encoder: TransformerEncoder;
  readonly decoder: TransformerDecoder;

  constructor({ dModel = 512, nhead = 8, numEncoderLayers = 6, numDecoderLayers = 6, customEncoder = null, customDecoder = null, ...layer }: TransformerOptions & { dModel?: number; nhead?: number } = {}) {
    super();
    this.dModel = dModel;
    this.nhead = nhead;
    this.batchFirst = layer.batchFirst ?? false;
    const norm = () => new LayerNorm(dModel, { eps: layer.layerNormEps ?? 1e-5, bias: layer.bias ?? true });
    this.encoder = this.registerModule('encoder', customEncoder ?? new TransformerEncoder(new TransformerEncoderLayer(dModel, nhead, layer), numEncoderLayers, { norm: norm() }));
    this.decoder = this.registerModule('decoder', customDecoder ?? new TransformerDecoder(new TransformerDecoderLayer(dModel, nhead, layer), numDecoderLayers, { norm: norm() }));
    this.resetParameters(layer.generator);
  }

  /** xavier_uniform on every parameter with more than one dim. */
  resetParameters(generator?: Generator): void {
    for (const p of this.parameters()) if (p.ndim > 1) xavierUniform_(p, 1, generator);
  }

  forward(src: Tensor, tgt: Tensor, opts?: TransformerForwardOptions): Tensor;
  forward(
    src: Tensor, tgt: Tensor, srcMask?: Tensor | null, tgtMask?: Tensor | null, memoryMask?: Tensor | null,
    srcKeyPaddingMask?: Tensor | null, tgtKeyPaddingMask?: Tensor | null, memoryKeyPaddingMask?: Tensor | null, opts?: TransformerForwardOptions,
  ): Tensor;
  forward(src: Tensor, tgt: Tensor, ...rest: unknown[]): Tensor {
    const o = splitArgs<TransformerForwardOptions>(
      rest, ['srcMask', 'tgtMask', 'memoryMask', 'srcKeyPaddingMask', 'tgtKeyPaddingMask', 'memoryKeyPaddingMask'], 'Transformer',
    );
    const batched = src.ndim === 3;
    const bdim = this.batchFirst ? 0 : 1;
    if (batched && tgt.ndim === 3 && src.shape[bdim] !== tgt.shape[bdim])
      throw new Error(`Transformer: the batch number of src ${fmt(src.shape)} and tgt ${fmt(tgt.shape)} must be equal`);
    if (src.shape[src.ndim - 1] !== this.dModel || tgt.shape[tgt.ndim - 1] !== this.dModel)
      throw new Error(`Transformer: the feature number of src ${fmt(src.shape)} and tgt ${fmt(tgt.shape)} must be equal to d_model ${this.dModel}`);
    const { needWeights, averageAttnWeights } = o;
    const memory = this.encoder.forward(src, {
      mask: o.srcMask, srcKeyPaddingMask: o.srcKeyPaddingMask, isCausal: o.srcIsCausal, needWeights, averageAttnWeights,
    });
    return this.decoder.forward(tgt, memory, {
      tgtMask: o.tgtMask, memoryMask: o.memoryMask, tgtKeyPaddingMask: o.tgtKeyPaddingMask,
      memoryKeyPaddingMask: o.memoryKeyPaddingMask, tgtIsCausal: o.tgtIsCausal, memoryIsCausal: o.memoryIsCausal,
      needWeights, averageAttnWeights,
    });
  }

  /** `generateSquareSubsequentMask` (float -inf/0; `{ dtype: 'bool' }` for the bool variant). */
  static generateSquareSubsequentMask(n: number, opts?: { dtype?: 'float32' | 'bool' }): Tensor {
    return generateSquareSubsequentMask(n, opts);
  }
}
