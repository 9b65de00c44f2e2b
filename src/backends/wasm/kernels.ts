/**
 * Every kernel of loom.wasm, declared once: its name (the AssemblyScript export), the Backend method it
 * implements, its arguments in order with their kinds, and for a range kernel how its work splits
 * across threads. From these declarations follow the typed calls (`pool.run('softmax', rows,
 * { x, y, cols, log })`: a missing, misspelt or mistyped field is a TypeScript error), the positional
 * arguments the WebAssembly function takes, the kernel indices of the thread pool, and the type of the
 * raw exports. The build checks each declaration against the AssemblyScript source (names, order and
 * types of the parameters, result): scripts/build-wasm.mjs writes the exports' signatures to
 * signatures.generated.ts, and `signaturesAgree` below stops tsc with the kernel's name and its real
 * signature when one differs. Loading the module checks every kernel's arity again (module.ts).
 *
 * How to add a kernel:
 *   1. Write it in src/backends/wasm/as/<file>.ts as an export; a range kernel takes
 *      `(start: i32, end: i32, part: i32, ...)` and does the units [start, end) as thread `part`.
 *   2. Declare it in KERNELS below with `range({...})` (or `call({...})` for one that runs on the
 *      calling thread alone): the same argument names in the same order, with their kinds.
 *   3. Call it from the Backend method it implements in wasm/backend.ts (or a file that backend
 *      spreads in): `pool.run('name', units, { ...named arguments })`, or `callKernel(k, 'name', {...})`.
 *      test/backends.test.ts compares that method with the reference on one and two threads.
 *   A kernel for a new Backend method needs that method in backend.ts and its reference (reference*.ts,
 *   the specification) first.
 *
 * Argument kinds (what the TypeScript side passes -> what the kernel gets):
 *   'f32*', 'i32*', 'u8*'     element offset into heap.f32 / i32 / u8 -> byte address (x4, x4, x1)
 *   'f32*?', 'i32*?', 'u8*?'  the same, or -1 for an absent operand -> 0
 *   'bytes'                   a byte address or byte count, as is (scratch areas, strides in bytes)
 *   'i32', 'f32', 'f64'       a number, as is (the kernel's parameter type rounds an f32)
 *   'bool'                    true / false -> 1 / 0
 */
import type { ArrayKind, Backend, RecurrentCell, UnaryOp, BinaryOp } from '../backend.js';
import type { WasmSignatures } from './signatures.generated.js';

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

interface KernelSpec<A extends readonly ArgSpec[], M extends BackendMethod> {
  /** The Backend method this kernel implements (alone, or with other kernels). */
  implements: M;
  args: A;
}

/** A kernel the thread pool splits: `(start, end, part, ...args)` does units [start, end) as thread `part`. */
export interface RangeKernelSpec<A extends readonly ArgSpec[] = readonly ArgSpec[], M extends BackendMethod = BackendMethod>
  extends KernelSpec<A, M> {
  /** What the units of [start, end) are: the dimension split across threads. */
  over: string;
  /** Units one thread must get before another is woken (Infinity: never split), or its rule from the arguments. */
  grain: number | ((a: ArgsOf<A>) => number);
  /** Parts start on multiples of this (default 1). */
  align?: number;
}

/** A kernel that runs whole on the calling thread. */
export interface CallKernelSpec<
  A extends readonly ArgSpec[] = readonly ArgSpec[],
  M extends BackendMethod = BackendMethod,
  R extends ResultKind = ResultKind,
> extends KernelSpec<A, M> {
  result: R;
}

const range = <const A extends readonly ArgSpec[], const M extends BackendMethod>(d: RangeKernelSpec<A, M>): RangeKernelSpec<A, M> => d;
const call = <const A extends readonly ArgSpec[], const M extends BackendMethod, const R extends ResultKind>(
  d: CallKernelSpec<A, M, R>,
): CallKernelSpec<A, M, R> => d;

