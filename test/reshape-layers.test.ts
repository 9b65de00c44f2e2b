/** nn.Flatten, nn.Unflatten and nn.Identity: PyTorch's shapes, defaults, errors and repr; gradients pass through. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { arange } from '../src/core/creation.js';
import { Conv2d, Flatten, Identity, Linear, Sequential, Unflatten } from '../src/nn/index.js';

describe('Flatten, Unflatten, Identity', () => {
  test('Flatten: start_dim 1 and end_dim -1 by default; negative and partial ranges; values in order', () => {
    const x = arange(2 * 3 * 4 * 5).reshape([2, 3, 4, 5]);
    assert.deepEqual(new Flatten().forward(x).shape, [2, 60]);
    assert.deepEqual(new Flatten(0).forward(x).shape, [120]);
    assert.deepEqual(new Flatten(1, 2).forward(x).shape, [2, 12, 5]);
    assert.deepEqual(new Flatten(-3, -2).forward(x).shape, [2, 12, 5]);
    assert.deepEqual(new Flatten(2, 2).forward(x).shape, [2, 3, 4, 5]);
    assert.deepEqual(Array.from(new Flatten().forward(x).toArray()), Array.from(x.toArray()));
    assert.deepEqual(new Flatten(0).forward(arange(1).reshape([])).shape, [1]); // a 0-d tensor, as torch.flatten
  });

  test('Flatten: errors name the dims and the input', () => {
    const x = arange(6).reshape([2, 3]);
    assert.throws(() => new Flatten(2).forward(x), /start_dim 2 is out of range for a tensor of rank 2/);
    assert.throws(() => new Flatten(1, 0).forward(x), /start_dim 1 comes after end_dim 0 for input \[2, 3\]/);
    assert.throws(() => new Flatten().forward(arange(3)), /Flatten: start_dim 1 is out of range/);
    assert.throws(() => new Flatten(0.5), /startDim must be an integer, got 0.5/);
  });

  test('Unflatten: splits one dim, infers one -1, undoes Flatten', () => {
    const x = arange(2 * 60).reshape([2, 60]);
    const y = new Unflatten(1, [3, 4, 5]).forward(x);
    assert.deepEqual(y.shape, [2, 3, 4, 5]);
    assert.deepEqual(Array.from(new Flatten().forward(y).toArray()), Array.from(x.toArray()));
    assert.deepEqual(new Unflatten(-1, [-1, 6]).forward(x).shape, [2, 10, 6]);
    assert.deepEqual(new Unflatten(0, [1, 2]).forward(x).shape, [1, 2, 60]);
    assert.deepEqual(new Unflatten(1, [60]).forward(x).shape, [2, 60]);
  });

  test('Unflatten: sizes that do not multiply up, two -1s and bad dims are errors', () => {
    const x = arange(14).reshape([2, 7]);
    assert.throws(() => new Unflatten(1, [2, 3]).forward(x), /sizes \[2, 3\] don't multiply up to the size of dim 1 \(7\) of input \[2, 7\]/);
    assert.throws(() => new Unflatten(1, [-1, 2]).forward(x), /don't multiply up/);
    assert.throws(() => new Unflatten(1, [-1, -1]), /only one size can be -1/);
    assert.throws(() => new Unflatten(1, []), /non-empty list/);
    assert.throws(() => new Unflatten(2, [7]).forward(x), /dim 2 is out of range for a tensor of rank 2/);
  });

  test('Identity returns its input itself; gradients flow through all three', () => {
    const x = arange(24).float().reshape([2, 3, 4]).requiresGrad_(true);
    const id = new Identity();
    assert.equal(id.forward(x), x);
    const y = new Unflatten(1, [2, 6]).forward(new Flatten().forward(id.forward(x)));
    assert.deepEqual(y.shape, [2, 2, 6]);
    y.mul(arange(24).float().reshape([2, 2, 6])).sum().backward();
    assert.deepEqual(Array.from(x.grad!.toArray()), Array.from(arange(24).toArray()));
  });

  test('repr as PyTorch, no parameters, and a CNN head in a Sequential', () => {
    assert.equal(new Flatten().toString(), 'Flatten(start_dim=1, end_dim=-1)');
    assert.equal(new Unflatten(1, [2, 5]).toString(), 'Unflatten(dim=1, unflattened_size=(2, 5))');
    assert.equal(new Unflatten(0, [4]).toString(), 'Unflatten(dim=0, unflattened_size=(4,))');
    assert.equal(new Identity().toString(), 'Identity()');
    assert.equal([...new Flatten().parameters()].length, 0);
    const net = new Sequential(new Conv2d(1, 2, 3), new Flatten(), new Identity(), new Linear(2 * 3 * 3, 4));
    assert.deepEqual(net.forward(arange(2 * 25).float().reshape([2, 1, 5, 5])).shape, [2, 4]);
  });
});
