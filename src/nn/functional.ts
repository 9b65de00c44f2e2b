/**
 * `torch.nn.functional` for Loom: stateless activations, layers and losses. Import as a namespace:
 *
 *   import { F } from './nn/index.js';
 *   const loss = F.crossEntropy(logits, targets, { ignoreIndex: 0, labelSmoothing: 0.1 });
 *
 * Losses follow PyTorch's layout: the class dim is dim 1 ((N, C) or (N, C, d1, ...)), class-index targets
 * are int32 ((N) or (N, d1, ...)), and `reduction` is 'mean' (default), 'sum' or 'none'.
 */
import { noGrad } from '../core/autograd.js';
import { backend, type NLLBlock } from '../backends/backend.js';
import { fmt, sameShape } from '../core/shape.js';
import { Tensor, withGrad } from '../core/tensor.js';

export { linear } from './layers/linear.js';
export { embedding } from './layers/embedding.js';
export { layerNorm } from './layers/layernorm.js';
export { dropout } from './layers/dropout.js';
export { scaledDotProductAttention, attention } from './attention/attention.js';
export { conv1d, conv2d } from './vision/conv.js';
export { maxPool2d, avgPool2d, adaptiveAvgPool2d } from './vision/pooling.js';
export { batchNorm } from './layers/batchnorm.js';

// ---- activations -------------------------------------------------------------------------------

/** max(x, 0). */
export const relu = (x: Tensor): Tensor => x.relu();
/** x * Phi(x) (`approximate: 'none'`, erf form) or x/2 (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) (`'tanh'`). */
export const gelu = (x: Tensor, { approximate = 'none' }: { approximate?: 'none' | 'tanh' } = {}): Tensor => x.gelu(approximate);
/** 1 / (1 + exp(-x)). */
export const sigmoid = (x: Tensor): Tensor => x.sigmoid();
export const tanh = (x: Tensor): Tensor => x.tanh();
/** exp(x_i) / sum_j exp(x_j) along `dim`. */
export const softmax = (x: Tensor, dim = -1): Tensor => x.softmax(dim);
/** x_i - log sum_j exp(x_j) along `dim`. */
export const logSoftmax = (x: Tensor, dim = -1): Tensor => x.logSoftmax(dim);

// ---- losses ------------------------------------------------------------------------------------

export type Reduction = 'mean' | 'sum' | 'none';

function checkReduction(r: string, fn: string): void {
  if (r !== 'mean' && r !== 'sum' && r !== 'none') throw new Error(`${fn}: reduction must be 'mean', 'sum' or 'none', got '${r}'`);
}

function reduce(t: Tensor, reduction: Reduction): Tensor {
  return reduction === 'none' ? t : reduction === 'sum' ? t.sum() : t.mean();
}

function checkSameShape(input: Tensor, target: Tensor, fn: string): void {
  if (!sameShape(input.shape, target.shape))
    throw new Error(`${fn}: target size ${fmt(target.shape)} must be the same as input size ${fmt(input.shape)}`);
}

/** The shape of class-index targets for `input`: () for (C), (N) for (N, C), (N, d1, ...) for (N, C, d1, ...). */
function classIndexShape(input: Tensor): number[] {
  return input.ndim === 1 ? [] : [input.shape[0], ...input.shape.slice(2)];
}

/**
 * The (N, C, D) view of a class-dim layout: input (C) with target (), (N, C) with (N), or (N, C, d1, ...)
 * with (N, d1, ...); D = d1 * d2 * ... . Throws naming both shapes.
 */
function classLayout(input: Tensor, target: Tensor, fn: string) {
  if (input.ndim === 0) throw new Error(`${fn}: input must have a class dim, got a scalar`);
  if (target.dtype !== 'int32') throw new TypeError(`${fn}: class-index target must be int32, got ${target.dtype} of shape ${fmt(target.shape)}`);
  const unbatched = input.ndim === 1;
  const C = input.shape[unbatched ? 0 : 1];
  const expected = classIndexShape(input);
  if (!sameShape(target.shape, expected))
    throw new Error(`${fn}: input of shape ${fmt(input.shape)} expects target of shape ${fmt(expected)}, got ${fmt(target.shape)}`);
  const N = unbatched ? 1 : input.shape[0];
  const D = input.shape.slice(2).reduce((a, b) => a * b, 1);
  return { N, C, D, outShape: expected };
}

function checkWeight(weight: Tensor | null, C: number, fn: string): void {
  if (weight && (weight.ndim !== 1 || weight.shape[0] !== C))
    throw new Error(`${fn}: weight of shape ${fmt(weight.shape)} must have one entry per class, [${C}]`);
}

