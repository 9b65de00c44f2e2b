// AssemblyScript, not TypeScript: compiled to dist/wasm/loom.wasm by scripts/build-wasm.mjs.
//
// Elementwise kernels: unary ops and their backward, binary ops with broadcasting, strided copies.
// Mirrors `unary`, `unaryBackward`, `binary` and `copy` of the reference backend (src/backends/reference.ts).
//
// Every kernel that can run on several threads takes (start, end, part) first: the range of its split
// dimension this call does, and which thread it is (see threads.ts). Pointers are byte addresses,
// strides are in elements (4 bytes).
//
// Op codes: the order of UNARY_OPS / BINARY_OPS in src/backends/wasm/elementwise.ts.

import { loadTail, storeTail, verf, vexp, vgelu, vgeluGrad, vlog, vsigmoid, vtanh } from './lib/vmath';

const NEG: i32 = 0, EXP: i32 = 1, LOG: i32 = 2, SQRT: i32 = 3, ABS: i32 = 4, TANH: i32 = 5, SIGMOID: i32 = 6,
  RELU: i32 = 7, GELU: i32 = 8, GELU_TANH: i32 = 9, SIN: i32 = 10, COS: i32 = 11, SIGN: i32 = 12,
  RECIPROCAL: i32 = 13, SQUARE: i32 = 14, ELU: i32 = 15, LOG1P: i32 = 16, ERF: i32 = 17;

const SQRT_2_OVER_PI: f32 = 0.7978845608028654;

/** tanh-approximated GELU, x/2 (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))). */
// @ts-ignore: decorator
@inline
function vgeluTanh(x: v128): v128 {
  const u = f32x4.mul(f32x4.splat(SQRT_2_OVER_PI), f32x4.add(x, f32x4.mul(f32x4.splat(0.044715), f32x4.mul(x, f32x4.mul(x, x)))));
  return f32x4.mul(f32x4.mul(f32x4.splat(0.5), x), f32x4.add(f32x4.splat(1), vtanh(u)));
}

// @ts-ignore: decorator
@inline
function unaryV(op: i32, x: v128): v128 {
  switch (op) {
    case NEG: return f32x4.neg(x);
    case EXP: return vexp(x);
    case LOG: return vlog(x);
    case SQRT: return f32x4.sqrt(x);
    case ABS: return f32x4.abs(x);
    case TANH: return vtanh(x);
    case SIGMOID: return vsigmoid(x);
    case RELU: return v128.bitselect(x, f32x4.splat(0), f32x4.gt(x, f32x4.splat(0)));
    case GELU: return vgelu(x);
    case GELU_TANH: return vgeluTanh(x);
    case RECIPROCAL: return f32x4.div(f32x4.splat(1), x);
    case SQUARE: return f32x4.mul(x, x);
    default: return verf(x); // ERF
  }
}

/** Four vectors of y = op(x) at byte offset o: independent chains the CPU overlaps. */
// @ts-ignore: decorator
@inline
function unary16(op: i32, x: usize, y: usize, o: usize): void {
  const a = unaryV(op, v128.load(x + o));
  const b = unaryV(op, v128.load(x + o, 16));
  const c = unaryV(op, v128.load(x + o, 32));
  const d = unaryV(op, v128.load(x + o, 48));
  v128.store(y + o, a);
  v128.store(y + o, b, 16);
  v128.store(y + o, c, 32);
  v128.store(y + o, d, 48);
}

/**
 * y[i] = op(x[i]) for i in [start, end). Not here: sign, elu and log1p (unary-f64.ts); sin and cos (the
 * caller keeps the reference for them).
 */
