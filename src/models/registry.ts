/**
 * The language models the CLI knows, by name: each with its typed config defaults, its training
 * defaults and a constructor, behind one small interface (`LanguageModel`), so that training,
 * checkpoints, sampling and evaluation never look at a model's class.
 *
 *   name         model                                         reads the text as
 *   rnn          CharRNN with an Elman RNN (tanh)               a stream, state carried (TBPTT)
 *   lstm         CharRNN with an LSTM (the default)             a stream, state carried (TBPTT)
 *   gru          CharRNN with a GRU                             a stream, state carried (TBPTT)
 *   gpt          GPT, decoder-only Transformer, KV-cache        random windows of `seq` characters
 *   linear-gpt   GPT with linear attention                      random windows of `seq` characters
 *   markov       first-order Markov model p(x_t | x_{t-1})      random windows of `seq` characters
 */
import { fromArray } from '../core/creation.js';
import type { Tensor } from '../core/tensor.js';
import type { Module } from '../nn/module.js';
import type { RecurrentState } from '../nn/recurrent/rnn.js';
import { CharRNN, charRNNDefaults, type CellType, type CharRNNConfig } from './char-rnn.js';
import { GPT, type GPTConfig } from './gpt.js';
import { MarkovLM, type MarkovConfig } from './markov.js';

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

/** Training settings a model starts from; every one can be overridden by a CLI flag. */
export interface TrainingDefaults {
  steps: number;
  batch: number;
  /** Characters per chunk (recurrent) or per window (GPT: at most its block size). */
  seq: number;
  lr: number;
  optimizer: 'adam' | 'adamw';
  /** Decoupled weight decay of AdamW (ignored by Adam). */
  weightDecay: number;
  /** Max global gradient norm; 0 = no clipping. */
  clip: number;
}

/** The size flags of `loom train` that may set a model's config. */
export type SizeFlag = 'embed' | 'hidden' | 'layers' | 'heads';

export interface ModelSpec<C extends { vocabSize: number } = { vocabSize: number }> {
  name: string;
  summary: string;
  recurrent: boolean;
  /** The config without the vocabulary size, which comes from the text. */
  defaults: Omit<C, 'vocabSize'>;
  /** Which config key each size flag sets (flags absent here do not apply to the model). */
  flags: Partial<Record<SizeFlag, keyof C & string>>;
  training: TrainingDefaults;
  /** The config key that must hold `seq` (a GPT's block size), when the window length bounds the model. */
  seqKey?: keyof C & string;
  create(config: C): LanguageModel;
}

function define<C extends { vocabSize: number }>(spec: ModelSpec<C>): ModelSpec {
  return spec as unknown as ModelSpec;
}

const recurrentTraining: TrainingDefaults = { steps: 400, batch: 32, seq: 64, lr: 2e-3, optimizer: 'adam', weightDecay: 0, clip: 1 };

function charRNN(cell: CellType, summary: string): ModelSpec {
  return define<CharRNNConfig>({
    name: cell,
    summary,
    recurrent: true,
    defaults: { ...charRNNDefaults, cell },
    flags: { embed: 'embed', hidden: 'hidden', layers: 'layers' },
    training: recurrentTraining,
    create: (config) => recurrentLM(new CharRNN(config)),
  });
}

