/** Elementwise ops with broadcasting, and their gradients. */
import { backend, type BinaryOp, type UnaryOp } from '../../backends/backend.js';
import { heap } from '../memory.js';
import { broadcastShapes, broadcastStrides, fmt } from '../shape.js';
import { KIND, type DType } from '../storage.js';
import { Tensor, withGrad, type TensorLike } from '../tensor.js';
import { sumTo } from './reduce.js';

/** A 0-d tensor holding `v`. */
export function scalar(v: number, dtype: DType = 'float32'): Tensor {
  return Tensor.empty([], dtype).fill_(v);
}

function asTensor(v: TensorLike, like: Tensor): Tensor {
  if (v instanceof Tensor) return v;
  return scalar(v, like.dtype === 'float32' || !Number.isInteger(v) ? 'float32' : like.dtype === 'bool' ? 'int32' : like.dtype);
}

/** PyTorch's type promotion, restricted to Loom's dtypes. */
function promote(a: DType, b: DType, op: BinaryOp): DType {
  if (a === 'float32' || b === 'float32' || op === 'div') return 'float32';
  if (op === 'and' || op === 'or') return 'bool';
  return a === 'int32' || b === 'int32' ? 'int32' : 'bool';
}

function operandAs(t: Tensor, shape: readonly number[]) {
  return { kind: KIND[t.dtype], off: t.base, strides: broadcastStrides(t.shape, t.strides, shape) };
}

function rawBinary(op: BinaryOp, a: Tensor, b: Tensor, dtype: DType): Tensor {
  const shape = broadcastShapes(a.shape, b.shape, op);
  const out = Tensor.empty(shape, dtype);
  backend().binary(op, operandAs(a, shape), operandAs(b, shape), out.operand, shape);
  return out;
}

export function unary(op: UnaryOp, x: Tensor): Tensor {
  if (x.dtype !== 'float32') x = x.float();
  const xc = x.contiguous();
  const out = Tensor.empty(x.shape);
  backend().unary(op, xc.base, out.base, out.numel);
  return withGrad(op, out, [x], (g) => {
    const gc = g.contiguous();
    const dx = Tensor.empty(x.shape);
    backend().unaryBackward(op, xc.base, out.base, gc.base, dx.base, dx.numel);
    return [dx];
  });
}

export function binary(op: BinaryOp, aIn: TensorLike, bIn: TensorLike): Tensor {
  const a = aIn instanceof Tensor ? aIn : asTensor(aIn, bIn as Tensor);
  const b = asTensor(bIn, a);
  const out = rawBinary(op, a, b, promote(a.dtype, b.dtype, op));
  return withGrad(op, out, [a, b], (g) => {
    // only the gradients that are needed: a constant operand (`x.mul(0.5)`) would cost a full sumTo
    const needA = a.requiresGrad;
    const needB = b.requiresGrad;
    let ga: Tensor | null = null;
    let gb: Tensor | null = null;
    switch (op) {
      case 'add': ga = g; gb = g; break;
      case 'sub': ga = g; gb = needB ? g.neg() : null; break;
      case 'mul': ga = needA ? g.mul(b) : null; gb = needB ? g.mul(a) : null; break;
      case 'div': ga = needA ? g.div(b) : null; gb = needB ? g.mul(out).div(b).neg() : null; break;
      // d a^b / da = b a^(b-1) (0 where b = 0);  d a^b / db = a^b ln a (0 where a = 0 and b >= 0), as PyTorch
      case 'pow':
        ga = needA ? g.mul(where(b.eq(0), 0, b.mul(a.pow(b.sub(1))))) : null;
        gb = needB ? g.mul(where(a.eq(0).logicalAnd(b.ge(0)), 0, out.mul(a.log()))) : null;
        break;
      // ties split the gradient evenly, as PyTorch does
      case 'maximum': case 'minimum': {
        const win = op === 'maximum' ? a.gt(b) : a.lt(b);
        const half = a.eq(b).float().mul(0.5);
        const wa = win.float().add(half);
        ga = needA ? g.mul(wa) : null;
        gb = needB ? g.mul(wa.neg().add(1)) : null;
        break;
      }
      default: throw new Error(`${op} has no gradient`);
    }
    return [needA && ga ? sumTo(ga, a.shape) : null, needB && gb ? sumTo(gb, b.shape) : null];
  });
}

