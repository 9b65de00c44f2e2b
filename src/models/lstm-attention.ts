/**
 * `lstm-attention`: the encoder-decoder with additive (Bahdanau) attention (Bahdanau et al. 2015,
 * Luong et al. 2015's input feeding), for grapheme-to-phoneme conversion and other short transductions.
 *
 *   encoder:  e_j = Emb_src(x_j) (dropout);  [h_1..h_S] = BiLSTM(e)           h_j (2H)
 *   bridge:   s_0 = tanh(W_b [h_S^fwd; h_1^bwd]),  c_0 = 0,  ctx_0 = 0
 *   decoder:  s_t, c_t = LSTM([Emb_tgt(y_{t-1}); ctx_{t-1}], (s_{t-1}, c_{t-1}))
 *             ctx_t, a_t = AdditiveAttention(s_t, h, mask)                   a_t (S), ctx_t (2H)
 *             o_t = tanh(W_c [s_t; ctx_t]) (dropout);  logits_t = W_o o_t    (V)
 *
 * Shapes: src (B, S), srcPad (B, S) bool, tgtIn (B, T) -> logits (B, T, V). Keys: `src_emb.weight`,
 * `encoder.*` (nn.LSTM bidirectional), `bridge.*`, `tgt_emb.weight`, `decoder.*` (nn.LSTM),
 * `attention.*` (AdditiveAttention), `combine.*`, `out.*`.
 *
 *   const m = new LSTMAttention({ srcVocabSize: 30, tgtVocabSize: 42, embed: 64, hidden: 128, attention: 64, dropout: 0.2 });
 *   const logits = m.forward(src, srcPad, tgtIn); // (B, T, 42)
 */
import { zeros } from '../core/creation.js';
import { cat, stack } from '../core/ops/join.js';
import type { Tensor } from '../core/tensor.js';
import { AdditiveAttention } from '../nn/attention/additive-attention.js';
import { Dropout } from '../nn/layers/dropout.js';
import { Embedding } from '../nn/layers/embedding.js';
import { Linear } from '../nn/layers/linear.js';
import { Module } from '../nn/module.js';
import { LSTM, type LSTMState } from '../nn/recurrent/rnn.js';
import type { DecodeStep, Seq2SeqModel } from './seq2seq.js';

export interface LSTMAttentionConfig {
  srcVocabSize: number;
  tgtVocabSize: number;
  /** Embedding width of letters and phonemes. */
  embed: number;
  /** Hidden size of each encoder direction; the decoder has 2 * hidden. */
  hidden: number;
  /** Width of the additive attention's tanh layer. */
  attention: number;
  /** Dropout on embeddings and on the decoder's output layer (training only). */
  dropout: number;
}

export const defaultLSTMAttentionConfig: Omit<LSTMAttentionConfig, 'srcVocabSize' | 'tgtVocabSize'> = { embed: 64, hidden: 128, attention: 128, dropout: 0.2 };

export interface LSTMAttentionMemory {
  /** (B, S, 2H) encoder outputs, the attention's keys. */
  keys: Tensor;
  /** (B, S, A) the keys' projection in the attention, computed once for every decoder step. */
  projected: Tensor;
  /** (B, S) bool, true = padding. */
  pad: Tensor;
  /** (1, B, 2H) the decoder's first hidden state. */
  s0: Tensor;
}

export interface LSTMAttentionState {
  /** [h, c], each (1, B, 2H). */
  lstm: LSTMState;
  /** (B, 2H) the previous step's context. */
  ctx: Tensor;
}

export class LSTMAttention extends Module implements Seq2SeqModel<LSTMAttentionMemory, LSTMAttentionState> {
  readonly srcEmb: Embedding;
  readonly encoder: LSTM;
  readonly bridge: Linear;
  readonly tgtEmb: Embedding;
  readonly decoder: LSTM;
  readonly attention: AdditiveAttention;
  readonly combine: Linear;
  readonly out: Linear;
  readonly drop: Dropout;
  lastAttention: Tensor | null = null;

