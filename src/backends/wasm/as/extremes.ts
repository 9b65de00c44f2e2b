// AssemblyScript, not TypeScript: compiled to dist/wasm/loom.wasm by scripts/build-wasm.mjs.
//
// max, min, argmax and argmin over the middle axis of a contiguous f32 (outer, r, inner) block into
// (outer, inner) (the reference backend's `reduce` for those ops): the first extreme wins, and a NaN,
// once met, is the result (its first position for the arg ops). Values go out as f32, positions as i32.
//
// Tasks as reduceSum's (reduce.ts): task t is row o = t / nb and block t % nb of 4 columns of `inner`
// (nb = ceil(inner / 4)); inner == 1 gives one task per row.

const MAX: i32 = 0, MIN: i32 = 1, ARGMAX: i32 = 2;

// @ts-ignore: decorator
@inline
function beats(isMax: bool, v: f32, acc: f32): bool {
  return (isMax ? v > acc : v < acc) || (v != v && acc == acc);
}

/** out[o, i] = op over k of x[o, k, i], for the tasks [start, end) (op: 0 max, 1 min, 2 argmax, 3 argmin). */
export function reduceExtreme(start: i32, end: i32, part: i32, op: i32, x: usize, out: usize, r: i32, inner: i32): void {
  const isMax = op == MAX || op == ARGMAX;
  const arg = op > MIN;
  const nb = (inner + 3) / 4;
  const rowBytes = <usize>inner << 2;
  for (let t = start; t < end; t++) {
    const o = t / nb;
    const c0 = (t % nb) * 4;
    const w = min(4, inner - c0);
    const base = x + ((<usize>o * <usize>r * <usize>inner + <usize>c0) << 2);
    const dst = out + ((<usize>o * <usize>inner + <usize>c0) << 2);
    if (w == 4) {
      let acc = v128.load(base);
      let at = i32x4.splat(0);
      let p = base + rowBytes;
      for (let k = 1; k < r; k++) {
        const v = v128.load(p);
        const better = isMax ? f32x4.gt(v, acc) : f32x4.lt(v, acc);
        const take = v128.or(better, v128.and(f32x4.ne(v, v), f32x4.eq(acc, acc)));
        acc = v128.bitselect(v, acc, take);
        at = v128.bitselect(i32x4.splat(k), at, take);
        p += rowBytes;
      }
      v128.store(dst, arg ? at : acc);
      continue;
    }
    for (let i = 0; i < w; i++) {
      let p = base + (<usize>i << 2);
      let acc = load<f32>(p);
      let at = 0;
      for (let k = 1; k < r; k++) {
        p += rowBytes;
        const v = load<f32>(p);
        if (beats(isMax, v, acc)) {
          acc = v;
          at = k;
        }
      }
      if (arg) store<i32>(dst + (<usize>i << 2), at);
      else store<f32>(dst + (<usize>i << 2), acc);
    }
  }
}
