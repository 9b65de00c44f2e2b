/**
 * Reading a PNG file (any bit depth, colour type or interlacing, decoded by `pngjs`) as the models read
 * images: grey, `size` x `size`, pixels in [0, 1] (image.ts). Node only (exported from src/node.ts).
 *
 * @example
 *   const pixels = readPngImage('shoe.png', 28); // Float32Array(784)
 */
import { readFileSync } from 'node:fs';
import { PNG } from 'pngjs';
import { DataError } from '../../data/data-error.js';
import { resizeArea, rgbaToGrey } from './image.js';

export interface PngImage {
  /** size * size grey values in [0, 1]. */
  pixels: Float32Array;
  /** The file's own size. */
  width: number;
  height: number;
}

/** The PNG at `path`, grey and resized to size x size; `invert` maps v to 1 - v (dark objects on white). */
export function readPngImage(path: string, size: number, { invert = false }: { invert?: boolean } = {}): PngImage {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new DataError(`image '${path}' cannot be read: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  let png: PNG;
  try {
    png = PNG.sync.read(bytes);
  } catch (e) {
    throw new DataError(`image '${path}' is not a readable PNG file: ${(e as Error).message}`);
  }
  const grey = rgbaToGrey(png.data, png.width, png.height);
  const pixels = resizeArea(grey, png.width, png.height, size, size);
  if (invert) for (let i = 0; i < pixels.length; i++) pixels[i] = 1 - pixels[i];
  return { pixels, width: png.width, height: png.height };
}
