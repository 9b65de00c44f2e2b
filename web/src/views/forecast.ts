/** The `forecast` view: the series' last days, a backtest forecast beside the actual values, and the forecast ahead. */
import type { View } from '../view-contract.js';
import { drawn, expect, figure, lineChart } from './draw.js';

interface Line { dates: string[]; values: number[] }
interface Data { series: string; model: string; horizon: number; actual: Line; backtest: Line & { actual: number[] }; ahead: Line }

export const view: View = {
  name: 'forecast',
  title: 'Forecast',
  draw(el, data) {
    const d = expect<Data>('forecast', data, ['actual', 'backtest', 'ahead']);
    const n = d.actual.dates.length;
    const dates = [...d.actual.dates, ...d.ahead.dates];
    const pad = (at: number, values: number[]) => dates.map((_, i) => (i >= at && i < at + values.length ? values[i - at] : NaN));
    const backAt = n - d.backtest.values.length;
    const fig = figure(
      el,
      `${d.series}: the last ${n} days (grey), what the ${d.model} model forecast ${d.horizon} days before the end (red, dashed) against what happened, ` +
        `and its forecast of the ${d.ahead.dates.length} days after the data (blue). Look at the weekly rhythm and whether the forecast keeps it.`,
    );
    fig.append(lineChart([
      { name: 'actual', values: pad(0, d.actual.values), colour: '#555' },
      { name: 'backtest', values: pad(backAt, d.backtest.values), colour: '#e45756', dashed: true },
      { name: 'forecast', values: pad(n, d.ahead.values), colour: '#4c78a8' },
    ], {
      width: 560, height: 260, log: false, title: `${d.series}: actual values, a backtest and the forecast`, yLabel: 'value', xLabel: 'date',
      xLabels: dates.map((s) => s.slice(5)), xLabelEvery: Math.max(1, Math.ceil(dates.length / 6)),
    }));
    drawn(el);
  },
};
