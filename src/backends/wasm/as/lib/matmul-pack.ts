// AssemblyScript, not TypeScript: part of the sgemm of ../matmul.ts (this folder is not an entry of the build).
//
// Packing: the blocks of op(B) and op(A) copied into the panels the micro-kernel (matmul-kernel.ts) reads
// in order, absorbing the transposes and padding the edges with zeros.

import { MR, NR } from './matmul-kernel';

// @ts-ignore: decorator
@inline
export function imin(x: i32, y: i32): i32 {
  return x < y ? x : y;
}

/**
 * Packs op(B)[pc : pc+kc, jc : jc+nc] into panels of NR columns: panel p holds, for k = 0..kc-1, the NR
 * floats op(B)[pc+k, jc+p*NR : jc+p*NR+NR], zero-padded past column nc.
 */
export function packB(b: usize, ldb: i32, transB: i32, pc: i32, kc: i32, jc: i32, nc: i32, dst: usize): void {
  const ldbBytes = <usize>ldb << 2;
  const panelBytes = <usize>kc << 5;
  let jp = 0;
  if (transB == 0) {
    // op(B)[k][j] = B[k * ldb + j]: rows of B are contiguous in j. Four panels at a time, so each row
    // of B gives two whole cache lines: going down one panel alone would read 32 bytes per row, a row
    // stride apart, and with a power-of-two ldb those rows share L1 sets and evict each other.
    for (; jp + 4 * NR <= nc; jp += 4 * NR) {
      let s = b + ((<usize>pc * <usize>ldb + <usize>(jc + jp)) << 2);
      let d = dst + <usize>jp * (<usize>kc << 2);
      for (let k = 0; k < kc; k++) {
        v128.store(d, v128.load(s));
        v128.store(d, v128.load(s, 16), 16);
        v128.store(d + panelBytes, v128.load(s, 32));
        v128.store(d + panelBytes, v128.load(s, 48), 16);
        v128.store(d + 2 * panelBytes, v128.load(s, 64));
        v128.store(d + 2 * panelBytes, v128.load(s, 80), 16);
        v128.store(d + 3 * panelBytes, v128.load(s, 96));
        v128.store(d + 3 * panelBytes, v128.load(s, 112), 16);
        s += ldbBytes;
        d += 32;
      }
    }
  }
  for (; jp < nc; jp += NR) {
    const w = imin(NR, nc - jp);
    let d = dst + <usize>jp * (<usize>kc << 2);
    if (transB == 0) {
      let s = b + ((<usize>pc * <usize>ldb + <usize>(jc + jp)) << 2);
      if (w == NR) {
        for (let k = 0; k < kc; k++) {
          v128.store(d, v128.load(s));
          v128.store(d, v128.load(s, 16), 16);
          s += ldbBytes;
          d += 32;
        }
      } else {
        for (let k = 0; k < kc; k++) {
          for (let j = 0; j < NR; j++) {
            store<f32>(d + (<usize>j << 2), j < w ? load<f32>(s + (<usize>j << 2)) : 0);
          }
          s += ldbBytes;
          d += 32;
        }
      }
    } else {
      // op(B)[k][j] = B[j * ldb + k]: rows of B are contiguous in k, so transpose 4 x 4 blocks.
      const s0 = b + ((<usize>(jc + jp) * <usize>ldb + <usize>pc) << 2);
      if (w == NR) {
        let k = 0;
        for (; k + 4 <= kc; k += 4) {
          const s = s0 + (<usize>k << 2);
          transpose4(s, ldbBytes, d, 32);
          transpose4(s + 4 * ldbBytes, ldbBytes, d + 16, 32);
          d += 128;
        }
        for (; k < kc; k++) {
          const s = s0 + (<usize>k << 2);
          for (let j = 0; j < NR; j++) store<f32>(d + (<usize>j << 2), load<f32>(s + <usize>j * ldbBytes));
          d += 32;
        }
      } else {
        for (let k = 0; k < kc; k++) {
          const s = s0 + (<usize>k << 2);
          for (let j = 0; j < NR; j++) {
            store<f32>(d + (<usize>j << 2), j < w ? load<f32>(s + <usize>j * ldbBytes) : 0);
          }
          d += 32;
        }
      }
    }
  }
}

/**
 * Packs op(A)[ic : ic+mc, pc : pc+kc] into panels of MR rows: panel p holds, for k = 0..kc-1, the MR
 * values op(A)[ic+p*MR+i, pc+k] (i = 0..MR-1), each splatted to an f32x4; rows past mc are zeros.
 */
export function packA(a: usize, lda: i32, transA: i32, ic: i32, mc: i32, pc: i32, kc: i32, dst: usize): void {
  const ldaBytes = <usize>lda << 2;
  const rowBytes: usize = <usize>MR << 4; // one k of a panel
  for (let ip = 0; ip < mc; ip += MR) {
    const h = imin(MR, mc - ip);
    const panel = dst + ((<usize>ip * <usize>kc) << 4);
    if (transA != 0) {
      // op(A)[i][k] = A[k * lda + i]: rows of A are contiguous in i.
      let s = a + ((<usize>pc * <usize>lda + <usize>(ic + ip)) << 2);
      let d = panel;
      for (let k = 0; k < kc; k++) {
        let i = 0;
        for (; i < h; i++) v128.store(d + (<usize>i << 4), v128.load32_splat(s + (<usize>i << 2)));
        for (; i < MR; i++) v128.store(d + (<usize>i << 4), f32x4.splat(0));
        s += ldaBytes;
        d += rowBytes;
      }
    } else {
      // op(A)[i][k] = A[i * lda + k]: one row of A at a time, contiguous in k.
      for (let i = 0; i < MR; i++) {
        let d = panel + (<usize>i << 4);
        if (i < h) {
          let s = a + ((<usize>(ic + ip + i) * <usize>lda + <usize>pc) << 2);
          for (let k = 0; k < kc; k++) {
            v128.store(d, v128.load32_splat(s));
            s += 4;
            d += rowBytes;
          }
        } else {
          for (let k = 0; k < kc; k++) {
            v128.store(d, f32x4.splat(0));
            d += rowBytes;
          }
        }
      }
    }
  }
}

/**
 * Transposes the 4 x 4 block at s (4 rows of 4 floats, `stride` bytes apart): column kk of the block is
 * written as one f32x4 at d + kk * step (step is the byte width of a packed panel row).
 */
// @ts-ignore: decorator
@inline
function transpose4(s: usize, stride: usize, d: usize, step: usize): void {
  const r0 = v128.load(s);
  const r1 = v128.load(s + stride);
  const r2 = v128.load(s + 2 * stride);
  const r3 = v128.load(s + 3 * stride);
  const x0 = f32x4.shuffle(r0, r1, 0, 4, 1, 5); // r0[0] r1[0] r0[1] r1[1]
  const x1 = f32x4.shuffle(r0, r1, 2, 6, 3, 7); // r0[2] r1[2] r0[3] r1[3]
  const x2 = f32x4.shuffle(r2, r3, 0, 4, 1, 5);
  const x3 = f32x4.shuffle(r2, r3, 2, 6, 3, 7);
  v128.store(d, f32x4.shuffle(x0, x2, 0, 1, 4, 5)); // column 0: r0[0] r1[0] r2[0] r3[0]
  v128.store(d + step, f32x4.shuffle(x0, x2, 2, 3, 6, 7));
  v128.store(d + 2 * step, f32x4.shuffle(x1, x3, 0, 1, 4, 5));
  v128.store(d + 3 * step, f32x4.shuffle(x1, x3, 2, 3, 6, 7));
}
