/**
 * The kernels moved behind the backend (random fills, attention masks, causal linear attention, the NLL
 * loss, where, fill, comparisons, max/min/argmax/argmin) on the WebAssembly backend against the
 * reference kernels, with one thread and with two: each op-level expression runs under both backends and
 * must give the same bits, and the generator must end in the same state.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import '../src/node.js'; // kernels read from disk, workers on node:worker_threads
import { backend, type Backend, type ScoreMask } from '../src/backends/backend.js';
import { drawFrom } from '../src/backends/random-state.js';
import { referenceBackend } from '../src/backends/reference.js';
import { createWasmBackend, type WasmBackend } from '../src/backends/wasm/backend.js';
import { fromArray } from '../src/core/creation.js';
import { Generator } from '../src/core/random.js';
import { Tensor } from '../src/core/tensor.js';
import { dropout } from '../src/nn/layers/dropout.js';
import { attention } from '../src/nn/attention/attention.js';
import { causalLinearAttention, LinearAttentionState } from '../src/nn/attention/linear-attention.js';
import { crossEntropy, nllLoss } from '../src/nn/functional.js';
import { kaimingUniform_, normal_, uniform_ } from '../src/nn/init.js';
import { embedding } from '../src/nn/layers/embedding.js';
import { clipGradValue } from '../src/optim/clip.js';
import { RMSprop } from '../src/optim/rmsprop.js';
import { normalValues, under } from './helpers/backends.js';

const gen = new Generator(99);

const values = (n: number, scale = 1, specials: number[] = []) => normalValues(gen, n, scale, specials);

const tensor = (shape: number[], scale = 1, specials: number[] = []) => fromArray(values(shape.reduce((a, b) => a * b, 1), scale, specials), shape);


/** The same bits from `fn` under the reference and under `b` (NaN matches NaN). */
function sameBits(b: Backend, what: string, fn: () => (ArrayLike<number> | number)[]): void {
  const want = under(referenceBackend, fn);
  const got = under(b, fn);
  assert.equal(got.length, want.length);
  want.forEach((w, k) => {
    const g = got[k];
    const wa = typeof w === 'number' ? [w] : Array.from(w);
    const ga = typeof g === 'number' ? [g] : Array.from(g);
    assert.equal(ga.length, wa.length, `${what} #${k}: length`);
    for (let i = 0; i < wa.length; i++) {
      if (Number.isNaN(wa[i]) && Number.isNaN(ga[i])) continue;
      if (!Object.is(ga[i], wa[i])) assert.fail(`${what} #${k}[${i}]: got ${ga[i]}, expected ${wa[i]}`);
    }
  });
}

/** A generator's state as numbers (the spare NaN when absent). */
const stateOf = (g: Generator) => g.getState();

