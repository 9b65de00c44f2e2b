/**
 * Batch normalisation (`torch.nn.BatchNorm1d`, `BatchNorm2d`) as one fused op: per channel statistics,
 * normalisation and the affine map in one forward kernel, one backward kernel, and the running
 * statistics updated in place. The input is read as (N, C, S) with S the product of the spatial dims.
 *
 * Training (batch statistics over the M = N * S values of each channel):
 *   mean = sum(x) / M,  var = sum((x - mean)^2) / M             (biased: used to normalise)
 *   y = (x - mean) / sqrt(var + eps) * weight + bias
 *   running_mean = (1 - momentum) running_mean + momentum mean
 *   running_var  = (1 - momentum) running_var  + momentum var * M / (M - 1)   (unbiased)
 * Evaluation: y = (x - running_mean) / sqrt(running_var + eps) * weight + bias, nothing updated.
 *
 * Backward, with xhat = (x - mean) * rstd and g = dy * weight:
 *   training: dx = rstd * (g - mean_c(g) - xhat * mean_c(g * xhat))   (the statistics depend on x)
 *   eval:     dx = rstd * g
 *   dweight = sum_c(dy * xhat),  dbias = sum_c(dy)
 *
 * The kernels are the backend's `batchNormStats`, `batchNormApply`, `batchNormBackward` and
 * `batchNormRunningUpdate` (src/backends/reference-batchnorm.ts is their specification).
 */
import { backend } from '../../backends/backend.js';
import { fmt } from '../../core/shape.js';
import { Tensor, withGrad } from '../../core/tensor.js';
import { Module } from '../module.js';
import { Parameter } from '../parameter.js';

export interface BatchNormFunctionalOptions {
  /** Per channel scale (C) or null. */
  weight?: Tensor | null;
  /** Per channel shift (C) or null. */
  bias?: Tensor | null;
  /** Normalise with the batch statistics (and update the running ones, when given) (default false). */
  training?: boolean;
  /** Weight of the batch statistics in the running update (default 0.1). */
  momentum?: number;
  /** Added to the variance (default 1e-5). */
  eps?: number;
}

/**
 * `torch.nn.functional.batch_norm`: input (N, C, *) -> the same shape, normalised per channel (dim 1).
 * With `training`, the batch statistics normalise and `runningMean` / `runningVar` (C, float32, updated
 * in place, no gradient) are moved towards them; otherwise the running statistics normalise.
 */