/** Comparisons and logic: bool results, no gradient. */
export function compare(op: BinaryOp, a: Tensor, b: TensorLike): Tensor {
  return rawBinary(op, a, asTensor(b, a), 'bool');
}

/** a += b in place (a contiguous), no autograd: gradient accumulation and optimizers. */
export function addInPlace(a: Tensor, b: Tensor): void {
  if (!a.isContiguous()) throw new Error('addInPlace: destination must be contiguous');
  backend().binary('add', a.operand, operandAs(b, a.shape), a.operand, a.shape);
}

/** cond ? a : b with broadcasting. */
export function where(cond: Tensor, aIn: TensorLike, bIn: TensorLike): Tensor {
  if (cond.dtype !== 'bool') throw new Error(`where: condition must be bool, got ${cond.dtype}`);
  const a = aIn instanceof Tensor ? aIn : asTensor(aIn, bIn instanceof Tensor ? bIn : scalar(0));
  const b = asTensor(bIn, a);
  const shape = broadcastShapes(broadcastShapes(cond.shape, a.shape, 'where'), b.shape, 'where');
  const dtype = a.dtype === 'float32' || b.dtype === 'float32' ? 'float32' : a.dtype;
  const out = Tensor.empty(shape, dtype);
  backend().where(operandAs(cond, shape), operandAs(a, shape), operandAs(b, shape), out.operand, shape);
  return withGrad('where', out, [a, b], (g) => [
    a.requiresGrad ? sumTo(where(cond, g, 0), a.shape) : null,
    b.requiresGrad ? sumTo(where(cond, 0, g), b.shape) : null,
  ]);
}

/** x with `value` where mask is true; mask broadcasts to x. */
export function maskedFill(x: Tensor, mask: Tensor, value: number): Tensor {
  if (mask.dtype !== 'bool') throw new Error(`maskedFill: mask must be bool, got ${mask.dtype}`);
  broadcastShapes(x.shape, mask.shape, 'maskedFill');
  const out = where(mask, scalar(value, x.dtype), x);
  if (out.shape.length !== x.shape.length || out.shape.some((d, i) => d !== x.shape[i]))
    throw new Error(`maskedFill: mask of shape ${fmt(mask.shape)} does not broadcast to input ${fmt(x.shape)}`);
  return out;
}

/** min(max(x, lo), hi); the gradient flows where lo <= x <= hi. */
export function clamp(x: Tensor, lo: number | null, hi: number | null): Tensor {
  let out = x;
  if (lo !== null) out = rawBinary('maximum', out, scalar(lo, x.dtype), x.dtype);
  if (hi !== null) out = rawBinary('minimum', out, scalar(hi, x.dtype), x.dtype);
  if (out === x) return x.clone();
  return withGrad('clamp', out, [x], (g) => {
    let m = g;
    if (lo !== null) m = where(x.ge(lo), m, 0);
    if (hi !== null) m = where(x.le(hi), m, 0);
    return [m];
  });
}

/** Lower (tril) or upper (triu) triangle of the last two dims; the rest zeroed. */
export function triangle(x: Tensor, diagonal: number, lower: boolean): Tensor {
  if (x.ndim < 2) throw new Error(`${lower ? 'tril' : 'triu'}: input must have at least 2 dims, got ${fmt(x.shape)}`);
  const R = x.shape[x.ndim - 2];
  const C = x.shape[x.ndim - 1];
  const drop = Tensor.empty([R, C], 'bool');
  const u8 = heap.u8;
  const b = drop.base;
  for (let i = 0; i < R; i++)
    for (let j = 0; j < C; j++) u8[b + i * C + j] = +(lower ? j - i > diagonal : j - i < diagonal);
  return maskedFill(x, drop, 0);
}
