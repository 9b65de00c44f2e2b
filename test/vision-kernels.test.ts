/**
 * The vision kernels of the WebAssembly backend (as/conv.ts, as/pool.ts, as/batchnorm.ts) against the
 * reference kernels (the specification), with one thread and with two, on random inputs of odd sizes
 * and every geometry the layers produce: padding modes, strides, dilation, groups, ceil_mode,
 * count_include_pad, a divisor override, adaptive windows, BatchNorm in training and evaluation. (Every
 * vision parity case runs on the reference and on wasm with 1 and 2 threads in test/parity.test.ts.)
 *
 * Exactness: im2col, col2im, the convolution's output layout and the pooling kernels do the
 * reference's arithmetic element by element, so they must match bit for bit. BatchNorm and the bias
 * gradient reassociate float64 sums only (exact in practice; checked to 1e-5 relative). A whole
 * convolution also goes through the backend's matmul, whose f32 sgemm reassociates its dot products,
 * so conv ops are checked to 1e-4 relative and 1e-5 absolute.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import '../src/node.js'; // kernels read from disk, workers on node:worker_threads
import { type Backend, type ConvGeometry } from '../src/backends/backend.js';
import { referenceBackend } from '../src/backends/reference.js';
import { createWasmBackend, type WasmBackend } from '../src/backends/wasm/backend.js';
import { fromArray } from '../src/core/creation.js';
import { Generator } from '../src/core/random.js';
import { Tensor } from '../src/core/tensor.js';
import { adaptiveAvgPool2d, avgPool2d, batchNorm, conv1d, conv2d, maxPool2d, type ConvOptions, type PaddingMode } from '../src/nn/index.js';
import { normalValues, under } from './helpers/backends.js';

const gen = new Generator(4321);

function randomTensor(shape: number[], scale = 1): Tensor {
  return fromArray(normalValues(gen, shape.reduce((a, b) => a * b, 1), scale), shape);
}


/** |got - want| <= atol + rtol |want| everywhere (rtol = atol = 0: bit for bit, NaN matching NaN). */
function close(got: ArrayLike<number>, want: ArrayLike<number>, what: string, rtol: number, atol: number): void {
  assert.equal(got.length, want.length, `${what}: ${got.length} values, expected ${want.length}`);
  for (let i = 0; i < got.length; i++) {
    const g = got[i];
    const w = want[i];
    if (Number.isNaN(w) || rtol + atol === 0) {
      assert.ok(Object.is(g, w), `${what}[${i}]: got ${g}, expected exactly ${w}`);
      continue;
    }
    assert.ok(Math.abs(g - w) <= atol + rtol * Math.abs(w), `${what}[${i}]: got ${g}, expected ${w} (|diff| ${Math.abs(g - w)})`);
  }
}

/**
 * Runs `fn` (inputs -> outputs) under the reference and under `b` on the same inputs (requiring grad),
 * backpropagates sum(output * cotangent) with fixed random cotangents, and compares the outputs and
 * the inputs' gradients; atol is relative to the largest |value| of each array (when above 1), as
 * a reassociated dot product's error is.
 */
function sameOp(b: Backend, what: string, inputs: Tensor[], fn: (xs: Tensor[]) => Tensor[], rtol: number, atol: number): void {
  const cotangents: Tensor[] = [];
  const run = (): number[][] => {
    const xs = inputs.map((t) => fromArray(t.toArray(), [...t.shape]).requiresGrad_(true));
    const outs = fn(xs);
    while (cotangents.length < outs.length) cotangents.push(randomTensor([...outs[cotangents.length].shape]));
    let loss = outs[0].mul(cotangents[0]).sum();
    for (let i = 1; i < outs.length; i++) loss = loss.add(outs[i].mul(cotangents[i]).sum());
    loss.backward();
    return [...outs.map((o) => Array.from(o.toArray())), ...xs.map((x) => Array.from(x.grad!.toArray()))];
  };
  const want = under(referenceBackend, run);
  const got = under(b, run);
  want.forEach((w, i) => {
    const scale = w.reduce((m, v) => (Number.isFinite(v) ? Math.max(m, Math.abs(v)) : m), 1);
    close(got[i], w, `${what} ${i < want.length - inputs.length ? 'output' : 'gradient'} ${i}`, rtol, atol * scale);
  });
}

/** The input index padded coordinate p reads (conv.ts's padding rule), or -1 for a zero. */
function source(p: number, n: number, mode: PaddingMode): number {
  if (p >= 0 && p < n) return p;
  if (mode === 'zeros') return -1;
  if (mode === 'reflect') return p < 0 ? -p : 2 * (n - 1) - p;
  if (mode === 'replicate') return p < 0 ? 0 : n - 1;
  return ((p % n) + n) % n;
}

