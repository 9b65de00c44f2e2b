/**
 * Every kernel the WebAssembly backend overrides, against the reference kernel (the specification) on
 * random inputs: odd sizes (SIMD tails), sizes that split over threads, strided, transposed and
 * broadcast operands, special values; with one thread and with two. Kernel-level cases call the backends
 * on raw heap offsets; op-level cases run the same Tensor expression under each backend.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import '../src/node.js'; // the Node set-up: worker threads, loom.wasm from the file system
import { type Backend, type BinaryOp, type RecurrentCell, type UnaryOp } from '../src/backends/backend.js';
import { RECURRENT_GATES, RECURRENT_SAVED } from '../src/backends/recurrent-layout.js';
import { referenceBackend } from '../src/backends/reference.js';
import { createWasmBackend, type WasmBackend } from '../src/backends/wasm/backend.js';
import { fromArray, randint, randn } from '../src/core/creation.js';
import { Generator } from '../src/core/random.js';
import { Tensor } from '../src/core/tensor.js';
import { assertClose } from './helpers/close.js';
import { normalValues, under } from './helpers/backends.js';

const gen = new Generator(1234);

/** A float32 tensor of n values: normal * scale, with the given specials mixed in. */
function data(n: number, scale = 1, specials: number[] = []): Tensor {
  return fromArray(normalValues(gen, n, scale, specials), [n]);
}

function copyOf(t: Tensor): Tensor {
  return fromArray(t.toArray(), [...t.shape], { dtype: t.dtype });
}

/** The backend's values match the reference's: allclose (test/helpers/close.ts), NaN where the reference has NaN. */
function close(got: ArrayLike<number>, want: ArrayLike<number>, what: string, rtol = 1e-5, atol = 1e-6): void {
  assertClose(got, want, { rtol, atol, equalNan: true }, what);
}


/** Runs `fn` under the reference and under `b` and compares the arrays it returns. */
function same(b: Backend, what: string, fn: () => ArrayLike<number>, rtol = 1e-5, atol = 1e-6): void {
  const want = under(referenceBackend, fn);
  const got = under(b, fn);
  close(got, want, what, rtol, atol);
}

const UNARY: UnaryOp[] = ['neg', 'exp', 'log', 'sqrt', 'abs', 'tanh', 'sigmoid', 'relu', 'gelu', 'gelu_tanh', 'sin', 'cos', 'sign', 'reciprocal', 'square', 'elu', 'log1p', 'erf'];
const BINARY: BinaryOp[] = ['add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum'];
const SIZES = [1, 3, 4, 7, 33, 1000, 70001];

