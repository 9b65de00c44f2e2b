/**
 * The kernel interface: every tensor op reaches memory only through these kernels. The plain-TypeScript
 * implementation (`reference.ts`) is the specification; faster backends override kernels one by one and
 * are checked against it by the same tests.
 *
 * Operands are element offsets into the heap's typed array of their dtype, with strides in elements,
 * so a kernel reads views (transposes, slices, broadcasts) in place.
 */
import { referenceBackend } from './reference.js';

export type ArrayKind = 'f32' | 'i32' | 'u8';

export interface Operand {
  kind: ArrayKind;
  off: number;
  strides: readonly number[];
}

export type UnaryOp =
  | 'neg' | 'exp' | 'log' | 'sqrt' | 'abs' | 'tanh' | 'sigmoid' | 'relu' | 'gelu' | 'gelu_tanh'
  | 'sin' | 'cos' | 'sign' | 'reciprocal' | 'square' | 'elu' | 'log1p' | 'erf';

export type BinaryOp =
  | 'add' | 'sub' | 'mul' | 'div' | 'pow' | 'maximum' | 'minimum'
  | 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge' | 'and' | 'or';

export type ReduceOp = 'sum' | 'max' | 'min' | 'argmax' | 'argmin';

/** A batched matrix operand: `batch` matrices of `rows x cols`, each addressed by its three strides. */
export interface MatOperand {
  off: number;
  batchStride: number;
  rowStride: number;
  colStride: number;
}

/** The recurrent cells with a fused step kernel: PyTorch's RNN (tanh or relu), LSTM and GRU. */
export type RecurrentCell = 'rnn_tanh' | 'rnn_relu' | 'lstm' | 'gru';

/**
 * One time step of a recurrent cell over `B` rows of hidden size `H` (G gates: RNN 1, GRU 3, LSTM 4).
 * Offsets are into heap.f32 (`mask` into heap.u8); -1 marks an absent operand. Blocks are contiguous
 * except `y`, whose rows are `yStride` apart (one direction's slice of a (T, B, D*H) output).
 */
export interface RecurrentStep {
  cell: RecurrentCell;
  B: number;
  H: number;
  /** (B, G*H) x W_ih^T and (B, G*H) h W_hh^T, without biases. */
  gx: number;
  gh: number;
  /** (G*H) biases, or -1 (bias=false). */
  bih: number;
  bhh: number;
  /** (B, H) previous hidden and (LSTM) cell state. */
  h: number;
  c: number;
  /**
   * (B, A*H) activations saved for the backward step: LSTM i, f, g, o (A = 4); GRU r, z, n and
   * W_hn h + b_hn (A = 4); RNN h' (A = 1).
   */
  act: number;
  /** (B, H) new hidden and (LSTM) cell state. */
  hOut: number;
  cOut: number;
  /** Output rows (B, H) with row stride yStride, or -1. */
  y: number;
  yStride: number;
  /** (B) u8, or -1 for all rows: rows with 0 are past their sequence's end; they keep their state and output 0. */
  mask: number;
}

/** The backward of one RecurrentStep; the fields it shares with the forward step mean the same. */
export interface RecurrentStepBackward extends Omit<RecurrentStep, 'gx' | 'gh' | 'bih' | 'bhh' | 'hOut' | 'y'> {
  /**
   * (B, H), in place. In: dL/dh' and (LSTM) dL/dc' from the later steps. Out: the parts of dL/dh and
   * dL/dc that do not go through W_hh (the caller then adds dgh @ W_hh to dh).
   */
  dh: number;
  dc: number;
  /** dL/dy rows (row stride yStride), added to dh for the active rows, or -1. */
  dy: number;
  /** Out: (B, G*H) dL/d(x W_ih^T + b_ih) and dL/d(h W_hh^T + b_hh). */
  dgx: number;
  dgh: number;
}