export function unary(start: i32, end: i32, part: i32, op: i32, x: usize, y: usize): void {
  let i = start;
  // one loop per op, 16 floats per turn: the switch stays out of the hot loop
  switch (op) {
    case NEG: for (; i + 16 <= end; i += 16) unary16(NEG, x, y, <usize>i << 2); break;
    case EXP: for (; i + 16 <= end; i += 16) unary16(EXP, x, y, <usize>i << 2); break;
    case LOG: for (; i + 16 <= end; i += 16) unary16(LOG, x, y, <usize>i << 2); break;
    case SQRT: for (; i + 16 <= end; i += 16) unary16(SQRT, x, y, <usize>i << 2); break;
    case ABS: for (; i + 16 <= end; i += 16) unary16(ABS, x, y, <usize>i << 2); break;
    case TANH: for (; i + 16 <= end; i += 16) unary16(TANH, x, y, <usize>i << 2); break;
    case SIGMOID: for (; i + 16 <= end; i += 16) unary16(SIGMOID, x, y, <usize>i << 2); break;
    case RELU: for (; i + 16 <= end; i += 16) unary16(RELU, x, y, <usize>i << 2); break;
    case GELU: for (; i + 16 <= end; i += 16) unary16(GELU, x, y, <usize>i << 2); break;
    case GELU_TANH: for (; i + 16 <= end; i += 16) unary16(GELU_TANH, x, y, <usize>i << 2); break;
    case RECIPROCAL: for (; i + 16 <= end; i += 16) unary16(RECIPROCAL, x, y, <usize>i << 2); break;
    case SQUARE: for (; i + 16 <= end; i += 16) unary16(SQUARE, x, y, <usize>i << 2); break;
    default: for (; i + 16 <= end; i += 16) unary16(ERF, x, y, <usize>i << 2); break;
  }
  for (; i + 4 <= end; i += 4) {
    const o = <usize>i << 2;
    v128.store(y + o, unaryV(op, v128.load(x + o)));
  }
  if (i < end) {
    const o = <usize>i << 2;
    storeTail(y + o, unaryV(op, loadTail(x + o, end - i)), end - i);
  }
}

/** d op(x)/dx as a vector, from x and y = op(x). */
// @ts-ignore: decorator
@inline
function gradV(op: i32, x: v128, y: v128): v128 {
  const one = f32x4.splat(1);
  switch (op) {
    case NEG: return f32x4.splat(-1);
    case EXP: return y;
    case LOG: return f32x4.div(one, x);
    case SQRT: return f32x4.div(f32x4.splat(0.5), y);
    case ABS: {
      // sign(x): 0 at 0, NaN at NaN
      const s = v128.or(v128.and(x, i32x4.splat(0x80000000)), one);
      return v128.bitselect(s, f32x4.mul(x, f32x4.splat(0)), f32x4.gt(f32x4.abs(x), f32x4.splat(0)));
    }
    case TANH: return f32x4.sub(one, f32x4.mul(y, y));
    case SIGMOID: return f32x4.mul(y, f32x4.sub(one, y));
    case RELU: return v128.and(one, f32x4.gt(x, f32x4.splat(0)));
    case GELU: return vgeluGrad(x);
    case GELU_TANH: {
      const x2 = f32x4.mul(x, x);
      const u = f32x4.mul(f32x4.splat(SQRT_2_OVER_PI), f32x4.add(x, f32x4.mul(f32x4.splat(0.044715), f32x4.mul(x, x2))));
      const t = vtanh(u);
      const a = f32x4.mul(f32x4.splat(0.5), f32x4.add(one, t));
      const du = f32x4.mul(f32x4.splat(SQRT_2_OVER_PI), f32x4.add(one, f32x4.mul(f32x4.splat(3 * 0.044715), x2)));
      return f32x4.add(a, f32x4.mul(f32x4.mul(f32x4.mul(f32x4.splat(0.5), x), f32x4.sub(one, f32x4.mul(t, t))), du));
    }
    case RECIPROCAL: return f32x4.neg(f32x4.mul(y, y));
    case SQUARE: return f32x4.add(x, x);
    default: return f32x4.mul(f32x4.splat(1.1283791670955126), vexp(f32x4.neg(f32x4.mul(x, x)))); // ERF
  }
}

/** Four vectors of dx = dy * op'(x) at byte offset o. */
// @ts-ignore: decorator
@inline
function grad16(op: i32, x: usize, y: usize, dy: usize, dx: usize, o: usize): void {
  const a = f32x4.mul(v128.load(dy + o), gradV(op, v128.load(x + o), v128.load(y + o)));
  const b = f32x4.mul(v128.load(dy + o, 16), gradV(op, v128.load(x + o, 16), v128.load(y + o, 16)));
  const c = f32x4.mul(v128.load(dy + o, 32), gradV(op, v128.load(x + o, 32), v128.load(y + o, 32)));
  const d = f32x4.mul(v128.load(dy + o, 48), gradV(op, v128.load(x + o, 48), v128.load(y + o, 48)));
  v128.store(dx + o, a);
  v128.store(dx + o, b, 16);
  v128.store(dx + o, c, 32);
  v128.store(dx + o, d, 48);
}

