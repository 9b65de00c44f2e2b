/**
 * The first-order Markov forecaster of the notes, AR(1): the next value depends only on the last one
 * (and, optionally, on the day's calendar covariates),
 *
 *   ẑ_t = a z_{t-1} + b + Σ_j c_j cov_{t,j}
 *
 *   rows (B, 1 + C)  ->  linear  ->  ẑ (B)
 *
 * `nn.Linear(1 + C, 1)` in PyTorch terms: keys `linear.weight` (1, 1 + C), `linear.bias` (1). Fitted
 * in closed form or by gradient descent like AR(p), which it is with p = 1.
 */
import type { Tensor } from '../../core/tensor.js';
import { Linear } from '../../nn/layers/linear.js';
import { Module } from '../../nn/module.js';

export interface MarkovForecastConfig {
  /** Covariates per day, C (0 = none). */
  covariates: number;
}

export class MarkovForecaster extends Module {
  readonly config: MarkovForecastConfig;
  readonly linear: Linear;
  /** The values it reads: one. */
  readonly p = 1;

  constructor(config: MarkovForecastConfig) {
    super();
    if (!Number.isInteger(config.covariates) || config.covariates < 0) throw new RangeError(`MarkovForecaster: covariates must be an integer >= 0, got ${config.covariates}`);
    this.config = { ...config };
    this.linear = this.registerModule('linear', new Linear(1 + config.covariates, 1));
  }

  /** rows (B, 1 + C) -> ẑ (B). */
  forward(rows: Tensor): Tensor {
    return this.linear.forward(rows).squeeze(1);
  }
}
