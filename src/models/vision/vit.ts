/**
 * ViT: the Vision Transformer (Dosovitskiy et al. 2021), as the parity reference module `ViT` defines it,
 * with timm's parameter names (`patch_embed.proj.weight`, `cls_token`, `pos_embed`,
 * `blocks.0.attn.qkv.weight`, `norm`, `head`).
 *
 *   z0 = [x_cls; x_p^1 E; ...; x_p^n E] + E_pos      patches (a strided Conv2d) + class token + positions
 *   z = z + attn(norm1(z));  z = z + mlp(norm2(z))   `depth` pre-LN blocks, GELU MLP
 *   logits = head(norm(z)[:, 0])                     classify from the class token
 *
 *   const vit = new ViT({ imageSize: 28, patchSize: 7, inChannels: 1, numClasses: 10 });
 *   const logits = vit.forward(images); // (B, 1, 28, 28) -> (B, 10)
 */
import type { Generator } from '../../core/random.js';
import { cat } from '../../core/ops/join.js';
import { fmt } from '../../core/shape.js';
import { Tensor } from '../../core/tensor.js';
import { attention } from '../../nn/attention/attention.js';
import { ModuleList } from '../../nn/layers/containers.js';
import { Conv2d } from '../../nn/vision/conv.js';
import { normal_ } from '../../nn/init.js';
import { LayerNorm } from '../../nn/layers/layernorm.js';
import { Linear } from '../../nn/layers/linear.js';
import { Mlp } from '../../nn/layers/mlp.js';
import { Module } from '../../nn/module.js';
import { Parameter } from '../../nn/parameter.js';

export interface ViTConfig {
  /** Side of the square input images (default 28). */
  imageSize: number;
  /** Side of the square patches; must divide imageSize (default 7). */
  patchSize: number;
  /** Channels of the input images (default 1). */
  inChannels: number;
  /** Number of output logits (default 10). */
  numClasses: number;
  /** Width of the token embeddings (default 64). */
  dim: number;
  /** Number of Transformer blocks (default 4). */
  depth: number;
  /** Attention heads per block; dim must be divisible by it (default 4). */
  heads: number;
  /** Hidden width of each block's MLP (default 128). */
  mlpDim: number;
}

/** A small ViT sized for 28 x 28 greyscale images (Fashion-MNIST): 16 patches of 7 x 7. */
export const defaultViTConfig: ViTConfig = {
  imageSize: 28, patchSize: 7, inChannels: 1, numClasses: 10, dim: 64, depth: 4, heads: 4, mlpDim: 128,
};

/** Images (B, C, H, W) -> patch embeddings (B, n, dim) through a Conv2d with kernel = stride = patchSize. */
export class PatchEmbed extends Module {
  readonly proj: Conv2d;

  constructor(readonly patchSize: number, inChannels: number, dim: number, { generator }: { generator?: Generator } = {}) {
    super();
    this.proj = this.registerModule('proj', new Conv2d(inChannels, dim, patchSize, { stride: patchSize, generator }));
  }

  forward(x: Tensor): Tensor {
    return this.proj.forward(x).flatten(2).transpose(1, 2); // (B, dim, H/p, W/p) -> (B, dim, n) -> (B, n, dim)
  }
}

/** Multi-head self-attention with a packed `qkv` projection: softmax(q k^T / sqrt(hd)) v, then `proj`. */
export class ViTAttention extends Module {
  readonly qkv: Linear;
  readonly proj: Linear;

  constructor(readonly dim: number, readonly heads: number, { generator }: { generator?: Generator } = {}) {
    super();
    if (dim % heads !== 0) throw new RangeError(`ViT attention: dim ${dim} must be divisible by heads ${heads}`);
    this.qkv = this.registerModule('qkv', new Linear(dim, 3 * dim, { generator }));
    this.proj = this.registerModule('proj', new Linear(dim, dim, { generator }));
  }

  forward(x: Tensor): Tensor {
    const [B, N, C] = x.shape;
    const h = this.heads;
    const qkv = this.qkv.forward(x).reshape([B, N, 3, h, C / h]).permute(2, 0, 3, 1, 4); // (3, B, h, N, hd)
    const [q, k, v] = [0, 1, 2].map((i) => qkv.select(0, i)); // each (B, h, N, hd)
    const [out] = attention(q, k, v, { scale: Math.floor(C / h) ** -0.5, needWeights: false }); // (B, h, N, hd)
    return this.proj.forward(out.transpose(1, 2).reshape([B, N, C])); // (B, N, C)
  }
}

