/**
 * Safetensors: read and write the format PyTorch and Hugging Face use for weights, on plain typed arrays
 * (this file does not know about Loom's tensor class).
 *
 * Layout of a file:
 *
 *   [0, 8)        N, the header length, a little-endian u64
 *   [8, 8 + N)    UTF-8 JSON header, possibly padded with trailing spaces:
 *                 {"w": {"dtype": "F32", "shape": [3, 4], "data_offsets": [0, 48]}, ...,
 *                  "__metadata__": {"key": "value"}}      (optional; string -> string)
 *   [8 + N, end)  the data buffer, raw little-endian element bytes, row-major
 *
 * `data_offsets` are [begin, end) byte offsets relative to the start of the data buffer (not the file).
 * The spec requires the tensors to cover the data buffer exactly: no overlaps and no holes.
 *
 * The reader trusts nothing in the header: every offset is checked against the real data buffer before
 * anything is read or allocated, so a lying header costs at most one validation pass, never an
 * out-of-bounds read or a huge allocation.
 */

/** Element types this module reads and writes, with their safetensors names. */
export type SafeDType = 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'BOOL' | 'F64' | 'I8' | 'U8' | 'I16';

/**
 * One tensor: a dtype, a row-major shape (`[]` is a scalar) and its elements.
 *
 * `data` is the typed array for the dtype: F32 Float32Array, F64 Float64Array, I32 Int32Array,
 * I16 Int16Array, I8 Int8Array, U8 Uint8Array, I64 BigInt64Array, BOOL Uint8Array (0 or 1),
 * and F16/BF16 a Uint16Array of raw bits (convert with {@link f16ToF32} / {@link bf16ToF32}).
 * `data.length` is the product of `shape`.
 */
export interface SafeTensor {
  dtype: SafeDType;
  shape: number[];
  data: Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array | Int8Array | Int16Array | Uint16Array;
}

/**
 * A parsed file: the tensors in data-buffer order (their order in the file), and the `__metadata__`
 * strings (`{}` when the file has none).
 */
export interface SafeFile {
  tensors: Map<string, SafeTensor>;
  metadata: Record<string, string>;
}

/** Thrown for every malformed file or invalid tensor; the message says what was expected and what came. */
export class SafetensorsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SafetensorsError';
  }
}

type SafeData = SafeTensor['data'];

interface DTypeInfo {
  /** Bytes per element. */
  size: number;
  /** The typed array that holds this dtype's elements. */
  ctor: { new (buffer: ArrayBuffer): SafeData; name: string };
}

const DTYPES: Record<SafeDType, DTypeInfo> = {
  F64: { size: 8, ctor: Float64Array },
  I64: { size: 8, ctor: BigInt64Array },
  F32: { size: 4, ctor: Float32Array },
  I32: { size: 4, ctor: Int32Array },
  F16: { size: 2, ctor: Uint16Array },
  BF16: { size: 2, ctor: Uint16Array },
  I16: { size: 2, ctor: Int16Array },
  I8: { size: 1, ctor: Int8Array },
  U8: { size: 1, ctor: Uint8Array },
  BOOL: { size: 1, ctor: Uint8Array },
};

/** Headers beyond this are refused before decoding (the reference implementation uses the same limit). */
const MAX_HEADER_BYTES = 100_000_000;

/** Typed arrays use the host's byte order; the format is little-endian. */
const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Reverses the bytes of every `size`-byte element in place (only needed on big-endian hosts). */
function swapBytes(bytes: Uint8Array, size: number): void {
  for (let i = 0; i < bytes.length; i += size) bytes.subarray(i, i + size).reverse();
}

function isDType(s: string): s is SafeDType {
  return Object.prototype.hasOwnProperty.call(DTYPES, s);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'string' ? `the string ${JSON.stringify(v)}` : typeof v;
}

function isNonNegativeInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

