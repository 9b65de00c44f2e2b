// AssemblyScript, not TypeScript: compiled to dist/wasm/loom.wasm by scripts/build-wasm.mjs.
//
// The convolution's data movement (the reference backend's `im2col`, `col2im`, `convOutput` and
// `convOutputBackward`, src/backends/reference-conv.ts). x is (N, C, H, W); the columns are
// (C*kH*kW, N*OH*OW), row (c, ki, kj), column (n, oh, ow); rowSrc (kH, OH) and colSrc (kW, OW) are the
// int32 padding tables (the input index a tap reads, -1 for a zero).
//
// Every element gets the reference's arithmetic (copies, and one f32 add per contribution in the
// reference's order), so the results are bit-identical; only db's float64 sum is reassociated.
//
// A kernel column kj whose taps read one contiguous run of the input row, zeros on either side (any
// stride-1 convolution with zero padding), copies or adds that run as a block; other rows go tap by tap.

import { hsum64, widenHigh, widenLow } from './lib/widen';

/**
 * For kernel column kj: the run [lo, hi) of output columns that read input columns s0, s0 + 1, ...,
 * all other columns reading zeros; packed as lo | hi << 16 | (s0 + 1) << 32, or -1 when the columns do
 * not have that form. OW and W are below 2^16 (checked by the caller).
 */
function contiguousRun(colSrc: usize, kj: i32, OW: i32): i64 {
  const t = colSrc + (<usize>(kj * OW) << 2);
  let lo = 0;
  while (lo < OW && load<i32>(t + (<usize>lo << 2)) < 0) lo++;
  if (lo == OW) return <i64>OW | (<i64>OW << 16); // all zeros
  const s0 = load<i32>(t + (<usize>lo << 2));
  let hi = lo + 1;
  while (hi < OW && load<i32>(t + (<usize>hi << 2)) == s0 + hi - lo) hi++;
  for (let ow = hi; ow < OW; ow++) if (load<i32>(t + (<usize>ow << 2)) >= 0) return -1;
  return <i64>lo | (<i64>hi << 16) | (<i64>(s0 + 1) << 32);
}

/** dst[0, n) = src[0, n): vectors, then floats (a call to memory.copy costs more than a short row). */
// @ts-ignore: decorator
@inline
function copyFloats(dst: usize, src: usize, n: i32): void {
  let j = 0;
  for (; j + 4 <= n; j += 4) v128.store(dst + (<usize>j << 2), v128.load(src + (<usize>j << 2)));
  for (; j < n; j++) store<f32>(dst + (<usize>j << 2), load<f32>(src + (<usize>j << 2)));
}

/** dst[0, n) = 0. */
// @ts-ignore: decorator
@inline
function zeroFloats(dst: usize, n: i32): void {
  let j = 0;
  for (; j + 4 <= n; j += 4) v128.store(dst + (<usize>j << 2), i32x4.splat(0));
  for (; j < n; j++) store<f32>(dst + (<usize>j << 2), 0);
}

/** Rows [start, end) of the columns <- x. */
export function im2col(
  start: i32, end: i32, part: i32, x: usize, cols: usize, N: i32, C: i32, H: i32, W: i32,
  kH: i32, kW: i32, OH: i32, OW: i32, rowSrc: usize, colSrc: usize,
): void {
  const P = OH * OW;
  const planeBytes = <usize>(H * W) << 2;
  const rowBytes = <usize>W << 2;
  const owBytes = <usize>OW << 2;
  for (let r = start; r < end; r++) {
    const c = r / (kH * kW);
    const ki = (r / kW) % kH;
    const kj = r % kW;
    const run = contiguousRun(colSrc, kj, OW);
    const lo = <i32>(run & 0xffff);
    const hi = <i32>((run >> 16) & 0xffff);
    const s0 = <i32>(run >> 32) - 1;
    const cs = colSrc + (<usize>(kj * OW) << 2);
    for (let n = 0; n < N; n++) {
      const plane = x + <usize>(n * C + c) * planeBytes;
      let dst = cols + (<usize>r * <usize>N + <usize>n) * (<usize>P << 2);
      for (let oh = 0; oh < OH; oh++, dst += owBytes) {
        const h = load<i32>(rowSrc + (<usize>(ki * OH + oh) << 2));
        if (h < 0) {
          zeroFloats(dst, OW);
          continue;
        }
        const src = plane + <usize>h * rowBytes;
        if (run >= 0) {
          zeroFloats(dst, lo);
          copyFloats(dst + (<usize>lo << 2), src + (<usize>s0 << 2), hi - lo);
          zeroFloats(dst + (<usize>hi << 2), OW - hi);
          continue;
        }
        for (let ow = 0; ow < OW; ow++) {
          const s = load<i32>(cs + (<usize>ow << 2));
          store<f32>(dst + (<usize>ow << 2), s < 0 ? 0 : load<f32>(src + (<usize>s << 2)));
        }
      }
    }
  }
}

