/**
 * The `attention` view's data: for a prompt, every layer's and head's causal attention weights
 * A (T x T, row t = where position t looks), for softmax and linear attention side by side.
 *
 *   softmax   A[t, s] = exp(q_t . k_s / sqrt(hs)) / sum_{s' <= t} exp(q_t . k_s' / sqrt(hs))       s <= t
 *   linear    A[t, s] = phi(q_t) . phi(k_s) / (sum_{s' <= t} phi(q_t) . phi(k_s') + eps)          s <= t
 *
 * with phi(x) = elu(x) + 1 and A[t, s] = 0 for s > t (the causal mask). Linear attention never forms A
 * (it carries running sums, linear-attention.ts), but its output is exactly y_t = sum_s A[t, s] v_s with
 * the A above, so these are the weights it implies. Softmax weights are the model's own
 * (`needWeights`); q and k are each block's projections of its normalised input.
 *
 * A live GPT gives its own kernel's panel; the other kernel's panel comes from a GPT of that kind in
 * `ctx.others` when the worker holds one, else from the same queries and keys through the other kernel
 * (labelled so). A live model without attention is replaced by a fresh seeded GPT, labelled so.
 */
import { arange, fromArray } from '../core/creation.js';
import { Generator } from '../core/random.js';
import type { Tensor } from '../core/tensor.js';
import { GPT } from '../models/gpt.js';
import { attention } from '../nn/attention/attention.js';
import { LinearAttention } from '../nn/attention/linear-attention.js';
import type { LanguageModel } from '../tasks/char-lm/language-model.js';
import { inEval, intParam, matrices, stringParam, textWindow, type InspectContext } from './context.js';

export type AttentionKind = 'softmax' | 'linear';

export interface AttentionPanel {
  kind: AttentionKind;
  /** Where the weights come from, in words (e.g. 'live gpt', 'the live gpt's queries and keys through linear attention'). */
  source: string;
  nLayer: number;
  nHead: number;
  /** layers[l][h][t][s]: layer l, head h, query position t, key position s; rows sum to 1, s > t is 0. */
  layers: number[][][][];
}

export interface AttentionData {
  /** The prompt, one entry per character (position). */
  tokens: string[];
  T: number;
  panels: AttentionPanel[];
}

/** The causal softmax weights (nh, T, T) of queries and keys (nh, T, hs), as the attention op computes them. */
export function softmaxWeights(q: Tensor, k: Tensor): Tensor {
  return attention(q, k, k, { isCausal: true, needWeights: true })[1]!;
}

/** The causal weights (nh, T, T) that linear attention with feature-mapped phi(q), phi(k) (nh, T, hs) implies. */
export function linearWeights(fq: Tensor, fk: Tensor, eps: number): Tensor {
  const scores = fq.matmul(fk.transpose(-1, -2)).tril(); // (nh, T, T), phi(q_t) . phi(k_s) for s <= t
  return scores.div(scores.sum(-1, true).add(eps));
}

/** Each block's own weights and the other kernel's on the same q, k: 2 x nLayer tensors (nh, T, T). */
export function gptAttention(gpt: GPT, ids: Int32Array): { kind: AttentionKind; own: Tensor[]; other: Tensor[] } {
  const T = ids.length;
  const { nHead: nh, nEmbd: C } = gpt.config;
  const hs = C / nh;
  const tr = gpt.transformer;
  let x = tr.wte.forward(fromArray(ids, [1, T], { dtype: 'int32' })).add(tr.wpe.forward(arange(0, T, 1, { dtype: 'int32' }))); // (1, T, C)
  const own: Tensor[] = [];
  const other: Tensor[] = [];
  for (const block of tr.h) {
    const h = block.ln1.forward(x);
    const attn = block.attn;
    if (attn instanceof LinearAttention) {
      const qkv = attn.qkv.forward(h).reshape(1, T, 3, nh, hs).permute(2, 0, 3, 1, 4); // (3, 1, nh, T, hs)
      const [q, k] = [0, 1].map((i) => qkv.select(0, i).select(0, 0)); // (nh, T, hs)
      own.push(linearWeights(q.elu().add(1), k.elu().add(1), attn.eps));
      other.push(softmaxWeights(q, k));
      x = block.forward(x, null, 0, false);
    } else {
      const heads = (t: Tensor) => t.reshape(T, nh, hs).transpose(0, 1); // (1, T, C) -> (nh, T, hs)
      const [q, k] = attn.cAttn.forward(h).split(C, 2).map(heads);
      x = block.forward(x, null, 0, true);
      own.push(attn.lastAttentionWeights!.select(0, 0)); // (nh, T, T)
      other.push(linearWeights(q.elu().add(1), k.elu().add(1), 1e-6));
    }
  }
  return { kind: gpt.config.attention, own, other };
}

const other = (k: AttentionKind): AttentionKind => (k === 'softmax' ? 'linear' : 'softmax');
const modelName = (k: AttentionKind) => (k === 'softmax' ? 'gpt' : 'linear-gpt');

function panel(kind: AttentionKind, source: string, weights: Tensor[], nh: number): AttentionPanel {
  return { kind, source, nLayer: weights.length, nHead: nh, layers: weights.map(matrices) };
}

/**
 * params: prompt (default the text's first `length` characters; every character must be in the
 * vocabulary), length (default 32, at most the block size), seed (default 0) of the fresh GPT used
 * when the live model has no attention.
 */
export function inspectAttention(ctx: InspectContext, params: Record<string, unknown>): AttentionData {
  const length = intParam(params, 'length', 32, 1, 1024);
  const seed = intParam(params, 'seed', 0, 0);
  const live = ctx.model.module instanceof GPT ? ctx.model.module : null;
  const gpt = live ?? new GPT({ vocabSize: ctx.vocab.size, blockSize: 64, nLayer: 2, nHead: 2, nEmbd: 32, init: 'pytorch' }, { generator: new Generator(seed) });
  const prompt = Array.from(stringParam(params, 'prompt', textWindow(ctx.text, 0, length).window)).slice(0, Math.min(length, gpt.config.blockSize));
  const ids = ctx.vocab.encode(prompt.join(''));
  const who = live ? `live ${ctx.modelName}` : `a fresh untrained gpt (the live ${ctx.modelName} has no attention)`;
  const mine = inEval(gpt, () => gptAttention(gpt, ids));
  const panels = [panel(mine.kind, who, mine.own, gpt.config.nHead)];
  const second: LanguageModel | undefined = ctx.others?.[modelName(other(mine.kind))];
  if (second?.module instanceof GPT && second.module.config.attention === other(mine.kind) && ids.length <= second.module.config.blockSize) {
    const g = second.module;
    const theirs = inEval(g, () => gptAttention(g, ids));
    panels.push(panel(theirs.kind, modelName(theirs.kind), theirs.own, g.config.nHead));
  } else panels.push(panel(other(mine.kind), `${who}: its queries and keys through ${other(mine.kind)} attention`, mine.other, gpt.config.nHead));
  if (mine.kind === 'linear') panels.reverse(); // softmax first
  return { tokens: prompt, T: ids.length, panels };
}
