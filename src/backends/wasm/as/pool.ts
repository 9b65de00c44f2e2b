// AssemblyScript, not TypeScript: compiled to dist/wasm/loom.wasm by scripts/build-wasm.mjs.
//
// 2-d pooling over (H, W) planes, split over planes (the reference backend's `maxPool`,
// `maxPoolBackward`, `avgPool` and `avgPoolBackward`, src/backends/reference-pool.ts). They do the
// reference's arithmetic in its order (the window sums in float64), so the results are bit-identical.
// Max pooling takes four neighbouring outputs at once where their windows lie inside the input (f32x4
// lanes, the taps in the reference's order); the edges, the backward and average pooling are scalar.

/** Four floats at p, p + step, p + 2 step, p + 3 step (step in floats). */
// @ts-ignore: decorator
@inline
function load4(p: usize, step: i32): v128 {
  if (step == 1) return v128.load(p);
  if (step == 2) return f32x4.shuffle(v128.load(p), v128.load(p, 12), 0, 2, 5, 7); // floats 0-3 and 3-6: no read past float 6
  const b = <usize>step << 2;
  let v = v128.load32_zero(p);
  v = f32x4.replace_lane(v, 1, load<f32>(p + b));
  v = f32x4.replace_lane(v, 2, load<f32>(p + 2 * b));
  return f32x4.replace_lane(v, 3, load<f32>(p + 3 * b));
}

/** One output's window, scalar, with the bounds checks (the reference's loop). */
// @ts-ignore: decorator
@inline
function maxWindow(xp: usize, yq: usize, iq: usize, H: i32, W: i32, h0: i32, w0: i32, kH: i32, kW: i32, dH: i32, dW: i32): void {
  let max: f32 = -Infinity;
  let at = -1;
  for (let ki = 0; ki < kH; ki++) {
    const h = h0 + ki * dH;
    if (h < 0 || h >= H) continue;
    for (let kj = 0; kj < kW; kj++) {
      const w = w0 + kj * dW;
      if (w < 0 || w >= W) continue;
      const v = load<f32>(xp + (<usize>(h * W + w) << 2));
      if (at < 0 || v > max || v != v) {
        max = v;
        at = h * W + w;
      }
    }
  }
  store<f32>(yq, max);
  store<i32>(iq, at);
}

/** Planes [start, end): y = the window's maximum, idx = its flat h * W + w (the first; a NaN always wins). */
export function maxPool(
  start: i32, end: i32, part: i32, x: usize, y: usize, idx: usize, H: i32, W: i32,
  kH: i32, kW: i32, sH: i32, sW: i32, pH: i32, pW: i32, dH: i32, dW: i32, OH: i32, OW: i32,
): void {
  const P = OH * OW;
  // outputs [owLo, owHi) have every column of their window inside the input
  let owLo = 0;
  while (owLo < OW && owLo * sW - pW < 0) owLo++;
  let owHi = OW;
  while (owHi > owLo && (owHi - 1) * sW - pW + (kW - 1) * dW >= W) owHi--;
  const lanes = i32x4(0, sW, 2 * sW, 3 * sW);
  for (let c = start; c < end; c++) {
    const xp = x + (<usize>c * <usize>(H * W) << 2);
    const yp = y + (<usize>c * <usize>P << 2);
    const ip = idx + (<usize>c * <usize>P << 2);
    for (let oh = 0; oh < OH; oh++) {
      const h0 = oh * sH - pH;
      const rowInside = h0 >= 0 && h0 + (kH - 1) * dH < H;
      const q0 = oh * OW;
      let ow = 0;
      if (rowInside) {
        for (; ow < owLo; ow++) maxWindow(xp, yp + (<usize>(q0 + ow) << 2), ip + (<usize>(q0 + ow) << 2), H, W, h0, ow * sW - pW, kH, kW, dH, dW);
        for (; ow < owHi && owHi - owLo >= 4; ow += 4) {
          // the last group ends at owHi, overlapping the one before: its outputs are written twice, alike
          if (ow + 4 > owHi) ow = owHi - 4;
          const w0 = ow * sW - pW;
          // the first tap starts the maximum, each later one replaces it when larger or NaN
          let max = load4(xp + (<usize>(h0 * W + w0) << 2), sW);
          let at = i32x4.add(i32x4.splat(h0 * W + w0), lanes);
          for (let ki = 0; ki < kH; ki++) {
            const h = h0 + ki * dH;
            for (let kj = ki == 0 ? 1 : 0; kj < kW; kj++) {
              const o = h * W + w0 + kj * dW;
              const v = load4(xp + (<usize>o << 2), sW);
              const take = v128.or(f32x4.gt(v, max), f32x4.ne(v, v));
              max = v128.bitselect(v, max, take);
              at = v128.bitselect(i32x4.add(i32x4.splat(o), lanes), at, take);
            }
          }
          v128.store(yp + (<usize>(q0 + ow) << 2), max);
          v128.store(ip + (<usize>(q0 + ow) << 2), at);
        }
      }
      for (; ow < OW; ow++) maxWindow(xp, yp + (<usize>(q0 + ow) << 2), ip + (<usize>(q0 + ow) << 2), H, W, h0, ow * sW - pW, kH, kW, dH, dW);
    }
  }
}

