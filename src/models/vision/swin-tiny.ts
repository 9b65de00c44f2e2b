/**
 * A tiny Swin Transformer classifier for 28 x 28 images, built from the Swin blocks of swin.ts with the
 * Swin code's names (`patch_embed.proj`, `patch_embed.norm`, `layers.{i}.blocks.{j}`,
 * `layers.{i}.downsample`, `norm`, `head`):
 *
 *   x (B, 1, 28, 28) -> patches of 2 x 2: a Conv2d, LayerNorm      (B, 14*14, dim)
 *   (the Swin paper's absolute position embedding is off by default there too: the relative bias suffices)
 *   stage 0: depths[0] Swin blocks on the 14 x 14 grid, windows 7 x 7 (2 x 2 windows), every other
 *            block shifted by 3; then patch merging                  (B, 7*7, 2 dim)
 *   stage 1: depths[1] blocks on the 7 x 7 grid (one window, so no shift)
 *   logits = head(mean_tokens(norm(x)))                              (B, numClasses)
 *
 * @example
 *   const swin = new SwinTiny();
 *   const logits = swin.forward(images); // (B, 1, 28, 28) -> (B, 10)
 */
import type { Generator } from '../../core/random.js';
import { fmt } from '../../core/shape.js';
import type { Tensor } from '../../core/tensor.js';
import { ModuleList } from '../../nn/layers/containers.js';
import { LayerNorm } from '../../nn/layers/layernorm.js';
import { Linear } from '../../nn/layers/linear.js';
import { Module } from '../../nn/module.js';
import { Conv2d } from '../../nn/vision/conv.js';
import { PatchMerging, SwinBlock } from './swin.js';

export interface SwinTinyConfig {
  /** Side of the square input images (default 28). */
  imageSize: number;
  /** Side of the square patches; imageSize / patchSize must be an even multiple of windowSize (default 2). */
  patchSize: number;
  /** Channels of the input images (default 1). */
  inChannels: number;
  /** Number of output logits (default 10). */
  numClasses: number;
  /** Token width of stage 0 (stage 1 has twice as many) (default 48). */
  dim: number;
  /** Swin blocks in stage 0 and stage 1 (default [2, 2]). */
  depths: [number, number];
  /** Attention heads in stage 0 and stage 1 (default [3, 6]). */
  heads: [number, number];
  /** Side of the attention windows, in patches (default 7). */
  windowSize: number;
  /** Hidden width of the MLPs as a multiple of the token width (default 2). */
  mlpRatio: number;
}

export const defaultSwinTinyConfig: SwinTinyConfig = {
  imageSize: 28, patchSize: 2, inChannels: 1, numClasses: 10, dim: 48, depths: [2, 2], heads: [3, 6], windowSize: 7, mlpRatio: 2,
};

/** What is wrong with a SwinTiny config, as a phrase naming the field, or null. */
export function swinTinyConfigProblem(c: SwinTinyConfig): string | null {
  const posInt = (v: unknown) => Number.isInteger(v) && (v as number) >= 1;
  for (const k of ['imageSize', 'patchSize', 'inChannels', 'numClasses', 'dim', 'windowSize'] as const)
    if (!posInt(c[k])) return `${k} = ${JSON.stringify(c[k])}, expected a positive integer`;
  for (const k of ['depths', 'heads'] as const)
    if (!Array.isArray(c[k]) || c[k].length !== 2 || !c[k].every(posInt)) return `${k} = ${JSON.stringify(c[k])}, expected two positive integers`;
  const grid = c.imageSize / c.patchSize;
  const half = grid / 2;
  if (!Number.isInteger(half) || grid % c.windowSize !== 0 || half % Math.min(c.windowSize, half) !== 0)
    return `imageSize / patchSize = ${grid}, expected an even grid that windows of ${c.windowSize} tile, before and after patch merging`;
  if (c.dim % c.heads[0] !== 0 || (2 * c.dim) % c.heads[1] !== 0) return `heads = ${JSON.stringify(c.heads)}, expected divisors of dim ${c.dim} and ${2 * c.dim}`;
  if (!(typeof c.mlpRatio === 'number' && c.mlpRatio > 0)) return `mlpRatio = ${JSON.stringify(c.mlpRatio)}, expected a positive number`;
  return null;
}

