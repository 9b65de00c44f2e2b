// Views share storage (reshape of contiguous data, permute, transpose, slice, expand, squeeze, select,
// split); copies happen where the layout forces them; writes through views reach the base tensor.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { arange, ones, tensor, zeros } from '../src/node.js';

const grid = () => arange(24).reshape(2, 3, 4); // value = 12 i + 4 j + k

test('reshape and view of contiguous data are views; -1 is inferred; bad shapes are named', () => {
  const x = arange(12);
  const v = x.view(3, 4);
  assert.equal(v.storage, x.storage);
  assert.deepEqual(v.tolist(), [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11]]);
  assert.deepEqual(x.reshape([2, -1, 2]).shape, [2, 3, 2]);
  assert.deepEqual(x.view(-1).shape, [12]);
  assert.deepEqual(tensor(3).reshape(1, 1).shape, [1, 1]);
  assert.throws(() => x.view(5, -1), /cannot infer -1 in \[5, -1\] for 12 elements/);
  assert.throws(() => x.reshape(5, 2), /shape \[5, 2\] is invalid for a tensor of 12 elements/);
});

test('view of a non-contiguous tensor errors where reshape copies', () => {
  const t = arange(12).reshape(3, 4).T; // (4, 3), strides (1, 4)
  assert.equal(t.isContiguous(), false);
  assert.throws(() => t.view(12), /view: shape \[12\] is incompatible with the layout of a \[4, 3\] view; use reshape\(\)/);
  const r = t.reshape(12);
  assert.notEqual(r.storage, t.storage);
  assert.deepEqual(r.tolist(), [0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11]);
  // splitting or merging dims that stay contiguous is still a view, as in PyTorch
  const p = grid().permute(1, 0, 2); // (3, 2, 4): the last dim is contiguous
  const q = p.view(3, 2, 2, 2);
  assert.equal(q.storage, p.storage);
  assert.deepEqual(q.reshape(3, 8).select(0, 1).tolist(), [4, 5, 6, 7, 16, 17, 18, 19]);
  assert.throws(() => p.view(6, 4), /incompatible/);
});

test('permute, transpose and T reorder dims without copying', () => {
  const x = grid();
  const p = x.permute(2, 0, 1); // (4, 2, 3): p[k][i][j] = x[i][j][k]
  assert.equal(p.storage, x.storage);
  assert.deepEqual(p.shape, [4, 2, 3]);
  const pl = p.tolist() as number[][][];
  for (let i = 0; i < 2; i++) for (let j = 0; j < 3; j++) for (let k = 0; k < 4; k++) assert.equal(pl[k][i][j], 12 * i + 4 * j + k);
  assert.deepEqual(x.permute([-1, 1, 0]).shape, [4, 3, 2]);
  assert.deepEqual(x.transpose(0, -1).tolist(), x.permute(2, 1, 0).tolist());
  assert.deepEqual(arange(6).reshape(2, 3).T.tolist(), [[0, 3], [1, 4], [2, 5]]);
  assert.throws(() => x.permute(0, 1), /2 dims given for a tensor of rank 3/);
  assert.throws(() => x.permute(0, 1, 1), /repeated dim/);
});

test('slice with steps and negative or out-of-range bounds (Python semantics)', () => {
  const x = arange(10);
  assert.deepEqual(x.slice(0, 2, 5).tolist(), [2, 3, 4]);
  assert.deepEqual(x.slice(0, null, null, 3).tolist(), [0, 3, 6, 9]);
  assert.deepEqual(x.slice(0, -7, -1, 2).tolist(), [3, 5, 7]);
  assert.deepEqual(x.slice(0, -3).tolist(), [7, 8, 9]);
  assert.deepEqual(x.slice(0, -100, 100, 4).tolist(), [0, 4, 8]);
  assert.deepEqual(x.slice(0, 8, 2).shape, [0]);
  const g = grid().slice(2, 1, null, 2).slice(1, 1); // (2, 2, 2)
  assert.equal(g.storage.length, 24);
  assert.deepEqual(g.tolist(), [[[5, 7], [9, 11]], [[17, 19], [21, 23]]]);
  assert.throws(() => x.slice(0, 0, 5, 0), /step must be a positive integer, got 0/);
});

test('select and narrow, negative indices, range errors', () => {
  const x = grid();
  assert.deepEqual(x.select(1, -1).tolist(), [[8, 9, 10, 11], [20, 21, 22, 23]]);
  assert.deepEqual(x.select(2, 0).shape, [2, 3]);
  assert.deepEqual(x.select(0, 1).select(0, 2).tolist(), [20, 21, 22, 23]);
  assert.throws(() => x.select(1, 3), /select: index 3 is out of range for dim 1 of size 3/);
  assert.deepEqual(x.narrow(2, 1, 2).select(0, 0).tolist(), [[1, 2], [5, 6], [9, 10]]);
  assert.deepEqual(arange(5).narrow(0, -2, 2).tolist(), [3, 4]);
  assert.throws(() => arange(5).narrow(0, 3, 3), /narrow: start 3 and length 3 are out of range for dim 0 of size 5/);
});

