import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  parseSafetensors,
  serializeSafetensors,
  SafetensorsError,
  f16ToF32,
  f32ToF16,
  bf16ToF32,
  f32ToBf16,
  type SafeTensor,
} from '../src/io/safetensors.js';
import { parityFiles, parityName } from './helpers/cases.js';

/** A file from a header (object or raw JSON text) and a data buffer; `headerLen` overrides the prefix. */
function build(header: object | string, data: ArrayLike<number> = [], headerLen?: bigint): Uint8Array {
  const json = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, headerLen ?? BigInt(json.length), true);
  out.set(json, 8);
  out.set(Array.from(data), 8 + json.length);
  return out;
}

/** Asserts that `fn` throws a SafetensorsError whose message contains every fragment. */
function throwsSafe(fn: () => unknown, ...fragments: string[]): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof SafetensorsError, `expected SafetensorsError, got ${e}`);
    for (const f of fragments) assert.ok(e.message.includes(f), `message ${JSON.stringify(e.message)} lacks ${JSON.stringify(f)}`);
    return true;
  });
}

const f32 = (...v: number[]) => new Float32Array(v);
const u16 = (...v: number[]) => new Uint16Array(v);
const bitsOf = (x: number) => new Uint32Array(f32(x).buffer)[0];

test('parses the PyTorch parity fixtures and round-trips them', () => {
  const files = parityFiles();
  assert.ok(files.length > 0);
  const seen = new Set<string>();
  for (const path of files) {
    const f = parityName(path);
    const file = parseSafetensors(readFileSync(path), f);
    assert.ok(file.tensors.size > 0, f);
    assert.equal(typeof JSON.parse(file.metadata['spec']).kind, 'string', f);
    for (const [key, t] of file.tensors) {
      seen.add(t.dtype);
      assert.equal(t.data.length, t.shape.reduce((a, b) => a * b, 1), `${f} ${key}`);
      assert.equal(t.data.byteOffset, 0);
      const ctor = { F32: Float32Array, I64: BigInt64Array, BOOL: Uint8Array }[t.dtype as 'F32' | 'I64' | 'BOOL'];
      assert.ok(t.data instanceof ctor, `${f} ${key}: ${t.dtype}`);
    }
    assert.deepEqual(parseSafetensors(serializeSafetensors(file.tensors, file.metadata)), file);
  }
  assert.deepEqual([...seen].sort(), ['BOOL', 'F32', 'I64']);
});

test('parses hand-built bytes: unaligned I64, BOOL, metadata, space padding; copies are fresh', () => {
  const data = new Uint8Array(22);
  const dv = new DataView(data.buffer);
  [1.5, -2, 0.25].forEach((v, i) => dv.setFloat32(4 * i, v, true));
  dv.setBigInt64(12, -3n, true); // offset 12: not 8-aligned within the data, nor in the file
  data.set([1, 0], 20);
  const header = JSON.stringify({
    b: { dtype: 'BOOL', shape: [2], data_offsets: [20, 22] },
    __metadata__: { format: 'pt' },
    x: { dtype: 'F32', shape: [3], data_offsets: [0, 12] },
    n: { dtype: 'I64', shape: [], data_offsets: [12, 20] },
  });
  const bytes = build(header + '   ', data);
  const { tensors, metadata } = parseSafetensors(bytes);
  assert.deepEqual(metadata, { format: 'pt' });
  assert.deepEqual([...tensors.keys()], ['x', 'n', 'b'], 'data-buffer order');
  assert.deepEqual(tensors.get('x'), { dtype: 'F32', shape: [3], data: f32(1.5, -2, 0.25) });
  assert.deepEqual(tensors.get('n'), { dtype: 'I64', shape: [], data: new BigInt64Array([-3n]) });
  assert.deepEqual(tensors.get('b'), { dtype: 'BOOL', shape: [2], data: new Uint8Array([1, 0]) });
  bytes.fill(0xee); // the parsed arrays must not alias the input
  assert.equal(tensors.get('x')!.data[0], 1.5);
  assert.equal(tensors.get('n')!.data[0], -3n);
  // nor a Node Buffer's memory (Buffer.slice() is a view, unlike Uint8Array.slice())
  const buf = Buffer.from(build(header, data));
  const x = parseSafetensors(buf).tensors.get('x')!.data;
  buf.fill(0);
  assert.equal(x[0], 1.5);
  assert.equal(x.buffer.byteLength, 12);
  // a subarray input with a nonzero byteOffset parses the same
  const shifted = new Uint8Array(bytes.length + 3);
  shifted.set(build(header, data), 3);
  assert.deepEqual(parseSafetensors(shifted.subarray(3, 3 + 8 + header.length + 22)).tensors, tensors);
});