/** dx[i] = dy[i] * op'(x[i]) for i in [start, end) (the ops of `unary`). */
export function unaryBackward(start: i32, end: i32, part: i32, op: i32, x: usize, y: usize, dy: usize, dx: usize): void {
  let i = start;
  switch (op) {
    case NEG: for (; i + 16 <= end; i += 16) grad16(NEG, x, y, dy, dx, <usize>i << 2); break;
    case EXP: for (; i + 16 <= end; i += 16) grad16(EXP, x, y, dy, dx, <usize>i << 2); break;
    case LOG: for (; i + 16 <= end; i += 16) grad16(LOG, x, y, dy, dx, <usize>i << 2); break;
    case SQRT: for (; i + 16 <= end; i += 16) grad16(SQRT, x, y, dy, dx, <usize>i << 2); break;
    case ABS: for (; i + 16 <= end; i += 16) grad16(ABS, x, y, dy, dx, <usize>i << 2); break;
    case TANH: for (; i + 16 <= end; i += 16) grad16(TANH, x, y, dy, dx, <usize>i << 2); break;
    case SIGMOID: for (; i + 16 <= end; i += 16) grad16(SIGMOID, x, y, dy, dx, <usize>i << 2); break;
    case RELU: for (; i + 16 <= end; i += 16) grad16(RELU, x, y, dy, dx, <usize>i << 2); break;
    case GELU: for (; i + 16 <= end; i += 16) grad16(GELU, x, y, dy, dx, <usize>i << 2); break;
    case GELU_TANH: for (; i + 16 <= end; i += 16) grad16(GELU_TANH, x, y, dy, dx, <usize>i << 2); break;
    case RECIPROCAL: for (; i + 16 <= end; i += 16) grad16(RECIPROCAL, x, y, dy, dx, <usize>i << 2); break;
    case SQUARE: for (; i + 16 <= end; i += 16) grad16(SQUARE, x, y, dy, dx, <usize>i << 2); break;
    default: for (; i + 16 <= end; i += 16) grad16(ERF, x, y, dy, dx, <usize>i << 2); break;
  }
  for (; i + 4 <= end; i += 4) {
    const o = <usize>i << 2;
    v128.store(dx + o, f32x4.mul(v128.load(dy + o), gradV(op, v128.load(x + o), v128.load(y + o))));
  }
  if (i < end) {
    const o = <usize>i << 2;
    const k = end - i;
    storeTail(dx + o, f32x4.mul(loadTail(dy + o, k), gradV(op, loadTail(x + o, k), loadTail(y + o, k))), k);
  }
}

// ---- binary ------------------------------------------------------------------------------------

const ADD: i32 = 0, SUB: i32 = 1, MUL: i32 = 2, DIV: i32 = 3, POW: i32 = 4, MAXIMUM: i32 = 5, MINIMUM: i32 = 6;

// @ts-ignore: decorator
@inline
function binV(op: i32, a: v128, b: v128): v128 {
  switch (op) {
    case ADD: return f32x4.add(a, b);
    case SUB: return f32x4.sub(a, b);
    case MUL: return f32x4.mul(a, b);
    case DIV: return f32x4.div(a, b);
    case MAXIMUM: return f32x4.max(a, b);
    default: return f32x4.min(a, b); // MINIMUM
  }
}

/**
 * out[0..n) = a op b along one row: a and b each contiguous (stride 1), broadcast (0) or strided.
 * Not here (the caller keeps the reference for it): pow.
 */
