import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Generator } from '../src/core/random.js';
import { splitSeries } from '../src/data/series-split.js';
import { usBirths } from '../src/data/us-births.js';
import { arBaseline, baselines, fitLag, lagForecaster, naive, seasonalNaive } from '../src/tasks/forecast/baselines.js';
import { seriesFeatures } from '../src/tasks/forecast/features.js';
import { leastSquares } from '../src/tasks/forecast/least-squares.js';
import { rollingOrigins, scoreForecasts, scoreLine, seasonalScale } from '../src/tasks/forecast/metrics.js';

const close = (a: number, b: number, tol: number, what = '') => assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b}`);

test('MASE and sMAPE on a hand-computed case', () => {
  // origins 0 and 1, H = 2: errors 10, 20, 10, 20 -> MAE 15; sMAPE terms 200·10/30, 200·20/40, 200·10/50, 200·20/60
  const s = scoreForecasts([10, 20, 30, 40], [0, 1], 2, [10, 10, 20, 20], 5);
  assert.equal(s.mae, 15);
  assert.equal(s.mase, 3);
  close(s.smape, (200 / 3 + 100 + 40 + 200 / 3) / 4, 1e-12, 'sMAPE');
  assert.equal(s.count, 4);
  assert.equal(scoreForecasts([0, 0], [0], 1, [0], 1).smape, 0); // 0/0 counts as 0
  assert.equal(scoreLine('naive', s, 6), 'naive   MASE 3.000  sMAPE 68.33%');
  // the scale: the lag-7 naive's in-sample MAE, |1-0| + |3-1| over 7 days
  assert.equal(seasonalScale([0, 1, 2, 3, 4, 5, 6, 1, 3, 2, 3, 4, 5, 6], 14), 3 / 7);
  assert.deepEqual([...rollingOrigins(10, 20, 3)], [9, 10, 11, 12, 13, 14, 15, 16]);
  assert.throws(() => rollingOrigins(10, 12, 3), /shorter than the horizon/);
});

test('naive and seasonal naive forecasts', () => {
  const y = Array.from({ length: 30 }, (_, i) => i * i);
  assert.deepEqual([...naive(y).forecast([9, 20], 3)], [81, 81, 81, 400, 400, 400]);
  // from origin 20: days 21..27 are last week's 14..20, days 28, 29 the week before's 14, 15
  const f = seasonalNaive(y).forecast([20], 9);
  assert.deepEqual([...f.subarray(0, 7)], [14, 15, 16, 17, 18, 19, 20].map((d) => d * d));
  assert.deepEqual([...f.subarray(7)], [14, 15].map((d) => d * d));
});

test('least squares solves a known system; a lag model recovers an AR(2) and forecasts recursively', () => {
  // y = 2 x0 - x1 + 3 exactly
  const X = [1, 0, 1, 0, 1, 1, 1, 2, 1, 3, 1, 1];
  const y = [5, 2, 3, 8];
  const w = leastSquares(X, y, 3);
  [2, -1, 3].forEach((v, i) => close(w[i], v, 1e-10, `w${i}`));
  // z_t = 0.6 z_{t-1} - 0.3 z_{t-2} + 0.5 + small deterministic noise
  const gen = new Generator(0);
  const noise = () => (gen.uniform() - 0.5) * 0.2;
  const values = new Float64Array(3000);
  for (let t = 2; t < values.length; t++) values[t] = 0.6 * values[t - 1] - 0.3 * values[t - 2] + 0.5 + noise();
  const f = seriesFeatures({ name: 'ar2', start: 0, values }, { mean: 0, std: 1 }, false, 0);
  const fit = fitLag(f, 2, values.length, 0);
  close(fit.weight[0], 0.6, 0.02, 'a1');
  close(fit.weight[1], -0.3, 0.02, 'a2');
  close(fit.bias, 0.5, 0.02, 'b');
  // recursion by hand with z_t = 0.5 z_{t-1} + 1 from z_o = 0: 1, 1.5, 1.75
  const g = seriesFeatures({ name: 'x', start: 0, values: new Float64Array([4, 0]) }, { mean: 0, std: 1 }, false, 0);
  assert.deepEqual([...lagForecaster('m', g, 1, { weight: new Float64Array([0.5]), bias: 1 }).forecast([1], 3)], [1, 1.5, 1.75]);
});

test("the issue's anchors on the built-in series at H = 14: seasonal naive 1.175, AR(28) 1.088", () => {
  const series = usBirths();
  const split = splitSeries(series, { testDays: 365, valDays: 365, window: 28, horizon: 14 });
  const origins = rollingOrigins(split.valEnd, split.n, 14);
  assert.equal(origins.length, 352);
  const scale = seasonalScale(series.values, split.valEnd);
  const scores = Object.fromEntries(baselines(series, split.valEnd).map((b) => [b.name, scoreForecasts(series.values, origins, 14, b.forecast(origins, 14), scale)]));
  close(scores['seasonal-naive'].mase, 1.175, 0.0005, 'seasonal naive');
  close(scores.ar.mase, 1.088, 0.0005, 'AR(28)');
  assert.ok(scores.naive.mase > scores['seasonal-naive'].mase);
  assert.equal(arBaseline(series, split.valEnd).name, 'ar');
});
