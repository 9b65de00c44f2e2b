/**
 * GPT: a decoder-only Transformer language model in the shape of nanoGPT (Karpathy), with nanoGPT's
 * parameter names (`transformer.wte.weight`, `transformer.h.0.attn.c_attn.weight`, `lm_head.weight`, ...)
 * and initialisation, plus incremental decoding through a cache.
 *
 *   x = wte(ids) + wpe(positions)                       token + learned position embeddings
 *   x = x + attn(ln_1(x));  x = x + mlp(ln_2(x))        nLayer pre-LN blocks, causal self-attention
 *   logits = lm_head(ln_f(x))                           head tied to wte (default) or its own
 *
 * The self-attention is nanoGPT's softmax attention (`attention: 'softmax'`, the default), or causal
 * linear attention (`'linear'`: Katharopoulos et al. 2020, src/nn/attention/linear-attention.ts, O(T) per window
 * instead of O(T^2)), whose keys inside `attn` are LinearAttention's (`transformer.h.0.attn.qkv.weight`,
 * `transformer.h.0.attn.proj.weight`).
 *
 * With a cache, softmax attention writes each new token's keys and values into preallocated (B, nHead,
 * blockSize, headDim) buffers and its query attends over the cached prefix: generating token t costs O(t)
 * attention plus O(1) everything else, instead of recomputing the whole prefix. Linear attention caches
 * its running sums S = sum phi(k) v^T and z = sum phi(k) instead: each token costs O(1).
 *
 *   const gpt = new GPT({ vocabSize: 65, blockSize: 128, nLayer: 4, nHead: 4, nEmbd: 128 });
 *   const logits = gpt.forward(ids);                   // (B, T) int32 -> (B, T, 65)
 *   const out = gpt.eval().generate(prompt, 100, { temperature: 0.8, topK: 20 }); // (B, T + 100)
 *   const linear = new GPT({ vocabSize: 65, attention: 'linear' });
 */
import { noGrad } from '../core/autograd.js';
import { arange, fromArray } from '../core/creation.js';
import { defaultGenerator, type Generator } from '../core/random.js';
import { fmt } from '../core/shape.js';
import { Tensor } from '../core/tensor.js';
import { attention } from '../nn/attention/attention.js';
import { ModuleList } from '../nn/layers/containers.js';
import { Dropout } from '../nn/layers/dropout.js';
import { Embedding } from '../nn/layers/embedding.js';
import { kaimingUniform_, normal_, xavierUniform_, zeros_ } from '../nn/init.js';
import { LayerNorm } from '../nn/layers/layernorm.js';
import { Linear, linear } from '../nn/layers/linear.js';
import { LinearAttention, LinearAttentionState } from '../nn/attention/linear-attention.js';
import { Module } from '../nn/module.js';
import { Parameter } from '../nn/parameter.js';
import { pickToken, type SamplingOptions } from './sampling.js';

export interface GPTConfig {
  vocabSize: number;
  /** The longest context (number of learned positions) (default 256). */
  blockSize: number;
  /** Number of Transformer blocks (default 6). */
  nLayer: number;
  /** Attention heads per block; nEmbd must be divisible by it (default 6). */
  nHead: number;
  /** Width of the residual stream (default 384). */
  nEmbd: number;
  /**
   * Dropout while training on embeddings, attention weights and residual branches (default 0); with
   * linear attention, on embeddings and the MLP branches only.
   */
  dropout: number;
  /** lm_head shares its weight with the token embedding wte (default true). */
  tiedHead: boolean;
  /** Biases in Linear layers and LayerNorms (default true). */
  bias: boolean;
  /** Each block's causal self-attention: softmax, or linear (default 'softmax'). */
  attention: 'softmax' | 'linear';
  /**
   * Initialisation (default 'gpt2'): nanoGPT's N(0, 0.02), or 'pytorch', the defaults of the PyTorch
   * modules the same model is built from there (nn.Embedding, nn.Linear, nn.MultiheadAttention).
   */
  init: 'gpt2' | 'pytorch';
}

