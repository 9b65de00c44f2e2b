/**
 * The WebAssembly backend's elementwise kernels: unary ops and their backward, binary ops with
 * broadcasting, strided copies (as/elementwise.ts), comparisons, logical ops and `where` over any element
 * kinds (as/select.ts), dispatched over the thread pool.
 *
 * Before a call, the dims of the operands are collapsed: size-1 dims dropped and neighbours merged
 * wherever every operand steps through them as one (a contiguous (B, T, C) tensor is one run of
 * B*T*C elements; a bias broadcast over it is (B*T, C) with row stride 0). What remains has one to four
 * dims and picks the kernel's fast path: both operands contiguous, one of them a scalar or a broadcast
 * row, or a transpose. Shapes of more dims, and the ops and dtypes the kernels do not have, go to the
 * reference kernels.
 */
import { contiguousStrides } from '../../core/shape.js';
import type { ArrayKind, Backend, BinaryOp, Operand, UnaryOp } from '../backend.js';
import { referenceBackend } from '../reference.js';
import type { WasmKernels } from './module.js';
import { kernelIndex, type KernelPool } from './threads.js';

/**
 * Kernel op codes (as/elementwise.ts; sign, elu and log1p in as/unary-f64.ts, bit for bit the reference's);
 * -1: not in the kernels, the reference does it (sin and cos: AssemblyScript's need lookup tables, which
 * the module cannot hold).
 */
const UNARY_CODE: Record<UnaryOp, number> = {
  neg: 0, exp: 1, log: 2, sqrt: 3, abs: 4, tanh: 5, sigmoid: 6, relu: 7, gelu: 8, gelu_tanh: 9,
  sin: -1, cos: -1, sign: 12, reciprocal: 13, square: 14, elu: 15, log1p: 16, erf: 17,
};
const F64_OPS = new Set<UnaryOp>(['sign', 'elu', 'log1p']);
const BINARY_CODE: Record<BinaryOp, number> = {
  add: 0, sub: 1, mul: 2, div: 3, pow: -1, maximum: 5, minimum: 6,
  eq: -1, ne: -1, lt: -1, le: -1, gt: -1, ge: -1, and: -1, or: -1,
};
/** Comparison and logical op codes (as/select.ts), and its element kind codes. */
const COMPARE_CODE: Partial<Record<BinaryOp, number>> = { eq: 0, ne: 1, lt: 2, le: 3, gt: 4, ge: 5, and: 6, or: 7 };
const KIND: Record<ArrayKind, number> = { f32: 0, i32: 1, u8: 2 };
/** Per-element cost of an op relative to an add, for the thread grain. */
const EXPENSIVE = new Set<UnaryOp>(['exp', 'log', 'tanh', 'sigmoid', 'gelu', 'gelu_tanh', 'erf', 'elu', 'log1p']);

/** Elements a thread must get before another one is woken: a wake-up costs some microseconds. */
const GRAIN = 32768;
const GRAIN_EXPENSIVE = 4096;

const UNARY = kernelIndex('unary');
const UNARY_BACKWARD = kernelIndex('unaryBackward');
const UNARY_F64 = kernelIndex('unaryF64');
const UNARY_F64_BACKWARD = kernelIndex('unaryF64Backward');
const BINARY1 = kernelIndex('binary1');
const BINARY4 = kernelIndex('binary4');
const COPY1 = kernelIndex('copy1');
const COPY4 = kernelIndex('copy4');
const COMPARE4 = kernelIndex('compare4');
const WHERE4 = kernelIndex('where4');

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
 * The operands' shape and strides collapsed and padded to four dims, with the output's contiguous
 * strides last; null when more than four dims remain or the output does not step by 1 along the last.
 */
function view4(shape: readonly number[], strides: readonly (readonly number[])[]): Collapsed | null {
  const c = collapse(shape, [...strides, contiguousStrides(shape)]);
  const rank = c.shape.length;
  if (rank > 4 || (rank > 0 && c.strides[strides.length][rank - 1] !== 1)) return null;
  return pad4(c);
}

