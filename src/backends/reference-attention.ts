/**
 * Reference kernels of attention: explicit score masks, the sinusoidal position table, and causal linear
 * attention's running sums (forward and backward), moved here from src/nn/attention unchanged.
 */
import { heap } from '../core/memory.js';
import type { Backend, LinearAttentionGrads, LinearAttentionSweep, ScoreMask } from './backend.js';

/** Element offset of each of the numel(batch) score matrices in a mask, from its batch strides. */
export function batchOffsets(batch: readonly number[], strides: readonly number[]): Int32Array {
  const N = batch.reduce((a, b) => a * b, 1);
  const offs = new Int32Array(N);
  for (let n = 0; n < N; n++) {
    let r = n;
    let off = 0;
    for (let d = batch.length - 1; d >= 0; d--) {
      off += (r % batch[d]) * strides[d];
      r = Math.floor(r / batch[d]);
    }
    offs[n] = off;
  }
  return offs;
}

function maskScores(p: number, batch: readonly number[], L: number, S: number, scale: number, masks: readonly ScoreMask[]): void {
  const f = heap.f32;
  const u8 = heap.u8;
  const N = batch.reduce((a, b) => a * b, 1);
  const r = batch.length;
  const offs = masks.map((m) => batchOffsets(batch, m.strides));
  for (let n = 0; n < N; n++) {
    for (let i = 0; i < L; i++) {
      const row = p + (n * L + i) * S;
      for (let j = 0; j < S; j++) {
        let s = f[row + j] * scale;
        for (let k = 0; k < masks.length && s !== -Infinity; k++) {
          const m = masks[k];
          const at = m.off + offs[k][n] + i * m.strides[r] + j * m.strides[r + 1];
          if (m.bool) {
            if (u8[at]) s = -Infinity;
          } else s += f[at];
        }
        f[row + j] = s;
      }
    }
  }
}

function sinusoidalTable(out: number, maxLen: number, dModel: number): void {
  const f = heap.f32;
  const r = Math.fround;
  const k = r(-Math.log(10000) / dModel);
  for (let i = 0; i < dModel; i += 2) {
    const div = r(Math.exp(r(i * k)));
    for (let p = 0; p < maxLen; p++) {
      const a = r(p * div);
      f[out + p * dModel + i] = Math.sin(a);
      f[out + p * dModel + i + 1] = Math.cos(a);
    }
  }
}

/** One position of the running sums: S += k_t v_t^T, z += k_t; returns r_t = 1 / (q_t . z_t + eps). */
function advance(f: Float32Array, S: Float64Array, z: Float64Array, qt: number, kt: number, vt: number, d: number, e: number, eps: number): number {
  let den = 0;
  for (let a = 0; a < d; a++) {
    const ka = f[kt + a];
    z[a] += ka;
    for (let c = 0; c < e; c++) S[a * e + c] += ka * f[vt + c];
    den += f[qt + a] * z[a];
  }
  return 1 / (den + eps);
}

/** num_t[c] = q_t . S_t[:, c]. */
function numerator(f: Float32Array, S: Float64Array, qt: number, c: number, d: number, e: number): number {
  let num = 0;
  for (let a = 0; a < d; a++) num += f[qt + a] * S[a * e + c];
  return num;
}

/** Sets S, z to sequence n's sums before the call. */
function begin(s: LinearAttentionSweep, n: number, S: Float64Array, z: Float64Array): void {
  const { d, e } = s;
  if (s.S0) S.set(s.S0.subarray(n * d * e, (n + 1) * d * e));
  else S.fill(0);
  if (s.z0) z.set(s.z0.subarray(n * d, (n + 1) * d));
  else z.fill(0);
}

function linearAttention(s: LinearAttentionSweep, y: number, end: { S: Float64Array; z: Float64Array } | null): void {
  const { N, T, d, e, eps } = s;
  const S = new Float64Array(d * e);
  const z = new Float64Array(d);
  const f = heap.f32;
  for (let n = 0; n < N; n++) {
    begin(s, n, S, z);
    for (let t = 0; t < T; t++) {
      const row = n * T + t;
      const qt = s.q + row * d;
      const r = advance(f, S, z, qt, s.k + row * d, s.v + row * e, d, e, eps);
      for (let c = 0; c < e; c++) f[y + row * e + c] = numerator(f, S, qt, c, d, e) * r;
    }
    if (end) {
      end.S.set(S, n * d * e);
      end.z.set(z, n * d);
    }
  }
}

function linearAttentionBackward(s: LinearAttentionSweep, grads: LinearAttentionGrads): void {
  const { N, T, d, e, eps } = s;
  const { q: qb, k: kb, v: vb } = s;
  const { g: gb, dq: dqb, dk: dkb, dv: dvb } = grads;
  const S = new Float64Array(d * e);
  const z = new Float64Array(d);
  const dnum = new Float64Array(T * e);
  const dden = new Float64Array(T);
  const G = new Float64Array(d * e);
  const h = new Float64Array(d);
  const f = heap.f32;
  for (let n = 0; n < N; n++) {
    // forward sweep: recompute S_t, z_t; dnum_t = g_t r_t, dden_t = -(g_t . num_t) r_t^2,
    // dq_t = S_t dnum_t + z_t dden_t
    begin(s, n, S, z);
    for (let t = 0; t < T; t++) {
      const row = n * T + t;
      const qt = qb + row * d;
      const gt = gb + row * e;
      const r = advance(f, S, z, qt, kb + row * d, vb + row * e, d, e, eps);
      let gNum = 0;
      for (let c = 0; c < e; c++) {
        gNum += f[gt + c] * numerator(f, S, qt, c, d, e);
        dnum[t * e + c] = f[gt + c] * r;
      }
      dden[t] = -gNum * r * r;
      for (let a = 0; a < d; a++) {
        let acc = z[a] * dden[t];
        for (let c = 0; c < e; c++) acc += S[a * e + c] * dnum[t * e + c];
        f[dqb + row * d + a] = acc;
      }
    }
    // reverse sweep: G_t = sum_{u >= t} q_u dnum_u^T, h_t = sum_{u >= t} q_u dden_u;
    // dk_t = G_t v_t + h_t, dv_t = G_t^T k_t
    G.fill(0);
    h.fill(0);
    for (let t = T - 1; t >= 0; t--) {
      const row = n * T + t;
      const qt = qb + row * d;
      const kt = kb + row * d;
      const vt = vb + row * e;
      for (let a = 0; a < d; a++) {
        const qa = f[qt + a];
        h[a] += qa * dden[t];
        for (let c = 0; c < e; c++) G[a * e + c] += qa * dnum[t * e + c];
      }
      for (let a = 0; a < d; a++) {
        let acc = h[a];
        for (let c = 0; c < e; c++) acc += G[a * e + c] * f[vt + c];
        f[dkb + row * d + a] = acc;
      }
      for (let c = 0; c < e; c++) {
        let acc = 0;
        for (let a = 0; a < d; a++) acc += G[a * e + c] * f[kt + a];
        f[dvb + row * e + c] = acc;
      }
    }
  }
}

/** The attention kernels of the reference backend (spread into `referenceBackend`). */
export const attentionKernels: Pick<Backend, 'maskScores' | 'sinusoidalTable' | 'linearAttention' | 'linearAttentionBackward'> = {
  maskScores, sinusoidalTable, linearAttention, linearAttentionBackward,
};
