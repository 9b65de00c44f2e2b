/**
 * The WebAssembly backend's elementwise kernels: unary ops and their backward, binary ops with
 * broadcasting, strided copies (as/elementwise.ts; sign, elu and log1p in as/unary-f64.ts), comparisons,
 * logical ops and `where` over any element kinds (as/select.ts), dispatched over the thread pool.
 *
 * Before a call, the dims of the operands are collapsed: size-1 dims dropped and neighbours merged
 * wherever every operand steps through them as one (a contiguous (B, T, C) tensor is one run of
 * B*T*C elements; a bias broadcast over it is (B*T, C) with row stride 0). What remains has one to four
 * dims and picks the kernel's fast path: both operands contiguous, one of them a scalar or a broadcast
 * row, or a transpose. Copies and binary ops of more dims run the kernel once per slice of their first
 * dims; the ops and dtypes the kernels do not have go to the reference kernels. Each kernel's grain (how many elements wake another thread) is in its declaration
 * (kernels.ts).
 */
import { contiguousStrides } from '../../core/shape.js';
import type { Backend, BinaryOp, Operand } from '../backend.js';
import { referenceBackend } from '../reference.js';
import { BINARY_CODE, COMPARE_CODE, F64_UNARY, KIND_CODE, UNARY_CODE } from './kernels.js';
import type { KernelPool } from './threads.js';

/** A shape and each operand's strides with size-1 dims dropped and mergeable neighbours merged. */
interface Collapsed {
  shape: number[];
  strides: number[][];
}

/**
 * Collapses `shape` for operands with `strides` (see the file comment). Dim d merges into d+1 when
 * every operand has strides[d] == strides[d+1] * shape[d+1].
 */
export function collapse(shape: readonly number[], strides: readonly (readonly number[])[]): Collapsed {
  const k = strides.length;
  const outShape: number[] = [];
  const outStrides: number[][] = strides.map(() => []);
  for (let d = 0; d < shape.length; d++) {
    const n = shape[d];
    if (n === 1) continue;
    const last = outShape.length - 1;
    let merge = last >= 0;
    for (let i = 0; i < k && merge; i++) if (outStrides[i][last] !== strides[i][d] * n) merge = false;
    if (merge) {
      outShape[last] *= n;
      for (let i = 0; i < k; i++) outStrides[i][last] = strides[i][d];
    } else {
      outShape.push(n);
      for (let i = 0; i < k; i++) outStrides[i].push(strides[i][d]);
    }
  }
  return { shape: outShape, strides: outStrides };
}

/** Pads a collapsed shape (and strides) to four dims with leading ones. */
function pad4(c: Collapsed): Collapsed {
  while (c.shape.length < 4) {
    c.shape.unshift(1);
    for (const s of c.strides) s.unshift(0);
  }
  return c;
}

/**
 * For a collapsed shape of more than four dims: `run` on each slice along its first dim, with the
 * operands moved to the slice (their strides those of the remaining dims), so the kernels' four dims
 * cover the rest (Swin's (B_, N, 3, heads, head) permutes, for one).
 */
function eachOuterSlice(c: Collapsed, ops: readonly Operand[], run: (shape: number[], ops: Operand[]) => void): void {
  const [n0, ...rest] = c.shape;
  for (let i = 0; i < n0; i++) run(rest, ops.map((o, j) => ({ kind: o.kind, off: o.off + i * c.strides[j][0], strides: c.strides[j].slice(1) })));
}

/**
 * The operands' shape and strides collapsed and padded to four dims, with the output's contiguous
 * strides last; null when more than four dims remain or the output does not step by 1 along the last.
 */
function view4(shape: readonly number[], strides: readonly (readonly number[])[]): Collapsed | null {
  const c = collapse(shape, [...strides, contiguousStrides(shape)]);
  const rank = c.shape.length;
  if (rank > 4 || (rank > 0 && c.strides[strides.length][rank - 1] !== 1)) return null;
  return pad4(c);
}

