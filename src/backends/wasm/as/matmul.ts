// AssemblyScript, not TypeScript: compiled to dist/wasm/loom.wasm by scripts/build-wasm.mjs.
//
// Single-precision matrix multiply, C = alpha * op(A) @ op(B) + beta * C, on rows [rowStart, rowEnd) of C.
//
// The structure is the Goto/BLIS one. B is packed block by block (KC x NC) into column panels of NR = 8
// floats per k; A is packed (MC x KC) into row panels of MR = 5 rows per k, each value stored splatted
// (four copies, one f32x4), so that the micro-kernel loads it with a plain v128.load. The 5 x 8
// micro-kernel keeps its tile of C in ten f32x4 registers for a whole K block; per k it does 7 loads and
// 10 mul + 10 add. Packing absorbs the transposes and pads edges with zeros, so the micro-kernel only sees
// full panels; partial tiles of C are written back through a small scratch tile. Products of one to three
// rows (batch-of-one inference) skip packing, which would cost more than the product, and stream B once
// per row (sgemmRow).
//
// A row of C gets the same arithmetic whichever row range it is computed in, so splitting the rows over
// threads gives bit-identical results.
//
// Why these shapes (measured in V8 on x64, which has 15 allocatable xmm registers and no fused
// multiply-add in plain wasm SIMD): 6 x 8 needs 16 registers and spills; 5 x 8 uses 14. Splatting A while
// packing (instead of v128.load32_splat in the kernel) saves the address arithmetic V8 emits for a splat
// load with an offset; the inner loop is bound by instruction count, not by the FP pipes. Unrolling the k
// loop makes it slower (more live registers, spills).
//
// No allocation: all working space comes from `scratch`, sgemmScratchBytes() bytes that the caller owns,
// one area per concurrent caller. Every address is a byte address into the imported memory; row strides
// (lda, ldb, ldc) are in elements of the stored matrices.

/** Rows of the register tile (one splatted f32x4 of A per row and per k). */
const MR: i32 = 5;
/** Columns of the register tile (two f32x4 of B per k). */
const NR: i32 = 8;
/** Depth of a K block: a packed B panel (KC * NR floats, 8 KiB) stays in L1. */
const KC: i32 = 256;
/** Rows of an A block, a multiple of MR: the packed block (MC * KC splats, 240 KiB) stays in L2. */
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

// @ts-ignore: decorator
@inline
function imin(x: i32, y: i32): i32 {
  return x < y ? x : y;
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
            kernel5x8(ap + (<usize>ir * panelBytes << 2), bPanel, kc, cTile, ldcBytes, alpha, bk, mr, nr, tile);
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

/**
 * One row of C without packing: C[i, :] = alpha * op(A)[i, :] @ op(B) + beta * C[i, :]. With transA the
 * row of op(A) is a column of A: it is gathered into `scratch` (K floats) first.
 */
function sgemmRow(
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
        acc0 = f32x4.add(acc0, f32x4.mul(av, v128.load(s)));
        acc1 = f32x4.add(acc1, f32x4.mul(av, v128.load(s, 16)));
        acc2 = f32x4.add(acc2, f32x4.mul(av, v128.load(s, 32)));
        acc3 = f32x4.add(acc3, f32x4.mul(av, v128.load(s, 48)));
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
        acc = f32x4.add(acc, f32x4.mul(v128.load32_splat(ar + (<usize>k << 2)), v128.load(s)));
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
        acc0 = f32x4.add(acc0, f32x4.mul(av, v128.load(s0 + o)));
        acc1 = f32x4.add(acc1, f32x4.mul(av, v128.load(s1 + o)));
        acc2 = f32x4.add(acc2, f32x4.mul(av, v128.load(s2 + o)));
        acc3 = f32x4.add(acc3, f32x4.mul(av, v128.load(s3 + o)));
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

/**
 * Packs op(B)[pc : pc+kc, jc : jc+nc] into panels of NR columns: panel p holds, for k = 0..kc-1, the NR
 * floats op(B)[pc+k, jc+p*NR : jc+p*NR+NR], zero-padded past column nc.
 */
function packB(b: usize, ldb: i32, transB: i32, pc: i32, kc: i32, jc: i32, nc: i32, dst: usize): void {
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
function packA(a: usize, lda: i32, transA: i32, ic: i32, mc: i32, pc: i32, kc: i32, dst: usize): void {
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

/** Writes one f32x4 of a C tile: C = alpha * acc (beta 0), C += alpha * acc (beta 1), or the general form. */
// @ts-ignore: decorator
@inline
function update(p: usize, acc: v128, va: v128, vb: v128, beta: f32): void {
  const v = f32x4.mul(acc, va);
  if (beta == 0) v128.store(p, v);
  else if (beta == 1) v128.store(p, f32x4.add(v128.load(p), v));
  else v128.store(p, f32x4.add(f32x4.mul(v128.load(p), vb), v));
}

/**
 * The MR x NR micro-kernel: acc = Apanel @ Bpanel over kc, then C (mr x nr of it) = alpha * acc + beta * C.
 * Apanel holds MR splatted f32x4 per k, Bpanel NR floats per k.
 */
function kernel5x8(
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
  // The loop runs on the B pointer alone (no counter): fewer instructions in a loop that is bound by them.
  const bEnd = bp + (<usize>kc << 5);
  while (bp < bEnd) {
    const b0 = v128.load(bp);
    const b1 = v128.load(bp, 16);
    let av = v128.load(ap);
    c00 = f32x4.add(c00, f32x4.mul(av, b0));
    c01 = f32x4.add(c01, f32x4.mul(av, b1));
    av = v128.load(ap, 16);
    c10 = f32x4.add(c10, f32x4.mul(av, b0));
    c11 = f32x4.add(c11, f32x4.mul(av, b1));
    av = v128.load(ap, 32);
    c20 = f32x4.add(c20, f32x4.mul(av, b0));
    c21 = f32x4.add(c21, f32x4.mul(av, b1));
    av = v128.load(ap, 48);
    c30 = f32x4.add(c30, f32x4.mul(av, b0));
    c31 = f32x4.add(c31, f32x4.mul(av, b1));
    av = v128.load(ap, 64);
    c40 = f32x4.add(c40, f32x4.mul(av, b0));
    c41 = f32x4.add(c41, f32x4.mul(av, b1));
    ap += 80;
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
