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
  for (let i = start; i < end; i++) {
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
