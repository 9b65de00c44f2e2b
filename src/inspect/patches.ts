/**
 * The `patches` view's data: what a ViT looks at in an image (vitAttention, src/models/vision/vit-attention.ts):
 * the last block's attention from the class token to each patch, per head, and the attention rollout
 * over all blocks, each a (g x g) grid over the image's patches, with the class probabilities.
 * The ViT comes in `ctx.vit` (a fresh seeded, untrained one when absent, and the data says so); the
 * image in params, with its name for the caption (else a drawn test picture, a pair of trousers).
 */
import { fromArray } from '../core/creation.js';
import { Generator } from '../core/random.js';
import { ViT, defaultViTConfig } from '../models/vision/vit.js';
import { vitAttention } from '../models/vision/vit-attention.js';
import { inEval, intParam, matrices, rows, stringParam, type InspectContext } from './context.js';

export interface PatchesData {
  source: string;
  imageSize: number;
  patchSize: number;
  /** Patches per side, g = imageSize / patchSize. */
  grid: number;
  /** The image, imageSize rows of imageSize values in [0, 1]. */
  image: number[][];
  /** What the image is, e.g. `Fashion-MNIST test image 0 (Ankle boot)`. */
  imageName: string;
  /** heads[h][i][j]: head h's attention from the class token to patch (i, j), last block. */
  heads: number[][][];
  /** Attention rollout over every block, g x g, summing to 1. */
  rollout: number[][];
  probs: number[];
  classes: string[] | null;
  predicted: number;
}

/** A 28 x 28-style test picture: two trouser legs on black. */
function trousers(S: number): Float32Array {
  const img = new Float32Array(S * S);
  for (let y = 0; y < S; y++)
    for (let x = 0; x < S; x++) {
      const top = y < S * 0.3 && x > S * 0.25 && x < S * 0.75;
      const leg = y >= S * 0.3 && y < S * 0.95 && ((x > S * 0.25 && x < S * 0.45) || (x > S * 0.55 && x < S * 0.75));
      img[y * S + x] = top || leg ? 0.8 : 0;
    }
  return img;
}

/**
 * params: image (imageSize^2 numbers in [0, 1], row by row; default a drawn pair of trousers) and
 * imageName (what it is, for the caption), seed (default 0) of the fresh ViT.
 */
export function inspectPatches(ctx: InspectContext, params: Record<string, unknown>): PatchesData {
  const seed = intParam(params, 'seed', 0, 0);
  const vit = ctx.vit?.model ?? new ViT(defaultViTConfig, { generator: new Generator(seed) });
  const { imageSize: S, patchSize: P, inChannels: C } = vit.config;
  const given = params.image;
  if (given !== undefined && (!Array.isArray(given) || given.length !== S * S || !given.every((v) => typeof v === 'number' && Number.isFinite(v))))
    throw new RangeError(`image must be ${S * S} numbers (${S} x ${S}, row by row)`);
  const pixels = given ? Float32Array.from(given as number[]) : trousers(S);
  return inEval(vit, () => {
    const image = fromArray(pixels, [1, 1, S, S]).expand([1, C, S, S]).contiguous(); // (1, C, S, S)
    const maps = vitAttention(vit, image);
    const probs = Array.from(maps.logits.softmax(-1).select(0, 0).toArray());
    return {
      source: ctx.vit ? 'the ViT' : 'a fresh untrained ViT (no ViT was given)',
      imageSize: S, patchSize: P, grid: S / P,
      image: rows(fromArray(pixels, [S, S])),
      imageName: given ? stringParam(params, 'imageName', 'the given image') : 'a drawn pair of trousers',
      heads: matrices(maps.clsAttention.select(0, 0)),
      rollout: rows(maps.rollout.select(0, 0)),
      probs,
      classes: ctx.vit?.classes ? [...ctx.vit.classes] : null,
      predicted: probs.indexOf(Math.max(...probs)),
    };
  });
}