// The grains. A wake-up costs some microseconds: a thread must get enough work to pay for it.
/** Elements (about) per thread for row kernels and optimizer updates. */
const GRAIN = 16384;
/** Elements per thread for cheap elementwise ops, and for the expensive ones (exp, tanh, erf, ...). */
const ELEMENTWISE_GRAIN = 32768;
const ELEMENTWISE_GRAIN_EXPENSIVE = 4096;
/** Multiply-adds per thread (matmul). */
const GRAIN_MACS = 1 << 18;
/** Rows of the sgemm register tile: row parts start on multiples of it so that no tile is split. */
const SGEMM_ROW_ALIGN = 5;
/** Rows of `cols` elements per thread. */
const rowGrain = (cols: number): number => Math.max(1, Math.ceil(GRAIN / Math.max(cols, 1)));

/** Op codes of the elementwise kernels (as/elementwise.ts); -1: not in the kernels, the reference does it. */
export const UNARY_CODE: Record<UnaryOp, number> = {
  neg: 0, exp: 1, log: 2, sqrt: 3, abs: 4, tanh: 5, sigmoid: 6, relu: 7, gelu: 8, gelu_tanh: 9,
  sin: -1, cos: -1, sign: -1, reciprocal: 13, square: 14, elu: -1, log1p: -1, erf: 17,
};
export const BINARY_CODE: Record<BinaryOp, number> = {
  add: 0, sub: 1, mul: 2, div: 3, pow: -1, maximum: 5, minimum: 6,
  eq: -1, ne: -1, lt: -1, le: -1, gt: -1, ge: -1, and: -1, or: -1,
};
/** Cell codes of the recurrent kernels (as/recurrent.ts). */
export const CELL_CODE: Record<RecurrentCell, number> = { rnn_tanh: 0, rnn_relu: 1, lstm: 2, gru: 3 };
/** Unary ops that cost several adds per element: a thread is worth waking for fewer of them. */
const EXPENSIVE_UNARY = new Set(
  (['exp', 'log', 'tanh', 'sigmoid', 'gelu', 'gelu_tanh', 'erf'] as const).map((op) => UNARY_CODE[op]),
);
const unaryGrain = (a: { op: number }): number => (EXPENSIVE_UNARY.has(a.op) ? ELEMENTWISE_GRAIN_EXPENSIVE : ELEMENTWISE_GRAIN);

const SGEMM_ARGS = [
  'a: f32*', 'b: f32*', 'c: f32*', 'M: i32', 'N: i32', 'K: i32', 'lda: i32', 'ldb: i32', 'ldc: i32',
  'transA: bool', 'transB: bool', 'alpha: f32', 'beta: f32',
] as const;
/** Multiply-adds of one product. */
const macs = (a: { M: number; N: number; K: number }): number => a.M * a.N * a.K;

