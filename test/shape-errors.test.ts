// Shapes are validated where tensors are made or re-viewed (non-negative safe integers, as PyTorch
// requires), and shape errors name the whole shapes and the function.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { arange, eye, F, fromArray, full, ones, rand, randint, randn, tensor, Tensor, zeros, zerosLike } from '../src/node.js';

const BAD_SIZES = [NaN, -1, 1.5, Infinity, 2 ** 53];

/** Asserts `fn` throws a message that starts with `name:` and contains every pattern. */
function refuses(fn: () => unknown, name: string, ...patterns: (string | RegExp)[]): void {
  assert.throws(fn, (e: unknown) => {
    const m = (e as Error).message;
    assert.ok(m.startsWith(`${name}: `), `'${m}' does not start with '${name}: '`);
    for (const p of patterns) typeof p === 'string' ? assert.ok(m.includes(p), `'${m}' lacks '${p}'`) : assert.match(m, p);
    return true;
  });
}

test('creation functions refuse a shape with a NaN, negative, fractional, infinite or unsafe size, naming the function and the shape', () => {
  for (const d of BAD_SIZES) {
    const shape = [2, d];
    const s = `[2, ${d}]`;
    refuses(() => zeros(shape), 'zeros', s, `dimension 1 is ${d}`);
    refuses(() => ones(shape), 'ones', s);
    refuses(() => full(shape, 7), 'full', s);
    refuses(() => randn(shape), 'randn', s);
    refuses(() => rand(shape), 'rand', s);
    refuses(() => randint(0, 5, shape), 'randint', s);
    refuses(() => fromArray([1, 2], shape), 'fromArray', s);
    refuses(() => Tensor.empty(shape), 'Tensor.empty', s);
    refuses(() => eye(d), 'eye', `${d}`);
  }
});

test('zeros([2, 1.5]) no longer returns uninitialised memory', () => {
  assert.throws(() => zeros([2, 1.5]), /expected a non-negative integer/);
});

test('valid shapes, empty ones included, are accepted', () => {
  assert.deepEqual(zeros([2, 0]).shape, [2, 0]);
  assert.deepEqual(zeros([]).shape, []);
  assert.deepEqual(eye(0).shape, [0, 0]);
  assert.deepEqual(zerosLike(ones([3, 1])).tolist(), [[0], [0], [0]]);
  assert.deepEqual(tensor([[1, 2], [3, 4]]).shape, [2, 2]);
});

test('arange refuses non-finite bounds and steps, and sizes beyond the safe integers', () => {
  refuses(() => arange(0, NaN), 'arange', 'NaN');
  refuses(() => arange(0, Infinity), 'arange', 'Infinity');
  refuses(() => arange(NaN), 'arange', 'NaN');
  refuses(() => arange(0, 1, NaN), 'arange', 'NaN');
  refuses(() => arange(0, 1e300, 1e-300), 'arange');
  assert.deepEqual(arange(5, 0, -2).tolist(), [5, 3, 1]);
});

test('reshape and view refuse invalid target shapes, naming themselves and the shape', () => {
  const x = arange(6);
  for (const [fn, f] of [['reshape', (s: number[]) => x.reshape(s)], ['view', (s: number[]) => x.view(s)]] as const) {
    refuses(() => f([2, 1.5]), fn, '[2, 1.5]');
    refuses(() => f([2, NaN]), fn, '[2, NaN]');
    refuses(() => f([-2, -3]), fn, '[-2, -3]');
    refuses(() => f([-1, -1]), fn, 'only one dimension can be inferred');
    refuses(() => f([4, -1]), fn, '[4, -1]', '6 elements');
    assert.deepEqual(f([3, -1]).shape, [3, 2]);
  }
});

test('matmul with batch dimensions that do not broadcast names both full shapes', () => {
  refuses(() => zeros([2, 2, 3]).matmul(zeros([3, 3, 4])), 'matmul', '[2, 2, 3]', '[3, 3, 4]');
});

test('crossEntropy with a float target of the wrong shape says what targets it takes', () => {
  const logits = zeros([4, 5]);
  const floatIndices = fromArray([0, 1, 2, 3], [4]);
  refuses(() => F.crossEntropy(logits, floatIndices), 'crossEntropy', 'float32', '[4]', 'int32 class indices of shape [4]', 'probabilities of shape [4, 5]');
  // both documented forms still work
  assert.ok(Number.isFinite(F.crossEntropy(logits, fromArray([0, 1, 2, 3], [4], { dtype: 'int32' })).item()));
  assert.ok(Number.isFinite(F.crossEntropy(logits, full([4, 5], 0.2)).item()));
});
