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
 *      spreads in): `pool.run('name', units, { ...named arguments })`, or `callKernel(k, 'name', {...})`,
 *      and give a range kernel a case in test/kernel-descriptors.test.ts (it must split on two threads,
 *      give the one-thread bits and match the reference); the method's special cases go to
 *      test/backends.test.ts.
 *   `npm run build` stops, naming the kernel, while the declaration and the AssemblyScript disagree. A
 *   kernel for a new Backend method needs that method in backend.ts and its reference (reference*.ts,
 *   the specification) first.
 *
 * The argument kinds ('f32*': an element offset into heap.f32, passed as a byte address; 'f32*?': the
 * same, or -1 for absent; 'i32', 'f64', 'bool', 'bytes', ...) are listed in kernel-spec.ts.
 */
import type { ArrayKind, BinaryOp, RecurrentCell, UnaryOp } from '../backend.js';
import {
  binding, call, positional, range, type ArgsOf, type Binding, type RangeKernelSpec, type Result, type SignatureProblems,
  type WasmFunction,
} from './kernel-spec.js';
import type { WasmSignatures } from './signatures.generated.js';

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

/**
 * Op codes of the elementwise kernels (as/elementwise.ts; sign, elu and log1p: as/unary-f64.ts, bit for bit
 * the reference's); -1: not in the kernels, the reference does it (sin, cos: AssemblyScript's need lookup
 * tables, which the module cannot hold; pow: likewise).
 */
export const UNARY_CODE: Record<UnaryOp, number> = {
  neg: 0, exp: 1, log: 2, sqrt: 3, abs: 4, tanh: 5, sigmoid: 6, relu: 7, gelu: 8, gelu_tanh: 9,
  sin: -1, cos: -1, sign: 12, reciprocal: 13, square: 14, elu: 15, log1p: 16, erf: 17,
};
/** The unary ops of as/unary-f64.ts. */
export const F64_UNARY = new Set<UnaryOp>(['sign', 'elu', 'log1p']);
/** Op codes of binary1 / binary4 (as/elementwise.ts), then of compare4 (as/select.ts) for the comparison and logical ops. */
export const BINARY_CODE: Record<BinaryOp, number> = {
  add: 0, sub: 1, mul: 2, div: 3, pow: -1, maximum: 5, minimum: 6,
  eq: -1, ne: -1, lt: -1, le: -1, gt: -1, ge: -1, and: -1, or: -1,
};
export const COMPARE_CODE: Partial<Record<BinaryOp, number>> = { eq: 0, ne: 1, lt: 2, le: 3, gt: 4, ge: 5, and: 6, or: 7 };
/** Element kind codes of compare4 (as/select.ts). */
export const KIND_CODE: Record<ArrayKind, number> = { f32: 0, i32: 1, u8: 2 };
/** Op codes of reduceExtreme (as/extremes.ts). */
export const EXTREME_CODE = { max: 0, min: 1, argmax: 2, argmin: 3 } as const;
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

