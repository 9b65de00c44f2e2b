/** Additive (Bahdanau) attention, as `AdditiveAttention` in the parity reference modules. */
import { ones } from '../../core/creation.js';
import { fmt } from '../../core/shape.js';
import type { Generator } from '../../core/random.js';
import type { Tensor } from '../../core/tensor.js';
import { attention } from './attention.js';
import { Linear } from '../layers/linear.js';
import { Module } from '../module.js';

/**
 * Bahdanau et al. (2015) attention of one query over a sequence of keys:
 *
 *   e_j = v^T tanh(W_q q + W_k k_j + b_k),   a = softmax(e),   context = sum_j a_j k_j
 *
 * Shapes: query (B, queryDim), keys (B, S, keyDim) -> [context (B, keyDim), weights (B, S)].
 * Keys: `query_proj.weight` (H, queryDim) (no bias), `key_proj.weight` (H, keyDim), `key_proj.bias`
 * (H), `score.weight` (1, H) (no bias); H = hiddenDim. Initialised as nn.Linear.
 *
 * Loom extensions: an optional `mask` (B, S), bool true = this key is padding; a row whose every key
 * is masked gets zero weights and a zero context. A decoder that attends to the same keys at every
 * step passes `projectKeys(keys)` (W_k k_j + b_k, (B, S, H)) once instead of recomputing it each step.
 *
 *   const att = new AdditiveAttention(128, 256, 64);
 *   const [ctx, a] = att.forward(decoderState, encoderOutputs); // (B, 128), (B, S, 256) -> (B, 256), (B, S)
 */
export class AdditiveAttention extends Module {
  readonly queryProj: Linear;
  readonly keyProj: Linear;
  readonly score: Linear;

  constructor(readonly queryDim: number, readonly keyDim: number, readonly hiddenDim: number, { generator }: { generator?: Generator } = {}) {
    super();
    this.queryProj = this.registerModule('query_proj', new Linear(queryDim, hiddenDim, { bias: false, generator }));
    this.keyProj = this.registerModule('key_proj', new Linear(keyDim, hiddenDim, { generator }));
    this.score = this.registerModule('score', new Linear(hiddenDim, 1, { bias: false, generator }));
  }

  /** W_k k_j + b_k for every key: (B, S, keyDim) -> (B, S, hiddenDim). */
  projectKeys(keys: Tensor): Tensor {
    return this.keyProj.forward(keys);
  }

  forward(query: Tensor, keys: Tensor, mask: Tensor | null = null, projectedKeys: Tensor = this.projectKeys(keys)): [Tensor, Tensor] {
    if (query.ndim !== 2 || keys.ndim !== 3 || keys.shape[0] !== query.shape[0])
      throw new Error(`AdditiveAttention: expected query (B, ${this.queryDim}) and keys (B, S, ${this.keyDim}), got ${fmt(query.shape)} and ${fmt(keys.shape)}`);
    // (B, 1, H) + (B, S, H) -> (B, S, H) -> (B, S, 1) scores e
    const e = this.score.forward(this.queryProj.forward(query).unsqueeze(1).add(projectedKeys).tanh());
    // softmax(e) @ keys, masked, as the fused attention op with Q = 1 (B, 1, 1) and K = e: Q K^T = e^T (B, 1, S)
    const one = ones([query.shape[0], 1, 1]);
    const [ctx, a] = attention(one, e, keys, { scale: 1, masks: [mask?.unsqueeze(1)] });
    return [ctx.squeeze(1), a!.squeeze(1)]; // (B, keyDim), (B, S)
  }
}
