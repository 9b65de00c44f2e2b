/**
 * The kernel declarations (src/backends/wasm/kernels.ts): each one against loom.wasm (the kernel is
 * there with the declared arity, and nothing is exported undeclared), the marshalling of named
 * arguments, the compile-time checks, and every range kernel dispatched through the Backend method it
 * implements on one and on two threads: the two-thread call must really split (its declared grain),
 * give the one-thread result bit for bit, and match the reference. (test/backends.test.ts covers each
 * method's special cases; test/wasm-matmul.test.ts the sgemm kernel itself.)
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import '../src/node.js'; // the Node set-up: worker threads, loom.wasm from the file system
import { type Backend } from '../src/backends/backend.js';
import { RECURRENT_GATES, RECURRENT_SAVED } from '../src/backends/recurrent-layout.js';
import { referenceBackend } from '../src/backends/reference.js';
import { createWasmBackend, type WasmBackend } from '../src/backends/wasm/backend.js';
import type { SignatureProblems } from '../src/backends/wasm/kernel-spec.js';
import { arity, KERNELS, marshal, RANGE_KERNELS, splitOf, type KernelArgs, type KernelName, type RangeKernelName } from '../src/backends/wasm/kernels.js';
import { compileKernels, defaultWasmUrl } from '../src/backends/wasm/module.js';
import type { WasmSignatures } from '../src/backends/wasm/signatures.generated.js';
import { heap } from '../src/core/memory.js';
import { fromArray, randn } from '../src/core/creation.js';
import { Generator } from '../src/core/random.js';
import { Tensor } from '../src/core/tensor.js';

// Compile-time checks: this file does not build if they stop catching mistakes.
type IsNever<T> = [T] extends [never] ? true : false;
const declarationsAgree: IsNever<SignatureProblems<typeof KERNELS, WasmSignatures>> = true;
const swapped = { softmax: { ...KERNELS.softmax, args: ['x: f32*', 'y: f32*', 'log: bool', 'cols: i32'] as const } };
const swapCaught: IsNever<SignatureProblems<Omit<typeof KERNELS, 'softmax'> & typeof swapped, WasmSignatures>> = false;
const floatForInt = { softmax: { ...KERNELS.softmax, args: ['x: f32*', 'y: f32*', 'cols: f32', 'log: bool'] as const } };
const kindCaught: IsNever<SignatureProblems<Omit<typeof KERNELS, 'softmax'> & typeof floatForInt, WasmSignatures>> = false;
const undeclared: IsNever<SignatureProblems<Omit<typeof KERNELS, 'adam'>, WasmSignatures>> = false;
// @ts-expect-error: a missing argument (cols)
marshal('softmax', { x: 0, y: 0, log: true });
// @ts-expect-error: a flag given as a number
marshal('softmax', { x: 0, y: 0, cols: 3, log: 1 });
// @ts-expect-error: a misspelt argument
marshal('softmax', { x: 0, y: 0, colls: 3, log: true });

test('kernel declarations: the compile-time checks hold', () => {
  assert.deepEqual([declarationsAgree, swapCaught, kindCaught, undeclared], [true, false, false, false]);
});

test('kernel declarations: every declared kernel is in loom.wasm and loom-relaxed.wasm with its arity, and every export is declared', async () => {
  for (const simd of ['plain', 'relaxed'] as const) {
    const module = await compileKernels(defaultWasmUrl(simd));
    const exports = WebAssembly.Module.exports(module).map((e) => e.name).sort();
    assert.deepEqual(exports, Object.keys(KERNELS).sort(), `${simd} build's exports vs kernels.ts declarations`);
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 65536, shared: true });
    const instance = new WebAssembly.Instance(module, { env: { memory } });
    for (const name of Object.keys(KERNELS) as KernelName[]) {
      const fn = instance.exports[name] as (...a: number[]) => unknown;
      assert.equal(fn.length, arity(name), `${name}: arguments in the ${simd} build vs declared`);
    }
  }
  assert.equal(arity('softmax'), 7); // start, end, part, x, y, cols, log
});

test('kernel declarations: named arguments become the positional ones, in order and converted', () => {
  // element offsets -> bytes (f32 x4, u8 x1), -1 -> 0 for optional pointers, flags -> 1 / 0, numbers as they are
  assert.deepEqual(marshal('softmax', { log: true, cols: 7, y: 100, x: 10 }), [40, 400, 7, 1]);
  assert.deepEqual(
    marshal('recurrentStep', { cell: 2, H: 5, gx: 1, gh: 2, bih: -1, bhh: 3, h: 4, c: -1, act: 5, hOut: 6, cOut: -1, y: 7, yStride: 9, mask: 11 }),
    [2, 5, 4, 8, 0, 12, 16, 0, 20, 24, 0, 28, 9, 11],
  );
  assert.deepEqual(marshal('sgd', { p: 1, grad: 2, buf: -1, first: false, lr: 0.1, momentum: 0.9, dampening: 0, weightDecay: 0.5, nesterov: true, maximize: false }), [4, 8, 0, 0, 0.1, 0.9, 0, 0.5, 1, 0]);
  assert.deepEqual(marshal('sgemmBatch', {
    a: 1, b: 2, c: 3, M: 4, N: 5, K: 6, lda: 6, ldb: 5, ldc: 5, transA: false, transB: true, alpha: 1, beta: 0, scratch: 64, strideA: 96, strideB: 120, strideC: 80,
  }), [4, 8, 12, 4, 5, 6, 6, 5, 5, 0, 1, 1, 0, 64, 96, 120, 80]);
  assert.deepEqual(splitOf('unary', { op: 1, x: 0, y: 0 }), { grain: 4096, align: 16, partsPerThread: 2 }); // exp: an expensive op
  assert.deepEqual(splitOf('softmax', { x: 0, y: 0, cols: 100, log: false }), { grain: 164, align: 1, partsPerThread: 2 });
  // each column part of sgemm packs all of A: one part a thread
  const product = { a: 0, b: 0, c: 0, M: 64, N: 4096, K: 64, lda: 64, ldb: 4096, ldc: 4096, transA: false, transB: false, alpha: 1, beta: 0, scratch: 0 };
  assert.deepEqual(splitOf('sgemmCols', product), { grain: 16, align: 16, partsPerThread: 1 });
});

const gen = new Generator(77);
/**
 * Every tensor the cases make, kept reachable: the cases hold only their heap addresses (`t.base`), and
 * a tensor the collector finds unreachable gives its block to the next allocation.
 */
