/**
 * Tensor: a strided view of a Storage in the heap, with an optional autograd history.
 *
 * Shapes and strides are in elements; `offset` is the view's first element within its storage. Ops live
 * in `ops/` (forward and backward side by side); the methods here only delegate to them.
 */
import { backend } from '../backends/backend.js';
import { needsGrad, record, runBackward, type Node } from './autograd.js';
import { heap } from './memory.js';
import * as ew from './ops/elementwise.js';
import * as ix from './ops/indexing.js';
import * as mm from './ops/matmul.js';
import * as red from './ops/reduce.js';
import * as sm from './ops/softmax.js';
import * as vw from './ops/view.js';
import { formatTensor } from './print.js';
import { checkShape, contiguousStrides, fmt, normDim, numel, type Shape } from './shape.js';
import { KIND, Storage, type DType } from './storage.js';

export type TensorLike = Tensor | number;
export type TypedData = Float32Array | Int32Array | Uint8Array;

export class Tensor {
  requiresGrad = false;
  grad: Tensor | null = null;
  gradFn: Node | null = null;
  /** Which output of `gradFn` this tensor is. */
  outputIndex = 0;

  constructor(
    readonly storage: Storage,
    readonly shape: readonly number[],
    readonly strides: readonly number[] = contiguousStrides(shape),
    readonly offset = 0,
  ) {}

  /** An uninitialised contiguous tensor. */
  static empty(shape: Shape, dtype: DType = 'float32'): Tensor {
    checkShape(shape, 'Tensor.empty');
    return new Tensor(new Storage(dtype, numel(shape)), [...shape]);
  }

  get dtype(): DType {
    return this.storage.dtype;
  }
  get ndim(): number {
    return this.shape.length;
  }
  get numel(): number {
    return numel(this.shape);
  }
  /** Size of dimension `d` (negative counts from the end). */
  size(d: number): number {
    return this.shape[normDim(d, this.ndim)];
  }
  get isLeaf(): boolean {
    return this.gradFn === null;
  }
  /** Element offset of this view's first element in the heap array of its dtype. */
  get base(): number {
    return this.storage.base + this.offset;
  }
  /** The kernel operand of this view. */
  get operand() {
    return { kind: KIND[this.dtype], off: this.base, strides: this.strides };
  }

  isContiguous(): boolean {
    let expect = 1;
    for (let i = this.ndim - 1; i >= 0; i--) {
      if (this.shape[i] !== 1 && this.strides[i] !== expect) return false;
      expect *= this.shape[i];
    }
    return true;
  }

  /** @internal */
  setGradFn(node: Node, index: number): void {
    this.gradFn = node;
    this.outputIndex = index;
    this.requiresGrad = true;
  }

  // ---- data out ----------------------------------------------------------------------------------

  /** A copy of the elements in row-major order. */
  toArray(): TypedData {
    const c = this.contiguous();
    const n = c.numel;
    const b = c.base;
    if (c.dtype === 'float32') return heap.f32.slice(b, b + n);
    if (c.dtype === 'int32') return heap.i32.slice(b, b + n);
    return heap.u8.slice(b, b + n);
  }

  /** The elements as nested arrays (numbers; booleans for bool tensors). */
  tolist(): unknown {
    const flat = Array.from(this.toArray(), (v) => (this.dtype === 'bool' ? v !== 0 : v));
    const build = (d: number, off: number): unknown => {
      if (d === this.ndim) return flat[off];
      const step = numel(this.shape.slice(d + 1));
      return Array.from({ length: this.shape[d] }, (_, i) => build(d + 1, off + i * step));
    };
    return build(0, 0);
  }

  /** The value of a one-element tensor. */
  item(): number {
    if (this.numel !== 1) throw new Error(`item(): tensor of shape ${fmt(this.shape)} has ${this.numel} elements, expected 1`);
    const b = this.base;
    return this.dtype === 'float32' ? heap.f32[b] : this.dtype === 'int32' ? heap.i32[b] : heap.u8[b];
  }

  toString(): string {
    return formatTensor(this);
  }

  // ---- autograd ----------------------------------------------------------------------------------

  requiresGrad_(flag = true): this {
    if (flag && this.dtype !== 'float32') throw new Error(`only float32 tensors can require gradients, not ${this.dtype}`);
    if (!flag && this.gradFn) throw new Error('requiresGrad_(false) on a non-leaf tensor; use detach()');
    this.requiresGrad = flag;
    return this;
  }

