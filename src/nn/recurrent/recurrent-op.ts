/**
 * The fused recurrent layer op: one layer of an RNN, LSTM or GRU over a whole sequence, in one or both
 * directions, recorded as ONE autograd node whose backward is backpropagation through time.
 *
 * Forward, per direction: the input part of every gate for every step is one matmul
 * (T*B, I) @ (I, G*H); then each step is one matmul h @ W_hh^T and one fused kernel (gate
 * nonlinearities + state update, `backend().recurrentStep`). The node saves each step's gate
 * activations and states. Backward walks the steps in reverse: one fused kernel
 * (`recurrentStepBackward`) and one matmul dh += dgates @ W_hh per step, then the weight, bias and input
 * gradients of all steps at once as three matmuls and two column sums.
 */
import { backend, type MatOperand, type RecurrentCell } from '../../backends/backend.js';
import { RECURRENT_GATES, RECURRENT_SAVED } from '../../backends/recurrent-layout.js';
import { needsGrad, record } from '../../core/autograd.js';
import { fmt } from '../../core/shape.js';
import { Tensor } from '../../core/tensor.js';

/** One direction's weights, PyTorch layout: wih (G*H, I), whh (G*H, H), biases (G*H) or null. */
export interface DirectionWeights {
  wih: Tensor;
  whh: Tensor;
  bih: Tensor | null;
  bhh: Tensor | null;
}

export interface LayerResult {
  /** (T, B, D*H): the hidden state of every step, directions side by side (forward first). */
  y: Tensor;
  /** (D, B, H): the final hidden state of each direction (the reverse one's is at t = 0). */
  hN: Tensor;
  /** (D, B, H): the final cell state (LSTM), else null. */
  cN: Tensor | null;
}

/** A row-major block with `cols` columns as a matmul operand, read transposed when `transposed`. */
function mat(off: number, cols: number, transposed = false): MatOperand {
  return transposed ? { off, batchStride: 0, rowStride: 1, colStride: cols } : { off, batchStride: 0, rowStride: cols, colStride: 1 };
}

/**
 * Runs one recurrent layer over a time-major sequence.
 *
 * x (T, B, I); h0 (D, B, H); c0 (D, B, H) for the LSTM, else null; `weights` has one entry per direction
 * (D = 1 or 2, the second running from the end); `mask` (T, B) bool or null: false marks steps past a
 * sequence's end, where the state is carried unchanged and the output is zero (packed-sequence
 * semantics; the mask must be true on a prefix of each column).
 */
