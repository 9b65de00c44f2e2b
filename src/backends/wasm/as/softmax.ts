// AssemblyScript, not TypeScript: compiled to dist/wasm/loom.wasm by scripts/build-wasm.mjs.
//
// Row-wise softmax and log-softmax, forward and backward (the reference backend's `softmax` and
// `softmaxBackward`), and the attention row pass `scaledSoftmax` (scale, causal mask, softmax in
// place; rows with every key masked become zeros). Rows [start, end) of `cols` contiguous floats.

import { fmacc } from './lib/fma';
import { hmax, hsum, loadTail, storeTail, vexp, vlog } from './lib/vmath';

/** The largest of n floats at x (-inf for n = 0). */
// @ts-ignore: decorator
@inline
function rowMax(x: usize, n: i32): f32 {
  let m = f32x4.splat(-Infinity);
  let j = 0;
  for (; j + 4 <= n; j += 4) m = f32x4.max(m, v128.load(x + (<usize>j << 2)));
  let s = hmax(m);
  for (; j < n; j++) s = max<f32>(s, load<f32>(x + (<usize>j << 2)));
  return s;
}

/** y[j] = e^(x[j] - m) for j < n; returns their sum. x and y may be the same row. */
// @ts-ignore: decorator
@inline
function expShift(x: usize, y: usize, n: i32, m: f32): f32 {
  const vm = f32x4.splat(m);
  let acc = f32x4.splat(0);
  let j = 0;
  for (; j + 4 <= n; j += 4) {
    const o = <usize>j << 2;
    const e = vexp(f32x4.sub(v128.load(x + o), vm));
    v128.store(y + o, e);
    acc = f32x4.add(acc, e);
  }
  let s = hsum(acc);
  if (j < n) {
    const o = <usize>j << 2;
    const e = vexp(f32x4.sub(loadTail(x + o, n - j), vm));
    storeTail(y + o, e, n - j);
    s += hsum(v128.and(e, tailMask(n - j)));
  }
  return s;
}

/** All-ones in the low k lanes. */
// @ts-ignore: decorator
@inline
function tailMask(k: i32): v128 {
  return i32x4.lt_s(i32x4(0, 1, 2, 3), i32x4.splat(k));
}

/** y[j] *= c for j < n. */
// @ts-ignore: decorator
@inline
function scaleRow(y: usize, n: i32, c: f32): void {
  const vc = f32x4.splat(c);
  let j = 0;
  for (; j + 4 <= n; j += 4) {
    const o = <usize>j << 2;
    v128.store(y + o, f32x4.mul(v128.load(y + o), vc));
  }
  for (; j < n; j++) {
    const o = <usize>j << 2;
    store<f32>(y + o, load<f32>(y + o) * c);
  }
}

/** softmax (log = 0) or log-softmax (log = 1) of rows [start, end). */
export function softmax(start: i32, end: i32, part: i32, x: usize, y: usize, cols: i32, log: i32): void {
  const rowBytes = <usize>cols << 2;
  for (let r = start; r < end; r++) {
    const xo = x + <usize>r * rowBytes;
    const yo = y + <usize>r * rowBytes;
    let m = rowMax(xo, cols);
    if (m == -Infinity) m = 0; // a fully masked row: exp(-inf) = 0 everywhere
    if (log == 0) {
      const s = expShift(xo, yo, cols, m);
      scaleRow(yo, cols, 1 / s);
    } else {
      // log-softmax: the exponentials are only summed
      const vm = f32x4.splat(m);
      let acc = f32x4.splat(0);
      let j = 0;
      for (; j + 4 <= cols; j += 4) acc = f32x4.add(acc, vexp(f32x4.sub(v128.load(xo + (<usize>j << 2)), vm)));
      let s = hsum(acc);
      if (j < cols) s += hsum(v128.and(vexp(f32x4.sub(loadTail(xo + (<usize>j << 2), cols - j), vm)), tailMask(cols - j)));
      // (x - max) - log(sum), in the reference's order: no cancellation against a large max
      const ls = f32x4.extract_lane(vlog(f32x4.splat(s)), 0);
      const vls = f32x4.splat(ls);
      j = 0;
      for (; j + 4 <= cols; j += 4) {
        const o = <usize>j << 2;
        v128.store(yo + o, f32x4.sub(f32x4.sub(v128.load(xo + o), vm), vls));
      }
      for (; j < cols; j++) {
        const o = <usize>j << 2;
        store<f32>(yo + o, load<f32>(xo + o) - m - ls);
      }
    }
  }
}

