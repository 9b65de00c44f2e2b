/**
 * The tests' one closeness check, PyTorch's allclose:
 *
 *   |actual_i - expected_i| <= atol + rtol * |expected_i|   for every element i
 *
 * Equal values always pass (so do equal infinities; an infinity passes only against itself); NaN passes
 * only against NaN and only with `equalNan` (torch's `equal_nan`, off by default). Two tensors must have the same shape; otherwise the
 * lengths must agree.
 *
 * @example
 *   assertClose(y, [0.5, 0.25]);                              // rtol = atol = 1e-5
 *   assertClose(out, c.tensor('output/output'), c.spec, 'output'); // the case's { rtol, atol }
 *   assertClose(got, want, { rtol: 0, atol: 1e-6 }, 'prefix');
 */
import assert from 'node:assert/strict';
import { Tensor } from '../../src/core/tensor.js';

export interface Tolerance {
  rtol: number;
  atol: number;
  /** NaN matches NaN (default false). */
  equalNan?: boolean;
}

type Values = Tensor | ArrayLike<number> | number;

const elements = (v: Values): ArrayLike<number> => (v instanceof Tensor ? v.toArray() : typeof v === 'number' ? [v] : v);

/** Asserts allclose(actual, expected); a number `tol` is rtol = atol = tol. `what` names the value in the message. */
export function assertClose(actual: Values | null | undefined, expected: Values, tol: number | Tolerance = 1e-5, what = 'value'): void {
  assert.ok(actual !== null && actual !== undefined, `${what}: missing`);
  const { rtol, atol, equalNan = false } = typeof tol === 'number' ? { rtol: tol, atol: tol } : tol;
  if (actual instanceof Tensor && expected instanceof Tensor)
    assert.deepEqual([...actual.shape], [...expected.shape], `${what}: shape [${actual.shape}], expected [${expected.shape}]`);
  const a = elements(actual);
  const e = elements(expected);
  assert.equal(a.length, e.length, `${what}: ${a.length} elements, expected ${e.length}`);
  for (let i = 0; i < a.length; i++) {
    if (a[i] === e[i] || (equalNan && Number.isNaN(a[i]) && Number.isNaN(e[i]))) continue;
    const allowed = atol + rtol * Math.abs(e[i]);
    if (!Number.isFinite(e[i]) || !(Math.abs(a[i] - e[i]) <= allowed))
      assert.fail(`${what}: element ${i} is ${a[i]}, expected ${e[i]} (|difference| ${Math.abs(a[i] - e[i])} > ${allowed} = atol ${atol} + rtol ${rtol} * |expected|)`);
  }
}
