/**
 * The reference backend: plain TypeScript over the heap's typed arrays. It is the specification the
 * fast kernels are tested against, so it favours obviousness over speed.
 */
import { heap } from '../core/memory.js';
import type { ArrayKind, Backend, BinaryOp, MatOperand, Operand, ReduceOp, UnaryOp } from './backend.js';
import { attentionKernels } from './reference-attention.js';
import { batchNormKernels } from './reference-batchnorm.js';
import { convKernels } from './reference-conv.js';
import { lossKernels } from './reference-loss.js';
import { normKernels } from './reference-norm.js';
import { optimKernels } from './reference-optim.js';
import { poolKernels } from './reference-pool.js';
import { randomKernels } from './reference-random.js';
import { rnnKernels } from './reference-rnn.js';

type Arr = Float32Array | Int32Array | Uint8Array;

function arr(kind: ArrayKind): Arr {
  return kind === 'f32' ? heap.f32 : kind === 'i32' ? heap.i32 : heap.u8;
}

/**
 * Visits every index of `shape` in row-major order and calls `fn` with the element offsets of each
 * operand (base offset plus index . strides).
 */
function forEachIndex(shape: readonly number[], ops: readonly Operand[], fn: (offs: number[]) => void): void {
  const rank = shape.length;
  const offs = ops.map((o) => o.off);
  if (shape.some((d) => d === 0)) return;
  if (rank === 0) return fn(offs);
  const idx = new Array<number>(rank).fill(0);
  const last = rank - 1;
  const n = shape[last];
  const lastStrides = ops.map((o) => o.strides[last]);
  for (;;) {
    const cur = offs.slice();
    for (let i = 0; i < n; i++) {
      fn(cur);
      for (let k = 0; k < cur.length; k++) cur[k] += lastStrides[k];
    }
    // advance the odometer over the outer dims
    let d = last - 1;
    for (; d >= 0; d--) {
      idx[d]++;
      for (let k = 0; k < offs.length; k++) offs[k] += ops[k].strides[d];
      if (idx[d] < shape[d]) break;
      for (let k = 0; k < offs.length; k++) offs[k] -= ops[k].strides[d] * shape[d];
      idx[d] = 0;
    }
    if (d < 0) return;
  }
}

const SQRT1_2 = Math.SQRT1_2;
const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

/** erf with |error| < 1.2e-7 (Numerical Recipes erfc, Chebyshev fit); float32 needs no more. */
export function erf(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z - 1.26551223 +
        t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 +
        t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? 1 - r : r - 1;
}

function sigmoid(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}

const unaryFns: Record<UnaryOp, (x: number) => number> = {
  neg: (x) => -x,
  exp: Math.exp,
  log: Math.log,
  sqrt: Math.sqrt,
  abs: Math.abs,
  tanh: Math.tanh,
  sigmoid,
  relu: (x) => (x > 0 ? x : 0),
  // GELU(x) = x * Phi(x) = x/2 (1 + erf(x / sqrt 2))
  gelu: (x) => 0.5 * x * (1 + erf(x * SQRT1_2)),
  // tanh approximation: x/2 (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
  gelu_tanh: (x) => 0.5 * x * (1 + Math.tanh(SQRT_2_OVER_PI * (x + 0.044715 * x * x * x))),
  sin: Math.sin,
  cos: Math.cos,
  sign: Math.sign,
  reciprocal: (x) => 1 / x,
  square: (x) => x * x,
  elu: (x) => (x > 0 ? x : Math.expm1(x)),
  log1p: Math.log1p,
  erf,
};