export const defaultGPTConfig: Omit<GPTConfig, 'vocabSize'> = {
  blockSize: 256, nLayer: 6, nHead: 6, nEmbd: 384, dropout: 0, tiedHead: true, bias: true, attention: 'softmax', init: 'gpt2',
};

/** One softmax layer's cached keys and values: (B, nHead, blockSize, headDim) buffers, the first `length` positions filled. */
export interface KVBuffers {
  k: Tensor;
  v: Tensor;
}

/** One layer's cache: keys and values (softmax attention) or the running sums (linear attention). */
export type LayerCache = KVBuffers | LinearAttentionState;

/** The decoding cache of a GPT for a batch of B sequences (`gpt.createCache(B)`). */
export class KVCache {
  /** How many positions are cached (the next token's position). */
  length = 0;
  constructor(readonly batch: number, readonly capacity: number, readonly layers: LayerCache[]) {}
  /** Forgets every position (key/value buffers are reused and overwritten; running sums go back to 0). */
  reset(): void {
    this.length = 0;
    for (const layer of this.layers) if (layer instanceof LinearAttentionState) layer.reset();
  }
}

class CausalSelfAttention extends Module {
  readonly cAttn: Linear;
  readonly cProj: Linear;
  readonly residDropout: Dropout;
  /** The attention weights (B, nHead, T, S) of the last forward with `needWeights`, else null. */
  lastAttentionWeights: Tensor | null = null;

  constructor(readonly config: GPTConfig, private readonly generator: Generator) {
    super();
    const { nEmbd: C, bias, dropout } = config;
    this.cAttn = this.registerModule('c_attn', new Linear(C, 3 * C, { bias }));
    this.cProj = this.registerModule('c_proj', new Linear(C, C, { bias }));
    this.residDropout = this.registerModule('resid_dropout', new Dropout(dropout, generator));
  }

  /** Empty (B, nh, blockSize, hs) key and value buffers. */
  createCache(batch: number): KVBuffers {
    const { nHead, nEmbd, blockSize } = this.config;
    const buf = () => {
      const t = Tensor.empty([batch, nHead, blockSize, nEmbd / nHead]); // (B, nh, blockSize, hs)
      t.storage.kept = true;
      return t;
    };
    return { k: buf(), v: buf() };
  }

  /** x (B, T, C) at positions past..past+T-1; with `cache`, attends over the cached prefix too. */
  forward(x: Tensor, cache: KVBuffers | null, past: number, needWeights: boolean): Tensor {
    const [B, T, C] = x.shape;
    const nh = this.config.nHead;
    const hs = C / nh;
    const heads = (t: Tensor) => t.reshape(B, T, nh, hs).transpose(1, 2); // (B, T, C) -> (B, nh, T, hs)
    const [q, k, v] = this.cAttn.forward(x).split(C, 2); // 3 x (B, T, C)
    let kh = heads(k);
    let vh = heads(v);
    if (cache) {
      cache.k.narrow(2, past, T).copy_(kh);
      cache.v.narrow(2, past, T).copy_(vh);
      kh = cache.k.narrow(2, 0, past + T); // (B, nh, past + T, hs)
      vh = cache.v.narrow(2, 0, past + T);
    }
    const [y, w] = attention(heads(q), kh, vh, {
      isCausal: true, causalOffset: past, needWeights,
      dropoutP: this.training ? this.config.dropout : 0, generator: this.generator,
    });
    this.lastAttentionWeights = w ? w.detach() : null;
    return this.residDropout.forward(this.cProj.forward(y.transpose(1, 2).reshape(B, T, C))); // (B, nh, T, hs) -> (B, T, C)
  }
}

class MLP extends Module {
  readonly cFc: Linear;
  readonly cProj: Linear;
  readonly dropout: Dropout;

