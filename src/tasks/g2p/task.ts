/**
 * The grapheme-to-phoneme task (`g2p`): a pronouncing dictionary's words split by word (the built-in
 * CMUdict 90 / 5 / 5 train / validation / test with a fixed seed; a user's file 95 / 5 train /
 * validation), a sequence-to-sequence model trained by teacher forcing on every (word, pronunciation)
 * pair of the training words, and word and phoneme error rates on the validation words.
 *
 *   batch: B pairs drawn without replacement from a seeded shuffle of the training pairs (epochs),
 *          of about one length (sorted by length within runs of 50 batches, those batches shuffled)
 *   loss = CE(logits (B*T, V), tgtOut (B*T)), `<pad>` ignored, label smoothing `labelSmoothing`
 *
 * Resumable state: the epoch's shuffle (the generator's state before it was drawn) and the position in it.
 *
 * @example
 *   const task = new G2PTask({ dictionary: cmudict(), config: { ...G2P_DEFAULT_CONFIG, data: 'cmudict' },
 *     model: 'transformer', modelConfig: findG2PModel('transformer')!.defaults, seed: 0 });
 *   await train(task, options, { storage });
 */
import { Generator } from '../../core/random.js';
import type { Tensor } from '../../core/tensor.js';
import { DataError } from '../../data/data-error.js';
import { splitWords, type Dictionary, type WordSplit } from '../../data/pronunciations.js';
import { SymbolVocab } from '../../data/symbol-vocab.js';
import type { Seq2SeqModel } from '../../models/seq2seq.js';
import { crossEntropy } from '../../nn/functional.js';
import type { Module } from '../../nn/module.js';
import type { Evaluation, ModelDescription, Task } from '../../train/task.js';
import { makeBatch, type G2PBatch } from './batch.js';
import { findG2PModel, G2P_MODELS, type G2PModelSpec } from './models.js';
import { G2PPredictor } from './predictor.js';
import { formatScore } from './score.js';

/** The task's settings, saved in checkpoints (`taskConfig`). */
export interface G2PConfig {
  /** `cmudict` (the built-in dictionary) or an absolute file path. */
  data: string;
  /** SHA-256 of the dictionary file ('' for the built-in one or when unknown). */
  dataHash: string;
  /** Keep stress digits. */
  stress: boolean;
  /** Pairs per training batch. */
  batch: number;
  /** Validation words decoded by a periodic evaluation, spread over all of them (the final one decodes them all). */
  evalWords: number;
  /** Longest word (and pronunciation) the model reads. */
  maxLetters: number;
  /** Label smoothing of the cross-entropy (0 = none). */
  labelSmoothing: number;
}

export const G2P_DEFAULT_CONFIG: Omit<G2PConfig, 'data' | 'dataHash'> = { stress: false, batch: 64, evalWords: 500, maxLetters: 48, labelSmoothing: 0.1 };

/** Batches sorted by length together (see G2PTask's draw). */
export const BUCKET_BATCHES = 50;

/** The seed of the dictionary's split: fixed, so that every run has the same test words. */
export const SPLIT_SEED = 0;

export interface G2PState {
  /** The shuffle generator's state before the current epoch's order was drawn. */
  epochRng: number[];
  /** Pairs of the current epoch already used. */
  position: number;
  epoch: number;
}

/** The vocabularies of a model, saved in checkpoints (`vocab`). */
export interface G2PVocabJSON {
  letters: { symbols: string[] };
  phonemes: { symbols: string[] };
}

export interface G2PTaskOptions {
  config: G2PConfig;
  /** The dictionary itself (the task reads no files). */
  dictionary: Dictionary;
  /** A model name of G2P_MODELS. */
  model: string;
  /** The model's config; the vocabulary sizes are set from the data. */
  modelConfig: Record<string, unknown>;
  /** A resumed run's vocabularies; default: every letter and phoneme of the dictionary. */
  vocab?: { letters: SymbolVocab; phonemes: SymbolVocab };
  seed: number;
}

/** The split of a dictionary as the task makes it: CMUdict 90/5/5, a user's file 95/5 (no test part). */
export function g2pSplit(dictionary: Dictionary, builtIn: boolean): WordSplit {
  const n = dictionary.byWord.size;
  const val = builtIn ? 0.05 : Math.max(0.05, n >= 2 ? 1 / n : 0);
  return splitWords(dictionary.byWord, { seed: SPLIT_SEED, val, test: builtIn ? 0.05 : 0 });
}