/** d op(x) / dx, given x and y = op(x). */
const unaryGrads: Record<UnaryOp, (x: number, y: number) => number> = {
  neg: () => -1,
  exp: (_x, y) => y,
  log: (x) => 1 / x,
  sqrt: (_x, y) => 0.5 / y,
  abs: (x) => Math.sign(x),
  tanh: (_x, y) => 1 - y * y,
  sigmoid: (_x, y) => y * (1 - y),
  relu: (x) => (x > 0 ? 1 : 0),
  gelu: (x) => 0.5 * (1 + erf(x * SQRT1_2)) + (x * Math.exp(-0.5 * x * x)) / Math.sqrt(2 * Math.PI),
  gelu_tanh: (x) => {
    const u = SQRT_2_OVER_PI * (x + 0.044715 * x * x * x);
    const t = Math.tanh(u);
    return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * SQRT_2_OVER_PI * (1 + 3 * 0.044715 * x * x);
  },
  sin: (x) => Math.cos(x),
  cos: (x) => -Math.sin(x),
  sign: () => 0,
  reciprocal: (_x, y) => -y * y,
  square: (x) => 2 * x,
  elu: (x, y) => (x > 0 ? 1 : y + 1),
  log1p: (x) => 1 / (1 + x),
  erf: (x) => (2 / Math.sqrt(Math.PI)) * Math.exp(-x * x),
};

const binaryFns: Record<BinaryOp, (a: number, b: number) => number> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  pow: Math.pow,
  maximum: (a, b) => (a >= b || Number.isNaN(a) ? a : b),
  minimum: (a, b) => (a <= b || Number.isNaN(a) ? a : b),
  eq: (a, b) => +(a === b),
  ne: (a, b) => +(a !== b),
  lt: (a, b) => +(a < b),
  le: (a, b) => +(a <= b),
  gt: (a, b) => +(a > b),
  ge: (a, b) => +(a >= b),
  and: (a, b) => +(a !== 0 && b !== 0),
  or: (a, b) => +(a !== 0 || b !== 0),
};

