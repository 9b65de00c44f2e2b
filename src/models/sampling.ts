/** Picking the next token from a row of logits: greedy, or sampled with temperature, top-k and top-p. */
import type { Generator } from '../core/random.js';

export interface SamplingOptions {
  greedy?: boolean;
  temperature?: number;
  topK?: number;
  topP?: number;
}

/**
 * The distribution `pickToken` draws from: the kept token ids, most likely first, and their
 * probabilities (summing to 1). softmax(logits / temperature) over the topK highest logits (all when
 * topK is 0 or absent), then cut to the smallest prefix whose mass reaches topP and renormalised.
 * `greedy` is ignored (pickToken takes the argmax then).
 */
export function samplingDistribution(logits: ArrayLike<number>, o: SamplingOptions): { ids: number[]; probs: number[] } {
  const n = logits.length;
  const t = o.temperature ?? 1;
  if (!(t > 0)) throw new Error(`temperature must be > 0, got ${t}`);
  let order = Array.from({ length: n }, (_, i) => i).sort((a, b) => logits[b] - logits[a]);
  if (o.topK !== undefined && o.topK > 0) order = order.slice(0, o.topK);
  // softmax(logits / t) over the kept tokens
  const m = logits[order[0]];
  let probs = order.map((i) => Math.exp((logits[i] - m) / t));
  let z = probs.reduce((a, b) => a + b, 0);
  probs = probs.map((p) => p / z);
  if (o.topP !== undefined && o.topP < 1) {
    // nucleus: the smallest prefix whose mass reaches topP
    let acc = 0;
    let k = 0;
    while (k < probs.length && acc < o.topP) acc += probs[k++];
    order = order.slice(0, k);
    probs = probs.slice(0, k);
    z = acc;
    probs = probs.map((p) => p / z);
  }
  return { ids: order, probs };
}

/** The id of the next token; `logits` is one row of unnormalised scores. */
export function pickToken(logits: ArrayLike<number>, o: SamplingOptions, gen: Generator): number {
  const n = logits.length;
  if (o.greedy) {
    let best = 0;
    for (let i = 1; i < n; i++) if (logits[i] > logits[best]) best = i;
    return best;
  }
  const { ids: order, probs } = samplingDistribution(logits, o);
  let u = gen.uniform();
  for (let k = 0; k < probs.length; k++) {
    u -= probs[k];
    if (u < 0) return order[k];
  }
  return order[order.length - 1];
}

/**
 * Continues `prompt` (ids, at least one) by `maxTokens` tokens: feeds the prompt to `decoder`, then
 * repeatedly picks a token from the last logits and feeds it back, calling `emit` with each new token
 * as soon as it is picked (to stream it). The same generator state gives the same tokens.
 *
 * @example
 *   generate(lm.decoder(), vocab.encode('The '), 200, { temperature: 0.8 }, new Generator(0),
 *            (id) => process.stdout.write(vocab.decode([id])));
 */
export function generate(
  decoder: { feed(ids: ArrayLike<number>): ArrayLike<number> },
  prompt: ArrayLike<number>,
  maxTokens: number,
  o: SamplingOptions,
  gen: Generator,
  emit: (id: number) => void = () => {},
): number[] {
  if (prompt.length === 0) throw new Error('generate: the prompt must hold at least one token');
  const out: number[] = [];
  let logits = decoder.feed(prompt);
  for (let i = 0; i < maxTokens; i++) {
    const id = pickToken(logits, o, gen);
    out.push(id);
    emit(id);
    if (i + 1 < maxTokens) logits = decoder.feed([id]);
  }
  return out;
}