const pinned: Tensor[] = [];
const pin = (t: Tensor): Tensor => (pinned.push(t), t);
const normal = (shape: number[], scale = 1): Tensor => pin(randn(shape, { generator: gen }).mul(scale));
const f32 = (t: Tensor, strides: number[] = [1]) => ({ kind: 'f32' as const, off: t.base, strides });
const i32 = (values: ArrayLike<number>, shape: number[]): Tensor => pin(fromArray(Int32Array.from(values), shape, { dtype: 'int32' }));
const empty = (shape: number[], dtype?: 'int32' | 'bool'): Tensor => pin(Tensor.empty(shape, dtype));
const zeros = (shape: number[]): Tensor => empty(shape).fill_(0);
/** The heap array a tensor's elements live in. */
const arrayOf = (t: Tensor) => (t.dtype === 'float32' ? heap.f32 : t.dtype === 'int32' ? heap.i32 : heap.u8);

/** One call of a Backend method that a range kernel implements, at a size the kernel's grain splits over two threads. */
interface Case {
  kernel: RangeKernelName;
  /** Everything the call writes: restored before each run, compared after. */
  outputs: Tensor[];
  run(b: Backend): void;
  rtol?: number;
  atol?: number;
}

/** The cases, built once the heap holds their inputs. */
function cases(): Case[] {
  const n = 70001; // above twice every elementwise grain
  const x = normal([n]);
  const y = empty([n]);
  const dy = normal([n]);
  const dx = empty([n]);
  const sx = x.sigmoid();
  const cs: Case[] = [
    { kernel: 'unary', outputs: [y], run: (b) => b.unary('tanh', x.base, y.base, n) },
    { kernel: 'unaryBackward', outputs: [dx], run: (b) => b.unaryBackward('sigmoid', x.base, sx.base, dy.base, dx.base, n) },
    { kernel: 'binary1', outputs: [y], run: (b) => b.binary('div', f32(x), f32(dy, [0]), f32(y), [n]) },
    { kernel: 'copy1', outputs: [y], run: (b) => b.copy(f32(x, [1]), f32(y, [1]), [n]) },
  ];
  {
    const a = normal([4, 64, 256]);
    const row = normal([256]);
    const out = empty([4, 64, 256]);
    cs.push({ kernel: 'binary4', outputs: [out], run: (b) => b.binary('mul', f32(a, [16384, 256, 1]), f32(row, [0, 0, 1]), f32(out, [16384, 256, 1]), [4, 64, 256]) });
    const [src, t] = [normal([2, 256, 256]), empty([2, 256, 256])]; // t = src transposed in the last two dims
    cs.push({ kernel: 'copy4', outputs: [t], run: (b) => b.copy(f32(src, [65536, 1, 256]), f32(t, [65536, 256, 1]), [2, 256, 256]) });
    const sums = empty([256]);
    cs.push({ kernel: 'reduceSum', outputs: [sums], run: (b) => b.reduce('sum', f32(a), f32(sums), 256, 256, 1) });
  }
  {
    const [rows, cols] = [600, 65];
    const s = normal([rows, cols], 3);
    const p = empty([rows, cols]);
    const g = normal([rows, cols]);
    const ds = empty([rows, cols]);
    referenceBackend.softmax(s.base, p.base, rows, cols, false);
    for (const log of [false, true]) cs.push({ kernel: 'softmax', outputs: [ds], run: (b) => b.softmax(s.base, ds.base, rows, cols, log) });
    cs.push({ kernel: 'softmaxBackward', outputs: [ds], run: (b) => b.softmaxBackward(p.base, g.base, ds.base, rows, cols, false) });
    const [N, L, S] = [4, 64, 128];
    const scores = normal([N, L, S], 2);
    cs.push({ kernel: 'scaledSoftmax', outputs: [scores], run: (b) => b.scaledSoftmax(scores.base, N, L, S, 0.125, true, 0) });
    // scale 1 (scores that maskScores already scaled): the kernel skips the scaling pass
    cs.push({ kernel: 'scaledSoftmax', outputs: [scores], run: (b) => b.scaledSoftmax(scores.base, N, L, S, 1, false, 0) });
  }
  {
    const [rows, D] = [300, 128];
    const xs = normal([rows, D], 2);
    const [w, bias] = [normal([D]), normal([D])];
    const [ys, mean, rstd, dys, dxs] = [empty([rows, D]), empty([rows]), empty([rows]), normal([rows, D]), empty([rows, D])];
    const [dw, db] = [empty([D]).fill_(0), empty([D]).fill_(0)];
    referenceBackend.layerNorm(xs.base, w.base, bias.base, ys.base, mean.base, rstd.base, rows, D, 1e-5);
    cs.push(
      { kernel: 'layerNorm', outputs: [ys, mean, rstd], run: (b) => b.layerNorm(xs.base, w.base, bias.base, ys.base, mean.base, rstd.base, rows, D, 1e-5), atol: 1e-5 },
      { kernel: 'layerNormBackward', outputs: [dxs], run: (b) => b.layerNormBackward(xs.base, w.base, mean.base, rstd.base, dys.base, dxs.base, -1, -1, rows, D), rtol: 1e-4, atol: 1e-5 },
      { kernel: 'layerNormParamGrad', outputs: [dw, db], run: (b) => b.layerNormBackward(xs.base, w.base, mean.base, rstd.base, dys.base, -1, dw.base, db.base, rows, D), rtol: 1e-4, atol: 1e-4 },
    );
  }
  {
    const [p, grad, m, v, buf] = [normal([n]), normal([n]), normal([n], 0.1), pin(normal([n], 0.1).abs()), normal([n])];
    const vmax = pin(normal([n], 0.1).abs());
    const adam = { p: p.base, grad: grad.base, m: m.base, v: v.base, vmax: -1, n, step: 3, lr: 1e-3, betas: [0.9, 0.999] as const, eps: 1e-8, weightDecay: 0.01, maximize: false, decoupled: true };
    // Adam's L2 weight decay, amsgrad and maximize: the kernel's other branches
    const amsgrad = { ...adam, vmax: vmax.base, weightDecay: 0.1, maximize: true, decoupled: false };
    const sgd = { p: p.base, grad: grad.base, buf: buf.base, n, first: false, lr: 0.1, momentum: 0.9, dampening: 0.1, weightDecay: 0.01, nesterov: true, maximize: false };
    cs.push(
      { kernel: 'adam', outputs: [p, m, v], run: (b) => b.adam(adam), rtol: 0, atol: 0 },
      { kernel: 'adam', outputs: [p, m, v, vmax], run: (b) => b.adam(amsgrad), rtol: 0, atol: 0 },
      { kernel: 'sgd', outputs: [p, buf], run: (b) => b.sgd(sgd), rtol: 0, atol: 0 },
    );
  }
  {
    const [B, H] = [1024, 8];
    const G = RECURRENT_GATES.lstm;
    const [gx, gh, bih, bhh, h, c] = [normal([B, G * H]), normal([B, G * H]), normal([G * H]), normal([G * H]), normal([B, H]), normal([B, H])];
    const [act, hOut, cOut] = [empty([B, RECURRENT_SAVED.lstm * H]), empty([B, H]), empty([B, H])];
    const step = { cell: 'lstm' as const, B, H, gx: gx.base, gh: gh.base, bih: bih.base, bhh: bhh.base, h: h.base, c: c.base, act: act.base, hOut: hOut.base, cOut: cOut.base, y: -1, yStride: 0, mask: -1 };
    referenceBackend.recurrentStep(step);
    const [dh, dc, dgx, dgh] = [normal([B, H]), normal([B, H]), empty([B, G * H]), empty([B, G * H])];
    const back = { ...step, dh: dh.base, dc: dc.base, dy: -1, dgx: dgx.base, dgh: dgh.base };
    cs.push(
      { kernel: 'recurrentStep', outputs: [act, hOut, cOut], run: (b) => b.recurrentStep(step) },
      { kernel: 'recurrentStepBackward', outputs: [dh, dc, dgx, dgh], run: (b) => b.recurrentStepBackward(back), atol: 1e-5 },
    );
  }
  {
    const [a, bm, cm] = [normal([64, 32, 32]), normal([64, 32, 32]), empty([64, 32, 32])];
    const mat = (t: Tensor, M: number, N: number) => ({ off: t.base, batchStride: M * N, rowStride: N, colStride: 1 });
    cs.push({ kernel: 'sgemmBatch', outputs: [cm], run: (b) => b.matmul(64, 32, 32, 32, mat(a, 32, 32), mat(bm, 32, 32), mat(cm, 32, 32), false), atol: 1e-5 });
    const [a2, b2, c2] = [normal([130, 64]), normal([64, 64]), empty([130, 64])];
    cs.push({ kernel: 'sgemmRows', outputs: [c2], run: (b) => b.matmul(1, 130, 64, 64, mat(a2, 130, 64), mat(b2, 64, 64), mat(c2, 130, 64), false), atol: 1e-5 });
    const [a3, b3, c3] = [normal([8, 64]), normal([64, 512]), empty([8, 512])];
    cs.push({ kernel: 'sgemmCols', outputs: [c3], run: (b) => b.matmul(1, 8, 512, 64, mat(a3, 8, 64), mat(b3, 64, 512), mat(c3, 8, 512), false), atol: 1e-5 });
    // 64 rows but N >= 4 M (a convolution's im2col product): split by columns too
    const [a4, b4, c4] = [normal([64, 48]), normal([48, 1040]), empty([64, 1040])];
    cs.push({ kernel: 'sgemmCols', outputs: [c4], run: (b) => b.matmul(1, 64, 1040, 48, mat(a4, 64, 48), mat(b4, 48, 1040), mat(c4, 64, 1040), false), atol: 1e-5 });
  }
  cs.push(...selectionCases(), ...sequenceCases(), ...visionCases(), ...batchNormCases());
  return cs;
}

