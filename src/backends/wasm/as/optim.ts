// AssemblyScript, not TypeScript: compiled to dist/wasm/loom.wasm by scripts/build-wasm.mjs.
//
// Optimizer updates over flat float32 arrays, in place: the pure update functions of src/optim
// (`adamUpdate`, `sgdUpdate`, `rmspropUpdate`), whose math they repeat step for step. Like the TypeScript they
// compute in float64 and round to float32 where a value is stored, so both give the same bits.
// Elements [start, end); pointers are byte addresses, 0 for an absent buffer.

// @ts-ignore: decorator
@inline
function ld(p: usize, i: i32): f64 {
  return <f64>load<f32>(p + (<usize>i << 2));
}

// @ts-ignore: decorator
@inline
function st(p: usize, i: i32, v: f64): f32 {
  const f = <f32>v;
  store<f32>(p + (<usize>i << 2), f);
  return f;
}

/** Floats i and i + 1 as f64x2. */
// @ts-ignore: decorator
@inline
function ld2(p: usize, i: i32): v128 {
  return f64x2.promote_low_f32x4(v128.load64_zero(p + (<usize>i << 2)));
}

/** Stores both lanes rounded to f32 at floats i and i + 1 (st for two), and returns the stored values. */
// @ts-ignore: decorator
@inline
function st2(p: usize, i: i32, v: v128): v128 {
  const f = f32x4.demote_f64x2_zero(v);
  v128.store64_lane(p + (<usize>i << 2), f, 0);
  return f64x2.promote_low_f32x4(f);
}

/**
 * Adam / AdamW (see adamUpdate in src/optim/adam.ts): `decay` = 1 - lr wd for AdamW (1 otherwise),
 * `l2` = wd for Adam (0 otherwise), stepSize = lr / (1 - beta1^step), bc2Sqrt = sqrt(1 - beta2^step).
 */
export function adam(
  start: i32, end: i32, part: i32, p: usize, grad: usize, m: usize, v: usize, vmax: usize,
  decay: f64, l2: f64, stepSize: f64, bc2Sqrt: f64, beta1: f64, beta2: f64, eps: f64, maximize: i32,
): void {
  const c1 = 1 - beta1;
  const c2 = 1 - beta2;
  // Two elements at a time in f64x2 lanes: each lane does the scalar loop's operations in its order
  // (IEEE float64 per lane, the same roundings to f32), so the bits are the scalar loop's.
  const vdecay = f64x2.splat(decay);
  const vl2 = f64x2.splat(l2);
  const vstep = f64x2.splat(stepSize);
  const vbc2 = f64x2.splat(bc2Sqrt);
  const vb1 = f64x2.splat(beta1);
  const vb2 = f64x2.splat(beta2);
  const vc1 = f64x2.splat(c1);
  const vc2 = f64x2.splat(c2);
  const veps = f64x2.splat(eps);
  let i = start;
  for (; i + 2 <= end; i += 2) {
    let pi = ld2(p, i);
    if (decay != 1) pi = st2(p, i, f64x2.mul(pi, vdecay));
    let g = maximize != 0 ? f64x2.neg(ld2(grad, i)) : ld2(grad, i);
    if (l2 != 0) g = f64x2.add(g, f64x2.mul(vl2, pi));
    const mi = st2(m, i, f64x2.add(f64x2.mul(vb1, ld2(m, i)), f64x2.mul(vc1, g)));
    let vHat = st2(v, i, f64x2.add(f64x2.mul(vb2, ld2(v, i)), f64x2.mul(f64x2.mul(vc2, g), g)));
    if (vmax != 0) vHat = st2(vmax, i, f64x2.max(ld2(vmax, i), vHat));
    st2(p, i, f64x2.sub(pi, f64x2.div(f64x2.mul(vstep, mi), f64x2.add(f64x2.div(f64x2.sqrt(vHat), vbc2), veps))));
  }
  for (; i < end; i++) {
    let pi = ld(p, i);
    if (decay != 1) pi = st(p, i, pi * decay);
    let g = maximize != 0 ? -ld(grad, i) : ld(grad, i);
    if (l2 != 0) g += l2 * pi;
    const mi = st(m, i, beta1 * ld(m, i) + c1 * g);
    let vHat: f64 = st(v, i, beta2 * ld(v, i) + c2 * g * g);
    if (vmax != 0) vHat = st(vmax, i, Math.max(ld(vmax, i), vHat));
    st(p, i, pi - (stepSize * mi) / (Math.sqrt(vHat) / bc2Sqrt + eps));
  }
}

/** SGD with momentum (see sgdUpdate in src/optim/sgd.ts); `buf` is 0 without momentum. */
export function sgd(
  start: i32, end: i32, part: i32, p: usize, grad: usize, buf: usize, first: i32,
  lr: f64, momentum: f64, dampening: f64, weightDecay: f64, nesterov: i32, maximize: i32,
): void {
  const keep = 1 - dampening;
  for (let i = start; i < end; i++) {
    let g = maximize != 0 ? -ld(grad, i) : ld(grad, i);
    if (weightDecay != 0) g += weightDecay * ld(p, i);
    if (buf != 0) {
      const b: f64 = st(buf, i, first != 0 ? g : momentum * ld(buf, i) + keep * g);
      g = nesterov != 0 ? g + momentum * b : b;
    }
    st(p, i, ld(p, i) - lr * g);
  }
}

/** RMSprop (see rmspropUpdate in src/optim/updates.ts); `buf` is 0 without momentum, `gAvg` 0 unless centered. */
export function rmsprop(
  start: i32, end: i32, part: i32, p: usize, grad: usize, squareAvg: usize, buf: usize, gAvg: usize,
  lr: f64, alpha: f64, eps: f64, weightDecay: f64, momentum: f64, maximize: i32,
): void {
  for (let i = start; i < end; i++) {
    let g = maximize != 0 ? -ld(grad, i) : ld(grad, i);
    if (weightDecay != 0) g += weightDecay * ld(p, i);
    const s: f64 = st(squareAvg, i, alpha * ld(squareAvg, i) + (1 - alpha) * g * g);
    let a: f64;
    if (gAvg != 0) {
      const ga: f64 = st(gAvg, i, alpha * ld(gAvg, i) + (1 - alpha) * g);
      a = Math.sqrt(s - ga * ga) + eps;
    } else a = Math.sqrt(s) + eps;
    if (buf != 0) {
      const b: f64 = st(buf, i, momentum * ld(buf, i) + g / a);
      st(p, i, ld(p, i) - lr * b);
    } else st(p, i, ld(p, i) - (lr * g) / a);
  }
}
