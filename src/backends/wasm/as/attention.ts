// AssemblyScript, not TypeScript: compiled to dist/wasm/loom.wasm by scripts/build-wasm.mjs.
//
// Attention kernels beside the fused softmax (softmax.ts): explicit score masks, and causal linear
// attention's running sums, forward and backward (the reference backend's `maskScores`,
// `linearAttention` and `linearAttentionBackward`, src/backends/reference-attention.ts). Every float64
// sum runs in the reference's order, so the results are the reference's to the bit.

const MASK_NONE: i32 = 0, MASK_BOOL: i32 = 1, MASK_FLOAT: i32 = 2;

// @ts-ignore: decorator
@inline
function applyMask(s: f64, kind: i32, at: usize): f64 {
  if (kind == MASK_BOOL) return load<u8>(at) != 0 ? -Infinity : s;
  if (kind == MASK_FLOAT) return s + <f64>load<f32>(at);
  return s;
}

// @ts-ignore: decorator
@inline
function addFloatMaskPair(s: v128, at: usize): v128 {
  const sum = f64x2.add(s, f64x2.promote_low_f32x4(v128.load64_zero(at)));
  return v128.bitselect(s, sum, f64x2.eq(s, f64x2.splat(-Infinity))); // -inf stays, as in the scalar loop
}

/**
 * Columns [0, S) of one score row, two at a time in float64 lanes (the scalar loop's operations, so its
 * bits), when every mask present is float with contiguous columns (a bias, Swin's window masks). Returns
 * the first column left for the scalar loop.
 */
// @ts-ignore: decorator
@inline
function floatMaskedPairs(pr: usize, S: i32, scale: f64, kindA: i32, ra: usize, kindB: i32, rb: usize): i32 {
  const sc = f64x2.splat(scale);
  let j = 0;
  for (; j + 2 <= S; j += 2) {
    const o = <usize>j << 2;
    let s = f64x2.mul(f64x2.promote_low_f32x4(v128.load64_zero(pr + o)), sc);
    if (kindA == MASK_FLOAT) s = addFloatMaskPair(s, ra + o);
    if (kindB == MASK_FLOAT) s = addFloatMaskPair(s, rb + o);
    v128.store64_lane(pr + o, f32x4.demote_f64x2_zero(s), 0);
  }
  return j;
}

/**
 * Score rows [start, end) of N = n0 * n1 stacked (L, S) matrices at p: s = s * scale, then mask A, then
 * mask B (until s is -inf), rounded to f32 once. A mask: kind (0 none, 1 bool u8, 2 float f32), the byte
 * address of its element (0, 0, 0, 0) and its element strides over (n0, n1, L, S).
 */
export function maskScores(
  start: i32, end: i32, part: i32, p: usize, L: i32, S: i32, n1: i32, scale: f64,
  kindA: i32, a: usize, a0: i32, a1: i32, aRow: i32, aCol: i32,
  kindB: i32, b: usize, b0: i32, b1: i32, bRow: i32, bCol: i32,
): void {
  const wa: i32 = kindA == MASK_BOOL ? 1 : 4;
  const wb: i32 = kindB == MASK_BOOL ? 1 : 4;
  const pairs = (kindA == MASK_NONE || (kindA == MASK_FLOAT && aCol == 1)) && (kindB == MASK_NONE || (kindB == MASK_FLOAT && bCol == 1));
  for (let row = start; row < end; row++) {
    const n = row / L;
    const i = row % L;
    const j0 = n / n1, j1 = n % n1;
    const ra = a + <usize>((j0 * a0 + j1 * a1 + i * aRow) * wa);
    const rb = b + <usize>((j0 * b0 + j1 * b1 + i * bRow) * wb);
    const pr = p + ((<usize>row * <usize>S) << 2);
    for (let j = pairs ? floatMaskedPairs(pr, S, scale, kindA, ra, kindB, rb) : 0; j < S; j++) {
      let s = <f64>load<f32>(pr + (<usize>j << 2)) * scale;
      if (s != -Infinity) s = applyMask(s, kindA, ra + <usize>(j * aCol * wa));
      if (s != -Infinity) s = applyMask(s, kindB, rb + <usize>(j * bCol * wb));
      store<f32>(pr + (<usize>j << 2), <f32>s);
    }
  }
}

