/**
 * The tiny Swin (src/models/vision/swin-tiny.ts, blocks of swin.ts) as an ONNX graph of standard
 * operators. Shapes: B batch, Hi x Wi the token grid of a stage, C its width, ws the window side,
 * N = ws^2 tokens per window, nW windows per image, nh heads, hs head size.
 *
 *   tokens = LayerNorm(patches(stem(x)))    stem: Conv, BatchNormalization, Relu (when the config has one)
 *   block:  h = roll(norm1(x), -shift)        two Slice + Concat per axis   (B, Hi, Wi, C)
 *           windows = Reshape/Transpose of h                               (B nW, N, C)
 *           scores = q k^T * scale + bias[h, i, j] (+ mask[w, i, j] when shifted)
 *             bias = Transpose(Reshape(Gather(relative_position_bias_table, relative_position_index)))  (nh, N, N)
 *             mask = the block's attn_mask buffer (nW, 1, N, N), added to the scores viewed (B, nW, nh, N, N)
 *           x = x + roll(windows back, +shift);  x = x + mlp(norm2(x))
 *   merging: cat[x(0::2, 0::2), x(1::2, 0::2), x(0::2, 1::2), x(1::2, 1::2)] -> norm -> reduction
 *   logits = head(ReduceMean_tokens(norm(x)))                              (B, K)
 */
import type { GraphBuilder } from '../../io/onnx/graph.js';
import { attend, mergeHeads, packedQKV, transposeKeys } from './attention.js';
import { batchNorm, conv2d, layerNorm, linear, mlp, patchEmbed, type Weights } from './layers.js';

type Config = Record<string, never>;

/** torch.roll(x, shift, axis) for a fixed size n along the axis: Concat(x[n - k:], x[:n - k]). */
function roll(g: GraphBuilder, x: string, shift: number, axis: number, n: number): string {
  const k = ((shift % n) + n) % n;
  if (k === 0) return x;
  const part = (from: number, to: number) => g.node('Slice', [x, g.int64([from]), g.int64([to]), g.int64([axis])]);
  return g.node('Concat', [part(n - k, n), part(0, n - k)], { axis }, 'roll');
}

/** Window attention of one block over windows (B nW, N, C); `mask` the attn_mask (nW, N, N) initializer, or null. */
function windowAttention(g: GraphBuilder, w: Weights, p: string, x: string, C: number, nh: number, ws: number, mask: { value: string; nW: number } | null): string {
  const N = ws * ws;
  const hs = Math.floor(C / nh);
  const [q, k, v] = packedQKV(g, w, `${p}.qkv`, x, nh, hs); // each (B nW, nh, N, hs)
  const index = w.get(`${p}.relative_position_index`, [N, N]);
  const idx = g.weight(`${p}.relative_position_index`, BigInt64Array.from(index.data, (i) => BigInt(i)), [N * N]);
  const table = g.node('Gather', [w.initializer(g, `${p}.relative_position_bias_table`), idx], { axis: 0 }); // (N N, nh)
  const bias = g.node('Transpose', [g.node('Reshape', [table, g.int64([N, N, nh])])], { perm: [2, 0, 1] }, `${p}.bias`); // (nh, N, N)
  if (!mask) return linear(g, w, `${p}.proj`, mergeHeads(g, attend(g, q, transposeKeys(g, k), v, hs ** -0.5, [bias], p), C));
  const nW = mask.nW;
  // the scores viewed per image (B, nW, nh, N, N) so that window w gets mask w, then back to (B nW, nh, N, N)
  const qw = g.node('Reshape', [q, g.int64([-1, nW, nh, N, hs])]);
  const kw = g.node('Reshape', [transposeKeys(g, k), g.int64([-1, nW, nh, hs, N])]);
  const vw = g.node('Reshape', [v, g.int64([-1, nW, nh, N, hs])]);
  const m = g.node('Unsqueeze', [mask.value, g.int64([1])]); // (nW, 1, N, N)
  const out = g.node('Reshape', [attend(g, qw, kw, vw, hs ** -0.5, [bias, m], p), g.int64([-1, nh, N, hs])]);
  return linear(g, w, `${p}.proj`, mergeHeads(g, out, C));
}