/** unaryF64 and unaryF64Backward, compare4, where4, fill32, reduceExtreme, rmsprop. */
function selectionCases(): Case[] {
  const n = 70001;
  const [x, dy, y, dx] = [normal([n]), normal([n]), empty([n]), empty([n])];
  const ex = empty([n]);
  referenceBackend.unary('elu', x.base, ex.base, n);
  const [a, row] = [normal([4, 64, 256]), normal([256])];
  const [mask, out] = [empty([4, 64, 256], 'bool'), empty([4, 64, 256])];
  const u8 = (t: Tensor, strides: number[]) => ({ kind: 'u8' as const, off: t.base, strides });
  const cond = empty([4, 64, 256], 'bool');
  referenceBackend.binary('gt', f32(a, [16384, 256, 1]), f32(row, [0, 0, 1]), u8(cond, [16384, 256, 1]), [4, 64, 256]);
  const [maxes, argmins] = [empty([256]), empty([4, 256], 'int32')]; // argmin over dim 1 of (4, 64, 256)
  const [p, grad, squareAvg, buf, gAvg] = [normal([n]), normal([n]), pin(normal([n], 0.1).abs()), normal([n]), normal([n], 0.01)];
  const rms = { p: p.base, grad: grad.base, squareAvg: squareAvg.base, buf: buf.base, gAvg: gAvg.base, n, lr: 1e-2, alpha: 0.99, eps: 1e-8, weightDecay: 0.01, momentum: 0.9, maximize: false };
  const strides = [16384, 256, 1];
  return [
    { kernel: 'unaryF64', outputs: [y], run: (b) => b.unary('elu', x.base, y.base, n), rtol: 0, atol: 0 },
    { kernel: 'unaryF64Backward', outputs: [dx], run: (b) => b.unaryBackward('elu', x.base, ex.base, dy.base, dx.base, n), rtol: 0, atol: 0 },
    { kernel: 'compare4', outputs: [mask], run: (b) => b.binary('le', f32(a, strides), f32(row, [0, 0, 1]), u8(mask, strides), [4, 64, 256]), rtol: 0, atol: 0 },
    { kernel: 'where4', outputs: [out], run: (b) => b.where(u8(cond, strides), f32(a, strides), f32(row, [0, 0, 1]), f32(out, strides), [4, 64, 256]), rtol: 0, atol: 0 },
    { kernel: 'fill32', outputs: [y], run: (b) => b.fill(f32(y), n, -0.375), rtol: 0, atol: 0 },
    { kernel: 'reduceExtreme', outputs: [maxes], run: (b) => b.reduce('max', f32(a), f32(maxes), 256, 256, 1), rtol: 0, atol: 0 },
    { kernel: 'reduceExtreme', outputs: [argmins], run: (b) => b.reduce('argmin', f32(a), { kind: 'i32', off: argmins.base, strides: [1] }, 4, 64, 256), rtol: 0, atol: 0 },
    { kernel: 'rmsprop', outputs: [p, squareAvg, buf, gAvg], run: (b) => b.rmsprop(rms), rtol: 0, atol: 0 },
  ];
}

