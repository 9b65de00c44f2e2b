/**
 * The loss of a language model over a whole text: the mean cross-entropy in nats per character of
 * every prediction `p(x_{i+1} | x_0..x_i)`, i = 0 .. N-2, each counted once.
 *
 * Recurrent models read the text as `B` contiguous lanes of `Lp = floor((N-1) / B)` predictions, all
 * lanes in step, `seq` characters per forward, the state carried (each lane starts from the zero state);
 * the `N-1 - B*Lp` predictions after the last lane continue that lane's state. Window models (GPT) read
 * consecutive non-overlapping windows of `seq` characters, `B` windows per forward; the last window may
 * be shorter. `maxBatches` stops early (the periodic validation of a training run).
 *
 *   bits per character = loss / ln 2,   perplexity = exp(loss)
 *
 * @example
 *   const { loss, count } = evaluateLoss(lm, val, { batch: 32, seq: 64 });
 */
import { noGrad } from '../../core/autograd.js';
import { fromArray } from '../../core/creation.js';
import { crossEntropy } from '../../nn/functional.js';
import { mapState, type LanguageModel, type LMState } from './language-model.js';

export interface EvalOptions {
  batch: number;
  seq: number;
  /** Stop after this many forwards (default: the whole text). */
  maxBatches?: number;
}

export interface EvalResult {
  /** Mean cross-entropy, nats per character. */
  loss: number;
  /** Predictions counted. */
  count: number;
}

export function evaluateLoss(lm: LanguageModel, ids: Int32Array, { batch, seq, maxBatches = Infinity }: EvalOptions): EvalResult {
  const P = ids.length - 1; // predictions
  if (P < 1) throw new Error(`evaluateLoss: a text of ${ids.length} characters has nothing to predict (need at least 2)`);
  if (lm.contextLength !== null) seq = Math.min(seq, lm.contextLength);
  const wasTraining = lm.module.training;
  lm.module.eval();
  let sum = 0;
  let count = 0;
  let batches = 0;
  /** Adds the summed loss of inputs `x` (B, T) against targets `y` (B, T) and returns the state after. */
  const run = (x: Int32Array, y: Int32Array, B: number, T: number, state: LMState): LMState => {
    const [logits, next] = lm.forward(fromArray(x, [B, T], { dtype: 'int32' }), state); // (B, T, V)
    const V = logits.shape[2];
    sum += crossEntropy(logits.reshape([B * T, V]), fromArray(y, [B * T], { dtype: 'int32' }), { reduction: 'sum' }).item();
    count += B * T;
    batches++;
    return next;
  };
  try {
    noGrad(() => {
      if (lm.recurrent) {
        const B = Math.min(batch, P);
        const Lp = Math.floor(P / B); // predictions per lane
        let state = lm.zeroState(B);
        for (let off = 0; off < Lp && batches < maxBatches; off += seq) {
          const T = Math.min(seq, Lp - off);
          const x = new Int32Array(B * T); // (B, T)
          const y = new Int32Array(B * T);
          for (let b = 0; b < B; b++) {
            const s = b * Lp + off;
            x.set(ids.subarray(s, s + T), b * T);
            y.set(ids.subarray(s + 1, s + T + 1), b * T);
          }
          state = run(x, y, B, T, state);
        }
        if (batches >= maxBatches) return;
        // the tail continues the last lane
        state = mapState(state, (t) => t.narrow(1, B - 1, 1)); // (L, 1, H)
        for (let s = B * Lp; s < P; s += seq) {
          const T = Math.min(seq, P - s);
          state = run(ids.slice(s, s + T), ids.slice(s + 1, s + T + 1), 1, T, state);
        }
      } else {
        const full = Math.floor(P / seq); // whole windows
        for (let w = 0; w < full && batches < maxBatches; w += batch) {
          const B = Math.min(batch, full - w);
          const x = new Int32Array(B * seq); // (B, T)
          const y = new Int32Array(B * seq);
          for (let b = 0; b < B; b++) {
            const s = (w + b) * seq;
            x.set(ids.subarray(s, s + seq), b * seq);
            y.set(ids.subarray(s + 1, s + seq + 1), b * seq);
          }
          run(x, y, B, seq, null);
        }
        const s = full * seq;
        if (s < P && batches < maxBatches) run(ids.slice(s, P), ids.slice(s + 1, P + 1), 1, P - s, null);
      }
    });
  } finally {
    lm.module.train(wasTraining);
  }
  return { loss: sum / count, count };
}