/** One Swin block on an R x R grid: (B, R R, C) -> (B, R R, C). */
function swinBlock(g: GraphBuilder, w: Weights, p: string, x: string, R: number, C: number, nh: number, ws: number, shift: number): string {
  let h = g.node('Reshape', [layerNorm(g, w, `${p}.norm1`, x), g.int64([-1, R, R, C])]); // (B, R, R, C)
  h = roll(g, roll(g, h, -shift, 1, R), -shift, 2, R);
  const r = R / ws;
  const part = g.node('Transpose', [g.node('Reshape', [h, g.int64([-1, r, ws, r, ws, C])])], { perm: [0, 1, 3, 2, 4, 5] }); // (B, r, r, ws, ws, C)
  const windows = g.node('Reshape', [part, g.int64([-1, ws * ws, C])], {}, `${p}.windows`); // (B nW, N, C)
  const mask = shift ? { value: w.initializer(g, `${p}.attn_mask`), nW: r * r } : null;
  const a = windowAttention(g, w, `${p}.attn`, windows, C, nh, ws, mask); // (B nW, N, C)
  const back = g.node('Transpose', [g.node('Reshape', [a, g.int64([-1, r, r, ws, ws, C])])], { perm: [0, 1, 3, 2, 4, 5] }); // (B, r, ws, r, ws, C)
  h = roll(g, roll(g, g.node('Reshape', [back, g.int64([-1, R, R, C])]), shift, 1, R), shift, 2, R);
  const y = g.node('Add', [x, g.node('Reshape', [h, g.int64([-1, R * R, C])])], {}, `${p}.attn_residual`);
  return g.node('Add', [y, mlp(g, w, `${p}.mlp`, layerNorm(g, w, `${p}.norm2`, y))], {}, `${p}.mlp_residual`);
}

/** PatchMerging: (B, R R, C) -> (B, R/2 R/2, 2C). */
function patchMerging(g: GraphBuilder, w: Weights, p: string, x: string, R: number, C: number): string {
  const grid = g.node('Reshape', [x, g.int64([-1, R, R, C])]);
  const at = (r: number, c: number) => g.node('Slice', [grid, g.int64([r, c]), g.int64([R, R]), g.int64([1, 2]), g.int64([2, 2])]); // (B, R/2, R/2, C)
  const merged = g.node('Reshape', [g.node('Concat', [at(0, 0), at(1, 0), at(0, 1), at(1, 1)], { axis: -1 }), g.int64([-1, (R / 2) ** 2, 4 * C])]);
  return linear(g, w, `${p}.reduction`, layerNorm(g, w, `${p}.norm`, merged));
}

/** SwinPatchEmbed before its LayerNorm, with the conv-BN-ReLU stem when the config has one: (B, C, Hi, Wi) -> (B, R R, dim). */
function swinPatchEmbed(g: GraphBuilder, w: Weights, x: string, c: Config): string {
  const p = c.patchSize as number;
  if (!c.stemChannels) return patchEmbed(g, w, 'patch_embed.proj', x, p);
  const stem = g.node('Relu', [batchNorm(g, w, 'patch_embed.stem.1', conv2d(g, w, 'patch_embed.stem.0', x, { padding: 1 }))], {}, 'stem'); // (B, s, Hi, Wi)
  return patchEmbed(g, w, 'patch_embed.proj', stem, p, Math.floor(p / 2));
}

/** Builds the SwinTiny graph from normalised images x (B, C, Hi, Wi); returns the logits (B, K) value. */
export function swinGraph(g: GraphBuilder, w: Weights, x: string, c: Config): string {
  const [depths, heads] = [c.depths as unknown as number[], c.heads as unknown as number[]];
  let z = layerNorm(g, w, 'patch_embed.norm', swinPatchEmbed(g, w, x, c)); // (B, R R, dim)
  let R = (c.imageSize as number) / (c.patchSize as number);
  let C = c.dim as number;
  for (const s of [0, 1]) {
    const ws = Math.min(c.windowSize, R);
    const shift = R <= c.windowSize ? 0 : Math.floor(ws / 2);
    for (let i = 0; i < depths[s]; i++) z = swinBlock(g, w, `layers.${s}.blocks.${i}`, z, R, C, heads[s], ws, i % 2 ? shift : 0);
    if (s === 0) {
      z = patchMerging(g, w, 'layers.0.downsample', z, R, C);
      [R, C] = [R / 2, 2 * C];
    }
  }
  const pooled = g.node('ReduceMean', [layerNorm(g, w, 'norm', z)], { axes: [1], keepdims: 0 }, 'pooled'); // (B, 2 dim)
  return linear(g, w, 'head', pooled);
}
