// Every differentiable op of the core against central differences (src/core/gradcheck.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cat, stack, tensor, where } from '../src/node.js';
import { gradcheck } from '../src/core/gradcheck.js';
import { withGrad, type Tensor } from '../src/core/tensor.js';
import { assertGradcheck as ok } from './helpers/gradcheck.js';
import { awayFromZero, distinct, param, uniform } from './helpers/inputs.js';

test('gradcheck: catches a wrong gradient and names input, element and both values', () => {
  const doubled = (x: Tensor) => withGrad('bad', x.detach().square(), [x], (g) => [g.mul(x).mul(4)]); // true: 2x
  const x = param([2, 3]);
  assert.throws(() => gradcheck(doubled, [x]), /input 0 \(shape \[2, 3\]\), element \d \[\d, \d\]: analytic -?[\d.e-]+ vs numeric -?[\d.e-]+/);
  // the right gradient passes, and .grad is left as it was
  x.grad = null;
  ok((x) => withGrad('good', x.detach().square(), [x], (g) => [g.mul(x).mul(2)]), [x]);
  assert.equal(x.grad, null);
});

test('gradcheck: a one-element output is its own loss, so a gradient 5% off is caught at the default tolerances', () => {
  // a random cotangent w would scale the check: with w = -0.04, a 5% error would shrink below atol
  const x = param([2, 3]);
  const sumSquares = (k: number) => (x: Tensor) => withGrad('sumSquares', x.detach().square().sum(), [x], (g) => [g.mul(x).mul(k)]);
  ok(sumSquares(2), [x]);
  assert.throws(() => gradcheck(sumSquares(2.1), [x]), /analytic -?[\d.e-]+ vs numeric -?[\d.e-]+/);
});

test('gradcheck: skips inputs that do not require grad; rejects non-leaves and gradient-free outputs', () => {
  const a = param([3]);
  const b = param([3], 2).detach();
  ok((a, b) => a.mul(b), [a, b]);
  assert.throws(() => gradcheck((x) => x.exp(), [a.mul(2)]), /input 0 must be a leaf/);
  assert.throws(() => gradcheck((x) => x.exp(), [b]), /no float32 input requires grad/);
});

test('gradcheck: unary ops', () => {
  const x = param([3, 4]);
  const pos = uniform([3, 4], 0.5, 2);
  const nz = awayFromZero([3, 4]);
  for (const f of [
    (t: Tensor) => t.neg(), (t: Tensor) => t.exp(), (t: Tensor) => t.tanh(), (t: Tensor) => t.sigmoid(),
    (t: Tensor) => t.gelu(), (t: Tensor) => t.gelu('tanh'), (t: Tensor) => t.sin(), (t: Tensor) => t.cos(),
    (t: Tensor) => t.erf(), (t: Tensor) => t.square(),
  ])
    ok(f, [x]);
  for (const f of [(t: Tensor) => t.log(), (t: Tensor) => t.sqrt(), (t: Tensor) => t.rsqrt(), (t: Tensor) => t.log1p()]) ok(f, [pos]);
  for (const f of [(t: Tensor) => t.abs(), (t: Tensor) => t.relu(), (t: Tensor) => t.elu(), (t: Tensor) => t.sign(), (t: Tensor) => t.reciprocal()])
    ok(f, [nz]);
});

test('gradcheck: binary ops, with broadcasting and numbers', () => {
  const shapes: [number[], number[]][] = [[[3, 4], [3, 4]], [[3, 4], [4]], [[3, 1], [1, 4]], [[2, 1, 4], [3, 1]], [[], [2, 3]]];
  shapes.forEach(([sa, sb], k) => {
    const a = param(sa, 10 + k);
    const b = param(sb, 20 + k);
    const bNz = awayFromZero(sb, 30 + k, 0.5);
    ok((a, b) => a.add(b), [a, b]);
    ok((a, b) => a.sub(b), [a, b]);
    ok((a, b) => a.mul(b), [a, b]);
    ok((a, b) => a.div(b), [a, bNz]);
  });
  const x = param([2, 3]);
  ok((x) => x.add(2).sub(1).mul(3).div(4), [x]);
});

test('gradcheck: pow in both arguments, and with number exponents', () => {
  const base = uniform([3, 4], 0.5, 2);
  const exponent = param([4], 3);
  ok((a, b) => a.pow(b), [base, exponent]);
  ok((a) => a.pow(3), [param([5])]);
  ok((a) => a.pow(0.5), [base]);
  ok((a) => a.pow(-2), [base]);
});

test('gradcheck: maximum and minimum away from ties, with broadcasting', () => {
  const a = distinct([3, 4], 1);
  const b = distinct([4], 2);
  ok((a, b) => a.maximum(b), [a, b]);
  ok((a, b) => a.minimum(b), [a, b]);
  ok((a) => a.maximum(0.05), [a]);
});

test('gradcheck: clamp, where, maskedFill, tril, triu', () => {
  const x = distinct([4, 5]).detach().add(0.05).requiresGrad_(); // values k/10 + 0.05: never at a bound
  ok((x) => x.clamp(-0.5, 0.5), [x]);
  ok((x) => x.clamp(0, null), [x]);
  ok((x) => x.clamp(null, 0.3), [x]);
  const cond = tensor([[true, false, true, false, true]]);
  const y = param([4, 1], 5);
  ok((x, y) => where(cond, x, y), [x, y]);
  ok((x, y) => x.where(cond.logicalNot(), y), [x, y]);
  ok((x) => x.maskedFill(cond, -1), [x]);
  for (const k of [-1, 0, 2]) {
    ok((x) => x.tril(k), [x]);
    ok((x) => x.triu(k), [x]);
  }
  ok((x) => x.tril().triu(), [param([2, 3, 3])]);
});

