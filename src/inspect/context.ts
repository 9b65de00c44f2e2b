/**
 * What every inspector of the playground reads: the live model, its vocabulary and its text, the
 * parameters the page sends (plain JSON, checked here), and the conversion of small tensors into the
 * plain arrays a view draws.
 */
import { noGrad } from '../core/autograd.js';
import type { Tensor } from '../core/tensor.js';
import type { CharVocab } from '../data/vocab.js';
import type { ViT } from '../models/vision/vit.js';
import type { LanguageModel } from '../tasks/char-lm/language-model.js';
import type { ForecastTask } from '../tasks/forecast/task.js';
import type { G2PPredictor } from '../tasks/g2p/predictor.js';

/** The live model of the playground, as the training worker holds it. */
export interface InspectContext {
  model: LanguageModel;
  /** Its name in the char-lm registry: rnn, lstm, gru, gpt, linear-gpt, markov. */
  modelName: string;
  vocab: CharVocab;
  /** The training text (the inspectors take their windows and default prompts from it). */
  text: string;
  /** Other models the worker holds, by name (the attention view takes its second kernel from one when given). */
  others?: Record<string, LanguageModel>;
  /** A grapheme-to-phoneme model with its vocabularies (`loadG2P(checkpoint).predictor`), for the `alignment` view. */
  g2p?: G2PPredictor;
  /** A forecasting task whose model is created (and trained), for the `forecast` view. */
  forecast?: ForecastTask;
  /** A ViT and its class names, for the `patches` view (a fresh untrained ViT when absent). */
  vit?: { model: ViT; classes?: readonly string[] };
}

/** An inspector: the view's data (plain numbers, arrays and strings) from the live model. */
export type Inspector = (ctx: InspectContext, params: Record<string, unknown>) => unknown | Promise<unknown>;

/** An integer parameter in [min, max], `fallback` when absent; a clear error otherwise. */
export function intParam(params: Record<string, unknown>, name: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const v = params[name];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)
    throw new RangeError(`${name} must be an integer in [${min}, ${max}], got ${JSON.stringify(v)}`);
  return v;
}

/** A number parameter in [min, max], `fallback` when absent. */
export function numberParam(params: Record<string, unknown>, name: string, fallback: number, min: number, max = Infinity): number {
  const v = params[name];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) throw new RangeError(`${name} must be a number in [${min}, ${max}], got ${JSON.stringify(v)}`);
  return v;
}

/** A string parameter, `fallback` when absent or empty. */
export function stringParam(params: Record<string, unknown>, name: string, fallback: string): string {
  const v = params[name];
  if (v === undefined || v === null || v === '') return fallback;
  if (typeof v !== 'string') throw new TypeError(`${name} must be a string, got ${JSON.stringify(v)}`);
  return v;
}

/**
 * The characters of `text` from `start` (moved back so that at least two remain), at most `length` of
 * them (code points, as the vocabulary counts them), and where the window starts.
 */
export function textWindow(text: string, start: number, length: number): { window: string; start: number } {
  const chars = Array.from(text);
  if (chars.length === 0) throw new Error('the text is empty');
  const s = Math.min(start, Math.max(0, chars.length - 2));
  return { window: chars.slice(s, s + length).join(''), start: s };
}

/**
 * Runs `fn` without gradients and with `module` in eval mode (dropout off), then puts the mode back:
 * the worker's training carries on unchanged.
 */
export function inEval<T>(module: { training: boolean; train(mode?: boolean): unknown }, fn: () => T, grad = false): T {
  const was = module.training;
  module.train(false);
  try {
    return grad ? fn() : noGrad(fn);
  } finally {
    module.train(was);
  }
}

/** A 2-D tensor (R, C) as R rows of C numbers. */
export function rows(t: Tensor): number[][] {
  if (t.ndim !== 2) throw new Error(`rows: expected a 2-D tensor, got ${t.ndim} dimensions`);
  const [R, C] = t.shape;
  const a = t.toArray();
  return Array.from({ length: R }, (_, r) => Array.from(a.subarray(r * C, (r + 1) * C)));
}

/** A 3-D tensor (N, R, C) as N matrices of R rows. */
export function matrices(t: Tensor): number[][][] {
  if (t.ndim !== 3) throw new Error(`matrices: expected a 3-D tensor, got ${t.ndim} dimensions`);
  return Array.from({ length: t.shape[0] }, (_, i) => rows(t.select(0, i)));
}
