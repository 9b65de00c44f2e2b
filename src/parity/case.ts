/**
 * One PyTorch parity case: a safetensors file whose `__metadata__.spec` says what to build and call.
 * Parsing only (browser-safe): reading the files is runner.ts's.
 */
import type { Tensor } from '../core/tensor.js';
import { parseSafetensors, type SafeTensor } from '../io/safetensors.js';
import { fromSafeTensor } from '../io/tensors.js';

export interface Spec {
  kind: 'module' | 'functional' | 'optim';
  module?: string;
  args?: Record<string, unknown>;
  mode?: 'train' | 'eval';
  inputs?: string[];
  call_kwargs?: Record<string, unknown>;
  outputs?: string[];
  fn?: string;
  optim?: string;
  kwargs?: Record<string, unknown>;
  params?: string[];
  steps?: number;
  rtol: number;
  atol: number;
}

export interface Case {
  name: string;
  spec: Spec;
  raw: Map<string, SafeTensor>;
  /** A fresh Loom tensor of the named entry (I64 becomes int32, BOOL becomes bool). */
  tensor(key: string): Tensor;
  has(key: string): boolean;
  /** Names under a prefix such as `param/`, prefix removed, in file order. */
  keys(prefix: string): string[];
}

/** The case in a file's bytes; `path` (a file name or URL) names it (its base name without .safetensors) and its errors. */
export function parseCase(bytes: Uint8Array, path: string): Case {
  const name = path.replace(/^.*[\\/]/, '').replace(/\.safetensors$/, '');
  const file = parseSafetensors(bytes, path);
  const specText = file.metadata.spec;
  if (!specText) throw new Error(`${path}: no __metadata__.spec`);
  const spec = JSON.parse(specText) as Spec;
  const raw = file.tensors;
  return {
    name,
    spec,
    raw,
    has: (key) => raw.has(key),
    keys: (prefix) => [...raw.keys()].filter((k) => k.startsWith(prefix)).map((k) => k.slice(prefix.length)),
    tensor(key) {
      const t = raw.get(key);
      if (!t) throw new Error(`${name}: no tensor '${key}'`);
      return fromSafeTensor(t, `${name}: ${key}`);
    },
  };
}

/** Largest violation of |a - b| <= atol + rtol |b|, as a message, or null when all elements pass. */
export function compare(what: string, got: Tensor, want: Tensor, rtol: number, atol: number): string | null {
  if (got.shape.join() !== want.shape.join()) return `${what}: shape [${got.shape}] != expected [${want.shape}]`;
  const a = got.toArray();
  const b = want.toArray();
  let worst = -1;
  let excess = 0;
  for (let i = 0; i < b.length; i++) {
    const an = Number.isNaN(a[i]);
    const bn = Number.isNaN(b[i]);
    if (an && bn) continue;
    const over = an || bn ? Infinity : Math.abs(a[i] - b[i]) - (atol + rtol * Math.abs(b[i]));
    if (over > excess) (excess = over), (worst = i);
  }
  return worst < 0 ? null : `${what}: element ${worst} is ${a[worst]}, expected ${b[worst]}`;
}
