// AssemblyScript, not TypeScript: compiled to dist/wasm/loom.wasm by scripts/build-wasm.mjs.
//
// The fused recurrent step, forward and backward, for the LSTM, the GRU and the Elman RNN: the
// reference backend's `recurrentStep` / `recurrentStepBackward` (src/backends/reference-rnn.ts, the
// specification, with the gate layout and the saved activations documented in backend.ts).
// Pointers are byte addresses; an absent operand (bias, y, dy, mask, c) is 0. Vectorised over the
// hidden units j, four at a time.

import { fmacc, fmadd } from './lib/fma';
import { loadUpTo4, storeUpTo4, vsigmoid, vtanh } from './lib/vmath';

/** x part + bias + h part + bias of gate elements [o, o+4) (bytes), in the reference's order. */
// @ts-ignore: decorator
@inline
function pre(X: usize, G: usize, bih: usize, bhh: usize, o: usize, k: i32): v128 {
  let s = loadUpTo4(X + o, k);
  if (bih != 0) s = f32x4.add(s, loadUpTo4(bih + o, k));
  s = f32x4.add(s, loadUpTo4(G + o, k));
  if (bhh != 0) s = f32x4.add(s, loadUpTo4(bhh + o, k));
  return s;
}

const RNN_TANH: i32 = 0, RNN_RELU: i32 = 1, LSTM: i32 = 2, GRU: i32 = 3;

/** Gates per cell (G) and saved activations per row in units of H (A), by cell code. */
// @ts-ignore: decorator
@inline
function gates(cell: i32): i32 {
  return cell == LSTM ? 4 : cell == GRU ? 3 : 1;
}

// @ts-ignore: decorator
@inline
function saved(cell: i32): i32 {
  return cell == LSTM || cell == GRU ? 4 : 1;
}

/** One time step for rows [start, end) of B (see RecurrentStep in backend.ts). */
export function recurrentStep(
  start: i32, end: i32, part: i32, cell: i32, H: i32, gx: usize, gh: usize, bih: usize, bhh: usize, h: usize, c: usize,
  act: usize, hOut: usize, cOut: usize, y: usize, yStride: i32, mask: usize,
): void {
  const Hb = <usize>H << 2;
  const GHb = Hb * <usize>gates(cell);
  const Ab = Hb * <usize>saved(cell);
  const yb = <usize>yStride << 2;
  for (let r = start; r < end; r++) {
    const X = gx + <usize>r * GHb;
    const G = gh + <usize>r * GHb;
    const S = act + <usize>r * Ab;
    const hp = h + <usize>r * Hb;
    const ho = hOut + <usize>r * Hb;
    const yo = y + <usize>r * yb;
    if (mask != 0 && load<u8>(mask + r) == 0) {
      // past this sequence's end: the state passes through unchanged, the output is zero
      memory.copy(ho, hp, Hb);
      if (cell == LSTM) memory.copy(cOut + <usize>r * Hb, c + <usize>r * Hb, Hb);
      if (y != 0) memory.fill(yo, 0, Hb);
      continue;
    }
    for (let j = 0; j < H; j += 4) {
      const k = H - j;
      const o = <usize>j << 2;
      let hn: v128;
      if (cell == LSTM) {
        const i = vsigmoid(pre(X, G, bih, bhh, o, k));
        const f = vsigmoid(pre(X, G, bih, bhh, o + Hb, k));
        const g = vtanh(pre(X, G, bih, bhh, o + 2 * Hb, k));
        const og = vsigmoid(pre(X, G, bih, bhh, o + 3 * Hb, k));
        const cp = c + <usize>r * Hb + o;
        const cn = fmadd(f, loadUpTo4(cp, k), f32x4.mul(i, g));
        storeUpTo4(cOut + <usize>r * Hb + o, cn, k);
        hn = f32x4.mul(og, vtanh(cn));
        storeUpTo4(S + o, i, k);
        storeUpTo4(S + Hb + o, f, k);
        storeUpTo4(S + 2 * Hb + o, g, k);
        storeUpTo4(S + 3 * Hb + o, og, k);
      } else if (cell == GRU) {
        const rg = vsigmoid(pre(X, G, bih, bhh, o, k));
        const z = vsigmoid(pre(X, G, bih, bhh, o + Hb, k));
        const o2 = o + 2 * Hb;
        let hn_ = loadUpTo4(G + o2, k); // W_hn h + b_hn
        if (bhh != 0) hn_ = f32x4.add(hn_, loadUpTo4(bhh + o2, k));
        let xn = loadUpTo4(X + o2, k);
        if (bih != 0) xn = f32x4.add(xn, loadUpTo4(bih + o2, k));
        const n = vtanh(fmacc(xn, rg, hn_));
        hn = fmadd(f32x4.sub(f32x4.splat(1), z), n, f32x4.mul(z, loadUpTo4(hp + o, k)));
        storeUpTo4(S + o, rg, k);
        storeUpTo4(S + Hb + o, z, k);
        storeUpTo4(S + 2 * Hb + o, n, k);
        storeUpTo4(S + 3 * Hb + o, hn_, k);
      } else {
        const p = pre(X, G, bih, bhh, o, k);
        hn = cell == RNN_TANH ? vtanh(p) : v128.bitselect(p, f32x4.splat(0), f32x4.gt(p, f32x4.splat(0)));
        storeUpTo4(S + o, hn, k);
      }
      storeUpTo4(ho + o, hn, k);
      if (y != 0) storeUpTo4(yo + o, hn, k);
    }
  }
}

