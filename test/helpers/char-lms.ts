/** Tiny random-initialised character LMs of every char-lm model, for the export tests. */
import { fromArray } from '../../src/core/creation.js';
import { Generator } from '../../src/core/random.js';
import type { Tensor } from '../../src/core/tensor.js';
import { findModel, type LanguageModel } from '../../src/tasks/char-lm/index.js';
import { normalValues } from './backends.js';

/** The vocabulary of the tiny models: V = 11 characters in id order. */
export const VOCAB = 'abcdefghij\n'.split('');
export const V = VOCAB.length;

/** Tiny configs of every char-lm model (vocabSize V). */
export const TINY: Record<string, Record<string, unknown>> = {
  rnn: { cell: 'rnn', vocabSize: V, embed: 6, hidden: 8, layers: 2, dropout: 0 },
  lstm: { cell: 'lstm', vocabSize: V, embed: 6, hidden: 8, layers: 2, dropout: 0 },
  gru: { cell: 'gru', vocabSize: V, embed: 6, hidden: 8, layers: 2, dropout: 0 },
  gpt: { vocabSize: V, blockSize: 12, nLayer: 2, nHead: 2, nEmbd: 8, dropout: 0, tiedHead: false, bias: true, init: 'pytorch' },
  'linear-gpt': { vocabSize: V, blockSize: 12, nLayer: 2, nHead: 2, nEmbd: 8, tiedHead: true },
  markov: { vocabSize: V, embed: 6 },
};

/** The model `name` with its tiny config and every state-dict tensor drawn N(0, 0.5^2) from `seed`, in eval mode. */
export function randomModel(name: string, seed: number, config = TINY[name]): LanguageModel {
  const lm = findModel(name)!.create(config as never);
  const gen = new Generator(seed);
  const state = new Map<string, Tensor>();
  for (const [k, t] of lm.module.stateDict()) state.set(k, fromArray(normalValues(gen, t.numel, 0.5), [...t.shape]));
  lm.module.loadStateDict(state);
  lm.module.eval();
  return lm;
}

/** B * T ids in [0, V) drawn from `gen`. */
export function randomIds(gen: Generator, B: number, T: number): Int32Array {
  return Int32Array.from({ length: B * T }, () => Math.floor(gen.uniform() * V) % V);
}
