// AssemblyScript, not TypeScript: an entry of the wasm build (scripts/build-wasm.mjs); see lib/fma.ts.
//
// The machine's ceiling for the kernels, measured by `loom bench` (src/bench/peak.ts): a loop of
// multiply-adds on registers alone, no memory traffic. In loom-relaxed.wasm each step is one
// f32x4.relaxed_madd (a fused multiply-add: 8 flops); in loom.wasm a mul and an add (the same 8 flops in
// two instructions), the ceiling of the plain build. Twelve independent accumulators cover the latency
// of the multiply-add on two pipes; with the two constants they fit x64's 16 vector registers.

import { fmadd } from './lib/fma';

/**
 * Units [start, end) of `iters` steps each: acc_i = acc_i * m + a on 12 f32x4 registers, 96 flops a step. The sum of the
 * accumulators is stored at out + 16 part (four floats per thread), so the loop is not dead code.
 */
export function simdPeak(start: i32, end: i32, part: i32, iters: i32, out: usize): void {
  const m = f32x4.splat(0.999999);
  const a = f32x4.splat(1e-7);
  let s = f32x4.splat(0);
  for (let u = start; u < end; u++) {
    let c0 = f32x4.splat(<f32>u);
    let c1 = f32x4.add(c0, a);
    let c2 = f32x4.add(c1, a);
    let c3 = f32x4.add(c2, a);
    let c4 = f32x4.add(c3, a);
    let c5 = f32x4.add(c4, a);
    let c6 = f32x4.add(c5, a);
    let c7 = f32x4.add(c6, a);
    let c8 = f32x4.add(c7, a);
    let c9 = f32x4.add(c8, a);
    let c10 = f32x4.add(c9, a);
    let c11 = f32x4.add(c10, a);
    for (let k = 0; k < iters; k++) {
      c0 = fmadd(c0, m, a);
      c1 = fmadd(c1, m, a);
      c2 = fmadd(c2, m, a);
      c3 = fmadd(c3, m, a);
      c4 = fmadd(c4, m, a);
      c5 = fmadd(c5, m, a);
      c6 = fmadd(c6, m, a);
      c7 = fmadd(c7, m, a);
      c8 = fmadd(c8, m, a);
      c9 = fmadd(c9, m, a);
      c10 = fmadd(c10, m, a);
      c11 = fmadd(c11, m, a);
    }
    const t = f32x4.add(f32x4.add(f32x4.add(c0, c1), f32x4.add(c2, c3)), f32x4.add(f32x4.add(c4, c5), f32x4.add(c6, c7)));
    s = f32x4.add(s, f32x4.add(t, f32x4.add(f32x4.add(c8, c9), f32x4.add(c10, c11))));
  }
  v128.store(out + (<usize>part << 4), s);
}