test('round-trips every dtype, scalars, empty tensors and metadata', () => {
  const tensors: Record<string, SafeTensor> = {
    f32: { dtype: 'F32', shape: [2, 3], data: f32(0, -0, 1.5, NaN, Infinity, -3.4028234663852886e38) },
    f64: { dtype: 'F64', shape: [2], data: new Float64Array([Math.PI, -1e-300]) },
    f16: { dtype: 'F16', shape: [3], data: u16(0x3c00, 0x7e00, 0x8001) },
    bf16: { dtype: 'BF16', shape: [1, 2], data: u16(0x3f80, 0xff80) },
    i64: { dtype: 'I64', shape: [3], data: new BigInt64Array([-(2n ** 63n), 2n ** 63n - 1n, 42n]) },
    i32: { dtype: 'I32', shape: [2], data: new Int32Array([-(2 ** 31), 2 ** 31 - 1]) },
    i16: { dtype: 'I16', shape: [2], data: new Int16Array([-32768, 32767]) },
    i8: { dtype: 'I8', shape: [3], data: new Int8Array([-128, 0, 127]) },
    u8: { dtype: 'U8', shape: [], data: new Uint8Array([255]) },
    bool: { dtype: 'BOOL', shape: [3], data: new Uint8Array([1, 0, 1]) },
    empty: { dtype: 'F32', shape: [0, 4], data: f32() },
  };
  const metadata = { format: 'pt', note: 'ünïcode ✓', __proto__x: '' };
  const back = parseSafetensors(serializeSafetensors(tensors, metadata));
  assert.deepEqual(back.metadata, metadata);
  assert.equal(back.tensors.size, Object.keys(tensors).length);
  for (const [k, t] of Object.entries(tensors)) assert.deepEqual(back.tensors.get(k), t, k);
  // a Map works too, and no metadata gives {}
  assert.deepEqual(parseSafetensors(serializeSafetensors(new Map(Object.entries(tensors)))).metadata, {});
});

test('writer: space-padded header, tensors sorted by alignment then name, all aligned', () => {
  const bytes = serializeSafetensors({
    z: { dtype: 'U8', shape: [3], data: new Uint8Array([1, 2, 3]) },
    '10': { dtype: 'F32', shape: [1], data: f32(1) },
    b: { dtype: 'F32', shape: [1], data: f32(2) },
    h: { dtype: 'F16', shape: [1], data: u16(0x3c00) },
    a: { dtype: 'I64', shape: [1], data: new BigInt64Array([7n]) },
  });
  const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
  assert.equal(n % 8, 0);
  const text = new TextDecoder().decode(bytes.subarray(8, 8 + n));
  assert.match(text, /} *$/);
  const header = JSON.parse(text) as Record<string, { data_offsets: [number, number] }>;
  const order = Object.keys(header).sort((p, q) => header[p].data_offsets[0] - header[q].data_offsets[0]);
  assert.deepEqual(order, ['a', '10', 'b', 'h', 'z']);
  assert.deepEqual(header['h'].data_offsets, [16, 18]);
  const sizes: Record<string, number> = { a: 8, '10': 4, b: 4, h: 2, z: 1 };
  for (const k of order) assert.equal((8 + n + header[k].data_offsets[0]) % sizes[k], 0, `${k} aligned in the file`);
  assert.equal(bytes.length, 8 + n + 21);
});