  constructor(config: GPTConfig, generator: Generator) {
    super();
    const { nEmbd: C, bias } = config;
    this.cFc = this.registerModule('c_fc', new Linear(C, 4 * C, { bias }));
    this.cProj = this.registerModule('c_proj', new Linear(4 * C, C, { bias }));
    this.dropout = this.registerModule('dropout', new Dropout(config.dropout, generator));
  }

  forward(x: Tensor): Tensor {
    return this.dropout.forward(this.cProj.forward(this.cFc.forward(x).gelu())); // (B, T, C) -> (B, T, 4C) -> (B, T, C)
  }
}

class Block extends Module {
  readonly ln1: LayerNorm;
  readonly attn: CausalSelfAttention | LinearAttention;
  readonly ln2: LayerNorm;
  readonly mlp: MLP;

  constructor(config: GPTConfig, generator: Generator) {
    super();
    const { nEmbd: C, nHead, bias } = config;
    this.ln1 = this.registerModule('ln_1', new LayerNorm(C, { bias }));
    this.attn = this.registerModule('attn', config.attention === 'linear' ? new LinearAttention(C, nHead, { causal: true, bias }) : new CausalSelfAttention(config, generator));
    this.ln2 = this.registerModule('ln_2', new LayerNorm(C, { bias }));
    this.mlp = this.registerModule('mlp', new MLP(config, generator));
  }

  createCache(batch: number): LayerCache {
    return this.attn instanceof LinearAttention ? this.attn.zeroState(batch) : this.attn.createCache(batch);
  }

  forward(x: Tensor, cache: LayerCache | null, past: number, needWeights: boolean): Tensor {
    const h = this.ln1.forward(x);
    const a = this.attn instanceof LinearAttention
      ? this.attn.forward(h, cache as LinearAttentionState | null) // the state holds the past positions
      : this.attn.forward(h, cache as KVBuffers | null, past, needWeights);
    x = x.add(a);
    return x.add(this.mlp.forward(this.ln2.forward(x)));
  }
}

/** nanoGPT's `transformer` ModuleDict, typed. */
class GPTBody extends Module {
  readonly wte: Embedding;
  readonly wpe: Embedding;
  readonly drop: Dropout;
  readonly h: ModuleList<Block>;
  readonly lnF: LayerNorm;

  constructor(config: GPTConfig, generator: Generator) {
    super();
    this.wte = this.registerModule('wte', new Embedding(config.vocabSize, config.nEmbd));
    this.wpe = this.registerModule('wpe', new Embedding(config.blockSize, config.nEmbd));
    this.drop = this.registerModule('drop', new Dropout(config.dropout, generator));
    this.h = this.registerModule('h', new ModuleList(Array.from({ length: config.nLayer }, () => new Block(config, generator))));
    this.lnF = this.registerModule('ln_f', new LayerNorm(config.nEmbd, { bias: config.bias }));
  }
}

/** The output projection `lm_head` (no bias); its weight may be wte's. */
class Head extends Module {
  constructor(readonly weight: Tensor) {
    super();
    this.registerParameter('weight', weight);
  }
  forward(x: Tensor): Tensor {
    return linear(x, this.weight); // (B, T, C) -> (B, T, V)
  }
}

export interface GPTForwardOptions {
  /** Keep each block's attention weights in `gpt.attentionWeights()` (default false). */
  needWeights?: boolean;
}

export interface GenerateOptions extends SamplingOptions {
  generator?: Generator;
}

export class GPT extends Module {
  readonly config: GPTConfig;
  readonly transformer: GPTBody;
  readonly lmHead: Head;