export const KERNELS = {
  // matmul (as/matmul.ts): C = alpha * op(A) @ op(B) + beta * C, row-major; `scratch` holds one
  // sgemmScratchBytes() area per thread (KernelPool.scratchBytes).
  sgemmScratchBytes: call({ implements: 'matmul', args: [], result: 'i32' }),
  /** The whole kernel on rows [rowStart, rowEnd) of C (tests and benchmarks call it directly). */
  sgemm: call({ implements: 'matmul', args: [...SGEMM_ARGS, 'rowStart: i32', 'rowEnd: i32', 'scratch: bytes'], result: 'void' }),
  sgemmRows: range({
    implements: 'matmul', args: [...SGEMM_ARGS, 'scratch: bytes'],
    over: 'rows of C', grain: (a) => (macs(a) < GRAIN_MACS ? Infinity : SGEMM_ROW_ALIGN), align: SGEMM_ROW_ALIGN,
  }),
  /** Products of few rows: parts on multiples of 16 columns keep the result bit-identical to one call. */
  sgemmCols: range({ implements: 'matmul', args: [...SGEMM_ARGS, 'scratch: bytes'], over: 'columns of C', grain: 16, align: 16 }),
  /** Whole products p of a batch, A[p] at a + p * strideA bytes (0: one matrix for every p), likewise B and C. */
  sgemmBatch: range({
    implements: 'matmul', args: [...SGEMM_ARGS, 'scratch: bytes', 'strideA: bytes', 'strideB: bytes', 'strideC: bytes'],
    over: 'products', grain: (a) => Math.max(1, Math.ceil(GRAIN_MACS / Math.max(macs(a), 1))),
  }),

  // elementwise (as/elementwise.ts, dispatched by elementwise.ts): op codes as above.
  unary: range({ implements: 'unary', args: ['op: i32', 'x: f32*', 'y: f32*'], over: 'elements', grain: unaryGrain, align: 16 }),
  unaryBackward: range({
    implements: 'unaryBackward', args: ['op: i32', 'x: f32*', 'y: f32*', 'dy: f32*', 'dx: f32*'],
    over: 'elements', grain: unaryGrain, align: 16,
  }),
  /** out = a op b on one dim, a and b stepping by sa and sb elements (0: a broadcast scalar). */
  binary1: range({
    implements: 'binary', args: ['op: i32', 'a: f32*', 'b: f32*', 'out: f32*', 'sa: i32', 'sb: i32'],
    over: 'elements', grain: ELEMENTWISE_GRAIN, align: 16,
  }),
  /** out (contiguous n0 x n1 x n2 x n3) = a op b through four strides each. */
  binary4: range({
    implements: 'binary',
    args: ['op: i32', 'a: f32*', 'b: f32*', 'out: f32*', 'n1: i32', 'n2: i32', 'n3: i32',
      'as0: i32', 'as1: i32', 'as2: i32', 'as3: i32', 'bs0: i32', 'bs1: i32', 'bs2: i32', 'bs3: i32'],
    over: 'rows of n3', grain: (a) => Math.ceil(ELEMENTWISE_GRAIN / a.n3),
  }),
  /** Strided copies of 4-byte elements (float32 or int32 alike). */
  copy1: range({ implements: 'copy', args: ['src: f32*', 'dst: f32*', 'ss: i32', 'ds: i32'], over: 'elements', grain: ELEMENTWISE_GRAIN, align: 16 }),
  /** A transpose of the last two dims goes by (n2, n3) blocks, anything else by rows of n3. */
  copy4: range({
    implements: 'copy',
    args: ['src: f32*', 'dst: f32*', 'n1: i32', 'n2: i32', 'n3: i32',
      'ss0: i32', 'ss1: i32', 'ss2: i32', 'ss3: i32', 'ds0: i32', 'ds1: i32', 'ds2: i32', 'ds3: i32', 'transpose: bool'],
    over: 'rows of n3, or (n2, n3) blocks', grain: (a) => Math.ceil(ELEMENTWISE_GRAIN / (a.transpose ? a.n2 * a.n3 : a.n3)),
  }),

  // reductions (as/reduce.ts)
  /** Sums over the middle axis of (outer, r, inner): a task is one output (inner 1) or 16 neighbouring ones. */
  reduceSum: range({
    implements: 'reduce', args: ['x: f32*', 'out: f32*', 'r: i32', 'inner: i32'],
    over: 'tasks', grain: (a) => rowGrain(a.r * (a.inner === 1 ? 1 : 16)),
  }),
  sumSquares: call({ implements: 'sumSquares', args: ['x: f32*', 'n: i32'], result: 'f64' }),

  // softmax (as/softmax.ts)
  softmax: range({ implements: 'softmax', args: ['x: f32*', 'y: f32*', 'cols: i32', 'log: bool'], over: 'rows', grain: (a) => rowGrain(a.cols) }),
  softmaxBackward: range({
    implements: 'softmaxBackward', args: ['y: f32*', 'dy: f32*', 'dx: f32*', 'cols: i32', 'log: bool'],
    over: 'rows', grain: (a) => rowGrain(a.cols),
  }),
  scaledSoftmax: range({
    implements: 'scaledSoftmax', args: ['x: f32*', 'L: i32', 'S: i32', 'scale: f32', 'causal: bool', 'causalOffset: i32'],
    over: 'rows of the N stacked (L, S) matrices', grain: (a) => rowGrain(a.S),
  }),

  // LayerNorm (as/layernorm.ts)
  layerNorm: range({
    implements: 'layerNorm', args: ['x: f32*', 'w: f32*?', 'b: f32*?', 'y: f32*', 'mean: f32*', 'rstd: f32*', 'D: i32', 'eps: f64'],
    over: 'rows', grain: (a) => rowGrain(a.D),
  }),
  layerNormBackward: range({
    implements: 'layerNormBackward', args: ['x: f32*', 'w: f32*?', 'mean: f32*', 'rstd: f32*', 'dy: f32*', 'dx: f32*', 'D: i32'],
    over: 'rows', grain: (a) => rowGrain(a.D),
  }),
  layerNormParamGrad: range({
    implements: 'layerNormBackward', args: ['x: f32*', 'mean: f32*', 'rstd: f32*', 'dy: f32*', 'dw: f32*?', 'db: f32*?', 'rows: i32', 'D: i32'],
    over: 'groups of 4 columns', grain: (a) => rowGrain(4 * a.rows),
  }),

  // embedding gathers (as/indexing.ts); indexSelect returns -1, or the position of the first index out of range
  indexSelect: call({ implements: 'indexSelect', args: ['table: f32*', 'rows: i32', 'cols: i32', 'idx: i32*', 'n: i32', 'out: f32*'], result: 'i32' }),
  indexAdd: call({ implements: 'indexAdd', args: ['dtable: f32*', 'cols: i32', 'idx: i32*', 'n: i32', 'dout: f32*', 'skip: i32'], result: 'void' }),

  // optimizer updates (as/optim.ts), with adamUpdate's scalars computed by the caller
  adam: range({
    implements: 'adam',
    args: ['p: f32*', 'grad: f32*', 'm: f32*', 'v: f32*', 'vmax: f32*?', 'decay: f64', 'l2: f64', 'stepSize: f64', 'bc2Sqrt: f64',
      'beta1: f64', 'beta2: f64', 'eps: f64', 'maximize: bool'],
    over: 'elements', grain: GRAIN,
  }),
  sgd: range({
    implements: 'sgd',
    args: ['p: f32*', 'grad: f32*', 'buf: f32*?', 'first: bool', 'lr: f64', 'momentum: f64', 'dampening: f64', 'weightDecay: f64',
      'nesterov: bool', 'maximize: bool'],
    over: 'elements', grain: GRAIN,
  }),

  // fused recurrent steps (as/recurrent.ts), cell codes as above
  recurrentStep: range({
    implements: 'recurrentStep',
    args: ['cell: i32', 'H: i32', 'gx: f32*', 'gh: f32*', 'bih: f32*?', 'bhh: f32*?', 'h: f32*', 'c: f32*?', 'act: f32*',
      'hOut: f32*', 'cOut: f32*?', 'y: f32*?', 'yStride: i32', 'mask: u8*?'],
    over: 'rows (batch)', grain: (a) => rowGrain(4 * a.H),
  }),
  recurrentStepBackward: range({
    implements: 'recurrentStepBackward',
    args: ['cell: i32', 'H: i32', 'h: f32*', 'c: f32*?', 'act: f32*', 'cOut: f32*?', 'dy: f32*?', 'yStride: i32', 'mask: u8*?',
      'dh: f32*', 'dc: f32*?', 'dgx: f32*', 'dgh: f32*'],
    over: 'rows (batch)', grain: (a) => rowGrain(4 * a.H),
  }),
};

