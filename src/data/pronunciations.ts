/**
 * Pronouncing dictionaries in the CMUdict layout, and their split by word.
 *
 *   ;;; a comment line (ignored), as are blank lines
 *   WORD  PH PH ...        two spaces (or a tab) between the word and its phonemes
 *   WORD(1)  PH PH ...     another pronunciation of WORD
 *
 * Stress digits (`AH0`, `EY1`) are removed by default, as the published G2P results do; `stress: true`
 * keeps them. A line with no phonemes, an empty word or a file that is not UTF-8 is refused with a
 * DataError naming the line. Browser-safe: it reads strings or bytes, never files (see
 * `pronunciations-node.ts` for the files and the built-in dictionary).
 *
 * @example
 *   const dict = parseDictionary('A  AH0\nA(1)  EY1\n', { name: 'mini.dict' });
 *   dict.entries;          // [{ word: 'A', phonemes: ['AH'] }, { word: 'A', phonemes: ['EY'] }]
 *   dict.byWord.get('A');  // [['AH'], ['EY']]
 */
import { Generator } from '../core/random.js';
import { DataError } from './data-error.js';

/** One pronunciation: a word and its phonemes. */
export interface Pronunciation {
  word: string;
  phonemes: string[];
}

export interface ParseOptions {
  /** The dictionary's name in messages (a file path, `cmudict`). Default `dictionary`. */
  name?: string;
  /** Keep stress digits on vowels (default false: `AH0` becomes `AH`). */
  stress?: boolean;
}

/** A parsed dictionary: its pronunciations in file order and the pronunciations of each word. */
export interface Dictionary {
  entries: Pronunciation[];
  /** Word -> its distinct pronunciations, in file order; words in order of first appearance. */
  byWord: Map<string, string[][]>;
}

const VARIANT = /^(.*)\((\d+)\)$/;

/**
 * Parses a dictionary in CMUdict layout from text or UTF-8 bytes. Pronunciations that become equal
 * once stress is removed are kept once per word.
 */
export function parseDictionary(input: string | Uint8Array, { name = 'dictionary', stress = false }: ParseOptions = {}): Dictionary {
  const text = typeof input === 'string' ? input : decodeLines(input, name);
  const entries: Pronunciation[] = [];
  const byWord = new Map<string, string[][]>();
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const where = `line ${i + 1} of '${name}'`;
    let line = lines[i];
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (i === 0 && line.charCodeAt(0) === 0xfeff) line = line.slice(1);
    if (line.startsWith(';;;') || line.trim() === '') continue;
    const m = /^(\S*)(?:\t| {2,}|\s+)(.*)$/.exec(line.trimEnd());
    const head = m ? m[1] : line.trim();
    const rest = m ? m[2].trim() : '';
    const variant = VARIANT.exec(head);
    const word = variant ? variant[1] : head;
    if (word === '' || /^\s/.test(line)) throw new DataError(`${where} has an empty word: expected 'WORD  PH PH ...', got '${clip(line)}'`);
    if (rest === '') throw new DataError(`${where} has no phonemes for the word '${word}': expected 'WORD  PH PH ...'`);
    const phonemes = rest.split(/\s+/).map((p) => (stress ? p : p.replace(/[0-9]+$/, '')));
    if (phonemes.some((p) => p === '')) throw new DataError(`${where} has a phoneme that is only a stress digit: '${clip(line)}'`);
    const prons = byWord.get(word) ?? [];
    if (!prons.some((p) => p.join(' ') === phonemes.join(' '))) {
      prons.push(phonemes);
      entries.push({ word, phonemes });
    }
    byWord.set(word, prons);
  }
  if (entries.length === 0) throw new DataError(`dictionary '${name}' has no pronunciations: expected lines 'WORD  PH PH ...'`);
  return { entries, byWord };
}

/** The text of UTF-8 bytes; a DataError names the first line that is not valid UTF-8. */
function decodeLines(bytes: Uint8Array, name: string): string {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  try {
    return decoder.decode(bytes);
  } catch {
    let start = 0;
    for (let line = 1; start <= bytes.length; line++) {
      let end = bytes.indexOf(0x0a, start);
      if (end < 0) end = bytes.length;
      try {
        decoder.decode(bytes.subarray(start, end));
      } catch {
        throw new DataError(`line ${line} of '${name}' is not valid UTF-8 (bytes ${start}..${end - 1}); a dictionary must be UTF-8 text`);
      }
      start = end + 1;
    }
    throw new DataError(`dictionary '${name}' is not valid UTF-8`);
  }
}

function clip(s: string): string {
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

/** The words of a dictionary split three ways; every pronunciation of a word is in its word's split. */
export interface WordSplit {
  train: string[];
  val: string[];
  test: string[];
}

/**
 * Splits the words (not the lines) of `byWord` with a seeded shuffle: `fractions` of them (default
 * 90 / 5 / 5) to train, validation and test, the rest of the rounding going to train. The same words
 * and seed always give the same split. Each part keeps the dictionary's word order.
 *
 *   const { train, val, test } = splitWords(dict.byWord, { seed: 0 });
 */
export function splitWords(byWord: Map<string, string[][]>, { seed = 0, val = 0.05, test = 0.05 }: { seed?: number; val?: number; test?: number } = {}): WordSplit {
  if (!(val >= 0 && test >= 0 && val + test < 1)) throw new RangeError(`splitWords: val ${val} and test ${test} must be >= 0 and leave a training part`);
  const words = [...byWord.keys()];
  const n = words.length;
  // Fisher-Yates over the indices with the task's own generator
  const order = Int32Array.from({ length: n }, (_, i) => i);
  const g = new Generator(seed);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.min(i, Math.floor(g.uniform() * (i + 1)));
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  const nVal = Math.floor(n * val);
  const nTest = Math.floor(n * test);
  const part = new Uint8Array(n); // 0 train, 1 val, 2 test
  for (let k = 0; k < nVal; k++) part[order[k]] = 1;
  for (let k = nVal; k < nVal + nTest; k++) part[order[k]] = 2;
  const out: WordSplit = { train: [], val: [], test: [] };
  words.forEach((w, i) => (part[i] === 0 ? out.train : part[i] === 1 ? out.val : out.test).push(w));
  return out;
}
