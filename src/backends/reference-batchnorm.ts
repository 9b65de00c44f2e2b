/**
 * Reference kernels of batch normalisation over x (N, C, S), per channel c over its M = N*S values
 * (the specification; see `batchNormStats` in backend.ts), used by F.batchNorm and nn.BatchNorm1d/2d
 * (src/nn/layers/batchnorm.ts). Sums and the per element arithmetic are float64, rounded once to f32.
 */
import { heap } from '../core/memory.js';
import type { Backend } from './backend.js';

/** mean[c] and rstd[c] from the batch; var[c] (biased) too. */
function batchNormStats(x: number, mean: number, rstd: number, variance: number, N: number, C: number, S: number, eps: number): void {
  const f = heap.f32;
  const M = N * S;
  for (let c = 0; c < C; c++) {
    let s = 0;
    for (let n = 0; n < N; n++) {
      const o = x + (n * C + c) * S;
      for (let i = 0; i < S; i++) s += f[o + i];
    }
    const mu = s / M;
    let v = 0;
    for (let n = 0; n < N; n++) {
      const o = x + (n * C + c) * S;
      for (let i = 0; i < S; i++) {
        const d = f[o + i] - mu;
        v += d * d;
      }
    }
    v /= M;
    f[mean + c] = mu;
    f[variance + c] = v;
    f[rstd + c] = 1 / Math.sqrt(v + eps);
  }
}

/** y = (x - mean[c]) * rstd[c] * w[c] + b[c] (w, b = -1: absent). */
function batchNormApply(x: number, mean: number, rstd: number, w: number, b: number, y: number, N: number, C: number, S: number): void {
  const f = heap.f32;
  for (let c = 0; c < C; c++) {
    const mu = f[mean + c];
    const scale = f[rstd + c] * (w >= 0 ? f[w + c] : 1);
    const shift = b >= 0 ? f[b + c] : 0;
    for (let n = 0; n < N; n++) {
      const o = (n * C + c) * S;
      for (let i = 0; i < S; i++) f[y + o + i] = (f[x + o + i] - mu) * scale + shift;
    }
  }
}

/**
 * With xhat = (x - mean) * rstd and g = dy * w: dw = sum(dy * xhat), db = sum(dy), and
 * dx = rstd * (g - mean(g) - xhat * mean(g * xhat)) (batchStats) or rstd * g; -1 operands are skipped.
 */
function batchNormBackward(
  x: number, w: number, mean: number, rstd: number, dy: number, dx: number, dw: number, db: number,
  N: number, C: number, S: number, batchStats: boolean,
): void {
  const f = heap.f32;
  const M = N * S;
  for (let c = 0; c < C; c++) {
    const mu = f[mean + c];
    const rs = f[rstd + c];
    const wc = w >= 0 ? f[w + c] : 1;
    let sdy = 0;
    let sdyx = 0;
    for (let n = 0; n < N; n++) {
      const o = (n * C + c) * S;
      for (let i = 0; i < S; i++) {
        const g = f[dy + o + i];
        sdy += g;
        sdyx += g * (f[x + o + i] - mu) * rs;
      }
    }
    if (dw >= 0) f[dw + c] = sdyx;
    if (db >= 0) f[db + c] = sdy;
    if (dx < 0) continue;
    const mg = batchStats ? (sdy * wc) / M : 0; // mean(g)
    const mgx = batchStats ? (sdyx * wc) / M : 0; // mean(g * xhat)
    for (let n = 0; n < N; n++) {
      const o = (n * C + c) * S;
      for (let i = 0; i < S; i++) {
        const xh = (f[x + o + i] - mu) * rs;
        f[dx + o + i] = rs * (f[dy + o + i] * wc - mg - xh * mgx);
      }
    }
  }
}

/** running = (1 - m) running + m batch, in place (var scaled to the unbiased estimate by M / (M - 1)). */
function batchNormRunningUpdate(rm: number, rv: number, mean: number, variance: number, C: number, M: number, m: number): void {
  const f = heap.f32;
  const unbias = M / (M - 1);
  for (let c = 0; c < C; c++) {
    if (rm >= 0) f[rm + c] = (1 - m) * f[rm + c] + m * f[mean + c];
    if (rv >= 0) f[rv + c] = (1 - m) * f[rv + c] + m * f[variance + c] * unbias;
  }
}

/** The BatchNorm kernels of the reference backend (spread into `referenceBackend`). */
export const batchNormKernels: Pick<Backend, 'batchNormStats' | 'batchNormApply' | 'batchNormBackward' | 'batchNormRunningUpdate'> = {
  batchNormStats, batchNormApply, batchNormBackward, batchNormRunningUpdate,
};
