/**
 * Turning an arbitrary picture into what the models read: grey, a given size, pixels in [0, 1].
 *
 *   grey = (0.299 R + 0.587 G + 0.114 B) * alpha / 255     (transparent = black, the data's background)
 *   resize: area averaging (each output pixel is the mean of the source area it covers, fractional
 *   pixels weighted by their overlap), separable: rows first, then columns
 */

/** RGBA bytes (W * H * 4) -> grey values in [0, 1] (W * H), composited over black. */
export function rgbaToGrey(rgba: Uint8Array, width: number, height: number): Float32Array {
  const out = new Float32Array(width * height);
  for (let i = 0; i < out.length; i++) {
    const [r, g, b, a] = [rgba[4 * i], rgba[4 * i + 1], rgba[4 * i + 2], rgba[4 * i + 3]];
    out[i] = ((0.299 * r + 0.587 * g + 0.114 * b) / 255) * (a / 255);
  }
  return out;
}

/** Weights of an area resize of n source samples to m: for each output, [first source index, weights...]. */
function areaWeights(n: number, m: number): { start: number; w: number[] }[] {
  const scale = n / m;
  return Array.from({ length: m }, (_, o) => {
    const a = o * scale;
    const b = (o + 1) * scale;
    const start = Math.floor(a);
    const w: number[] = [];
    for (let s = start; s < Math.min(Math.ceil(b), n); s++) w.push((Math.min(b, s + 1) - Math.max(a, s)) / scale);
    return { start, w };
  });
}

/** A grey image (W x H, row-major) resized to w x h by area averaging (upscaling repeats pixels). */
export function resizeArea(src: Float32Array, W: number, H: number, w: number, h: number): Float32Array {
  if (W === w && H === h) return Float32Array.from(src);
  const cols = areaWeights(W, w);
  const rows = areaWeights(H, h);
  const tmp = new Float32Array(w * H); // (H, w): each row resized
  for (let y = 0; y < H; y++)
    for (let x = 0; x < w; x++) {
      const { start, w: ws } = cols[x];
      let s = 0;
      for (let k = 0; k < ws.length; k++) s += ws[k] * src[y * W + start + k];
      tmp[y * w + x] = s;
    }
  const out = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    const { start, w: ws } = rows[y];
    for (let x = 0; x < w; x++) {
      let s = 0;
      for (let k = 0; k < ws.length; k++) s += ws[k] * tmp[(start + k) * w + x];
      out[y * w + x] = s;
    }
  }
  return out;
}
