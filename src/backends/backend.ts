/**
 * The kernel interface: every tensor op reaches memory only through these kernels. The plain-TypeScript
 * implementation (`reference.ts`) is the specification; faster backends override kernels one by one and
 * are checked against it by the same tests.
 *
 * Operands are element offsets into the heap's typed array of their dtype, with strides in elements,
 * so a kernel reads views (transposes, slices, broadcasts) in place.
 */
import { referenceBackend } from './reference.js';

export type ArrayKind = 'f32' | 'i32' | 'u8';

export interface Operand {
  kind: ArrayKind;
  off: number;
  strides: readonly number[];
}

export type UnaryOp =
  | 'neg' | 'exp' | 'log' | 'sqrt' | 'abs' | 'tanh' | 'sigmoid' | 'relu' | 'gelu' | 'gelu_tanh'
  | 'sin' | 'cos' | 'sign' | 'reciprocal' | 'square' | 'elu' | 'log1p' | 'erf';

export type BinaryOp =
  | 'add' | 'sub' | 'mul' | 'div' | 'pow' | 'maximum' | 'minimum'
  | 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge' | 'and' | 'or';

export type ReduceOp = 'sum' | 'max' | 'min' | 'argmax' | 'argmin';

/** A batched matrix operand: `batch` matrices of `rows x cols`, each addressed by its three strides. */
export interface MatOperand {
  off: number;
  batchStride: number;
  rowStride: number;
  colStride: number;
}

export interface Backend {
  readonly name: string;
  /** dst = src, both through their strides, with a cast between kinds. */
  copy(src: Operand, dst: Operand, shape: readonly number[]): void;
  fill(dst: Operand, n: number, value: number): void;
  /** out = op(x) over n contiguous f32 elements. */
  unary(op: UnaryOp, x: number, out: number, n: number): void;
  /** dx = dy * op'(x) (y = op(x) is given too, for ops whose derivative is cheaper from the output). */
  unaryBackward(op: UnaryOp, x: number, y: number, dy: number, dx: number, n: number): void;
  /** out (contiguous, of `shape`) = a op b, a and b read through broadcast strides. */
  binary(op: BinaryOp, a: Operand, b: Operand, out: Operand, shape: readonly number[]): void;
  /** out = cond ? a : b, all through broadcast strides. */
  where(cond: Operand, a: Operand, b: Operand, out: Operand, shape: readonly number[]): void;
  /** C[b] = A[b] @ B[b] (+ C[b] when accumulate), A is M x K, B is K x N, C contiguous M x N. */
  matmul(batch: number, M: number, N: number, K: number, a: MatOperand, b: MatOperand, c: MatOperand, accumulate: boolean): void;
  /** Reduces the middle axis of a contiguous (outer, r, inner) block into (outer, inner). */
  reduce(op: ReduceOp, x: Operand, out: Operand, outer: number, r: number, inner: number): void;
  /** Row-wise softmax (or log-softmax) of a contiguous rows x cols block. */
  softmax(x: number, y: number, rows: number, cols: number, log: boolean): void;
  /** dx from y = softmax(x) (or log-softmax) and dy, rows x cols, contiguous. */
  softmaxBackward(y: number, dy: number, dx: number, rows: number, cols: number, log: boolean): void;
  /** out[i, :] = table[idx[i], :] for n indices into a rows x cols f32 table. */
  indexSelect(table: number, rows: number, cols: number, idx: number, n: number, out: number): void;
  /** dtable[idx[i], :] += dout[i, :], skipping `skip` (padding) indices. */
  indexAdd(dtable: number, cols: number, idx: number, n: number, dout: number, skip: number): void;
}

let current: Backend = referenceBackend;

/** The backend all ops run on. */
export function backend(): Backend {
  return current;
}

export function setBackend(b: Backend): void {
  current = b;
}