export class G2PTask implements Task<G2PConfig, G2PBatch, G2PState> {
  readonly name = 'g2p';
  readonly unit = 'phonemes';
  readonly config: G2PConfig;
  readonly spec: G2PModelSpec;
  readonly letters: SymbolVocab;
  readonly phonemes: SymbolVocab;
  readonly modelConfig: Record<string, unknown>;
  readonly split: WordSplit;
  readonly dictionary: Dictionary;
  /** Training pairs, encoded. */
  readonly pairs: { word: Int32Array; pron: Int32Array }[];
  model: Seq2SeqModel | null = null;
  private readonly shuffle: Generator;
  private epochRng: number[];
  private order: Int32Array;
  private position = 0;
  private epoch = 0;

  constructor({ config, dictionary, model, modelConfig, vocab, seed }: G2PTaskOptions) {
    const problem = g2pTaskConfigProblem(config);
    if (problem) throw new Error(`G2PTask: invalid config: ${problem}`);
    const spec = findG2PModel(model);
    if (!spec) throw new Error(`G2PTask: unknown model '${model}'; the models are ${G2P_MODELS.map((m) => m.name).join(', ')}`);
    this.config = config;
    this.spec = spec;
    this.dictionary = dictionary;
    const name = config.data;
    for (const { word, phonemes } of dictionary.entries) {
      const n = Math.max([...word].length, phonemes.length);
      if (n > config.maxLetters)
        throw new DataError(`dictionary '${name}' has the word '${word}' with ${[...word].length} letters and ${phonemes.length} phonemes; the task reads at most ${config.maxLetters} (--max-letters)`);
    }
    this.letters = vocab?.letters ?? SymbolVocab.build(dictionary.entries.flatMap((e) => [...e.word]), { bos: false });
    this.phonemes = vocab?.phonemes ?? SymbolVocab.build(dictionary.entries.flatMap((e) => e.phonemes), { bos: true });
    this.modelConfig = { ...modelConfig, srcVocabSize: this.letters.size, tgtVocabSize: this.phonemes.size };
    if (typeof this.modelConfig.maxLen === 'number' && this.modelConfig.maxLen < config.maxLetters + 1)
      throw new Error(`G2PTask: the model's maxLen ${this.modelConfig.maxLen} must be at least maxLetters + 1 = ${config.maxLetters + 1}`);
    this.split = g2pSplit(dictionary, config.data === 'cmudict');
    if (this.split.train.length === 0 || this.split.val.length === 0)
      throw new DataError(`dictionary '${name}' has ${dictionary.byWord.size} word(s); at least 2 are needed (training and validation words)`);
    this.pairs = this.split.train.flatMap((w) => {
      const unknownLetters = this.letters.unknown(w);
      if (unknownLetters.length) throw new DataError(`dictionary '${name}': the word '${w}' has letters the model's vocabulary lacks: ${unknownLetters.join(', ')}`);
      return dictionary.byWord.get(w)!.map((p) => ({ word: this.letters.encode(w), pron: this.phonemes.encode(p) }));
    });
    this.shuffle = new Generator(seed + 1);
    this.epochRng = this.shuffle.getState();
    this.order = this.draw();
  }

  /** Roughly the tensor memory of a training step whose words and pronunciations are as long as allowed. */
  memoryEstimate(): number {
    return this.spec.stepBytes(this.modelConfig as never, this.config.batch, this.config.maxLetters + 1);
  }

  describeModel(): ModelDescription {
    const vocab: G2PVocabJSON = { letters: this.letters.toJSON(), phonemes: this.phonemes.toJSON() };
    return { name: this.spec.name, config: this.modelConfig, vocab };
  }

  createModel(): Module {
    this.model = this.spec.create(this.modelConfig as never);
    return this.model;
  }

  nextBatch(): G2PBatch {
    const B = Math.min(this.config.batch, this.pairs.length);
    if (this.position + B > this.order.length) {
      this.epoch++;
      this.epochRng = this.shuffle.getState();
      this.order = this.draw();
      this.position = 0;
    }
    const picked = Array.from(this.order.subarray(this.position, this.position + B), (i) => this.pairs[i]);
    this.position += B;
    return makeBatch(picked.map((p) => p.word), picked.map((p) => p.pron));
  }

  batchSize(batch: G2PBatch): number {
    return batch.tokens;
  }

  loss(b: G2PBatch): Tensor {
    const logits = this.net().forward(b.src, b.srcPad, b.tgtIn); // (B, T, V)
    const [B, T, V] = logits.shape;
    return crossEntropy(logits.reshape(B * T, V), b.tgtOut.reshape(B * T), { ignoreIndex: 0, labelSmoothing: this.config.labelSmoothing });
  }