export interface NLLOptions {
  /** A manual rescaling weight per class, shape (C). */
  weight?: Tensor | null;
  /** Targets equal to this contribute nothing (no loss, no gradient, not counted in the mean). */
  ignoreIndex?: number;
  reduction?: Reduction;
}

/**
 * `torch.nn.functional.nll_loss` on log-probabilities `input` (N, C, ...), one fused gather op:
 *   loss_i = -weight[t_i] * input[i, t_i]   (0 where t_i = ignoreIndex)
 * 'mean' divides the sum by sum_i weight[t_i] over non-ignored i (their count without weights).
 */
export function nllLoss(input: Tensor, target: Tensor, opts: NLLOptions = {}): Tensor {
  return nll(input, target, opts).loss;
}

/** nllLoss, with the 'mean' denominator sum_i weight[t_i] over non-ignored i (crossEntropy's smoothing term divides by it too). */
function nll(input: Tensor, target: Tensor, { weight = null, ignoreIndex = -100, reduction = 'mean' }: NLLOptions): { loss: Tensor; totalWeight: number } {
  checkReduction(reduction, 'nllLoss');
  const { N, C, D, outShape } = classLayout(input, target, 'nllLoss');
  checkWeight(weight, C, 'nllLoss');
  const x = input.contiguous(); // (N, C, D) in memory
  const t = target.contiguous(); // (N, D)
  const w = weight ? weight.contiguous() : null;
  const losses = Tensor.empty([N * D]);
  const block = (): NLLBlock => ({ x: x.base, target: t.base, weight: w ? w.base : -1, N, C, D, ignoreIndex });
  const [sum, totalWeight] = backend().nllLoss(block(), losses.base);
  const out = reduction === 'none' ? losses.reshape(outShape) : Tensor.empty([]).fill_(reduction === 'sum' ? sum : sum / totalWeight);
  const loss = withGrad('nllLoss', out.detach(), [input], (g) => {
    const gc = g.contiguous();
    const gx = Tensor.empty(input.shape).fill_(0);
    const scale = reduction === 'mean' ? 1 / totalWeight : 1;
    backend().nllLossBackward(block(), gc.base, gx.base, scale, reduction === 'none'); // block(): t and w stay alive through this closure
    return [gx];
  });
  return { loss, totalWeight };
}

export interface CrossEntropyOptions extends NLLOptions {
  /**
   * In [0, 1]: mixes the target with the uniform distribution,
   * loss = (1 - eps) * nll + eps / C * sum_c(-weight_c * logp_c).
   */
  labelSmoothing?: number;
}

/**
 * `torch.nn.functional.cross_entropy`: logSoftmax over the class dim (dim 1; dim 0 for an unbatched (C)
 * input) followed by the NLL loss.
 *
 * Targets: int32 class indices of shape (N) / (N, d1, ...) (`ignoreIndex` targets skipped, the mean taken
 * over the non-ignored ones, weighted by `weight` if given), or float32 class probabilities of the
 * input's shape (the mean then divides by N * d1 * ...). With `labelSmoothing` eps, index targets give
 *   loss_i = (1 - eps) * nll_i + eps / C * sum_c(-weight_c * logp_ic)    (0 for ignored i)
 * and probability targets are first mixed: t' = t (1 - eps) + eps / C. Exactly PyTorch's definitions.
 *
 *   const loss = F.crossEntropy(logits.view(B * T, V), targets.view(B * T)); // (B*T, V), (B*T) -> ()
 */