/** One Adam / AdamW step over n elements (see `adamUpdate` in src/optim/updates.ts); offsets into heap.f32, vmax -1 unless amsgrad. */
export interface AdamStep {
  p: number;
  grad: number;
  m: number;
  v: number;
  vmax: number;
  n: number;
  /** The step number, from 1. */
  step: number;
  lr: number;
  betas: readonly [number, number];
  eps: number;
  weightDecay: number;
  maximize: boolean;
  /** AdamW: decay the weights apart from the gradient. */
  decoupled: boolean;
}

/** One SGD step over n elements (see `sgdUpdate` in src/optim/updates.ts); buf -1 without momentum. */
export interface SGDStep {
  p: number;
  grad: number;
  buf: number;
  n: number;
  /** The momentum buffer's first step: it starts as the gradient. */
  first: boolean;
  lr: number;
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;
  maximize: boolean;
}

/**
 * A generator's state in the heap, as the random kernels read and advance it: the element offset (in
 * heap.i32, 8-byte aligned) of the four xoshiro128** words of src/core/random.ts's Generator, followed
 * at byte +16 by its float64 Box-Muller spare (NaN: none). src/backends/random-state.ts moves a
 * Generator's state there and back.
 */
export type GeneratorState = number;

/**
 * A dropout mask drawn from n uniforms u_i of the generator at `state`, in order:
 * mask[i] = u_i < threshold ? below : above (rounded to f32). With x and y (else -1), also
 * y[i] = x[i] * (the unrounded mask value), for attention's weights after dropout. Offsets into heap.f32.
 */
export interface DropoutDraw {
  mask: number;
  n: number;
  threshold: number;
  below: number;
  above: number;
  x: number;
  y: number;
  state: GeneratorState;
}

/**
 * A mask over a stack of (L, S) score matrices with batch dims `batch`: its element offset and strides
 * over (...batch, L, S) (0 where it broadcasts). Bool (heap.u8, true = masked out) or float (heap.f32, added).
 */
export interface ScoreMask {
  bool: boolean;
  off: number;
  strides: readonly number[];
}

/**
 * Causal linear attention over N sequences (see src/nn/attention/linear-attention.ts), all f32
 * contiguous: q, k (N, T, d), v (N, T, e). With r_t = 1 / (q_t . z_t + eps),
 *   S_t = S_0 + sum_{s <= t} k_s v_s^T (d, e),  z_t = z_0 + sum_{s <= t} k_s (d),  y_t = (q_t^T S_t) r_t,
 * with S, z accumulated in float64 in the order of s, a and c. S0 (N, d, e) and z0 (N, d) are the sums
 * before the call (null: zeros).
 */
export interface LinearAttentionSweep {
  q: number;
  k: number;
  v: number;
  N: number;
  T: number;
  d: number;
  e: number;
  eps: number;
  S0: Float64Array | null;
  z0: Float64Array | null;
}

/** The heap operands of one causal linear attention call: y (N, T, e) forward; g = dL/dy and dq, dk, dv backward. */
export interface LinearAttentionGrads {
  g: number;
  dq: number;
  dk: number;
  dv: number;
}

/**
 * Negative log-likelihood over a class-dim block x (N, C, D) f32 with int32 targets t (N, D) and optional
 * class weights w (C) (-1: all 1). The forward writes losses (N*D): l_i = -w[t_i] x[n, t_i, d], 0 where
 * t_i = ignoreIndex; it returns their float64 sum and the sum of w[t_i] over non-ignored i, both in
 * order of i, and throws a RangeError on a target outside [0, C).
 */
export interface NLLBlock {
  x: number;
  target: number;
  weight: number;
  N: number;
  C: number;
  D: number;
  ignoreIndex: number;
}

/** One RMSprop step over n elements (see `rmspropUpdate` in src/optim/updates.ts); buf -1 without momentum, gAvg -1 unless centered. */
export interface RMSpropStep {
  p: number;
  grad: number;
  squareAvg: number;
  buf: number;
  gAvg: number;
  n: number;
  lr: number;
  alpha: number;
  eps: number;
  weightDecay: number;
  momentum: number;
  maximize: boolean;
}