export function batchNorm(x: Tensor, runningMean: Tensor | null, runningVar: Tensor | null, opts: BatchNormFunctionalOptions = {}): Tensor {
  const { weight = null, bias = null, training = false, momentum = 0.1, eps = 1e-5 } = opts;
  if (x.ndim < 2) throw new Error(`batch_norm: expected an input of shape (N, C, *), got ${fmt(x.shape)}`);
  if (x.dtype !== 'float32') throw new TypeError(`batch_norm: input must be float32, got ${x.dtype}`);
  const [N, C] = x.shape;
  const S = x.shape.slice(2).reduce((a, b) => a * b, 1);
  for (const [name, t] of [['running_mean', runningMean], ['running_var', runningVar], ['weight', weight], ['bias', bias]] as const)
    if (t && (t.ndim !== 1 || t.shape[0] !== C || t.dtype !== 'float32'))
      throw new Error(`batch_norm: ${name} of shape ${fmt(t.shape)} does not match the ${C} channels of input ${fmt(x.shape)} (expected float32 [${C}])`);
  for (const [name, t] of [['running_mean', runningMean], ['running_var', runningVar]] as const)
    if (t && training && !t.isContiguous()) throw new Error(`batch_norm: ${name} must be contiguous to be updated in place`);
  if (!training && (!runningMean || !runningVar)) throw new Error('batch_norm: running_mean and running_var must be given when training is false');
  if (training && N * S <= 1)
    throw new Error(`Expected more than 1 value per channel when training, got input size ${fmt(x.shape)}`);

  const xc = x.detach().contiguous(); // (N, C, S) in memory
  const wc = weight?.detach().contiguous() ?? null;
  const bc = bias?.detach().contiguous() ?? null;
  const mean = Tensor.empty([C]);
  const rstd = Tensor.empty([C]);
  if (training) {
    const variance = Tensor.empty([C]);
    backend().batchNormStats(xc.base, mean.base, rstd.base, variance.base, N, C, S, eps);
    if (runningMean || runningVar)
      backend().batchNormRunningUpdate(runningMean ? runningMean.base : -1, runningVar ? runningVar.base : -1, mean.base, variance.base, C, N * S, momentum);
  } else {
    mean.copy_(runningMean!);
    rstd.copy_(runningVar!.detach().add(eps).sqrt().reciprocal());
  }
  const y = Tensor.empty(x.shape);
  backend().batchNormApply(xc.base, mean.base, rstd.base, wc ? wc.base : -1, bc ? bc.base : -1, y.base, N, C, S);

  const inputs = [x, ...(weight ? [weight] : []), ...(bias ? [bias] : [])];
  return withGrad('batchNorm', y, inputs, (g) => {
    const gc = g.contiguous();
    const dx = x.requiresGrad ? Tensor.empty(x.shape) : null;
    const dw = weight?.requiresGrad ? Tensor.empty([C]) : null;
    const db = bias?.requiresGrad ? Tensor.empty([C]) : null;
    backend().batchNormBackward(
      xc.base, wc ? wc.base : -1, mean.base, rstd.base, gc.base,
      dx ? dx.base : -1, dw ? dw.base : -1, db ? db.base : -1, N, C, S, training,
    );
    return [dx, ...(weight ? [dw] : []), ...(bias ? [db] : [])];
  });
}

export interface BatchNormOptions {
  /** Added to the variance (default 1e-5). */
  eps?: number;
  /** Weight of each batch in the running statistics; null: a cumulative average over all batches (default 0.1). */
  momentum?: number | null;
  /** Learn a per channel `weight` (ones) and `bias` (zeros) (default true). */
  affine?: boolean;
  /** Keep running statistics for evaluation; without them batch statistics are used in every mode (default true). */
  trackRunningStats?: boolean;
}

/** What BatchNorm1d and BatchNorm2d share; they differ only in the input ranks they accept. */
abstract class BatchNormBase extends Module {
  readonly eps: number;
  readonly momentum: number | null;
  readonly affine: boolean;
  readonly trackRunningStats: boolean;
  readonly weight: Tensor | null;
  readonly bias: Tensor | null;
  readonly runningMean: Tensor | null;
  readonly runningVar: Tensor | null;
  /** int32 scalar (PyTorch: int64), the number of training batches seen. */
  readonly numBatchesTracked: Tensor | null;

  protected constructor(readonly numFeatures: number, { eps = 1e-5, momentum = 0.1, affine = true, trackRunningStats = true }: BatchNormOptions) {
    super();
    if (!Number.isInteger(numFeatures) || numFeatures < 1) throw new RangeError(`${this.constructor.name}: numFeatures must be a positive integer, got ${numFeatures}`);
    if (momentum !== null && !(momentum >= 0 && momentum <= 1)) throw new RangeError(`${this.constructor.name}: momentum must be in [0, 1] or null, got ${momentum}`);
    if (!(eps > 0)) throw new RangeError(`${this.constructor.name}: eps must be positive, got ${eps}`);
    this.eps = eps;
    this.momentum = momentum;
    this.affine = affine;
    this.trackRunningStats = trackRunningStats;
    this.weight = this.registerParameter('weight', affine ? Parameter(Tensor.empty([numFeatures])) : null);
    this.bias = this.registerParameter('bias', affine ? Parameter(Tensor.empty([numFeatures])) : null);
    this.runningMean = this.registerBuffer('running_mean', trackRunningStats ? Tensor.empty([numFeatures]) : null);
    this.runningVar = this.registerBuffer('running_var', trackRunningStats ? Tensor.empty([numFeatures]) : null);
    this.numBatchesTracked = this.registerBuffer('num_batches_tracked', trackRunningStats ? Tensor.empty([], 'int32') : null);
    this.resetParameters();
  }

