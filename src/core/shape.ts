/** Shapes, strides and broadcasting (NumPy/PyTorch rules). */

export type Shape = readonly number[];

export function numel(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Row-major (C-contiguous) strides, in elements. */
export function contiguousStrides(shape: Shape): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

export function fmt(shape: Shape): string {
  return `[${shape.join(', ')}]`;
}

/**
 * Throws unless every size in `shape` is a non-negative safe integer (as PyTorch requires), naming `fn`
 * and the shape. `infer`: one size may be -1 (a reshape's inferred dimension).
 */
export function checkShape(shape: Shape, fn: string, { infer = false } = {}): void {
  if (!Array.isArray(shape)) throw new TypeError(`${fn}: expected a shape (an array of sizes), got ${String(shape)}`);
  for (let i = 0; i < shape.length; i++) {
    const d = shape[i];
    if (Number.isSafeInteger(d) && (d >= 0 || (infer && d === -1))) continue;
    throw new RangeError(`${fn}: invalid shape ${fmt(shape)}: dimension ${i} is ${d}, expected a non-negative integer${infer ? ' or -1' : ''}`);
  }
}

/** Two shapes broadcast against each other (NumPy/PyTorch rules). */
export function broadcastable(a: Shape, b: Shape): boolean {
  for (let i = 1; i <= Math.min(a.length, b.length); i++) {
    const da = a[a.length - i];
    const db = b[b.length - i];
    if (da !== db && da !== 1 && db !== 1) return false;
  }
  return true;
}

export function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Normalises a possibly negative dimension index, with PyTorch's error text. */
export function normDim(dim: number, rank: number, what = 'dim'): number {
  const r = Math.max(rank, 1);
  if (!Number.isInteger(dim) || dim < -r || dim >= r)
    throw new RangeError(`${what} ${dim} is out of range for a tensor of rank ${rank} (expected in [${-r}, ${r - 1}])`);
  return dim < 0 ? dim + r : dim;
}

/** The broadcast shape of two shapes; the error names both. */
export function broadcastShapes(a: Shape, b: Shape, op = 'broadcast'): number[] {
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1)
      throw new Error(`${op}: shapes ${fmt(a)} and ${fmt(b)} cannot be broadcast (dimension ${i}: ${da} vs ${db})`);
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** Strides that read a tensor of `shape`/`strides` as if it had the broadcast shape `to` (0 where expanded). */
export function broadcastStrides(shape: Shape, strides: Shape, to: Shape): number[] {
  const out = new Array<number>(to.length).fill(0);
  const k = to.length - shape.length;
  for (let i = 0; i < shape.length; i++) out[k + i] = shape[i] === 1 ? 0 : strides[i];
  return out;
}

/** The target shape of a reshape or view (`fn`) of `n` elements, with its one `-1` resolved. */
export function inferShape(shape: Shape, n: number, fn = 'reshape'): number[] {
  checkShape(shape, fn, { infer: true });
  const out = [...shape];
  const neg = out.indexOf(-1);
  if (neg >= 0 && out.indexOf(-1, neg + 1) >= 0) throw new RangeError(`${fn}: only one dimension can be inferred, got shape ${fmt(shape)}`);
  if (neg >= 0) {
    const rest = numel(out.filter((_, i) => i !== neg));
    if (rest === 0 || n % rest !== 0) throw new Error(`${fn}: cannot infer -1 in ${fmt(shape)} for ${n} elements`);
    out[neg] = n / rest;
  }
  if (numel(out) !== n) throw new Error(`${fn}: shape ${fmt(shape)} is invalid for a tensor of ${n} elements`);
  return out;
}