for (const threads of [1, 2]) {
  describe(`moved kernels on wasm with ${threads} thread${threads > 1 ? 's' : ''} against the reference`, () => {
    let wasm: WasmBackend;
    before(async () => {
      wasm = await createWasmBackend({ threads });
    });
    after(() => wasm.close());

    test('dropout masks: same mask and generator state, odd and large sizes', () => {
      for (const n of [1, 7, 1001, 70001])
        for (const p of [0.1, 0.5, 0.9]) {
          const x = tensor([n]);
          sameBits(wasm, `dropout n=${n} p=${p}`, () => {
            const g = new Generator(n);
            g.normal(); // a spare pending: the uniforms must leave it alone
            const y = dropout(x, p, true, g).toArray();
            return [y, stateOf(g)];
          });
        }
    });

    test('attention dropout kernel: mask and weights (x times the unrounded mask value), generator state', () => {
      const x = tensor([2, 3, 5, 7]);
      for (const p of [0.3, 1])
        sameBits(wasm, `dropoutMask with weights p=${p}`, () => {
          const g = new Generator(5);
          const keep = Tensor.empty(x.shape);
          const y = Tensor.empty(x.shape);
          const s = p === 1 ? 0 : 1 / (1 - p);
          drawFrom(g, (state) => backend().dropoutMask({ mask: keep.base, n: x.numel, threshold: p, below: 0, above: s, x: x.base, y: y.base, state }));
          return [keep.toArray(), y.toArray(), stateOf(g)];
        });
    });

    test('uniform and normal initialisation: same values and state, contiguous and strided', () => {
      for (const n of [1, 5, 4099]) {
        sameBits(wasm, `uniform_ n=${n}`, () => {
          const g = new Generator(7);
          const t = uniform_(Tensor.empty([n]), -0.3, 0.7, g).toArray();
          return [t, stateOf(g)];
        });
        sameBits(wasm, `normal_ n=${n}`, () => {
          const g = new Generator(7);
          const t = normal_(Tensor.empty([n]), 0.5, 2, g).toArray();
          return [t, stateOf(g)];
        });
      }
      sameBits(wasm, 'kaimingUniform_ on a transposed view', () => {
        const g = new Generator(8);
        const w = Tensor.empty([6, 9]);
        kaimingUniform_(w.transpose(0, 1), Math.sqrt(5), { generator: g });
        return [w.toArray(), stateOf(g)];
      });
    });

    test('attention masks: bool rows all masked and none, float masks, broadcasting, several masks', () => {
      const B = 2, H = 3, L = 5, S = 7;
      const scores = tensor([B, H, L, S], 1, [-Infinity, NaN]);
      const bits = new Uint8Array(L * S);
      for (let j = 0; j < S; j++) bits[0 * S + j] = 1; // row 0: every key masked
      for (let j = 0; j < S; j += 2) bits[2 * S + j] = 1; // row 2: every other key; rows 1, 3, 4: none
      const attnMask = fromArray(bits, [L, S], { dtype: 'bool' });
      const pad = fromArray(new Uint8Array([0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 1]), [B, 1, 1, S], { dtype: 'bool' });
      const floatMask = tensor([L, S], 0.5, [-Infinity, Infinity]);
      const headMask = tensor([H, 1, S], 0.25);
      const cases: [string, number[], Tensor[]][] = [
        ['one bool mask', [B, H], [attnMask]],
        ['bool attn mask and key padding', [B, H], [attnMask, pad]],
        ['float mask', [B, H], [floatMask]],
        ['float per head and bool padding', [B, H], [headMask, pad]],
        ['three masks (the reference path)', [B, H], [floatMask, attnMask, pad]],
        ['a mask on a transposed view', [B, H], [tensor([S, L]).transpose(0, 1)]],
        ['three batch dims', [B, 1, H], [tensor([B, 1, 1, L, S]), pad.reshape([B, 1, 1, 1, S])]],
        // Swin's shifted windows: a bias per head and a mask per window, so (images, windows, heads) do not merge
        ['three batch dims that do not merge', [B, 2, H], [tensor([H, L, S]), tensor([2, 1, L, S])]],
      ];
      const windows = tensor([B, 2, H, L, S], 1, [-Infinity, NaN]);
      for (const [what, batch, masks] of cases)
        sameBits(wasm, what, () => {
          const p = (batch[1] === 2 ? windows : scores).reshape([...batch, L, S]).clone();
          const views: ScoreMask[] = masks.map((m) => {
            const e = m.expand([...batch, L, S]);
            return { bool: m.dtype === 'bool', off: e.base, strides: e.strides };
          });
          backend().maskScores(p.base, batch, L, S, 0.37, views);
          return [p.toArray()];
        });
      // the fused op around it (matmul and softmax differ in rounding between backends)
      const q = tensor([B, H, L, 4]);
      const k = tensor([B, H, S, 4]);
      const v = tensor([B, H, S, 3]);
      const want = under(referenceBackend, () => attention(q, k, v, { masks: [attnMask, pad] })[0].toArray());
      const got = under(wasm, () => attention(q, k, v, { masks: [attnMask, pad] })[0].toArray());
      got.forEach((g, i) => assert.ok(Math.abs(g - want[i]) <= 1e-5, `attention output [${i}]: ${g} vs ${want[i]}`));
    });

    test('causal linear attention: forward, backward and the carried state, odd sizes', () => {
      for (const [N, T, d, e] of [[1, 1, 1, 1], [3, 7, 5, 3], [8, 9, 4, 6]]) {
        const q = fromArray(values(N * T * d).map((x) => Math.abs(x) + 0.1), [N, T, d]);
        const kk = fromArray(values(N * T * d).map((x) => Math.abs(x) + 0.1), [N, T, d]);
        const v = tensor([N, T, e]);
        sameBits(wasm, `causalLinearAttention (${N}, ${T}, ${d}, ${e})`, () => {
          const state = new LinearAttentionState(N, d, e);
          const qq = q.detach().requiresGrad_();
          const kq = kk.detach().requiresGrad_();
          const vq = v.detach().requiresGrad_();
          const T1 = Math.min(2, T);
          const y1 = causalLinearAttention(qq.narrow(1, 0, T1), kq.narrow(1, 0, T1), vq.narrow(1, 0, T1), 1e-6, state);
          const y2 = causalLinearAttention(qq, kq, vq, 1e-6, state); // continues from the first call's sums
          y1.sum().add(y2.square().sum()).backward();
          return [y1.toArray(), y2.toArray(), state.S, state.z, qq.grad!.toArray(), kq.grad!.toArray(), vq.grad!.toArray()];
        });
      }
    });

    test('NLL and cross-entropy: weights, ignored targets, reductions, smoothing, gradients, a bad target', () => {
      const N = 6, C = 5, D = 3;
      const x = tensor([N, C, D]);
      const t = fromArray(new Int32Array([0, 4, 2, -100, 1, 3, 3, 3, 0, 4, 2, 1, -100, -100, 0, 1, 2, 3]), [N, D]);
      const w = fromArray(new Float32Array([0.5, 1, 2, 0.25, 3]), [C]);
      const logp = x.logSoftmax(1);
      for (const reduction of ['mean', 'sum', 'none'] as const)
        for (const weight of [null, w]) {
          sameBits(wasm, `nllLoss ${reduction} weight=${!!weight}`, () => {
            const xx = logp.detach().requiresGrad_();
            const l = nllLoss(xx, t, { weight, reduction });
            (reduction === 'none' ? l.sum() : l).backward();
            return [l.toArray(), xx.grad!.toArray()];
          });
          // crossEntropy adds logSoftmax and sums, whose rounding differs between backends
          const ce = (b: Backend) => under(b, () => crossEntropy(x, t, { weight, reduction, labelSmoothing: 0.1 }).toArray());
          const want = ce(referenceBackend);
          ce(wasm).forEach((g, i) => assert.ok(Math.abs(g - want[i]) <= 1e-5 * (1 + Math.abs(want[i])), `crossEntropy ${reduction} [${i}]: ${g} vs ${want[i]}`));
        }
      const bad = fromArray(new Int32Array([0, 7]), [2]);
      const x2 = tensor([2, C]);
      for (const b of [referenceBackend, wasm]) under(b, () => assert.throws(() => nllLoss(x2, bad), /target 7 at position 1 is out of bounds for 5 classes/));
    });

    test('where and comparisons: broadcasting, strided views, int and bool operands', () => {
      const a = tensor([3, 1, 33], 1, [NaN, 0, -0]);
      const b = tensor([4, 33], 1, [NaN, -0, 0]);
      const at = tensor([33, 4]).transpose(0, 1);
      const ia = fromArray(new Int32Array(values(35).map((x) => Math.round(x * 2))), [5, 7]);
      const ib = fromArray(new Int32Array(values(7).map((x) => Math.round(x * 2))), [7]);
      sameBits(wasm, 'comparisons', () => {
        const outs: Float32Array[] = [];
        for (const op of ['eq', 'ne', 'lt', 'le', 'gt', 'ge'] as const) {
          outs.push(Float32Array.from(a[op](b).toArray()), Float32Array.from(b[op](at).toArray()), Float32Array.from(ia[op](ib).toArray()));
          outs.push(Float32Array.from(a[op](0.5).toArray()));
        }
        const p = a.gt(0);
        const q2 = b.lt(0.3);
        outs.push(Float32Array.from(p.logicalAnd(q2).toArray()), Float32Array.from(p.logicalOr(q2).toArray()));
        return outs;
      });
      const big = tensor([70001]);
      sameBits(wasm, 'where', () => {
        const cond = a.gt(b);
        return [b.where(cond, at).toArray(), a.where(b.lt(0), 2.5).toArray(), ia.where(ia.gt(ib), ib).toArray(), big.where(big.gt(0), 0).toArray()];
      });
    });

    test('max, min, argmax, argmin: every dim, ties, NaN, odd inner sizes', () => {
      const ties = new Float32Array(5 * 9 * 6).map((_, i) => (i * 7) % 5);
      const inputs = [tensor([5, 9, 6], 1, [NaN]), fromArray(ties, [5, 9, 6]), tensor([3, 17, 5]), tensor([1001]), tensor([2, 4, 4])];
      sameBits(wasm, 'extremes', () => {
        const outs: ArrayLike<number>[] = [];
        for (const x of inputs)
          for (let d = 0; d < x.ndim; d++)
            for (const op of ['max', 'min', 'argmax', 'argmin'] as const) outs.push(x[op](d).toArray());
        return outs;
      });
    });

    test('fill: float32 and int32, large enough to split', () => {
      sameBits(wasm, 'fill', () => [Tensor.empty([70001]).fill_(0.1).toArray(), Tensor.empty([70003], 'int32').fill_(-7).toArray(), Tensor.empty([5]).fill_(3).toArray()]);
    });
    test('sign, elu and log1p (float64 as the reference) and their gradients: same bits, special values', () => {
      const specials = [0, -0, NaN, Infinity, -Infinity, -1, 1e-30, -1e-30, -20, 88];
      for (const n of [1, 7, 70001]) {
        const x = tensor([n], 3, specials);
        sameBits(wasm, `unary f64 n=${n}`, () => {
          const outs: ArrayLike<number>[] = [];
          for (const op of ['sign', 'elu', 'log1p'] as const) {
            const xx = x.detach().requiresGrad_();
            const y = xx[op]();
            y.backward(Tensor.empty(y.shape).fill_(0.7));
            outs.push(y.toArray(), xx.grad!.toArray());
          }
          return outs;
        });
      }
    });

    test('RMSprop: plain, momentum, centered, weight decay, maximize: same bits after three steps', () => {
      const options = [{}, { momentum: 0.9 }, { centered: true, weightDecay: 0.01 }, { centered: true, momentum: 0.5, maximize: true }];
      const p0 = tensor([1003]);
      const grads = [tensor([1003]), tensor([1003]), tensor([1003])];
      for (const o of options)
        sameBits(wasm, `RMSprop ${JSON.stringify(o)}`, () => {
          const p = p0.clone().requiresGrad_();
          const opt = new RMSprop([p], { lr: 0.01, ...o });
          for (const g of grads) {
            p.grad = g.clone();
            opt.step();
          }
          return [p.toArray(), ...Object.values(opt.state.get(p)!).filter((v): v is Tensor => v instanceof Tensor).map((v) => v.toArray())];
        });
    });

    test('clipGradValue clamps in place through the backend, NaN kept', () => {
      const g0 = tensor([70001], 1, [NaN, Infinity, -Infinity]);
      sameBits(wasm, 'clipGradValue', () => {
        const p = Tensor.empty([70001]).requiresGrad_();
        p.grad = g0.clone();
        clipGradValue([p], 0.5);
        return [p.grad.toArray()];
      });
    });

    test('embedding: an index out of range is named with its position on every backend', () => {
      const w = tensor([4, 3]);
      const idx = fromArray(new Int32Array([1, 3, 4, 0]), [2, 2]);
      for (const b of [referenceBackend, wasm]) under(b, () => assert.throws(() => embedding(idx, w), /index 4 at position 2 of indices \[2, 2\] is out of range \[0, 4\)/));
    });
  });
}
