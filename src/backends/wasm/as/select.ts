// AssemblyScript, not TypeScript: compiled to dist/wasm/loom.wasm by scripts/build-wasm.mjs.
//
// Selections and tests: `where`, `fill`, and the comparison / logical binary ops (eq, ne, lt, le, gt, ge,
// and, or) of the reference backend (src/backends/reference.ts). Operands are four-dimensional
// (n0, n1, n2, n3) views with element strides, the output contiguous; rows [start, end) of
// n0 * n1 * n2 rows of n3 elements per call.
//
// Element kinds: 0 f32, 1 i32, 2 u8 (the order of KIND in src/backends/wasm/select.ts).

const F32: i32 = 0, I32: i32 = 1;
const EQ: i32 = 0, NE: i32 = 1, LT: i32 = 2, LE: i32 = 3, GT: i32 = 4, GE: i32 = 5, AND: i32 = 6;

// @ts-ignore: decorator
@inline
function width(kind: i32): i32 {
  return kind == 2 ? 0 : 2; // log2 of the element bytes
}

// @ts-ignore: decorator
@inline
function read(kind: i32, p: usize): f64 {
  if (kind == F32) return <f64>load<f32>(p);
  if (kind == I32) return <f64>load<i32>(p);
  return <f64>load<u8>(p);
}

// @ts-ignore: decorator
@inline
function write(kind: i32, p: usize, v: f64): void {
  if (kind == F32) store<f32>(p, <f32>v);
  else if (kind == I32) store<i32>(p, <i32>v);
  else store<u8>(p, <u8>v);
}

// @ts-ignore: decorator
@inline
function test(op: i32, a: f64, b: f64): bool {
  switch (op) {
    case EQ: return a == b;
    case NE: return a != b;
    case LT: return a < b;
    case LE: return a <= b;
    case GT: return a > b;
    case GE: return a >= b;
    case AND: return a != 0 && b != 0;
    default: return a != 0 || b != 0; // OR
  }
}

/** Byte offset of row r's first element in a (n0, n1, n2, *) view with element strides s0, s1, s2. */
// @ts-ignore: decorator
@inline
function rowAt(r: i32, n1: i32, n2: i32, s0: i32, s1: i32, s2: i32, w: i32): usize {
  const i2 = r % n2;
  const q = r / n2;
  return <usize>((q / n1) * s0 + (q % n1) * s1 + i2 * s2) << w;
}

/**
 * out = a op b (1 or 0 in out's kind) over rows [start, end). `kinds` packs the element kinds:
 * a | b << 2 | out << 4.
 */
export function compare4(
  start: i32, end: i32, part: i32, op: i32, a: usize, b: usize, out: usize, n1: i32, n2: i32, n3: i32,
  as0: i32, as1: i32, as2: i32, as3: i32, bs0: i32, bs1: i32, bs2: i32, bs3: i32, kinds: i32,
): void {
  const ka = kinds & 3, kb = (kinds >> 2) & 3, ko = (kinds >> 4) & 3;
  const wa = width(ka), wb = width(kb), wo = width(ko);
  for (let r = start; r < end; r++) {
    const ar = a + rowAt(r, n1, n2, as0, as1, as2, wa);
    const br = b + rowAt(r, n1, n2, bs0, bs1, bs2, wb);
    const or = out + ((<usize>r * <usize>n3) << wo);
    for (let j = 0; j < n3; j++) {
      const t = test(op, read(ka, ar + (<usize>(j * as3) << wa)), read(kb, br + (<usize>(j * bs3) << wb)));
      write(ko, or + (<usize>j << wo), t ? 1 : 0);
    }
  }
}

/** out = cond ? a : b over rows [start, end): cond u8, a, b and out 4-byte elements of one kind. */
export function where4(
  start: i32, end: i32, part: i32, cond: usize, a: usize, b: usize, out: usize, n1: i32, n2: i32, n3: i32,
  cs0: i32, cs1: i32, cs2: i32, cs3: i32, as0: i32, as1: i32, as2: i32, as3: i32, bs0: i32, bs1: i32, bs2: i32, bs3: i32,
): void {
  for (let r = start; r < end; r++) {
    const cr = cond + rowAt(r, n1, n2, cs0, cs1, cs2, 0);
    const ar = a + rowAt(r, n1, n2, as0, as1, as2, 2);
    const br = b + rowAt(r, n1, n2, bs0, bs1, bs2, 2);
    const or = out + ((<usize>r * <usize>n3) << 2);
    for (let j = 0; j < n3; j++) {
      const v = load<u8>(cr + <usize>(j * cs3)) != 0 ? load<u32>(ar + (<usize>(j * as3) << 2)) : load<u32>(br + (<usize>(j * bs3) << 2));
      store<u32>(or + (<usize>j << 2), v);
    }
  }
}

/** dst[i] = bits for i in [start, end): 4-byte elements (the bit pattern of an f32 or i32 value). */
export function fill32(start: i32, end: i32, part: i32, dst: usize, bits: u32): void {
  const v = i32x4.splat(bits);
  let i = start;
  for (; i < end && ((dst + (<usize>i << 2)) & 15) != 0; i++) store<u32>(dst + (<usize>i << 2), bits);
  for (; i + 4 <= end; i += 4) v128.store(dst + (<usize>i << 2), v);
  for (; i < end; i++) store<u32>(dst + (<usize>i << 2), bits);
}