/** Product of the dims; exact while it is below 2^53, which is all a real file can hold. */
function numel(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/**
 * Parses a safetensors file held in memory.
 *
 * Every array in the result is a fresh, aligned copy: nothing aliases `bytes`. Tensors appear in the
 * map in data-buffer order. Throws {@link SafetensorsError} (prefixed with `name` when given) if the
 * file is malformed in any way: truncated, bad header, unknown dtype, bad shape, offsets out of range,
 * byte size not matching the shape, overlapping tensors or uncovered bytes, non-string metadata,
 * BOOL bytes other than 0/1.
 *
 * @example
 *   const { tensors, metadata } = parseSafetensors(readFileSync('case.safetensors'), 'case.safetensors');
 *   const w = tensors.get('param/weight'); // { dtype: 'F32', shape: [5, 7], data: Float32Array(35) }
 */
export function parseSafetensors(bytes: Uint8Array, name?: string): SafeFile {
  const fail = (msg: string): never => {
    throw new SafetensorsError(`${name ?? 'safetensors'}: ${msg}`);
  };

  // -- the 8-byte length prefix and the header
  if (bytes.length < 8) fail(`file is ${bytes.length} bytes, shorter than the 8-byte header length`);
  const headerLen = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  if (headerLen > BigInt(MAX_HEADER_BYTES)) {
    fail(`header length ${headerLen} exceeds the ${MAX_HEADER_BYTES}-byte limit`);
  }
  const n = Number(headerLen);
  if (8 + n > bytes.length) {
    fail(`header length ${n} is larger than the ${bytes.length - 8} bytes after the length prefix`);
  }
  let text = '';
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n));
  } catch {
    fail('header is not valid UTF-8');
  }
  let header: unknown;
  try {
    header = JSON.parse(text); // trailing space padding is JSON whitespace
  } catch (e) {
    fail(`header is not valid JSON (${(e as Error).message})`);
  }
  if (!isPlainObject(header)) fail(`header must be a JSON object, got ${describe(header)}`);
  const entries = header as Record<string, unknown>;

  // -- metadata: string -> string
  const metadata: Record<string, string> = {};
  if ('__metadata__' in entries) {
    const meta = entries['__metadata__'];
    if (!isPlainObject(meta)) fail(`__metadata__ must be an object of strings, got ${describe(meta)}`);
    for (const [k, v] of Object.entries(meta as Record<string, unknown>)) {
      if (typeof v !== 'string') fail(`__metadata__ value for ${JSON.stringify(k)} must be a string, got ${describe(v)}`);
      // defineProperty, not assignment: a key named "__proto__" must stay an ordinary key
      Object.defineProperty(metadata, k, { value: v, enumerable: true, writable: true, configurable: true });
    }
  }

  // -- tensor entries: check types, dtype, shape and sizes against the real data buffer
  const dataStart = 8 + n;
  const dataLen = bytes.length - dataStart;
  const specs: { key: string; dtype: SafeDType; shape: number[]; begin: number; end: number }[] = [];
  for (const [key, entry] of Object.entries(entries)) {
    if (key === '__metadata__') continue;
    const where = `tensor ${JSON.stringify(key)}`;
    if (!isPlainObject(entry)) fail(`${where}: entry must be an object, got ${describe(entry)}`);
    const { dtype, shape, data_offsets: offsets } = entry as Record<string, unknown>;
    if (dtype === undefined) fail(`${where}: missing "dtype"`);
    if (shape === undefined) fail(`${where}: missing "shape"`);
    if (offsets === undefined) fail(`${where}: missing "data_offsets"`);
    if (typeof dtype !== 'string') fail(`${where}: dtype must be a string, got ${describe(dtype)}`);
    if (!isDType(dtype as string)) {
      fail(`${where}: unknown dtype ${JSON.stringify(dtype)} (supported: ${Object.keys(DTYPES).join(', ')})`);
    }
    if (!Array.isArray(shape)) fail(`${where}: shape must be an array, got ${describe(shape)}`);
    for (const d of shape as unknown[]) {
      if (!isNonNegativeInt(d)) fail(`${where}: shape ${JSON.stringify(shape)} has ${JSON.stringify(d)}, expected non-negative integers`);
    }
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isNonNegativeInt)) {
      fail(`${where}: data_offsets must be [begin, end] with non-negative integers, got ${JSON.stringify(offsets)}`);
    }
    const [begin, end] = offsets as number[];
    if (end < begin) fail(`${where}: data_offsets [${begin}, ${end}] end before begin`);
    if (end > dataLen) fail(`${where}: data_offsets [${begin}, ${end}] beyond the ${dataLen}-byte data buffer`);
    const t = { key, dtype: dtype as SafeDType, shape: shape as number[], begin, end };
    const expected = numel(t.shape) * DTYPES[t.dtype].size;
    if (expected !== end - begin) {
      fail(`${where}: shape ${JSON.stringify(t.shape)} of ${t.dtype} needs ${expected} bytes, data_offsets [${begin}, ${end}] hold ${end - begin}`);
    }
    specs.push(t);
  }

  // -- coverage: sorted by offset, each tensor must start exactly where the previous one ended
  specs.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let cursor = 0;
  let prev = '';
  for (const t of specs) {
    if (t.begin < cursor) fail(`tensor ${JSON.stringify(t.key)} [${t.begin}, ${t.end}] overlaps tensor ${JSON.stringify(prev)} ending at ${cursor}`);
    if (t.begin > cursor) fail(`hole in data buffer: bytes [${cursor}, ${t.begin}) belong to no tensor`);
    cursor = t.end;
    prev = t.key;
  }
  if (cursor !== dataLen) fail(`hole in data buffer: bytes [${cursor}, ${dataLen}) belong to no tensor`);

  // -- copy out into a fresh ArrayBuffer per tensor, so every array is aligned and owns its memory.
  // (Not bytes.slice(): on a Node Buffer, slice() returns a view of the same memory.)
  const tensors = new Map<string, SafeTensor>();
  for (const t of specs) {
    const info = DTYPES[t.dtype];
    const raw = new Uint8Array(bytes.subarray(dataStart + t.begin, dataStart + t.end));
    if (!HOST_LITTLE_ENDIAN && info.size > 1) swapBytes(raw, info.size);
    if (t.dtype === 'BOOL') {
      const bad = raw.findIndex((b) => b > 1);
      if (bad >= 0) fail(`tensor ${JSON.stringify(t.key)}: BOOL value ${raw[bad]} at index ${bad}, expected 0 or 1`);
    }
    tensors.set(t.key, { dtype: t.dtype, shape: [...t.shape], data: new info.ctor(raw.buffer) });
  }
  return { tensors, metadata };
}

