/**
 * How parity specs map onto Loom: PyTorch class and function names to Loom's, positional constructor
 * arguments, and how each module is called. Keyword arguments are renamed snake_case -> camelCase.
 */
import { tensor } from '../core/creation.js';
import { Tensor } from '../core/tensor.js';
import * as nn from '../nn/index.js';
import * as optim from '../optim/index.js';
import { GRU, LSTM, RNN } from '../nn/recurrent/rnn.js';
import { GRUCell, LSTMCell, RNNCell } from '../nn/recurrent/rnn-cells.js';
import { ViT, type ViTConfig } from '../models/vision/vit.js';
import { SqueezeExcitation } from '../models/vision/squeeze-excitation.js';
import { PatchMerging, SwinBlock } from '../models/vision/swin.js';

type Args = Record<string, unknown>;
type Ctor = new (...args: any[]) => nn.Module;

export interface ModuleAdapter {
  build(args: Args): nn.Module;
  /** Calls the module with the case's inputs (named as in the spec, in call order). */
  call(m: nn.Module, names: string[], inputs: Record<string, Tensor>, kwargs: Args): unknown;
}

export function camel(key: string): string {
  return key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
}

export function camelKeys(o: Args): Args {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [camel(k), v]));
}

/** Tensors out of a module's return value (tuples and nested tuples flattened in order). */
export function flattenOutputs(v: unknown): (Tensor | null)[] {
  if (v instanceof Tensor) return [v];
  if (Array.isArray(v)) return v.flatMap(flattenOutputs);
  if (v === null || v === undefined) return [null];
  throw new Error(`unexpected output ${String(v)}`);
}

/** A constructor taking `positional` PyTorch arguments in order, then the rest as a camelCase options object. */
function byArgs(Cls: Ctor, positional: string[]): ModuleAdapter['build'] {
  return (args) => {
    const missing = positional.filter((k) => !(k in args));
    if (missing.length) throw new Error(`spec args lack ${missing.join(', ')}`);
    const rest = Object.fromEntries(Object.entries(args).filter(([k]) => !positional.includes(k)));
    return new Cls(...positional.map((k) => args[k]), camelKeys(rest));
  };
}

/** The call keywords plus a `lengths` input, when the case has one (variable-length batches). */
function callOptions(inputs: Record<string, Tensor>, kwargs: Args): Args {
  return 'lengths' in inputs ? { ...kwargs, lengths: inputs.lengths } : kwargs;
}

/**
 * forward(...inputs in spec order), with the call keywords (and a `lengths` input) as a trailing options
 * object when there are any.
 */
const plainCall: ModuleAdapter['call'] = (m, names, inputs, kwargs) => {
  const f = (m as unknown as { forward: (...a: unknown[]) => unknown }).forward.bind(m);
  const args: unknown[] = names.filter((n) => n !== 'lengths').map((n) => inputs[n]);
  const opts = callOptions(inputs, kwargs);
  if (Object.keys(opts).length) args.push(opts);
  return f(...args);
};

/**
 * Recurrent modules and cells: forward(input, state, options), the state packed as Loom takes it:
 * h0 (RNN, GRU and their cells) or [h0, c0] (LSTM, LSTMCell); absent when the case gives none.
 */
function recurrent(Cls: Ctor): ModuleAdapter {
  return {
    build: byArgs(Cls, ['input_size', 'hidden_size']),
    call(m, _names, inputs, kwargs) {
      const f = (m as unknown as { forward: (...a: unknown[]) => unknown }).forward.bind(m);
      const h0 = inputs.h0 ?? inputs.hx ?? null;
      const state = inputs.c0 ? [h0, inputs.c0] : h0;
      const opts = callOptions(inputs, kwargs);
      return Object.keys(opts).length ? f(inputs.input, state, opts) : f(inputs.input, state);
    },
  };
}

function simple(Cls: Ctor, positional: string[]): ModuleAdapter {
  return { build: byArgs(Cls, positional), call: plainCall };
}