  constructor(readonly config: LSTMAttentionConfig) {
    super();
    const { srcVocabSize, tgtVocabSize, embed: E, hidden: H, attention: A, dropout } = config;
    for (const [k, v] of Object.entries({ srcVocabSize, tgtVocabSize, embed: E, hidden: H, attention: A }))
      if (!Number.isInteger(v) || v < 1) throw new RangeError(`LSTMAttention: ${k} must be a positive integer, got ${v}`);
    if (!(dropout >= 0 && dropout < 1)) throw new RangeError(`LSTMAttention: dropout must be in [0, 1), got ${dropout}`);
    this.srcEmb = this.registerModule('src_emb', new Embedding(srcVocabSize, E, { paddingIdx: 0 }));
    this.encoder = this.registerModule('encoder', new LSTM(E, H, { batchFirst: true, bidirectional: true }));
    this.bridge = this.registerModule('bridge', new Linear(2 * H, 2 * H));
    this.tgtEmb = this.registerModule('tgt_emb', new Embedding(tgtVocabSize, E, { paddingIdx: 0 }));
    this.decoder = this.registerModule('decoder', new LSTM(E + 2 * H, 2 * H, { batchFirst: true }));
    this.attention = this.registerModule('attention', new AdditiveAttention(2 * H, 2 * H, A));
    this.combine = this.registerModule('combine', new Linear(4 * H, 2 * H));
    this.out = this.registerModule('out', new Linear(2 * H, tgtVocabSize));
    this.drop = this.registerModule('drop', new Dropout(dropout));
  }

  get srcVocabSize(): number {
    return this.config.srcVocabSize;
  }

  get tgtVocabSize(): number {
    return this.config.tgtVocabSize;
  }

  encode(src: Tensor, srcPad: Tensor): LSTMAttentionMemory {
    const B = src.shape[0];
    const lengths = srcPad.logicalNot().int().sum(1).toArray(); // (B) real letters per word
    const [keys, [hN]] = this.encoder.forward(this.drop.forward(this.srcEmb.forward(src)), null, { lengths: Int32Array.from(lengths) }); // (B, S, 2H), hN (2, B, H)
    const last = hN.transpose(0, 1).reshape(B, 2 * this.config.hidden); // [h_S^fwd; h_1^bwd] (B, 2H)
    return { keys, projected: this.attention.projectKeys(keys), pad: srcPad, s0: this.bridge.forward(last).tanh().unsqueeze(0) };
  }

  initDecoder(memory: LSTMAttentionMemory): LSTMAttentionState {
    const B = memory.keys.shape[0];
    return { lstm: [memory.s0, zeros(memory.s0.shape)], ctx: zeros([B, 2 * this.config.hidden]) };
  }

  step(memory: LSTMAttentionMemory, state: LSTMAttentionState, prev: Tensor): DecodeStep<LSTMAttentionState> {
    const x = cat([this.drop.forward(this.tgtEmb.forward(prev)), state.ctx], 1); // (B, E + 2H)
    const [s, lstm] = this.decoder.step(x, state.lstm); // (B, 2H)
    const [ctx, a] = this.attention.forward(s, memory.keys, memory.pad, memory.projected); // (B, 2H), (B, S)
    const o = this.drop.forward(this.combine.forward(cat([s, ctx], 1)).tanh());
    return { logits: this.out.forward(o), attention: a, state: { lstm, ctx } };
  }

  forward(src: Tensor, srcPad: Tensor, tgtIn: Tensor, { attention = false }: { attention?: boolean } = {}): Tensor {
    const memory = this.encode(src, srcPad);
    let state = this.initDecoder(memory);
    const T = tgtIn.shape[1];
    const logits: Tensor[] = [];
    const align: Tensor[] = [];
    for (let t = 0; t < T; t++) {
      const r = this.step(memory, state, tgtIn.select(1, t));
      logits.push(r.logits);
      if (attention) align.push(r.attention.detach());
      state = r.state;
    }
    this.lastAttention = attention ? stack(align, 1) : null; // (B, T, S)
    return stack(logits, 1); // (B, T, V)
  }

  selectMemory(memory: LSTMAttentionMemory, index: Tensor): LSTMAttentionMemory {
    return { keys: memory.keys.indexSelect(0, index), projected: memory.projected.indexSelect(0, index), pad: memory.pad.indexSelect(0, index), s0: memory.s0.indexSelect(1, index) };
  }

  selectState(state: LSTMAttentionState, index: Tensor): LSTMAttentionState {
    const [h, c] = state.lstm;
    return { lstm: [h.indexSelect(1, index), c.indexSelect(1, index)], ctx: state.ctx.indexSelect(0, index) };
  }
}