/**
 * Serializes tensors (and optional string metadata) to safetensors bytes; `parseSafetensors` reads them back.
 *
 * Layout follows the reference (Rust/Python) implementation: tensors sorted by dtype alignment, largest
 * first (F64/I64, then F32/I32, then 16-bit, then bytes), ties by name (UTF-16 code-unit order), packed
 * with no gaps. Since the header is space-padded to a multiple of 8 bytes, every tensor then starts at a
 * file offset that is a multiple of its element size. Throws {@link SafetensorsError} when a tensor's
 * `data` is not the typed array of its dtype, its length is not the product of its shape, a BOOL is not
 * 0/1, or a name is `__metadata__`.
 *
 * @example
 *   const bytes = serializeSafetensors({ w: { dtype: 'F32', shape: [2], data: new Float32Array([1, 2]) } },
 *                                      { format: 'pt' });
 */
export function serializeSafetensors(
  tensors: Map<string, SafeTensor> | Record<string, SafeTensor>,
  metadata?: Record<string, string>,
): Uint8Array {
  const list = [...(tensors instanceof Map ? tensors.entries() : Object.entries(tensors))];
  for (const [key, t] of list) {
    const where = `tensor ${JSON.stringify(key)}`;
    if (key === '__metadata__') throw new SafetensorsError(`${where}: the name is reserved for metadata`);
    if (!isDType(t.dtype)) throw new SafetensorsError(`${where}: unknown dtype ${JSON.stringify(t.dtype)}`);
    const info = DTYPES[t.dtype];
    if (!(t.data instanceof info.ctor)) {
      throw new SafetensorsError(`${where}: dtype ${t.dtype} needs a ${info.ctor.name}, got ${t.data?.constructor?.name}`);
    }
    if (!Array.isArray(t.shape) || !t.shape.every(isNonNegativeInt)) {
      throw new SafetensorsError(`${where}: shape ${JSON.stringify(t.shape)} must hold non-negative integers`);
    }
    if (t.data.length !== numel(t.shape)) {
      throw new SafetensorsError(`${where}: shape ${JSON.stringify(t.shape)} needs ${numel(t.shape)} elements, data has ${t.data.length}`);
    }
    if (t.dtype === 'BOOL' && (t.data as Uint8Array).some((b) => b > 1)) {
      throw new SafetensorsError(`${where}: BOOL data must hold only 0 and 1`);
    }
  }
  for (const [k, v] of Object.entries(metadata ?? {})) {
    if (typeof v !== 'string') throw new SafetensorsError(`__metadata__ value for ${JSON.stringify(k)} must be a string, got ${describe(v)}`);
  }

  list.sort(([ka, a], [kb, b]) => DTYPES[b.dtype].size - DTYPES[a.dtype].size || (ka < kb ? -1 : ka > kb ? 1 : 0));

  // The header is assembled by hand: JSON.stringify of an object would move integer-like names first.
  const parts: string[] = [];
  if (metadata && Object.keys(metadata).length > 0) parts.push(`"__metadata__":${JSON.stringify(metadata)}`);
  let offset = 0;
  for (const [key, t] of list) {
    const begin = offset;
    offset += t.data.byteLength;
    parts.push(`${JSON.stringify(key)}:${JSON.stringify({ dtype: t.dtype, shape: t.shape, data_offsets: [begin, offset] })}`);
  }
  const json = new TextEncoder().encode(`{${parts.join(',')}}`);
  const headerLen = Math.ceil(json.length / 8) * 8; // the data buffer starts 8-byte aligned

  const out = new Uint8Array(8 + headerLen + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerLen), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLen); // space padding
  let at = 8 + headerLen;
  for (const [, t] of list) {
    const raw = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    out.set(raw, at);
    if (!HOST_LITTLE_ENDIAN) swapBytes(out.subarray(at, at + raw.length), DTYPES[t.dtype].size);
    at += raw.length;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// 16-bit floats. F16 (IEEE binary16): 1 sign, 5 exponent (bias 15), 10 mantissa bits.
// BF16 (bfloat16): the top 16 bits of an F32, 1 sign, 8 exponent (bias 127), 7 mantissa bits.

/** The raw bits of each element of a Float32Array (a view, no copy). */
function f32Bits(x: Float32Array): Uint32Array {
  return new Uint32Array(x.buffer, x.byteOffset, x.length);
}

/**
 * Decodes F16 bit patterns to F32 (exact: every F16 value is an F32). Subnormals, ±0, ±Inf are kept;
 * NaNs keep their sign and payload. Example: `f16ToF32(new Uint16Array([0x3c00]))` is `[1]`.
 */
export function f16ToF32(bits: Uint16Array): Float32Array {
  const out = new Float32Array(bits.length);
  const u = f32Bits(out);
  for (let i = 0; i < bits.length; i++) {
    const h = bits[i];
    const sign = (h & 0x8000) << 16;
    const exp = (h >> 10) & 0x1f;
    const mant = h & 0x3ff;
    if (exp === 0x1f) u[i] = sign | 0x7f800000 | (mant << 13); // Inf or NaN
    else if (exp !== 0) u[i] = sign | ((exp + 127 - 15) << 23) | (mant << 13); // normal: rebias
    else out[i] = (sign ? -mant : mant) * 2 ** -24; // zero or subnormal: mant units of 2^-24
  }
  return out;
}

/**
 * Encodes F32 values as F16 bit patterns, rounding to nearest, ties to even. Values beyond the F16
 * range (|x| >= 65520) become ±Inf, tiny values become subnormals or ±0; NaN stays NaN (quiet, sign
 * and top payload bits kept). Example: `f32ToF16(new Float32Array([65504]))` is `[0x7bff]`.
 */
export function f32ToF16(x: Float32Array): Uint16Array {
  const out = new Uint16Array(x.length);
  const u = f32Bits(x);
  for (let i = 0; i < x.length; i++) {
    const b = u[i];
    const sign = (b >>> 16) & 0x8000;
    const e = (b >>> 23) & 0xff;
    const m = b & 0x7fffff;
    const exp = e - 127 + 15; // the F16 biased exponent this value would need
    if (e === 0xff) {
      out[i] = sign | 0x7c00 | (m ? 0x200 | (m >>> 13) : 0);
    } else if (exp >= 0x1f) {
      out[i] = sign | 0x7c00; // overflow
    } else if (exp > 0) {
      // normal: keep 10 mantissa bits, round on the 13 dropped ones; a carry may ripple into the exponent
      // (and up to Inf), which is exactly the right rounding
      let q = (exp << 10) | (m >>> 13);
      const rest = m & 0x1fff;
      if (rest > 0x1000 || (rest === 0x1000 && q & 1)) q++;
      out[i] = sign | q;
    } else if (exp >= -10) {
      // subnormal: in units of 2^-24 the value is sig * 2^(exp - 14), sig the 24-bit significand 1.m
      const sig = m | 0x800000;
      const shift = 14 - exp; // 14..24
      let q = sig >>> shift;
      const rest = sig & ((1 << shift) - 1);
      const half = 1 << (shift - 1);
      if (rest > half || (rest === half && q & 1)) q++; // q may reach 0x400, the smallest normal
      out[i] = sign | q;
    } else {
      out[i] = sign; // below half the smallest subnormal: ±0
    }
  }
  return out;
}

/** Decodes BF16 bit patterns to F32 (exact: BF16 is the top half of an F32). `0x3f80` is `1`. */
export function bf16ToF32(bits: Uint16Array): Float32Array {
  const out = new Float32Array(bits.length);
  const u = f32Bits(out);
  for (let i = 0; i < bits.length; i++) u[i] = bits[i] << 16;
  return out;
}

/**
 * Encodes F32 values as BF16 bit patterns, rounding to nearest, ties to even (as PyTorch does);
 * overflow gives ±Inf, Inf stays Inf, NaN stays NaN (quiet, sign kept). `1` is `0x3f80`.
 */
export function f32ToBf16(x: Float32Array): Uint16Array {
  const out = new Uint16Array(x.length);
  const u = f32Bits(x);
  for (let i = 0; i < x.length; i++) {
    const b = u[i];
    if ((b & 0x7fffffff) > 0x7f800000) out[i] = (b >>> 16) | 0x40; // NaN: force the quiet bit
    else out[i] = (b + 0x7fff + ((b >>> 16) & 1)) >>> 16; // never exceeds 2^32 for non-NaN b
  }
  return out;
}
