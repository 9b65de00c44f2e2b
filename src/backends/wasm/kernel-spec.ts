/**
 * The vocabulary of kernel declarations (kernels.ts): argument kinds, range and call kernels, how named
 * arguments become the positional ones a WebAssembly function takes, and how a declaration is compared
 * with the AssemblyScript signature of its export (signatures.generated.ts, written by the build).
 *
 * Argument kinds (what the TypeScript side passes -> what the kernel gets):
 *   'f32*', 'i32*', 'u8*'     element offset into heap.f32 / i32 / u8 -> byte address (x4, x4, x1)
 *   'f32*?', 'i32*?', 'u8*?'  the same, or -1 for an absent operand -> 0
 *   'bytes'                   a byte address or byte count, as is (scratch areas, strides in bytes)
 *   'i32', 'f32', 'f64'       a number, as is (the kernel's parameter type rounds an f32)
 *   'bool'                    true / false -> 1 / 0
 * An argument is declared as `'name: kind'`, with the name of the AssemblyScript parameter.
 */
import type { ArrayKind, Backend } from '../backend.js';

type Pointer = `${ArrayKind}*` | `${ArrayKind}*?`;
export type ArgKind = Pointer | 'bytes' | 'i32' | 'f32' | 'f64' | 'bool';
/** One argument: `'name: kind'`. */
export type ArgSpec = `${string}: ${ArgKind}`;
type ResultKind = 'void' | 'i32' | 'f64';
/** A Backend method a kernel can implement. */
export type BackendMethod = Exclude<keyof Backend, 'name'>;

type NameOf<S> = S extends `${infer N}: ${ArgKind}` ? N : never;
type KindOf<S> = S extends `${string}: ${infer K extends ArgKind}` ? K : never;
/** The named arguments of a kernel with argument specs A, as its callers pass them. */
export type ArgsOf<A extends readonly ArgSpec[]> = { [S in A[number] as NameOf<S>]: KindOf<S> extends 'bool' ? boolean : number };

interface KernelSpec<A extends readonly ArgSpec[], M extends BackendMethod | null> {
  /** The Backend method this kernel implements (alone, or with other kernels); null: none (a measurement). */
  implements: M;
  args: A;
}

/** A kernel the thread pool splits: `(start, end, part, ...args)` does units [start, end) as thread `part`. */
export interface RangeKernelSpec<A extends readonly ArgSpec[] = readonly ArgSpec[], M extends BackendMethod | null = BackendMethod | null>
  extends KernelSpec<A, M> {
  /** What the units of [start, end) are: the dimension split across threads. */
  over: string;
  /** Units one thread must get before another is woken (Infinity: never split), or its rule from the arguments. */
  grain: number | ((a: ArgsOf<A>) => number);
  /** Parts start on multiples of this (default 1). */
  align?: number;
  /**
   * Parts per thread at most (default PARTS_PER_THREAD, kernels.ts); 1 where every part repeats work of
   * its own (a column part of sgemm packs all of A).
   */
  partsPerThread?: number;
}

/** A kernel that runs whole on the calling thread. */
export interface CallKernelSpec<
  A extends readonly ArgSpec[] = readonly ArgSpec[],
  M extends BackendMethod | null = BackendMethod | null,
  R extends ResultKind = ResultKind,
> extends KernelSpec<A, M> {
  result: R;
}

/** Declares a range kernel (the helper only keeps the literal types of the declaration). */
export const range = <const A extends readonly ArgSpec[], const M extends BackendMethod | null>(d: RangeKernelSpec<A, M>): RangeKernelSpec<A, M> => d;
/** Declares a call kernel. */
export const call = <const A extends readonly ArgSpec[], const M extends BackendMethod | null, const R extends ResultKind>(
  d: CallKernelSpec<A, M, R>,
): CallKernelSpec<A, M, R> => d;

/** The arguments of a declaration, parsed once: names, and how each value becomes a number. */
export interface Binding {
  names: string[];
  /** Bytes per element for a pointer (0: passed as is); -1 for a flag. */
  scales: number[];
  optional: boolean[];
}

const ELEMENT_BYTES: Record<ArrayKind, number> = { f32: 4, i32: 4, u8: 1 };

/** Parses argument specs. */
export function binding(specs: readonly ArgSpec[]): Binding {
  const b: Binding = { names: [], scales: [], optional: [] };
  for (const spec of specs) {
    const [name, kind] = spec.split(': ') as [string, ArgKind];
    const pointer = /^(f32|i32|u8)\*(\??)$/.exec(kind);
    b.names.push(name);
    b.scales.push(pointer ? ELEMENT_BYTES[pointer[1] as ArrayKind] : kind === 'bool' ? -1 : 0);
    b.optional.push(pointer?.[2] === '?');
  }
  return b;
}

/** The positional arguments for named ones `args`, in the order and with the conversions of binding `b`. */
export function positional(b: Binding, args: object): number[] {
  const { names, scales, optional } = b;
  const values = args as Record<string, number | boolean>;
  const out = new Array<number>(names.length);
  for (let i = 0; i < names.length; i++) {
    const v = values[names[i]];
    const s = scales[i];
    if (s < 0) out[i] = v ? 1 : 0;
    else if (s === 0) out[i] = v as number;
    else out[i] = optional[i] && (v as number) < 0 ? 0 : (v as number) * s;
  }
  return out;
}

export type Result<R> = R extends 'void' ? void : number;

// The declarations against the AssemblyScript signatures.

type Signature = { params: readonly string[]; result: string };
/** The AssemblyScript types a kind may have. */
type WasmType<K extends ArgKind> = K extends 'i32' ? 'i32' | 'u32' : K extends 'bool' ? 'i32' | 'bool' : K extends 'f32' | 'f64' ? K : 'usize';
type AsParams<A> = { [I in keyof A]: A[I] extends `${infer N}: ${infer K extends ArgKind}` ? `${N}: ${WasmType<K>}` : never };
type DeclaredSignature<D> = D extends { over: string; args: infer A extends readonly ArgSpec[] }
  ? { params: readonly ['start: i32', 'end: i32', 'part: i32', ...AsParams<A>]; result: 'void' }
  : D extends { args: infer A extends readonly ArgSpec[]; result: infer R } ? { params: AsParams<A>; result: R } : never;
type Join<T> = T extends readonly [infer H extends string, ...infer R] ? (R extends readonly [] ? H : `${H}, ${Join<R>}`) : '';

/** A message per kernel whose declaration in `D` differs from its signature in `W`, or from loom.wasm's exports. */
export type SignatureProblems<D, W extends { [K in keyof W]: Signature }> =
  | { [K in keyof D & string]: K extends keyof W
      ? W[K] extends DeclaredSignature<D[K]> ? never : `${K}: loom.wasm has (${Join<W[K]['params']>}): ${W[K]['result']}`
      : `${K}: declared, but loom.wasm exports no ${K}` }[keyof D & string]
  | { [K in keyof W & string]: K extends keyof D ? never : `${K}: exported by loom.wasm, but not declared in KERNELS` }[keyof W & string];

/** The type of a WebAssembly function with AssemblyScript signature S. */
export type WasmFunction<S extends Signature> = (...args: Numbers<S['params']>) => Result<S['result']>;
type Numbers<P extends readonly string[]> = { [I in keyof P]: number };