/** maskScores, linearAttention and its backward, nllLossBackward. */
function sequenceCases(): Case[] {
  const [L, S] = [32, 128];
  const scores = normal([2, 4, L, S], 2);
  const causal = empty([L, S], 'bool');
  for (let i = 0; i < L; i++) for (let j = 0; j < S; j++) heap.u8[causal.base + i * S + j] = j > i + 96 ? 1 : 0;
  const bias = normal([2, 1, 1, S]);
  const masks = [{ bool: true, off: causal.base, strides: [0, 0, S, 1] }, { bool: false, off: bias.base, strides: [S, 0, 0, 1] }];
  const [N, T, d, e] = [32, 16, 8, 8];
  // positive features, as after linear attention's feature map, keep the denominators away from 0
  const [q, k, v, g] = [pin(normal([N, T, d]).abs()), pin(normal([N, T, d]).abs()), normal([N, T, e]), normal([N, T, e])];
  const [y, dq, dk, dv] = [empty([N, T, e]), empty([N, T, d]), empty([N, T, d]), empty([N, T, e])];
  const sweep = { q: q.base, k: k.base, v: v.base, N, T, d, e, eps: 1e-6, S0: null, z0: null };
  const [rows, C, D] = [1024, 10, 64];
  const target = i32(Array.from({ length: rows * D }, (_, i) => (i * 7) % (C + 1) === C ? -100 : (i * 7) % (C + 1)), [rows, D]);
  const [w, gl, gx] = [pin(normal([C]).abs()), normal([rows * D]), zeros([rows, C, D])];
  const block = { x: -1, target: target.base, weight: w.base, N: rows, C, D, ignoreIndex: -100 };
  return [
    { kernel: 'maskScores', outputs: [scores], run: (b) => b.maskScores(scores.base, [2, 4], L, S, 0.125, masks), rtol: 0, atol: 0 },
    { kernel: 'linearAttention', outputs: [y], run: (b) => b.linearAttention(sweep, y.base, null), rtol: 0, atol: 0 },
    { kernel: 'linearAttentionBackward', outputs: [dq, dk, dv], run: (b) => b.linearAttentionBackward(sweep, { g: g.base, dq: dq.base, dk: dk.base, dv: dv.base }), rtol: 0, atol: 0 },
    { kernel: 'nllLossBackward', outputs: [gx], run: (b) => b.nllLossBackward(block, gl.base, gx.base, 0.5, true), rtol: 0, atol: 0 },
  ];
}

