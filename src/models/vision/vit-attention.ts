/**
 * What a ViT (vit.ts) attends to: the forward pass of a ViT with each block's attention weights kept,
 * for the playground's `patches` view (a heat map over an image's patches).
 *
 *   A_l = softmax(q k^T / sqrt(hd))   (B, heads, n + 1, n + 1) in block l, token 0 the class token
 *   clsAttention = A_last[:, :, 0, 1:] reshaped (B, heads, g, g), g = imageSize / patchSize
 *   rollout = prod_l (0.5 I + 0.5 mean_heads A_l), row 0 over the patches, (B, g, g) (Abnar & Zuidema 2020)
 *
 * Computed without gradients; the model's mode is left as it was (call `eval()` first for inference).
 *
 * @example
 *   vit.eval();
 *   const { logits, clsAttention } = vitAttention(vit, images); // images (B, 1, 28, 28)
 *   clsAttention.toArray(); // (B, 4, 4, 4) for patch 7: each head's attention from the class token to the 16 patches
 */
import { noGrad } from '../../core/autograd.js';
import { eye } from '../../core/creation.js';
import { cat } from '../../core/ops/join.js';
import { fmt } from '../../core/shape.js';
import type { Tensor } from '../../core/tensor.js';
import { attention } from '../../nn/attention/attention.js';
import type { ViT, ViTBlock } from './vit.js';

export interface ViTAttentionMaps {
  /** (B, numClasses). */
  logits: Tensor;
  /** Each block's attention weights (B, heads, n + 1, n + 1), first block first. */
  weights: Tensor[];
  /** The last block's attention from the class token to the patches, (B, heads, g, g). */
  clsAttention: Tensor;
  /** Attention rollout from the class token to the patches, (B, g, g); each image's map sums to 1. */
  rollout: Tensor;
}

/** One pre-LN block as ViTBlock.forward, returning the attention weights too. */
function blockWithWeights(block: ViTBlock, x: Tensor): [Tensor, Tensor] {
  const [B, N, C] = x.shape;
  const a = block.attn;
  const h = a.heads;
  const qkv = a.qkv.forward(block.norm1.forward(x)).reshape([B, N, 3, h, C / h]).permute(2, 0, 3, 1, 4); // (3, B, h, N, hd)
  const [q, k, v] = [0, 1, 2].map((i) => qkv.select(0, i)); // each (B, h, N, hd)
  const [out, w] = attention(q, k, v, { scale: Math.floor(C / h) ** -0.5, needWeights: true }); // (B, h, N, hd), (B, h, N, N)
  const y = x.add(a.proj.forward(out.transpose(1, 2).reshape([B, N, C])));
  return [y.add(block.mlp.forward(block.norm2.forward(y))), w!];
}

/** The ViT's logits and attention maps for `images` (B, inChannels, imageSize, imageSize). */
export function vitAttention(vit: ViT, images: Tensor): ViTAttentionMaps {
  return noGrad(() => {
    const { imageSize: S, patchSize: P, dim } = vit.config;
    const g = S / P;
    const B = images.shape[0];
    const C = vit.config.inChannels;
    if (images.ndim !== 4 || images.shape[1] !== C || images.shape[2] !== S || images.shape[3] !== S)
      throw new Error(`vitAttention: expected images (B, ${C}, ${S}, ${S}), got ${fmt(images.shape)}`);
    const patches = vit.patchEmbed.forward(images); // (B, n, dim)
    let x = cat([vit.clsToken.expand([B, 1, dim]), patches], 1).add(vit.posEmbed); // (B, n + 1, dim)
    const weights: Tensor[] = [];
    for (const block of vit.blocks) {
      const [y, w] = blockWithWeights(block, x);
      x = y;
      weights.push(w);
    }
    const logits = vit.head.forward(vit.norm.forward(x).select(1, 0)); // (B, numClasses)
    const last = weights[weights.length - 1];
    const clsAttention = last.select(2, 0).narrow(2, 1, g * g).reshape([B, last.shape[1], g, g]).contiguous(); // (B, h, g, g)
    const N = g * g + 1;
    const id = eye(N).mul(0.5); // (N, N)
    let roll: Tensor = eye(N).expand([B, N, N]).contiguous();
    for (const w of weights) roll = id.add(w.mean(1).mul(0.5)).matmul(roll); // (B, N, N)
    const fromCls = roll.select(1, 0).narrow(1, 1, g * g); // (B, n)
    const rollout = fromCls.div(fromCls.sum(1, true)).reshape([B, g, g]).contiguous();
    return { logits, weights, clsAttention, rollout };
  });
}
