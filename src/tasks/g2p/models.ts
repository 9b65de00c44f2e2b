/**
 * The models of the g2p task, by name, each with its typed config defaults and training defaults.
 *
 *   name             model
 *   transformer      encoder-decoder Transformer, sinusoidal positions, cached decoding
 *   lstm-attention   bidirectional LSTM encoder, LSTM decoder with additive (Bahdanau) attention (the default:
 *                    5,000 steps reach validation WER 35.81% in 13 min 23 s on 2 cores, where the
 *                    transformer's 2,500 steps reach 50.50% in 12 min 20 s)
 */
import { defaultLSTMAttentionConfig, LSTMAttention, type LSTMAttentionConfig } from '../../models/lstm-attention.js';
import { defaultSeq2SeqTransformerConfig, Seq2SeqTransformer, type Seq2SeqTransformerConfig } from '../../models/seq2seq-transformer.js';
import type { Seq2SeqModel } from '../../models/seq2seq.js';
import { heapBlockBytes as block } from '../../core/memory.js';
import { logitBytes } from '../../train/memory-estimate.js';

export interface G2PTrainingDefaults {
  steps: number;
  batch: number;
  lr: number;
  warmup: number;
  schedule: 'constant' | 'cosine';
  clip: number;
  labelSmoothing: number;
}

type Sized = { srcVocabSize: number; tgtVocabSize: number };

export interface G2PModelSpec<C extends Sized = Sized> {
  name: string;
  summary: string;
  /** The config without the vocabulary sizes, which come from the data. */
  defaults: Omit<C, keyof Sized>;
  training: G2PTrainingDefaults;
  create(config: C): Seq2SeqModel;
  /**
   * Roughly the peak bytes of tensor memory of a training step on B pairs of at most L letters and L
   * phonemes: the activations autograd keeps for backward and their gradients, in heap blocks.
   */
  stepBytes(config: C, B: number, L: number): number;
}


function define<C extends Sized>(spec: G2PModelSpec<C>): G2PModelSpec {
  return spec as unknown as G2PModelSpec;
}

export const G2P_MODELS: G2PModelSpec[] = [
  define<Seq2SeqTransformerConfig>({
    name: 'transformer',
    summary: 'encoder-decoder Transformer (3 + 3 layers, d 128), key/value-cached decoding',
    defaults: defaultSeq2SeqTransformerConfig,
    training: { steps: 2500, batch: 64, lr: 1e-3, warmup: 400, schedule: 'cosine', clip: 1, labelSmoothing: 0.1 },
    create: (c) => new Seq2SeqTransformer(c),
    // per encoder layer some 20 tensors of (B, L, d) and 4 of the scores (B, h, L, L); per decoder layer
    // 30 and 8 (self- and cross-attention); the feed-forward's (B, L, ff) twice per layer, 4 tensors each
    stepBytes: (c, B, L) =>
      c.layers * (50 * block(B * L * c.dModel) + 12 * block(B * c.nhead * L * L) + 8 * block(B * L * c.dimFeedforward)) + logitBytes(B, L, c.tgtVocabSize),
  }),
  define<LSTMAttentionConfig>({
    name: 'lstm-attention',
    summary: 'bidirectional LSTM encoder, LSTM decoder with additive attention',
    defaults: defaultLSTMAttentionConfig,
    training: { steps: 5000, batch: 64, lr: 2e-3, warmup: 0, schedule: 'cosine', clip: 1, labelSmoothing: 0.1 },
    create: (c) => new LSTMAttention(c),
    // the encoder: 12 tensors of (B, H) per letter and direction (gates, states, their gradients); per
    // phoneme the decoder's 12 of (B, 2H), the attention's 4 of (B, L, A) (pre-tanh, tanh and their
    // gradients) and some 6 of (B, 2H) (context, combine); the embeddings of both sides
    stepBytes: (c, B, L) =>
      L * (24 * block(B * c.hidden) + 18 * block(B * 2 * c.hidden) + 4 * block(B * L * c.attention)) + 4 * block(B * L * c.embed) + logitBytes(B, L, c.tgtVocabSize),
  }),
];

export const DEFAULT_G2P_MODEL = 'lstm-attention';

export function findG2PModel(name: string): G2PModelSpec | undefined {
  return G2P_MODELS.find((m) => m.name === name);
}

/** What is wrong with a model config (unknown or missing keys, wrong types), as a phrase, or null. */
export function g2pConfigProblem(spec: G2PModelSpec, config: unknown): string | null {
  if (!config || typeof config !== 'object') return `expected an object, got ${JSON.stringify(config)}`;
  const c = config as Record<string, unknown>;
  const want = { ...spec.defaults, srcVocabSize: 0, tgtVocabSize: 0 } as Record<string, unknown>;
  for (const [k, v] of Object.entries(want)) if (typeof c[k] !== typeof v) return `${k} = ${JSON.stringify(c[k])}, expected a ${typeof v}`;
  for (const k of Object.keys(c)) if (!(k in want)) return `unknown key '${k}'`;
  try {
    spec.create(c as never);
  } catch (e) {
    return (e as Error).message;
  }
  return null;
}
