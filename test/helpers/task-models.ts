/** Tiny random-initialised models of the g2p, forecast and fashion-mnist tasks, for the export tests. */
import { fromArray } from '../../src/core/creation.js';
import { Generator } from '../../src/core/random.js';
import type { Tensor } from '../../src/core/tensor.js';
import type { Module } from '../../src/nn/module.js';
import { findImageModel } from '../../src/tasks/fashion-mnist/index.js';
import { findForecastModel, type ForecastModel } from '../../src/tasks/forecast/index.js';
import { findG2PModel } from '../../src/tasks/g2p/models.js';
import { SymbolVocab } from '../../src/data/symbol-vocab.js';
import type { Seq2SeqModel } from '../../src/models/seq2seq.js';
import { normalValues } from './backends.js';

/**
 * Draws every parameter of `module` N(0, 0.5^2) from `seed`, BatchNorm's running means N(0, 0.5^2) and
 * running variances in [0.5, 1.5); other buffers (Swin's index and mask) stay; eval mode.
 */
export function randomize<M extends Module>(module: M, seed: number): M {
  const gen = new Generator(seed);
  const state = new Map<string, Tensor>(module.stateDict());
  for (const [k, t] of module.namedParameters()) state.set(k, fromArray(normalValues(gen, t.numel, 0.5), [...t.shape]));
  for (const [k, t] of state) {
    if (k.endsWith('running_mean')) state.set(k, fromArray(normalValues(gen, t.numel, 0.5), [...t.shape]));
    if (k.endsWith('running_var')) state.set(k, fromArray(Float32Array.from({ length: t.numel }, () => 0.5 + gen.uniform()), [...t.shape]));
  }
  module.loadStateDict(state);
  module.eval();
  return module;
}

/** Tiny configs of every image model: 28 x 28 greyscale, 10 classes. */
export const TINY_IMAGE: Record<string, Record<string, unknown>> = {
  cnn: { imageSize: 28, inChannels: 1, numClasses: 10, channels: [4, 6], hidden: 8, dropout: 0.25 },
  'se-cnn': { imageSize: 28, inChannels: 1, numClasses: 10, channels: [4, 6], hidden: 8, dropout: 0.25, reduction: 2 },
  vit: { imageSize: 28, patchSize: 7, inChannels: 1, numClasses: 10, dim: 8, depth: 2, heads: 2, mlpDim: 12 },
  swin: { imageSize: 28, patchSize: 2, inChannels: 1, numClasses: 10, dim: 6, depths: [2, 1], heads: [2, 3], windowSize: 7, mlpRatio: 2, stemChannels: 4 },
};

/** The tiny swin without the convolutional stem (the paper's patch embedding; checkpoints from before the stem load so). */
export const TINY_SWIN_WITHOUT_STEM: Record<string, unknown> = { ...TINY_IMAGE.swin, stemChannels: 0 };

export const CLASSES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];
export const PIXEL_MEAN = 0.286;
export const PIXEL_STD = 0.353;

/** The image model `name` with its tiny config (or `config`), weights drawn from `seed`, in eval mode. */
export function randomImageModel(name: string, seed: number, config = TINY_IMAGE[name]): Module & { forward(x: Tensor): Tensor } {
  return randomize(findImageModel(name)!.create(config as never) as Module & { forward(x: Tensor): Tensor }, seed);
}

/** n images of 28 x 28 pixels in [0, 1) from `gen`. */
export function randomPixels(gen: Generator, n: number): Float32Array {
  return Float32Array.from({ length: n * 28 * 28 }, () => gen.uniform());
}

/** Tiny configs of every forecaster, 3 covariates each. */
export const TINY_FORECAST: Record<string, Record<string, unknown>> = {
  ar: { p: 5, covariates: 3 },
  markov: { covariates: 3 },
  rnn: { cell: 'rnn', covariates: 3, hidden: 6, layers: 2 },
  lstm: { cell: 'lstm', covariates: 3, hidden: 6, layers: 2 },
  gru: { cell: 'gru', covariates: 3, hidden: 6, layers: 2 },
};

/** The forecaster `name` with its tiny config, weights drawn from `seed`, in eval mode. */
export function randomForecaster(name: string, seed: number): Module {
  return randomForecastModel(name, seed).module;
}

/** The same forecaster behind the task's ForecastModel (its recursive forecasts). */
export function randomForecastModel(name: string, seed: number): ForecastModel {
  const fm = findForecastModel(name)!.create(TINY_FORECAST[name]);
  randomize(fm.module, seed);
  return fm;
}

/** The tiny G2P vocabularies: 7 letters and 6 phonemes, with the reserved symbols. */
export const LETTERS = SymbolVocab.build('ABCDEFG'.split(''), { bos: false });
export const PHONEMES = SymbolVocab.build(['AA', 'B', 'K', 'D', 'EH', 'F'], { bos: true });

/** Tiny configs of both G2P models (and the Transformer post-LN). */
export const TINY_G2P: Record<string, Record<string, unknown>> = {
  transformer: { srcVocabSize: LETTERS.size, tgtVocabSize: PHONEMES.size, dModel: 8, nhead: 2, layers: 2, dimFeedforward: 12, dropout: 0.1, normFirst: true, maxLen: 12 },
  'lstm-attention': { srcVocabSize: LETTERS.size, tgtVocabSize: PHONEMES.size, embed: 5, hidden: 4, attention: 6, dropout: 0.2 },
};

/** The G2P model `name` (config `config`, default the tiny one), weights drawn from `seed`, in eval mode. */
export function randomG2P(name: string, seed: number, config = TINY_G2P[name]): Seq2SeqModel {
  return randomize(findG2PModel(name)!.create(config as never), seed);
}
