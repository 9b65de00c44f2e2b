// AssemblyScript, not TypeScript: compiled to dist/wasm/loom.wasm by scripts/build-wasm.mjs.
//
// Batch normalisation over x (N, C, S), per channel c over its M = N*S values (the reference backend's
// `batchNormStats`, `batchNormApply`, `batchNormBackward` and `batchNormRunningUpdate`,
// src/backends/reference-batchnorm.ts). w and b are 0 when absent, as dx, dw and db.
//
//   stats:    mean = sum(x) / M,  var = sum((x - mean)^2) / M,  rstd = 1 / sqrt(var + eps)
//   apply:    y = (x - mean) * (rstd * w) + b
//   backward: xhat = (x - mean) rstd,  g = dy w,  dw = sum(dy xhat),  db = sum(dy),
//             dx = rstd (g - mean(g) - xhat mean(g xhat))   (eval statistics: dx = rstd g)
//
// As the reference, everything is float64 (f64x2 pairs of widened f32x4 lanes) and rounded once to
// f32, so every element gets the reference's arithmetic; only the sums are reassociated (two pairs of
// lanes, then the tail), a float64 rounding difference that the f32 results almost never show.

import { hsum64, narrow, widenHigh, widenLow } from './lib/widen';

/** Channels [start, end): mean, rstd and the biased variance. */
export function batchNormStats(start: i32, end: i32, part: i32, x: usize, mean: usize, rstd: usize, variance: usize, N: i32, C: i32, S: i32, eps: f64): void {
  const S4 = S & ~3;
  const M = <f64>N * <f64>S;
  for (let c = start; c < end; c++) {
    let a0 = f64x2.splat(0);
    let a1 = f64x2.splat(0);
    let s: f64 = 0;
    for (let n = 0; n < N; n++) {
      const o = x + (<usize>(n * C + c) * <usize>S << 2);
      for (let i = 0; i < S4; i += 4) {
        const v = v128.load(o + (<usize>i << 2));
        a0 = f64x2.add(a0, widenLow(v));
        a1 = f64x2.add(a1, widenHigh(v));
      }
      for (let i = S4; i < S; i++) s += <f64>load<f32>(o + (<usize>i << 2));
    }
    const mu = (hsum64(f64x2.add(a0, a1)) + s) / M;
    const vmu = f64x2.splat(mu);
    a0 = f64x2.splat(0);
    a1 = f64x2.splat(0);
    let v: f64 = 0;
    for (let n = 0; n < N; n++) {
      const o = x + (<usize>(n * C + c) * <usize>S << 2);
      for (let i = 0; i < S4; i += 4) {
        const xv = v128.load(o + (<usize>i << 2));
        const d0 = f64x2.sub(widenLow(xv), vmu);
        const d1 = f64x2.sub(widenHigh(xv), vmu);
        a0 = f64x2.add(a0, f64x2.mul(d0, d0));
        a1 = f64x2.add(a1, f64x2.mul(d1, d1));
      }
      for (let i = S4; i < S; i++) {
        const d = <f64>load<f32>(o + (<usize>i << 2)) - mu;
        v += d * d;
      }
    }
    v = (hsum64(f64x2.add(a0, a1)) + v) / M;
    const co = <usize>c << 2;
    store<f32>(mean + co, <f32>mu);
    store<f32>(variance + co, <f32>v);
    store<f32>(rstd + co, <f32>(1 / Math.sqrt(v + eps)));
  }
}

/** Planes (n, c) in [start, end): y = (x - mean[c]) * (rstd[c] * w[c]) + b[c]. */
export function batchNormApply(start: i32, end: i32, part: i32, x: usize, mean: usize, rstd: usize, w: usize, b: usize, y: usize, C: i32, S: i32): void {
  const S4 = S & ~3;
  for (let t = start; t < end; t++) {
    const co = <usize>(t % C) << 2;
    const mu = <f64>load<f32>(mean + co);
    const scale = <f64>load<f32>(rstd + co) * (w != 0 ? <f64>load<f32>(w + co) : 1);
    const shift: f64 = b != 0 ? <f64>load<f32>(b + co) : 0;
    const vmu = f64x2.splat(mu);
    const vscale = f64x2.splat(scale);
    const vshift = f64x2.splat(shift);
    const xo = x + (<usize>t * <usize>S << 2);
    const yo = y + (<usize>t * <usize>S << 2);
    for (let i = 0; i < S4; i += 4) {
      const xv = v128.load(xo + (<usize>i << 2));
      const lo = f64x2.add(f64x2.mul(f64x2.sub(widenLow(xv), vmu), vscale), vshift);
      const hi = f64x2.add(f64x2.mul(f64x2.sub(widenHigh(xv), vmu), vscale), vshift);
      v128.store(yo + (<usize>i << 2), narrow(lo, hi));
    }
    for (let i = S4; i < S; i++) store<f32>(yo + (<usize>i << 2), <f32>((<f64>load<f32>(xo + (<usize>i << 2)) - mu) * scale + shift));
  }
}