/** Planes [start, end): dx = 0, then dx[plane, idx] += dy. */
export function maxPoolBackward(start: i32, end: i32, part: i32, dy: usize, idx: usize, dx: usize, HW: i32, P: i32): void {
  for (let c = start; c < end; c++) {
    const xp = dx + (<usize>c * <usize>HW << 2);
    memory.fill(xp, 0, <usize>HW << 2); // the plane is written here, in cache, not by a fill pass before
    const base = <usize>c * <usize>P << 2;
    for (let q = 0; q < P; q++) {
      const o = base + (<usize>q << 2);
      const at = load<i32>(idx + o);
      if (at >= 0) {
        const p = xp + (<usize>at << 2);
        store<f32>(p, load<f32>(p) + load<f32>(dy + o));
      }
    }
  }
}

/** Planes [start, end): y = the float64 window sum / divisor; win (P, 5) int32 = h0, h1, w0, w1, divisor. */
export function avgPool(start: i32, end: i32, part: i32, x: usize, y: usize, H: i32, W: i32, P: i32, win: usize): void {
  for (let c = start; c < end; c++) {
    const xp = x + (<usize>c * <usize>(H * W) << 2);
    const yp = y + (<usize>c * <usize>P << 2);
    for (let q = 0; q < P; q++) {
      const o = win + <usize>q * 20;
      const h1 = load<i32>(o, 4);
      const w0 = load<i32>(o, 8);
      const w1 = load<i32>(o, 12);
      let s: f64 = 0;
      for (let h = load<i32>(o); h < h1; h++) {
        const row = xp + (<usize>(h * W) << 2);
        for (let w = w0; w < w1; w++) s += <f64>load<f32>(row + (<usize>w << 2));
      }
      store<f32>(yp + (<usize>q << 2), <f32>(s / <f64>load<i32>(o, 16)));
    }
  }
}

/** Planes [start, end): dx = 0, then dx += dy / divisor over every window, in float64 and rounded once per add. */
export function avgPoolBackward(start: i32, end: i32, part: i32, dy: usize, dx: usize, H: i32, W: i32, P: i32, win: usize): void {
  for (let c = start; c < end; c++) {
    const xp = dx + (<usize>c * <usize>(H * W) << 2);
    memory.fill(xp, 0, <usize>(H * W) << 2);
    const gp = dy + (<usize>c * <usize>P << 2);
    for (let q = 0; q < P; q++) {
      const o = win + <usize>q * 20;
      const h1 = load<i32>(o, 4);
      const w0 = load<i32>(o, 8);
      const w1 = load<i32>(o, 12);
      const v = <f64>load<f32>(gp + (<usize>q << 2)) / <f64>load<i32>(o, 16);
      for (let h = load<i32>(o); h < h1; h++) {
        const row = xp + (<usize>(h * W) << 2);
        for (let w = w0; w < w1; w++) {
          const p = row + (<usize>w << 2);
          store<f32>(p, <f32>(<f64>load<f32>(p) + v));
        }
      }
    }
  }
}
