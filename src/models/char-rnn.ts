/**
 * A character-level recurrent language model: an Embedding of each character, a stack of RNN, LSTM or
 * GRU layers, and a Linear head that scores the next character,
 *
 *   e_t = E[x_t]                         (B, T, C)
 *   h_t = rnn(e_t, h_{t-1})              (B, T, H)   state carried across chunks of a long text
 *   logits_t = h_t W^T + b               (B, T, V)   p(x_{t+1} | x_1..x_t) = softmax(logits_t)
 *
 * The same network in PyTorch, with the same state-dict keys (`embedding.weight`, `rnn.weight_ih_l0`,
 * ..., `head.weight`, `head.bias`), so weights move between the two unchanged:
 *
 *   class CharRNN(nn.Module):
 *       def __init__(self, V, embed=64, hidden=256, layers=2, cell=nn.LSTM):
 *           super().__init__()
 *           self.embedding = nn.Embedding(V, embed)
 *           self.rnn = cell(embed, hidden, num_layers=layers, batch_first=True)
 *           self.head = nn.Linear(hidden, V)
 *
 * @example
 *   const model = new CharRNN({ ...charRNNDefaults, vocabSize: vocab.size });
 *   let state = model.zeroState(32);
 *   const [logits, next] = model.forward(ids, state);   // ids (32, 64) -> logits (32, 64, V)
 *   state = detachState(next);                          // truncated BPTT: keep values, drop the graph
 */
import { fromArray } from '../core/creation.js';
import type { Tensor } from '../core/tensor.js';
import { Embedding } from '../nn/layers/embedding.js';
import { Linear } from '../nn/layers/linear.js';
import { Module } from '../nn/module.js';
import { GRU, LSTM, RNN, detachState, type LSTMState } from '../nn/recurrent/rnn.js';

export type CellType = 'rnn' | 'lstm' | 'gru';

export interface CharRNNConfig {
  /** The recurrent layer: 'rnn' (Elman, tanh), 'lstm' or 'gru'. */
  cell: CellType;
  /** Characters in the vocabulary, V. */
  vocabSize: number;
  /** Width of the character embedding, C. */
  embed: number;
  /** Width of each recurrent layer's state, H. */
  hidden: number;
  /** Stacked recurrent layers, L. */
  layers: number;
  /** Dropout between recurrent layers in training (0 = none). */
  dropout: number;
}

/** The LSTM configuration of the notes (embedding 64, 2 x 256); the vocabulary comes from the text. */
export const charRNNDefaults: Omit<CharRNNConfig, 'vocabSize'> = { cell: 'lstm', embed: 64, hidden: 256, layers: 2, dropout: 0 };

/** The recurrent state: h (L, B, H), or [h, c] for an LSTM. */
export type CharRNNState = Tensor | LSTMState;

export class CharRNN extends Module {
  readonly config: CharRNNConfig;
  readonly embedding: Embedding;
  readonly rnn: RNN | LSTM | GRU;
  readonly head: Linear;

  constructor(config: CharRNNConfig) {
    super();
    const { cell, vocabSize, embed, hidden, layers, dropout } = config;
    for (const [k, v] of [['vocabSize', vocabSize], ['embed', embed], ['hidden', hidden], ['layers', layers]] as const)
      if (!Number.isInteger(v) || v < 1) throw new RangeError(`CharRNN: ${k} must be a positive integer, got ${v}`);
    const Cell = { rnn: RNN, lstm: LSTM, gru: GRU }[cell];
    if (!Cell) throw new Error(`CharRNN: unknown cell '${String(cell)}', expected rnn, lstm or gru`);
    this.config = { ...config };
    this.embedding = this.registerModule('embedding', new Embedding(vocabSize, embed));
    this.rnn = this.registerModule('rnn', new Cell(embed, hidden, { numLayers: layers, batchFirst: true, dropout }));
    this.head = this.registerModule('head', new Linear(hidden, vocabSize));
  }

  /** The zero state for `batch` streams: h (L, B, H), or [h, c] for an LSTM. */
  zeroState(batch: number): CharRNNState {
    return this.rnn.zeroState(batch);
  }

  /**
   * ids (B, T) int32, state from `zeroState(B)` or the previous chunk (zeros when omitted)
   * -> [logits (B, T, V), the state after the last step].
   */
  forward(ids: Tensor, state?: CharRNNState | null): [Tensor, CharRNNState] {
    if (ids.ndim !== 2) throw new Error(`CharRNN: ids must be (B, T), got ${ids.ndim} dimensions [${ids.shape.join(', ')}]`);
    const x = this.embedding.forward(ids); // (B, T, C)
    const [y, next] =
      this.rnn instanceof LSTM
        ? this.rnn.forward(x, (state as LSTMState | null | undefined) ?? null)
        : this.rnn.forward(x, (state as Tensor | null | undefined) ?? null); // y: (B, T, H)
    return [this.head.forward(y), next]; // (B, T, V)
  }

  /** One character per stream: ids (B) -> [logits (B, V), the next state]. */
  step(ids: ArrayLike<number>, state: CharRNNState): [Tensor, CharRNNState] {
    const x = fromArray(Int32Array.from(ids), [ids.length, 1], { dtype: 'int32' }); // (B, 1)
    const [logits, next] = this.forward(x, state);
    return [logits.squeeze(1), next]; // (B, V)
  }

  /** The state cut off from the graph (for truncated backpropagation through time). */
  detachState(state: CharRNNState): CharRNNState {
    return detachState(state);
  }
}
