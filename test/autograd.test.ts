// Autograd semantics: accumulation, explicit gradients, noGrad, detach, shared subexpressions, freed
// graphs, and which tensors may require grad.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { enableGrad, isGradEnabled, noGrad, ones, tensor } from '../src/node.js';
import { assertClose } from './helpers/close.js';

test('gradients accumulate over two backward calls until reset', () => {
  const x = tensor([1, 2, 3], { requiresGrad: true });
  x.mul(3).sum().backward();
  assert.deepEqual(x.grad!.tolist(), [3, 3, 3]);
  x.square().sum().backward();
  assert.deepEqual(x.grad!.tolist(), [5, 7, 9]);
  x.grad = null;
  x.mul(2).sum().backward();
  assert.deepEqual(x.grad!.tolist(), [2, 2, 2]);
});

test('leaves that receive the same gradient tensor get separate .grad buffers', () => {
  // add hands one gradient tensor to both inputs; accumulating into one must not change the other
  const a = tensor([1, 2], { requiresGrad: true });
  const b = tensor([3, 4], { requiresGrad: true });
  a.add(b).sum().backward();
  assert.notEqual(a.grad!.storage, b.grad!.storage);
  a.add(b).sum().backward();
  assert.deepEqual(a.grad!.tolist(), [2, 2]);
  assert.deepEqual(b.grad!.tolist(), [2, 2]);
  // an explicit gradient is copied, not adopted
  const g = tensor([1, 1]);
  a.grad = null;
  a.backward(g);
  g.fill_(5);
  assert.deepEqual(a.grad!.tolist(), [1, 1]);
});

test('backward of a non-scalar needs an explicit gradient of its shape', () => {
  const x = tensor([[1, 2, 3], [4, 5, 6]], { requiresGrad: true });
  const y = x.mul(2);
  assert.throws(() => y.backward(), /backward\(\): a gradient argument is needed for a non-scalar output of shape \[2, 3\]/);
  assert.throws(() => y.backward(ones([3])), /gradient of shape \[3\] does not match output of shape \[2, 3\]/);
  y.backward(tensor([[1, 0, 2], [0, 1, 0]]));
  assert.deepEqual(x.grad!.tolist(), [[2, 0, 4], [0, 2, 0]]);
  assert.throws(() => tensor([1, 2]).sum().backward(), /does not require grad/);
});

test('noGrad records nothing, enableGrad re-enables inside it', () => {
  const x = tensor([1, 2], { requiresGrad: true });
  const y = noGrad(() => {
    assert.equal(isGradEnabled(), false);
    const inner = enableGrad(() => x.mul(2));
    assert.equal(inner.requiresGrad, true);
    return x.mul(2);
  });
  assert.equal(isGradEnabled(), true);
  assert.equal(y.requiresGrad, false);
  assert.equal(y.gradFn, null);
  assert.throws(() => noGrad(() => { throw new Error('boom'); }), /boom/);
  assert.equal(isGradEnabled(), true); // restored after a throw
});

test('detach shares data and stops gradients', () => {
  const x = tensor([1, 2, 3], { requiresGrad: true });
  const d = x.detach();
  assert.equal(d.requiresGrad, false);
  assert.equal(d.storage, x.storage);
  x.mul(d).sum().backward(); // d is a constant: dx = d
  assert.deepEqual(x.grad!.tolist(), [1, 2, 3]);
  d.fill_(0);
  assert.deepEqual(x.tolist(), [0, 0, 0]);
});

test('shared subexpressions (diamond graphs) sum their gradients', () => {
  const x = tensor([0.5, -1, 2], { requiresGrad: true });
  const y = x.square(); // used twice below
  y.mul(2).add(y.mul(3)).sum().backward(); // d/dx 5 x^2 = 10 x
  assertClose(x.grad!, [5, -10, 20]);
  x.grad = null;
  const s = x.exp();
  s.mul(s).sum().backward(); // d/dx e^{2x} = 2 e^{2x}
  assertClose(x.grad!, [0.5, -1, 2].map((v) => 2 * Math.exp(2 * v)), 1e-5);
  x.grad = null;
  x.mul(x).add(x).sum().backward(); // 2x + 1
  assertClose(x.grad!, [2, -1, 5]);
});