test('gradcheck: sum, mean and var over dims, keepdim and negative dims', () => {
  const x = param([2, 3, 4]);
  for (const [dim, keep] of [[null, false], [0, false], [1, true], [-1, false], [[0, 2], false], [[-1, -2], true]] as const) {
    ok((x) => x.sum(dim as number | number[] | null, keep), [x]);
    ok((x) => x.mean(dim as number | number[] | null, keep), [x]);
    ok((x) => x.var(dim as number | number[] | null, keep), [x]);
  }
  ok((x) => x.var(1, false, 0), [x]);
  ok((x) => x.norm(), [x]);
});

test('gradcheck: max and min over all and over dims (no ties)', () => {
  const x = distinct([3, 4, 2]);
  for (const [dim, keep] of [[null, false], [0, false], [1, true], [-1, false]] as const) {
    ok((x) => x.max(dim, keep), [x]);
    ok((x) => x.min(dim, keep), [x]);
  }
});

test('gradcheck: matmul in every rank combination, with batch broadcast and transposed operands', () => {
  const cases: [number[], number[]][] = [
    [[4], [4]], [[3, 4], [4]], [[4], [4, 5]], [[3, 4], [4, 5]], [[2, 3, 4], [4, 5]], [[3, 4], [2, 4, 5]],
    [[2, 3, 4], [2, 4, 5]], [[2, 1, 3, 4], [3, 4, 2]], [[4], [2, 4, 3]], [[2, 3, 4], [4]],
  ];
  cases.forEach(([sa, sb], k) => ok((a, b) => a.matmul(b), [param(sa, 40 + k), param(sb, 50 + k)]));
  // transposed leaves (non-contiguous storage) and transposes inside the function
  const aT = param([4, 3], 7).detach().T.requiresGrad_();
  const bT = param([5, 4], 8).detach().T.requiresGrad_();
  ok((a, b) => a.matmul(b), [aT, bT]);
  ok((a, b) => a.matmul(b.transpose(-1, -2)), [param([2, 3, 4], 9), param([2, 5, 4], 10)]);
});

test('gradcheck: softmax and logSoftmax along every dim', () => {
  const x = param([2, 3, 4]);
  for (const d of [0, 1, 2, -1]) {
    ok((x) => x.softmax(d), [x]);
    ok((x) => x.logSoftmax(d), [x]);
  }
});

test('gradcheck: views and copies', () => {
  const x = param([2, 3, 4]);
  const views: ((t: Tensor) => Tensor)[] = [
    (t) => t.reshape(4, 6), (t) => t.view([6, -1]), (t) => t.flatten(), (t) => t.flatten(1),
    (t) => t.permute(2, 0, 1), (t) => t.transpose(0, 2), (t) => t.transpose(1, 2).reshape(2, 12),
    (t) => t.slice(2, 0, null, 2), (t) => t.slice(1, -2), (t) => t.slice(2, 1, 4, 2).slice(0, 1),
    (t) => t.select(1, -1), (t) => t.narrow(2, 1, 2), (t) => t.unsqueeze(1), (t) => t.slice(1, 0, 1).squeeze(1),
    (t) => t.unsqueeze(0).squeeze(), (t) => t.transpose(0, 1).contiguous(), (t) => t.clone(),
    (t) => t.slice(0, 0, 1).expand(3, 3, 4), (t) => t.select(2, 0).unsqueeze(-1).expand(-1, -1, 5),
  ];
  for (const v of views) ok((t) => v(t).mul(v(t)), [x]); // squared so each view's gradient is data-dependent
});

test('gradcheck: gather and indexSelect (repeated indices accumulate)', () => {
  const x = param([3, 4, 2]);
  const idx1 = tensor([[[0, 1], [3, 3]], [[2, 0], [1, 1]]], { dtype: 'int32' }); // (2, 2, 2) along dim 1
  ok((x) => x.gather(1, idx1), [x]);
  ok((x) => x.gather(0, tensor([[[2, 0]], [[0, 0]]], { dtype: 'int32' })), [x]);
  ok((x) => x.gather(-1, tensor([[[1], [0], [1]]], { dtype: 'int32' })), [x]);
  const rows = tensor([2, 0, 2], { dtype: 'int32' });
  ok((x) => x.indexSelect(0, rows), [x]);
  ok((x) => x.indexSelect(1, tensor([3, 1, 1], { dtype: 'int32' })), [x]);
  ok((x) => x.indexSelect(0, tensor([[0, 1], [1, 2]], { dtype: 'int32' })), [x]);
});

test('gradcheck: cat, stack, split and chunk', () => {
  const a = param([2, 3], 1);
  const b = param([2, 1], 2);
  const c = param([2, 2], 3);
  ok((a, b, c) => cat([a, b, c], 1), [a, b, c]);
  ok((a, b) => cat([a, b.expand(2, 3)], 0), [a, b]);
  ok((a, c) => stack([a.slice(1, 0, 2), c], 1), [a, c]);
  ok((a, c) => stack([a.slice(1, 1), c, c], -1), [a, c]);
  const x = param([6, 5], 4);
  ok((x) => { const [p, q, r] = x.split([1, 3, 1], 1); return cat([r.mul(2), p, q.square()], 1); }, [x]);
  ok((x) => { const [p, q] = x.split(4, 0); return q.sum(0).mul(p.sum(0)); }, [x]);
  ok((x) => { const ps = x.chunk(3, 0); return ps[0].mul(ps[2]).sub(ps[1]); }, [x]);
});
