/**
 * What an encoder-decoder (sequence-to-sequence) model offers its training and its decoders: the
 * teacher-forced logits of a whole target, and incremental decoding one token at a time with a state
 * that beam search can expand and reorder. Used by `lstm-attention.ts` and `seq2seq-transformer.ts`.
 *
 *   src (B, S) int32 ids, srcPad (B, S) bool (true = padding), tgtIn (B, T) int32 (`<s>` y_1 .. y_{T-1})
 *   forward(src, srcPad, tgtIn) -> logits (B, T, V)
 *   m = encode(src, srcPad); s = initDecoder(m); { logits (B, V), attention (B, S), state } = step(m, s, prev (B))
 */
import type { Tensor } from '../core/tensor.js';
import type { Module } from '../nn/module.js';

/** One decoding step's result. */
export interface DecodeStep<State> {
  /** (B, V) unnormalised scores of the next token. */
  logits: Tensor;
  /** (B, S) the step's attention over the source (the alignment row); weights sum to 1 over real positions. */
  attention: Tensor;
  state: State;
}

export interface Seq2SeqModel<Memory = unknown, State = unknown> extends Module {
  readonly srcVocabSize: number;
  readonly tgtVocabSize: number;
  /**
   * Teacher forcing: the logits (B, T, V) of every target position given the gold previous tokens.
   * With `attention: true` the model keeps the (B, T, S) alignment in `lastAttention`.
   */
  forward(src: Tensor, srcPad: Tensor, tgtIn: Tensor, opts?: { attention?: boolean }): Tensor;
  /** The (B, T, S) attention of the last forward with `attention: true` (cross-attention averaged over heads). */
  lastAttention: Tensor | null;
  encode(src: Tensor, srcPad: Tensor): Memory;
  initDecoder(memory: Memory): State;
  step(memory: Memory, state: State, prev: Tensor): DecodeStep<State>;
  /** The memory of rows `index` (int32 (B')): beam search's expansion to K rows per word. */
  selectMemory(memory: Memory, index: Tensor): Memory;
  /** The decoder state of rows `index`: beam search's reordering. */
  selectState(state: State, index: Tensor): State;
}