/**
 * A 2-d convolution's geometry for im2col / col2im (a 1-d one is 2-d with H = kH = OH = 1). x is
 * (N, C, H, W); the columns are (C*kH*kW, N*OH*OW), row (c, ki, kj), column (n, oh, ow). The padding
 * is read through two int32 index tables in the heap (element offsets into heap.i32):
 *   rowSrc (kH, OH): the input row that kernel row ki reads at output row oh, or -1 (a zero);
 *   colSrc (kW, OW): the input column that kernel column kj reads at output column ow, or -1.
 * Zeros, reflect, replicate and circular padding, strides and dilation are all in the tables.
 */
export interface ConvGeometry {
  N: number; C: number; H: number; W: number;
  kH: number; kW: number; OH: number; OW: number;
  rowSrc: number;
  colSrc: number;
}

/**
 * A max-pooling window over (H, W) planes: output (oh, ow) looks at rows oh*sH - pH + ki*dH (ki < kH)
 * and columns ow*sW - pW + kj*dW (kj < kW), skipping those outside the input (padding is -inf).
 */
export interface PoolWindow {
  kH: number; kW: number; sH: number; sW: number;
  pH: number; pW: number; dH: number; dW: number;
  OH: number; OW: number;
}

export interface Backend {
  readonly name: string;
  /** dst = src, both through their strides, with a cast between kinds. */
  copy(src: Operand, dst: Operand, shape: readonly number[]): void;
  fill(dst: Operand, n: number, value: number): void;
  /** out = op(x) over n contiguous f32 elements. */
  unary(op: UnaryOp, x: number, out: number, n: number): void;
  /** dx = dy * op'(x) (y = op(x) is given too, for ops whose derivative is cheaper from the output). */
  unaryBackward(op: UnaryOp, x: number, y: number, dy: number, dx: number, n: number): void;
  /** out (contiguous, of `shape`) = a op b, a and b read through broadcast strides. */
  binary(op: BinaryOp, a: Operand, b: Operand, out: Operand, shape: readonly number[]): void;
  /** out = cond ? a : b, all through broadcast strides. */
  where(cond: Operand, a: Operand, b: Operand, out: Operand, shape: readonly number[]): void;
  /** C[b] = A[b] @ B[b] (+ C[b] when accumulate), A is M x K, B is K x N, C contiguous M x N. */
  matmul(batch: number, M: number, N: number, K: number, a: MatOperand, b: MatOperand, c: MatOperand, accumulate: boolean): void;
  /** Reduces the middle axis of a contiguous (outer, r, inner) block into (outer, inner). */
  reduce(op: ReduceOp, x: Operand, out: Operand, outer: number, r: number, inner: number): void;
  /** Row-wise softmax (or log-softmax) of a contiguous rows x cols block. */
  softmax(x: number, y: number, rows: number, cols: number, log: boolean): void;
  /** dx from y = softmax(x) (or log-softmax) and dy, rows x cols, contiguous. */
  softmaxBackward(y: number, dy: number, dx: number, rows: number, cols: number, log: boolean): void;
  /**
   * Attention's row pass, in place over N stacked (L, S) score matrices at x: s = s * scale, -inf for
   * keys j > i + causalOffset when `causal` (i the row within its matrix), then a row softmax; a row
   * whose every key is hidden becomes zeros.
   */
  scaledSoftmax(x: number, N: number, L: number, S: number, scale: number, causal: boolean, causalOffset: number): void;
  /**
   * Layer normalisation over `rows` contiguous rows of D (w, b: -1 when absent):
   * y = (x - mean) * rstd * w + b with rstd = 1 / sqrt(biased variance + eps); saves each row's mean and rstd.
   */
  layerNorm(x: number, w: number, b: number, y: number, mean: number, rstd: number, rows: number, D: number, eps: number): void;
  /**
   * The backward of layerNorm, with xhat = (x - mean) * rstd and g = dy * w: dx = rstd * (g - mean(g) -
   * xhat * mean(g * xhat)); dw += sum over rows of dy * xhat, db += sum of dy. Any of dx, dw, db may be -1.
   */
  layerNormBackward(x: number, w: number, mean: number, rstd: number, dy: number, dx: number, dw: number, db: number, rows: number, D: number): void;
  /**
   * out[i, :] = table[idx[i], :] for n indices into a rows x cols f32 table. Returns -1, or the position
   * of the first index outside [0, rows) (the rows before it are copied; the caller throws).
   */
  indexSelect(table: number, rows: number, cols: number, idx: number, n: number, out: number): number;
  /** dtable[idx[i], :] += dout[i, :], skipping `skip` (padding) indices. */
  indexAdd(dtable: number, cols: number, idx: number, n: number, dout: number, skip: number): void;
  /** A dropout mask from the generator's uniforms (see DropoutDraw); the state ends advanced by n draws. */
  dropoutMask(d: DropoutDraw): void;
  /** out[i] = a + (b - a) u_i over n contiguous f32, u_i the generator's next uniforms (Generator.uniform). */
  uniform(out: number, n: number, a: number, b: number, state: GeneratorState): void;
  /** out[i] = mean + std z_i over n contiguous f32, z_i the generator's next normals (Generator.normal, spare included). */
  normal(out: number, n: number, mean: number, std: number, state: GeneratorState): void;
  /**
   * The (maxLen, dModel) sinusoidal table, dModel even: PE[p, 2i] = sin(p div_i), PE[p, 2i+1] = cos(p div_i),
   * div_i = exp(2i * -ln(10000) / dModel), with float32 rounding after the product 2i k, the exp and p div_i
   * (PyTorch's construction).
   */
  sinusoidalTable(out: number, maxLen: number, dModel: number): void;
  /**
   * In place over the contiguous (...batch, L, S) scores at p: s = s * scale + the float masks, or -inf
   * where a bool mask masks (each element in float64, rounded to f32 once).
   */
  maskScores(p: number, batch: readonly number[], L: number, S: number, scale: number, masks: readonly ScoreMask[]): void;
  /** Causal linear attention forward (see LinearAttentionSweep) into y (N, T, e); `end` (or null) receives S_T and z_T. */
  linearAttention(s: LinearAttentionSweep, y: number, end: { S: Float64Array; z: Float64Array } | null): void;
  /**
   * Its backward: with dnum_t = g_t r_t and dden_t = -(g_t . num_t) r_t^2, dq_t = S_t dnum_t + z_t dden_t;
   * with G_t = sum_{u >= t} q_u dnum_u^T and h_t = sum_{u >= t} q_u dden_u, dk_t = G_t v_t + h_t and
   * dv_t = G_t^T k_t (float64 sums).
   */
  linearAttentionBackward(s: LinearAttentionSweep, grads: LinearAttentionGrads): void;
  /** The NLL forward (see NLLBlock) into `losses` (N*D); returns [sum, total weight]. */
  nllLoss(b: NLLBlock, losses: number): [number, number];
  /**
   * Its backward into gx (N, C, D), zero on entry: gx[n, t_i, d] = -w[t_i] * scale * g[i] (g[0] for all i
   * when not `perElement`), nothing for ignored i.
   */
  nllLossBackward(b: NLLBlock, g: number, gx: number, scale: number, perElement: boolean): void;
  /** Sum of squares of n contiguous f32 elements, accumulated in float64 (gradient norms). */
  sumSquares(x: number, n: number): number;
  /** One Adam / AdamW update, in place. */
  adam(s: AdamStep): void;
  /** One SGD update, in place. */
  sgd(s: SGDStep): void;
  /** One RMSprop update, in place. */
  rmsprop(s: RMSpropStep): void;
  /** One fused recurrent step: gate nonlinearities and state update (see RecurrentStep). */
  recurrentStep(s: RecurrentStep): void;
  /** The backward of recurrentStep, for backpropagation through time (see RecurrentStepBackward). */
  recurrentStepBackward(s: RecurrentStepBackward): void;

