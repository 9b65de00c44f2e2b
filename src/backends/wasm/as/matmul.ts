// AssemblyScript, not TypeScript: compiled to dist/wasm/loom.wasm by scripts/build-wasm.mjs.
//
// Single-precision matrix multiply, C = alpha * op(A) @ op(B) + beta * C, on rows [rowStart, rowEnd) of C.
//
// The structure is the Goto/BLIS one. B is packed block by block (KC x NC) into column panels of NR = 8
// floats per k; A is packed (MC x KC) into row panels of MR rows per k (5, or 6 in the relaxed build),
// each value stored splatted (four copies, one f32x4), so that the micro-kernel loads it with a plain
// v128.load. The MR x 8 micro-kernel keeps its tile of C in 2 MR f32x4 registers for a whole K block
// (lib/matmul-kernel.ts). Packing absorbs the transposes and pads edges with zeros, so the micro-kernel only sees
// full panels; partial tiles of C are written back through a small scratch tile. Products of one to three
// rows (batch-of-one inference) skip packing, which would cost more than the product, and stream B once
// per row (sgemmRow).
//
// A row of C gets the same arithmetic whichever row range it is computed in, so splitting the rows over
// threads gives bit-identical results.
//
// The pieces: lib/matmul-pack.ts packs the panels, lib/matmul-kernel.ts is the micro-kernel (and why it
// has the shape it has), lib/matmul-rows.ts the unpacked path for few rows; this file blocks the product,
// holds the thread pool's entries (sgemmRows, sgemmCols, sgemmBatch) and owns the scratch layout.
//
// No allocation: all working space comes from `scratch`, sgemmScratchBytes() bytes that the caller owns,
// one area per concurrent caller. Every address is a byte address into the imported memory; row strides
// (lda, ldb, ldc) are in elements of the stored matrices.

import { imin, packA, packB } from './lib/matmul-pack';
import { microKernel, MR, NR } from './lib/matmul-kernel';
import { sgemmRow } from './lib/matmul-rows';

/** Depth of a K block: a packed B panel (KC * NR floats, 8 KiB) stays in L1. */
const KC: i32 = 256;
/** Rows of an A block, a multiple of both builds' MR (5 and 6): the packed block (MC * KC splats, 240 KiB) stays in L2. */
const MC: i32 = 60;
/** Columns of a B block (KC * NC floats, 512 KiB). */
const NC: i32 = 512;

/** Products of at most this many rows skip packing and run row by row (sgemmRow). Decided on M, not on
 * the row range, so that how rows are split over threads never changes the arithmetic. */
const SMALL_ROWS: i32 = 3;

const B_PACK_BYTES: usize = <usize>(KC * NC) << 2;
const A_PACK_BYTES: usize = <usize>(MC * KC) << 4;
const TILE_BYTES: usize = <usize>(MR * NR) << 2;

/** Bytes of scratch one sgemm call needs (packed B block, packed A block, one C tile). */
const SGEMM_SCRATCH_BYTES: i32 = <i32>(B_PACK_BYTES + A_PACK_BYTES + TILE_BYTES);

/** Bytes of scratch one sgemm call needs; the caller passes that many at `scratch`, 16-byte aligned. */
export function sgemmScratchBytes(): i32 {
  return SGEMM_SCRATCH_BYTES;
}

/** Splits n into ceil(n / max) near-equal blocks, a multiple of `unit` each (but the last). */
// @ts-ignore: decorator
@inline
function blockSize(n: i32, max: i32, unit: i32): i32 {
  const blocks = (n + max - 1) / max;
  const size = (n + blocks - 1) / blocks;
  return imin(max, ((size + unit - 1) / unit) * unit);
}

/**
 * C = alpha * op(A) @ op(B) + beta * C for rows [rowStart, rowEnd) of the M x N matrix C.
 * op(A) is M x K (A is stored K x M when transA), op(B) is K x N (B is stored N x K when transB).
 * beta == 0 writes C without reading it (old NaNs do not survive); alpha == 0 or K == 0 reads neither A nor B.
 */
