/** Loom tensors to and from safetensors entries (F32/F16/BF16/F64 -> float32, I64/I32 -> int32, BOOL -> bool). */
import { fromArray } from '../core/creation.js';
import type { Tensor } from '../core/tensor.js';
import { bf16ToF32, f16ToF32, parseSafetensors, serializeSafetensors, SafetensorsError, type SafeTensor } from './safetensors.js';

/** A safetensors entry holding a copy of `t` (float32 as F32, int32 as I64 like PyTorch's indices, bool as BOOL). */
export function toSafeTensor(t: Tensor): SafeTensor {
  const shape = [...t.shape];
  if (t.dtype === 'float32') return { dtype: 'F32', shape, data: t.toArray() as Float32Array };
  if (t.dtype === 'bool') return { dtype: 'BOOL', shape, data: t.toArray() as Uint8Array };
  return { dtype: 'I64', shape, data: BigInt64Array.from(t.toArray() as Int32Array, (v) => BigInt(v)) };
}

/** A Loom tensor of a safetensors entry; `where` names the file and key in errors. */
export function fromSafeTensor(s: SafeTensor, where: string): Tensor {
  switch (s.dtype) {
    case 'F32':
      return fromArray(s.data as Float32Array, s.shape, { dtype: 'float32' });
    case 'F16':
      return fromArray(f16ToF32(s.data as Uint16Array), s.shape, { dtype: 'float32' });
    case 'BF16':
      return fromArray(bf16ToF32(s.data as Uint16Array), s.shape, { dtype: 'float32' });
    case 'F64':
      return fromArray(Float32Array.from(s.data as Float64Array), s.shape, { dtype: 'float32' });
    case 'I32':
      return fromArray(s.data as Int32Array, s.shape, { dtype: 'int32' });
    case 'I64': {
      const d = s.data as BigInt64Array;
      const out = new Int32Array(d.length);
      for (let i = 0; i < d.length; i++) {
        if (d[i] > 2147483647n || d[i] < -2147483648n) throw new SafetensorsError(`${where}: int64 value ${d[i]} does not fit Loom's int32`);
        out[i] = Number(d[i]);
      }
      return fromArray(out, s.shape, { dtype: 'int32' });
    }
    case 'BOOL':
      return fromArray(s.data as Uint8Array, s.shape, { dtype: 'bool' });
    default:
      throw new SafetensorsError(`${where}: dtype ${s.dtype} has no Loom equivalent`);
  }
}

/** The safetensors bytes of named tensors. */
export function encodeTensors(tensors: Map<string, Tensor>, metadata: Record<string, string> = {}): Uint8Array {
  return serializeSafetensors(new Map([...tensors].map(([k, t]) => [k, toSafeTensor(t)])), metadata);
}

/** Named tensors of safetensors bytes; `name` (a file name) appears in errors. */
export function decodeTensors(bytes: Uint8Array, name: string): { tensors: Map<string, Tensor>; metadata: Record<string, string> } {
  const file = parseSafetensors(bytes, name);
  return { tensors: new Map([...file.tensors].map(([k, s]) => [k, fromSafeTensor(s, `${name}: ${k}`)])), metadata: file.metadata };
}