  // ---- vision: convolution, pooling, batch normalisation (f32 offsets unless said otherwise) ----
  /** cols (C*kH*kW, N*OH*OW) <- x (N, C, H, W): every receptive field laid out as a column (see ConvGeometry). */
  im2col(x: number, cols: number, g: ConvGeometry): void;
  /** dx (N, C, H, W) += col2im(dcols): the adjoint of im2col, every column added back onto the input. */
  col2im(dcols: number, dx: number, g: ConvGeometry): void;
  /** A convolution's output: out (N, O, P) = y (O, N, P) + bias (O) (bias -1: none). */
  convOutput(y: number, bias: number, out: number, N: number, O: number, P: number): void;
  /** Its backward: dy (O, N, P) <- dout (N, O, P); db (O) = sum of dout over N and P (db -1: skipped). */
  convOutputBackward(dout: number, dy: number, db: number, N: number, O: number, P: number): void;
  /**
   * Max pooling of `planes` (H, W) planes into (OH, OW): y = the window's maximum; idx (heap.i32) = its
   * flat h*W + w, the first maximum in row-major window order, and a NaN always wins.
   */
  maxPool(x: number, y: number, idx: number, planes: number, H: number, W: number, w: PoolWindow): void;
  /** dx = 0, then dx[plane, idx] += dy over `planes` planes of HW inputs and P outputs (dx's old values are never read). */
  maxPoolBackward(dy: number, idx: number, dx: number, planes: number, HW: number, P: number): void;
  /**
   * Average pooling: y[plane, q] = sum of x over [h0, h1) x [w0, w1) / divisor, with the P windows an
   * int32 table `win` (P, 5) of h0, h1, w0, w1, divisor in heap.i32 (avg and adaptive pooling alike).
   */
  avgPool(x: number, y: number, planes: number, H: number, W: number, P: number, win: number): void;
  /** dx = 0, then dx += dy / divisor over every window of `win` (dx's old values are never read). */
  avgPoolBackward(dy: number, dx: number, planes: number, H: number, W: number, P: number, win: number): void;
  /**
   * Batch statistics of x (N, C, S) per channel over its M = N*S values, in float64:
   * mean = sum(x) / M, variance = sum((x - mean)^2) / M (biased), rstd = 1 / sqrt(variance + eps).
   */
  batchNormStats(x: number, mean: number, rstd: number, variance: number, N: number, C: number, S: number, eps: number): void;
  /** y = (x - mean[c]) * rstd[c] * w[c] + b[c] over x (N, C, S) (w, b -1: absent). */
  batchNormApply(x: number, mean: number, rstd: number, w: number, b: number, y: number, N: number, C: number, S: number): void;
  /**
   * The backward of batchNormApply, with xhat = (x - mean) * rstd and g = dy * w, per channel:
   * dx = rstd * (g - mean(g) - xhat * mean(g * xhat)) when `batchStats` (the statistics came from x),
   * else dx = rstd * g; dw = sum(dy * xhat), db = sum(dy). Any of dx, dw, db may be -1.
   */
  batchNormBackward(
    x: number, w: number, mean: number, rstd: number, dy: number, dx: number, dw: number, db: number,
    N: number, C: number, S: number, batchStats: boolean,
  ): void;
  /**
   * The running statistics, in place over C channels: rm = (1 - momentum) rm + momentum mean,
   * rv = (1 - momentum) rv + momentum variance * M / (M - 1) (unbiased); rm or rv -1: skipped.
   */
  batchNormRunningUpdate(rm: number, rv: number, mean: number, variance: number, C: number, M: number, momentum: number): void;
}

let current: Backend = referenceBackend;

/** The backend all ops run on. */
export function backend(): Backend {
  return current;
}

export function setBackend(b: Backend): void {
  current = b;
}
