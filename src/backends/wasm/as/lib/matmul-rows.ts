// AssemblyScript, not TypeScript: part of the sgemm of ../matmul.ts (this folder is not an entry of the build).
//
// Products of one to three rows (batch-of-one inference): packing would cost more than the product, so
// each row of C streams B once, unpacked.

import { fmacc } from './fma';
import { update } from './matmul-kernel';

/**
 * One row of C without packing: C[i, :] = alpha * op(A)[i, :] @ op(B) + beta * C[i, :]. With transA the
 * row of op(A) is a column of A: it is gathered into `scratch` (K floats) first.
 */
export function sgemmRow(
  a: usize,
  b: usize,
  c: usize,
  i: i32,
  N: i32,
  K: i32,
  lda: i32,
  ldb: i32,
  ldc: i32,
  transA: i32,
  transB: i32,
  alpha: f32,
  beta: f32,
  scratch: usize,
): void {
  let ar = a + ((<usize>i * <usize>lda) << 2);
  if (transA != 0) {
    ar = scratch;
    for (let k = 0; k < K; k++) store<f32>(ar + (<usize>k << 2), load<f32>(a + ((<usize>k * <usize>lda + <usize>i) << 2)));
  }
  const cr = c + ((<usize>i * <usize>ldc) << 2);
  const ldbBytes = <usize>ldb << 2;
  const va = f32x4.splat(alpha);
  const vb = f32x4.splat(beta);
  let j = 0;
  if (transB == 0) {
    // C[i, j:j+16] accumulates A[i, k] * B[k, j:j+16] down k: B is read once, 64 bytes per row.
    for (; j + 16 <= N; j += 16) {
      let acc0 = f32x4.splat(0);
      let acc1 = f32x4.splat(0);
      let acc2 = f32x4.splat(0);
      let acc3 = f32x4.splat(0);
      let s = b + (<usize>j << 2);
      for (let k = 0; k < K; k++) {
        const av = v128.load32_splat(ar + (<usize>k << 2));
        acc0 = fmacc(acc0, av, v128.load(s));
        acc1 = fmacc(acc1, av, v128.load(s, 16));
        acc2 = fmacc(acc2, av, v128.load(s, 32));
        acc3 = fmacc(acc3, av, v128.load(s, 48));
        s += ldbBytes;
      }
      const p = cr + (<usize>j << 2);
      update(p, acc0, va, vb, beta);
      update(p + 16, acc1, va, vb, beta);
      update(p + 32, acc2, va, vb, beta);
      update(p + 48, acc3, va, vb, beta);
    }
    for (; j + 4 <= N; j += 4) {
      let acc = f32x4.splat(0);
      let s = b + (<usize>j << 2);
      for (let k = 0; k < K; k++) {
        acc = fmacc(acc, v128.load32_splat(ar + (<usize>k << 2)), v128.load(s));
        s += ldbBytes;
      }
      update(cr + (<usize>j << 2), acc, va, vb, beta);
    }
    for (; j < N; j++) {
      let sum: f32 = 0;
      let s = b + (<usize>j << 2);
      for (let k = 0; k < K; k++) {
        sum += load<f32>(ar + (<usize>k << 2)) * load<f32>(s);
        s += ldbBytes;
      }
      storeScalar(cr + (<usize>j << 2), sum, alpha, beta);
    }
  } else {
    // C[i, j] = dot(A[i, :], B[j, :]): four rows of B at a time, contiguous in k.
    const K4 = K & ~3;
    for (; j + 4 <= N; j += 4) {
      const s0 = b + ((<usize>j * <usize>ldb) << 2);
      const s1 = s0 + ldbBytes;
      const s2 = s1 + ldbBytes;
      const s3 = s2 + ldbBytes;
      let acc0 = f32x4.splat(0);
      let acc1 = f32x4.splat(0);
      let acc2 = f32x4.splat(0);
      let acc3 = f32x4.splat(0);
      for (let k = 0; k < K4; k += 4) {
        const o = <usize>k << 2;
        const av = v128.load(ar + o);
        acc0 = fmacc(acc0, av, v128.load(s0 + o));
        acc1 = fmacc(acc1, av, v128.load(s1 + o));
        acc2 = fmacc(acc2, av, v128.load(s2 + o));
        acc3 = fmacc(acc3, av, v128.load(s3 + o));
      }
      // Horizontal sums: lane r of `sums` is the total of acc_r.
      const x0 = f32x4.add(f32x4.shuffle(acc0, acc1, 0, 4, 1, 5), f32x4.shuffle(acc0, acc1, 2, 6, 3, 7));
      const x1 = f32x4.add(f32x4.shuffle(acc2, acc3, 0, 4, 1, 5), f32x4.shuffle(acc2, acc3, 2, 6, 3, 7));
      let sums = f32x4.add(f32x4.shuffle(x0, x1, 0, 1, 4, 5), f32x4.shuffle(x0, x1, 2, 3, 6, 7));
      if (K4 < K) {
        let t0: f32 = 0, t1: f32 = 0, t2: f32 = 0, t3: f32 = 0;
        for (let k = K4; k < K; k++) {
          const o = <usize>k << 2;
          const x = load<f32>(ar + o);
          t0 += x * load<f32>(s0 + o);
          t1 += x * load<f32>(s1 + o);
          t2 += x * load<f32>(s2 + o);
          t3 += x * load<f32>(s3 + o);
        }
        sums = f32x4.replace_lane(sums, 0, f32x4.extract_lane(sums, 0) + t0);
        sums = f32x4.replace_lane(sums, 1, f32x4.extract_lane(sums, 1) + t1);
        sums = f32x4.replace_lane(sums, 2, f32x4.extract_lane(sums, 2) + t2);
        sums = f32x4.replace_lane(sums, 3, f32x4.extract_lane(sums, 3) + t3);
      }
      update(cr + (<usize>j << 2), sums, va, vb, beta);
    }
    for (; j < N; j++) {
      const s = b + ((<usize>j * <usize>ldb) << 2);
      let sum: f32 = 0;
      for (let k = 0; k < K; k++) sum += load<f32>(ar + (<usize>k << 2)) * load<f32>(s + (<usize>k << 2));
      storeScalar(cr + (<usize>j << 2), sum, alpha, beta);
    }
  }
}

/** C[p] = alpha * sum + beta * C[p], not reading C when beta == 0. */
// @ts-ignore: decorator
@inline
function storeScalar(p: usize, sum: f32, alpha: f32, beta: f32): void {
  store<f32>(p, beta == 0 ? alpha * sum : alpha * sum + beta * load<f32>(p));
}