/** Images -> patch tokens: Conv2d with kernel = stride = patchSize, then LayerNorm. (B, C, H, W) -> (B, H/p * W/p, dim). */
export class SwinPatchEmbed extends Module {
  readonly proj: Conv2d;
  readonly norm: LayerNorm;

  constructor(patchSize: number, inChannels: number, dim: number, { generator }: { generator?: Generator } = {}) {
    super();
    this.proj = this.registerModule('proj', new Conv2d(inChannels, dim, patchSize, { stride: patchSize, generator }));
    this.norm = this.registerModule('norm', new LayerNorm(dim));
  }

  forward(x: Tensor): Tensor {
    return this.norm.forward(this.proj.forward(x).flatten(2).transpose(1, 2)); // (B, dim, h, w) -> (B, h*w, dim)
  }
}

/** Swin blocks at one resolution (shifts 0, ws/2, 0, ... when the grid is larger than a window), then an optional PatchMerging. */
export class SwinStage extends Module {
  readonly blocks: ModuleList<SwinBlock>;
  readonly downsample: PatchMerging | null;

  constructor(dim: number, resolution: number, depth: number, heads: number, windowSize: number, mlpRatio: number, downsample: boolean, { generator }: { generator?: Generator } = {}) {
    super();
    const ws = Math.min(windowSize, resolution);
    const shift = resolution <= windowSize ? 0 : Math.floor(ws / 2);
    this.blocks = this.registerModule(
      'blocks',
      new ModuleList(Array.from({ length: depth }, (_, i) => new SwinBlock(dim, [resolution, resolution], heads, { windowSize: ws, shiftSize: i % 2 ? shift : 0, mlpRatio, generator }))),
    );
    this.downsample = this.registerModule('downsample', downsample ? new PatchMerging([resolution, resolution], dim, { generator }) : null);
  }

  forward(x: Tensor): Tensor {
    for (const b of this.blocks) x = b.forward(x);
    return this.downsample ? this.downsample.forward(x) : x;
  }
}

/** The tiny Swin. Shapes: images (B, inChannels, imageSize, imageSize) -> logits (B, numClasses). */
export class SwinTiny extends Module {
  readonly config: SwinTinyConfig;
  readonly patchEmbed: SwinPatchEmbed;
  readonly layers: ModuleList<SwinStage>;
  readonly norm: LayerNorm;
  readonly head: Linear;

  constructor(config: Partial<SwinTinyConfig> = {}, { generator }: { generator?: Generator } = {}) {
    super();
    const c = (this.config = { ...defaultSwinTinyConfig, ...config });
    const problem = swinTinyConfigProblem(c);
    if (problem) throw new RangeError(`SwinTiny: ${problem}`);
    const grid = c.imageSize / c.patchSize;
    this.patchEmbed = this.registerModule('patch_embed', new SwinPatchEmbed(c.patchSize, c.inChannels, c.dim, { generator }));
    this.layers = this.registerModule(
      'layers',
      new ModuleList([
        new SwinStage(c.dim, grid, c.depths[0], c.heads[0], c.windowSize, c.mlpRatio, true, { generator }),
        new SwinStage(2 * c.dim, grid / 2, c.depths[1], c.heads[1], c.windowSize, c.mlpRatio, false, { generator }),
      ]),
    );
    this.norm = this.registerModule('norm', new LayerNorm(2 * c.dim));
    this.head = this.registerModule('head', new Linear(2 * c.dim, c.numClasses, { generator }));
  }

  forward(images: Tensor): Tensor {
    const { imageSize: S, inChannels: C } = this.config;
    if (images.ndim !== 4 || images.shape[1] !== C || images.shape[2] !== S || images.shape[3] !== S)
      throw new Error(`SwinTiny: expected images (B, ${C}, ${S}, ${S}), got ${fmt(images.shape)}`);
    let x = this.patchEmbed.forward(images); // (B, 196, dim)
    for (const stage of this.layers) x = stage.forward(x); // (B, 196, dim) -> (B, 49, 2 dim)
    return this.head.forward(this.norm.forward(x).mean(1)); // (B, 2 dim) -> (B, numClasses)
  }
}