/** Input planes (n, c) in [start, end) of dx += col2im(dcols), each tap's contribution in the reference's order. */
export function col2im(
  start: i32, end: i32, part: i32, dcols: usize, dx: usize, N: i32, C: i32, H: i32, W: i32,
  kH: i32, kW: i32, OH: i32, OW: i32, rowSrc: usize, colSrc: usize,
): void {
  const P = OH * OW;
  const planeBytes = <usize>(H * W) << 2;
  const rowBytes = <usize>W << 2;
  const owBytes = <usize>OW << 2;
  for (let t = start; t < end; t++) {
    const n = t / C;
    const c = t % C;
    const plane = dx + <usize>t * planeBytes;
    for (let ki = 0; ki < kH; ki++)
      for (let kj = 0; kj < kW; kj++) {
        const r = (c * kH + ki) * kW + kj;
        const run = contiguousRun(colSrc, kj, OW);
        const lo = <i32>(run & 0xffff);
        const hi = <i32>((run >> 16) & 0xffff);
        const s0 = <i32>(run >> 32) - 1;
        const cs = colSrc + (<usize>(kj * OW) << 2);
        let src = dcols + (<usize>r * <usize>N + <usize>n) * (<usize>P << 2);
        for (let oh = 0; oh < OH; oh++, src += owBytes) {
          const h = load<i32>(rowSrc + (<usize>(ki * OH + oh) << 2));
          if (h < 0) continue;
          const dst = plane + <usize>h * rowBytes;
          if (run >= 0) {
            const len = hi - lo;
            const d = dst + (<usize>s0 << 2);
            const s = src + (<usize>lo << 2);
            let j = 0;
            for (; j + 4 <= len; j += 4) {
              const o = <usize>j << 2;
              v128.store(d + o, f32x4.add(v128.load(d + o), v128.load(s + o)));
            }
            for (; j < len; j++) {
              const o = <usize>j << 2;
              store<f32>(d + o, load<f32>(d + o) + load<f32>(s + o));
            }
            continue;
          }
          for (let ow = 0; ow < OW; ow++) {
            const sc = load<i32>(cs + (<usize>ow << 2));
            if (sc >= 0) {
              const p = dst + (<usize>sc << 2);
              store<f32>(p, load<f32>(p) + load<f32>(src + (<usize>ow << 2)));
            }
          }
        }
      }
  }
}

/** Output planes (n, o) in [start, end) of out (N, O, P) = y (O, N, P) + bias (bias 0: none). */
export function convOutput(start: i32, end: i32, part: i32, y: usize, bias: usize, out: usize, N: i32, O: i32, P: i32): void {
  const pBytes = <usize>P << 2;
  const P4 = P & ~3;
  for (let t = start; t < end; t++) {
    const n = t / O;
    const o = t % O;
    const b: f32 = bias != 0 ? load<f32>(bias + (<usize>o << 2)) : 0;
    const vb = f32x4.splat(b);
    const src = y + <usize>(o * N + n) * pBytes;
    const dst = out + <usize>t * pBytes;
    for (let p = 0; p < P4; p += 4) v128.store(dst + (<usize>p << 2), f32x4.add(v128.load(src + (<usize>p << 2)), vb));
    for (let p = P4; p < P; p++) store<f32>(dst + (<usize>p << 2), load<f32>(src + (<usize>p << 2)) + b);
  }
}

/** Channels o in [start, end): dy (O, N, P) <- dout (N, O, P) and db[o] = the float64 sum over N and P (db 0: skipped). */
export function convOutputBackward(start: i32, end: i32, part: i32, dout: usize, dy: usize, db: usize, N: i32, O: i32, P: i32): void {
  const pBytes = <usize>P << 2;
  const P4 = P & ~3;
  for (let o = start; o < end; o++) {
    let a0 = f64x2.splat(0);
    let a1 = f64x2.splat(0);
    let s: f64 = 0;
    for (let n = 0; n < N; n++) {
      const src = dout + <usize>(n * O + o) * pBytes;
      const dst = dy + <usize>(o * N + n) * pBytes;
      for (let p = 0; p < P4; p += 4) {
        const v = v128.load(src + (<usize>p << 2));
        v128.store(dst + (<usize>p << 2), v);
        a0 = f64x2.add(a0, widenLow(v));
        a1 = f64x2.add(a1, widenHigh(v));
      }
      for (let p = P4; p < P; p++) {
        const v = load<f32>(src + (<usize>p << 2));
        store<f32>(dst + (<usize>p << 2), v);
        s += <f64>v;
      }
    }
    if (db != 0) store<f32>(db + (<usize>o << 2), <f32>(hsum64(f64x2.add(a0, a1)) + s));
  }
}
