/**
 * The baselines reported beside every model, as `Forecaster`s over the raw series:
 *
 *   naive            ŷ_{o+h} = y_o                              (the last value)
 *   seasonal-naive   ŷ_{o+h} = y_{o+h-7k}, k = ceil(h/7)         (the same weekday, last week)
 *   ar               AR(28) with an intercept, least squares on the days before the test period,
 *                    no covariates, recursive                     ŷ_t = b + Σ_{k=1..p} a_k y_{t-k}
 *
 * A forecaster maps origins (the last day it has seen) to origins.length x H forecasts, row-major.
 */
import { normStats } from '../../data/series-split.js';
import type { DailySeries } from '../../data/series.js';
import { leastSquares } from './least-squares.js';
import { denormalise, lagDesign, recursiveLagForecast, seriesFeatures, type SeriesFeatures } from './features.js';
import { SEASON } from './metrics.js';

export interface Forecaster {
  name: string;
  /** (origins.length x H) forecasts in the series' units; forecasts[i*H + h-1] is day origins[i] + h. */
  forecast(origins: ArrayLike<number>, horizon: number): Float64Array;
}

export const BASELINES = ['naive', 'seasonal-naive', 'ar'] as const;

/** The AR order of the `ar` baseline. */
export const AR_BASELINE_ORDER = 28;

export function naive(values: ArrayLike<number>): Forecaster {
  return {
    name: 'naive',
    forecast: (origins, H) => {
      const out = new Float64Array(origins.length * H);
      for (let i = 0; i < origins.length; i++) out.fill(values[origins[i]], i * H, (i + 1) * H);
      return out;
    },
  };
}

export function seasonalNaive(values: ArrayLike<number>, season = SEASON): Forecaster {
  return {
    name: 'seasonal-naive',
    forecast: (origins, H) => {
      const out = new Float64Array(origins.length * H);
      for (let i = 0; i < origins.length; i++) for (let h = 1; h <= H; h++) out[i * H + h - 1] = values[origins[i] + h - season * Math.ceil(h / season)];
      return out;
    },
  };
}

/** Weights of a lag model fitted by least squares: `weight` (p + C) over lagDesign's row, and `bias`. */
export interface LagFit {
  weight: Float64Array;
  bias: number;
}

/**
 * Least squares of a lag model with an intercept on the target days [p, end): the normal equations of
 * [row_t, 1] w = z_t. `ridge` (default 1e-6 per row) keeps a covariate that never occurs solvable.
 */
export function fitLag(f: SeriesFeatures, p: number, end: number, ridge = 1e-6 * (end - p)): LagFit {
  const targets = Int32Array.from({ length: end - p }, (_, i) => p + i);
  const { X, y } = lagDesign(f, p, targets);
  const d = p + f.width;
  const X1 = new Float64Array(targets.length * (d + 1));
  for (let i = 0; i < targets.length; i++) {
    for (let j = 0; j < d; j++) X1[i * (d + 1) + j] = X[i * d + j];
    X1[i * (d + 1) + d] = 1;
  }
  const w = leastSquares(X1, y, d + 1, ridge);
  return { weight: w.subarray(0, d), bias: w[d] };
}

/** Forecasts of a fitted lag model, denormalised. */
export function lagForecaster(name: string, f: SeriesFeatures, p: number, { weight, bias }: LagFit): Forecaster {
  const d = weight.length;
  return {
    name,
    forecast: (origins, H) => {
      const z = recursiveLagForecast(f, p, origins, H, (rows, B) => {
        const next = new Float64Array(B);
        for (let b = 0; b < B; b++) {
          let s = bias;
          for (let j = 0; j < d; j++) s += weight[j] * rows[b * d + j];
          next[b] = s;
        }
        return next;
      });
      return z.map((v) => denormalise(v, f.stats));
    },
  };
}

/** The `ar` baseline: AR(28), least squares on [0, end) (the days before the test period). */
export function arBaseline(series: DailySeries, end: number, p = AR_BASELINE_ORDER): Forecaster {
  const f = seriesFeatures(series, normStats(series.values.subarray(0, end)), false, 0);
  return lagForecaster('ar', f, p, fitLag(f, p, end, 0));
}

/** The three baselines of a series whose test period starts at `testStart`. */
export function baselines(series: DailySeries, testStart: number): Forecaster[] {
  return [naive(series.values), seasonalNaive(series.values), arBaseline(series, testStart)];
}