test('expand broadcasts size-1 dims with stride 0, and new leading dims', () => {
  const c = tensor([[1], [2], [3]]);
  const e = c.expand(3, 4);
  assert.equal(e.storage, c.storage);
  assert.deepEqual(e.strides, [1, 0]);
  assert.deepEqual(e.tolist(), [[1, 1, 1, 1], [2, 2, 2, 2], [3, 3, 3, 3]]);
  assert.deepEqual(c.expand(2, -1, 2).shape, [2, 3, 2]);
  assert.deepEqual(c.expand([3, 1]).shape, [3, 1]);
  assert.throws(() => c.expand(2, 4), /expand: cannot expand \[3, 1\] to \[2, 4\]/);
  assert.throws(() => c.expand(-1, 3, 4), /size -1 is not allowed in a new leading dim/);
});

test('squeeze and unsqueeze', () => {
  const x = zeros([1, 3, 1, 2]);
  assert.deepEqual(x.squeeze().shape, [3, 2]);
  assert.deepEqual(x.squeeze(0).shape, [3, 1, 2]);
  assert.deepEqual(x.squeeze(-2).shape, [1, 3, 2]);
  assert.deepEqual(x.squeeze(1).shape, [1, 3, 1, 2]); // not size 1: unchanged
  assert.deepEqual(x.unsqueeze(0).shape, [1, 1, 3, 1, 2]);
  assert.deepEqual(x.unsqueeze(-1).shape, [1, 3, 1, 2, 1]);
  assert.deepEqual(arange(3).unsqueeze(1).tolist(), [[0], [1], [2]]);
  const t = arange(6).reshape(2, 3).T.unsqueeze(1); // (3, 1, 2) over a transposed layout
  assert.equal(t.storage.length, 6);
  assert.deepEqual(t.tolist(), [[[0, 3]], [[1, 4]], [[2, 5]]]);
  assert.deepEqual(t.squeeze(1).tolist(), [[0, 3], [1, 4], [2, 5]]);
});

test('contiguous copies only non-contiguous views; flatten', () => {
  const x = arange(6).reshape(2, 3);
  assert.equal(x.contiguous(), x);
  const t = x.T.contiguous();
  assert.equal(t.isContiguous(), true);
  assert.notEqual(t.storage, x.storage);
  assert.deepEqual(t.tolist(), [[0, 3], [1, 4], [2, 5]]);
  assert.deepEqual(grid().flatten().shape, [24]);
  assert.deepEqual(grid().flatten(1).shape, [2, 12]);
  assert.deepEqual(grid().flatten(0, 1).shape, [6, 4]);
  assert.deepEqual(tensor(1).flatten().shape, [1]);
  assert.notEqual(x.clone().storage, x.storage);
});

test('split and chunk are views, sized like PyTorch', () => {
  const x = arange(7);
  assert.deepEqual(x.split(3).map((p) => p.tolist()), [[0, 1, 2], [3, 4, 5], [6]]);
  assert.deepEqual(x.split([2, 5]).map((p) => p.shape[0]), [2, 5]);
  assert.deepEqual(x.chunk(3).map((p) => p.shape[0]), [3, 3, 1]);
  assert.deepEqual(arange(6).chunk(4).map((p) => p.shape[0]), [2, 2, 2]);
  const base = grid();
  const g = base.split(2, -1);
  assert.equal(g[1].storage, base.storage);
  assert.deepEqual(g[1].select(0, 0).tolist(), [[2, 3], [6, 7], [10, 11]]);
  assert.throws(() => x.split([2, 2]), /sizes \[2, 2\] do not sum to 7/);
});

test('writes through views reach the base: fill_ and copy_ on strided views', () => {
  const x = zeros([3, 4]);
  x.select(1, 2).fill_(7); // a column: non-contiguous
  x.slice(0, 0, 1).fill_(1);
  x.slice(1, 0, null, 2).select(0, 2).copy_(tensor([5, 6]));
  assert.deepEqual(x.tolist(), [[1, 1, 1, 1], [0, 0, 7, 0], [5, 0, 6, 0]]);
  const y = ones([2, 3]);
  y.T.copy_(tensor([[1], [2], [3]])); // broadcast source into a transposed view
  assert.deepEqual(y.tolist(), [[1, 2, 3], [1, 2, 3]]);
  const i = zeros([2], { dtype: 'int32' }).copy_(tensor([1.9, -2.5])); // cast on copy
  assert.deepEqual(i.tolist(), [1, -2]);
});