export function recurrentLayer(
  cell: RecurrentCell,
  x: Tensor,
  h0: Tensor,
  c0: Tensor | null,
  weights: DirectionWeights[],
  mask: Tensor | null = null,
): LayerResult {
  const [T, B, I] = x.shape;
  const D = weights.length;
  const H = h0.shape[2];
  const lstm = cell === 'lstm';
  const GH = RECURRENT_GATES[cell] * H;
  const AH = RECURRENT_SAVED[cell] * H;
  const DH = D * H;
  if (h0.shape.join() !== [D, B, H].join()) throw new Error(`recurrentLayer: h0 has shape ${fmt(h0.shape)}, expected ${fmt([D, B, H])}`);
  if (lstm !== (c0 !== null)) throw new Error(`recurrentLayer: c0 is ${lstm ? 'required' : 'only for the LSTM'}`);
  if (c0 && c0.shape.join() !== h0.shape.join()) throw new Error(`recurrentLayer: c0 has shape ${fmt(c0.shape)}, expected ${fmt(h0.shape)}`);
  for (const w of weights) {
    if (w.wih.shape.join() !== [GH, I].join()) throw new Error(`recurrentLayer: weight_ih has shape ${fmt(w.wih.shape)}, expected ${fmt([GH, I])}`);
    if (w.whh.shape.join() !== [GH, H].join()) throw new Error(`recurrentLayer: weight_hh has shape ${fmt(w.whh.shape)}, expected ${fmt([GH, H])}`);
  }
  if (mask && (mask.dtype !== 'bool' || mask.shape.join() !== [T, B].join()))
    throw new Error(`recurrentLayer: mask must be bool ${fmt([T, B])}, got ${mask.dtype} ${fmt(mask.shape)}`);

  const xc = x.contiguous();
  const h0c = h0.contiguous();
  const c0c = c0?.contiguous() ?? null;
  const mc = mask?.contiguous() ?? null;
  const ws = weights.map((w) => ({
    wih: w.wih.contiguous(),
    whh: w.whh.contiguous(),
    bih: w.bih?.contiguous() ?? null,
    bhh: w.bhh?.contiguous() ?? null,
  }));
  const y = Tensor.empty([T, B, DH]);
  const hN = Tensor.empty([D, B, H]);
  const cN = lstm ? Tensor.empty([D, B, H]) : null;
  const BH = B * H;
  // The op's own buffers, in one block (one allocation, given back as soon as they are dead, see
  // below): gh (B, G*H), then per direction, in processing order s (s = t forward, T-1-t reverse),
  // the states before and after each step hs (T+1, B, H) (hs[0] = h0), cs likewise (LSTM), the saved
  // activations act (T, B, A*H), and gx (T, B, G*H) in time order. Offsets are relative to the block.
  const perDirection = (T + 1) * BH * (lstm ? 2 : 1) + T * B * AH + T * B * GH;
  const own = Tensor.empty([B * GH + D * perDirection]);
  const saved = ws.map((_, d) => {
    const hs = B * GH + d * perDirection;
    const cs = lstm ? hs + (T + 1) * BH : -1;
    const act = hs + (T + 1) * BH * (lstm ? 2 : 1);
    return { hs, cs, act, gx: act + T * B * AH };
  });
  // every buffer is allocated and held: offsets stay valid from here on
  const k = backend();
  const o = own.base;
  const gh = o; // (B, G*H), one step's h W_hh^T
  ws.forEach((w, d) => {
    const gx = o + saved[d].gx;
    const act = o + saved[d].act;
    const hs = o + saved[d].hs;
    const cs = lstm ? o + saved[d].cs : -1;
    k.matmul(1, T * B, GH, I, mat(xc.base, I), mat(w.wih.base, I, true), mat(gx, GH), false); // (T*B, I) @ (I, G*H)
    copyBlock(h0c.base + d * BH, hs, BH);
    if (lstm) copyBlock(c0c!.base + d * BH, cs, BH);
    for (let s = 0; s < T; s++) {
      const t = d === 0 ? s : T - 1 - s;
      const h = hs + s * BH;
      k.matmul(1, B, GH, H, mat(h, H), mat(w.whh.base, H, true), mat(gh, GH), false); // (B, H) @ (H, G*H)
      k.recurrentStep({
        cell, B, H,
        gx: gx + t * B * GH,
        gh,
        bih: w.bih?.base ?? -1,
        bhh: w.bhh?.base ?? -1,
        h,
        c: lstm ? cs + s * BH : -1,
        act: act + s * B * AH,
        hOut: h + BH,
        cOut: lstm ? cs + (s + 1) * BH : -1,
        y: y.base + t * B * DH + d * H,
        yStride: DH,
        mask: mc ? mc.base + t * B : -1,
      });
    }
    copyBlock(hs + T * BH, hN.base + d * BH, BH);
    if (lstm) copyBlock(cs + T * BH, cN!.base + d * BH, BH);
  });

  const inputs: Tensor[] = [x, h0, ...(c0 ? [c0] : [])];
  for (const w of weights) inputs.push(w.wih, w.whh, ...(w.bih ? [w.bih] : []), ...(w.bhh ? [w.bhh] : []));
  // The op's own block never leaves it: it goes back to the heap as soon as it is dead (now, or after
  // the backward), rather than as garbage for the next collection (generation makes one per token).
  if (!needsGrad(...inputs)) {
    own.dispose();
    return { y, hN, cN };
  }

  record(`${cell.toUpperCase()}Layer`, inputs, lstm ? [y, hN, cN!] : [y, hN], ([gy, ghN, gcN]) => {
    const gyc = gy?.contiguous() ?? null;
    const ghc = ghN?.contiguous() ?? null;
    const gcc = gcN?.contiguous() ?? null;
    const dx = x.requiresGrad ? Tensor.empty([T, B, I]) : null;
    const dh0 = Tensor.empty([D, B, H]);
    const dc0 = lstm ? Tensor.empty([D, B, H]) : null;
    // dgx (time order) and dgh (processing order, paired with hs[0..T)), (T, B, G*H) each per direction
    const gates = Tensor.empty([D * 2 * T * B * GH]);
    const grads = ws.map((w, d) => ({
      dgx: 2 * d * T * B * GH,
      dgh: (2 * d + 1) * T * B * GH,
      dwih: Tensor.empty(w.wih.shape),
      dwhh: Tensor.empty(w.whh.shape),
      dbih: w.bih ? Tensor.empty([GH]) : null,
      dbhh: w.bhh ? Tensor.empty([GH]) : null,
    }));
    const kb = backend();
    const o = own.base;
    const go = gates.base;
    ws.forEach((w, d) => {
      const act = o + saved[d].act;
      const hs = o + saved[d].hs;
      const cs = lstm ? o + saved[d].cs : -1;
      const g = grads[d];
      const dgxAll = go + g.dgx;
      const dghAll = go + g.dgh;
      const dh = dh0.base + d * BH; // the carried dL/dh, ends as dL/dh0
      const dc = dc0 ? dc0.base + d * BH : -1;
      if (ghc) copyBlock(ghc.base + d * BH, dh, BH);
      else kb.fill({ kind: 'f32', off: dh, strides: [1] }, BH, 0);
      if (dc0) {
        if (gcc) copyBlock(gcc.base + d * BH, dc, BH);
        else kb.fill({ kind: 'f32', off: dc, strides: [1] }, BH, 0);
      }
      for (let s = T - 1; s >= 0; s--) {
        const t = d === 0 ? s : T - 1 - s;
        const dgh = dghAll + s * B * GH;
        kb.recurrentStepBackward({
          cell, B, H,
          h: hs + s * BH,
          c: lstm ? cs + s * BH : -1,
          act: act + s * B * AH,
          cOut: lstm ? cs + (s + 1) * BH : -1,
          dy: gyc ? gyc.base + t * B * DH + d * H : -1,
          yStride: DH,
          mask: mc ? mc.base + t * B : -1,
          dh,
          dc,
          dgx: dgxAll + t * B * GH,
          dgh,
        });
        kb.matmul(1, B, H, GH, mat(dgh, GH), mat(w.whh.base, H), mat(dh, H), true); // dh += (B, G*H) @ (G*H, H)
      }
      const TB = T * B;
      kb.matmul(1, GH, I, TB, mat(dgxAll, GH, true), mat(xc.base, I), mat(g.dwih.base, I), false); // (G*H, T*B) @ (T*B, I)
      kb.matmul(1, GH, H, TB, mat(dghAll, GH, true), mat(hs, H), mat(g.dwhh.base, H), false); // (G*H, T*B) @ (T*B, H)
      if (g.dbih) kb.reduce('sum', { kind: 'f32', off: dgxAll, strides: [] }, { kind: 'f32', off: g.dbih.base, strides: [] }, 1, TB, GH);
      if (g.dbhh) kb.reduce('sum', { kind: 'f32', off: dghAll, strides: [] }, { kind: 'f32', off: g.dbhh.base, strides: [] }, 1, TB, GH);
      if (dx) kb.matmul(1, TB, I, GH, mat(dgxAll, GH), mat(w.wih.base, I), mat(dx.base, I), d > 0); // dx (+)= (T*B, G*H) @ (G*H, I)
    });
    // the graph runs backward once: the saved activations and the gate gradients are dead now
    own.dispose();
    gates.dispose();
    const out: (Tensor | null)[] = [dx, h0.requiresGrad ? dh0 : null];
    if (c0) out.push(c0.requiresGrad ? dc0 : null);
    weights.forEach((w, d) => {
      const g = grads[d];
      out.push(w.wih.requiresGrad ? g.dwih : null, w.whh.requiresGrad ? g.dwhh : null);
      if (w.bih) out.push(w.bih.requiresGrad ? g.dbih : null);
      if (w.bhh) out.push(w.bhh.requiresGrad ? g.dbhh : null);
    });
    return out;
  });
  return { y, hN, cN };
}

/** Copies n contiguous f32 elements (a state block) inside the heap. */
function copyBlock(src: number, dst: number, n: number): void {
  backend().copy({ kind: 'f32', off: src, strides: [1] }, { kind: 'f32', off: dst, strides: [1] }, [n]);
}