export function elementwiseKernels(pool: KernelPool): Pick<Backend, 'unary' | 'unaryBackward' | 'binary' | 'copy' | 'where'> {
  /** a op b for the comparison and logical ops, any element kinds in and out. */
  function compare(op: BinaryOp, code: number, a: Operand, b: Operand, out: Operand, shape: readonly number[]): void {
    const c = view4(shape, [a.strides, b.strides]);
    if (!c) return referenceBackend.binary(op, a, b, out, shape);
    const [n0, n1, n2, n3] = c.shape;
    const [[as0, as1, as2, as3], [bs0, bs1, bs2, bs3]] = c.strides;
    const bytes = (o: Operand) => o.off * (o.kind === 'u8' ? 1 : 4);
    const kinds = KIND_CODE[a.kind] | (KIND_CODE[b.kind] << 2) | (KIND_CODE[out.kind] << 4);
    pool.run('compare4', n0 * n1 * n2, { op: code, a: bytes(a), b: bytes(b), out: bytes(out), n1, n2, n3, as0, as1, as2, as3, bs0, bs1, bs2, bs3, kinds });
  }

  function binary(op: BinaryOp, a: Operand, b: Operand, out: Operand, shape: readonly number[]): void {
    const cmp = COMPARE_CODE[op];
    if (cmp !== undefined) return shape.some((d) => d === 0) ? undefined : compare(op, cmp, a, b, out, shape);
    const code = BINARY_CODE[op];
    if (code < 0 || a.kind !== 'f32' || b.kind !== 'f32' || out.kind !== 'f32') return referenceBackend.binary(op, a, b, out, shape);
    const outStrides = contiguousStrides(shape);
    const c = collapse(shape, [a.strides, b.strides, outStrides]);
    const rank = c.shape.length;
    const [sa, sb, so] = c.strides;
    if (rank > 0 && so[rank - 1] !== 1) return referenceBackend.binary(op, a, b, out, shape);
    if (rank > 4) return eachOuterSlice(c, [a, b, out], (inner, [ai, bi, oi]) => binary(op, ai, bi, oi, inner));
    if (rank <= 1) {
      const n = rank === 0 ? (shape.some((d) => d === 0) ? 0 : 1) : c.shape[0];
      pool.run('binary1', n, { op: code, a: a.off, b: b.off, out: out.off, sa: rank ? sa[0] : 0, sb: rank ? sb[0] : 0 });
      return;
    }
    const [n0, n1, n2, n3] = pad4(c).shape;
    const [[as0, as1, as2, as3], [bs0, bs1, bs2, bs3]] = c.strides;
    pool.run('binary4', n0 * n1 * n2, { op: code, a: a.off, b: b.off, out: out.off, n1, n2, n3, as0, as1, as2, as3, bs0, bs1, bs2, bs3 });
  }

  function copy(src: Operand, dst: Operand, shape: readonly number[]): void {
    if (src.kind === 'u8' || src.kind !== dst.kind) return referenceBackend.copy(src, dst, shape);
    if (shape.some((d) => d === 0)) return;
    const c = collapse(shape, [src.strides, dst.strides]);
    const rank = c.shape.length;
    if (rank > 4) return eachOuterSlice(c, [src, dst], (inner, [si, di]) => copy(si, di, inner));
    if (rank <= 1) {
      const n = rank === 0 ? 1 : c.shape[0];
      pool.run('copy1', n, { src: src.off, dst: dst.off, ss: rank ? c.strides[0][0] : 0, ds: rank ? c.strides[1][0] : 0 });
      return;
    }
    const [n0, n1, n2, n3] = pad4(c).shape;
    const [[ss0, ss1, ss2, ss3], [ds0, ds1, ds2, ds3]] = c.strides;
    // a transpose of the last two dims goes by (n2, n3) blocks, anything else by rows of n3
    const transpose = ss2 === 1 && ds3 === 1 && ss3 !== 1 && n2 >= 4 && n3 >= 4;
    const units = transpose ? n0 * n1 : n0 * n1 * n2;
    pool.run('copy4', units, { src: src.off, dst: dst.off, n1, n2, n3, ss0, ss1, ss2, ss3, ds0, ds1, ds2, ds3, transpose });
  }

  return {
    unary(op, x, out, n) {
      const code = UNARY_CODE[op];
      if (code < 0) return referenceBackend.unary(op, x, out, n);
      pool.run(F64_UNARY.has(op) ? 'unaryF64' : 'unary', n, { op: code, x, y: out });
    },

    unaryBackward(op, x, y, dy, dx, n) {
      const code = UNARY_CODE[op];
      if (code < 0) return referenceBackend.unaryBackward(op, x, y, dy, dx, n);
      pool.run(F64_UNARY.has(op) ? 'unaryF64Backward' : 'unaryBackward', n, { op: code, x, y, dy, dx });
    },

    where(cond, a, b, out, shape) {
      const fourBytes = a.kind !== 'u8' && a.kind === b.kind && b.kind === out.kind;
      const c = cond.kind === 'u8' && fourBytes ? view4(shape, [cond.strides, a.strides, b.strides]) : null;
      if (!c) return referenceBackend.where(cond, a, b, out, shape);
      if (shape.some((d) => d === 0)) return;
      const [n0, n1, n2, n3] = c.shape;
      const [[cs0, cs1, cs2, cs3], [as0, as1, as2, as3], [bs0, bs1, bs2, bs3]] = c.strides;
      pool.run('where4', n0 * n1 * n2, { cond: cond.off, a: a.off, b: b.off, out: out.off, n1, n2, n3, cs0, cs1, cs2, cs3, as0, as1, as2, as3, bs0, bs1, bs2, bs3 });
    },

    binary,
    copy,
  };
}
