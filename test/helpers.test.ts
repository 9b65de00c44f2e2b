/** The shared test helpers fail where they must: closeness, the multi-output gradcheck, and the case names. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tensor } from '../src/core/creation.js';
import { withGrad, type Tensor } from '../src/core/tensor.js';
import { parityCase, parityCases } from './helpers/cases.js';
import { assertClose } from './helpers/close.js';
import { assertGradcheck } from './helpers/gradcheck.js';
import { param } from './helpers/inputs.js';

test('assertClose: allclose per element, shapes, NaN only with equalNan, infinities only against themselves', () => {
  assertClose([1, 2.00002], [1, 2], 1e-5); // 2e-5 <= 1e-5 + 1e-5 * 2
  assert.throws(() => assertClose([1, 2.0001], [1, 2], 1e-5, 'y'), /y: element 1 is 2\.0001, expected 2 \(\|difference\|/);
  assertClose(tensor([1.5]), 1.5, { rtol: 0, atol: 0 });
  assert.throws(() => assertClose(1.1, 1, { rtol: 0.05, atol: 0 }), /element 0/);
  assert.throws(() => assertClose(tensor([[1, 2]]), tensor([1, 2])), /shape \[1,2\], expected \[2\]/);
  assert.throws(() => assertClose([1, 2], [1, 2, 3]), /2 elements, expected 3/);
  assert.throws(() => assertClose(null, [1], 1e-5, 'grad'), /grad: missing/);
  assert.throws(() => assertClose([NaN], [NaN]), /element 0 is NaN, expected NaN/);
  assertClose([NaN, 1], [NaN, 1], { rtol: 0, atol: 0, equalNan: true });
  assert.throws(() => assertClose([1], [NaN], { rtol: 1, atol: 1, equalNan: true }), /element 0 is 1, expected NaN/);
  assertClose([Infinity, -Infinity], [Infinity, -Infinity], 0);
  assert.throws(() => assertClose([5], [Infinity], { rtol: 1, atol: 1 }), /element 0 is 5, expected Infinity/);
  assert.throws(() => assertClose([Infinity], [5], { rtol: 1, atol: 1 }), /element 0 is Infinity, expected 5/);
});

test('assertGradcheck: every output of several takes part, so a wrong gradient in the second is caught', () => {
  const x = param([2, 3]);
  const square = (k: number) => (x: Tensor) => withGrad('square', x.detach().square(), [x], (g) => [g.mul(x).mul(k)]);
  assertGradcheck((x) => [x.exp(), square(2)(x)], [x]);
  assert.throws(() => assertGradcheck((x) => [x.exp(), square(3)(x)], [x]), /gradcheck: input 0 .* analytic .* vs numeric/);
});

test('parity cases are named by their folder: parityCase and parityCases', () => {
  assert.equal(parityCase('recurrent/lstm_1layer').spec.module, 'LSTM');
  assert.equal(parityCase('recurrent/lstm_1layer').name, 'recurrent/lstm_1layer');
  const optim = parityCases('optim');
  assert.equal(optim.length, 10);
  assert.ok(optim.every((c) => c.name.startsWith('optim/') && (c.spec.kind === 'optim' || c.spec.fn === 'clip_grad_norm_')));
  assert.throws(() => parityCase('lstm_1layer'), /lstm_1layer\.safetensors/);
});
