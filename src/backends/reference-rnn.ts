/**
 * Reference kernels of the fused recurrent step and its backward (the specification; see RecurrentStep in
 * backend.ts). One call does a whole time step's gate nonlinearities and state update for all rows, so a
 * sequence costs two matmuls and one of these per step, forward and backward alike.
 *
 * Gate layouts are PyTorch's: rows of W_ih / W_hh stacked as (i, f, g, o) for the LSTM and (r, z, n) for
 * the GRU. With a = x W_ih^T + b_ih and b = h W_hh^T + b_hh split into gates:
 *   RNN   h' = act(a + b)                                  act = tanh or relu
 *   LSTM  i, f, o = sigmoid(a_k + b_k), g = tanh(a_g + b_g)
 *         c' = f*c + i*g,  h' = o*tanh(c')
 *   GRU   r, z = sigmoid(a_k + b_k),  n = tanh(a_n + r*b_n)
 *         h' = (1 - z)*n + z*h
 */
import { heap } from '../core/memory.js';
import type { Backend, RecurrentStep, RecurrentStepBackward } from './backend.js';
import { RECURRENT_GATES as GATES, RECURRENT_SAVED as SAVED } from './recurrent-layout.js';

function sigmoid(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}

function recurrentStep(s: RecurrentStep): void {
  const f = heap.f32;
  const m = heap.u8;
  const { cell, B, H, gx, gh, bih, bhh, h, c, act, hOut, cOut, y, yStride, mask } = s;
  const GH = GATES[cell] * H;
  const A = SAVED[cell] * H;
  // pre-activation of gate element k (k = gate * H + j) of a row: x part + bias + h part + bias
  const pre = (X: number, G: number, k: number) => f[X + k] + (bih < 0 ? 0 : f[bih + k]) + f[G + k] + (bhh < 0 ? 0 : f[bhh + k]);
  for (let r = 0; r < B; r++) {
    const X = gx + r * GH;
    const G = gh + r * GH;
    const S = act + r * A;
    const hp = h + r * H;
    const ho = hOut + r * H;
    const yo = y + r * yStride;
    if (mask >= 0 && m[mask + r] === 0) {
      // past this sequence's end: the state passes through unchanged, the output is zero
      for (let j = 0; j < H; j++) {
        f[ho + j] = f[hp + j];
        if (cell === 'lstm') f[cOut + r * H + j] = f[c + r * H + j];
        if (y >= 0) f[yo + j] = 0;
      }
      continue;
    }
    for (let j = 0; j < H; j++) {
      let hn: number;
      if (cell === 'lstm') {
        const i = sigmoid(pre(X, G, j));
        const fg = sigmoid(pre(X, G, H + j));
        const g = Math.tanh(pre(X, G, 2 * H + j));
        const o = sigmoid(pre(X, G, 3 * H + j));
        const cn = fg * f[c + r * H + j] + i * g;
        f[cOut + r * H + j] = cn;
        hn = o * Math.tanh(cn);
        f[S + j] = i;
        f[S + H + j] = fg;
        f[S + 2 * H + j] = g;
        f[S + 3 * H + j] = o;
      } else if (cell === 'gru') {
        const rg = sigmoid(pre(X, G, j));
        const z = sigmoid(pre(X, G, H + j));
        const k = 2 * H + j;
        const hn_ = f[G + k] + (bhh < 0 ? 0 : f[bhh + k]); // W_hn h + b_hn
        const n = Math.tanh(f[X + k] + (bih < 0 ? 0 : f[bih + k]) + rg * hn_);
        hn = (1 - z) * n + z * f[hp + j];
        f[S + j] = rg;
        f[S + H + j] = z;
        f[S + 2 * H + j] = n;
        f[S + 3 * H + j] = hn_;
      } else {
        const p = pre(X, G, j);
        hn = cell === 'rnn_tanh' ? Math.tanh(p) : p > 0 ? p : 0;
        f[S + j] = hn;
      }
      f[ho + j] = hn;
      if (y >= 0) f[yo + j] = hn;
    }
  }
}

function recurrentStepBackward(s: RecurrentStepBackward): void {
  const f = heap.f32;
  const m = heap.u8;
  const { cell, B, H, h, c, act, cOut, dy, yStride, mask, dh, dc, dgx, dgh } = s;
  const GH = GATES[cell] * H;
  const A = SAVED[cell] * H;
  for (let r = 0; r < B; r++) {
    const S = act + r * A;
    const DX = dgx + r * GH;
    const DG = dgh + r * GH;
    const dho = dh + r * H;
    if (mask >= 0 && m[mask + r] === 0) {
      // the state passed through: so does its gradient (dh, dc unchanged); no gate gradients
      for (let k = 0; k < GH; k++) f[DX + k] = f[DG + k] = 0;
      continue;
    }
    const dyo = dy + r * yStride;
    for (let j = 0; j < H; j++) {
      const dH = f[dho + j] + (dy >= 0 ? f[dyo + j] : 0);
      if (cell === 'lstm') {
        const i = f[S + j];
        const fg = f[S + H + j];
        const g = f[S + 2 * H + j];
        const o = f[S + 3 * H + j];
        const tc = Math.tanh(f[cOut + r * H + j]);
        const dC = f[dc + r * H + j] + dH * o * (1 - tc * tc);
        const di = dC * g * i * (1 - i);
        const df = dC * f[c + r * H + j] * fg * (1 - fg);
        const dg = dC * i * (1 - g * g);
        const dO = dH * tc * o * (1 - o);
        f[DX + j] = f[DG + j] = di;
        f[DX + H + j] = f[DG + H + j] = df;
        f[DX + 2 * H + j] = f[DG + 2 * H + j] = dg;
        f[DX + 3 * H + j] = f[DG + 3 * H + j] = dO;
        f[dc + r * H + j] = dC * fg;
        f[dho + j] = 0;
      } else if (cell === 'gru') {
        const rg = f[S + j];
        const z = f[S + H + j];
        const n = f[S + 2 * H + j];
        const hn_ = f[S + 3 * H + j];
        const dn = dH * (1 - z) * (1 - n * n); // dL/d(pre-activation of n)
        const dz = dH * (f[h + r * H + j] - n) * z * (1 - z);
        const dr = dn * hn_ * rg * (1 - rg);
        f[DX + j] = f[DG + j] = dr;
        f[DX + H + j] = f[DG + H + j] = dz;
        f[DX + 2 * H + j] = dn;
        f[DG + 2 * H + j] = dn * rg;
        f[dho + j] = dH * z;
      } else {
        const hn = f[S + j];
        const d = cell === 'rnn_tanh' ? dH * (1 - hn * hn) : hn > 0 ? dH : 0;
        f[DX + j] = f[DG + j] = d;
        f[dho + j] = 0;
      }
    }
  }
}

/** The recurrent kernels of the reference backend (spread into `referenceBackend`). */
export const rnnKernels: Pick<Backend, 'recurrentStep' | 'recurrentStepBackward'> = {
  recurrentStep,
  recurrentStepBackward,
};
