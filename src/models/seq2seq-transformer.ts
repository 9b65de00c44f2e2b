/**
 * `transformer`: an encoder-decoder Transformer (Vaswani et al. 2017) over letters and phonemes, built on
 * `nn.Transformer` (batch-first), with sinusoidal positions and a linear output layer.
 *
 *   x = Emb_src(src) + PE;   memory = Encoder(dropout(x), srcKeyPaddingMask = srcPad)
 *   y = Emb_tgt(tgtIn) + PE;  h = Decoder(dropout(y), memory, causal, memoryKeyPaddingMask = srcPad)
 *   logits = W_o h
 *
 * The embeddings are not scaled by sqrt(d): nn.Embedding starts at N(0, 1) (Vaswani et al. start at
 * N(0, 1/d) and scale by sqrt(d)), so entries and positions are both O(1). Scaling drowned the
 * positions: after 150 steps on CMUdict (d 64, 2 layers) the loss was 2.50 scaled and 1.92 unscaled.
 *
 * Shapes: src (B, S), srcPad (B, S) bool, tgtIn (B, T) -> logits (B, T, V). Keys: `src_emb.weight`,
 * `tgt_emb.weight`, `transformer.encoder.*`, `transformer.decoder.*` (nn.Transformer's), `out.*`.
 *
 * Incremental decoding (`step`) keeps a key/value cache: each decoder layer's self-attention keys and
 * values of the tokens so far (B, heads, t, d/heads), and the cross-attention keys and values of the
 * memory, projected once by `encode`. A step then costs O(t) attention for the new token only; its
 * logits equal the teacher-forced forward's at that position (in eval mode).
 *
 *   const m = new Seq2SeqTransformer({ srcVocabSize: 30, tgtVocabSize: 42, dModel: 128, nhead: 4, layers: 3, dimFeedforward: 512, dropout: 0.1 });
 */
import { cat } from '../core/ops/join.js';
import type { Tensor } from '../core/tensor.js';
import { attention } from '../nn/attention/attention.js';
import type { MultiheadAttention } from '../nn/attention/multihead-attention.js';
import { SinusoidalPositionalEncoding } from '../nn/attention/positional-encoding.js';
import { Transformer } from '../nn/attention/transformer.js';
import type { TransformerDecoderLayer } from '../nn/attention/transformer-layers.js';
import { Dropout } from '../nn/layers/dropout.js';
import { Embedding } from '../nn/layers/embedding.js';
import { Linear, linear } from '../nn/layers/linear.js';
import { Module } from '../nn/module.js';
import type { DecodeStep, Seq2SeqModel } from './seq2seq.js';

export interface Seq2SeqTransformerConfig {
  srcVocabSize: number;
  tgtVocabSize: number;
  dModel: number;
  nhead: number;
  /** Encoder layers and decoder layers (each). */
  layers: number;
  dimFeedforward: number;
  dropout: number;
  /** Pre-LN layers (default true: trains without warm-up at these sizes). */
  normFirst: boolean;
  /** Longest source or target (positions table). */
  maxLen: number;
}

export const defaultSeq2SeqTransformerConfig: Omit<Seq2SeqTransformerConfig, 'srcVocabSize' | 'tgtVocabSize'> = {
  dModel: 128, nhead: 4, layers: 3, dimFeedforward: 512, dropout: 0.1, normFirst: true, maxLen: 64,
};

export interface TransformerMemory {
  /** (B, S, d) the encoder's output. */
  memory: Tensor;
  /** (B, S) bool, true = padding. */
  pad: Tensor;
  /** Per decoder layer: the memory's cross-attention keys and values (B, heads, S, hd). */
  cross: { k: Tensor; v: Tensor }[];
}

export interface TransformerState {
  /** Tokens decoded so far (the next token's position). */
  t: number;
  /** Per decoder layer: the self-attention keys and values so far (B, heads, t, hd), or null at t = 0. */
  self: ({ k: Tensor; v: Tensor } | null)[];
}

export class Seq2SeqTransformer extends Module implements Seq2SeqModel<TransformerMemory, TransformerState> {
  readonly srcEmb: Embedding;
  readonly tgtEmb: Embedding;
  readonly pos: SinusoidalPositionalEncoding;
  readonly drop: Dropout;
  readonly transformer: Transformer;
  readonly out: Linear;
  lastAttention: Tensor | null = null;

  constructor(readonly config: Seq2SeqTransformerConfig) {
    super();
    const { srcVocabSize, tgtVocabSize, dModel: d, nhead, layers, dimFeedforward, dropout, normFirst, maxLen } = config;
    for (const [k, v] of Object.entries({ srcVocabSize, tgtVocabSize, dModel: d, nhead, layers, dimFeedforward, maxLen }))
      if (!Number.isInteger(v) || v < 1) throw new RangeError(`Seq2SeqTransformer: ${k} must be a positive integer, got ${v}`);
    if (d % nhead !== 0 || d % 2 !== 0) throw new RangeError(`Seq2SeqTransformer: dModel ${d} must be even and divisible by nhead ${nhead}`);
    if (!(dropout >= 0 && dropout < 1)) throw new RangeError(`Seq2SeqTransformer: dropout must be in [0, 1), got ${dropout}`);
    this.srcEmb = this.registerModule('src_emb', new Embedding(srcVocabSize, d, { paddingIdx: 0 }));
    this.tgtEmb = this.registerModule('tgt_emb', new Embedding(tgtVocabSize, d, { paddingIdx: 0 }));
    this.pos = this.registerModule('pos', new SinusoidalPositionalEncoding(d, { maxLen }));
    this.drop = this.registerModule('drop', new Dropout(dropout));
    this.transformer = this.registerModule(
      'transformer',
      new Transformer({ dModel: d, nhead, numEncoderLayers: layers, numDecoderLayers: layers, dimFeedforward, dropout, batchFirst: true, normFirst }),
    );
    this.out = this.registerModule('out', new Linear(d, tgtVocabSize));
  }