  /** Backpropagates from this tensor; `grad` is required unless the tensor has one element. */
  backward(grad?: Tensor): void {
    if (!this.requiresGrad) throw new Error('backward(): tensor does not require grad and has no grad_fn');
    if (grad === undefined) {
      if (this.numel !== 1)
        throw new Error(`backward(): a gradient argument is needed for a non-scalar output of shape ${fmt(this.shape)}`);
      grad = Tensor.empty(this.shape).fill_(1);
    } else if (grad.shape.join() !== this.shape.join())
      throw new Error(`backward(): gradient of shape ${fmt(grad.shape)} does not match output of shape ${fmt(this.shape)}`);
    runBackward(this, grad);
  }

  /**
   * @internal Adds to `.grad` (leaf tensors). A new `.grad` is always a copy: the incoming gradient may
   * be shared (`a.add(b)` hands the same tensor to both inputs) or held by the caller, and `.grad` is
   * later accumulated into in place.
   */
  accumulateGrad(g: Tensor): void {
    if (this.grad) ew.addInPlace(this.grad, g);
    else {
      this.grad = g.detach().expand(this.shape).clone();
      this.grad.storage.kept = true;
    }
  }

  /** A view of the same data cut off from the graph. */
  detach(): Tensor {
    return new Tensor(this.storage, this.shape, this.strides, this.offset);
  }

  /** Releases this tensor's memory now; every view of it becomes invalid. */
  dispose(): void {
    this.storage.release();
  }

  // ---- in-place (no autograd: for optimizers, initialisation and buffers) -------------------------

  fill_(value: number): this {
    if (this.isContiguous()) backend().fill(this.operand, this.numel, value);
    else this.copy_(ew.scalar(value, this.dtype));
    return this;
  }

  /** Copies `src` (broadcast to this shape, cast to this dtype) into this tensor or view. */
  copy_(src: Tensor): this {
    const s = src.expand(this.shape);
    backend().copy(s.operand, this.operand, this.shape);
    return this;
  }

  // ---- delegations -------------------------------------------------------------------------------

  add(o: TensorLike): Tensor { return ew.binary('add', this, o); }
  sub(o: TensorLike): Tensor { return ew.binary('sub', this, o); }
  mul(o: TensorLike): Tensor { return ew.binary('mul', this, o); }
  div(o: TensorLike): Tensor { return ew.binary('div', this, o); }
  pow(o: TensorLike): Tensor { return ew.binary('pow', this, o); }
  maximum(o: TensorLike): Tensor { return ew.binary('maximum', this, o); }
  minimum(o: TensorLike): Tensor { return ew.binary('minimum', this, o); }
  eq(o: TensorLike): Tensor { return ew.compare('eq', this, o); }
  ne(o: TensorLike): Tensor { return ew.compare('ne', this, o); }
  lt(o: TensorLike): Tensor { return ew.compare('lt', this, o); }
  le(o: TensorLike): Tensor { return ew.compare('le', this, o); }
  gt(o: TensorLike): Tensor { return ew.compare('gt', this, o); }
  ge(o: TensorLike): Tensor { return ew.compare('ge', this, o); }
  logicalAnd(o: Tensor): Tensor { return ew.compare('and', this, o); }
  logicalOr(o: Tensor): Tensor { return ew.compare('or', this, o); }
  logicalNot(): Tensor { return ew.compare('eq', this, 0); }
  neg(): Tensor { return ew.unary('neg', this); }
  exp(): Tensor { return ew.unary('exp', this); }
  log(): Tensor { return ew.unary('log', this); }
  log1p(): Tensor { return ew.unary('log1p', this); }
  sqrt(): Tensor { return ew.unary('sqrt', this); }
  rsqrt(): Tensor { return ew.unary('sqrt', this).reciprocal(); }
  abs(): Tensor { return ew.unary('abs', this); }
  tanh(): Tensor { return ew.unary('tanh', this); }
  sigmoid(): Tensor { return ew.unary('sigmoid', this); }
  relu(): Tensor { return ew.unary('relu', this); }
  gelu(approximate: 'none' | 'tanh' = 'none'): Tensor { return ew.unary(approximate === 'tanh' ? 'gelu_tanh' : 'gelu', this); }
  elu(): Tensor { return ew.unary('elu', this); }
  sin(): Tensor { return ew.unary('sin', this); }
  cos(): Tensor { return ew.unary('cos', this); }
  sign(): Tensor { return ew.unary('sign', this); }
  erf(): Tensor { return ew.unary('erf', this); }
  square(): Tensor { return ew.unary('square', this); }
  reciprocal(): Tensor { return ew.unary('reciprocal', this); }
  clamp(min?: number | null, max?: number | null): Tensor { return ew.clamp(this, min ?? null, max ?? null); }
  where(cond: Tensor, other: TensorLike): Tensor { return ew.where(cond, this, other); }
  maskedFill(mask: Tensor, value: number): Tensor { return ew.maskedFill(this, mask, value); }
  tril(diagonal = 0): Tensor { return ew.triangle(this, diagonal, true); }
  triu(diagonal = 0): Tensor { return ew.triangle(this, diagonal, false); }