type Kernels = typeof KERNELS;
export type KernelName = keyof Kernels;
export type RangeKernelName = { [K in KernelName]: Kernels[K] extends { over: string } ? K : never }[KernelName];
export type CallKernelName = Exclude<KernelName, RangeKernelName>;
/** The named arguments of kernel K. */
export type KernelArgs<K extends KernelName> = ArgsOf<Kernels[K]['args']>;
/** The Backend methods the kernels implement: the WebAssembly backend must override each of them. */
export type KernelBackedMethod = Kernels[KernelName]['implements'];

/** The range kernels, by index: how the thread pool names a kernel to its workers. */
export const RANGE_KERNELS = (Object.keys(KERNELS) as KernelName[]).filter(
  (k): k is RangeKernelName => 'over' in KERNELS[k],
);

const INDEX = Object.fromEntries(RANGE_KERNELS.map((k, i) => [k, i])) as Record<RangeKernelName, number>;

/** The index of a range kernel in RANGE_KERNELS. */
export function kernelIndex(name: RangeKernelName): number {
  return INDEX[name];
}

/** The arguments of a declaration, parsed once: names, and how each value becomes a number. */
interface Binding {
  names: string[];
  /** Bytes per element for a pointer (0: passed as is); -1 for a flag. */
  scales: number[];
  optional: boolean[];
}