test('non-leaf tensors track requiresGrad; only leaves get .grad', () => {
  const x = tensor([1, 2], { requiresGrad: true });
  const y = x.mul(2);
  assert.equal(x.isLeaf, true);
  assert.equal(y.isLeaf, false);
  assert.equal(y.requiresGrad, true);
  y.sum().backward();
  assert.equal(y.grad, null);
  assert.equal(tensor([1]).add(1).requiresGrad, false);
  assert.throws(() => y.requiresGrad_(false), /non-leaf/);
});

test('a second backward through a freed graph fails clearly', () => {
  const x = tensor([1, 2], { requiresGrad: true });
  const loss = x.exp().sum();
  loss.backward();
  assert.throws(() => loss.backward(), /backward: the graph through sum was already freed by an earlier backward\(\)/);
  // also when only a shared part of the graph was freed
  const h = x.tanh();
  h.sum().backward();
  assert.throws(() => h.mul(2).sum().backward(), /the graph through tanh was already freed/);
  // a graph that ran keeps no inputs: its saved activations are garbage even while the loss lives
  assert.equal(loss.gradFn!.inputs.length, 0);
});

test('only float32 tensors can require gradients; int and bool inputs simply get none', () => {
  assert.throws(() => tensor([1, 2], { dtype: 'int32' }).requiresGrad_(), /only float32 tensors can require gradients, not int32/);
  assert.throws(() => tensor([1, 2], { dtype: 'int32', requiresGrad: true }), /not int32/);
  assert.throws(() => tensor([true]).requiresGrad_(), /not bool/);
  const x = tensor([1.5, 2], { requiresGrad: true });
  const k = tensor([2, 3], { dtype: 'int32' });
  x.mul(k).sum().backward();
  assert.deepEqual(x.grad!.tolist(), [2, 3]);
});

test('gradients with broadcasting reduce back to each input shape', () => {
  const a = tensor([[1, 2, 3], [4, 5, 6]], { requiresGrad: true });
  const b = tensor([10, 20, 30], { requiresGrad: true });
  const c = tensor([[2], [3]], { requiresGrad: true });
  a.mul(b).add(c).sum().backward();
  assert.deepEqual(a.grad!.tolist(), [[10, 20, 30], [10, 20, 30]]);
  assert.deepEqual(b.grad!.tolist(), [5, 7, 9]);
  assert.deepEqual(c.grad!.tolist(), [[3], [3]]);
});

test('PyTorch conventions at special points: pow at 0, ties in max, clamp bounds', () => {
  const x = tensor([0, 2], { requiresGrad: true });
  x.pow(0).sum().backward(); // d x^0 / dx = 0, also at x = 0 (not 0 * 0^-1 = NaN)
  assert.deepEqual(x.grad!.tolist(), [0, 0]);
  const e = tensor([1, 2], { requiresGrad: true });
  tensor([0, 3]).pow(e).sum().backward(); // d 0^e / de = 0 (not 0 * ln 0 = NaN)
  assertClose(e.grad!, [0, 9 * Math.log(3)], 1e-6);
  const m = tensor([1, 3, 3], { requiresGrad: true });
  m.max().backward(); // ties share the gradient evenly
  assert.deepEqual(m.grad!.tolist(), [0, 0.5, 0.5]);
  const c = tensor([-1, 0, 0.5, 1, 2], { requiresGrad: true });
  c.clamp(0, 1).sum().backward(); // flows where min <= x <= max
  assert.deepEqual(c.grad!.tolist(), [0, 1, 1, 1, 0]);
  const r = tensor([-1, 0, 1], { requiresGrad: true });
  r.relu().sum().backward();
  assert.deepEqual(r.grad!.tolist(), [0, 0, 1]);
});
