// Tensor creation, randomness, elementwise math and dtypes, reductions, matmul, softmax, indexing,
// joins, masking, printing and error texts, against hand-computed values and naive loops.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  arange, cat, eye, fromArray, full, Generator, manualSeed, ones, onesLike, rand, randint, randn, stack, tensor,
  where, zeros, zerosLike, type Tensor,
} from '../src/node.js';
import { assertClose } from './helpers/close.js';

const f = (data: unknown) => tensor(data as number[]);
const i32 = (data: unknown) => tensor(data as number[], { dtype: 'int32' });

// ---- creation -------------------------------------------------------------------------------------

test('tensor() from nested arrays: shape, dtype, values; ragged arrays are rejected', () => {
  const t = f([[1, 2, 3], [4, 5, 6]]);
  assert.deepEqual(t.shape, [2, 3]);
  assert.equal(t.dtype, 'float32');
  assert.deepEqual(t.tolist(), [[1, 2, 3], [4, 5, 6]]);
  assert.deepEqual(tensor([[true, false]]).tolist(), [[true, false]]);
  assert.equal(tensor([[true, false]]).dtype, 'bool');
  assert.equal(i32([1, 2]).dtype, 'int32');
  const s = tensor(2.5);
  assert.deepEqual(s.shape, []);
  assert.equal(s.item(), 2.5);
  assert.deepEqual(tensor([]).shape, [0]);
  assert.throws(() => f([[1, 2], [3]]), /ragged nested array at depth 1 \(expected length 2, got 1\)/);
  assert.throws(() => f([[1, 2], 3]), /ragged nested array at depth 1/);
  assert.throws(() => f([1, [2]]), /ragged nested array \(expected a number at depth 1/);
  assert.throws(() => fromArray([1, 2, 3], [2, 2]), /3 values do not fill shape \[2, 2\]/);
});

test('arange: int32 for integer arguments, float32 otherwise; negative steps', () => {
  const a = arange(5);
  assert.equal(a.dtype, 'int32');
  assert.deepEqual(a.tolist(), [0, 1, 2, 3, 4]);
  assert.deepEqual(arange(2, 5).tolist(), [2, 3, 4]);
  assert.deepEqual(arange(5, 0, -2).tolist(), [5, 3, 1]);
  const b = arange(1, 2, 0.25);
  assert.equal(b.dtype, 'float32');
  assert.deepEqual(b.tolist(), [1, 1.25, 1.5, 1.75]);
  assert.equal(arange(0, 3, 1, { dtype: 'float32' }).dtype, 'float32');
  assert.deepEqual(arange(3, 3).shape, [0]);
  assert.throws(() => arange(0, 1, 0), /step must be nonzero/);
});

test('constants: zeros, ones, full, eye, zerosLike, onesLike', () => {
  assert.deepEqual(zeros([2]).tolist(), [0, 0]);
  assert.deepEqual(ones([2], { dtype: 'int32' }).tolist(), [1, 1]);
  assert.deepEqual(full([2, 1], 7).tolist(), [[7], [7]]);
  assert.deepEqual(eye(3).tolist(), [[1, 0, 0], [0, 1, 0], [0, 0, 1]]);
  const t = arange(3);
  assert.equal(zerosLike(t).dtype, 'int32');
  assert.deepEqual(onesLike(t).tolist(), [1, 1, 1]);
  assert.equal(zeros([2], { requiresGrad: true }).requiresGrad, true);
});

test('random: manualSeed reproduces draws; a Generator state saves and restores mid-stream', () => {
  manualSeed(42);
  const a = randn([5]).toArray();
  const u = rand([3]).toArray();
  manualSeed(42);
  assert.deepEqual(randn([5]).toArray(), a);
  assert.deepEqual(rand([3]).toArray(), u);
  manualSeed(43);
  assert.notDeepEqual(randn([5]).toArray(), a);

  const g = new Generator(7);
  randn([3], { generator: g }); // odd count: a spare normal is pending in the state
  const state = JSON.parse(JSON.stringify(g.getState())) as number[];
  const next = randn([6], { generator: g }).toArray();
  const ints = randint(0, 10, [4], { generator: g }).toArray();
  g.setState(state);
  assert.deepEqual(randn([6], { generator: g }).toArray(), next);
  assert.deepEqual(randint(0, 10, [4], { generator: g }).toArray(), ints);
  // an explicit generator leaves the global one alone
  manualSeed(1);
  const first = randn([2]).toArray();
  manualSeed(1);
  randn([4], { generator: new Generator(9) });
  assert.deepEqual(randn([2]).toArray(), first);
});

test('random: randn is standard normal, rand uniform in [low, high), randint covers [low, high)', () => {
  const n = 100_000;
  const x = randn([n], { generator: new Generator(3) });
  assertClose(x.mean(), 0, 0.02);
  assertClose(x.var(), 1, 0.02);
  const u = rand([n], { generator: new Generator(4), low: -2, high: 2 });
  assert.ok(u.min().item() >= -2 && u.max().item() < 2);
  assertClose(u.mean(), 0, 0.02);
  const r = randint(3, 7, [1000], { generator: new Generator(5) });
  assert.equal(r.dtype, 'int32');
  assert.deepEqual([...new Set(r.toArray())].sort(), [3, 4, 5, 6]);
  assert.throws(() => randint(3, 3, [2]), /high \(3\) must be greater than low \(3\)/);
  // spans beyond 2^24 reach every integer, not only multiples of span / 2^24
  const wide = randint(0, 2 ** 30, [1000], { generator: new Generator(6) }).toArray();
  assert.ok(wide.some((v) => v % 64 !== 0));
  assert.ok(wide.every((v) => v >= 0 && v < 2 ** 30));
});

// ---- elementwise math and dtypes ------------------------------------------------------------------

test('binary ops broadcast against hand-computed values', () => {
  const a = f([[1, 2, 3], [4, 5, 6]]);
  const row = f([10, 20, 30]);
  const col = f([[2], [-1]]);
  assert.deepEqual(a.add(row).tolist(), [[11, 22, 33], [14, 25, 36]]);
  assert.deepEqual(a.sub(col).tolist(), [[-1, 0, 1], [5, 6, 7]]);
  assert.deepEqual(col.mul(row).tolist(), [[20, 40, 60], [-10, -20, -30]]);
  assert.deepEqual(row.div(a).tolist(), [[10, 10, 10], [2.5, 4, 5]]);
  assert.deepEqual(a.pow(2).tolist(), [[1, 4, 9], [16, 25, 36]]);
  assert.deepEqual(col.pow(f([1, 2, 3])).tolist(), [[2, 4, 8], [-1, 1, -1]]);
  assert.deepEqual(a.maximum(f([3, 3, 3])).tolist(), [[3, 3, 3], [4, 5, 6]]);
  assert.deepEqual(a.minimum(col).tolist(), [[1, 2, 2], [-1, -1, -1]]);
  assert.deepEqual(a.mul(2).add(1).sub(0.5).div(2).tolist(), [[1.25, 2.25, 3.25], [4.25, 5.25, 6.25]]);
  assert.deepEqual(f([[[1]], [[2]]]).add(f([[1, 2], [3, 4]])).shape, [2, 2, 2]);
});

test('unary ops against Math', () => {
  const x = f([-1.5, -0.3, 0.4, 2]);
  const xs = [-1.5, -0.3, 0.4, 2];
  const check = (t: Tensor, fn: (v: number) => number) => assertClose(t, xs.map(fn), 1e-6);
  check(x.neg(), (v) => -v);
  check(x.exp(), Math.exp);
  check(x.abs(), Math.abs);
  check(x.tanh(), Math.tanh);
  check(x.sigmoid(), (v) => 1 / (1 + Math.exp(-v)));
  check(x.relu(), (v) => Math.max(v, 0));
  check(x.elu(), (v) => (v > 0 ? v : Math.expm1(v)));
  check(x.sin(), Math.sin);
  check(x.cos(), Math.cos);
  check(x.sign(), Math.sign);
  check(x.square(), (v) => v * v);
  check(x.reciprocal(), (v) => 1 / v);
  const p = f([0.5, 1, 4]);
  assertClose(p.log(), [Math.log(0.5), 0, Math.log(4)], 1e-6);
  assertClose(p.sqrt(), [Math.SQRT1_2, 1, 2], 1e-6);
  assertClose(p.rsqrt(), [Math.SQRT2, 1, 0.5], 1e-6);
  assertClose(f([1e-7, 1]).log1p(), [1e-7, Math.log(2)], 1e-6);
  // PyTorch values
  assertClose(f([-1, 0.5, 1]).erf(), [-0.8427007794, 0.5204998778, 0.8427007794], 1e-6);
  assertClose(f([-1, 0.5, 1]).gelu(), [-0.1586552539, 0.3457312306, 0.8413447461], 1e-6);
  assertClose(f([-1, 0.5, 1]).gelu('tanh'), [-0.1588079929, 0.3457140028, 0.8411920071], 1e-6);
  assert.equal(arange(3).exp().dtype, 'float32');
});

test('dtype promotion: int op int stays int, division and floats promote, comparisons give bool', () => {
  const a = arange(4); // int32
  assert.equal(a.add(a).dtype, 'int32');
  assert.deepEqual(a.mul(a).tolist(), [0, 1, 4, 9]);
  assert.equal(a.add(1).dtype, 'int32');
  assert.deepEqual(a.sub(2).tolist(), [-2, -1, 0, 1]);
  assert.equal(a.add(0.5).dtype, 'float32');
  assert.equal(a.add(f([1, 1, 1, 1])).dtype, 'float32');
  const d = a.div(arange(1, 5));
  assert.equal(d.dtype, 'float32');
  assertClose(d, [0, 0.5, 2 / 3, 0.75]);
  assert.equal(a.div(2).dtype, 'float32');
  for (const c of [a.eq(2), a.ne(2), a.lt(2), a.le(2), a.gt(2), a.ge(f([1, 1, 1, 1]))]) assert.equal(c.dtype, 'bool');
  assert.deepEqual(a.lt(2).tolist(), [true, true, false, false]);
  assert.deepEqual(a.ge(2).tolist(), [false, false, true, true]);
  assert.deepEqual(a.eq(2).tolist(), [false, false, true, false]);
  assert.deepEqual(a.ne(2).tolist(), [true, true, false, true]);
  assert.deepEqual(a.le(1).logicalOr(a.eq(3)).tolist(), [true, true, false, true]);
  assert.deepEqual(a.ge(1).logicalAnd(a.le(2)).tolist(), [false, true, true, false]);
  assert.deepEqual(a.lt(2).logicalNot().tolist(), [false, false, true, true]);
  assert.equal(a.lt(2).sum().dtype, 'int32');
  assert.equal(a.lt(2).sum().item(), 2);
  assert.deepEqual(f([1.7, -1.7, 0]).int().tolist(), [1, -1, 0]);
  assert.deepEqual(f([1.7, -1.7, 0]).bool().tolist(), [true, true, false]);
  assert.deepEqual(tensor([true, false]).float().tolist(), [1, 0]);
});

test('clamp: both bounds, one bound, ints stay ints', () => {
  const x = f([-2, -0.5, 0.5, 2]);
  assert.deepEqual(x.clamp(-1, 1).tolist(), [-1, -0.5, 0.5, 1]);
  assert.deepEqual(x.clamp(0).tolist(), [0, 0, 0.5, 2]);
  assert.deepEqual(x.clamp(null, 0).tolist(), [-2, -0.5, 0, 0]);
  const c = arange(-2, 3).clamp(-1, 1);
  assert.equal(c.dtype, 'int32');
  assert.deepEqual(c.tolist(), [-1, -1, 0, 1, 1]);
});

test('where and maskedFill with broadcasting', () => {
  const cond = tensor([[true, false, true]]);
  const a = f([[1, 2, 3], [4, 5, 6]]);
  assert.deepEqual(where(cond, a, f([[0], [-1]])).tolist(), [[1, 0, 3], [4, -1, 6]]);
  assert.deepEqual(where(cond, 9, a).tolist(), [[9, 2, 9], [9, 5, 9]]);
  assert.deepEqual(a.where(cond, 0).tolist(), [[1, 0, 3], [4, 0, 6]]);
  assert.deepEqual(a.maskedFill(cond, -Infinity).tolist(), [[-Infinity, 2, -Infinity], [-Infinity, 5, -Infinity]]);
  assert.deepEqual(a.maskedFill(tensor([[true], [false]]), 0).tolist(), [[0, 0, 0], [4, 5, 6]]);
  assert.throws(() => where(a, a, a), /condition must be bool, got float32/);
  assert.throws(() => a.maskedFill(tensor([true, false]), 0), /\[2, 3\] and \[2\]/);
});

test('tril and triu with diagonals, batched', () => {
  const x = arange(1, 13).float().reshape(3, 4);
  assert.deepEqual(x.tril().tolist(), [[1, 0, 0, 0], [5, 6, 0, 0], [9, 10, 11, 0]]);
  assert.deepEqual(x.tril(1).tolist(), [[1, 2, 0, 0], [5, 6, 7, 0], [9, 10, 11, 12]]);
  assert.deepEqual(x.tril(-1).tolist(), [[0, 0, 0, 0], [5, 0, 0, 0], [9, 10, 0, 0]]);
  assert.deepEqual(x.triu().tolist(), [[1, 2, 3, 4], [0, 6, 7, 8], [0, 0, 11, 12]]);
  assert.deepEqual(x.triu(2).tolist(), [[0, 0, 3, 4], [0, 0, 0, 8], [0, 0, 0, 0]]);
  assert.deepEqual(x.triu(-1).tolist(), [[1, 2, 3, 4], [5, 6, 7, 8], [0, 10, 11, 12]]);
  assert.deepEqual(ones([2, 2, 2]).triu(1).tolist(), [[[0, 1], [0, 0]], [[0, 1], [0, 0]]]);
  assert.throws(() => ones([3]).tril(), /at least 2 dims, got \[3\]/);
});

// ---- reductions -----------------------------------------------------------------------------------

test('sum and mean over dims, keepdim, negative dims and dim lists', () => {
  const x = f([[1, 2, 3], [4, 5, 6]]);
  assert.equal(x.sum().item(), 21);
  assert.deepEqual(x.sum().shape, []);
  assert.deepEqual(x.sum(0).tolist(), [5, 7, 9]);
  assert.deepEqual(x.sum(1, true).tolist(), [[6], [15]]);
  assert.deepEqual(x.sum(-1).tolist(), [6, 15]);
  assert.equal(x.sum([0, 1]).item(), 21);
  assert.deepEqual(x.sum([-1, 0], true).shape, [1, 1]);
  assert.deepEqual(x.mean(0).tolist(), [2.5, 3.5, 4.5]);
  assert.deepEqual(x.mean(-1, true).tolist(), [[2], [5]]);
  assert.equal(x.mean().item(), 3.5);
  const y = arange(24).float().reshape(2, 3, 4);
  assert.deepEqual(y.sum([0, 2]).tolist(), [60, 92, 124]);
  assert.deepEqual(y.sum(1, true).shape, [2, 1, 4]);
  assert.deepEqual(y.permute(2, 0, 1).sum(0).tolist(), [[6, 22, 38], [54, 70, 86]]);
  assert.equal(arange(5).sum().dtype, 'int32');
  assert.throws(() => x.sum(2), /dim 2 is out of range for a tensor of rank 2 \(expected in \[-2, 1\]\)/);
});

test('var with correction, over dims and all elements', () => {
  const x = f([[1, 2, 3], [4, 5, 9]]);
  assertClose(x.var(1), [1, 7]);
  assertClose(x.var(1, false, 0), [2 / 3, 14 / 3]);
  assertClose(x.var(0, true), [4.5, 4.5, 18]);
  assert.deepEqual(x.var(0, true).shape, [1, 3]);
  assertClose(x.var(), [8.0]); // mean 4, squared deviations 9+4+1+0+1+25 = 40, / 5
  assertClose(x.var(-1, true, 0).reshape(-1), [2 / 3, 14 / 3]);
});

test('max, min, argmax and argmin over dims; argmax takes the first of ties', () => {
  const x = f([[1, 7, 3], [8, 2, 8]]);
  assert.equal(x.max().item(), 8);
  assert.equal(x.min().item(), 1);
  assert.deepEqual(x.max(0).tolist(), [8, 7, 8]);
  assert.deepEqual(x.max(-1, true).tolist(), [[7], [8]]);
  assert.deepEqual(x.min(1).tolist(), [1, 2]);
  assert.deepEqual(x.argmax(1).tolist(), [1, 0]);
  assert.equal(x.argmax(1).dtype, 'int32');
  assert.deepEqual(x.argmin(0).tolist(), [0, 1, 0]);
  assert.deepEqual(x.argmax(-1, true).shape, [2, 1]);
  assert.equal(x.argmax().item(), 3);
  assert.equal(x.argmin().item(), 0);
  assert.deepEqual(arange(24).reshape(2, 3, 4).max(1).tolist(), [[8, 9, 10, 11], [20, 21, 22, 23]]);
  assert.equal(f([3, 4]).norm().item(), 5);
});

// ---- matmul --------------------------------------------------------------------------------------

/** torch.matmul by definition: plain loops over the broadcast batch. */
function naiveMatmul(a: Tensor, b: Tensor): { shape: number[]; data: number[] } {
  const A = a.toArray();
  const B = b.toArray();
  const as = a.ndim === 1 ? [1, a.shape[0]] : [...a.shape];
  const bs = b.ndim === 1 ? [b.shape[0], 1] : [...b.shape];
  const [M, K, N] = [as[as.length - 2], as[as.length - 1], bs[bs.length - 1]];
  const ab = as.slice(0, -2);
  const bb = bs.slice(0, -2);
  const nb = Math.max(ab.length, bb.length);
  const pad = (s: number[]) => [...new Array<number>(nb - s.length).fill(1), ...s];
  const [pa, pb] = [pad(ab), pad(bb)];
  const batch = pa.map((d, i) => Math.max(d, pb[i]));
  const count = batch.reduce((x, y) => x * y, 1);
  const data: number[] = [];
  for (let p = 0; p < count; p++) {
    let rest = p;
    let ia = 0;
    let ib = 0;
    let sa = 1;
    let sb = 1;
    for (let d = nb - 1; d >= 0; d--) {
      const i = rest % batch[d];
      rest = Math.floor(rest / batch[d]);
      ia += (pa[d] === 1 ? 0 : i) * sa;
      ib += (pb[d] === 1 ? 0 : i) * sb;
      sa *= pa[d];
      sb *= pb[d];
    }
    for (let i = 0; i < M; i++)
      for (let j = 0; j < N; j++) {
        let s = 0;
        for (let k = 0; k < K; k++) s += A[ia * M * K + i * K + k] * B[ib * K * N + k * N + j];
        data.push(s);
      }
  }
  return { shape: [...batch, ...(a.ndim === 1 ? [] : [M]), ...(b.ndim === 1 ? [] : [N])], data };
}

test('matmul in every rank combination matches naive loops', () => {
  const g = new Generator(11);
  const r = (...s: number[]) => randn(s, { generator: g });
  const cases: [Tensor, Tensor][] = [
    [r(4), r(4)], [r(3, 4), r(4)], [r(4), r(4, 5)], [r(3, 4), r(4, 5)], [r(2, 3, 4), r(4, 5)], [r(3, 4), r(2, 4, 5)],
    [r(2, 3, 4), r(2, 4, 5)], [r(2, 1, 3, 4), r(3, 4, 2)], [r(4), r(2, 4, 3)], [r(2, 3, 4), r(4)], [r(1, 3, 4), r(5, 4, 2)],
    // transposed and strided operands are read in place
    [r(4, 3).T, r(4, 5)], [r(3, 4), r(5, 4).T], [r(2, 4, 3).transpose(1, 2), r(2, 5, 4).transpose(-1, -2)],
    [r(3, 8).slice(1, 0, null, 2), r(4, 10).slice(1, 1, null, 2)], [r(4, 2, 3).permute(1, 0, 2), r(3, 5)],
    [r(2, 3, 4, 5).permute(1, 0, 2, 3), r(5, 2)],
  ];
  for (const [a, b] of cases) {
    const want = naiveMatmul(a, b);
    const got = a.matmul(b);
    assert.deepEqual(got.shape, want.shape, `${a.shape} @ ${b.shape}`);
    assertClose(got, want.data, 1e-5);
  }
});

test('matmul errors name both shapes', () => {
  assert.throws(() => ones([2, 3]).matmul(ones([4, 5])), /matmul: shapes \[2, 3\] and \[4, 5\] cannot be multiplied \(3 != 4\)/);
  assert.throws(() => ones([3]).matmul(ones([4])), /shapes \[3\] and \[4\]/);
  assert.throws(() => ones([2, 3, 4]).matmul(ones([3, 4, 5])), /shapes \[2, 3, 4\] and \[3, 4, 5\] cannot be multiplied: their batch dimensions \[2\] and \[3\] do not broadcast/);
  assert.throws(() => tensor(1).matmul(ones([1])), /at least 1 dim/);
});

// ---- softmax ----------------------------------------------------------------------------------------

test('softmax and logSoftmax along non-last dims', () => {
  const x = randn([2, 3, 4], { generator: new Generator(2) });
  const v = x.tolist() as number[][][];
  for (const d of [0, 1, 2]) {
    const want: number[] = [];
    const wantLog: number[] = [];
    for (let i = 0; i < 2; i++)
      for (let j = 0; j < 3; j++)
        for (let k = 0; k < 4; k++) {
          const at = [i, j, k];
          let s = 0;
          for (let m = 0; m < x.shape[d]; m++) {
            const q = [...at];
            q[d] = m;
            s += Math.exp(v[q[0]][q[1]][q[2]]);
          }
          want.push(Math.exp(v[i][j][k]) / s);
          wantLog.push(v[i][j][k] - Math.log(s));
        }
    assertClose(x.softmax(d), want, 1e-5);
    assertClose(x.softmax(d - 3), want, 1e-5);
    assertClose(x.logSoftmax(d), wantLog, 1e-5);
  }
  assertClose(f([1000, 1000]).softmax(0), [0.5, 0.5]); // stable
  assertClose(f([0, -Infinity]).softmax(0), [1, 0]);
});

// ---- indexing and joins -------------------------------------------------------------------------------

test('gather along each dim, with an index smaller than the input', () => {
  const x = f([[1, 2, 3], [4, 5, 6]]);
  assert.deepEqual(x.gather(1, i32([[2, 0], [1, 1]])).tolist(), [[3, 1], [5, 5]]);
  assert.deepEqual(x.gather(0, i32([[1, 0, 1]])).tolist(), [[4, 2, 6]]);
  assert.deepEqual(x.gather(-1, i32([[-1], [0]])).tolist(), [[3], [4]]);
  // (2, 3, 4) input, (2, 2, 1) index along the last dim: the outer coordinates are the index's own
  const y = arange(24).reshape(2, 3, 4);
  assert.deepEqual(y.gather(2, i32([[[3], [1]], [[0], [2]]])).tolist(), [[[3], [5]], [[12], [18]]]);
  // (2, 2, 2) index along dim 0 of a (3, 3, 4) input: inner coordinates too
  const z = arange(36).reshape(3, 3, 4);
  assert.deepEqual(z.gather(0, i32([[[2, 0], [1, 1]], [[0, 2], [2, 2]]])).tolist(), [[[24, 1], [16, 17]], [[0, 25], [28, 29]]]);
  assert.throws(() => x.gather(1, i32([[3]])), /index 3 is out of range for dim 1 of size 3/);
  assert.throws(() => x.gather(1, f([[0]])), /index must be an integer tensor, got float32/);
  assert.throws(() => x.gather(1, i32([0])), /index of shape \[1\] must have the rank of input \[2, 3\]/);
});

test('indexSelect on rows and columns, any index shape on dim 0, and keeping int dtypes', () => {
  const x = f([[1, 2, 3], [4, 5, 6], [7, 8, 9]]);
  assert.deepEqual(x.indexSelect(0, i32([2, 0, 2])).tolist(), [[7, 8, 9], [1, 2, 3], [7, 8, 9]]);
  assert.deepEqual(x.indexSelect(1, i32([2, 1])).tolist(), [[3, 2], [6, 5], [9, 8]]);
  assert.deepEqual(x.indexSelect(-1, i32([0])).tolist(), [[1], [4], [7]]);
  assert.deepEqual(x.indexSelect(0, i32([[0], [1]])).shape, [2, 1, 3]);
  const ids = arange(10, 15);
  const picked = ids.indexSelect(0, i32([4, 0]));
  assert.equal(picked.dtype, 'int32');
  assert.deepEqual(picked.tolist(), [14, 10]);
  assert.throws(() => x.indexSelect(0, i32([3])), /index 3 is out of range for 3 rows/);
});

test('cat and stack along any dim; errors name the shapes', () => {
  const a = f([[1, 2], [3, 4]]);
  const b = f([[5, 6]]);
  assert.deepEqual(cat([a, b]).tolist(), [[1, 2], [3, 4], [5, 6]]);
  assert.deepEqual(cat([a, b.T], -1).tolist(), [[1, 2, 5], [3, 4, 6]]);
  assert.deepEqual(cat([arange(2), arange(1)]).tolist(), [0, 1, 0]);
  assert.deepEqual(stack([a, a.mul(10)]).tolist(), [[[1, 2], [3, 4]], [[10, 20], [30, 40]]]);
  assert.deepEqual(stack([a, a.mul(10)], 1).tolist(), [[[1, 2], [10, 20]], [[3, 4], [30, 40]]]);
  assert.deepEqual(stack([f([1, 2]), f([3, 4])], -1).tolist(), [[1, 3], [2, 4]]);
  assert.throws(() => cat([a, b], 1), /cat: tensor 1 has shape \[1, 2\], expected \[2, 2\] except in dim 1/);
  assert.throws(() => stack([a, b]), /stack: tensor 1 has shape \[1, 2\], expected \[2, 2\]/);
  assert.throws(() => cat([]), /non-empty/);
});

// ---- printing and errors -------------------------------------------------------------------------------

test('printing follows PyTorch: widths, integer-valued floats, scientific notation, wrapping, summaries', () => {
  assert.equal(f([[1.5, 2], [3.25, -4]]).toString(), 'tensor([[ 1.5000,  2.0000],\n        [ 3.2500, -4.0000]])');
  assert.equal(f([[1, 2], [3, 4]]).toString(), 'tensor([[1., 2.],\n        [3., 4.]])');
  assert.equal(tensor(0.5).toString(), 'tensor(0.5000)');
  assert.equal(f([1e-5, 1]).toString(), 'tensor([1.0000e-05, 1.0000e+00])');
  assert.equal(f([1, 12345]).toString(), 'tensor([1.0000e+00, 1.2345e+04])');
  assert.equal(f([0, NaN, -Infinity, 0.25]).toString(), 'tensor([0.0000,    nan,   -inf, 0.2500])');
  assert.equal(
    arange(8).float().reshape(2, 2, 2).toString(),
    'tensor([[[0., 1.],\n         [2., 3.]],\n\n        [[4., 5.],\n         [6., 7.]]])',
  );
  assert.equal(
    arange(20).float().toString(),
    'tensor([ 0.,  1.,  2.,  3.,  4.,  5.,  6.,  7.,  8.,  9., 10., 11., 12., 13.,\n        14., 15., 16., 17., 18., 19.])',
  );
  assert.equal(arange(995, 2000).float().toString(), 'tensor([ 995.,  996.,  997.,  ..., 1997., 1998., 1999.])');
  assert.equal(
    arange(2000).float().toString(), // max/min > 1000: scientific, wrapped at 80 columns
    'tensor([0.0000e+00, 1.0000e+00, 2.0000e+00,  ..., 1.9970e+03, 1.9980e+03,\n        1.9990e+03])',
  );
  assert.equal(
    arange(3000, 6000).float().reshape(1000, 3).toString(),
    'tensor([[3000., 3001., 3002.],\n        [3003., 3004., 3005.],\n        [3006., 3007., 3008.],\n        ...,\n' +
      '        [5991., 5992., 5993.],\n        [5994., 5995., 5996.],\n        [5997., 5998., 5999.]])',
  );
});

test('printing annotates dtypes and autograd state', () => {
  assert.equal(arange(6).reshape(2, 3).toString(), 'tensor([[0, 1, 2],\n        [3, 4, 5]], dtype=int32)');
  assert.equal(arange(-1, 11, 11).toString(), 'tensor([-1, 10], dtype=int32)');
  assert.equal(tensor([true, false]).toString(), 'tensor([ true, false], dtype=bool)');
  const x = f([1, 2]).requiresGrad_();
  assert.equal(x.toString(), 'tensor([1., 2.], requiresGrad=true)');
  assert.equal(x.mul(2).toString(), 'tensor([2., 4.], gradFn=<mul>)');
});

test('size() with negative dims, and its range error', () => {
  const x = zeros([2, 3]);
  assert.equal(x.size(-1), 3);
  assert.equal(x.size(0), 2);
  assert.throws(() => x.size(2), /dim 2 is out of range for a tensor of rank 2/);
});

test('item() on a one-element tensor, and its error text otherwise', () => {
  assert.equal(f([[3]]).item(), 3);
  assert.equal(arange(1).item(), 0);
  assert.equal(tensor([true]).item(), 1);
  assert.throws(() => f([1, 2]).item(), /item\(\): tensor of shape \[2\] has 2 elements, expected 1/);
});

test('broadcast failures name both shapes', () => {
  assert.throws(() => ones([2, 3]).add(ones([4])), /add: shapes \[2, 3\] and \[4\] cannot be broadcast \(dimension 1: 3 vs 4\)/);
  assert.throws(() => ones([2, 3]).lt(ones([2, 2])), /shapes \[2, 3\] and \[2, 2\]/);
  assert.throws(() => where(tensor([true, false, true]), ones([2]), 0), /\[3\] and \[2\]/);
});