export function sgemm(
  a: usize,
  b: usize,
  c: usize,
  M: i32,
  N: i32,
  K: i32,
  lda: i32,
  ldb: i32,
  ldc: i32,
  transA: i32,
  transB: i32,
  alpha: f32,
  beta: f32,
  rowStart: i32,
  rowEnd: i32,
  scratch: usize,
): void {
  if (rowStart < 0) rowStart = 0;
  if (rowEnd > M) rowEnd = M;
  if (rowEnd <= rowStart || N <= 0) return;
  if (K <= 0 || alpha == 0) {
    scaleRows(c, ldc, rowStart, rowEnd, N, beta);
    return;
  }
  if (M <= SMALL_ROWS && <usize>K << 2 <= B_PACK_BYTES) {
    // A few rows (a batch of one at inference): packing B would cost more than the product itself.
    for (let i = rowStart; i < rowEnd; i++) {
      sgemmRow(a, b, c, i, N, K, lda, ldb, ldc, transA, transB, alpha, beta, scratch);
    }
    return;
  }
  const bp = scratch;
  const ap = scratch + B_PACK_BYTES;
  const tile = ap + A_PACK_BYTES;
  const ldcBytes = <usize>ldc << 2;
  const ncStep = blockSize(N, NC, NR);
  const kcStep = blockSize(K, KC, 4);
  const mcStep = blockSize(rowEnd - rowStart, MC, MR);

  for (let jc = 0; jc < N; jc += ncStep) {
    const nc = imin(ncStep, N - jc);
    for (let pc = 0; pc < K; pc += kcStep) {
      const kc = imin(kcStep, K - pc);
      packB(b, ldb, transB, pc, kc, jc, nc, bp);
      // The first K block applies beta; later ones accumulate onto it.
      const bk: f32 = pc == 0 ? beta : 1;
      const panelBytes = <usize>kc << 2;
      for (let ic = rowStart; ic < rowEnd; ic += mcStep) {
        const mc = imin(mcStep, rowEnd - ic);
        packA(a, lda, transA, ic, mc, pc, kc, ap);
        for (let jr = 0; jr < nc; jr += NR) {
          const nr = imin(NR, nc - jr);
          const bPanel = bp + <usize>jr * panelBytes;
          let cTile = c + ((<usize>ic * <usize>ldc + <usize>(jc + jr)) << 2);
          for (let ir = 0; ir < mc; ir += MR) {
            const mr = imin(MR, mc - ir);
            microKernel(ap + (<usize>ir * panelBytes << 2), bPanel, kc, cTile, ldcBytes, alpha, bk, mr, nr, tile);
            cTile += ldcBytes * <usize>MR;
          }
        }
      }
    }
  }
}

/**
 * The thread pool's entry (threads.ts): sgemm on rows [start, end) of C, with the scratch area of
 * thread `part` (`scratch` holds one sgemmScratchBytes() area per thread).
 */
export function sgemmRows(
  start: i32, end: i32, part: i32, a: usize, b: usize, c: usize, M: i32, N: i32, K: i32,
  lda: i32, ldb: i32, ldc: i32, transA: i32, transB: i32, alpha: f32, beta: f32, scratch: usize,
): void {
  sgemm(a, b, c, M, N, K, lda, ldb, ldc, transA, transB, alpha, beta, start, end, scratch + <usize>part * <usize>SGEMM_SCRATCH_BYTES);
}

/**
 * The thread pool's entry for products of few rows: columns [start, end) of C with thread `part`'s
 * scratch. Each element gets the arithmetic it gets in one call (the K blocking depends on K alone;
 * unpacked rows group columns by 16 or 4 from the first) as long as parts start on multiples of 16,
 * so the split is bit-identical to the whole.
 */
export function sgemmCols(
  start: i32, end: i32, part: i32, a: usize, b: usize, c: usize, M: i32, N: i32, K: i32,
  lda: i32, ldb: i32, ldc: i32, transA: i32, transB: i32, alpha: f32, beta: f32, scratch: usize,
): void {
  const bs = transB != 0 ? <usize>start * <usize>ldb : <usize>start;
  sgemm(a, b + (bs << 2), c + (<usize>start << 2), M, end - start, K, lda, ldb, ldc, transA, transB, alpha, beta, 0, M, scratch + <usize>part * <usize>SGEMM_SCRATCH_BYTES);
}

/**
 * A batch of products, C[p] = alpha * op(A[p]) @ op(B[p]) + beta * C[p] for p in [start, end), each
 * whole; A[p] is at a + p * strideA (bytes; 0 reuses one matrix for every p), likewise B and C.
 */
export function sgemmBatch(
  start: i32, end: i32, part: i32, a: usize, b: usize, c: usize, M: i32, N: i32, K: i32,
  lda: i32, ldb: i32, ldc: i32, transA: i32, transB: i32, alpha: f32, beta: f32, scratch: usize,
  strideA: usize, strideB: usize, strideC: usize,
): void {
  const s = scratch + <usize>part * <usize>SGEMM_SCRATCH_BYTES;
  for (let p = start; p < end; p++) {
    const q = <usize>p;
    sgemm(a + q * strideA, b + q * strideB, c + q * strideC, M, N, K, lda, ldb, ldc, transA, transB, alpha, beta, 0, M, s);
  }
}

/** C = beta * C on rows [r0, r1), with beta == 0 writing zeros. */
function scaleRows(c: usize, ldc: i32, r0: i32, r1: i32, N: i32, beta: f32): void {
  const vb = f32x4.splat(beta);
  for (let i = r0; i < r1; i++) {
    const row = c + ((<usize>i * <usize>ldc) << 2);
    let j = 0;
    if (beta == 0) {
      for (; j + 4 <= N; j += 4) v128.store(row + (<usize>j << 2), f32x4.splat(0));
      for (; j < N; j++) store<f32>(row + (<usize>j << 2), 0);
    } else if (beta != 1) {
      for (; j + 4 <= N; j += 4) {
        const p = row + (<usize>j << 2);
        v128.store(p, f32x4.mul(v128.load(p), vb));
      }
      for (; j < N; j++) {
        const p = row + (<usize>j << 2);
        store<f32>(p, load<f32>(p) * beta);
      }
    }
  }
}