  constructor(config: Partial<GPTConfig> & { vocabSize: number }, { generator = defaultGenerator }: { generator?: Generator } = {}) {
    super();
    const c: GPTConfig = { ...defaultGPTConfig, ...config };
    for (const k of ['vocabSize', 'blockSize', 'nLayer', 'nHead', 'nEmbd'] as const)
      if (!Number.isInteger(c[k]) || c[k] <= 0) throw new RangeError(`GPT: config.${k} must be a positive integer, got ${c[k]}`);
    if (c.nEmbd % c.nHead !== 0) throw new RangeError(`GPT: nEmbd (${c.nEmbd}) must be divisible by nHead (${c.nHead})`);
    if (!(c.dropout >= 0 && c.dropout < 1)) throw new RangeError(`GPT: dropout must be in [0, 1), got ${c.dropout}`);
    if (c.attention !== 'softmax' && c.attention !== 'linear') throw new RangeError(`GPT: attention must be 'softmax' or 'linear', got ${String(c.attention)}`);
    if (c.init !== 'gpt2' && c.init !== 'pytorch') throw new RangeError(`GPT: init must be 'gpt2' or 'pytorch', got ${String(c.init)}`);
    this.config = c;
    this.transformer = this.registerModule('transformer', new GPTBody(c, generator));
    const headWeight = c.tiedHead ? this.transformer.wte.weight : Parameter(Tensor.empty([c.vocabSize, c.nEmbd]));
    this.lmHead = this.registerModule('lm_head', new Head(headWeight));
    this.resetParameters(generator);
  }

  /**
   * 'gpt2' (nanoGPT): Linear and Embedding weights N(0, 0.02), biases 0, the residual projections
   * (`c_proj`, linear attention's `attn.proj`) N(0, 0.02 / sqrt(2 nLayer)).
   * 'pytorch': what the layers' own constructors drew (Embedding N(0, 1), Linear U(+-1/sqrt(fan_in))),
   * with softmax attention's c_attn as nn.MultiheadAttention's in_proj (Xavier uniform, bias 0) and its
   * c_proj bias 0 like out_proj; an untied head as an nn.Linear weight.
   */
  resetParameters(generator: Generator = defaultGenerator): void {
    const std = 0.02;
    for (const [name, p] of this.namedParameters()) {
      if (this.config.init === 'pytorch') {
        if (name === 'lm_head.weight') kaimingUniform_(p, Math.sqrt(5), { generator });
        else if (this.config.attention === 'softmax' && name.endsWith('attn.c_attn.weight')) xavierUniform_(p, 1, generator);
        else if (this.config.attention === 'softmax' && /attn\.c_(attn|proj)\.bias$/.test(name)) zeros_(p);
      } else if (name.endsWith('c_proj.weight') || name.endsWith('attn.proj.weight')) normal_(p, 0, std / Math.sqrt(2 * this.config.nLayer), generator);
      else if (name.includes('ln_')) continue; // LayerNorms keep ones and zeros
      else if (name.endsWith('.bias')) zeros_(p);
      else normal_(p, 0, std, generator);
    }
  }

  /** ids (B, T) int32, T <= blockSize -> logits (B, T, vocabSize), every position seeing only its prefix. */
  forward(ids: Tensor, opts: GPTForwardOptions = {}): Tensor {
    return this.run(ids, null, 0, opts.needWeights ?? false);
  }

  /** An empty cache for `batch` sequences of up to blockSize positions. */
  createCache(batch: number): KVCache {
    return new KVCache(batch, this.config.blockSize, [...this.transformer.h].map((block) => block.createCache(batch)));
  }

  /**
   * Incremental decoding without gradients: ids (B, T) int32 are the next T tokens after the
   * `cache.length` cached ones; returns their logits (B, T, vocabSize) and appends them to the cache.
   * step(ids[:, :t]) then step(ids[:, t:]) gives the logits of forward(ids).
   */
  step(ids: Tensor, cache: KVCache): Tensor {
    const [B, T] = ids.shape;
    if (ids.ndim !== 2 || B !== cache.batch) throw new Error(`GPT.step: ids must be (B, T) with B = ${cache.batch} (the cache's batch), got ${fmt(ids.shape)}`);
    if (cache.length + T > cache.capacity)
      throw new Error(`GPT.step: ${cache.length} cached + ${T} new positions exceed blockSize ${cache.capacity}; reset the cache and re-feed a shorter context`);
    const past = cache.length;
    const logits = noGrad(() => this.run(ids, cache, past, false));
    cache.length += T;
    return logits;
  }

