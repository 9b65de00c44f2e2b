// AssemblyScript, not TypeScript: compiled to dist/wasm/loom.wasm by scripts/build-wasm.mjs.
//
// The negative log-likelihood gather and its scatter (the reference backend's `nllLoss` and
// `nllLossBackward`, src/backends/reference-loss.ts). x is (N, C, D) f32, targets (N, D) i32, weights (C)
// f32 or absent (w = 0).

/**
 * losses[i] = -w[t_i] x[n, t_i, d] (0 for ignored i); sums[0] = their float64 sum, sums[1] = the sum of
 * w[t_i], both in order of i. Returns -1, or the position of the first target outside [0, C) (the
 * caller throws).
 */
export function nllLoss(x: usize, target: usize, w: usize, N: i32, C: i32, D: i32, ignoreIndex: i32, losses: usize, sums: usize): i32 {
  let sum: f64 = 0;
  let total: f64 = 0;
  for (let n = 0; n < N; n++)
    for (let d = 0; d < D; d++) {
      const i = n * D + d;
      const c = load<i32>(target + (<usize>i << 2));
      if (c == ignoreIndex) {
        store<f32>(losses + (<usize>i << 2), 0);
        continue;
      }
      if (c < 0 || c >= C) return i;
      const wc: f64 = w != 0 ? <f64>load<f32>(w + (<usize>c << 2)) : 1;
      const l = -wc * <f64>load<f32>(x + (<usize>((n * C + c) * D + d) << 2));
      store<f32>(losses + (<usize>i << 2), <f32>l);
      sum += l;
      total += wc;
    }
  store<f64>(sums, sum);
  store<f64>(sums, total, 8);
  return -1;
}

/** gx[n, t_i, d] = -w[t_i] * scale * g[i] (g[0] unless perElement) for rows n in [start, end). */
export function nllLossBackward(start: i32, end: i32, part: i32, target: usize, w: usize, C: i32, D: i32, ignoreIndex: i32, g: usize, gx: usize, scale: f64, perElement: i32): void {
  for (let n = start; n < end; n++)
    for (let d = 0; d < D; d++) {
      const i = n * D + d;
      const c = load<i32>(target + (<usize>i << 2));
      if (c == ignoreIndex) continue;
      const wc: f64 = w != 0 ? <f64>load<f32>(w + (<usize>c << 2)) : 1;
      const gi = <f64>load<f32>(g + (perElement ? <usize>i << 2 : 0));
      store<f32>(gx + (<usize>((n * C + c) * D + d) << 2), <f32>(-wc * scale * gi));
    }
}