function binaryRow(op: i32, a: usize, b: usize, out: usize, n: i32, sa: i32, sb: i32): void {
  let j = 0;
  if (sa == 1 && sb == 1) {
    switch (op) {
      case ADD: for (; j + 8 <= n; j += 8) { const o = <usize>j << 2; v128.store(out + o, f32x4.add(v128.load(a + o), v128.load(b + o))); v128.store(out + o, f32x4.add(v128.load(a + o, 16), v128.load(b + o, 16)), 16); } break;
      case MUL: for (; j + 8 <= n; j += 8) { const o = <usize>j << 2; v128.store(out + o, f32x4.mul(v128.load(a + o), v128.load(b + o))); v128.store(out + o, f32x4.mul(v128.load(a + o, 16), v128.load(b + o, 16)), 16); } break;
      default: break;
    }
    for (; j + 4 <= n; j += 4) {
      const o = <usize>j << 2;
      v128.store(out + o, binV(op, v128.load(a + o), v128.load(b + o)));
    }
    if (j < n) {
      const o = <usize>j << 2;
      storeTail(out + o, binV(op, loadTail(a + o, n - j), loadTail(b + o, n - j)), n - j);
    }
  } else if (sa == 1 && sb == 0) {
    const vb = v128.load32_splat(b);
    for (; j + 4 <= n; j += 4) {
      const o = <usize>j << 2;
      v128.store(out + o, binV(op, v128.load(a + o), vb));
    }
    if (j < n) {
      const o = <usize>j << 2;
      storeTail(out + o, binV(op, loadTail(a + o, n - j), vb), n - j);
    }
  } else if (sa == 0 && sb == 1) {
    const va = v128.load32_splat(a);
    for (; j + 4 <= n; j += 4) {
      const o = <usize>j << 2;
      v128.store(out + o, binV(op, va, v128.load(b + o)));
    }
    if (j < n) {
      const o = <usize>j << 2;
      storeTail(out + o, binV(op, va, loadTail(b + o, n - j)), n - j);
    }
  } else {
    for (; j < n; j++) {
      const va = v128.load32_splat(a + ((<usize>(j * sa)) << 2));
      const vb = v128.load32_splat(b + ((<usize>(j * sb)) << 2));
      store<f32>(out + (<usize>j << 2), f32x4.extract_lane(binV(op, va, vb), 0));
    }
  }
}

/** One-dimensional: out[i] = a[i * sa] op b[i * sb] for i in [start, end). */
export function binary1(start: i32, end: i32, part: i32, op: i32, a: usize, b: usize, out: usize, sa: i32, sb: i32): void {
  if (end <= start) return;
  binaryRow(op, a + ((<usize>(start * sa)) << 2), b + ((<usize>(start * sb)) << 2), out + (<usize>start << 2), end - start, sa, sb);
}

/**
 * Four-dimensional (n0, n1, n2, n3) with out contiguous; a and b read through their strides (0 where
 * broadcast). Rows [start, end) of the n0 * n1 * n2 rows of n3 elements.
 */
export function binary4(
  start: i32, end: i32, part: i32, op: i32, a: usize, b: usize, out: usize, n1: i32, n2: i32, n3: i32,
  as0: i32, as1: i32, as2: i32, as3: i32, bs0: i32, bs1: i32, bs2: i32, bs3: i32,
): void {
  for (let r = start; r < end; r++) {
    const i2 = r % n2;
    const q = r / n2;
    const i1 = q % n1;
    const i0 = q / n1;
    const ao = a + ((<usize>(i0 * as0 + i1 * as1 + i2 * as2)) << 2);
    const bo = b + ((<usize>(i0 * bs0 + i1 * bs1 + i2 * bs2)) << 2);
    binaryRow(op, ao, bo, out + ((<usize>r * <usize>n3) << 2), n3, as3, bs3);
  }
}

// ---- copies ------------------------------------------------------------------------------------

/** One row of n 4-byte elements, src and dst strided. */
// @ts-ignore: decorator
@inline
function copyRow(src: usize, dst: usize, n: i32, ss: i32, ds: i32): void {
  if (ss == 1 && ds == 1) {
    memory.copy(dst, src, <usize>n << 2);
  } else if (ds == 1 && ss == 0) {
    const v = v128.load32_splat(src);
    let j = 0;
    for (; j + 4 <= n; j += 4) v128.store(dst + (<usize>j << 2), v);
    for (; j < n; j++) store<f32>(dst + (<usize>j << 2), f32x4.extract_lane(v, 0));
  } else {
    for (let j = 0; j < n; j++) store<u32>(dst + ((<usize>(j * ds)) << 2), load<u32>(src + ((<usize>(j * ss)) << 2)));
  }
}

