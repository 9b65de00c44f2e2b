/**
 * The `sampling` view's data: for a few characters generated after a prompt, the model's
 * next-character distribution at each step and how temperature, top-k and top-p reshape it, computed
 * by `samplingDistribution` (src/models/sampling.ts), the very function `pickToken` draws from:
 *
 *   model        softmax(logits)                                  (temperature 1, nothing cut)
 *   temperature  softmax(logits / temperature)
 *   top-k        the same over the k highest logits only
 *   top-p        then the smallest most-likely prefix of mass >= p, renormalised  (what is drawn from)
 *
 * Each step's character is drawn by `pickToken` with the same options and a generator seeded with
 * `seed`, as `generate` draws it, and fed back to the model's decoder.
 */
import { Generator } from '../core/random.js';
import { pickToken, samplingDistribution, type SamplingOptions } from '../models/sampling.js';
import { inEval, intParam, numberParam, stringParam, textWindow, type InspectContext } from './context.js';

export interface SamplingStage {
  name: 'model' | 'temperature' | 'top-k' | 'top-p';
  label: string;
  /** One probability per vocabulary id (0 for the cut ones); sums to 1. */
  probs: number[];
}

export interface SamplingStep {
  /** The text the model has read (prompt and generated characters so far). */
  context: string;
  /** The id drawn and its character. */
  chosen: number;
  char: string;
  stages: SamplingStage[];
}

export interface SamplingData {
  /** The vocabulary, in id order. */
  chars: string[];
  prompt: string;
  temperature: number;
  topK: number;
  topP: number;
  seed: number;
  steps: SamplingStep[];
}

/** The distribution over all V ids (0 outside the kept ones). */
function dense(logits: ArrayLike<number>, o: SamplingOptions): number[] {
  const probs = new Array<number>(logits.length).fill(0);
  const { ids, probs: p } = samplingDistribution(logits, o);
  ids.forEach((id, i) => (probs[id] = p[i]));
  return probs;
}

/**
 * params: prompt (default the text's first 16 characters), steps (default 12), temperature (default 1),
 * topK (default 0 = all), topP (default 1 = all), seed (default 0).
 */
export function inspectSampling(ctx: InspectContext, params: Record<string, unknown>): SamplingData {
  const prompt = stringParam(params, 'prompt', textWindow(ctx.text, 0, 16).window);
  const nSteps = intParam(params, 'steps', 12, 1, 256);
  const temperature = numberParam(params, 'temperature', 1, 1e-3, 100);
  const topK = intParam(params, 'topK', 0, 0, ctx.vocab.size);
  const topP = numberParam(params, 'topP', 1, 1e-3, 1);
  const seed = intParam(params, 'seed', 0, 0);
  const ids = ctx.vocab.encode(prompt);
  if (ids.length === 0) throw new Error('the prompt must hold at least one character');
  const o: SamplingOptions = { temperature, topK, topP };
  return inEval(ctx.model.module, () => {
    const decoder = ctx.model.decoder();
    const gen = new Generator(seed);
    let context = prompt;
    let logits = decoder.feed(ids);
    const steps: SamplingStep[] = [];
    for (let n = 0; n < nSteps; n++) {
      const stages: SamplingStage[] = [
        { name: 'model', label: 'model: softmax(logits)', probs: dense(logits, {}) },
        { name: 'temperature', label: `temperature ${temperature}`, probs: dense(logits, { temperature }) },
        { name: 'top-k', label: topK > 0 ? `top-k ${topK}` : 'top-k off', probs: dense(logits, { temperature, topK }) },
        { name: 'top-p', label: topP < 1 ? `top-p ${topP}` : 'top-p off', probs: dense(logits, o) },
      ];
      const chosen = pickToken(logits, o, gen);
      const char = ctx.vocab.chars[chosen];
      steps.push({ context, chosen, char, stages });
      context += char;
      if (n + 1 < nSteps) logits = decoder.feed([chosen]);
    }
    return { chars: [...ctx.vocab.chars], prompt, temperature, topK, topP, seed, steps };
  });
}
