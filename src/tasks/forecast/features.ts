/**
 * What every forecaster reads: the normalised series z (training statistics) and, optionally, the
 * calendar covariates of each day (data/calendar.ts), known ahead, so they extend past the data.
 *
 *   z      (n)              z_t = (x_t - mean) / std
 *   cov    (n + ahead, C)   covariates of day t, C = COVARIATES or 0
 *
 * Lag models (ar, markov) predict day t from the p days before it and day t's covariates:
 *
 *   row_t = [z_{t-1}, z_{t-2}, ..., z_{t-p}, cov_t]      (p + C)
 *
 * Multi-step forecasts are recursive for every model: a forecast for day o+1 becomes the input for day
 * o+2, and so on to the horizon. One model per horizon step (direct) would multiply the parameters by H.
 */
import { calendarCovariates, COVARIATES } from '../../data/calendar.js';
import { normalise, type NormStats } from '../../data/series-split.js';
import type { DailySeries } from '../../data/series.js';

export interface SeriesFeatures {
  z: Float64Array;
  /** (days, C) row-major, days >= z.length; null without covariates. */
  cov: Float32Array | null;
  /** C: covariates per day (0 without). */
  width: number;
  stats: NormStats;
}

/** The features of `series` with covariates `ahead` days past its end (when `covariates`). */
export function seriesFeatures(series: DailySeries, stats: NormStats, covariates: boolean, ahead: number): SeriesFeatures {
  const z = normalise(series.values, stats);
  const cov = covariates ? calendarCovariates(series.start, z.length + ahead) : null;
  return { z, cov, width: covariates ? COVARIATES : 0, stats };
}

/** The raw value of a normalised one. */
export function denormalise(v: number, { mean, std }: NormStats): number {
  return v * std + mean;
}

/** Lag rows for the target days `targets`: X (targets.length, p + C), y (targets.length). */
export function lagDesign(f: SeriesFeatures, p: number, targets: ArrayLike<number>): { X: Float32Array; y: Float32Array } {
  const d = p + f.width;
  const X = new Float32Array(targets.length * d);
  const y = new Float32Array(targets.length);
  for (let i = 0; i < targets.length; i++) {
    const t = targets[i];
    if (t < p || t >= f.z.length) throw new RangeError(`lagDesign: day ${t} has no ${p} days before it in the data`);
    for (let k = 1; k <= p; k++) X[i * d + k - 1] = f.z[t - k];
    if (f.cov) X.set(f.cov.subarray(t * f.width, (t + 1) * f.width), i * d + p);
    y[i] = f.z[t];
  }
  return { X, y };
}

/**
 * Recursive forecasts of a lag model from `origins` (normalised, origins.length x H): at step h the rows
 * of all origins are built from the data up to the origin and the forecasts of steps 1..h-1, and
 * `predict(rows, B)` gives the B next values.
 */
export function recursiveLagForecast(f: SeriesFeatures, p: number, origins: ArrayLike<number>, horizon: number, predict: (rows: Float32Array, B: number) => ArrayLike<number>): Float64Array {
  const B = origins.length;
  const d = p + f.width;
  const out = new Float64Array(B * horizon);
  const rows = new Float32Array(B * d);
  for (let h = 1; h <= horizon; h++) {
    for (let b = 0; b < B; b++) {
      const o = origins[b];
      const t = o + h; // the day forecast
      for (let k = 1; k <= p; k++) {
        const s = t - k;
        rows[b * d + k - 1] = s <= o ? f.z[s] : out[b * horizon + (s - o) - 1];
      }
      if (f.cov) {
        if ((t + 1) * f.width > f.cov.length) throw new RangeError(`recursiveLagForecast: no covariates for day ${t}`);
        rows.set(f.cov.subarray(t * f.width, (t + 1) * f.width), b * d + p);
      }
    }
    const next = predict(rows, B);
    for (let b = 0; b < B; b++) out[b * horizon + h - 1] = next[b];
  }
  return out;
}
