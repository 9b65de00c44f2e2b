/**
 * The `forecast` view's data: the last days of a daily series (the US births of src/data/us-births.ts
 * by default), a backtest forecast made `horizon` days before its end beside the actual values, and
 * the forecast of the days after its end, as `loom forecast --plot` draws them (forecastPlotSpec). The
 * task, its model created and trained, comes in `ctx.forecast`.
 */
import { isoDate } from '../data/series.js';
import { intParam, type InspectContext } from './context.js';

export interface DatedLine {
  dates: string[];
  values: number[];
}

export interface ForecastData {
  series: string;
  model: string;
  horizon: number;
  /** The last `days` actual values. */
  actual: DatedLine;
  /** Forecast from day n-1-H of the H days up to the end, and those days' actual values. */
  backtest: DatedLine & { actual: number[] };
  /** Forecast of the H days after the end of the data. */
  ahead: DatedLine;
}

/** params: days of history (default 120), horizon (default the task's). */
export function inspectForecast(ctx: InspectContext, params: Record<string, unknown>): ForecastData {
  const task = ctx.forecast;
  if (!task) throw new Error('the forecast view needs a forecasting model: open a checkpoint of loom train --task forecast');
  const days = intParam(params, 'days', 120, 2, 100_000);
  const H = intParam(params, 'horizon', task.config.horizon, 1, 366);
  const { start, values } = task.series;
  const n = values.length;
  const dates = (from: number, count: number) => Array.from({ length: count }, (_, i) => isoDate(start + from + i));
  const first = Math.max(0, n - days);
  const origin = n - 1 - H;
  const back = Array.from(task.forecaster().forecast([origin], H));
  const ahead = task.forecastAhead(H);
  return {
    series: task.series.name,
    model: task.spec.name,
    horizon: H,
    actual: { dates: dates(first, n - first), values: Array.from(values.subarray(first)) },
    backtest: { dates: dates(origin + 1, H), values: back, actual: Array.from(values.subarray(origin + 1, origin + 1 + H)) },
    ahead: { dates: ahead.dates, values: Array.from(ahead.values) },
  };
}