  get srcVocabSize(): number {
    return this.config.srcVocabSize;
  }

  get tgtVocabSize(): number {
    return this.config.tgtVocabSize;
  }

  private embed(emb: Embedding, ids: Tensor, offset = 0): Tensor {
    const x = emb.forward(ids); // (B, T, d)
    const T = ids.shape[1];
    return this.drop.forward(x.add(this.pos.pe.narrow(0, offset, T)));
  }

  forward(src: Tensor, srcPad: Tensor, tgtIn: Tensor, { attention: keep = false }: { attention?: boolean } = {}): Tensor {
    const memory = this.transformer.encoder.forward(this.embed(this.srcEmb, src), { srcKeyPaddingMask: srcPad });
    const h = this.transformer.decoder.forward(this.embed(this.tgtEmb, tgtIn), memory, { tgtIsCausal: true, memoryKeyPaddingMask: srcPad, needWeights: keep });
    if (keep) {
      const w = this.transformer.decoder.crossAttentionWeights();
      this.lastAttention = w[w.length - 1]; // the last layer's, averaged over heads (B, T, S)
    } else this.lastAttention = null;
    return this.out.forward(h);
  }

  encode(src: Tensor, srcPad: Tensor): TransformerMemory {
    const memory = this.transformer.encoder.forward(this.embed(this.srcEmb, src), { srcKeyPaddingMask: srcPad });
    const cross = this.decoderLayers().map((l) => {
      const [, k, v] = projections(l.multiheadAttn);
      return { k: heads(k(memory), l.nhead), v: heads(v(memory), l.nhead) };
    });
    return { memory, pad: srcPad, cross };
  }

  initDecoder(): TransformerState {
    return { t: 0, self: this.decoderLayers().map(() => null) };
  }

  step(memory: TransformerMemory, state: TransformerState, prev: Tensor): DecodeStep<TransformerState> {
    const B = prev.shape[0];
    let x = this.embed(this.tgtEmb, prev.reshape(B, 1), state.t); // (B, 1, d)
    const self: TransformerState['self'] = [];
    let align: Tensor | null = null;
    const S = memory.pad.shape[1];
    this.decoderLayers().forEach((layer, i) => {
      const H = layer.nhead;
      const sa = (h: Tensor) => {
        const [q, k, v] = projections(layer.selfAttn);
        const past = state.self[i];
        const kh = past ? cat([past.k, heads(k(h), H)], 2) : heads(k(h), H); // (B, H, t + 1, hd)
        const vh = past ? cat([past.v, heads(v(h), H)], 2) : heads(v(h), H);
        self.push({ k: kh, v: vh });
        const [o] = attention(heads(q(h), H), kh, vh, { needWeights: false });
        return layer.dropout1.forward(layer.selfAttn.outProj.forward(merge(o)));
      };
      const ca = (h: Tensor) => {
        const [q] = projections(layer.multiheadAttn);
        const { k, v } = memory.cross[i];
        const [o, w] = attention(heads(q(h), H), k, v, { masks: [memory.pad.reshape(B, 1, 1, S)] }); // w (B, H, 1, S)
        align = w!.mean(1).reshape(B, S);
        return layer.dropout2.forward(layer.multiheadAttn.outProj.forward(merge(o)));
      };
      x = layer.residual(x, sa, ca);
    });
    const norm = this.transformer.decoder.norm;
    const h = norm ? norm.forward(x) : x;
    return { logits: this.out.forward(h).reshape(B, this.config.tgtVocabSize), attention: align!, state: { t: state.t + 1, self } };
  }

  selectMemory(memory: TransformerMemory, index: Tensor): TransformerMemory {
    return { memory: memory.memory.indexSelect(0, index), pad: memory.pad.indexSelect(0, index), cross: memory.cross.map((c) => selectKV(c, index)) };
  }

  selectState(state: TransformerState, index: Tensor): TransformerState {
    return { t: state.t, self: state.self.map((c) => (c ? selectKV(c, index) : null)) };
  }

  private decoderLayers(): TransformerDecoderLayer[] {
    return [...this.transformer.decoder.layers];
  }
}

/** The query, key and value projections of a MultiheadAttention with packed weights, as functions of (B, L, E). */
function projections(mha: MultiheadAttention): [(x: Tensor) => Tensor, (x: Tensor) => Tensor, (x: Tensor) => Tensor] {
  const E = mha.embedDim;
  const w = mha.inProjWeight!;
  const b = mha.inProjBias;
  return [0, 1, 2].map((i) => (x: Tensor) => linear(x, w.narrow(0, i * E, E), b ? b.narrow(0, i * E, E) : null)) as never;
}

function selectKV(c: { k: Tensor; v: Tensor }, index: Tensor): { k: Tensor; v: Tensor } {
  return { k: c.k.indexSelect(0, index), v: c.v.indexSelect(0, index) };
}

/** (B, L, E) -> (B, H, L, E / H). */
function heads(x: Tensor, H: number): Tensor {
  const [B, L, E] = x.shape;
  return x.reshape(B, L, H, E / H).transpose(1, 2);
}

/** (B, H, L, hd) -> (B, L, H * hd). */
function merge(x: Tensor): Tensor {
  const [B, H, L, hd] = x.shape;
  return x.transpose(1, 2).reshape(B, L, H * hd);
}
