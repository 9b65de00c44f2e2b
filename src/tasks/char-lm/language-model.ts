/**
 * The character language models behind one small interface (`LanguageModel`), so that training,
 * checkpoints, sampling and evaluation never look at a model's class; and the adapters that put each
 * model class behind it.
 */
import { fromArray } from '../../core/creation.js';
import type { Tensor } from '../../core/tensor.js';
import type { CharRNN } from '../../models/char-rnn.js';
import type { GPT } from '../../models/gpt.js';
import type { Module } from '../../nn/module.js';
import type { RecurrentState } from '../../nn/recurrent/rnn.js';

/** A recurrent model's state between chunks (a tensor or nested arrays of them); null for the others. */
export type LMState = RecurrentState | null;

/** Feeds characters one call at a time and returns the logits (V) for the character after the last one fed. */
export interface Decoder {
  feed(ids: ArrayLike<number>): Float32Array;
}

/** What training, checkpoints, sampling and evaluation need from a character-level language model. */
export interface LanguageModel {
  /** The network: its parameters and state dict (PyTorch keys). */
  readonly module: Module;
  /** True when the model carries a state across chunks (truncated BPTT on a stream); false for window models. */
  readonly recurrent: boolean;
  /** The longest context read at once (a GPT's block size), or null when unbounded. */
  readonly contextLength: number | null;
  /** The state before the first character of `batch` streams (null for window models). */
  zeroState(batch: number): LMState;
  /** ids (B, T) int32 -> [logits (B, T, V), the state after the last step]. */
  forward(ids: Tensor, state: LMState): [Tensor, LMState];
  /** The state cut off from the autograd graph. */
  detachState(state: LMState): LMState;
  /** A fresh step-wise decoder for sampling one stream (carries the state, or a KV-cache). */
  decoder(): Decoder;
}

/** A CharRNN as a LanguageModel; its decoder carries the recurrent state. */
export function recurrentLM(net: CharRNN): LanguageModel {
  return {
    module: net,
    recurrent: true,
    contextLength: null,
    zeroState: (batch) => net.zeroState(batch),
    forward: (ids, state) => net.forward(ids, state as never),
    detachState: (state) => (state === null ? null : net.detachState(state as never)),
    decoder() {
      let state = net.zeroState(1);
      return {
        feed(ids) {
          const x = fromArray(Int32Array.from(ids), [1, ids.length], { dtype: 'int32' }); // (1, T)
          const [logits, next] = net.forward(x, state); // (1, T, V)
          state = next;
          return lastRow(logits);
        },
      };
    },
  };
}

/**
 * A model that maps a window of ids to logits and sees at most `context` characters: trained on random
 * windows; its decoder re-reads the last `decoderContext` characters at every step.
 */
export function windowLM(net: Module & { forward(ids: Tensor): Tensor }, context: number | null, decoderContext = context): LanguageModel {
  return {
    module: net,
    recurrent: false,
    contextLength: context,
    zeroState: () => null,
    forward: (ids) => [net.forward(ids), null],
    detachState: () => null,
    decoder() {
      let history: number[] = [];
      return {
        feed(ids) {
          history.push(...Array.from(ids));
          if (decoderContext !== null && history.length > decoderContext) history = history.slice(-decoderContext);
          return lastRow(net.forward(fromArray(Int32Array.from(history), [1, history.length], { dtype: 'int32' })));
        },
      };
    },
  };
}

/**
 * A GPT as a LanguageModel: trained on random windows of at most blockSize characters; its decoder
 * feeds each new character through the cache (keys and values, or linear attention's running sums)
 * and, once blockSize characters are cached, refills the cache with the last blockSize characters (the
 * context slides, as nanoGPT crops it).
 */
export function gptLM(net: GPT): LanguageModel {
  const bs = net.config.blockSize;
  return {
    module: net,
    recurrent: false,
    contextLength: bs,
    zeroState: () => null,
    forward: (ids) => [net.forward(ids), null],
    detachState: () => null,
    decoder() {
      const cache = net.createCache(1);
      const history: number[] = [];
      const ids = (xs: number[]) => fromArray(Int32Array.from(xs), [1, xs.length], { dtype: 'int32' }); // (1, T)
      return {
        feed(next) {
          const fresh = Array.from(next);
          history.push(...fresh);
          if (cache.length + fresh.length <= bs) return lastRow(net.step(ids(fresh), cache));
          cache.reset();
          return lastRow(net.step(ids(history.slice(-bs)), cache));
        },
      };
    },
  };
}

/** logits (1, T, V) -> the last position's row (V). */
function lastRow(logits: Tensor): Float32Array {
  const T = logits.shape[1];
  return logits.select(0, 0).select(0, T - 1).toArray() as Float32Array;
}

/** The same state with `fn` applied to each of its tensors (e.g. picking one stream of a batch). */
export function mapState(state: LMState, fn: (t: Tensor) => Tensor): LMState {
  if (state === null) return null;
  if (Array.isArray(state)) return state.map((s: LMState) => mapState(s, fn)) as LMState;
  return fn(state as Tensor);
}