/** Channels [start, end): dw, db and dx (see the file comment); `batchStats` 0: the statistics were constants. */
export function batchNormBackward(
  start: i32, end: i32, part: i32, x: usize, w: usize, mean: usize, rstd: usize, dy: usize, dx: usize, dw: usize, db: usize,
  N: i32, C: i32, S: i32, batchStats: i32,
): void {
  const S4 = S & ~3;
  const M = <f64>N * <f64>S;
  for (let c = start; c < end; c++) {
    const co = <usize>c << 2;
    const mu = <f64>load<f32>(mean + co);
    const rs = <f64>load<f32>(rstd + co);
    const wc: f64 = w != 0 ? <f64>load<f32>(w + co) : 1;
    const vmu = f64x2.splat(mu);
    const vrs = f64x2.splat(rs);
    let g0 = f64x2.splat(0);
    let g1 = f64x2.splat(0);
    let gx0 = f64x2.splat(0);
    let gx1 = f64x2.splat(0);
    let sdy: f64 = 0;
    let sdyx: f64 = 0;
    for (let n = 0; n < N; n++) {
      const o = <usize>(n * C + c) * <usize>S << 2;
      for (let i = 0; i < S4; i += 4) {
        const io = o + (<usize>i << 2);
        const gv = v128.load(dy + io);
        const xv = v128.load(x + io);
        const gl = widenLow(gv);
        const gh = widenHigh(gv);
        g0 = f64x2.add(g0, gl);
        g1 = f64x2.add(g1, gh);
        gx0 = f64x2.add(gx0, f64x2.mul(f64x2.mul(gl, f64x2.sub(widenLow(xv), vmu)), vrs));
        gx1 = f64x2.add(gx1, f64x2.mul(f64x2.mul(gh, f64x2.sub(widenHigh(xv), vmu)), vrs));
      }
      for (let i = S4; i < S; i++) {
        const io = o + (<usize>i << 2);
        const g = <f64>load<f32>(dy + io);
        sdy += g;
        sdyx += g * (<f64>load<f32>(x + io) - mu) * rs;
      }
    }
    sdy += hsum64(f64x2.add(g0, g1));
    sdyx += hsum64(f64x2.add(gx0, gx1));
    if (dw != 0) store<f32>(dw + co, <f32>sdyx);
    if (db != 0) store<f32>(db + co, <f32>sdy);
    if (dx == 0) continue;
    const mg = batchStats ? (sdy * wc) / M : 0; // mean(g)
    const mgx = batchStats ? (sdyx * wc) / M : 0; // mean(g * xhat)
    const vwc = f64x2.splat(wc);
    const vmg = f64x2.splat(mg);
    const vmgx = f64x2.splat(mgx);
    for (let n = 0; n < N; n++) {
      const o = <usize>(n * C + c) * <usize>S << 2;
      for (let i = 0; i < S4; i += 4) {
        const io = o + (<usize>i << 2);
        const gv = v128.load(dy + io);
        const xv = v128.load(x + io);
        const xl = f64x2.mul(f64x2.sub(widenLow(xv), vmu), vrs);
        const xh = f64x2.mul(f64x2.sub(widenHigh(xv), vmu), vrs);
        const lo = f64x2.mul(vrs, f64x2.sub(f64x2.sub(f64x2.mul(widenLow(gv), vwc), vmg), f64x2.mul(xl, vmgx)));
        const hi = f64x2.mul(vrs, f64x2.sub(f64x2.sub(f64x2.mul(widenHigh(gv), vwc), vmg), f64x2.mul(xh, vmgx)));
        v128.store(dx + io, narrow(lo, hi));
      }
      for (let i = S4; i < S; i++) {
        const io = o + (<usize>i << 2);
        const xhat = (<f64>load<f32>(x + io) - mu) * rs;
        store<f32>(dx + io, <f32>(rs * (<f64>load<f32>(dy + io) * wc - mg - xhat * mgx)));
      }
    }
  }
}

/** Channels [start, end): rm = (1 - m) rm + m mean, rv = (1 - m) rv + m var M / (M - 1) (rm, rv 0: skipped). */
export function batchNormRunningUpdate(start: i32, end: i32, part: i32, rm: usize, rv: usize, mean: usize, variance: usize, M: f64, m: f64): void {
  const unbias = M / (M - 1);
  for (let c = start; c < end; c++) {
    const co = <usize>c << 2;
    if (rm != 0) store<f32>(rm + co, <f32>((1 - m) * <f64>load<f32>(rm + co) + m * <f64>load<f32>(mean + co)));
    if (rv != 0) store<f32>(rv + co, <f32>((1 - m) * <f64>load<f32>(rv + co) + m * <f64>load<f32>(variance + co) * unbias));
  }
}
