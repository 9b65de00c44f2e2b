/**
 * G2P batches: words as padded letter ids, pronunciations as padded phoneme ids with `<s>` / `</s>`.
 *
 *   src (B, S) int32, 0 = padding, S = longest word;  srcPad (B, S) bool, true = padding
 *   tgtIn (B, T) = <s> p_1 .. p_n (padded with 0),  tgtOut (B, T) = p_1 .. p_n </s> (padded with 0),
 *   T = longest pronunciation + 1
 *
 * @example
 *   const b = makeBatch([letters.encode('CAT')], [phones.encode(['K', 'AE', 'T'])]);
 *   b.tgtOut; // (1, 4): K AE T </s>
 */
import { fromArray } from '../../core/creation.js';
import type { Tensor } from '../../core/tensor.js';
import { BOS, EOS, PAD } from '../../data/symbol-vocab.js';

export interface SourceBatch {
  src: Tensor;
  srcPad: Tensor;
}

export interface G2PBatch extends SourceBatch {
  tgtIn: Tensor;
  tgtOut: Tensor;
  /** Target tokens (phonemes + `</s>`), for throughput. */
  tokens: number;
}

/** Padded letter ids and their padding mask. */
export function makeSource(words: readonly Int32Array[]): SourceBatch {
  const B = words.length;
  const S = Math.max(1, ...words.map((w) => w.length));
  const src = new Int32Array(B * S);
  const pad = new Uint8Array(B * S).fill(1);
  words.forEach((w, b) => {
    src.set(w, b * S);
    pad.fill(0, b * S, b * S + w.length);
  });
  return { src: fromArray(src, [B, S], { dtype: 'int32' }), srcPad: fromArray(pad, [B, S], { dtype: 'bool' }) };
}

/** A teacher-forcing batch of words and one pronunciation each. */
export function makeBatch(words: readonly Int32Array[], prons: readonly Int32Array[]): G2PBatch {
  const B = words.length;
  const T = Math.max(...prons.map((p) => p.length)) + 1;
  const tin = new Int32Array(B * T).fill(PAD);
  const tout = new Int32Array(B * T).fill(PAD);
  let tokens = 0;
  prons.forEach((p, b) => {
    tin[b * T] = BOS;
    tin.set(p, b * T + 1);
    tout.set(p, b * T);
    tout[b * T + p.length] = EOS;
    tokens += p.length + 1;
  });
  return {
    ...makeSource(words),
    tgtIn: fromArray(tin, [B, T], { dtype: 'int32' }),
    tgtOut: fromArray(tout, [B, T], { dtype: 'int32' }),
    tokens,
  };
}
