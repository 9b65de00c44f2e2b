// AssemblyScript, not TypeScript: compiled to dist/wasm/loom.wasm by scripts/build-wasm.mjs.
//
// Layer normalisation over rows of D contiguous floats, forward and backward (the reference backend's
// `layerNorm` and `layerNormBackward`). w and b are 0 when absent.
//
//   forward:  mean = sum(x) / D,  rstd = 1 / sqrt(sum((x - mean)^2) / D + eps),  y = (x - mean) rstd w + b
//   backward: xhat = (x - mean) rstd,  g = dy w
//             dx = rstd (g - mean(g) - xhat mean(g xhat))          (rows, `layerNormBackward`)
//             dw += sum_rows dy xhat,  db += sum_rows dy           (columns, `layerNormParamGrad`)

import { fmacc } from './lib/fma';
import { hsum, loadUpTo4, storeUpTo4 } from './lib/vmath';

/** Rows [start, end): y, and each row's mean and rstd (saved for the backward). */
export function layerNorm(start: i32, end: i32, part: i32, x: usize, w: usize, b: usize, y: usize, mean: usize, rstd: usize, D: i32, eps: f64): void {
  const rowBytes = <usize>D << 2;
  const D4 = D & ~3;
  for (let r = start; r < end; r++) {
    const xo = x + <usize>r * rowBytes;
    const yo = y + <usize>r * rowBytes;
    let acc = f32x4.splat(0);
    for (let j = 0; j < D4; j += 4) acc = f32x4.add(acc, v128.load(xo + (<usize>j << 2)));
    let s = hsum(acc);
    for (let j = D4; j < D; j++) s += load<f32>(xo + (<usize>j << 2));
    const mu: f32 = s / <f32>D;
    const vmu = f32x4.splat(mu);
    acc = f32x4.splat(0);
    for (let j = 0; j < D4; j += 4) {
      const d = f32x4.sub(v128.load(xo + (<usize>j << 2)), vmu);
      acc = fmacc(acc, d, d);
    }
    let v = hsum(acc);
    for (let j = D4; j < D; j++) {
      const d = load<f32>(xo + (<usize>j << 2)) - mu;
      v += d * d;
    }
    const rs = <f32>(1 / Math.sqrt(<f64>v / <f64>D + eps));
    store<f32>(mean + (<usize>r << 2), mu);
    store<f32>(rstd + (<usize>r << 2), rs);
    const vrs = f32x4.splat(rs);
    for (let j = 0; j < D; j += 4) {
      const k = D - j;
      const o = <usize>j << 2;
      let t = f32x4.mul(f32x4.sub(loadUpTo4(xo + o, k), vmu), vrs);
      if (w != 0) t = f32x4.mul(t, loadUpTo4(w + o, k));
      if (b != 0) t = f32x4.add(t, loadUpTo4(b + o, k));
      storeUpTo4(yo + o, t, k);
    }
  }
}

/** dx for rows [start, end) (see above). */
export function layerNormBackward(start: i32, end: i32, part: i32, x: usize, w: usize, mean: usize, rstd: usize, dy: usize, dx: usize, D: i32): void {
  const rowBytes = <usize>D << 2;
  for (let r = start; r < end; r++) {
    const xo = x + <usize>r * rowBytes;
    const go = dy + <usize>r * rowBytes;
    const outp = dx + <usize>r * rowBytes;
    const vmu = v128.load32_splat(mean + (<usize>r << 2));
    const rs = load<f32>(rstd + (<usize>r << 2));
    const vrs = f32x4.splat(rs);
    let sg = f32x4.splat(0);
    let sgx = f32x4.splat(0);
    for (let j = 0; j < D; j += 4) {
      const k = D - j;
      const o = <usize>j << 2;
      const xh = f32x4.mul(f32x4.sub(loadUpTo4(xo + o, k), vmu), vrs);
      let g = loadUpTo4(go + o, k);
      if (w != 0) g = f32x4.mul(g, loadUpTo4(w + o, k));
      sg = f32x4.add(sg, g); // the tail lanes load as zeros: they add nothing
      sgx = fmacc(sgx, g, xh);
    }
    const mg = f32x4.splat(hsum(sg) / <f32>D);
    const mgx = f32x4.splat(hsum(sgx) / <f32>D);
    for (let j = 0; j < D; j += 4) {
      const k = D - j;
      const o = <usize>j << 2;
      const xh = f32x4.mul(f32x4.sub(loadUpTo4(xo + o, k), vmu), vrs);
      let g = loadUpTo4(go + o, k);
      if (w != 0) g = f32x4.mul(g, loadUpTo4(w + o, k));
      storeUpTo4(outp + o, f32x4.mul(vrs, f32x4.sub(f32x4.sub(g, mg), f32x4.mul(xh, mgx))), k);
    }
  }
}

/** dw[j] += sum_r dy[r, j] xhat[r, j] and db[j] += sum_r dy[r, j] for column groups [start, end) of 4. */
export function layerNormParamGrad(start: i32, end: i32, part: i32, x: usize, mean: usize, rstd: usize, dy: usize, dw: usize, db: usize, rows: i32, D: i32): void {
  const rowBytes = <usize>D << 2;
  for (let c = start; c < end; c++) {
    const j = c << 2;
    const k = D - j;
    const o = <usize>j << 2;
    let aw = f32x4.splat(0);
    let ab = f32x4.splat(0);
    for (let r = 0; r < rows; r++) {
      const ro = <usize>r * rowBytes + o;
      const gy = loadUpTo4(dy + ro, k);
      const xh = f32x4.mul(f32x4.sub(loadUpTo4(x + ro, k), v128.load32_splat(mean + (<usize>r << 2))), v128.load32_splat(rstd + (<usize>r << 2)));
      aw = fmacc(aw, gy, xh);
      ab = f32x4.add(ab, gy);
    }
    if (dw != 0) storeUpTo4(dw + o, f32x4.add(loadUpTo4(dw + o, k), aw), k);
    if (db != 0) storeUpTo4(db + o, f32x4.add(loadUpTo4(db + o, k), ab), k);
  }
}
