/**
 * The models of the char-lm task, by name: each with its typed config defaults, its training defaults
 * and a factory that puts it behind `LanguageModel` (language-model.ts).
 *
 *   name         model                                         reads the text as
 *   rnn          CharRNN with an Elman RNN (tanh)               a stream, state carried (TBPTT)
 *   lstm         CharRNN with an LSTM (the default)             a stream, state carried (TBPTT)
 *   gru          CharRNN with a GRU                             a stream, state carried (TBPTT)
 *   gpt          GPT, decoder-only Transformer, KV-cache        random windows of `seq` characters
 *   linear-gpt   GPT with linear attention                      random windows of `seq` characters
 *   markov       first-order Markov model p(x_t | x_{t-1})      random windows of `seq` characters
 */
import { CharRNN, charRNNDefaults, type CellType, type CharRNNConfig } from '../../models/char-rnn.js';
import { GPT, type GPTConfig } from '../../models/gpt.js';
import { MarkovLM, type MarkovConfig } from '../../models/markov.js';
import { heapBlockBytes as block, heapRefusal } from '../../core/memory.js';
import { logitBytes } from '../../train/memory-estimate.js';
import { gptLM, recurrentLM, windowLM, type LanguageModel } from './language-model.js';

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
  /**
   * Roughly the peak bytes of tensor memory of a training step on B x T characters: the activations
   * autograd keeps for backward and their gradients, counted in heap blocks (powers of two, >= 64 B).
   */
  stepBytes(config: C, B: number, T: number): number;
  /** Its number of parameters (for refusing a config the heap cannot hold before building it). */
  parameters(config: C): number;
}

/** Tensors of (B, H) a recurrent cell keeps per time step, forward and backward (gates, states, their gradients). */
const CELL_TENSORS: Record<CellType, number> = { rnn: 4, gru: 12, lstm: 12 };
/** Gates packed in a cell's weights, as PyTorch packs them. */
const GATES: Record<CellType, number> = { rnn: 1, gru: 3, lstm: 4 };

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
    stepBytes: (c, B, T) => T * c.layers * CELL_TENSORS[cell] * block(B * c.hidden) + 2 * block(B * T * c.embed) + logitBytes(B, T, c.vocabSize),
    // embedding, each layer's gates (W_ih, W_hh, two biases), the head
    parameters: (c) =>
      c.vocabSize * c.embed + GATES[cell] * c.hidden * (c.embed + c.hidden + 2 + (c.layers - 1) * (2 * c.hidden + 2)) + (c.hidden + 1) * c.vocabSize,
  });
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
    // per layer: the scores (B, nh, T, T), masked, softmaxed and their gradients (softmax attention
    // only), and some 20 tensors of (B, T, d) (q, k, v, projections, norms, the MLP's 4d, residuals)
    stepBytes: (c, B, T) =>
      c.nLayer * ((attention === 'softmax' ? 4 * block(B * c.nHead * T * T) : 0) + 20 * block(B * T * c.nEmbd)) + logitBytes(B, T, c.vocabSize),
    // token and position embeddings, per layer attention (4 d^2) and MLP (8 d^2) with biases and norms, the final norm, the head
    parameters: (c) => (c.vocabSize + c.blockSize + 2) * c.nEmbd + c.nLayer * (12 * c.nEmbd ** 2 + 13 * c.nEmbd) + (c.tiedHead ? 0 : c.nEmbd * c.vocabSize),
  });
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
    stepBytes: (c, B, T) => 2 * block(B * T * c.embed) + logitBytes(B, T, c.vocabSize),
    parameters: (c) => c.vocabSize * c.embed + (c.embed + 1) * c.vocabSize,
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
 * no unknown keys, positive integer sizes (vocabSize included), heads that divide the embedding. Returns the
 * problem as a phrase, or null.
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
  for (const [k, v] of Object.entries(want))
    if (Number.isInteger(v) && (v as number) >= 1 && (!Number.isInteger(c[k]) || (c[k] as number) < 1)) return `the ${spec.name} config has ${k} = ${JSON.stringify(c[k])}, expected a positive integer`;
  if (typeof c.nEmbd === 'number' && typeof c.nHead === 'number' && c.nEmbd % c.nHead !== 0)
    return `the ${spec.name} config has ${c.nEmbd} embedding channels, which ${c.nHead} heads cannot share: nEmbd must be a multiple of nHead`;
  // weights, gradients and Adam's two moments, 4 bytes each
  const n = spec.parameters(c as never);
  return heapRefusal(16 * n, `a ${spec.name} model of ${n.toLocaleString('en-US')} parameters, with its gradients and Adam's moments,`)?.message ?? null;
}