/** The backward of one step for rows [start, end) (see RecurrentStepBackward in backend.ts); dh and dc are updated in place. */
export function recurrentStepBackward(
  start: i32, end: i32, part: i32, cell: i32, H: i32, h: usize, c: usize, act: usize, cOut: usize, dy: usize, yStride: i32,
  mask: usize, dh: usize, dc: usize, dgx: usize, dgh: usize,
): void {
  const Hb = <usize>H << 2;
  const GHb = Hb * <usize>gates(cell);
  const Ab = Hb * <usize>saved(cell);
  const yb = <usize>yStride << 2;
  const one = f32x4.splat(1);
  const zero = f32x4.splat(0);
  for (let r = start; r < end; r++) {
    const S = act + <usize>r * Ab;
    const DX = dgx + <usize>r * GHb;
    const DG = dgh + <usize>r * GHb;
    const dho = dh + <usize>r * Hb;
    if (mask != 0 && load<u8>(mask + r) == 0) {
      // the state passed through: so does its gradient (dh, dc unchanged); no gate gradients
      memory.fill(DX, 0, GHb);
      memory.fill(DG, 0, GHb);
      continue;
    }
    const dyo = dy + <usize>r * yb;
    for (let j = 0; j < H; j += 4) {
      const k = H - j;
      const o = <usize>j << 2;
      let dH = loadUpTo4(dho + o, k);
      if (dy != 0) dH = f32x4.add(dH, loadUpTo4(dyo + o, k));
      if (cell == LSTM) {
        const i = loadUpTo4(S + o, k);
        const fg = loadUpTo4(S + Hb + o, k);
        const g = loadUpTo4(S + 2 * Hb + o, k);
        const og = loadUpTo4(S + 3 * Hb + o, k);
        const ro = <usize>r * Hb + o;
        const tc = vtanh(loadUpTo4(cOut + ro, k));
        const dC = fmacc(loadUpTo4(dc + ro, k), f32x4.mul(dH, og), f32x4.sub(one, f32x4.mul(tc, tc)));
        const di = f32x4.mul(f32x4.mul(f32x4.mul(dC, g), i), f32x4.sub(one, i));
        const df = f32x4.mul(f32x4.mul(f32x4.mul(dC, loadUpTo4(c + ro, k)), fg), f32x4.sub(one, fg));
        const dg = f32x4.mul(f32x4.mul(dC, i), f32x4.sub(one, f32x4.mul(g, g)));
        const dO = f32x4.mul(f32x4.mul(f32x4.mul(dH, tc), og), f32x4.sub(one, og));
        storeUpTo4(DX + o, di, k);
        storeUpTo4(DG + o, di, k);
        storeUpTo4(DX + Hb + o, df, k);
        storeUpTo4(DG + Hb + o, df, k);
        storeUpTo4(DX + 2 * Hb + o, dg, k);
        storeUpTo4(DG + 2 * Hb + o, dg, k);
        storeUpTo4(DX + 3 * Hb + o, dO, k);
        storeUpTo4(DG + 3 * Hb + o, dO, k);
        storeUpTo4(dc + ro, f32x4.mul(dC, fg), k);
        storeUpTo4(dho + o, zero, k);
      } else if (cell == GRU) {
        const rg = loadUpTo4(S + o, k);
        const z = loadUpTo4(S + Hb + o, k);
        const n = loadUpTo4(S + 2 * Hb + o, k);
        const hn_ = loadUpTo4(S + 3 * Hb + o, k);
        const dn = f32x4.mul(f32x4.mul(dH, f32x4.sub(one, z)), f32x4.sub(one, f32x4.mul(n, n)));
        const hp = loadUpTo4(h + <usize>r * Hb + o, k);
        const dz = f32x4.mul(f32x4.mul(f32x4.mul(dH, f32x4.sub(hp, n)), z), f32x4.sub(one, z));
        const dr = f32x4.mul(f32x4.mul(f32x4.mul(dn, hn_), rg), f32x4.sub(one, rg));
        storeUpTo4(DX + o, dr, k);
        storeUpTo4(DG + o, dr, k);
        storeUpTo4(DX + Hb + o, dz, k);
        storeUpTo4(DG + Hb + o, dz, k);
        storeUpTo4(DX + 2 * Hb + o, dn, k);
        storeUpTo4(DG + 2 * Hb + o, f32x4.mul(dn, rg), k);
        storeUpTo4(dho + o, f32x4.mul(dH, z), k);
      } else {
        const hn = loadUpTo4(S + o, k);
        const d = cell == RNN_TANH
          ? f32x4.mul(dH, f32x4.sub(one, f32x4.mul(hn, hn)))
          : v128.bitselect(dH, zero, f32x4.gt(hn, zero));
        storeUpTo4(DX + o, d, k);
        storeUpTo4(DG + o, d, k);
        storeUpTo4(dho + o, zero, k);
      }
    }
  }
}