/**
 * forward(...the `leading` inputs, options): every other input goes into the options object under its
 * camelCase name (`attn_mask` -> attnMask, `src_key_padding_mask` -> srcKeyPaddingMask), with the call
 * keywords. Independent of the order and subset of optional inputs a case lists.
 */
function namedCall(leading: string[]): ModuleAdapter['call'] {
  return (m, names, inputs, kwargs) => {
    const f = (m as unknown as { forward: (...a: unknown[]) => unknown }).forward.bind(m);
    const missing = leading.filter((n) => !(n in inputs));
    if (missing.length) throw new Error(`inputs lack ${missing.join(', ')}`);
    const opts: Args = { ...kwargs };
    for (const n of names) if (!leading.includes(n)) opts[camel(n)] = inputs[n];
    return f(...leading.map((n) => inputs[n]), opts);
  };
}

/** A Transformer stack built from its layer's arguments: args {<layerKey>: {...}, num_layers, norm?: {normalized_shape, eps}}. */
function stack(Stack: Ctor, Layer: Ctor, layerKey: string, leading: string[]): ModuleAdapter {
  return {
    build(args) {
      const layer = byArgs(Layer, ['d_model', 'nhead'])(args[layerKey] as Args);
      const n = args.norm as Args | null | undefined;
      const norm = n ? byArgs(nn.LayerNorm, ['normalized_shape'])(n) : null;
      return new Stack(layer, args.num_layers, { norm });
    },
    call: namedCall(leading),
  };
}

export const modules: Record<string, ModuleAdapter> = {
  Linear: simple(nn.Linear, ['in_features', 'out_features']),
  Embedding: simple(nn.Embedding, ['num_embeddings', 'embedding_dim']),
  LayerNorm: simple(nn.LayerNorm, ['normalized_shape']),
  RNN: recurrent(RNN),
  LSTM: recurrent(LSTM),
  GRU: recurrent(GRU),
  RNNCell: recurrent(RNNCell),
  LSTMCell: recurrent(LSTMCell),
  GRUCell: recurrent(GRUCell),
  MultiheadAttention: {
    build: (args) => byArgs(nn.MultiheadAttention, ['embed_dim', 'num_heads'])(
      Object.fromEntries(Object.entries(args).map(([k, v]) => [k === 'add_bias_kv' ? 'add_bias_k_v' : k, v])),
    ),
    // a self-attention case may list only `query` (PyTorch called it with the same tensor three times)
    call: (m, names, inputs, kwargs) =>
      namedCall(['query', 'key', 'value'])(m, names, { key: inputs.query, value: inputs.key ?? inputs.query, ...inputs }, kwargs),
  },
  TransformerEncoderLayer: { build: byArgs(nn.TransformerEncoderLayer, ['d_model', 'nhead']), call: namedCall(['src']) },
  TransformerDecoderLayer: { build: byArgs(nn.TransformerDecoderLayer, ['d_model', 'nhead']), call: namedCall(['tgt', 'memory']) },
  TransformerEncoder: stack(nn.TransformerEncoder, nn.TransformerEncoderLayer, 'encoder_layer', ['src']),
  TransformerDecoder: stack(nn.TransformerDecoder, nn.TransformerDecoderLayer, 'decoder_layer', ['tgt', 'memory']),
  Transformer: { build: byArgs(nn.Transformer, []), call: namedCall(['src', 'tgt']) },
  'ref.SinusoidalPositionalEncoding': simple(nn.SinusoidalPositionalEncoding, ['d_model']),
  'ref.LinearAttention': simple(nn.LinearAttention, ['d_model', 'n_heads']),
  'ref.AdditiveAttention': simple(nn.AdditiveAttention, ['query_dim', 'key_dim', 'hidden_dim']),
  Conv1d: simple(nn.Conv1d, ['in_channels', 'out_channels', 'kernel_size']),
  Conv2d: simple(nn.Conv2d, ['in_channels', 'out_channels', 'kernel_size']),
  MaxPool2d: simple(nn.MaxPool2d, ['kernel_size']),
  AvgPool2d: simple(nn.AvgPool2d, ['kernel_size']),
  AdaptiveAvgPool2d: simple(nn.AdaptiveAvgPool2d, ['output_size']),
  BatchNorm1d: simple(nn.BatchNorm1d, ['num_features']),
  BatchNorm2d: simple(nn.BatchNorm2d, ['num_features']),
  'ref.SqueezeExcitation': simple(SqueezeExcitation, ['channels']),
  'ref.PatchMerging': simple(PatchMerging, ['input_resolution', 'dim']),
  'ref.SwinBlock': simple(SwinBlock, ['dim', 'input_resolution', 'num_heads']),
  // the model takes one typed config object (imageSize, patchSize, ...), not positional arguments
  'ref.ViT': { build: (args) => new ViT(camelKeys(args) as Partial<ViTConfig>), call: plainCall },
};