test('writer rejects invalid tensors', () => {
  throwsSafe(() => serializeSafetensors({ w: { dtype: 'F32', shape: [2], data: new Float64Array(2) } }), '"w"', 'Float32Array', 'Float64Array');
  throwsSafe(() => serializeSafetensors({ w: { dtype: 'F32', shape: [2, 2], data: f32(1) } }), 'needs 4 elements, data has 1');
  throwsSafe(() => serializeSafetensors({ m: { dtype: 'BOOL', shape: [1], data: new Uint8Array([2]) } }), 'only 0 and 1');
  throwsSafe(() => serializeSafetensors({ __metadata__: { dtype: 'U8', shape: [0], data: new Uint8Array() } }), 'reserved');
  throwsSafe(() => serializeSafetensors({ w: { dtype: 'F8' as 'F32', shape: [0], data: f32() } }), 'unknown dtype "F8"');
  throwsSafe(() => serializeSafetensors({ w: { dtype: 'F32', shape: [-1], data: f32() } }), 'non-negative');
});

test('f16 known bit patterns both ways', () => {
  const cases: [number, number][] = [
    [1, 0x3c00], [-2, 0xc000], [0.5, 0x3800], [65504, 0x7bff], [0, 0x0000], [-0, 0x8000],
    [2 ** -24, 0x0001], [1023 * 2 ** -24, 0x03ff], [2 ** -14, 0x0400], // smallest, largest subnormal; smallest normal
    [Infinity, 0x7c00], [-Infinity, 0xfc00], [0.333251953125, 0x3555],
  ];
  for (const [v, h] of cases) {
    assert.equal(f32ToF16(f32(v))[0], h, `f32ToF16(${v})`);
    assert.ok(Object.is(f16ToF32(u16(h))[0], v), `f16ToF32(0x${h.toString(16)})`);
  }
  assert.equal(f32ToF16(f32(1 / 3))[0], 0x3555);
  assert.ok(Number.isNaN(f16ToF32(u16(0x7e00))[0]));
  const nan = f32ToF16(f32(NaN))[0];
  assert.equal(nan & 0x7c00, 0x7c00);
  assert.notEqual(nan & 0x3ff, 0);
});

test('f16 rounds to nearest, ties to even, with overflow and underflow', () => {
  const cases: [number, number][] = [
    [1 + 2 ** -11, 0x3c00], // tie -> even (down)
    [1 + 3 * 2 ** -11, 0x3c02], // tie -> even (up)
    [1 + 2 ** -11 + 2 ** -20, 0x3c01], // just above the tie
    [65519, 0x7bff], [65520, 0x7c00], [1e6, 0x7c00], [-1e6, 0xfc00], // overflow at the 65520 tie
    [2 ** -25, 0x0000], [-(2 ** -25), 0x8000], [3 * 2 ** -26, 0x0001], // subnormal rounding
    [3 * 2 ** -25, 0x0002], [2 ** -14 - 2 ** -26, 0x0400], // tie -> even; carry into the smallest normal
    [1e-45, 0x0000], // an F32 subnormal
  ];
  for (const [v, h] of cases) assert.equal(f32ToF16(f32(v))[0], h, `f32ToF16(${v})`);

  // every non-NaN F16 pattern survives F16 -> F32 -> F16
  const all = new Uint16Array(65536).map((_, i) => i);
  const back = f32ToF16(f16ToF32(all));
  for (let i = 0; i < 65536; i++) if ((i & 0x7c00) !== 0x7c00 || (i & 0x3ff) === 0) assert.equal(back[i], i);

  // deterministic random F32s in the F16 range: the result is a nearest F16, ties to the even one
  let seed = 12345;
  const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
  for (let k = 0; k < 20000; k++) {
    const x = f32((rand() * 2 - 1) * 65504 * 2 ** -Math.floor(rand() * 30))[0];
    const h = f32ToF16(f32(x))[0];
    const v = f16ToF32(u16(h))[0];
    for (const nb of [h - 1, h + 1]) {
      if ((nb & 0x7fff) >= 0x7c00 || nb < 0 || (nb & 0x7fff) === 0x7fff) continue;
      const w = f16ToF32(u16(nb))[0];
      const dv = Math.abs(v - x), dw = Math.abs(w - x);
      assert.ok(dv < dw || (dv === dw && (h & 1) === 0), `x=${x} -> 0x${h.toString(16)}`);
    }
  }
});