for (const threads of [1, 2]) {
  describe(`wasm backend, ${threads} thread${threads > 1 ? 's' : ''}, against the reference kernels`, () => {
    let wasm: WasmBackend;
    before(async () => {
      wasm = await createWasmBackend({ threads });
    });
    after(() => wasm.close());

    test('unary and unaryBackward: every op, odd and large sizes, special values', () => {
      const specials = [0, -0, 1e-8, -1e-8, 0.6, -0.6, 20, -20, 90, -90, Infinity, -Infinity, NaN];
      for (const op of UNARY) {
        for (const n of SIZES) {
          // log/sqrt/reciprocal/log1p see positive inputs as well as their NaN/inf cases
          const positive = op === 'log' || op === 'sqrt' || op === 'reciprocal' || op === 'log1p';
          const x = positive ? data(n, 2, specials).abs().add(1e-3) : data(n, 3, specials);
          const dy = data(n);
          const y = Tensor.empty([n]);
          const dx = Tensor.empty([n]);
          const yr = Tensor.empty([n]);
          const dxr = Tensor.empty([n]);
          referenceBackend.unary(op, x.base, yr.base, n);
          wasm.unary(op, x.base, y.base, n);
          close(y.toArray(), yr.toArray(), `${op}(n=${n})`, 4e-6, 1e-6);
          referenceBackend.unaryBackward(op, x.base, yr.base, dy.base, dxr.base, n);
          wasm.unaryBackward(op, x.base, yr.base, dy.base, dx.base, n);
          close(dx.toArray(), dxr.toArray(), `${op}'(n=${n})`, 1e-5, 2e-6);
        }
      }
    });

    test('binary: same shape, scalar, row and column broadcast, strided, 4-d to 6-d, in place', () => {
      const shapes: [number[], number[]][] = [
        [[70001], [70001]], [[7], [7]], [[33], []], [[], [33]], [[2048, 65], [65]], [[300, 129], [300, 1]],
        [[4, 1, 5], [1, 3, 5]], [[2, 3, 4, 5], [3, 1, 5]], [[2, 3, 2, 3, 5], [2, 1, 5]], [[2, 3, 2, 3, 5, 2], [2, 1, 5, 1]], [[1, 1, 9], [9, 1, 1]],
      ];
      for (const op of BINARY) {
        for (const [sa, sb] of shapes) {
          const a = randn(sa, { generator: gen });
          const b = op === 'pow' ? randn(sb, { generator: gen }).abs() : randn(sb, { generator: gen });
          const base = op === 'pow' ? a.abs() : a;
          same(wasm, `${op} ${JSON.stringify(sa)} ${JSON.stringify(sb)}`, () => binaryOf(op, base, b).toArray());
        }
        // transposed and sliced operands
        const m = randn([37, 23], { generator: gen });
        const n = randn([23, 37], { generator: gen });
        same(wasm, `${op} transposed`, () => binaryOf(op, op === 'pow' ? m.abs() : m, n.T).toArray());
        same(wasm, `${op} sliced`, () => binaryOf(op, op === 'pow' ? m.abs().slice(0, 1, 30, 2) : m.slice(0, 1, 30, 2), n.T.slice(0, 1, 30, 2)).toArray());
        same(wasm, `${op} expanded`, () => binaryOf(op, op === 'pow' ? m.abs() : m, n.T.slice(1, 0, 1).expand(37, 23)).toArray());
      }
      // in place, as gradient accumulation does (out = a)
      for (const shape of [[70001], [65, 129]]) {
        const a = randn(shape, { generator: gen });
        const b = randn(shape, { generator: gen });
        const ar = copyOf(a);
        referenceBackend.binary('add', ar.operand, b.operand, ar.operand, shape);
        wasm.binary('add', a.operand, b.operand, a.operand, shape);
        close(a.toArray(), ar.toArray(), `add in place ${shape}`, 0, 0);
      }
    });

    test('copy: transposes, permutes, slices with steps, broadcasts, int32, casts', () => {
      const x = randn([6, 7, 9, 11], { generator: gen });
      const cases: [string, () => Tensor][] = [
        ['2-d transpose', () => x.reshape(42, 99).T],
        ['last two dims', () => x.transpose(2, 3)],
        ['(0, 2, 1, 3)', () => x.permute(0, 2, 1, 3)],
        ['(3, 1, 0, 2)', () => x.permute(3, 1, 0, 2)],
        ['stepped slice', () => x.slice(3, 1, 10, 3).slice(1, 0, 7, 2)],
        ['broadcast', () => x.select(0, 2).slice(0, 0, 1).expand(5, 9, 11)],
        ['5-d', () => x.reshape(2, 3, 7, 9, 11).permute(4, 3, 2, 1, 0)],
        ['6-d', () => x.reshape(2, 3, 7, 3, 3, 11).permute(5, 3, 1, 4, 2, 0)],
        ["Swin's qkv permute", () => randn([4, 49, 3, 3, 16], { generator: gen }).permute(2, 0, 3, 1, 4)],
        ['long row', () => randn([70001], { generator: gen }).slice(0, 0, null, 1)],
        ['big transpose', () => randn([300, 257], { generator: gen }).T],
      ];
      for (const [what, view] of cases) {
        const v = view();
        same(wasm, `copy ${what}`, () => v.contiguous().toArray(), 0, 0);
      }
      const ints = randint(-50, 50, [13, 17], { generator: gen });
      same(wasm, 'copy int32 transpose', () => ints.T.contiguous().toArray(), 0, 0);
      same(wasm, 'cast float to int', () => x.mul(10).int().toArray(), 0, 0);
      same(wasm, 'cast to bool', () => x.gt(0).toArray(), 0, 0);
    });

    test('reduce: sums over every dim of odd and large shapes; max, argmax', () => {
      const shapes = [[5], [2048, 1024], [3, 7, 37], [2048, 65], [129, 3], [1, 1000, 1]];
      for (const shape of shapes) {
        const x = randn(shape, { generator: gen });
        for (let d = 0; d < shape.length; d++) same(wasm, `sum(${d}) of ${shape}`, () => x.sum(d).toArray(), 1e-5, 1e-5);
        same(wasm, `sum() of ${shape}`, () => x.sum().toArray(), 1e-5, 1e-5);
        same(wasm, `max(-1) of ${shape}`, () => x.max(-1).toArray(), 0, 0);
        same(wasm, `argmax(0) of ${shape}`, () => x.argmax(0).toArray(), 0, 0);
      }
    });

    test('softmax and log-softmax, forward and backward, with masked entries and rows', () => {
      for (const [rows, cols] of [[1, 1], [3, 5], [64, 128], [300, 65], [9, 1031]]) {
        const x = randn([rows, cols], { generator: gen }).mul(4);
        const xa = x.toArray();
        for (let i = 0; i < xa.length; i += 5) xa[i] = -Infinity; // masked entries
        if (rows > 2) xa.fill(-Infinity, cols, 2 * cols); // a fully masked row
        const xm = fromArray(xa, [rows, cols]);
        const dy = randn([rows, cols], { generator: gen });
        for (const log of [false, true]) {
          const y = Tensor.empty([rows, cols]);
          const yr = Tensor.empty([rows, cols]);
          referenceBackend.softmax(xm.base, yr.base, rows, cols, log);
          wasm.softmax(xm.base, y.base, rows, cols, log);
          close(y.toArray(), yr.toArray(), `${log ? 'log' : ''}softmax ${rows}x${cols}`, 1e-5, 1e-6);
          const y2 = log ? Tensor.empty([rows, cols]) : yr;
          if (log) referenceBackend.softmax(x.base, y2.base, rows, cols, log); // finite values for the backward
          const dx = Tensor.empty([rows, cols]);
          const dxr = Tensor.empty([rows, cols]);
          referenceBackend.softmaxBackward(y2.base, dy.base, dxr.base, rows, cols, log);
          wasm.softmaxBackward(y2.base, dy.base, dx.base, rows, cols, log);
          close(dx.toArray(), dxr.toArray(), `${log ? 'log' : ''}softmax backward ${rows}x${cols}`, 1e-5, 1e-5);
        }
      }
    });

    test('scaledSoftmax: scale, causal mask with offsets, rows with nothing visible', () => {
      for (const [N, L, S, causal, off] of [[2, 5, 7, true, 0], [64, 128, 128, true, 0], [3, 4, 9, true, 5], [2, 6, 6, true, -3], [4, 3, 33, false, 0]] as const) {
        const x = randn([N, L, S], { generator: gen }).mul(3);
        const a = copyOf(x);
        const r = copyOf(x);
        referenceBackend.scaledSoftmax(r.base, N, L, S, 0.35, causal, off);
        wasm.scaledSoftmax(a.base, N, L, S, 0.35, causal, off);
        close(a.toArray(), r.toArray(), `scaledSoftmax N=${N} L=${L} S=${S} causal=${causal} offset=${off}`, 1e-5, 1e-6);
      }
    });

    test('layerNorm forward and backward, with and without weight and bias, odd widths', () => {
      for (const [rows, D] of [[1, 1], [7, 5], [2048, 128], [33, 37]]) {
        for (const affine of [true, false]) {
          const x = randn([rows, D], { generator: gen }).mul(2).add(0.5);
          const w = affine ? randn([D], { generator: gen }) : null;
          const b = affine ? randn([D], { generator: gen }) : null;
          const dy = randn([rows, D], { generator: gen });
          const out = (be: Backend) => {
            const y = Tensor.empty([rows, D]);
            const mean = Tensor.empty([rows]);
            const rstd = Tensor.empty([rows]);
            const dx = Tensor.empty([rows, D]);
            const dw = Tensor.empty([D]).fill_(0);
            const db = Tensor.empty([D]).fill_(0);
            be.layerNorm(x.base, w ? w.base : -1, b ? b.base : -1, y.base, mean.base, rstd.base, rows, D, 1e-5);
            be.layerNormBackward(x.base, w ? w.base : -1, mean.base, rstd.base, dy.base, dx.base, affine ? dw.base : -1, affine ? db.base : -1, rows, D);
            return { y: y.toArray(), mean: mean.toArray(), rstd: rstd.toArray(), dx: dx.toArray(), dw: dw.toArray(), db: db.toArray() };
          };
          const r = out(referenceBackend);
          const g = out(wasm);
          const what = `layerNorm ${rows}x${D} affine=${affine}`;
          close(g.y, r.y, `${what} y`, 1e-5, 1e-5);
          close(g.mean, r.mean, `${what} mean`, 1e-5, 1e-6);
          close(g.rstd, r.rstd, `${what} rstd`, 1e-5, 1e-6);
          close(g.dx, r.dx, `${what} dx`, 1e-4, 1e-5);
          close(g.dw, r.dw, `${what} dw`, 1e-4, 1e-4);
          close(g.db, r.db, `${what} db`, 1e-4, 1e-4);
        }
      }
    });

    test('indexSelect and indexAdd with repeated and skipped indices; an index out of range is reported', () => {
      const table = randn([65, 37], { generator: gen });
      const idx = randint(0, 65, [300], { generator: gen });
      const dout = randn([300, 37], { generator: gen });
      for (const skip of [-1, 3]) {
        const out = Tensor.empty([300, 37]);
        const outr = Tensor.empty([300, 37]);
        referenceBackend.indexSelect(table.base, 65, 37, idx.base, 300, outr.base);
        wasm.indexSelect(table.base, 65, 37, idx.base, 300, out.base);
        close(out.toArray(), outr.toArray(), 'indexSelect', 0, 0);
        const d = Tensor.empty([65, 37]).fill_(0);
        const dr = Tensor.empty([65, 37]).fill_(0);
        referenceBackend.indexAdd(dr.base, 37, idx.base, 300, dout.base, skip);
        wasm.indexAdd(d.base, 37, idx.base, 300, dout.base, skip);
        close(d.toArray(), dr.toArray(), `indexAdd skip=${skip}`, 0, 0);
      }
      const bad = fromArray([1, 65], [2], { dtype: 'int32' });
      const out = Tensor.empty([2, 37]);
      // the kernels return the position of the first bad index (the ops throw, naming it)
      assert.equal(wasm.indexSelect(table.base, 65, 37, bad.base, 2, out.base), 1);
      assert.equal(referenceBackend.indexSelect(table.base, 65, 37, bad.base, 2, out.base), 1);
      assert.throws(() => under(wasm, () => table.indexSelect(0, bad)), /index 65 is out of range for 65 rows/);
    });

    test('recurrentStep and recurrentStepBackward: every cell, odd H, masks, strided outputs, no biases', () => {
      const cells: RecurrentCell[] = ['rnn_tanh', 'rnn_relu', 'lstm', 'gru'];
      for (const cell of cells) {
        for (const [B, H, bias, masked] of [[3, 5, true, true], [32, 256, true, false], [2, 13, false, true]] as const) {
          const GH = RECURRENT_GATES[cell] * H;
          const A = RECURRENT_SAVED[cell] * H;
          const lstm = cell === 'lstm';
          const yStride = 2 * H + 1;
          const gx = randn([B, GH], { generator: gen });
          const gh = randn([B, GH], { generator: gen });
          const bih = randn([GH], { generator: gen });
          const bhh = randn([GH], { generator: gen });
          const h = randn([B, H], { generator: gen });
          const c = randn([B, H], { generator: gen });
          const mask = fromArray(Array.from({ length: B }, (_, i) => (masked && i === 1 ? 0 : 1)), [B], { dtype: 'bool' });
          const dy = randn([B, yStride], { generator: gen });
          const dh0 = randn([B, H], { generator: gen });
          const dc0 = randn([B, H], { generator: gen });
          const run = (be: Backend) => {
            const act = Tensor.empty([B, A]).fill_(7); // rows past their end leave it alone
            const hOut = Tensor.empty([B, H]);
            const cOut = Tensor.empty([B, H]);
            const y = Tensor.empty([B, yStride]).fill_(7);
            const dh = copyOf(dh0);
            const dc = copyOf(dc0);
            const dgx = Tensor.empty([B, GH]);
            const dgh = Tensor.empty([B, GH]);
            be.recurrentStep({
              cell, B, H, gx: gx.base, gh: gh.base, bih: bias ? bih.base : -1, bhh: bias ? bhh.base : -1, h: h.base,
              c: lstm ? c.base : -1, act: act.base, hOut: hOut.base, cOut: lstm ? cOut.base : -1, y: y.base + 1, yStride,
              mask: masked ? mask.base : -1,
            });
            be.recurrentStepBackward({
              cell, B, H, h: h.base, c: lstm ? c.base : -1, act: act.base, cOut: lstm ? cOut.base : -1, dy: dy.base + 1, yStride,
              mask: masked ? mask.base : -1, dh: dh.base, dc: lstm ? dc.base : -1, dgx: dgx.base, dgh: dgh.base,
            });
            return [act, hOut, lstm ? cOut : null, y, dh, lstm ? dc : null, dgx, dgh].map((t) => t?.toArray() ?? new Float32Array());
          };
          const r = run(referenceBackend);
          const g = run(wasm);
          ['act', 'hOut', 'cOut', 'y', 'dh', 'dc', 'dgx', 'dgh'].forEach((name, i) => close(g[i], r[i], `${cell} B=${B} H=${H} ${name}`, 2e-5, 2e-6));
        }
      }
    });

    test('adam and sgd: the same bits as the reference update, every option', () => {
      const n = 70001;
      const configs = [
        { decoupled: false, weightDecay: 0, maximize: false, amsgrad: false },
        { decoupled: false, weightDecay: 0.1, maximize: true, amsgrad: true },
        { decoupled: true, weightDecay: 0.01, maximize: false, amsgrad: false },
      ];
      for (const cfg of configs) {
        const state = () => ({ p: data(n), g: data(n), m: data(n, 0.1), v: data(n, 0.1).abs(), vmax: data(n, 0.1).abs() });
        const s = state();
        const r = { p: copyOf(s.p), g: s.g, m: copyOf(s.m), v: copyOf(s.v), vmax: copyOf(s.vmax) };
        for (const [be, t] of [[referenceBackend, r], [wasm, s]] as const) {
          for (let step = 1; step <= 3; step++) {
            be.adam({
              p: t.p.base, grad: t.g.base, m: t.m.base, v: t.v.base, vmax: cfg.amsgrad ? t.vmax.base : -1, n, step,
              lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: cfg.weightDecay, maximize: cfg.maximize, decoupled: cfg.decoupled,
            });
          }
        }
        for (const k of ['p', 'm', 'v', 'vmax'] as const) close(s[k].toArray(), r[k].toArray(), `adam ${JSON.stringify(cfg)} ${k}`, 0, 0);
      }
      for (const cfg of [{ momentum: 0, nesterov: false, weightDecay: 0 }, { momentum: 0.9, nesterov: true, weightDecay: 0.1 }, { momentum: 0.5, nesterov: false, weightDecay: 0 }]) {
        const p = data(n);
        const g = data(n);
        const buf = data(n);
        const pr = copyOf(p);
        const bufr = copyOf(buf);
        for (const [be, pp, bb] of [[referenceBackend, pr, bufr], [wasm, p, buf]] as const) {
          for (let step = 1; step <= 3; step++) {
            be.sgd({ p: pp.base, grad: g.base, buf: cfg.momentum ? bb.base : -1, n, first: step === 1, lr: 0.1, momentum: cfg.momentum, dampening: 0, weightDecay: cfg.weightDecay, nesterov: cfg.nesterov, maximize: step === 2 });
          }
        }
        close(p.toArray(), pr.toArray(), `sgd ${JSON.stringify(cfg)} p`, 0, 0);
        close(buf.toArray(), bufr.toArray(), `sgd ${JSON.stringify(cfg)} buf`, 0, 0);
      }
      const x = data(n);
      close([wasm.sumSquares(x.base, n)], [referenceBackend.sumSquares(x.base, n)], 'sumSquares', 1e-12, 0);
    });

    test('matmul: transposes, batches (whole products per thread), broadcast batch, accumulate', () => {
      const a = randn([64, 37, 29], { generator: gen });
      const b = randn([64, 29, 41], { generator: gen });
      same(wasm, 'batched', () => a.matmul(b).toArray(), 1e-5, 1e-5);
      same(wasm, 'batched, transposed', () => a.transpose(1, 2).matmul(a).toArray(), 1e-5, 1e-5);
      same(wasm, 'broadcast batch', () => a.matmul(b.select(0, 3)).toArray(), 1e-5, 1e-5);
      const row = randn([1, 300], { generator: gen });
      const w = randn([300, 77], { generator: gen });
      same(wasm, 'one row', () => row.matmul(w).toArray(), 1e-5, 1e-5);
      same(wasm, 'one row, transposed weight', () => row.matmul(w.T.contiguous().T).toArray(), 1e-5, 1e-5);
      const m = randn([130, 70], { generator: gen });
      const c0 = randn([130, 130], { generator: gen });
      const c = copyOf(c0);
      const cr = copyOf(c0);
      const op = (off: number) => ({ off, batchStride: 0, rowStride: 70, colStride: 1 });
      const opT = (off: number) => ({ off, batchStride: 0, rowStride: 1, colStride: 70 });
      referenceBackend.matmul(1, 130, 130, 70, op(m.base), opT(m.base), { off: cr.base, batchStride: 0, rowStride: 130, colStride: 1 }, true);
      wasm.matmul(1, 130, 130, 70, op(m.base), opT(m.base), { off: c.base, batchStride: 0, rowStride: 130, colStride: 1 }, true);
      close(c.toArray(), cr.toArray(), 'accumulate', 1e-5, 1e-5);
    });
  });
}

function binaryOf(op: BinaryOp, a: Tensor, b: Tensor): Tensor {
  return a[op as 'add'](b);
}