  /** running_mean = 0, running_var = 1, num_batches_tracked = 0. */
  resetRunningStats(): void {
    this.runningMean?.fill_(0);
    this.runningVar?.fill_(1);
    this.numBatchesTracked?.fill_(0);
  }

  /** The running statistics reset, weight = 1, bias = 0. */
  resetParameters(): void {
    this.resetRunningStats();
    this.weight?.fill_(1);
    this.bias?.fill_(0);
  }

  /** The input ranks this layer accepts, as PyTorch's `_check_input_dim`. */
  protected abstract checkInput(x: Tensor): void;

  forward(x: Tensor): Tensor {
    this.checkInput(x);
    if (x.shape[1] !== this.numFeatures)
      throw new Error(`${this.constructor.name}(${this.numFeatures}): input ${fmt(x.shape)} has ${x.shape[1]} channels (dim 1), expected ${this.numFeatures}`);
    let factor = 0;
    if (this.training && this.numBatchesTracked) {
      const n = this.numBatchesTracked.item() + 1;
      this.numBatchesTracked.fill_(n);
      factor = this.momentum === null ? 1 / n : this.momentum;
    }
    const useBatch = this.training || (!this.runningMean && !this.runningVar);
    const track = !this.training || this.trackRunningStats;
    return batchNorm(x, track ? this.runningMean : null, track ? this.runningVar : null, {
      weight: this.weight, bias: this.bias, training: useBatch, momentum: factor, eps: this.eps,
    });
  }

  override extraRepr(): string {
    return `${this.numFeatures}, eps=${this.eps}, momentum=${this.momentum ?? 'None'}, affine=${this.affine}, track_running_stats=${this.trackRunningStats}`;
  }
}

/**
 * `torch.nn.BatchNorm1d`: y = (x - E[x]) / sqrt(Var[x] + eps) * weight + bias per channel, with batch
 * statistics while training (over N, or N and L) and running statistics in evaluation.
 *
 * Shapes: (N, C) or (N, C, L) -> the same. Parameters (affine): `weight` = 1, `bias` = 0 (C). Buffers
 * (trackRunningStats): `running_mean` = 0, `running_var` = 1 (C), `num_batches_tracked` = 0 (int32
 * scalar). Defaults: eps 1e-5, momentum 0.1, affine true, trackRunningStats true.
 *
 *   const bn = new BatchNorm1d(64);
 *   const h = bn.forward(x); // (B, 64) -> (B, 64); bn.eval() switches to the running statistics
 */
export class BatchNorm1d extends BatchNormBase {
  constructor(numFeatures: number, opts: BatchNormOptions = {}) {
    super(numFeatures, opts);
  }

  protected checkInput(x: Tensor): void {
    if (x.ndim !== 2 && x.ndim !== 3) throw new Error(`BatchNorm1d: expected 2D (N, C) or 3D (N, C, L) input, got ${x.ndim}D input of shape ${fmt(x.shape)}`);
  }
}

/**
 * `torch.nn.BatchNorm2d`: per channel normalisation of (N, C, H, W) images, the statistics taken over N,
 * H and W (see BatchNorm1d for the parameters, buffers and defaults).
 *
 *   const bn = new BatchNorm2d(16);
 *   const h = bn.forward(conv.forward(x)); // (B, 16, H, W) -> (B, 16, H, W)
 */
export class BatchNorm2d extends BatchNormBase {
  constructor(numFeatures: number, opts: BatchNormOptions = {}) {
    super(numFeatures, opts);
  }

  protected checkInput(x: Tensor): void {
    if (x.ndim !== 4) throw new Error(`BatchNorm2d: expected 4D (N, C, H, W) input, got ${x.ndim}D input of shape ${fmt(x.shape)}`);
  }
}