/** The convolution and pooling kernels. */
function visionCases(): Case[] {
  // a 3x3 convolution with zero padding 1, stride 1: input row (or column) o + k - 1 of kernel row k
  const [N, C, H, W, K] = [16, 8, 14, 14, 3];
  const pad = (size: number) => i32(Array.from({ length: K * size }, (_, i) => {
    const src = (i % size) + Math.floor(i / size) - 1;
    return src >= 0 && src < size ? src : -1;
  }), [K, size]);
  const [rowSrc, colSrc] = [pad(H), pad(W)];
  const g = { N, C, H, W, kH: K, kW: K, OH: H, OW: W, rowSrc: rowSrc.base, colSrc: colSrc.base };
  const [x, cols, dcols, dx] = [normal([N, C, H, W]), empty([C * K * K, N * H * W]), normal([C * K * K, N * H * W]), zeros([N, C, H, W])];
  const [n, O, P] = [8, 16, 256];
  const [y, bias, out, dout, dy, db] = [normal([O, n, P]), normal([O]), empty([n, O, P]), normal([n, O, P]), empty([O, n, P]), empty([O])];
  // 2x2 windows, stride 2, over 512 planes of 16 x 16
  const [planes, PH, PW, OH, OW] = [512, 16, 16, 8, 8];
  const window = { kH: 2, kW: 2, sH: 2, sW: 2, pH: 0, pW: 0, dH: 1, dW: 1, OH, OW };
  const px = normal([planes, PH, PW]);
  const [py, idx, pdy, pdx] = [empty([planes, OH, OW]), empty([planes, OH, OW], 'int32'), normal([planes, OH, OW]), zeros([planes, PH, PW])];
  referenceBackend.maxPool(px.base, py.base, idx.base, planes, PH, PW, window);
  const win = i32(Array.from({ length: OH * OW }, (_, q) => {
    const [oh, ow] = [Math.floor(q / OW), q % OW];
    return [2 * oh, 2 * oh + 2, 2 * ow, 2 * ow + 2, 4];
  }).flat(), [OH * OW, 5]);
  return [
    { kernel: 'im2col', outputs: [cols], run: (b) => b.im2col(x.base, cols.base, g), rtol: 0, atol: 0 },
    { kernel: 'col2im', outputs: [dx], run: (b) => b.col2im(dcols.base, dx.base, g), rtol: 0, atol: 0 },
    { kernel: 'convOutput', outputs: [out], run: (b) => b.convOutput(y.base, bias.base, out.base, n, O, P), rtol: 0, atol: 0 },
    { kernel: 'convOutputBackward', outputs: [dy, db], run: (b) => b.convOutputBackward(dout.base, dy.base, db.base, n, O, P), rtol: 0, atol: 0 },
    { kernel: 'maxPool', outputs: [py, idx], run: (b) => b.maxPool(px.base, py.base, idx.base, planes, PH, PW, window), rtol: 0, atol: 0 },
    { kernel: 'maxPoolBackward', outputs: [pdx], run: (b) => b.maxPoolBackward(pdy.base, idx.base, pdx.base, planes, PH * PW, OH * OW), rtol: 0, atol: 0 },
    { kernel: 'avgPool', outputs: [py], run: (b) => b.avgPool(px.base, py.base, planes, PH, PW, OH * OW, win.base), rtol: 0, atol: 0 },
    { kernel: 'avgPoolBackward', outputs: [pdx], run: (b) => b.avgPoolBackward(pdy.base, pdx.base, planes, PH, PW, OH * OW, win.base), rtol: 0, atol: 0 },
  ];
}

