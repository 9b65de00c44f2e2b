/**
 * Creating tensors: from data, constants, ranges and seeded random draws. Every shape is checked first
 * (sizes are non-negative integers, as in PyTorch); the error names the function and the shape.
 */
import { heap } from './memory.js';
import { defaultGenerator, type Generator } from './random.js';
import { checkShape, fmt, numel, type Shape } from './shape.js';
import type { DType } from './storage.js';
import { Tensor } from './tensor.js';

export interface Options {
  dtype?: DType;
  requiresGrad?: boolean;
}

type Nested = number | boolean | Nested[];

function finish(t: Tensor, o: Options): Tensor {
  return o.requiresGrad ? t.requiresGrad_(true) : t;
}

/** The heap array a dtype lives in. */
function arrayOf(dtype: DType): Float32Array | Int32Array | Uint8Array {
  return dtype === 'float32' ? heap.f32 : dtype === 'int32' ? heap.i32 : heap.u8;
}

/** A tensor of `shape` filled from a flat typed or plain array (copied into the heap). */
export function fromArray(data: ArrayLike<number>, shape: Shape, o: Options = {}): Tensor {
  checkShape(shape, 'fromArray');
  if (data.length !== numel(shape)) throw new Error(`fromArray: ${data.length} values do not fill shape ${fmt(shape)} (${numel(shape)} elements)`);
  const dtype = o.dtype ?? (data instanceof Int32Array ? 'int32' : data instanceof Uint8Array ? 'bool' : 'float32');
  const t = Tensor.empty(shape, dtype);
  arrayOf(dtype).set(data, t.base);
  return finish(t, o);
}

/** A tensor from nested arrays (numbers or booleans), like torch.tensor. */
export function tensor(data: Nested | Float32Array | Int32Array, o: Options = {}): Tensor {
  if (ArrayBuffer.isView(data)) return fromArray(data, [data.length], o);
  const shape: number[] = [];
  for (let v: Nested = data; Array.isArray(v); v = v[0]) shape.push(v.length);
  const flat: number[] = [];
  let sawBool = false;
  const walk = (v: Nested, d: number): void => {
    if (d === shape.length) {
      if (Array.isArray(v)) throw new Error(`tensor: ragged nested array (expected a number at depth ${d}, got an array)`);
      if (typeof v === 'boolean') sawBool = true;
      flat.push(+v);
      return;
    }
    if (!Array.isArray(v) || v.length !== shape[d])
      throw new Error(`tensor: ragged nested array at depth ${d} (expected length ${shape[d]}, got ${Array.isArray(v) ? v.length : 'a number'})`);
    for (const x of v) walk(x, d + 1);
  };
  walk(data, 0);
  const dtype = o.dtype ?? (sawBool ? 'bool' : 'float32');
  return fromArray(flat, shape, { ...o, dtype });
}

/** A tensor of `shape` with every element `value`; `fn` names the caller in errors. */
function filled(fn: string, shape: Shape, value: number, o: Options): Tensor {
  checkShape(shape, fn);
  return finish(Tensor.empty(shape, o.dtype ?? 'float32').fill_(value), o);
}

export const full = (shape: Shape, value: number, o: Options = {}) => filled('full', shape, value, o);
export const zeros = (shape: Shape, o: Options = {}) => filled('zeros', shape, 0, o);
export const ones = (shape: Shape, o: Options = {}) => filled('ones', shape, 1, o);
export const zerosLike = (t: Tensor, o: Options = {}) => filled('zerosLike', t.shape, 0, { dtype: t.dtype, ...o });
export const onesLike = (t: Tensor, o: Options = {}) => filled('onesLike', t.shape, 1, { dtype: t.dtype, ...o });

/** [start, end) in steps of `step`; int32 unless a bound or the step is fractional. */
export function arange(start: number, end?: number, step = 1, o: Options = {}): Tensor {
  if (end === undefined) [start, end] = [0, start];
  if (step === 0) throw new Error('arange: step must be nonzero');
  if (![start, end, step].every(Number.isFinite)) throw new RangeError(`arange: unsupported range ${start} -> ${end} (step ${step}), expected finite numbers`);
  const n = Math.max(0, Math.ceil((end - start) / step));
  if (!Number.isSafeInteger(n)) throw new RangeError(`arange: the range ${start} -> ${end} in steps of ${step} has too many elements (${n})`);
  const dtype = o.dtype ?? ([start, end, step].every(Number.isInteger) ? 'int32' : 'float32');
  const t = Tensor.empty([n], dtype);
  const a = arrayOf(dtype);
  for (let i = 0; i < n; i++) a[t.base + i] = start + i * step;
  return finish(t, o);
}

function drawn(fn: string, shape: Shape, o: Options, draw: () => number, dtype: DType = 'float32'): Tensor {
  checkShape(shape, fn);
  const t = Tensor.empty(shape, o.dtype ?? dtype);
  const a = arrayOf(t.dtype);
  for (let i = 0; i < t.numel; i++) a[t.base + i] = draw();
  return finish(t, o);
}

/** Standard normal draws from the (global or given) seeded generator. */
export function randn(shape: Shape, o: Options & { generator?: Generator } = {}): Tensor {
  const g = o.generator ?? defaultGenerator;
  return drawn('randn', shape, o, () => g.normal());
}

/** Uniform draws in [low, high). */
export function rand(shape: Shape, o: Options & { generator?: Generator; low?: number; high?: number } = {}): Tensor {
  const g = o.generator ?? defaultGenerator;
  const lo = o.low ?? 0;
  const span = (o.high ?? 1) - lo;
  return drawn('rand', shape, o, () => lo + span * g.uniform());
}

/** Integers uniform in [low, high). */
export function randint(low: number, high: number, shape: Shape, o: Options & { generator?: Generator } = {}): Tensor {
  if (!(high > low)) throw new Error(`randint: high (${high}) must be greater than low (${low})`);
  const g = o.generator ?? defaultGenerator;
  return drawn('randint', shape, o, () => g.int(low, high), 'int32');
}

/** Identity matrix. */
export function eye(n: number, o: Options = {}): Tensor {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`eye: n must be a non-negative integer, got ${n}`);
  const t = zeros([n, n], o);
  const a = arrayOf(t.dtype);
  for (let i = 0; i < n; i++) a[t.base + i * n + i] = 1;
  return t;
}