function table(k: number, out: number, stride: number, dil: number, pad: number, n: number, mode: PaddingMode): Tensor {
  const t = new Int32Array(k * out);
  for (let ki = 0; ki < k; ki++) for (let o = 0; o < out; o++) t[ki * out + o] = source(o * stride + ki * dil - pad, n, mode);
  return fromArray(t, [k, out], { dtype: 'int32' });
}

interface ConvCase { N: number; C: number; H: number; W: number; k: [number, number]; s: [number, number]; d: [number, number]; p: [number, number]; mode: PaddingMode }

const CONV_KERNEL_CASES: ConvCase[] = [
  { N: 3, C: 2, H: 7, W: 9, k: [3, 3], s: [1, 1], d: [1, 1], p: [1, 1], mode: 'zeros' },
  { N: 2, C: 3, H: 8, W: 5, k: [3, 2], s: [2, 1], d: [1, 2], p: [2, 1], mode: 'reflect' },
  { N: 1, C: 4, H: 6, W: 6, k: [2, 3], s: [1, 3], d: [2, 1], p: [1, 2], mode: 'replicate' },
  { N: 2, C: 1, H: 5, W: 11, k: [3, 3], s: [1, 2], d: [1, 1], p: [2, 3], mode: 'circular' },
  { N: 5, C: 3, H: 1, W: 33, k: [1, 5], s: [1, 1], d: [1, 1], p: [0, 0], mode: 'zeros' },
  { N: 16, C: 8, H: 14, W: 14, k: [3, 3], s: [1, 1], d: [1, 1], p: [0, 0], mode: 'zeros' }, // splits over threads
];

function convKernelsAgree(b: Backend, c: ConvCase): void {
  const [kH, kW] = c.k;
  const out = (n: number, i: number) => Math.floor((n + 2 * c.p[i] - c.d[i] * (c.k[i] - 1) - 1) / c.s[i]) + 1;
  const OH = out(c.H, 0);
  const OW = out(c.W, 1);
  const rowSrc = table(kH, OH, c.s[0], c.d[0], c.p[0], c.H, c.mode);
  const colSrc = table(kW, OW, c.s[1], c.d[1], c.p[1], c.W, c.mode);
  const g: ConvGeometry = { N: c.N, C: c.C, H: c.H, W: c.W, kH, kW, OH, OW, rowSrc: rowSrc.base, colSrc: colSrc.base };
  const what = `${c.mode} ${JSON.stringify(c)}`;
  const x = randomTensor([c.N, c.C, c.H, c.W]);
  const dcols = randomTensor([c.C * kH * kW, c.N * OH * OW]);
  const results = [referenceBackend, b].map((k) => {
    const cols = Tensor.empty([c.C * kH * kW, c.N * OH * OW]).fill_(7);
    k.im2col(x.base, cols.base, g);
    const dx = Tensor.empty([c.N, c.C, c.H, c.W]).fill_(0.25); // col2im adds onto what is there
    k.col2im(dcols.base, dx.base, g);
    return [cols.toArray(), dx.toArray()];
  });
  close(results[1][0], results[0][0], `im2col ${what}`, 0, 0);
  close(results[1][1], results[0][1], `col2im ${what}`, 0, 0);
}