/** A CharRNN as a LanguageModel; its decoder carries the recurrent state. */
function recurrentLM(net: CharRNN): LanguageModel {
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
function windowLM(net: Module & { forward(ids: Tensor): Tensor }, context: number | null, decoderContext = context): LanguageModel {
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
function gptLM(net: GPT): LanguageModel {
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

/** The config keys of a linear-gpt checkpoint (its other settings are GPT's defaults). */
type LinearGPTConfig = Pick<GPTConfig, 'vocabSize' | 'blockSize' | 'nLayer' | 'nHead' | 'nEmbd' | 'tiedHead'>;

/** The GPT of the notes: 4 layers, 4 heads, d_model 128, block 128. */
const gptSizes = { blockSize: 128, nLayer: 4, nHead: 4, nEmbd: 128 };

/** A GPT in the registry; `defaults` lists the config keys its checkpoints hold, `attention` is fixed by the name. */
function gpt<C extends LinearGPTConfig>(name: string, summary: string, defaults: Omit<C, 'vocabSize'>, attention: GPTConfig['attention']): ModelSpec {
  return define<C>({
    name,
    summary,
    recurrent: false,
    defaults,
    flags: { embed: 'nEmbd', layers: 'nLayer', heads: 'nHead' },
    seqKey: 'blockSize',
    // torch.optim.AdamW(model.parameters(), lr=1e-3): weight decay 0.01 on every parameter
    training: { steps: 600, batch: 16, seq: 128, lr: 1e-3, optimizer: 'adamw', weightDecay: 0.01, clip: 1 },
    create: (config) => gptLM(new GPT({ ...config, attention })),
  });
}

/** logits (1, T, V) -> the last position's row (V). */
function lastRow(logits: Tensor): Float32Array {
  const T = logits.shape[1];
  return logits.select(0, 0).select(0, T - 1).toArray() as Float32Array;
}

/** Every model the CLI can train, by name. */
export const MODELS: readonly ModelSpec[] = [
  charRNN('rnn', 'Elman RNN (tanh) character model, truncated BPTT'),
  charRNN('lstm', 'LSTM character model, truncated BPTT (embedding 64, 2 x 256)'),
  charRNN('gru', 'GRU character model, truncated BPTT'),
  gpt<Omit<GPTConfig, 'attention'>>('gpt', 'GPT, a decoder-only Transformer (4 layers, 4 heads, d_model 128, block 128), KV-cache sampling', { ...gptSizes, dropout: 0, tiedHead: false, bias: true, init: 'pytorch' }, 'softmax'),
  gpt<LinearGPTConfig>('linear-gpt', 'GPT with causal linear attention (O(T) per window), same sizes and training as gpt', { ...gptSizes, tiedHead: true }, 'linear'),
  define<MarkovConfig>({
    name: 'markov',
    summary: 'first-order Markov model p(x_t | x_{t-1}): an Embedding into a Linear layer',
    recurrent: false,
    defaults: { embed: 32 },
    flags: { embed: 'embed' },
    training: { steps: 400, batch: 32, seq: 64, lr: 0.01, optimizer: 'adam', weightDecay: 0, clip: 0 },
    create: (config) => windowLM(new MarkovLM(config), null, 1), // each position only sees the one before
  }),
];

/** The model `loom train` trains when no --model is given. */
export const DEFAULT_MODEL = 'lstm';

/** The spec of a model name, or undefined. */
export function findModel(name: string): ModelSpec | undefined {
  return MODELS.find((m) => m.name === name);
}

/**
 * Checks a config read from a file against the model's defaults: every key present with the same type,
 * no unknown keys, a positive integer vocabSize. Returns the problem as a phrase, or null.
 */
export function configProblem(spec: ModelSpec, config: unknown): string | null {
  if (typeof config !== 'object' || config === null || Array.isArray(config)) return `the config must be an object, got ${JSON.stringify(config)}`;
  const c = config as Record<string, unknown>;
  const want = { ...spec.defaults, vocabSize: 1 } as Record<string, unknown>;
  for (const [k, v] of Object.entries(want)) {
    if (!(k in c)) return `the ${spec.name} config lacks '${k}'`;
    if (typeof c[k] !== typeof v) return `the ${spec.name} config has ${k} = ${JSON.stringify(c[k])}, expected a ${typeof v}`;
  }
  for (const k of Object.keys(c)) if (!(k in want)) return `the ${spec.name} config has an unknown key '${k}'`;
  if (!Number.isInteger(c.vocabSize) || (c.vocabSize as number) < 1) return `vocabSize must be a positive integer, got ${JSON.stringify(c.vocabSize)}`;
  return null;
}

/** The same state with `fn` applied to each of its tensors (e.g. picking one stream of a batch). */
export function mapState(state: LMState, fn: (t: Tensor) => Tensor): LMState {
  if (state === null) return null;
  if (Array.isArray(state)) return state.map((s: LMState) => mapState(s, fn)) as LMState;
  return fn(state as Tensor);
}