test('bf16 known bit patterns, rounding, Inf and NaN', () => {
  const cases: [number, number][] = [[1, 0x3f80], [-2, 0xc000], [0, 0], [-0, 0x8000], [Infinity, 0x7f80], [-Infinity, 0xff80], [2 ** -133, 0x0001]];
  for (const [v, h] of cases) {
    assert.equal(f32ToBf16(f32(v))[0], h, `f32ToBf16(${v})`);
    assert.ok(Object.is(bf16ToF32(u16(h))[0], v));
  }
  assert.equal(f32ToBf16(f32(1 + 2 ** -8))[0], 0x3f80); // tie -> even (down)
  assert.equal(f32ToBf16(f32(1 + 3 * 2 ** -8))[0], 0x3f82); // tie -> even (up)
  assert.equal(f32ToBf16(f32(1 + 2 ** -8 + 2 ** -20))[0], 0x3f81); // above the tie
  assert.equal(f32ToBf16(f32(3.4028234663852886e38))[0], 0x7f80); // max F32 rounds up to Inf
  assert.equal(f32ToBf16(f32(-3.4028234663852886e38))[0], 0xff80);
  const nan = f32ToBf16(new Float32Array(new Uint32Array([0xff800001]).buffer))[0]; // signaling NaN, payload only in low bits
  assert.ok(Number.isNaN(bf16ToF32(u16(nan))[0]));
  assert.equal(nan & 0x8000, 0x8000, 'sign kept');
  assert.equal(bitsOf(bf16ToF32(u16(0x7fc0))[0]), 0x7fc00000);
  const all = new Uint16Array(65536).map((_, i) => i);
  const back = f32ToBf16(bf16ToF32(all));
  for (let i = 0; i < 65536; i++) if ((i & 0x7f80) !== 0x7f80 || (i & 0x7f) === 0) assert.equal(back[i], i);
});

