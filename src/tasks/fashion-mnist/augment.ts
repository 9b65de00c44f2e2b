/**
 * Data augmentation of a batch of images, as data preparation on typed arrays (torchvision's
 * `RandomCrop(size, padding)` then `RandomHorizontalFlip()`): each image is zero-padded by `padding` on
 * every side, cut back to its size at a random offset (dy, dx) in [0, 2 padding], and mirrored left to
 * right with probability 1/2.
 *
 *   out[b, c, y, x] = in[b, c, y + dy - p, x' + dx - p]  (0 outside),  x' = flip ? W - 1 - x : x
 *
 * The draws come from the given generator, three per image (dy, dx, flip), whatever the options, so that
 * turning one off does not change the others' sequence.
 */
import type { Generator } from '../../core/random.js';

export interface AugmentOptions {
  /** Zero padding of the random crop; 0 = no crop. */
  padding: number;
  /** Mirror left to right with probability 1/2. */
  flip: boolean;
}

/** Augments `images` (B, C, H, W), row-major, in place. */
export function augmentBatch(images: Float32Array, [B, C, H, W]: readonly number[], { padding: p, flip }: AugmentOptions, rng: Generator): void {
  const plane = H * W;
  const tmp = new Float32Array(plane);
  for (let b = 0; b < B; b++) {
    const dy = rng.int(0, 2 * p + 1) - p;
    const dx = rng.int(0, 2 * p + 1) - p;
    const mirror = rng.uniform() < 0.5 && flip;
    if (dy === 0 && dx === 0 && !mirror) continue;
    for (let c = 0; c < C; c++) {
      const at = (b * C + c) * plane;
      tmp.set(images.subarray(at, at + plane));
      for (let y = 0; y < H; y++) {
        const sy = y + dy;
        for (let x = 0; x < W; x++) {
          const sx = (mirror ? W - 1 - x : x) + dx;
          images[at + y * W + x] = sy >= 0 && sy < H && sx >= 0 && sx < W ? tmp[sy * W + sx] : 0;
        }
      }
    }
  }
}