export const referenceBackend: Backend = {
  name: 'reference',
  ...rnnKernels,
  ...normKernels,
  ...optimKernels,
  ...randomKernels,
  ...attentionKernels,
  ...lossKernels,
  ...convKernels,
  ...poolKernels,
  ...batchNormKernels,

  copy(src, dst, shape) {
    const s = arr(src.kind);
    const d = arr(dst.kind);
    const toBool = dst.kind === 'u8';
    const toInt = dst.kind === 'i32' && src.kind === 'f32';
    forEachIndex(shape, [src, dst], ([i, o]) => {
      const v = s[i];
      d[o] = toBool ? +(v !== 0) : toInt ? Math.trunc(v) : v;
    });
  },

  fill(dst, n, value) {
    arr(dst.kind).fill(value, dst.off, dst.off + n);
  },

  unary(op, x, out, n) {
    const f = heap.f32;
    const fn = unaryFns[op];
    for (let i = 0; i < n; i++) f[out + i] = fn(f[x + i]);
  },

  unaryBackward(op, x, y, dy, dx, n) {
    const f = heap.f32;
    const g = unaryGrads[op];
    for (let i = 0; i < n; i++) f[dx + i] = f[dy + i] * g(f[x + i], f[y + i]);
  },

  binary(op, a, b, out, shape) {
    const A = arr(a.kind);
    const B = arr(b.kind);
    const O = arr(out.kind);
    const fn = binaryFns[op];
    let o = out.off;
    forEachIndex(shape, [a, b], ([i, j]) => {
      O[o++] = fn(A[i], B[j]);
    });
  },

  where(cond, a, b, out, shape) {
    const C = arr(cond.kind);
    const A = arr(a.kind);
    const B = arr(b.kind);
    const O = arr(out.kind);
    let o = out.off;
    forEachIndex(shape, [cond, a, b], ([c, i, j]) => {
      O[o++] = C[c] ? A[i] : B[j];
    });
  },

  matmul(batch, M, N, K, a: MatOperand, b: MatOperand, c: MatOperand, accumulate) {
    const f = heap.f32;
    for (let p = 0; p < batch; p++) {
      const A = a.off + p * a.batchStride;
      const B = b.off + p * b.batchStride;
      const C = c.off + p * c.batchStride;
      for (let i = 0; i < M; i++) {
        for (let j = 0; j < N; j++) {
          let s = 0;
          for (let k = 0; k < K; k++) s += f[A + i * a.rowStride + k * a.colStride] * f[B + k * b.rowStride + j * b.colStride];
          const ci = C + i * c.rowStride + j * c.colStride;
          f[ci] = accumulate ? f[ci] + s : s;
        }
      }
    }
  },

  reduce(op: ReduceOp, x: Operand, out: Operand, outer, r, inner) {
    const X = arr(x.kind);
    const O = arr(out.kind);
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < inner; i++) {
        const base = x.off + o * r * inner + i;
        let acc = op === 'sum' ? 0 : X[base];
        let at = 0;
        for (let k = op === 'sum' ? 0 : 1; k < r; k++) {
          const v = X[base + k * inner];
          if (op === 'sum') acc += v;
          else if ((op === 'max' || op === 'argmax') && (v > acc || (Number.isNaN(v) && !Number.isNaN(acc)))) (acc = v), (at = k);
          else if ((op === 'min' || op === 'argmin') && (v < acc || (Number.isNaN(v) && !Number.isNaN(acc)))) (acc = v), (at = k);
        }
        O[out.off + o * inner + i] = op === 'argmax' || op === 'argmin' ? at : acc;
      }
    }
  },

  softmax(x, y, rows, cols, log) {
    const f = heap.f32;
    for (let r = 0; r < rows; r++) {
      const xo = x + r * cols;
      const yo = y + r * cols;
      let m = -Infinity;
      for (let c = 0; c < cols; c++) m = Math.max(m, f[xo + c]);
      if (m === -Infinity) m = 0; // a fully masked row: exp(-inf) = 0 everywhere
      let s = 0;
      for (let c = 0; c < cols; c++) s += Math.exp(f[xo + c] - m);
      const ls = Math.log(s);
      for (let c = 0; c < cols; c++) f[yo + c] = log ? f[xo + c] - m - ls : Math.exp(f[xo + c] - m) / s;
    }
  },

  softmaxBackward(y, dy, dx, rows, cols, log) {
    const f = heap.f32;
    for (let r = 0; r < rows; r++) {
      const yo = y + r * cols;
      const go = dy + r * cols;
      const xo = dx + r * cols;
      let s = 0;
      if (log) {
        // y = log softmax(x): dx = dy - softmax(x) * sum(dy)
        for (let c = 0; c < cols; c++) s += f[go + c];
        for (let c = 0; c < cols; c++) f[xo + c] = f[go + c] - Math.exp(f[yo + c]) * s;
      } else {
        // y = softmax(x): dx = y * (dy - sum(dy * y))
        for (let c = 0; c < cols; c++) s += f[go + c] * f[yo + c];
        for (let c = 0; c < cols; c++) f[xo + c] = f[yo + c] * (f[go + c] - s);
      }
    }
  },

  scaledSoftmax(x, N, L, S, scale, causal, causalOffset) {
    const f = heap.f32;
    for (let n = 0; n < N; n++) {
      for (let i = 0; i < L; i++) {
        const row = x + (n * L + i) * S;
        const visible = causal ? Math.min(S, Math.max(0, i + causalOffset + 1)) : S;
        let max = -Infinity;
        for (let j = 0; j < visible; j++) {
          const s = f[row + j] * scale;
          f[row + j] = s;
          if (s > max) max = s;
        }
        for (let j = visible; j < S; j++) f[row + j] = 0; // causally hidden: weight 0
        if (max === -Infinity) {
          for (let j = 0; j < visible; j++) f[row + j] = 0;
          continue;
        }
        let sum = 0;
        for (let j = 0; j < visible; j++) {
          const e = Math.exp(f[row + j] - max);
          f[row + j] = e;
          sum += e;
        }
        const inv = 1 / sum;
        for (let j = 0; j < visible; j++) f[row + j] *= inv;
      }
    }
  },

  indexSelect(table, rows, cols, idx, n, out) {
    const f = heap.f32;
    const I = heap.i32;
    for (let i = 0; i < n; i++) {
      const r = I[idx + i];
      if (r < 0 || r >= rows) return i;
      f.copyWithin(out + i * cols, table + r * cols, table + (r + 1) * cols);
    }
    return -1;
  },

  indexAdd(dtable, cols, idx, n, dout, skip) {
    const f = heap.f32;
    const I = heap.i32;
    for (let i = 0; i < n; i++) {
      const r = I[idx + i];
      if (r === skip) continue;
      const t = dtable + r * cols;
      const g = dout + i * cols;
      for (let c = 0; c < cols; c++) f[t + c] += f[g + c];
    }
  },
};
