/** softmax and log-softmax along a dim, each one fused kernel forward and one backward. */
import { backend } from '../../backends/backend.js';
import { normDim } from '../shape.js';
import { Tensor, withGrad } from '../tensor.js';

/** softmax(x)_i = exp(x_i - max x) / sum_j exp(x_j - max x); log-softmax = x_i - max x - log sum_j exp(x_j - max x). */
export function softmax(x: Tensor, dim: number, log: boolean): Tensor {
  if (x.dtype !== 'float32') x = x.float();
  const d = normDim(dim, x.ndim);
  const last = x.ndim === 0 || d === x.ndim - 1;
  // the kernel works on rows of the last dim: move `dim` there and back
  const xt = (last ? x : x.transpose(d, -1)).contiguous();
  const cols = x.ndim === 0 ? 1 : xt.shape[xt.ndim - 1];
  const rows = xt.numel / Math.max(cols, 1);
  const y = Tensor.empty(xt.shape);
  backend().softmax(xt.base, y.base, rows, cols, log);
  const out = last ? y : y.transpose(d, -1);
  return withGrad(log ? 'logSoftmax' : 'softmax', out.detach(), [x], (g) => {
    const gt = (last ? g : g.transpose(d, -1)).contiguous();
    const dx = Tensor.empty(gt.shape);
    backend().softmaxBackward(y.base, gt.base, dx.base, rows, cols, log);
    return [last ? dx : dx.transpose(d, -1)];
  });
}
