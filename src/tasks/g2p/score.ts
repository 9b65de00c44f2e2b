/**
 * Word and phoneme error rates of G2P predictions against dictionaries with several pronunciations
 * per word, as the published CMUdict results count them:
 *
 *   a word is right when its prediction equals any of its reference pronunciations;
 *   WER = wrong words / words
 *   PER = sum_w d(pred_w, r*_w) / sum_w |r*_w|,  r*_w = argmin_r d(pred_w, r) over w's references
 *                                                (ties: the shorter reference), d = Levenshtein distance
 *
 * @example
 *   const s = scoreG2P([{ prediction: ['K', 'AE', 'T'], references: [['K', 'AE', 'T']] }]);
 *   s.wer; // 0
 */

/** One scored word: its predicted phonemes and every reference pronunciation. */
export interface ScoredWord {
  prediction: readonly string[];
  references: readonly (readonly string[])[];
}

export interface G2PScore {
  /** Words scored. */
  words: number;
  /** Words whose prediction matches no reference. */
  wrongWords: number;
  /** Phoneme edits to the closest references, summed. */
  edits: number;
  /** Phonemes of the closest references, summed. */
  referencePhonemes: number;
  /** wrongWords / words (0 for no words). */
  wer: number;
  /** edits / referencePhonemes (0 for no phonemes). */
  per: number;
}

/** Levenshtein distance (insertions, deletions, substitutions, each 1) between two symbol sequences. */
export function editDistance(a: readonly string[], b: readonly string[]): number {
  let prev = Int32Array.from({ length: b.length + 1 }, (_, j) => j);
  let cur = new Int32Array(b.length + 1);
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i;
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    [prev, cur] = [cur, prev];
  }
  return prev[b.length];
}

/** The edits to the closest reference and that reference's length (see the file comment). */
export function closestReference(prediction: readonly string[], references: readonly (readonly string[])[]): { edits: number; length: number } {
  if (references.length === 0) throw new Error('closestReference: a word needs at least one reference pronunciation');
  let best = { edits: Infinity, length: 0 };
  for (const r of references) {
    const d = editDistance(prediction, r);
    if (d < best.edits || (d === best.edits && r.length < best.length)) best = { edits: d, length: r.length };
  }
  return best;
}

/** WER and PER of `words`. */
export function scoreG2P(words: Iterable<ScoredWord>): G2PScore {
  let n = 0;
  let wrong = 0;
  let edits = 0;
  let phonemes = 0;
  for (const { prediction, references } of words) {
    const best = closestReference(prediction, references);
    n++;
    if (best.edits > 0) wrong++;
    edits += best.edits;
    phonemes += best.length;
  }
  return { words: n, wrongWords: wrong, edits, referencePhonemes: phonemes, wer: n ? wrong / n : 0, per: phonemes ? edits / phonemes : 0 };
}

/** `WER 12.34% PER 3.21% (1,000 words)`. */
export function formatScore(s: G2PScore): string {
  return `WER ${(100 * s.wer).toFixed(2)}% PER ${(100 * s.per).toFixed(2)}% (${s.words.toLocaleString('en-US')} words)`;
}