test('corrupt files throw SafetensorsError with a precise message', () => {
  const ok = { x: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } };
  const eight = new Array(8).fill(0);
  const entry = (e: object) => build({ x: e }, eight);
  // truncated / lying length prefix
  throwsSafe(() => parseSafetensors(new Uint8Array(5)), 'file is 5 bytes', 'shorter than the 8-byte');
  throwsSafe(() => parseSafetensors(build(ok, eight).subarray(0, 30)), 'header length 54 is larger than the 22 bytes');
  throwsSafe(() => parseSafetensors(build(ok, eight, 2n ** 40n)), 'header length 1099511627776 exceeds the 100000000-byte limit');
  throwsSafe(() => parseSafetensors(build(ok, eight, 2n ** 64n - 1n)), 'exceeds');
  // header text
  throwsSafe(() => parseSafetensors(build('', [])), 'not valid JSON');
  throwsSafe(() => parseSafetensors(build('{"x": ', [])), 'not valid JSON');
  const badUtf8 = build('{"\xff": 1}');
  badUtf8[10] = 0xff;
  throwsSafe(() => parseSafetensors(badUtf8), 'not valid UTF-8');
  throwsSafe(() => parseSafetensors(build('[1, 2]')), 'must be a JSON object, got an array');
  throwsSafe(() => parseSafetensors(build('null')), 'got null');
  // entries
  throwsSafe(() => parseSafetensors(build({ x: 3 })), 'tensor "x": entry must be an object, got number');
  throwsSafe(() => parseSafetensors(entry({ shape: [2], data_offsets: [0, 8] })), 'missing "dtype"');
  throwsSafe(() => parseSafetensors(entry({ dtype: 'F32', data_offsets: [0, 8] })), 'missing "shape"');
  throwsSafe(() => parseSafetensors(entry({ dtype: 'F32', shape: [2] })), 'missing "data_offsets"');
  throwsSafe(() => parseSafetensors(entry({ dtype: 7, shape: [2], data_offsets: [0, 8] })), 'dtype must be a string, got number');
  throwsSafe(() => parseSafetensors(entry({ dtype: 'F8_E4M3', shape: [8], data_offsets: [0, 8] })), 'unknown dtype "F8_E4M3"');
  throwsSafe(() => parseSafetensors(entry({ dtype: 'F32', shape: 2, data_offsets: [0, 8] })), 'shape must be an array');
  throwsSafe(() => parseSafetensors(entry({ dtype: 'F32', shape: [-2], data_offsets: [0, 8] })), 'has -2, expected non-negative integers');
  throwsSafe(() => parseSafetensors(entry({ dtype: 'F32', shape: [1.5], data_offsets: [0, 8] })), 'has 1.5');
  throwsSafe(() => parseSafetensors(entry({ dtype: 'F32', shape: [2], data_offsets: [0] })), 'data_offsets must be [begin, end]');
  throwsSafe(() => parseSafetensors(entry({ dtype: 'F32', shape: [2], data_offsets: ['0', 8] })), 'data_offsets must be');
  throwsSafe(() => parseSafetensors(entry({ dtype: 'F32', shape: [0], data_offsets: [8, 0] })), 'end before begin');
  // lying offsets and sizes
  throwsSafe(() => parseSafetensors(entry({ dtype: 'F32', shape: [2], data_offsets: [4, 12] })), '[4, 12] beyond the 8-byte data buffer');
  throwsSafe(() => parseSafetensors(entry({ dtype: 'F32', shape: [1e15], data_offsets: [0, 4e15] })), 'beyond the 8-byte data buffer');
  throwsSafe(() => parseSafetensors(entry({ dtype: 'F32', shape: [3], data_offsets: [0, 8] })), 'needs 12 bytes', 'hold 8');
  throwsSafe(() => parseSafetensors(entry({ dtype: 'F32', shape: [2 ** 40, 2 ** 40], data_offsets: [0, 8] })), 'hold 8');
  // coverage of the data buffer
  const two = (a: number[], b: number[]) =>
    build({ a: { dtype: 'U8', shape: [a[1] - a[0]], data_offsets: a }, b: { dtype: 'U8', shape: [b[1] - b[0]], data_offsets: b } }, eight);
  throwsSafe(() => parseSafetensors(two([0, 6], [4, 8])), 'tensor "b" [4, 8] overlaps tensor "a"');
  throwsSafe(() => parseSafetensors(two([0, 8], [0, 8])), 'overlaps');
  throwsSafe(() => parseSafetensors(two([0, 3], [5, 8])), 'hole in data buffer: bytes [3, 5)');
  throwsSafe(() => parseSafetensors(two([0, 3], [3, 6])), 'bytes [6, 8)');
  throwsSafe(() => parseSafetensors(two([2, 5], [5, 8])), 'bytes [0, 2)');
  // values and metadata
  throwsSafe(() => parseSafetensors(build({ m: { dtype: 'BOOL', shape: [3], data_offsets: [0, 3] } }, [1, 0, 2])), 'BOOL value 2 at index 2');
  throwsSafe(() => parseSafetensors(build({ __metadata__: { a: 1 } })), '__metadata__ value for "a" must be a string, got number');
  throwsSafe(() => parseSafetensors(build({ __metadata__: ['a'] })), '__metadata__ must be an object');
  // the file name, when given, leads the message
  throwsSafe(() => parseSafetensors(new Uint8Array(3), 'model.safetensors'), 'model.safetensors: file is 3 bytes');
  // and a well-formed file with no tensors is fine
  assert.deepEqual(parseSafetensors(build({})), { tensors: new Map(), metadata: {} });
});