/** The geometry arguments of im2col and col2im (ConvGeometry in backend.ts). */
const CONV_GEOMETRY = [
  'N: i32', 'C: i32', 'H: i32', 'W: i32', 'kH: i32', 'kW: i32', 'OH: i32', 'OW: i32', 'rowSrc: i32*', 'colSrc: i32*',
] as const;

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
  /**
   * Products of few rows or many columns (threads.ts): parts on multiples of 16 columns keep the result
   * bit-identical to one call. One part a thread: each part packs all of A, 16 bytes a value (as/matmul.ts),
   * which two parts a thread doubled (the CNN's 64 x 12544 by 12544 x 288 weight gradient: 6.8 -> 5.2 ms).
   */
  sgemmCols: range({ implements: 'matmul', args: [...SGEMM_ARGS, 'scratch: bytes'], over: 'columns of C', grain: 16, align: 16, partsPerThread: 1 }),
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

  /** sign, elu, log1p in float64 as the reference (as/unary-f64.ts), unary's op codes. */
  unaryF64: range({ implements: 'unary', args: ['op: i32', 'x: f32*', 'y: f32*'], over: 'elements', grain: ELEMENTWISE_GRAIN_EXPENSIVE }),
  unaryF64Backward: range({
    implements: 'unaryBackward', args: ['op: i32', 'x: f32*', 'y: f32*', 'dy: f32*', 'dx: f32*'],
    over: 'elements', grain: ELEMENTWISE_GRAIN_EXPENSIVE,
  }),

  // selections and tests (as/select.ts)
  /** out (contiguous n0 x n1 x n2 x n3) = a op b (1 / 0), any element kinds (byte addresses; kinds = a | b << 2 | out << 4). */
  compare4: range({
    implements: 'binary',
    args: ['op: i32', 'a: bytes', 'b: bytes', 'out: bytes', 'n1: i32', 'n2: i32', 'n3: i32',
      'as0: i32', 'as1: i32', 'as2: i32', 'as3: i32', 'bs0: i32', 'bs1: i32', 'bs2: i32', 'bs3: i32', 'kinds: i32'],
    over: 'rows of n3', grain: (a) => Math.ceil(ELEMENTWISE_GRAIN / Math.max(a.n3, 1)),
  }),
  /** out = cond ? a : b through four strides each; a, b and out 4-byte elements of one kind (float32 or int32). */
  where4: range({
    implements: 'where',
    args: ['cond: u8*', 'a: f32*', 'b: f32*', 'out: f32*', 'n1: i32', 'n2: i32', 'n3: i32', 'cs0: i32', 'cs1: i32', 'cs2: i32', 'cs3: i32',
      'as0: i32', 'as1: i32', 'as2: i32', 'as3: i32', 'bs0: i32', 'bs1: i32', 'bs2: i32', 'bs3: i32'],
    over: 'rows of n3', grain: (a) => Math.ceil(ELEMENTWISE_GRAIN / Math.max(a.n3, 1)),
  }),
  /** dst[i] = bits, the bit pattern of a float32 or int32 value. */
  fill32: range({ implements: 'fill', args: ['dst: f32*', 'bits: i32'], over: 'elements', grain: ELEMENTWISE_GRAIN, align: 4 }),

  // reductions (as/reduce.ts, as/extremes.ts)
  /** max / min (f32 out) or argmax / argmin (i32 out) over the middle axis; a task is one output (inner 1) or 4 neighbouring ones. */
  reduceExtreme: range({
    implements: 'reduce', args: ['op: i32', 'x: f32*', 'out: f32*', 'r: i32', 'inner: i32'],
    over: 'tasks', grain: (a) => rowGrain(a.r * Math.min(a.inner, 4)),
  }),
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

  // attention beside the softmax (as/attention.ts); float64 sums S, z and scratch are byte addresses
  /** Masks of kind 0 (none), 1 (bool, u8) or 2 (float): byte address of the (0, 0, 0, 0) element, element strides over (n0, n1, L, S). */
  maskScores: range({
    implements: 'maskScores',
    args: ['p: f32*', 'L: i32', 'S: i32', 'n1: i32', 'scale: f64', 'kindA: i32', 'a: bytes', 'a0: i32', 'a1: i32', 'aRow: i32', 'aCol: i32',
      'kindB: i32', 'b: bytes', 'b0: i32', 'b1: i32', 'bRow: i32', 'bCol: i32'],
    over: 'score rows', grain: (a) => rowGrain(a.S),
  }),
  linearAttention: range({
    implements: 'linearAttention',
    args: ['q: f32*', 'k: f32*', 'v: f32*', 'y: f32*', 'T: i32', 'd: i32', 'e: i32', 'eps: f64', 'S: bytes', 'z: bytes', 'num: bytes'],
    over: 'sequences', grain: (a) => rowGrain(a.T * a.d * a.e),
  }),
  linearAttentionBackward: range({
    implements: 'linearAttentionBackward',
    args: ['q: f32*', 'k: f32*', 'v: f32*', 'g: f32*', 'dq: f32*', 'dk: f32*', 'dv: f32*', 'T: i32', 'd: i32', 'e: i32', 'eps: f64',
      'S: bytes', 'z: bytes', 'work: bytes'],
    over: 'sequences', grain: (a) => rowGrain(a.T * a.d * a.e),
  }),

  // the NLL loss (as/loss.ts); nllLoss returns -1, or the position of the first target out of range
  nllLoss: call({
    implements: 'nllLoss',
    args: ['x: f32*', 'target: i32*', 'w: f32*?', 'N: i32', 'C: i32', 'D: i32', 'ignoreIndex: i32', 'losses: f32*', 'sums: bytes'],
    result: 'i32',
  }),
  nllLossBackward: range({
    implements: 'nllLossBackward',
    args: ['target: i32*', 'w: f32*?', 'C: i32', 'D: i32', 'ignoreIndex: i32', 'g: f32*', 'gx: f32*', 'scale: f64', 'perElement: bool'],
    over: 'rows n', grain: (a) => rowGrain(a.D),
  }),

  // random fills (as/random.ts), from the generator words at `state`: one thread, each draw depends on the one before
  dropoutMask: call({
    implements: 'dropoutMask',
    args: ['mask: f32*', 'n: i32', 'threshold: f64', 'below: f64', 'above: f64', 'x: f32*?', 'y: f32*?', 'state: i32*'],
    result: 'void',
  }),
  uniformFill: call({ implements: 'uniform', args: ['out: f32*', 'n: i32', 'a: f64', 'b: f64', 'state: i32*'], result: 'void' }),

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

  rmsprop: range({
    implements: 'rmsprop',
    args: ['p: f32*', 'grad: f32*', 'squareAvg: f32*', 'buf: f32*?', 'gAvg: f32*?', 'lr: f64', 'alpha: f64', 'eps: f64', 'weightDecay: f64',
      'momentum: f64', 'maximize: bool'],
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

  // convolution (as/conv.ts, bound in vision.ts): x (N, C, H, W), the columns (C*kH*kW, N*OH*OW), the
  // int32 padding tables rowSrc (kH, OH) and colSrc (kW, OW) of ConvGeometry (backend.ts)
  im2col: range({
    implements: 'im2col', args: ['x: f32*', 'cols: f32*', ...CONV_GEOMETRY],
    over: 'rows (c, ki, kj) of the columns', grain: (a) => rowGrain(a.N * a.OH * a.OW),
  }),
  col2im: range({
    implements: 'col2im', args: ['dcols: f32*', 'dx: f32*', ...CONV_GEOMETRY],
    over: 'input planes (n, c)', grain: (a) => rowGrain(a.kH * a.kW * a.OH * a.OW),
  }),
  convOutput: range({
    implements: 'convOutput', args: ['y: f32*', 'bias: f32*?', 'out: f32*', 'N: i32', 'O: i32', 'P: i32'],
    over: 'output planes (n, o)', grain: (a) => rowGrain(a.P),
  }),
  convOutputBackward: range({
    implements: 'convOutputBackward', args: ['dout: f32*', 'dy: f32*', 'db: f32*?', 'N: i32', 'O: i32', 'P: i32'],
    over: 'channels o', grain: (a) => rowGrain(a.N * a.P),
  }),

  // pooling over (H, W) planes (as/pool.ts); win is avgPool's (P, 5) int32 window table
  maxPool: range({
    implements: 'maxPool',
    args: ['x: f32*', 'y: f32*', 'idx: i32*', 'H: i32', 'W: i32', 'kH: i32', 'kW: i32', 'sH: i32', 'sW: i32',
      'pH: i32', 'pW: i32', 'dH: i32', 'dW: i32', 'OH: i32', 'OW: i32'],
    over: 'planes', grain: (a) => rowGrain(a.OH * a.OW * a.kH * a.kW),
  }),
  maxPoolBackward: range({
    implements: 'maxPoolBackward', args: ['dy: f32*', 'idx: i32*', 'dx: f32*', 'HW: i32', 'P: i32'],
    over: 'planes', grain: (a) => rowGrain(a.P),
  }),
  avgPool: range({
    implements: 'avgPool', args: ['x: f32*', 'y: f32*', 'H: i32', 'W: i32', 'P: i32', 'win: i32*'],
    over: 'planes', grain: (a) => rowGrain(Math.max(a.P, a.H * a.W)),
  }),
  avgPoolBackward: range({
    implements: 'avgPoolBackward', args: ['dy: f32*', 'dx: f32*', 'H: i32', 'W: i32', 'P: i32', 'win: i32*'],
    over: 'planes', grain: (a) => rowGrain(Math.max(a.P, a.H * a.W)),
  }),

  // BatchNorm over x (N, C, S) (as/batchnorm.ts)
  batchNormStats: range({
    implements: 'batchNormStats',
    args: ['x: f32*', 'mean: f32*', 'rstd: f32*', 'variance: f32*', 'N: i32', 'C: i32', 'S: i32', 'eps: f64'],
    over: 'channels', grain: (a) => rowGrain(2 * a.N * a.S),
  }),
  batchNormApply: range({
    implements: 'batchNormApply',
    args: ['x: f32*', 'mean: f32*', 'rstd: f32*', 'w: f32*?', 'b: f32*?', 'y: f32*', 'C: i32', 'S: i32'],
    over: 'planes (n, c)', grain: (a) => rowGrain(a.S),
  }),
  batchNormBackward: range({
    implements: 'batchNormBackward',
    args: ['x: f32*', 'w: f32*?', 'mean: f32*', 'rstd: f32*', 'dy: f32*', 'dx: f32*?', 'dw: f32*?', 'db: f32*?',
      'N: i32', 'C: i32', 'S: i32', 'batchStats: bool'],
    over: 'channels', grain: (a) => rowGrain(3 * a.N * a.S),
  }),
  /** C values: a second thread only for tens of thousands of channels. */
  batchNormRunningUpdate: range({
    implements: 'batchNormRunningUpdate', args: ['rm: f32*?', 'rv: f32*?', 'mean: f32*', 'variance: f32*', 'M: f64', 'm: f64'],
    over: 'channels', grain: GRAIN,
  }),

  // the ceiling `loom bench` measures against (as/peak.ts): no Backend method
  /** Units of `iters` register-only steps of 12 f32x4 multiply-adds (96 flops); writes 16 bytes at out + 16 part. */
  simdPeak: range({ implements: null, args: ['iters: i32', 'out: bytes'], over: 'blocks of iters steps', grain: 1 }),
};

type Kernels = typeof KERNELS;
export type KernelName = keyof Kernels;
export type RangeKernelName = { [K in KernelName]: Kernels[K] extends { over: string } ? K : never }[KernelName];
export type CallKernelName = Exclude<KernelName, RangeKernelName>;
/** The named arguments of kernel K. */
export type KernelArgs<K extends KernelName> = ArgsOf<Kernels[K]['args']>;
/** The Backend methods the kernels implement: the WebAssembly backend must override each of them. */
export type KernelBackedMethod = Exclude<Kernels[KernelName]['implements'], null>;

/** The range kernels, by index: how the thread pool names a kernel to its workers. */
export const RANGE_KERNELS = (Object.keys(KERNELS) as KernelName[]).filter(
  (k): k is RangeKernelName => 'over' in KERNELS[k],
);

const INDEX = Object.fromEntries(RANGE_KERNELS.map((k, i) => [k, i])) as Record<RangeKernelName, number>;

/** The index of a range kernel in RANGE_KERNELS. */
export function kernelIndex(name: RangeKernelName): number {
  return INDEX[name];
}

const BINDINGS = Object.fromEntries(Object.entries(KERNELS).map(([k, d]) => [k, binding(d.args)])) as Record<KernelName, Binding>;

/** The positional arguments of kernel K (after start, end, part for a range kernel), in its declared order. */
export function marshal<K extends KernelName>(kernel: K, args: KernelArgs<K>): number[] {
  return positional(BINDINGS[kernel], args);
}

/** Parts per thread unless a kernel says otherwise: a thread that falls behind is caught up by the others one part at a time. */
export const PARTS_PER_THREAD = 2;

/** How range kernel K splits: its grain for these arguments, its alignment and its parts per thread. */
export function splitOf<K extends RangeKernelName>(kernel: K, args: KernelArgs<K>): { grain: number; align: number; partsPerThread: number } {
  const d = KERNELS[kernel] as RangeKernelSpec;
  const grain = typeof d.grain === 'number' ? d.grain : (d.grain as (a: KernelArgs<K>) => number)(args);
  return { grain, align: d.align ?? 1, partsPerThread: d.partsPerThread ?? PARTS_PER_THREAD };
}

/** Positional arguments a kernel takes in WebAssembly (with start, end, part for a range kernel). */
export function arity(kernel: KernelName): number {
  return KERNELS[kernel].args.length + ('over' in KERNELS[kernel] ? 3 : 0);
}

/** Calls kernel K on the calling thread with named arguments; returns its result. */
export function callKernel<K extends CallKernelName>(kernels: WasmExports, kernel: K, args: KernelArgs<K>): Result<Kernels[K]['result']> {
  const fn = kernels[kernel] as (...a: number[]) => number | void;
  return fn(...marshal(kernel, args)) as Result<Kernels[K]['result']>;
}

/** Fails to compile, naming the kernel and its AssemblyScript signature, when a declaration differs from it. */
export const signaturesAgree: [SignatureProblems<Kernels, WasmSignatures>] extends [never] ? true : SignatureProblems<Kernels, WasmSignatures> = true;

/** The raw exports of loom.wasm, typed from their AssemblyScript signatures. Every pointer is a byte address. */
export type WasmExports = { [K in keyof WasmSignatures]: WasmFunction<WasmSignatures[K]> };
