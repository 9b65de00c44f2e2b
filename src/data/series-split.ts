/**
 * The forecasting splits of a daily series, in time order: the last `testDays` days are the test
 * period, the `valDays` before them validation, the rest training,
 *
 *   index  0 ........ trainEnd ........ valEnd ........ n
 *          |  train    |  validation     |  test         |
 *
 * and the normalisation statistics of the training part only, z = (x - mean) / std, so nothing of
 * the validation or test periods leaks into the inputs.
 *
 * @example
 *   const split = splitSeries(series, { testDays: 365, valDays: 365, window: 28, horizon: 14 });
 *   const z = normalise(series.values, split.stats);
 */
import { DataError } from './data-error.js';
import type { DailySeries } from './series.js';

export interface SplitOptions {
  testDays: number;
  valDays: number;
  /** Days a forecaster reads before its first forecast (the AR order, the recurrent window). */
  window: number;
  /** Days forecast from each origin. */
  horizon: number;
}

export interface NormStats {
  mean: number;
  std: number;
}

export interface SeriesSplit {
  /** Training is [0, trainEnd), validation [trainEnd, valEnd), test [valEnd, n). */
  trainEnd: number;
  valEnd: number;
  n: number;
  /** Of the training part. */
  stats: NormStats;
}

/**
 * The splits of `series`; a DataError when the series is too short: the training part must hold at
 * least one window and its horizon (window + horizon days), validation and test at least a horizon each.
 */
export function splitSeries(series: DailySeries, { testDays, valDays, window, horizon }: SplitOptions): SeriesSplit {
  const n = series.values.length;
  const valEnd = n - testDays;
  const trainEnd = valEnd - valDays;
  const need = window + horizon + testDays + valDays;
  if (testDays < horizon || valDays < horizon || trainEnd < window + horizon)
    throw new DataError(
      `data '${series.name}' is too short for the window: it has ${n} days, but a window of ${window} days, a horizon of ${horizon}, ` +
        `${valDays} validation days and ${testDays} test days need at least ${need} (and validation and test at least the horizon each)`,
    );
  return { trainEnd, valEnd, n, stats: normStats(series.values.subarray(0, trainEnd)) };
}

/** Mean and (population) standard deviation; std 1 for a constant part, so z stays finite. */
export function normStats(values: ArrayLike<number>): NormStats {
  let mean = 0;
  for (let i = 0; i < values.length; i++) mean += values[i];
  mean /= values.length;
  let v = 0;
  for (let i = 0; i < values.length; i++) v += (values[i] - mean) ** 2;
  const std = Math.sqrt(v / values.length);
  return { mean, std: std > 0 ? std : 1 };
}

/** (x - mean) / std of every value. */
export function normalise(values: ArrayLike<number>, { mean, std }: NormStats): Float64Array {
  return Float64Array.from(values, (x) => (x - mean) / std);
}