/** The BatchNorm kernels over x (8, 16, 256). */
function batchNormCases(): Case[] {
  const [N, C, S] = [8, 16, 256];
  const x = normal([N, C, S], 2);
  const [w, b, dy] = [normal([C]), normal([C]), normal([N, C, S])];
  const [mean, rstd, variance, y, dx, dw, db] = [empty([C]), empty([C]), empty([C]), empty([N, C, S]), empty([N, C, S]), empty([C]), empty([C])];
  referenceBackend.batchNormStats(x.base, mean.base, rstd.base, variance.base, N, C, S, 1e-5);
  const R = 40000; // running statistics of more channels than the grain, so that they split
  const [rm, rv, bm, bv] = [normal([R]), pin(normal([R]).abs()), normal([R]), pin(normal([R]).abs())];
  return [
    { kernel: 'batchNormStats', outputs: [mean, rstd, variance], run: (k) => k.batchNormStats(x.base, mean.base, rstd.base, variance.base, N, C, S, 1e-5), rtol: 0, atol: 0 },
    { kernel: 'batchNormApply', outputs: [y], run: (k) => k.batchNormApply(x.base, mean.base, rstd.base, w.base, b.base, y.base, N, C, S), rtol: 0, atol: 0 },
    { kernel: 'batchNormBackward', outputs: [dx, dw, db], run: (k) => k.batchNormBackward(x.base, w.base, mean.base, rstd.base, dy.base, dx.base, dw.base, db.base, N, C, S, true), rtol: 0, atol: 0 },
    { kernel: 'batchNormRunningUpdate', outputs: [rm, rv], run: (k) => k.batchNormRunningUpdate(rm.base, rv.base, bm.base, bv.base, R, N * S, 0.1), rtol: 0, atol: 0 },
  ];
}

