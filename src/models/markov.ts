/**
 * The first-order Markov character model of the notes, p(x_t | x_{t-1}): an Embedding of the previous
 * character into a Linear layer that scores the next one. It has no memory beyond one character.
 */
import type { Tensor } from '../core/tensor.js';
import { Embedding, Linear, Module } from '../nn/index.js';

export interface MarkovConfig {
  vocabSize: number;
  /** Width of the character embedding. */
  embed: number;
}

export class MarkovLM extends Module {
  readonly emb: Embedding;
  readonly head: Linear;

  constructor(readonly config: MarkovConfig) {
    super();
    this.emb = this.registerModule('emb', new Embedding(config.vocabSize, config.embed));
    this.head = this.registerModule('head', new Linear(config.embed, config.vocabSize));
  }

  /** ids (B, T) int32 -> logits (B, T, V) for the character after each position. */
  forward(ids: Tensor): Tensor {
    return this.head.forward(this.emb.forward(ids));
  }
}