  sum(dim?: number | number[] | null, keepdim = false): Tensor { return red.sum(this, dim ?? null, keepdim); }
  mean(dim?: number | number[] | null, keepdim = false): Tensor { return red.mean(this, dim ?? null, keepdim); }
  var(dim?: number | number[] | null, keepdim = false, correction = 1): Tensor { return red.variance(this, dim ?? null, keepdim, correction); }
  max(dim?: number | null, keepdim = false): Tensor { return red.extreme('max', this, dim ?? null, keepdim); }
  min(dim?: number | null, keepdim = false): Tensor { return red.extreme('min', this, dim ?? null, keepdim); }
  argmax(dim?: number | null, keepdim = false): Tensor { return red.arg('argmax', this, dim ?? null, keepdim); }
  argmin(dim?: number | null, keepdim = false): Tensor { return red.arg('argmin', this, dim ?? null, keepdim); }
  norm(): Tensor { return this.square().sum().sqrt(); }

  matmul(o: Tensor): Tensor { return mm.matmul(this, o); }
  softmax(dim = -1): Tensor { return sm.softmax(this, dim, false); }
  logSoftmax(dim = -1): Tensor { return sm.softmax(this, dim, true); }

  reshape(...shape: number[] | [number[]]): Tensor { return vw.reshape(this, flatArgs(shape)); }
  view(...shape: number[] | [number[]]): Tensor { return vw.view(this, flatArgs(shape)); }
  flatten(startDim = 0, endDim = -1): Tensor { return vw.flatten(this, startDim, endDim); }
  permute(...dims: number[] | [number[]]): Tensor { return vw.permute(this, flatArgs(dims)); }
  transpose(d0: number, d1: number): Tensor { return vw.transpose(this, d0, d1); }
  /** Transpose of a 2-D tensor. */
  get T(): Tensor { return vw.transpose(this, 0, 1); }
  expand(...shape: number[] | [readonly number[]]): Tensor { return vw.expand(this, flatArgs(shape as number[] | [number[]])); }
  unsqueeze(dim: number): Tensor { return vw.unsqueeze(this, dim); }
  squeeze(dim?: number): Tensor { return vw.squeeze(this, dim); }
  /** Elements `start` to `end` (exclusive) with `step` along `dim`, as a view. */
  slice(dim: number, start?: number | null, end?: number | null, step = 1): Tensor { return vw.slice(this, dim, start ?? null, end ?? null, step); }
  narrow(dim: number, start: number, length: number): Tensor { return vw.narrow(this, dim, start, length); }
  select(dim: number, index: number): Tensor { return vw.select(this, dim, index); }
  contiguous(): Tensor { return this.isContiguous() ? this : vw.copyOf(this); }
  clone(): Tensor { return vw.copyOf(this); }
  to(dtype: DType): Tensor { return vw.cast(this, dtype); }
  float(): Tensor { return vw.cast(this, 'float32'); }
  int(): Tensor { return vw.cast(this, 'int32'); }
  bool(): Tensor { return vw.cast(this, 'bool'); }

  gather(dim: number, index: Tensor): Tensor { return ix.gather(this, dim, index); }
  indexSelect(dim: number, index: Tensor): Tensor { return ix.indexSelect(this, dim, index); }
  split(size: number | number[], dim = 0): Tensor[] { return vw.split(this, size, dim); }
  chunk(chunks: number, dim = 0): Tensor[] { return vw.chunk(this, chunks, dim); }
}

function flatArgs(a: number[] | [number[]] | [readonly number[]]): number[] {
  return Array.isArray(a[0]) ? [...(a[0] as number[])] : (a as number[]);
}

/** Records a single-output op on the tape when any input requires grad. */
export function withGrad(name: string, out: Tensor, inputs: Tensor[], backward: (g: Tensor) => (Tensor | null)[]): Tensor {
  if (needsGrad(...inputs)) record(name, inputs, [out], ([g]) => backward(g!));
  return out;
}