/** One-dimensional copy of 4-byte elements: dst[i * ds] = src[i * ss] for i in [start, end). */
export function copy1(start: i32, end: i32, part: i32, src: usize, dst: usize, ss: i32, ds: i32): void {
  if (end <= start) return;
  copyRow(src + ((<usize>(start * ss)) << 2), dst + ((<usize>(start * ds)) << 2), end - start, ss, ds);
}

/**
 * Four-dimensional copy of 4-byte elements (n0, n1, n2, n3), both sides strided. Rows [start, end) of
 * the n0 * n1 * n2 rows of n3 elements; or, with `transpose` (src stride 1 in dim 2, dst stride 1 in
 * dim 3), blocks [start, end) of the n0 * n1 (n2, n3) blocks, each transposed through 4 x 4 tiles so
 * that both sides are read and written a vector at a time.
 */
export function copy4(
  start: i32, end: i32, part: i32, src: usize, dst: usize, n1: i32, n2: i32, n3: i32,
  ss0: i32, ss1: i32, ss2: i32, ss3: i32, ds0: i32, ds1: i32, ds2: i32, ds3: i32, transpose: i32,
): void {
  if (transpose != 0) {
    for (let q = start; q < end; q++) {
      const i1 = q % n1;
      const i0 = q / n1;
      const so = src + ((<usize>(i0 * ss0 + i1 * ss1)) << 2);
      const dO = dst + ((<usize>(i0 * ds0 + i1 * ds1)) << 2);
      transposeBlock(so, dO, n2, n3, ss3, ds2);
    }
    return;
  }
  for (let r = start; r < end; r++) {
    const i2 = r % n2;
    const q = r / n2;
    const i1 = q % n1;
    const i0 = q / n1;
    const so = src + ((<usize>(i0 * ss0 + i1 * ss1 + i2 * ss2)) << 2);
    const dO = dst + ((<usize>(i0 * ds0 + i1 * ds1 + i2 * ds2)) << 2);
    copyRow(so, dO, n3, ss3, ds3);
  }
}

/** dst[i, j] = src[j, i] for an (n2, n3) dst with row stride ds2 and an (n3, n2) src with row stride ss3. */
function transposeBlock(src: usize, dst: usize, n2: i32, n3: i32, ss3: i32, ds2: i32): void {
  const sRow = <usize>ss3 << 2;
  const dRow = <usize>ds2 << 2;
  let i = 0;
  for (; i + 4 <= n2; i += 4) {
    let j = 0;
    for (; j + 4 <= n3; j += 4) {
      // four src rows j..j+3, columns i..i+3 -> four dst rows i..i+3, columns j..j+3
      const s = src + <usize>j * sRow + (<usize>i << 2);
      const r0 = v128.load(s);
      const r1 = v128.load(s + sRow);
      const r2 = v128.load(s + 2 * sRow);
      const r3 = v128.load(s + 3 * sRow);
      const x0 = f32x4.shuffle(r0, r1, 0, 4, 1, 5);
      const x1 = f32x4.shuffle(r0, r1, 2, 6, 3, 7);
      const x2 = f32x4.shuffle(r2, r3, 0, 4, 1, 5);
      const x3 = f32x4.shuffle(r2, r3, 2, 6, 3, 7);
      const d = dst + <usize>i * dRow + (<usize>j << 2);
      v128.store(d, f32x4.shuffle(x0, x2, 0, 1, 4, 5));
      v128.store(d + dRow, f32x4.shuffle(x0, x2, 2, 3, 6, 7));
      v128.store(d + 2 * dRow, f32x4.shuffle(x1, x3, 0, 1, 4, 5));
      v128.store(d + 3 * dRow, f32x4.shuffle(x1, x3, 2, 3, 6, 7));
    }
    for (; j < n3; j++) {
      for (let k = 0; k < 4; k++) store<u32>(dst + <usize>(i + k) * dRow + (<usize>j << 2), load<u32>(src + <usize>j * sRow + (<usize>(i + k) << 2)));
    }
  }
  for (; i < n2; i++) {
    for (let j = 0; j < n3; j++) store<u32>(dst + <usize>i * dRow + (<usize>j << 2), load<u32>(src + <usize>j * sRow + (<usize>i << 2)));
  }
}