export function crossEntropy(input: Tensor, target: Tensor, { weight = null, ignoreIndex = -100, reduction = 'mean', labelSmoothing = 0 }: CrossEntropyOptions = {}): Tensor {
  checkReduction(reduction, 'crossEntropy');
  if (!(labelSmoothing >= 0 && labelSmoothing <= 1)) throw new RangeError(`crossEntropy: labelSmoothing must be between 0.0 and 1.0, got ${labelSmoothing}`);
  if (input.ndim === 0) throw new Error('crossEntropy: input must have a class dim, got a scalar');
  const classDim = input.ndim === 1 ? 0 : 1;
  const C = input.shape[classDim];
  checkWeight(weight, C, 'crossEntropy');
  // the class weights shaped to broadcast over the input: (1, C, 1, ...)
  const wB = weight ? weight.reshape(input.shape.map((s, i) => (i === classDim ? s : 1))) : null;

  if (target.dtype === 'float32') {
    if (!sameShape(input.shape, target.shape))
      throw new Error(
        `crossEntropy: target is float32 of shape ${fmt(target.shape)}; expected int32 class indices of shape ${fmt(classIndexShape(input))}, or float32 class probabilities of shape ${fmt(input.shape)}`,
      );
    const logp = input.logSoftmax(classDim);
    const t = labelSmoothing > 0 ? target.mul(1 - labelSmoothing).add(labelSmoothing / C) : target;
    let prod = logp.mul(t);
    if (wB) prod = prod.mul(wB);
    if (reduction === 'none') return prod.sum(classDim).neg();
    if (reduction === 'sum') return prod.sum().neg();
    return prod.sum().neg().div(input.numel / C);
  }

  classLayout(input, target, 'crossEntropy');
  const logp = input.logSoftmax(classDim);
  const { loss: nllPart, totalWeight } = nll(logp, target, { weight, ignoreIndex, reduction });
  if (labelSmoothing === 0) return nllPart;

  let smooth = (wB ? logp.mul(wB) : logp).sum(classDim).neg(); // target's shape
  smooth = smooth.maskedFill(target.eq(ignoreIndex), 0);
  let ret: Tensor;
  if (reduction === 'none') ret = smooth;
  else if (reduction === 'sum') ret = smooth.sum();
  else ret = smooth.sum().div(totalWeight);
  return nllPart.mul(1 - labelSmoothing).add(ret.mul(labelSmoothing / C));
}

/** `torch.nn.functional.mse_loss`: (input - target)^2, reduced. Shapes must match. */
export function mseLoss(input: Tensor, target: Tensor, { reduction = 'mean' }: { reduction?: Reduction } = {}): Tensor {
  checkReduction(reduction, 'mseLoss');
  checkSameShape(input, target, 'mseLoss');
  return reduce(input.sub(target).square(), reduction);
}

export interface BCEWithLogitsOptions {
  /** Per-element rescaling weight, broadcast to the input. */
  weight?: Tensor | null;
  /** Weight of the positive term, broadcast to the input (usually one per class, shape (C)). */
  posWeight?: Tensor | null;
  reduction?: Reduction;
}

/** softplus(z) = log(1 + exp(z)), computed stably as max(z, 0) + log1p(exp(-|z|)). */
const softplus = (z: Tensor): Tensor => z.clamp(0, null).add(z.abs().neg().exp().log1p());

/**
 * `torch.nn.functional.binary_cross_entropy_with_logits`, in the stable form
 *   loss = max(x, 0) - x y + log(1 + exp(-|x|))                     (no posWeight)
 *   loss = (1 - y) x + (1 + (p - 1) y) softplus(-x)                 (posWeight p)
 * then times `weight` and reduced. Gradients as PyTorch: dL/dx = sigmoid(x) - y (with p:
 * (p y + 1 - y) sigmoid(x) - p y) and dL/dy = -x (with p: logsigmoid(-x) - p logsigmoid(x)).
 */
export function binaryCrossEntropyWithLogits(input: Tensor, target: Tensor, { weight = null, posWeight = null, reduction = 'mean' }: BCEWithLogitsOptions = {}): Tensor {
  checkReduction(reduction, 'binaryCrossEntropyWithLogits');
  checkSameShape(input, target, 'binaryCrossEntropyWithLogits');
  const x = input;
  const y = target.float();
  const pw = posWeight;
  const loss = noGrad(() =>
    pw ? y.neg().add(1).mul(x).add(pw.sub(1).mul(y).add(1).mul(softplus(x.neg()))) : x.clamp(0, null).sub(x.mul(y)).add(x.abs().neg().exp().log1p()),
  );
  if (!sameShape(loss.shape, input.shape))
    throw new Error(`binaryCrossEntropyWithLogits: posWeight of shape ${fmt(pw!.shape)} does not broadcast to input ${fmt(input.shape)}`);
  let out = withGrad('bceWithLogits', loss, [x, y], (g) => {
    let gx: Tensor | null = null;
    let gy: Tensor | null = null;
    if (x.requiresGrad) {
      const s = x.sigmoid();
      gx = pw ? pw.mul(y).add(1).sub(y).mul(s).sub(pw.mul(y)).mul(g) : s.sub(y).mul(g);
    }
    // logsigmoid(z) = -softplus(-z)
    if (y.requiresGrad) gy = pw ? softplus(x).neg().add(softplus(x.neg()).mul(pw)).mul(g) : x.neg().mul(g);
    return [gx, gy];
  });
  if (weight) out = out.mul(weight);
  return reduce(out, reduction);
}
