/**
 * The forecast plot: an SVG of the last days of the series, the forecast of the days after its end,
 * and a forecast made H days before the end beside the actual values, drawn with Vega-Lite and rendered
 * to SVG by Vega in Node (no DOM, no canvas). The spec is plain JSON (the playground can render it); plot.ts renders it in Node.
 *
 *   series    the actual values of the last `days` days
 *   backtest  the forecast from origin n-1-H (the test period's last origin), against the actuals
 *   forecast  the forecast of the H days after the data
 *
 * @example
 *   const spec = forecastPlotSpec({ series, ahead: task.forecastAhead(14) });
 */
import { isoDate, type DailySeries } from '../../data/series.js';

export interface DatedValues {
  dates: string[];
  values: ArrayLike<number>;
}

export interface PlotInput {
  series: DailySeries;
  /** The forecast after the end of the data. */
  ahead: DatedValues;
  /** A forecast inside the data, drawn against the actual values. */
  backtest?: DatedValues;
  /** Days of history drawn (default 120). */
  days?: number;
  title?: string;
}

/** The Vega-Lite spec of the plot (JSON), e.g. for the playground to render in a browser. */
export function forecastPlotSpec({ series, ahead, backtest, days = 120, title }: PlotInput): Record<string, unknown> {
  const n = series.values.length;
  const rows: { date: string; value: number; line: string }[] = [];
  for (let i = Math.max(0, n - days); i < n; i++) rows.push({ date: isoDate(series.start + i), value: series.values[i], line: 'actual' });
  const add = (d: DatedValues, line: string) => d.dates.forEach((date, i) => rows.push({ date, value: d.values[i], line }));
  if (backtest) add(backtest, 'forecast (backtest)');
  add(ahead, 'forecast');
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: title ?? `${series.name}: the last ${Math.min(days, n)} days and a ${ahead.dates.length}-day forecast`,
    width: 720,
    height: 260,
    background: 'white',
    data: { values: rows },
    mark: { type: 'line', strokeWidth: 1.5 },
    encoding: {
      x: { field: 'date', type: 'temporal', title: null },
      y: { field: 'value', type: 'quantitative', scale: { zero: false }, title: 'value' },
      color: { field: 'line', type: 'nominal', title: null, scale: { domain: ['actual', 'forecast (backtest)', 'forecast'], range: ['#555555', '#e45756', '#4c78a8'] } },
      strokeDash: { field: 'line', type: 'nominal', title: null, scale: { domain: ['actual', 'forecast (backtest)', 'forecast'], range: [[1, 0], [4, 2], [1, 0]] } },
    },
  };
}