export function elementwiseKernels(k: WasmKernels, pool: KernelPool): Pick<Backend, 'unary' | 'unaryBackward' | 'binary' | 'copy' | 'where'> {
  /** a op b for the comparison and logical ops, any element kinds in and out. */
  function compare(op: BinaryOp, code: number, a: Operand, b: Operand, out: Operand, shape: readonly number[]): void {
    const c = view4(shape, [a.strides, b.strides]);
    if (!c) return referenceBackend.binary(op, a, b, out, shape);
    const [n0, n1, n2, n3] = c.shape;
    const bytes = (o: Operand) => o.off * (o.kind === 'u8' ? 1 : 4);
    const kinds = KIND[a.kind] | (KIND[b.kind] << 2) | (KIND[out.kind] << 4);
    const args = [code, bytes(a), bytes(b), bytes(out), n1, n2, n3, ...c.strides[0], ...c.strides[1], kinds];
    pool.parallelFor(COMPARE4, n0 * n1 * n2, args, { grain: Math.ceil(GRAIN / Math.max(n3, 1)) });
  }

  return {
    where(cond, a, b, out, shape) {
      const fourBytes = a.kind !== 'u8' && a.kind === b.kind && b.kind === out.kind;
      const c = cond.kind === 'u8' && fourBytes ? view4(shape, [cond.strides, a.strides, b.strides]) : null;
      if (!c || shape.some((d) => d === 0)) return c ? undefined : referenceBackend.where(cond, a, b, out, shape);
      const [n0, n1, n2, n3] = c.shape;
      const args = [cond.off, a.off * 4, b.off * 4, out.off * 4, n1, n2, n3, ...c.strides[0], ...c.strides[1], ...c.strides[2]];
      pool.parallelFor(WHERE4, n0 * n1 * n2, args, { grain: Math.ceil(GRAIN / Math.max(n3, 1)) });
    },

    unary(op, x, out, n) {
      const code = UNARY_CODE[op];
      if (code < 0) return referenceBackend.unary(op, x, out, n);
      const grain = EXPENSIVE.has(op) ? GRAIN_EXPENSIVE : GRAIN;
      if (F64_OPS.has(op)) return pool.parallelFor(UNARY_F64, n, [code, x * 4, out * 4], { grain });
      if (n < 2 * grain) k.unary(0, n, 0, code, x * 4, out * 4);
      else pool.parallelFor(UNARY, n, [code, x * 4, out * 4], { grain, align: 16 });
    },

    unaryBackward(op, x, y, dy, dx, n) {
      const code = UNARY_CODE[op];
      if (code < 0) return referenceBackend.unaryBackward(op, x, y, dy, dx, n);
      const grain = EXPENSIVE.has(op) ? GRAIN_EXPENSIVE : GRAIN;
      if (F64_OPS.has(op)) return pool.parallelFor(UNARY_F64_BACKWARD, n, [code, x * 4, y * 4, dy * 4, dx * 4], { grain });
      if (n < 2 * grain) k.unaryBackward(0, n, 0, code, x * 4, y * 4, dy * 4, dx * 4);
      else pool.parallelFor(UNARY_BACKWARD, n, [code, x * 4, y * 4, dy * 4, dx * 4], { grain, align: 16 });
    },

    binary(op, a, b, out, shape) {
      const cmp = COMPARE_CODE[op];
      if (cmp !== undefined) return shape.some((d) => d === 0) ? undefined : compare(op, cmp, a, b, out, shape);
      const code = BINARY_CODE[op];
      if (code < 0 || a.kind !== 'f32' || b.kind !== 'f32' || out.kind !== 'f32') return referenceBackend.binary(op, a, b, out, shape);
      const outStrides = contiguousStrides(shape);
      const c = collapse(shape, [a.strides, b.strides, outStrides]);
      const rank = c.shape.length;
      const [sa, sb, so] = c.strides;
      if (rank > 4 || (rank > 0 && so[rank - 1] !== 1)) return referenceBackend.binary(op, a, b, out, shape);
      if (rank <= 1) {
        const n = rank === 0 ? (shape.some((d) => d === 0) ? 0 : 1) : c.shape[0];
        const args = [code, a.off * 4, b.off * 4, out.off * 4, rank ? sa[0] : 0, rank ? sb[0] : 0];
        if (n < 2 * GRAIN) k.binary1(0, n, 0, ...args);
        else pool.parallelFor(BINARY1, n, args, { grain: GRAIN, align: 16 });
        return;
      }
      const [n0, n1, n2, n3] = pad4(c).shape;
      const [as, bs] = c.strides;
      const rows = n0 * n1 * n2;
      const args = [code, a.off * 4, b.off * 4, out.off * 4, n1, n2, n3, ...as, ...bs];
      pool.parallelFor(BINARY4, rows, args, { grain: Math.ceil(GRAIN / n3) });
    },

    copy(src: Operand, dst: Operand, shape) {
      if (src.kind === 'u8' || src.kind !== dst.kind) return referenceBackend.copy(src, dst, shape);
      if (shape.some((d) => d === 0)) return;
      const c = collapse(shape, [src.strides, dst.strides]);
      const rank = c.shape.length;
      if (rank > 4) return referenceBackend.copy(src, dst, shape);
      if (rank <= 1) {
        const n = rank === 0 ? 1 : c.shape[0];
        const args = [src.off * 4, dst.off * 4, rank ? c.strides[0][0] : 0, rank ? c.strides[1][0] : 0];
        if (n < 2 * GRAIN) k.copy1(0, n, 0, ...args);
        else pool.parallelFor(COPY1, n, args, { grain: GRAIN, align: 16 });
        return;
      }
      const [n0, n1, n2, n3] = pad4(c).shape;
      const [ss, ds] = c.strides;
      // a transpose of the last two dims goes by (n2, n3) blocks, anything else by rows of n3
      const transpose = ss[2] === 1 && ds[3] === 1 && ss[3] !== 1 && n2 >= 4 && n3 >= 4;
      const units = transpose ? n0 * n1 : n0 * n1 * n2;
      const perUnit = transpose ? n2 * n3 : n3;
      const args = [src.off * 4, dst.off * 4, n1, n2, n3, ...ss, ...ds, transpose ? 1 : 0];
      pool.parallelFor(COPY4, units, args, { grain: Math.ceil(GRAIN / perUnit) });
    },
  };
}
