// AssemblyScript, not TypeScript: part of the sgemm of ../matmul.ts (this folder is not an entry of the build).
//
// The micro-kernel: an MR x NR tile of C kept in f32x4 registers for a whole K block, over panels packed
// by matmul-pack.ts. Per k it loads two f32x4 of B and MR splatted values of A, and does 2 MR
// multiply-adds: 5 x 8 (ten mul + ten add) in the plain build, 6 x 8 (twelve fused multiply-adds,
// lib/fma.ts) in the relaxed one.
//
// Why these shapes (measured in V8 on x64, which has 15 allocatable xmm registers): with a separate mul
// and add, 6 x 8 needs 16 registers (12 accumulators, 2 of B, 1 of A and the product) and spills, so the
// plain build keeps 5 x 8 (14). A fused multiply-add needs no register for the product, so 6 x 8 fits in
// 15; its 12 independent accumulators also cover more of the multiply-add's latency on two pipes (4
// cycles x 2 pipes = 8 in flight at least) with fewer loads per flop (8 per 12 multiply-adds, not 7 per 10).
// Splatting A while packing (instead of v128.load32_splat in the kernel) saves the address arithmetic V8
// emits for a splat load with an offset; the inner loop is bound by instruction count, not by the FP
// pipes. Unrolling the k loop makes it slower (more live registers, spills).

import { fmacc } from './fma';

/** Rows of the register tile (one splatted f32x4 of A per row and per k): 6 with fused multiply-adds, else 5. */
export const MR: i32 = ASC_FEATURE_RELAXED_SIMD ? 6 : 5;
/** Columns of the register tile (two f32x4 of B per k). */
export const NR: i32 = 8;

/** Writes one f32x4 of a C tile: C = alpha * acc (beta 0), C += alpha * acc (beta 1), or the general form. */
// @ts-ignore: decorator
@inline
export function update(p: usize, acc: v128, va: v128, vb: v128, beta: f32): void {
  const v = f32x4.mul(acc, va);
  if (beta == 0) v128.store(p, v);
  else if (beta == 1) v128.store(p, f32x4.add(v128.load(p), v));
  else v128.store(p, f32x4.add(f32x4.mul(v128.load(p), vb), v));
}

/**
 * The MR x NR micro-kernel: acc = Apanel @ Bpanel over kc, then C (mr x nr of it) = alpha * acc + beta * C.
 * Apanel holds MR splatted f32x4 per k, Bpanel NR floats per k.
 */
export function microKernel(
  ap: usize,
  bp: usize,
  kc: i32,
  c: usize,
  ldcBytes: usize,
  alpha: f32,
  beta: f32,
  mr: i32,
  nr: i32,
  tile: usize,
): void {
  let c00 = f32x4.splat(0);
  let c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0);
  let c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0);
  let c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0);
  let c31 = f32x4.splat(0);
  let c40 = f32x4.splat(0);
  let c41 = f32x4.splat(0);
  let c50 = f32x4.splat(0); // row 5: the relaxed build only (MR is a compile-time constant)
  let c51 = f32x4.splat(0);
  // The loop runs on the B pointer alone (no counter): fewer instructions in a loop that is bound by them.
  const bEnd = bp + (<usize>kc << 5);
  while (bp < bEnd) {
    const b0 = v128.load(bp);
    const b1 = v128.load(bp, 16);
    let av = v128.load(ap);
    c00 = fmacc(c00, av, b0);
    c01 = fmacc(c01, av, b1);
    av = v128.load(ap, 16);
    c10 = fmacc(c10, av, b0);
    c11 = fmacc(c11, av, b1);
    av = v128.load(ap, 32);
    c20 = fmacc(c20, av, b0);
    c21 = fmacc(c21, av, b1);
    av = v128.load(ap, 48);
    c30 = fmacc(c30, av, b0);
    c31 = fmacc(c31, av, b1);
    av = v128.load(ap, 64);
    c40 = fmacc(c40, av, b0);
    c41 = fmacc(c41, av, b1);
    if (MR == 6) {
      av = v128.load(ap, 80);
      c50 = fmacc(c50, av, b0);
      c51 = fmacc(c51, av, b1);
    }
    ap += <usize>MR << 4;
    bp += 32;
  }
  const va = f32x4.splat(alpha);
  const vb = f32x4.splat(beta);
  if (mr == MR && nr == NR) {
    update(c, c00, va, vb, beta);
    update(c + 16, c01, va, vb, beta);
    c += ldcBytes;
    update(c, c10, va, vb, beta);
    update(c + 16, c11, va, vb, beta);
    c += ldcBytes;
    update(c, c20, va, vb, beta);
    update(c + 16, c21, va, vb, beta);
    c += ldcBytes;
    update(c, c30, va, vb, beta);
    update(c + 16, c31, va, vb, beta);
    c += ldcBytes;
    update(c, c40, va, vb, beta);
    update(c + 16, c41, va, vb, beta);
    if (MR == 6) {
      c += ldcBytes;
      update(c, c50, va, vb, beta);
      update(c + 16, c51, va, vb, beta);
    }
    return;
  }
  // A partial tile: spill the accumulators, then write the mr x nr corner element by element.
  v128.store(tile, c00);
  v128.store(tile, c01, 16);
  v128.store(tile, c10, 32);
  v128.store(tile, c11, 48);
  v128.store(tile, c20, 64);
  v128.store(tile, c21, 80);
  v128.store(tile, c30, 96);
  v128.store(tile, c31, 112);
  v128.store(tile, c40, 128);
  v128.store(tile, c41, 144);
  if (MR == 6) {
    v128.store(tile, c50, 160);
    v128.store(tile, c51, 176);
  }
  for (let i = 0; i < mr; i++) {
    const row = c + <usize>i * ldcBytes;
    const t = tile + (<usize>(i * NR) << 2);
    for (let j = 0; j < nr; j++) {
      const p = row + (<usize>j << 2);
      const v = alpha * load<f32>(t + (<usize>j << 2));
      store<f32>(p, beta == 0 ? v : beta * load<f32>(p) + v);
    }
  }
}