// @ts-ignore: decorator
@inline
function f32At(base: usize, i: i32): f64 {
  return <f64>load<f32>(base + (<usize>i << 2));
}

// @ts-ignore: decorator
@inline
function f64At(base: usize, i: i32): f64 {
  return load<f64>(base + (<usize>i << 3));
}

// @ts-ignore: decorator
@inline
function setF64(base: usize, i: i32, v: f64): void {
  store<f64>(base + (<usize>i << 3), v);
}

/** S += k_t v_t^T, z += k_t (in place), returns r_t = 1 / (q_t . z + eps). */
function advance(S: usize, z: usize, qt: usize, kt: usize, vt: usize, d: i32, e: i32, eps: f64): f64 {
  let den: f64 = 0;
  for (let a = 0; a < d; a++) {
    const ka = f32At(kt, a);
    const za = f64At(z, a) + ka;
    setF64(z, a, za);
    const Sa = S + (<usize>(a * e) << 3);
    const kv = f64x2.splat(ka);
    let c = 0;
    for (; c + 2 <= e; c += 2) {
      const o = <usize>c << 3;
      const v = f64x2.promote_low_f32x4(v128.load64_zero(vt + (<usize>c << 2)));
      v128.store(Sa + o, f64x2.add(v128.load(Sa + o), f64x2.mul(kv, v)));
    }
    for (; c < e; c++) setF64(Sa, c, f64At(Sa, c) + ka * f32At(vt, c));
    den += f32At(qt, a) * za;
  }
  return 1 / (den + eps);
}

/** num[c] = q_t . S[:, c] for every c (each a float64 sum over a in order). */
function numerators(S: usize, qt: usize, d: i32, e: i32, num: usize): void {
  for (let c = 0; c < e; c++) setF64(num, c, 0);
  for (let a = 0; a < d; a++) {
    const qa = f32At(qt, a);
    const Sa = S + (<usize>(a * e) << 3);
    const qv = f64x2.splat(qa);
    let c = 0;
    for (; c + 2 <= e; c += 2) {
      const o = <usize>c << 3;
      v128.store(num + o, f64x2.add(v128.load(num + o), f64x2.mul(qv, v128.load(Sa + o))));
    }
    for (; c < e; c++) setF64(num, c, f64At(num, c) + qa * f64At(Sa, c));
  }
}

/**
 * Sequences [start, end) of the forward: S (N, d, e) and z (N, d) float64 hold each sequence's sums
 * before the call and are advanced in place to S_T, z_T; num is e float64 of scratch per sequence.
 */
export function linearAttention(start: i32, end: i32, part: i32, q: usize, k: usize, v: usize, y: usize, T: i32, d: i32, e: i32, eps: f64, S: usize, z: usize, num: usize): void {
  for (let n = start; n < end; n++) {
    const Sn = S + (<usize>(n * d * e) << 3);
    const zn = z + (<usize>(n * d) << 3);
    const nn = num + (<usize>(n * e) << 3);
    for (let t = 0; t < T; t++) {
      const row = n * T + t;
      const qt = q + (<usize>(row * d) << 2);
      const r = advance(Sn, zn, qt, k + (<usize>(row * d) << 2), v + (<usize>(row * e) << 2), d, e, eps);
      numerators(Sn, qt, d, e, nn);
      const yt = y + (<usize>(row * e) << 2);
      for (let c = 0; c < e; c++) store<f32>(yt + (<usize>c << 2), <f32>(f64At(nn, c) * r));
    }
  }
}

/**
 * Sequences [start, end) of the backward. S, z as in the forward (the sums before the call, advanced in
 * place); work is per sequence float64 scratch of T*e (dnum) + T (dden) + d*e (G) + d (h) + e (num).
 */
