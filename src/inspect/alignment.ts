/**
 * The `alignment` view's data: the attention of a grapheme-to-phoneme model (src/tasks/g2p; the
 * LSTM-attention model's additive attention, src/models/lstm-attention.ts, or the Transformer's
 * cross-attention) while it spells out a word's phonemes: row t is output step t's weights over the
 * letters (summing to 1), the last row `</s>`'s. The model comes in `ctx.g2p` (the worker loads it
 * from a `loom train --task g2p` checkpoint with `loadG2P`).
 */
import { intParam, stringParam, type InspectContext } from './context.js';

export interface AlignmentData {
  word: string;
  /** The letters as the model reads them (upper-cased for an upper-case dictionary). */
  letters: string[];
  phonemes: string[];
  /** The output steps: the phonemes, then '</s>' (absent when decoding stopped at the length limit). */
  outputs: string[];
  /** True when the model ended the word with '</s>'. */
  ended: boolean;
  /** log p(phonemes, </s> | word). */
  logProb: number;
  /** weights[t][s]: output step t's attention on letter s. */
  weights: number[][];
}

/** params: word (default 'PLAYGROUND'), beam (default 1 = greedy). */
export function inspectAlignment(ctx: InspectContext, params: Record<string, unknown>): AlignmentData {
  if (!ctx.g2p) throw new Error('the alignment view needs a grapheme-to-phoneme model: open a checkpoint of loom train --task g2p');
  const word = stringParam(params, 'word', stringParam(params, 'prompt', 'PLAYGROUND')).trim();
  const beam = intParam(params, 'beam', 1, 1, 16);
  const [p] = ctx.g2p.predict([word], { beam, attention: true });
  if (p.error) throw new Error(p.error);
  const h = p.hypotheses[0];
  const weights = (h.attention ?? []).map((row) => Array.from(row));
  const ended = weights.length > h.phonemes.length;
  return { word, letters: p.letters, phonemes: h.phonemes, outputs: ended ? [...h.phonemes, '</s>'] : [...h.phonemes], ended, logProb: h.logProb, weights };
}