for (const threads of [1, 2]) {
  describe(`vision kernels, wasm with ${threads} thread${threads > 1 ? 's' : ''}, against the reference`, () => {
    let wasm: WasmBackend;
    before(async () => {
      wasm = await createWasmBackend({ threads });
    });
    after(() => wasm.close());

    test('im2col and col2im: every padding mode, strides, dilation, rectangular kernels, bit for bit', () => {
      for (const c of CONV_KERNEL_CASES) convKernelsAgree(wasm, c);
    });

    test('convOutput and convOutputBackward: with and without bias, odd and large planes', () => {
      for (const [N, O, P] of [[1, 1, 1], [3, 5, 7], [2, 3, 33], [8, 16, 26 * 26]]) {
        const y = randomTensor([O, N, P]);
        const bias = randomTensor([O]);
        const g = randomTensor([N, O, P]);
        for (const withBias of [true, false]) {
          const res = [referenceBackend, wasm].map((k) => {
            const out = Tensor.empty([N, O, P]);
            k.convOutput(y.base, withBias ? bias.base : -1, out.base, N, O, P);
            const dy = Tensor.empty([O, N, P]);
            const db = Tensor.empty([O]).fill_(3);
            k.convOutputBackward(g.base, dy.base, withBias ? db.base : -1, N, O, P);
            return [out.toArray(), dy.toArray(), db.toArray()];
          });
          const what = `N=${N} O=${O} P=${P} bias=${withBias}`;
          close(res[1][0], res[0][0], `convOutput ${what}`, 0, 0);
          close(res[1][1], res[0][1], `convOutputBackward dy ${what}`, 0, 0);
          close(res[1][2], res[0][2], `convOutputBackward db ${what}`, 1e-6, 0);
        }
      }
    });

    test('conv1d and conv2d ops, forward and backward: padding modes, same/valid, strides, dilation, groups, unbatched', () => {
      const cases: [number[], number[], ConvOptions, boolean][] = [
        [[2, 3, 7, 9], [4, 3, 3, 3], { padding: 1 }, true],
        [[3, 4, 8, 5], [6, 2, 3, 2], { stride: [2, 1], padding: [1, 1], dilation: [1, 2], groups: 2, paddingMode: 'reflect' }, true],
        [[2, 4, 6, 6], [4, 1, 3, 3], { padding: 'same', groups: 4, paddingMode: 'replicate' }, false],
        [[1, 2, 5, 11], [3, 2, 3, 3], { stride: 2, padding: 2, paddingMode: 'circular' }, true],
        [[5, 6, 7], [4, 5, 3, 3], { padding: 'valid' }, true], // unbatched
        [[16, 8, 14, 14], [16, 8, 3, 3], {}, true], // splits over threads
      ];
      for (const [xs, ws, opts, bias] of cases) {
        const inputs = [randomTensor(xs), randomTensor(ws, 0.3), ...(bias ? [randomTensor([ws[0]])] : [])];
        sameOp(wasm, `conv2d ${JSON.stringify([xs, ws, opts])}`, inputs, ([x, w, b]) => [conv2d(x, w, b ?? null, opts)], 1e-4, 1e-5);
      }
      const x1 = randomTensor([3, 4, 17]);
      sameOp(wasm, 'conv1d depthwise same', [x1, randomTensor([8, 1, 4], 0.3)], ([x, w]) => [conv1d(x, w, null, { padding: 'same', groups: 4 })], 1e-4, 1e-5);
      sameOp(wasm, 'conv1d strided', [x1, randomTensor([5, 4, 3], 0.3), randomTensor([5])], ([x, w, b]) => [conv1d(x, w, b, { stride: 2, dilation: 2, padding: 1 })], 1e-4, 1e-5);
    });

    test('max_pool2d: padding, strides, dilation, ceil_mode, NaN, indices, bit for bit', () => {
      const cases: [number[], number | number[], object][] = [
        [[2, 3, 8, 8], 2, {}],
        [[2, 3, 9, 7], 3, { stride: 2, padding: 1 }],
        [[1, 2, 10, 11], [3, 2], { stride: [2, 3], padding: [1, 1], dilation: [2, 1], ceilMode: true }],
        [[3, 7, 5], [2, 3], { stride: 1 }], // unbatched, overlapping windows: a gradient adds up
        // wide rows: four outputs at a time (stride 1, 2 and 3, dilation), the edges alone
        [[2, 2, 9, 19], 3, { stride: 1, padding: 1 }],
        [[2, 2, 11, 23], [3, 2], { stride: 2, padding: 1, dilation: [1, 2] }],
        [[1, 3, 9, 31], 3, { stride: 3, ceilMode: true }],
        [[8, 16, 26, 26], 2, {}], // splits over threads
      ];
      for (const [i, [shape, k, opts]] of cases.entries()) {
        const x = randomTensor(shape);
        const f = x.toArray() as Float32Array;
        if (i % 2 === 1) for (let j = 0; j < f.length; j++) f[j] = Math.round(f[j] * 2) / 2; // ties: the first maximum wins
        for (const j of [3, 50, 51, 130]) if (j < f.length) f[j] = NaN;
        f[f.length - 2] = -Infinity;
        f[f.length - 5] = Infinity;
        const xn = fromArray(f, shape);
        sameOp(wasm, `max_pool2d ${JSON.stringify([shape, k, opts])}`, [xn], ([t]) => {
          const [y, idx] = maxPool2d(t, k, { ...opts, returnIndices: true });
          return [y, idx.float()];
        }, 0, 0);
      }
    });

    test('avg_pool2d and adaptive_avg_pool2d: ceil_mode, count_include_pad, divisor override, bit for bit', () => {
      const cases: [number[], number | number[], object][] = [
        [[2, 3, 8, 8], 2, {}],
        [[2, 3, 9, 7], 3, { stride: 2, padding: 1, countIncludePad: false }],
        [[1, 2, 10, 11], [3, 2], { stride: [2, 3], padding: [1, 1], ceilMode: true }],
        [[3, 7, 5], [2, 3], { stride: 1, ceilMode: true, countIncludePad: false }],
        [[2, 2, 6, 7], 3, { padding: 1, divisorOverride: 5 }],
        [[8, 8, 26, 26], 2, {}], // splits over threads
      ];
      for (const [shape, k, opts] of cases)
        sameOp(wasm, `avg_pool2d ${JSON.stringify([shape, k, opts])}`, [randomTensor(shape)], ([t]) => [avgPool2d(t, k, opts)], 0, 0);
      for (const [shape, size] of [[[2, 3, 9, 7], [4, 3]], [[2, 5, 6, 6], 1], [[3, 10, 7], [null, 2]]] as const)
        sameOp(wasm, `adaptive_avg_pool2d ${JSON.stringify([shape, size])}`, [randomTensor([...shape])], ([t]) => [adaptiveAvgPool2d(t, size)], 0, 0);
    });

    test('pooling backward kernels write all of dx: what was there before (NaN) never shows', () => {
      // 2x2 windows, stride 2, over 6 planes of 8 x 8: each input gets exactly one window's gradient
      const [planes, H, W, OH, OW] = [6, 8, 8, 4, 4];
      const window = { kH: 2, kW: 2, sH: 2, sW: 2, pH: 0, pW: 0, dH: 1, dW: 1, OH, OW };
      const win = fromArray(new Int32Array(Array.from({ length: OH * OW }, (_, q) => {
        const [oh, ow] = [Math.floor(q / OW), q % OW];
        return [2 * oh, 2 * oh + 2, 2 * ow, 2 * ow + 2, 4];
      }).flat()), [OH * OW, 5], { dtype: 'int32' });
      const x = randomTensor([planes, H, W]);
      const dy = randomTensor([planes, OH, OW]);
      const g = dy.toArray() as Float32Array;
      for (const k of [referenceBackend, wasm]) {
        const [y, idx] = [Tensor.empty([planes, OH, OW]), Tensor.empty([planes, OH, OW], 'int32')];
        k.maxPool(x.base, y.base, idx.base, planes, H, W, window);
        const at = idx.toArray() as Int32Array;
        const want = new Float32Array(planes * H * W);
        for (let q = 0; q < at.length; q++) want[Math.floor(q / (OH * OW)) * H * W + at[q]] += g[q];
        const dx = Tensor.empty([planes, H, W]).fill_(NaN);
        k.maxPoolBackward(dy.base, idx.base, dx.base, planes, H * W, OH * OW);
        close(dx.toArray(), want, `maxPoolBackward on ${k.name}`, 0, 0);

        const avg = want.map((_, i) => g[Math.floor(i / (H * W)) * OH * OW + Math.floor((i % (H * W)) / W / 2) * OW + Math.floor((i % W) / 2)] / 4);
        dx.fill_(NaN);
        k.avgPoolBackward(dy.base, dx.base, planes, H, W, OH * OW, win.base);
        close(dx.toArray(), avg, `avgPoolBackward on ${k.name}`, 0, 0);
      }
    });

    test('batch_norm: training and evaluation, (N, C), (N, C, L) and (N, C, H, W), with and without affine and running stats', () => {
      const shapes = [[7, 5], [4, 3, 9], [3, 4, 5, 7], [16, 8, 26, 26]]; // the last splits over threads
      for (const shape of shapes) {
        const C = shape[1];
        for (const training of [true, false])
          for (const affine of [true, false]) {
            const rm = randomTensor([C], 0.5);
            const rv = randomTensor([C], 0.3).abs().add(0.5);
            const inputs = [randomTensor(shape, 2).add(1), ...(affine ? [randomTensor([C]), randomTensor([C])] : [])];
            const running: number[][] = [];
            sameOp(wasm, `batch_norm ${JSON.stringify({ shape, training, affine })}`, inputs, ([x, w, b]) => {
              const m = rm.clone();
              const v = rv.clone();
              const y = batchNorm(x, m, v, { weight: w ?? null, bias: b ?? null, training, momentum: 0.3, eps: 1e-3 });
              running.push(Array.from(m.toArray()), Array.from(v.toArray()));
              return [y];
            }, 1e-5, 1e-6);
            close(running[2], running[0], 'running_mean', 1e-6, 0);
            close(running[3], running[1], 'running_var', 1e-6, 0);
          }
      }
    });
  });
}
