/**
 * The WebAssembly backend's elementwise kernels: unary ops and their backward, binary ops with
 * broadcasting, strided copies (as/elementwise.ts), dispatched over the thread pool.
 *
 * Before a call, the dims of the operands are collapsed: size-1 dims dropped and neighbours merged
 * wherever every operand steps through them as one (a contiguous (B, T, C) tensor is one run of
 * B*T*C elements; a bias broadcast over it is (B*T, C) with row stride 0). What remains has one to four
 * dims and picks the kernel's fast path: both operands contiguous, one of them a scalar or a broadcast
 * row, or a transpose. Shapes of more dims, and the ops and dtypes the kernels do not have, go to the
 * reference kernels. Each kernel's grain (how many elements wake another thread) is in its declaration
 * (kernels.ts).
 */
import { contiguousStrides } from '../../core/shape.js';
import type { Backend, Operand } from '../backend.js';
import { referenceBackend } from '../reference.js';
import { BINARY_CODE, UNARY_CODE } from './kernels.js';
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

export function elementwiseKernels(pool: KernelPool): Pick<Backend, 'unary' | 'unaryBackward' | 'binary' | 'copy'> {
  return {
    unary(op, x, out, n) {
      const code = UNARY_CODE[op];
      if (code < 0) return referenceBackend.unary(op, x, out, n);
      pool.run('unary', n, { op: code, x, y: out });
    },

    unaryBackward(op, x, y, dy, dx, n) {
      const code = UNARY_CODE[op];
      if (code < 0) return referenceBackend.unaryBackward(op, x, y, dy, dx, n);
      pool.run('unaryBackward', n, { op: code, x, y, dy, dx });
    },

    binary(op, a, b, out, shape) {
      const code = BINARY_CODE[op];
      if (code < 0 || a.kind !== 'f32' || b.kind !== 'f32' || out.kind !== 'f32') return referenceBackend.binary(op, a, b, out, shape);
      const outStrides = contiguousStrides(shape);
      const c = collapse(shape, [a.strides, b.strides, outStrides]);
      const rank = c.shape.length;
      const [sa, sb, so] = c.strides;
      if (rank > 4 || (rank > 0 && so[rank - 1] !== 1)) return referenceBackend.binary(op, a, b, out, shape);
      if (rank <= 1) {
        const n = rank === 0 ? (shape.some((d) => d === 0) ? 0 : 1) : c.shape[0];
        pool.run('binary1', n, { op: code, a: a.off, b: b.off, out: out.off, sa: rank ? sa[0] : 0, sb: rank ? sb[0] : 0 });
        return;
      }
      const [n0, n1, n2, n3] = pad4(c).shape;
      const [[as0, as1, as2, as3], [bs0, bs1, bs2, bs3]] = c.strides;
      pool.run('binary4', n0 * n1 * n2, { op: code, a: a.off, b: b.off, out: out.off, n1, n2, n3, as0, as1, as2, as3, bs0, bs1, bs2, bs3 });
    },

    copy(src: Operand, dst: Operand, shape) {
      if (src.kind === 'u8' || src.kind !== dst.kind) return referenceBackend.copy(src, dst, shape);
      if (shape.some((d) => d === 0)) return;
      const c = collapse(shape, [src.strides, dst.strides]);
      const rank = c.shape.length;
      if (rank > 4) return referenceBackend.copy(src, dst, shape);
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
    },
  };
}