export function linearAttentionBackward(start: i32, end: i32, part: i32, q: usize, k: usize, v: usize, g: usize, dq: usize, dk: usize, dv: usize, T: i32, d: i32, e: i32, eps: f64, S: usize, z: usize, work: usize): void {
  const perSeq = T * e + T + d * e + d + e;
  for (let n = start; n < end; n++) {
    const Sn = S + (<usize>(n * d * e) << 3);
    const zn = z + (<usize>(n * d) << 3);
    const dnum = work + (<usize>(n * perSeq) << 3);
    const dden = dnum + (<usize>(T * e) << 3);
    const G = dden + (<usize>T << 3);
    const h = G + (<usize>(d * e) << 3);
    const num = h + (<usize>d << 3);
    for (let t = 0; t < T; t++) {
      const row = n * T + t;
      const qt = q + (<usize>(row * d) << 2);
      const gt = g + (<usize>(row * e) << 2);
      const r = advance(Sn, zn, qt, k + (<usize>(row * d) << 2), v + (<usize>(row * e) << 2), d, e, eps);
      numerators(Sn, qt, d, e, num);
      let gNum: f64 = 0;
      const dn = dnum + (<usize>(t * e) << 3);
      for (let c = 0; c < e; c++) {
        const gc = f32At(gt, c);
        gNum += gc * f64At(num, c);
        setF64(dn, c, gc * r);
      }
      const ddt = -gNum * r * r;
      setF64(dden, t, ddt);
      const dqt = dq + (<usize>(row * d) << 2);
      for (let a = 0; a < d; a++) {
        let acc = f64At(zn, a) * ddt;
        const Sa = Sn + (<usize>(a * e) << 3);
        for (let c = 0; c < e; c++) acc += f64At(Sa, c) * f64At(dn, c);
        store<f32>(dqt + (<usize>a << 2), <f32>acc);
      }
    }
    for (let i = 0; i < d * e; i++) setF64(G, i, 0);
    for (let a = 0; a < d; a++) setF64(h, a, 0);
    for (let t = T - 1; t >= 0; t--) {
      const row = n * T + t;
      const qt = q + (<usize>(row * d) << 2);
      const kt = k + (<usize>(row * d) << 2);
      const vt = v + (<usize>(row * e) << 2);
      const dn = dnum + (<usize>(t * e) << 3);
      const ddt = f64At(dden, t);
      for (let a = 0; a < d; a++) {
        const qa = f32At(qt, a);
        setF64(h, a, f64At(h, a) + qa * ddt);
        const Ga = G + (<usize>(a * e) << 3);
        const qv = f64x2.splat(qa);
        let c = 0;
        for (; c + 2 <= e; c += 2) {
          const o = <usize>c << 3;
          v128.store(Ga + o, f64x2.add(v128.load(Ga + o), f64x2.mul(qv, v128.load(dn + o))));
        }
        for (; c < e; c++) setF64(Ga, c, f64At(Ga, c) + qa * f64At(dn, c));
      }
      const dkt = dk + (<usize>(row * d) << 2);
      for (let a = 0; a < d; a++) {
        let acc = f64At(h, a);
        const Ga = G + (<usize>(a * e) << 3);
        for (let c = 0; c < e; c++) acc += f64At(Ga, c) * f32At(vt, c);
        store<f32>(dkt + (<usize>a << 2), <f32>acc);
      }
      // dv_t[c] = sum over a in order of G[a, c] k_t[a], two columns per vector
      for (let c = 0; c < e; c++) setF64(num, c, 0);
      for (let a = 0; a < d; a++) {
        const ka = f32At(kt, a);
        const Ga = G + (<usize>(a * e) << 3);
        const kv = f64x2.splat(ka);
        let c = 0;
        for (; c + 2 <= e; c += 2) {
          const o = <usize>c << 3;
          v128.store(num + o, f64x2.add(v128.load(num + o), f64x2.mul(v128.load(Ga + o), kv)));
        }
        for (; c < e; c++) setF64(num, c, f64At(num, c) + f64At(Ga, c) * ka);
      }
      const dvt = dv + (<usize>(row * e) << 2);
      for (let c = 0; c < e; c++) store<f32>(dvt + (<usize>c << 2), <f32>f64At(num, c));
    }
  }
}
