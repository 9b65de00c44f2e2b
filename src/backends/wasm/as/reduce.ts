// AssemblyScript, not TypeScript: compiled to dist/wasm/loom.wasm by scripts/build-wasm.mjs.
//
// Sums over the middle axis of a contiguous (outer, r, inner) block into (outer, inner): the `reduce`
// kernel of the reference backend for op 'sum' on float32. Sums accumulate in float64, as the
// reference does, so long sums (a bias gradient over thousands of rows) keep their precision.
//
// The work is split in tasks: task t is row o = t / nb and block b = t % nb of 16 columns of `inner`
// (nb = ceil(inner / 16); inner == 1 gives one task per row, a contiguous sum).

const BLOCK: i32 = 16;

// @ts-ignore: decorator
@inline
function lo(v: v128): v128 {
  return f64x2.promote_low_f32x4(v);
}

// @ts-ignore: decorator
@inline
function hi(v: v128): v128 {
  return f64x2.promote_low_f32x4(f32x4.shuffle(v, v, 2, 3, 0, 1));
}

/** The sum of n contiguous floats at x, in float64. */
function rowSum(x: usize, n: i32): f64 {
  let a0 = f64x2.splat(0);
  let a1 = f64x2.splat(0);
  let a2 = f64x2.splat(0);
  let a3 = f64x2.splat(0);
  let k = 0;
  for (; k + 8 <= n; k += 8) {
    const p = x + (<usize>k << 2);
    const v = v128.load(p);
    const w = v128.load(p, 16);
    a0 = f64x2.add(a0, lo(v));
    a1 = f64x2.add(a1, hi(v));
    a2 = f64x2.add(a2, lo(w));
    a3 = f64x2.add(a3, hi(w));
  }
  const s = f64x2.add(f64x2.add(a0, a1), f64x2.add(a2, a3));
  let t = f64x2.extract_lane(s, 0) + f64x2.extract_lane(s, 1);
  for (; k < n; k++) t += <f64>load<f32>(x + (<usize>k << 2));
  return t;
}

/** out[o, i] = sum_k x[o, k, i] for the tasks [start, end) (see above). */
export function reduceSum(start: i32, end: i32, part: i32, x: usize, out: usize, r: i32, inner: i32): void {
  if (inner == 1) {
    for (let o = start; o < end; o++) store<f32>(out + (<usize>o << 2), <f32>rowSum(x + ((<usize>o * <usize>r) << 2), r));
    return;
  }
  const nb = (inner + BLOCK - 1) / BLOCK;
  const rowBytes = <usize>inner << 2;
  for (let t = start; t < end; t++) {
    const o = t / nb;
    const c0 = (t % nb) * BLOCK;
    const w = min(BLOCK, inner - c0);
    const base = x + ((<usize>o * <usize>r * <usize>inner + <usize>c0) << 2);
    const dst = out + ((<usize>o * <usize>inner + <usize>c0) << 2);
    if (w == BLOCK) {
      let a0 = f64x2.splat(0), a1 = f64x2.splat(0), a2 = f64x2.splat(0), a3 = f64x2.splat(0);
      let a4 = f64x2.splat(0), a5 = f64x2.splat(0), a6 = f64x2.splat(0), a7 = f64x2.splat(0);
      let p = base;
      for (let k = 0; k < r; k++) {
        const v0 = v128.load(p);
        const v1 = v128.load(p, 16);
        const v2 = v128.load(p, 32);
        const v3 = v128.load(p, 48);
        a0 = f64x2.add(a0, lo(v0));
        a1 = f64x2.add(a1, hi(v0));
        a2 = f64x2.add(a2, lo(v1));
        a3 = f64x2.add(a3, hi(v1));
        a4 = f64x2.add(a4, lo(v2));
        a5 = f64x2.add(a5, hi(v2));
        a6 = f64x2.add(a6, lo(v3));
        a7 = f64x2.add(a7, hi(v3));
        p += rowBytes;
      }
      v128.store(dst, f32x4.shuffle(f32x4.demote_f64x2_zero(a0), f32x4.demote_f64x2_zero(a1), 0, 1, 4, 5));
      v128.store(dst, f32x4.shuffle(f32x4.demote_f64x2_zero(a2), f32x4.demote_f64x2_zero(a3), 0, 1, 4, 5), 16);
      v128.store(dst, f32x4.shuffle(f32x4.demote_f64x2_zero(a4), f32x4.demote_f64x2_zero(a5), 0, 1, 4, 5), 32);
      v128.store(dst, f32x4.shuffle(f32x4.demote_f64x2_zero(a6), f32x4.demote_f64x2_zero(a7), 0, 1, 4, 5), 48);
    } else {
      for (let i = 0; i < w; i++) {
        let s: f64 = 0;
        let p = base + (<usize>i << 2);
        for (let k = 0; k < r; k++) {
          s += <f64>load<f32>(p);
          p += rowBytes;
        }
        store<f32>(dst + (<usize>i << 2), <f32>s);
      }
    }
  }
}

/** The sum of squares of n contiguous floats at x, in float64 (the gradient norm of clipping). */
export function sumSquares(x: usize, n: i32): f64 {
  let a0 = f64x2.splat(0);
  let a1 = f64x2.splat(0);
  let k = 0;
  for (; k + 4 <= n; k += 4) {
    const v = v128.load(x + (<usize>k << 2));
    const l = lo(v);
    const h = hi(v);
    a0 = f64x2.add(a0, f64x2.mul(l, l));
    a1 = f64x2.add(a1, f64x2.mul(h, h));
  }
  const s = f64x2.add(a0, a1);
  let t = f64x2.extract_lane(s, 0) + f64x2.extract_lane(s, 1);
  for (; k < n; k++) {
    const v = <f64>load<f32>(x + (<usize>k << 2));
    t += v * v;
  }
  return t;
}