const ELEMENT_BYTES: Record<ArrayKind, number> = { f32: 4, i32: 4, u8: 1 };

function binding(specs: readonly ArgSpec[]): Binding {
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

const BINDINGS = Object.fromEntries(Object.entries(KERNELS).map(([k, d]) => [k, binding(d.args)])) as Record<KernelName, Binding>;

/** The positional arguments of kernel K (after start, end, part for a range kernel), in its declared order. */
export function marshal<K extends KernelName>(kernel: K, args: KernelArgs<K>): number[] {
  const { names, scales, optional } = BINDINGS[kernel];
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

/** How range kernel K splits: its grain for these arguments, and its alignment. */
export function splitOf<K extends RangeKernelName>(kernel: K, args: KernelArgs<K>): { grain: number; align: number } {
  const d = KERNELS[kernel] as RangeKernelSpec;
  const grain = typeof d.grain === 'number' ? d.grain : (d.grain as (a: KernelArgs<K>) => number)(args);
  return { grain, align: d.align ?? 1 };
}

/** Positional arguments a kernel takes in WebAssembly (with start, end, part for a range kernel). */
export function arity(kernel: KernelName): number {
  return KERNELS[kernel].args.length + ('over' in KERNELS[kernel] ? 3 : 0);
}

type Result<R> = R extends 'void' ? void : number;

/** Calls kernel K on the calling thread with named arguments; returns its result. */
export function callKernel<K extends CallKernelName>(kernels: WasmExports, kernel: K, args: KernelArgs<K>): Result<Kernels[K]['result']> {
  const fn = kernels[kernel] as (...a: number[]) => number | void;
  return fn(...marshal(kernel, args)) as Result<Kernels[K]['result']>;
}

// ---- The declarations against the AssemblyScript signatures (signatures.generated.ts) ----

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

/** Fails to compile, naming the kernel and its AssemblyScript signature, when a declaration differs from it. */
export const signaturesAgree: [SignatureProblems<Kernels, WasmSignatures>] extends [never] ? true : SignatureProblems<Kernels, WasmSignatures> = true;

/** The raw exports of loom.wasm, typed from their AssemblyScript signatures. Every pointer is a byte address. */
export type WasmExports = { [K in keyof WasmSignatures]: WasmFunction<WasmSignatures[K]> };
type WasmFunction<S extends Signature> = (...args: Numbers<S['params']>) => Result<S['result']>;
type Numbers<P extends readonly string[]> = { [I in keyof P]: number };
