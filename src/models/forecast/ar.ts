/**
 * The fixed-window autoregressive forecaster of the notes, AR(p): the next value is a linear function of
 * the last p values (and, optionally, of the day's calendar covariates),
 *
 *   ẑ_t = b + Σ_{k=1..p} a_k z_{t-k} + Σ_j c_j cov_{t,j}
 *
 *   rows (B, p + C)  ->  linear  ->  (B, 1)  ->  ẑ (B)
 *
 * One Linear layer, so it can be fitted in closed form (least squares, tasks/forecast/baselines.ts
 * `fitLag`) or trained by gradient descent on the mean squared error; both reach the same weights. As
 * in PyTorch, `nn.Linear(p + C, 1)`: state-dict keys `linear.weight` (1, p + C), `linear.bias` (1);
 * weight[0, k-1] is a_k, weight[0, p + j] is c_j.
 *
 * @example
 *   const ar = new ARForecaster({ ...arDefaults, covariates: 0 });
 *   const zHat = ar.forward(rows);   // rows (B, 28) -> (B)
 */
import type { Tensor } from '../../core/tensor.js';
import { Linear } from '../../nn/layers/linear.js';
import { Module } from '../../nn/module.js';

export interface ARConfig {
  /** The order p: values read before each forecast. */
  p: number;
  /** Covariates per day, C (0 = none). */
  covariates: number;
}

export const arDefaults: Omit<ARConfig, 'covariates'> = { p: 28 };

export class ARForecaster extends Module {
  readonly config: ARConfig;
  readonly linear: Linear;

  constructor(config: ARConfig) {
    super();
    if (!Number.isInteger(config.p) || config.p < 1) throw new RangeError(`ARForecaster: p must be a positive integer, got ${config.p}`);
    if (!Number.isInteger(config.covariates) || config.covariates < 0) throw new RangeError(`ARForecaster: covariates must be an integer >= 0, got ${config.covariates}`);
    this.config = { ...config };
    this.linear = this.registerModule('linear', new Linear(config.p + config.covariates, 1));
  }

  /** rows (B, p + C) -> ẑ (B). */
  forward(rows: Tensor): Tensor {
    return this.linear.forward(rows).squeeze(1);
  }
}