/** A pre-LN Transformer block: x + attn(norm1(x)), then + mlp(norm2(x)). */
export class ViTBlock extends Module {
  readonly norm1: LayerNorm;
  readonly attn: ViTAttention;
  readonly norm2: LayerNorm;
  readonly mlp: Mlp;

  constructor(dim: number, heads: number, mlpDim: number, { generator }: { generator?: Generator } = {}) {
    super();
    this.norm1 = this.registerModule('norm1', new LayerNorm(dim));
    this.attn = this.registerModule('attn', new ViTAttention(dim, heads, { generator }));
    this.norm2 = this.registerModule('norm2', new LayerNorm(dim));
    this.mlp = this.registerModule('mlp', new Mlp(dim, mlpDim, { generator }));
  }

  forward(x: Tensor): Tensor {
    const h = x.add(this.attn.forward(this.norm1.forward(x)));
    return h.add(this.mlp.forward(this.norm2.forward(h)));
  }
}

/**
 * The Vision Transformer. Shapes: images (B, inChannels, imageSize, imageSize) -> logits (B, numClasses).
 * Parameters: `cls_token` (1, 1, dim) and `pos_embed` (1, n + 1, dim), both N(0, 0.5^2) as the reference
 * module, n = (imageSize / patchSize)^2; `patch_embed.proj` Conv2d; `blocks.{i}`; `norm`; `head`.
 */
export class ViT extends Module {
  readonly config: ViTConfig;
  readonly patchEmbed: PatchEmbed;
  readonly clsToken: Tensor;
  readonly posEmbed: Tensor;
  readonly blocks: ModuleList<ViTBlock>;
  readonly norm: LayerNorm;
  readonly head: Linear;

  constructor(config: Partial<ViTConfig> = {}, { generator }: { generator?: Generator } = {}) {
    super();
    const c = (this.config = { ...defaultViTConfig, ...config });
    for (const [k, v] of Object.entries(c))
      if (!Number.isInteger(v) || (v as number) < 1) throw new RangeError(`ViT: ${k} must be a positive integer, got ${v}`);
    if (c.imageSize % c.patchSize !== 0) throw new RangeError(`ViT: patchSize ${c.patchSize} must divide imageSize ${c.imageSize}`);
    const n = (c.imageSize / c.patchSize) ** 2;
    this.patchEmbed = this.registerModule('patch_embed', new PatchEmbed(c.patchSize, c.inChannels, c.dim, { generator }));
    this.clsToken = this.registerParameter('cls_token', Parameter(normal_(Tensor.empty([1, 1, c.dim]), 0, 0.5, generator)));
    this.posEmbed = this.registerParameter('pos_embed', Parameter(normal_(Tensor.empty([1, n + 1, c.dim]), 0, 0.5, generator)));
    this.blocks = this.registerModule('blocks', new ModuleList(Array.from({ length: c.depth }, () => new ViTBlock(c.dim, c.heads, c.mlpDim, { generator }))));
    this.norm = this.registerModule('norm', new LayerNorm(c.dim));
    this.head = this.registerModule('head', new Linear(c.dim, c.numClasses, { generator }));
  }

  forward(images: Tensor): Tensor {
    const { imageSize: S, inChannels: C } = this.config;
    if (images.ndim !== 4 || images.shape[1] !== C || images.shape[2] !== S || images.shape[3] !== S)
      throw new Error(`ViT: expected images (B, ${C}, ${S}, ${S}), got ${fmt(images.shape)}`);
    const B = images.shape[0];
    const patches = this.patchEmbed.forward(images); // (B, n, dim)
    let x = cat([this.clsToken.expand([B, 1, this.config.dim]), patches], 1).add(this.posEmbed); // (B, n + 1, dim)
    for (const block of this.blocks) x = block.forward(x);
    return this.head.forward(this.norm.forward(x).select(1, 0)); // class token (B, dim) -> (B, numClasses)
  }
}