  private run(ids: Tensor, cache: KVCache | null, past: number, needWeights: boolean): Tensor {
    if (ids.ndim !== 2 || ids.dtype !== 'int32') throw new Error(`GPT: ids must be (B, T) int32, got ${fmt(ids.shape)} ${ids.dtype}`);
    const T = ids.shape[1];
    if (past + T > this.config.blockSize)
      throw new Error(`GPT: cannot forward a sequence of length ${past + T}, block size is only ${this.config.blockSize}`);
    const tr = this.transformer;
    const pos = arange(past, past + T, 1, { dtype: 'int32' }); // (T)
    let x = tr.drop.forward(tr.wte.forward(ids).add(tr.wpe.forward(pos))); // (B, T, C) + (T, C)
    [...tr.h].forEach((block, i) => (x = block.forward(x, cache ? cache.layers[i] : null, past, needWeights)));
    return this.lmHead.forward(tr.lnF.forward(x)); // (B, T, V)
  }

  /** Each block's attention weights (B, nHead, T, T) from the last forward with `needWeights`, else nulls (always with linear attention). */
  attentionWeights(): (Tensor | null)[] {
    return [...this.transformer.h].map((b) => (b.attn instanceof CausalSelfAttention ? b.attn.lastAttentionWeights : null));
  }

  /**
   * Appends `maxNewTokens` sampled tokens to each row of `ids` (B, T) int32 and returns (B, T +
   * maxNewTokens), using the cache. Sampling as `pickToken` (greedy, temperature, topK,
   * topP). Past blockSize the context slides: the cache is refilled with the last blockSize tokens,
   * as nanoGPT crops its context. Call `eval()` first to turn dropout off.
   */
  generate(ids: Tensor, maxNewTokens: number, { generator = defaultGenerator, ...sampling }: GenerateOptions = {}): Tensor {
    if (ids.ndim !== 2 || ids.dtype !== 'int32' || ids.shape[1] === 0) throw new Error(`GPT.generate: ids must be (B, T >= 1) int32, got ${fmt(ids.shape)} ${ids.dtype}`);
    const [B, T0] = ids.shape;
    const V = this.config.vocabSize;
    const bs = this.config.blockSize;
    const seqs = Array.from({ length: B }, (_, b) => Array.from(ids.select(0, b).toArray()));
    const cache = this.createCache(B);
    const window = () => fromArray(seqs.flatMap((s) => s.slice(-bs)), [B, Math.min(bs, seqs[0].length)], { dtype: 'int32' });
    let logits = this.step(window(), cache);
    for (let n = 0; n < maxNewTokens; n++) {
      const last = logits.select(1, logits.shape[1] - 1).toArray(); // (B, V)
      const next = seqs.map((s, b) => {
        const t = pickToken(last.subarray(b * V, (b + 1) * V), sampling, generator);
        s.push(t);
        return t;
      });
      if (n === maxNewTokens - 1) break;
      if (cache.length < bs) logits = this.step(fromArray(next, [B, 1], { dtype: 'int32' }), cache);
      else {
        cache.reset();
        logits = this.step(window(), cache);
      }
    }
    return fromArray(seqs.flat(), [B, T0 + maxNewTokens], { dtype: 'int32' });
  }

  override extraRepr(): string {
    const { vocabSize, blockSize, nLayer, nHead, nEmbd } = this.config;
    return `vocab_size=${vocabSize}, block_size=${blockSize}, n_layer=${nLayer}, n_head=${nHead}, n_embd=${nEmbd}`;
  }
}