/**
 * dx from y and dy for rows [start, end):
 *   softmax:     dx = y * (dy - sum(dy * y))
 *   log-softmax: dx = dy - exp(y) * sum(dy)
 */
export function softmaxBackward(start: i32, end: i32, part: i32, y: usize, dy: usize, dx: usize, cols: i32, log: i32): void {
  const rowBytes = <usize>cols << 2;
  for (let r = start; r < end; r++) {
    const yo = y + <usize>r * rowBytes;
    const go = dy + <usize>r * rowBytes;
    const xo = dx + <usize>r * rowBytes;
    let acc = f32x4.splat(0);
    let j = 0;
    if (log != 0) {
      for (; j + 4 <= cols; j += 4) acc = f32x4.add(acc, v128.load(go + (<usize>j << 2)));
    } else {
      for (; j + 4 <= cols; j += 4) {
        const o = <usize>j << 2;
        acc = fmacc(acc, v128.load(go + o), v128.load(yo + o));
      }
    }
    let s = hsum(acc);
    for (; j < cols; j++) {
      const o = <usize>j << 2;
      s += log != 0 ? load<f32>(go + o) : load<f32>(go + o) * load<f32>(yo + o);
    }
    const vs = f32x4.splat(s);
    j = 0;
    if (log != 0) {
      for (; j + 4 <= cols; j += 4) {
        const o = <usize>j << 2;
        v128.store(xo + o, f32x4.sub(v128.load(go + o), f32x4.mul(vexp(v128.load(yo + o)), vs)));
      }
      if (j < cols) {
        const o = <usize>j << 2;
        const k = cols - j;
        storeTail(xo + o, f32x4.sub(loadTail(go + o, k), f32x4.mul(vexp(loadTail(yo + o, k)), vs)), k);
      }
    } else {
      for (; j + 4 <= cols; j += 4) {
        const o = <usize>j << 2;
        v128.store(xo + o, f32x4.mul(v128.load(yo + o), f32x4.sub(v128.load(go + o), vs)));
      }
      for (; j < cols; j++) {
        const o = <usize>j << 2;
        store<f32>(xo + o, load<f32>(yo + o) * (load<f32>(go + o) - s));
      }
    }
  }
}

/**
 * In place over rows [start, end) of N stacked (L, S) score matrices at x: s = s * scale, -inf for
 * keys j > i + causalOffset when causal (i = row % L), then softmax; a row with no visible key
 * becomes zeros.
 */
export function scaledSoftmax(start: i32, end: i32, part: i32, x: usize, L: i32, S: i32, scale: f32, causal: i32, causalOffset: i32): void {
  const rowBytes = <usize>S << 2;
  for (let r = start; r < end; r++) {
    const row = x + <usize>r * rowBytes;
    const i = r % L;
    const visible = causal != 0 ? min(S, max(0, i + causalOffset + 1)) : S;
    if (visible < S) memory.fill(row + (<usize>visible << 2), 0, <usize>(S - visible) << 2);
    if (visible == 0) continue;
    if (scale != 1) scaleRow(row, visible, scale); // x * 1 is x (NaN and -0 too): masked scores come scaled
    const m = rowMax(row, visible);
    if (m == -Infinity) {
      memory.fill(row, 0, <usize>visible << 2);
      continue;
    }
    const s = expShift(row, row, visible, m);
    scaleRow(row, visible, 1 / s);
  }
}
