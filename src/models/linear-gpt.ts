/**
 * Linear-attention GPT: the GPT of gpt.ts with each block's softmax self-attention replaced by causal
 * linear attention (Katharopoulos et al. 2020, "Transformers are RNNs", src/nn/linear-attention.ts),
 * so a window of T characters costs O(T) attention instead of O(T^2):
 *
 *   x = wte(ids) + wpe(positions)
 *   x = x + attn(ln_1(x));  x = x + mlp(ln_2(x))        attn: y_t = phi(q_t)^T S_t / (phi(q_t) . z_t)
 *   logits = lm_head(ln_f(x))                           head tied to wte (default)
 *
 * Parameter names follow nanoGPT's where the layers are the same (`transformer.wte.weight`,
 * `transformer.h.0.ln_1.weight`, `transformer.h.0.mlp.c_fc.weight`, `lm_head.weight`) and
 * LinearAttention's inside `attn` (`transformer.h.0.attn.qkv.weight`, `transformer.h.0.attn.proj.weight`).
 * Initialisation as nanoGPT: weights N(0, 0.02), the residual projections N(0, 0.02 / sqrt(2 nLayer)),
 * biases 0.
 *
 *   const lg = new LinearGPT({ vocabSize: 65, blockSize: 128, nLayer: 4, nHead: 4, nEmbd: 128, tiedHead: true });
 *   const logits = lg.forward(ids); // (B, T) int32 -> (B, T, 65)
 */
import { arange } from '../core/creation.js';
import { fmt } from '../core/shape.js';
import { Tensor } from '../core/tensor.js';
import { ModuleList } from '../nn/containers.js';
import { Embedding } from '../nn/embedding.js';
import { normal_, zeros_ } from '../nn/init.js';
import { LayerNorm } from '../nn/layernorm.js';
import { Linear, linear } from '../nn/linear.js';
import { LinearAttention } from '../nn/linear-attention.js';
import { Module } from '../nn/module.js';
import { Parameter } from '../nn/parameter.js';

export interface LinearGPTConfig {
  vocabSize: number;
  /** The longest window (number of learned positions). */
  blockSize: number;
  nLayer: number;
  /** Heads per block; nEmbd must be divisible by it. */
  nHead: number;
  /** Width of the residual stream. */
  nEmbd: number;
  /** lm_head shares its weight with the token embedding wte. */
  tiedHead: boolean;
}

/** The GPT configuration of the notes with linear attention: 4 layers, 4 heads, d_model 128, block 128. */
export const linearGPTDefaults: Omit<LinearGPTConfig, 'vocabSize'> = { blockSize: 128, nLayer: 4, nHead: 4, nEmbd: 128, tiedHead: true };

class MLP extends Module {
  readonly cFc: Linear;
  readonly cProj: Linear;

  constructor(C: number) {
    super();
    this.cFc = this.registerModule('c_fc', new Linear(C, 4 * C));
    this.cProj = this.registerModule('c_proj', new Linear(4 * C, C));
  }

  forward(x: Tensor): Tensor {
    return this.cProj.forward(this.cFc.forward(x).gelu()); // (B, T, C) -> (B, T, 4C) -> (B, T, C)
  }
}

class Block extends Module {
  readonly ln1: LayerNorm;
  readonly attn: LinearAttention;
  readonly ln2: LayerNorm;
  readonly mlp: MLP;

  constructor(c: LinearGPTConfig) {
    super();
    this.ln1 = this.registerModule('ln_1', new LayerNorm(c.nEmbd));
    this.attn = this.registerModule('attn', new LinearAttention(c.nEmbd, c.nHead, { causal: true }));
    this.ln2 = this.registerModule('ln_2', new LayerNorm(c.nEmbd));
    this.mlp = this.registerModule('mlp', new MLP(c.nEmbd));
  }

  forward(x: Tensor): Tensor {
    x = x.add(this.attn.forward(this.ln1.forward(x)));
    return x.add(this.mlp.forward(this.ln2.forward(x)));
  }
}

class Body extends Module {
  readonly wte: Embedding;
  readonly wpe: Embedding;
  readonly h: ModuleList<Block>;
  readonly lnF: LayerNorm;

  constructor(c: LinearGPTConfig) {
    super();
    this.wte = this.registerModule('wte', new Embedding(c.vocabSize, c.nEmbd));
    this.wpe = this.registerModule('wpe', new Embedding(c.blockSize, c.nEmbd));
    this.h = this.registerModule('h', new ModuleList(Array.from({ length: c.nLayer }, () => new Block(c))));
    this.lnF = this.registerModule('ln_f', new LayerNorm(c.nEmbd));
  }
}

class Head extends Module {
  constructor(readonly weight: Tensor) {
    super();
    this.registerParameter('weight', weight);
  }

  forward(x: Tensor): Tensor {
    return linear(x, this.weight); // (B, T, C) -> (B, T, V)
  }
}

export class LinearGPT extends Module {
  readonly config: LinearGPTConfig;
  readonly transformer: Body;
  readonly lmHead: Head;

  constructor(config: LinearGPTConfig) {
    super();
    for (const k of ['vocabSize', 'blockSize', 'nLayer', 'nHead', 'nEmbd'] as const)
      if (!Number.isInteger(config[k]) || config[k] <= 0) throw new RangeError(`LinearGPT: config.${k} must be a positive integer, got ${config[k]}`);
    if (config.nEmbd % config.nHead !== 0) throw new RangeError(`LinearGPT: nEmbd (${config.nEmbd}) must be divisible by nHead (${config.nHead})`);
    this.config = { ...config };
    this.transformer = this.registerModule('transformer', new Body(config));
    const head = config.tiedHead ? this.transformer.wte.weight : Parameter(Tensor.empty([config.vocabSize, config.nEmbd]));
    this.lmHead = this.registerModule('lm_head', new Head(head));
    this.resetParameters();
  }

  /** nanoGPT's initialisation; the residual projections (`c_proj`, `attn.proj`) scaled by 1/sqrt(2 nLayer). */
  resetParameters(): void {
    const std = 0.02;
    for (const [name, p] of this.namedParameters()) {
      if (name.includes('ln_')) continue; // LayerNorms keep ones and zeros
      if (name.endsWith('c_proj.weight') || name.endsWith('attn.proj.weight')) normal_(p, 0, std / Math.sqrt(2 * this.config.nLayer));
      else if (name.endsWith('.bias')) zeros_(p);
      else normal_(p, 0, std);
    }
  }

  /** ids (B, T) int32, T <= blockSize -> logits (B, T, vocabSize), each position seeing only its prefix. */
  forward(ids: Tensor): Tensor {
    if (ids.ndim !== 2 || ids.dtype !== 'int32') throw new Error(`LinearGPT: ids must be (B, T) int32, got ${fmt(ids.shape)} ${ids.dtype}`);
    const T = ids.shape[1];
    if (T > this.config.blockSize) throw new Error(`LinearGPT: cannot forward a sequence of length ${T}, block size is only ${this.config.blockSize}`);
    const tr = this.transformer;
    let x = tr.wte.forward(ids).add(tr.wpe.forward(arange(0, T, 1, { dtype: 'int32' }))); // (B, T, C) + (T, C)
    for (const block of tr.h) x = block.forward(x);
    return this.lmHead.forward(tr.lnF.forward(x)); // (B, T, V)
  }

  override extraRepr(): string {
    const { vocabSize, blockSize, nLayer, nHead, nEmbd } = this.config;
    return `vocab_size=${vocabSize}, block_size=${blockSize}, n_layer=${nLayer}, n_head=${nHead}, n_embd=${nEmbd}`;
  }
}
