/**
 * The forecast task in the library loop: the AR model's gradient-descent fit reaches the closed form,
 * a short recurrent run's loss falls, a resumed run has an uninterrupted run's losses, and the models'
 * recursive forecasts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import '../src/node.js';
import { Generator } from '../src/core/random.js';
import { dayNumber, type DailySeries } from '../src/data/series.js';
import { decodeCheckpoint } from '../src/io/checkpoint.js';
import type { ARForecaster } from '../src/models/forecast/ar.js';
import { fitLag } from '../src/tasks/forecast/baselines.js';
import { findForecastModel } from '../src/tasks/forecast/models.js';
import { ForecastTask, type ForecastConfig } from '../src/tasks/forecast/task.js';
import { train } from '../src/train/loop.js';
import type { TrainOptions } from '../src/train/options.js';
import { MemoryRunStorage } from '../src/train/storage.js';

/** 400 days: a level, a weekly pattern (low weekends), an AR(1) wiggle and noise. */
function synthetic(days = 400): DailySeries {
  const g = new Generator(7);
  const values = new Float64Array(days);
  let e = 0;
  const start = dayNumber(2000, 1, 3);
  for (let i = 0; i < days; i++) {
    e = 0.7 * e + (g.uniform() - 0.5) * 40;
    const dow = (i % 7) as number;
    values[i] = 1000 + 0.2 * i + (dow >= 5 ? -150 : 20 * dow) + e;
  }
  return { name: 'synthetic', start, values };
}

const small: Omit<ForecastConfig, 'covariates' | 'fit' | 'batch' | 'window'> = { data: 'synthetic', date: 'date', value: 'value', dataHash: '', testDays: 30, valDays: 30, horizon: 7 };
const options = (over: Partial<TrainOptions>): TrainOptions => ({ steps: 10, lr: 0.01, optimizer: 'adam', weightDecay: 0, clip: 1, schedule: 'constant', warmup: 0, seed: 3, evalEvery: 0, checkpointEvery: 100, ...over });

test('ar: gradient descent in the loop reaches the least-squares coefficients', async () => {
  const series = synthetic();
  const config: ForecastConfig = { ...small, covariates: false, fit: 'gradient', batch: 0, window: 7 };
  const task = new ForecastTask({ series, config, model: 'ar', modelConfig: { p: 7, covariates: 0 }, seed: 0 });
  await train(task, options({ steps: 2000, lr: 0.05, clip: 0, schedule: 'cosine' }), { storage: new MemoryRunStorage() });
  const ar = task.fm!.module as ARForecaster;
  const trained = [...ar.linear.weight.toArray(), ...ar.linear.bias!.toArray()];
  const { weight, bias } = fitLag(task.features, 7, task.split.trainEnd);
  [...weight, bias].forEach((w, j) => assert.ok(Math.abs(trained[j] - w) < 1e-3, `coefficient ${j}: trained ${trained[j]}, least squares ${w}`));
  // the closed-form start (fit: least-squares) is that fit, covariates included
  const withCov = new ForecastTask({ series, config: { ...config, covariates: true, fit: 'least-squares' }, model: 'ar', modelConfig: { p: 7, covariates: 20 }, seed: 0 });
  withCov.createModel();
  const lsw = [...(withCov.fm!.module as ARForecaster).linear.weight.toArray()];
  fitLag(withCov.features, 7, withCov.split.trainEnd).weight.forEach((w, j) => assert.ok(Math.abs(lsw[j] - w) < 1e-5));
});

test('markov: AR(1) fits x_t = a x_{t-1} + b', () => {
  const series = synthetic();
  const task = new ForecastTask({ series, config: { ...small, covariates: false, fit: 'least-squares', batch: 0, window: 1 }, model: 'markov', seed: 0 });
  const m = task.createModel();
  assert.deepEqual([...m.stateDict().keys()], ['linear.weight', 'linear.bias']);
  const a = (task.fm!.module as unknown as ARForecaster).linear.weight.toArray()[0];
  assert.ok(a > 0.3 && a < 1, `a = ${a}`);
});

for (const model of ['rnn', 'lstm', 'gru']) {
  test(`${model}: a short run's loss falls and it forecasts H days from every origin`, async () => {
    const config: ForecastConfig = { ...small, covariates: true, fit: 'gradient', batch: 16, window: 14 };
    const task = new ForecastTask({ series: synthetic(), config, model, modelConfig: { ...findForecastModel(model)!.defaults, hidden: 16, covariates: 20 }, seed: 0 });
    const storage = new MemoryRunStorage();
    await train(task, options({ steps: 60, lr: 0.01 }), { storage });
    const losses = storage.metrics.filter((r) => 'loss' in r).map((r) => r.loss as number);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b) / xs.length;
    assert.ok(mean(losses.slice(-10)) < 0.5 * mean(losses.slice(0, 10)), `${mean(losses.slice(0, 10))} -> ${mean(losses.slice(-10))}`);
    const f = task.forecaster().forecast([300, 301], 7);
    assert.equal(f.length, 14);
    assert.ok(f.every((v) => v > 500 && v < 1500), `${[...f]}`);
    const ahead = task.forecastAhead(10); // past the horizon: covariates computed further
    assert.equal(ahead.dates[0], '2001-02-06');
    assert.equal(ahead.values.length, 10);
  });
}

test('lstm: stopped after 5 of 10 steps and resumed, the run has the losses of 10 straight steps', async () => {
  const config: ForecastConfig = { ...small, covariates: true, fit: 'gradient', batch: 8, window: 14 };
  const make = () => new ForecastTask({ series: synthetic(), config, model: 'lstm', modelConfig: { cell: 'lstm', hidden: 8, layers: 1, covariates: 20 }, seed: 0 });
  const opts = options({ steps: 10, schedule: 'cosine', evalEvery: 4 });
  const straight = new MemoryRunStorage();
  await train(make(), opts, { storage: straight });
  const split = new MemoryRunStorage();
  let done = 0;
  const stopped = await train(make(), opts, { storage: split, onProgress: (e) => e.kind === 'step' && done++, shouldStop: () => done === 5 });
  assert.equal(stopped.status, 'stopped');
  const ckpt = decodeCheckpoint(split.checkpoint!, 'memory');
  assert.equal(ckpt.meta.task, 'forecast');
  assert.deepEqual(ckpt.meta.config, { cell: 'lstm', hidden: 8, layers: 1, covariates: 20 });
  await train(make(), opts, { storage: split, resumeFrom: ckpt });
  const timeless = (m: MemoryRunStorage) => m.metrics.map(({ days_per_s: _, ...r }) => r);
  assert.deepEqual(timeless(split), timeless(straight));
  assert.equal(split.metrics.filter((r) => 'loss' in r).length, 10);
});