for (const simd of ['plain', 'relaxed'] as const) describe(`range kernels of the ${simd} build on one and two threads against the reference`, () => {
  let one: WasmBackend;
  let two: WasmBackend;
  /** The range kernel calls of `two`'s pool since the last reset, with the parts each was split into. */
  let calls: { kernel: RangeKernelName; parts: number }[] = [];
  before(async () => {
    one = await createWasmBackend({ threads: 1, simd });
    two = await createWasmBackend({ threads: 2, simd });
    assert.deepEqual([one.simd, two.simd], [simd, simd]);
    const pool = two.pool;
    const run = pool.run.bind(pool);
    pool.run = <K extends RangeKernelName>(kernel: K, n: number, args: KernelArgs<K>) => {
      calls.push({ kernel, parts: pool.partsFor(n, splitOf(kernel, args).grain) });
      run(kernel, n, args);
    };
  });
  after(async () => {
    await one.close();
    await two.close();
  });

  test('every range kernel: split on two threads, the one-thread bits, close to the reference', () => {
    const covered = new Set<RangeKernelName>();
    for (const cs of cases()) {
      const saved = cs.outputs.map((t) => t.toArray().slice());
      const runOn = (b: Backend): Float32Array[] => {
        cs.outputs.forEach((t, i) => arrayOf(t).set(saved[i], t.base));
        cs.run(b);
        return cs.outputs.map((t) => Float32Array.from(t.toArray()));
      };
      const want = runOn(referenceBackend);
      const got1 = runOn(one);
      calls = [];
      const got2 = runOn(two);
      const call = calls.find((c) => c.kernel === cs.kernel);
      assert.ok(call, `${cs.kernel}: the Backend method did not dispatch it (dispatched: ${calls.map((c) => c.kernel).join(', ') || 'nothing'})`);
      assert.equal(call.parts, 2, `${cs.kernel}: parts on two threads`);
      covered.add(cs.kernel);
      const [rtol, atol] = [cs.rtol ?? 1e-5, cs.atol ?? 1e-6];
      for (let o = 0; o < want.length; o++) {
        for (let i = 0; i < want[o].length; i++) {
          const [w, g1, g2] = [want[o][i], got1[o][i], got2[o][i]];
          if (!Object.is(g1, g2)) assert.fail(`${cs.kernel} output ${o}[${i}]: ${g2} on two threads, ${g1} on one`);
          if (!Object.is(g1, w) && !(Math.abs(g1 - w) <= atol + rtol * Math.abs(w))) assert.fail(`${cs.kernel} output ${o}[${i}]: got ${g1}, reference ${w}`);
        }
      }
    }
    // simdPeak implements no Backend method: the bench's test runs it (test/bench-peak.test.ts)
    const measurements = RANGE_KERNELS.filter((k) => KERNELS[k].implements === null);
    assert.deepEqual(RANGE_KERNELS.filter((k) => !covered.has(k) && !measurements.includes(k)), [], 'range kernels without a case here');
  });
});