type Fn = (inputs: Tensor[], kw: Args) => unknown;

export const functionals: Record<string, Fn> = {
  relu: ([x]) => nn.F.relu(x),
  gelu: ([x], kw) => nn.F.gelu(x, kw as { approximate?: 'none' | 'tanh' }),
  sigmoid: ([x]) => nn.F.sigmoid(x),
  tanh: ([x]) => nn.F.tanh(x),
  softmax: ([x], kw) => nn.F.softmax(x, kw.dim as number),
  log_softmax: ([x], kw) => nn.F.logSoftmax(x, kw.dim as number),
  cross_entropy: ([x, y], kw) => nn.F.crossEntropy(x, y, kw),
  nll_loss: ([x, y], kw) => nn.F.nllLoss(x, y, kw),
  mse_loss: ([x, y], kw) => nn.F.mseLoss(x, y, kw),
  // inputs query, key, value[, attn_mask]; a bool attn_mask is true = masked out (the fixtures' convention)
  scaled_dot_product_attention: ([q, k, v, mask], kw) => nn.F.scaledDotProductAttention(q, k, v, { ...kw, attnMask: mask ?? null }),
  // inputs input, weight[, bias]; kwargs stride, padding, dilation, groups
  conv1d: ([x, w, b], kw) => nn.F.conv1d(x, w, b ?? null, kw),
  conv2d: ([x, w, b], kw) => nn.F.conv2d(x, w, b ?? null, kw),
  max_pool2d: ([x], kw) => nn.F.maxPool2d(x, kw.kernelSize as number, kw),
  avg_pool2d: ([x], kw) => nn.F.avgPool2d(x, kw.kernelSize as number, kw),
  adaptive_avg_pool2d: ([x], kw) => nn.F.adaptiveAvgPool2d(x, kw.outputSize as number),
  binary_cross_entropy_with_logits: ([x, y], kw) => nn.F.binaryCrossEntropyWithLogits(x, y, kw),
  // inputs are gradients; outputs the clipped gradients and the total norm
  clip_grad_norm_: (grads, kw) => {
    const params = grads.map((g) => {
      const p = Tensor.empty(g.shape).fill_(0).requiresGrad_(true);
      p.grad = g.clone();
      return p;
    });
    const total = optim.clipGradNorm(params, kw.maxNorm as number, (kw.normType as number) ?? 2);
    return [...params.map((p) => p.grad), tensor(total)];
  },
};

type MakeOptim = (params: Tensor[], kw: Args) => { step(): void };

export const optimizers: Record<string, MakeOptim> = {
  SGD: (p, kw) => new optim.SGD(p, kw),
  Adam: (p, kw) => new optim.Adam(p, kw),
  AdamW: (p, kw) => new optim.AdamW(p, kw),
  RMSprop: (p, kw) => new optim.RMSprop(p, kw),
};
