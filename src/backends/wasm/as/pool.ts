// AssemblyScript, not TypeScript: compiled to dist/wasm/loom.wasm by scripts/build-wasm.mjs.
//
// 2-d pooling over (H, W) planes, split over planes (the reference backend's `maxPool`,
// `maxPoolBackward`, `avgPool` and `avgPoolBackward`, src/backends/reference-pool.ts). The windows are
// small and strided, so the kernels are scalar; they do the reference's arithmetic in its order (the
// window sums in float64), so the results are bit-identical.

/** Planes [start, end): y = the window's maximum, idx = its flat h * W + w (the first; a NaN always wins). */
export function maxPool(
  start: i32, end: i32, part: i32, x: usize, y: usize, idx: usize, H: i32, W: i32,
  kH: i32, kW: i32, sH: i32, sW: i32, pH: i32, pW: i32, dH: i32, dW: i32, OH: i32, OW: i32,
): void {
  const P = OH * OW;
  for (let c = start; c < end; c++) {
    const xp = x + (<usize>c * <usize>(H * W) << 2);
    let q = <usize>c * <usize>P;
    for (let oh = 0; oh < OH; oh++)
      for (let ow = 0; ow < OW; ow++, q++) {
        const h0 = oh * sH - pH;
        const w0 = ow * sW - pW;
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
        store<f32>(y + (q << 2), max);
        store<i32>(idx + (q << 2), at);
      }
  }
}

/** Planes [start, end): dx[plane, idx] += dy. */
export function maxPoolBackward(start: i32, end: i32, part: i32, dy: usize, idx: usize, dx: usize, HW: i32, P: i32): void {
  for (let c = start; c < end; c++) {
    const xp = dx + (<usize>c * <usize>HW << 2);
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

/** Planes [start, end): dx += dy / divisor over every window, in float64 and rounded once per add. */
export function avgPoolBackward(start: i32, end: i32, part: i32, dy: usize, dx: usize, H: i32, W: i32, P: i32, win: usize): void {
  for (let c = start; c < end; c++) {
    const xp = dx + (<usize>c * <usize>(H * W) << 2);
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