  /** The trained model behind a predictor. */
  predictor(): G2PPredictor {
    return new G2PPredictor(this.net(), this.letters, this.phonemes, { maxLetters: this.config.maxLetters });
  }

  evaluate(kind: 'periodic' | 'final'): Evaluation {
    const model = this.net();
    const { val } = this.split;
    // periodic: evalWords spread evenly over the validation words, which are in the dictionary's
    // alphabetical order (its first 500 are mostly acronyms and names: 36% WER where all give 29%)
    const stride = Math.max(1, Math.floor(val.length / this.config.evalWords));
    const words = kind === 'periodic' ? val.filter((_, i) => i % stride === 0).slice(0, this.config.evalWords) : val;
    const s = this.predictor().score(this.dictionary.byWord, words);
    model.train();
    return { metrics: { val_wer: s.wer, val_per: s.per }, summary: `validation (greedy) ${formatScore(s)}` };
  }

  saveState(): { json: G2PState } {
    return { json: { epochRng: this.epochRng, position: this.position, epoch: this.epoch } };
  }

  loadState(json: G2PState): void {
    if (!Array.isArray(json?.epochRng) || !Number.isInteger(json.position) || json.position < 0 || !Number.isInteger(json.epoch))
      throw new Error(`expected { epochRng, position, epoch }, got ${JSON.stringify(json)?.slice(0, 80)}`);
    this.shuffle.setState(json.epochRng);
    this.epochRng = json.epochRng;
    this.order = this.draw();
    this.position = json.position;
    this.epoch = json.epoch;
  }

  /**
   * A new order of the training pairs, read B at a time by nextBatch: a Fisher-Yates shuffle, then in
   * each run of BUCKET_BATCHES batches the pairs sorted by length and those batches shuffled, so a batch
   * holds words of about one length (a random batch of 64 pads its ~7.5-letter words to ~14).
   */
  private draw(): Int32Array {
    const n = this.pairs.length;
    const order = Int32Array.from({ length: n }, (_, i) => i);
    this.shuffleInPlace(order);
    const B = Math.min(this.config.batch, n);
    const C = B * BUCKET_BATCHES;
    const key = (i: number) => this.pairs[i].word.length * 1024 + this.pairs[i].pron.length;
    for (let start = 0; start + B <= n; start += C) {
      const full = Math.floor(Math.min(C, n - start) / B) * B; // whole batches only; a remainder stays at the end
      const chunk = Array.from(order.subarray(start, start + full)).sort((a, b) => key(a) - key(b) || a - b);
      const batches = Int32Array.from({ length: full / B }, (_, k) => k);
      this.shuffleInPlace(batches);
      batches.forEach((k, slot) => order.set(chunk.slice(k * B, (k + 1) * B), start + slot * B));
    }
    return order;
  }

  /** Fisher-Yates with the shuffle generator. */
  private shuffleInPlace(a: Int32Array): void {
    for (let i = a.length - 1; i > 0; i--) {
      const j = Math.min(i, Math.floor(this.shuffle.uniform() * (i + 1)));
      const t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
  }

  private net(): Seq2SeqModel {
    if (!this.model) throw new Error('G2PTask: call createModel() first');
    return this.model;
  }
}

/** What is wrong with a g2p task config read from a file, as a phrase naming the field, or null. */
export function g2pTaskConfigProblem(config: object): string | null {
  const c = config as Record<string, unknown>;
  const want = (ok: boolean, key: string, what: string) => (ok ? null : `${key} = ${JSON.stringify(c[key])}, expected ${what}`);
  const isInt = (k: string, min: number) => Number.isInteger(c[k]) && (c[k] as number) >= min;
  return (
    want(typeof c.data === 'string', 'data', "'cmudict' or a file path") ??
    want(typeof c.dataHash === 'string', 'dataHash', 'a SHA-256 hex string') ??
    want(typeof c.stress === 'boolean', 'stress', 'a boolean') ??
    want(isInt('batch', 1), 'batch', 'a positive integer') ??
    want(isInt('evalWords', 1), 'evalWords', 'a positive integer') ??
    want(isInt('maxLetters', 1), 'maxLetters', 'a positive integer') ??
    want(typeof c.labelSmoothing === 'number' && (c.labelSmoothing as number) >= 0 && (c.labelSmoothing as number) < 1, 'labelSmoothing', 'a number in [0, 1)')
  );
}
