/**
 * Rolling-origin evaluation of daily forecasts. From every origin o (the last day a forecaster has
 * seen) whose horizon lies inside the period [from, to), the forecaster predicts days o+1 .. o+H; all
 * N·H errors count:
 *
 *   origins   o = from-1, from, ..., to-1-H                       (N = to - from - H + 1)
 *   MASE    = mean |y - ŷ| / scale,  scale = mean_{t in [7, end)} |y_t - y_{t-7}|
 *             (the in-sample error of the lag-7 seasonal naive forecast on the days before the test period)
 *   sMAPE   = mean 200·|y - ŷ| / (|y| + |ŷ|)   in percent (0 when y = ŷ = 0)
 *
 * @example
 *   const origins = rollingOrigins(split.valEnd, split.n, 14);
 *   const score = scoreForecasts(series.values, origins, 14, forecaster.forecast(origins, 14), seasonalScale(series.values, split.valEnd));
 */

/** The season of the MASE scale: a week. */
export const SEASON = 7;

/** mean_{t in [season, end)} |y_t - y_{t-season}|. */
export function seasonalScale(values: ArrayLike<number>, end: number, season = SEASON): number {
  if (end <= season) throw new RangeError(`seasonalScale: needs more than ${season} days, got ${end}`);
  let s = 0;
  for (let t = season; t < end; t++) s += Math.abs(values[t] - values[t - season]);
  return s / (end - season);
}

/** The origins of a rolling-origin evaluation over [from, to) at horizon H: from-1 .. to-1-H. */
export function rollingOrigins(from: number, to: number, horizon: number): Int32Array {
  const n = to - from - horizon + 1;
  if (from < 1 || n < 1) throw new RangeError(`rollingOrigins: the period [${from}, ${to}) is shorter than the horizon ${horizon}`);
  return Int32Array.from({ length: n }, (_, i) => from - 1 + i);
}

export interface Score {
  mase: number;
  /** In percent. */
  smape: number;
  /** Mean absolute error, in the series' units. */
  mae: number;
  /** Forecasts scored (origins x horizon). */
  count: number;
}

/** Scores `forecasts` (origins.length x H, row-major: forecasts[i*H + h-1] is day origins[i] + h). */
export function scoreForecasts(values: ArrayLike<number>, origins: ArrayLike<number>, horizon: number, forecasts: ArrayLike<number>, scale: number): Score {
  if (forecasts.length !== origins.length * horizon) throw new RangeError(`scoreForecasts: expected ${origins.length} x ${horizon} forecasts, got ${forecasts.length}`);
  let abs = 0;
  let sm = 0;
  for (let i = 0; i < origins.length; i++)
    for (let h = 1; h <= horizon; h++) {
      const y = values[origins[i] + h];
      const f = forecasts[i * horizon + h - 1];
      if (y === undefined) throw new RangeError(`scoreForecasts: origin ${origins[i]} + ${h} is past the data`);
      const e = Math.abs(y - f);
      abs += e;
      const d = Math.abs(y) + Math.abs(f);
      sm += d === 0 ? 0 : (200 * e) / d;
    }
  const count = origins.length * horizon;
  return { mase: abs / count / scale, smape: sm / count, mae: abs / count, count };
}

/** `NAME  MASE x.xxx  sMAPE y.yy%`, names padded to `width`. */
export function scoreLine(name: string, score: Score, width = 14): string {
  return `${name.padEnd(width)}  MASE ${score.mase.toFixed(3)}  sMAPE ${score.smape.toFixed(2)}%`;
}
