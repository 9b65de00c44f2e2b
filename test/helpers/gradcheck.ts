/**
 * The tests' one finite-difference check: the library's `gradcheck` (src/core/gradcheck.ts), asserted to
 * pass, for a function of one output or of several. Several outputs are flattened and concatenated, so
 * the random cotangent weighs every element of every output: L = sum_o sum(out_o * w_o).
 *
 * `fn` may ignore its arguments and read the inputs from its closure (a module's parameters, say): the
 * check perturbs the inputs' elements in place.
 *
 * @example
 *   assertGradcheck((x, w) => F.conv1d(x, w), [param([2, 3, 8]), param([4, 3, 3], 2)]);
 *   assertGradcheck(() => cell.forward(x, [h, c]), [x, h, c, ...cell.parameters()], { eps: 1e-2 }); // LSTMCell: [h', c']
 */
import assert from 'node:assert/strict';
import { gradcheck, type GradcheckOptions } from '../../src/core/gradcheck.js';
import { cat } from '../../src/core/ops/join.js';
import type { Tensor } from '../../src/core/tensor.js';

export type { GradcheckOptions };

/** Asserts that every input's analytic gradient matches central differences (defaults: eps 1e-3, atol = rtol = 1e-2). */
export function assertGradcheck(fn: (...inputs: Tensor[]) => Tensor | Tensor[], inputs: Tensor[], opts: GradcheckOptions = {}): void {
  const one = (...xs: Tensor[]): Tensor => {
    const out = fn(...xs);
    return Array.isArray(out) ? cat(out.map((o) => o.flatten())) : out;
  };
  assert.equal(gradcheck(one, inputs, opts), true);
}
