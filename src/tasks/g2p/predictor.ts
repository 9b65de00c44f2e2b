/**
 * A trained G2P model with its vocabularies: words in, pronunciations (and alignments) out, and the
 * WER/PER of a set of words against their references. Used by the task's evaluation, `loom predict`
 * and `loom eval`.
 *
 * @example
 *   const p = new G2PPredictor(model, letters, phones, { maxLetters: 48 });
 *   const [r] = p.predict(['loom'], { beam: 5 });   // r.hypotheses[0].phonemes: ['L', 'UW', 'M']
 *   formatScore(p.score(dict.byWord, ['CAT', 'DOG']));
 */
import type { SymbolVocab } from '../../data/symbol-vocab.js';
import type { Seq2SeqModel } from '../../models/seq2seq.js';
import { makeSource } from './batch.js';
import { beamDecode, greedyDecode, type Hypothesis } from './decode.js';
import { scoreG2P, type G2PScore, type ScoredWord } from './score.js';

export interface PredictOptions {
  /** Beam width; 1 = greedy (default 1). */
  beam?: number;
  /** Pronunciations per word (<= beam, default 1). */
  nbest?: number;
  /** Keep the alignment matrices (default false). */
  attention?: boolean;
  /** Words decoded together (default 128). */
  batch?: number;
}

export interface PredictedPronunciation {
  phonemes: string[];
  /** log p(phonemes, </s> | word). */
  logProb: number;
  /** (output steps, letters): row t is the attention of output t (the last row is `</s>`'s). */
  attention?: Float32Array[];
}

/** A word's answer: its pronunciations, or why it cannot be read. */
export interface Prediction {
  word: string;
  /** The word as the model reads it (upper-cased when the model knows only upper-case letters). */
  letters: string[];
  hypotheses: PredictedPronunciation[];
  /** One sentence, when the word cannot be read (then no hypotheses). */
  error?: string;
}

export class G2PPredictor {
  readonly maxLetters: number;

  constructor(readonly model: Seq2SeqModel, readonly letters: SymbolVocab, readonly phones: SymbolVocab, { maxLetters }: { maxLetters: number }) {
    this.maxLetters = maxLetters;
  }

  /** The word's letters as the model reads them, or the sentence saying why it cannot. */
  read(word: string): { letters: string[] } | { error: string } {
    let chars = [...word];
    if (chars.length === 0) return { error: 'an empty word has no pronunciation' };
    const upper = [...word.toUpperCase()];
    if (this.letters.unknown(upper).length < this.letters.unknown(chars).length) chars = upper; // a lower-case word, an upper-case dictionary
    const unknown = this.letters.unknown(chars);
    if (unknown.length > 0)
      return { error: `the word '${word}' has ${unknown.length === 1 ? 'a letter' : 'letters'} the model never saw: ${unknown.map((u) => `'${u}'`).join(', ')}` };
    if (chars.length > this.maxLetters) return { error: `the word '${word.length > 40 ? `${word.slice(0, 37)}...` : word}' has ${chars.length} letters; the model reads at most ${this.maxLetters}` };
    return { letters: chars };
  }

  predict(words: readonly string[], { beam = 1, nbest = 1, attention = false, batch = 128 }: PredictOptions = {}): Prediction[] {
    this.model.eval();
    const out: Prediction[] = words.map((word) => {
      const r = this.read(word);
      return 'error' in r ? { word, letters: [], hypotheses: [], error: r.error } : { word, letters: r.letters, hypotheses: [] };
    });
    const ok = out.filter((p) => !p.error);
    for (let i = 0; i < ok.length; i += batch) {
      const chunk = ok.slice(i, i + batch);
      const hyps = this.decode(chunk.map((p) => p.letters), { beam, nbest, attention });
      chunk.forEach((p, k) => {
        p.hypotheses = hyps[k].map((h) => ({ phonemes: this.phones.decode(h.ids), logProb: h.logProb, ...(h.attention ? { attention: h.attention } : {}) }));
      });
    }
    return out;
  }

  /** WER and PER of `words` (each in `references`), decoded with `beam`. */
  score(references: Map<string, string[][]>, words: readonly string[], { beam = 1, batch = 128 }: { beam?: number; batch?: number } = {}): G2PScore {
    const predictions = this.predict(words, { beam, batch });
    const scored: ScoredWord[] = predictions.map((p) => {
      if (p.error) throw new Error(p.error);
      return { prediction: p.hypotheses[0].phonemes, references: references.get(p.word)! };
    });
    return scoreG2P(scored);
  }

  private decode(words: string[][], { beam, nbest, attention }: { beam: number; nbest: number; attention: boolean }): Hypothesis[][] {
    const { src, srcPad } = makeSource(words.map((w) => this.letters.encode(w)));
    const maxSteps = this.maxLetters + 1;
    if (beam === 1 && nbest === 1) return greedyDecode(this.model, src, srcPad, { maxSteps, attention }).map((h) => [h]);
    return beamDecode(this.model, src, srcPad, { beam, nbest, maxSteps, attention });
  }
}
