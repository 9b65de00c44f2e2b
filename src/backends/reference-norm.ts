/**
 * Reference kernels of layer normalisation, forward and backward over rows (the specification; see
 * `layerNorm` in backend.ts). Used by nn.LayerNorm and F.layerNorm (src/nn/layers/layernorm.ts).
 */
import { heap } from '../core/memory.js';
import type { Backend } from './backend.js';

/**
 * Forward over `rows` contiguous rows of `D` f32 elements (all arguments are element offsets into
 * heap.f32; `w`/`b` are -1 when absent):
 *   mean = sum(x) / D,  rstd = 1 / sqrt(sum((x - mean)^2) / D + eps)  (biased variance)
 *   y = (x - mean) * rstd * w + b
 * `mean` and `rstd` (one per row) are saved for the backward pass.
 */
function layerNorm(x: number, w: number, b: number, y: number, mean: number, rstd: number, rows: number, D: number, eps: number): void {
  const f = heap.f32;
  for (let r = 0; r < rows; r++) {
    const xo = x + r * D;
    const yo = y + r * D;
    let s = 0;
    for (let i = 0; i < D; i++) s += f[xo + i];
    const mu = s / D;
    let v = 0;
    for (let i = 0; i < D; i++) {
      const d = f[xo + i] - mu;
      v += d * d;
    }
    const rs = 1 / Math.sqrt(v / D + eps);
    f[mean + r] = mu;
    f[rstd + r] = rs;
    for (let i = 0; i < D; i++) {
      let o = (f[xo + i] - mu) * rs;
      if (w >= 0) o *= f[w + i];
      if (b >= 0) o += f[b + i];
      f[yo + i] = o;
    }
  }
}

/**
 * Backward of `layerNormKernel`, with xhat = (x - mean) * rstd and g = dy * w (dy when w is absent):
 *   dx = rstd * (g - mean(g) - xhat * mean(g * xhat))      (skipped when dx = -1)
 *   dw += sum over rows of dy * xhat,  db += sum over rows of dy   (skipped when -1; must start at 0)
 */
function layerNormBackward(
  x: number, w: number, mean: number, rstd: number, dy: number,
  dx: number, dw: number, db: number, rows: number, D: number,
): void {
  const f = heap.f32;
  for (let r = 0; r < rows; r++) {
    const xo = x + r * D;
    const go = dy + r * D;
    const mu = f[mean + r];
    const rs = f[rstd + r];
    let sg = 0;
    let sgx = 0;
    for (let i = 0; i < D; i++) {
      const xh = (f[xo + i] - mu) * rs;
      const gy = f[go + i];
      const g = w >= 0 ? gy * f[w + i] : gy;
      sg += g;
      sgx += g * xh;
      if (dw >= 0) f[dw + i] += gy * xh;
      if (db >= 0) f[db + i] += gy;
    }
    if (dx < 0) continue;
    const mg = sg / D;
    const mgx = sgx / D;
    const xo2 = dx + r * D;
    for (let i = 0; i < D; i++) {
      const xh = (f[xo + i] - mu) * rs;
      const g = w >= 0 ? f[go + i] * f[w + i] : f[go + i];
      f[xo2 + i] = rs * (g - mg - xh * mgx);
    }
  }
}

/** The LayerNorm kernels of the reference backend (spread into `referenceBackend`). */
export const normKernels: Pick<Backend, 'layerNorm' | 'layerNormBackward'> = { layerNorm, layerNormBackward };
