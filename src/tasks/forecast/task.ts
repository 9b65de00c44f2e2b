/**
 * The forecasting task (`forecast`): a daily series, its last `testDays` days the test period, the
 * `valDays` before them validation, the rest training (data/series-split.ts); values normalised with
 * the training part's statistics; calendar covariates when `covariates` (data/calendar.ts).
 *
 * Training batches are days of the training part drawn by the task's generator (seeded `seed + 1`),
 * or every training day when `batch` is 0 (full-batch gradient descent):
 *   lag models (ar, markov)   a target day t; the loss is (ẑ_t - z_t)², ẑ_t from the p days before t
 *   recurrent models          a window of `window` days ending at t; every next day of it is a target
 * so the loss is the mean squared one-step error, in normalised units. The validation metric is the
 * rolling-origin MASE at the horizon over the validation period (metrics.ts); the final evaluation adds
 * the test period's MASE and sMAPE. Multi-step forecasts are recursive (features.ts).
 *
 * Resumable state: the batch generator.
 *
 * @example
 *   const task = new ForecastTask({ series: usBirths(), config: { ...forecastDefaults('lstm'), data: 'us-births' }, model: 'lstm', seed: 0 });
 *   await train(task, options, { storage });
 *   task.scores();   // [{ name: 'lstm', score }, { name: 'naive', ... }, ...] on the test period
 */
import { Generator } from '../../core/random.js';
import type { Tensor } from '../../core/tensor.js';
import { COVARIATES } from '../../data/calendar.js';
import { splitSeries, type SeriesSplit } from '../../data/series-split.js';
import { isoDate, type DailySeries } from '../../data/series.js';
import type { Module } from '../../nn/module.js';
import type { Evaluation, ModelDescription, Task, TaskFiles } from '../../train/task.js';
import { baselines, type Forecaster } from './baselines.js';
import { denormalise, seriesFeatures, type SeriesFeatures } from './features.js';
import { rollingOrigins, scoreForecasts, scoreLine, seasonalScale, type Score } from './metrics.js';
import { findForecastModel, FORECAST_MODELS, type ForecastModel, type ForecastModelSpec } from './models.js';

/** The task's settings, saved in checkpoints (`taskConfig`). */
export interface ForecastConfig {
  /** `us-births` (the built-in series) or a CSV file's path. */
  data: string;
  /** The CSV's date and value columns ('' for the built-in series). */
  date: string;
  value: string;
  /** SHA-256 of the data file, so a checkpoint can refuse a changed file ('' when unknown). */
  dataHash: string;
  testDays: number;
  valDays: number;
  /** Days forecast from each origin, H. */
  horizon: number;
  /** Days per training window and of context (recurrent models). */
  window: number;
  /** Days (lag models) or windows (recurrent) per step; 0 = every training day. */
  batch: number;
  /** Read the calendar covariates. */
  covariates: boolean;
  /** Lag models: start from the least-squares fit, or from PyTorch's initialisation (`gradient`). */
  fit: 'gradient' | 'least-squares';
}

export interface ForecastState {
  rng: (number | null)[];
}

export interface ForecastBatch {
  /** Target days (lag models) or the last days of windows (recurrent). */
  days: Int32Array;
}

export interface ForecastTaskOptions {
  config: ForecastConfig;
  series: DailySeries;
  /** A model name of FORECAST_MODELS. */
  model: string;
  /** The model's config (default: the spec's defaults with the covariates of `config`). */
  modelConfig?: Record<string, unknown>;
  seed: number;
}

/** The config of a model's defaults on the built-in series. */
export function forecastDefaults(model: string): ForecastConfig {
  const spec = findForecastModel(model);
  if (!spec) throw new Error(`forecastDefaults: unknown model '${model}'`);
  const { window, batch, fit } = spec.training;
  return { data: 'us-births', date: '', value: '', dataHash: '', testDays: 365, valDays: 365, horizon: 14, window, batch, covariates: spec.covariates, fit };
}

/** One line of an evaluation table. */
export interface ForecastScore {
  name: string;
  score: Score;
}

export class ForecastTask implements Task<ForecastConfig, ForecastBatch, ForecastState> {
  readonly name = 'forecast';
  readonly unit = 'days';
  readonly config: ForecastConfig;
  readonly spec: ForecastModelSpec;
  readonly series: DailySeries;
  readonly split: SeriesSplit;
  readonly modelConfig: Record<string, unknown>;
  readonly features: SeriesFeatures;
  /** The model, once createModel() has run. */
  fm: ForecastModel | null = null;
  private readonly context: number;
  /** The days a batch is drawn from. */
  private readonly pool: Int32Array;
  private readonly gen: Generator;

  constructor({ config, series, model, modelConfig, seed }: ForecastTaskOptions) {
    const problem = forecastConfigProblem(config);
    if (problem) throw new Error(`ForecastTask: invalid config: ${problem}`);
    const spec = findForecastModel(model);
    if (!spec) throw new Error(`ForecastTask: unknown model '${model}'; the models are ${FORECAST_MODELS.map((m) => m.name).join(', ')}`);
    this.config = config;
    this.spec = spec;
    this.series = series;
    this.modelConfig = modelConfig ?? { ...spec.defaults, covariates: config.covariates ? COVARIATES : 0 };
    if ((this.modelConfig.covariates !== 0) !== config.covariates)
      throw new Error(`ForecastTask: the model config has ${String(this.modelConfig.covariates)} covariates but the task config says covariates = ${config.covariates}`);
    this.context = spec.recurrent ? config.window : ((this.modelConfig.p as number | undefined) ?? 1);
    const { testDays, valDays, horizon } = config;
    this.split = splitSeries(series, { testDays, valDays, window: this.context, horizon });
    this.features = seriesFeatures(series, this.split.stats, config.covariates, horizon + 1);
    this.pool = Int32Array.from({ length: this.split.trainEnd - this.context }, (_, i) => this.context + i);
    this.gen = new Generator(seed + 1);
  }

  describeModel(): ModelDescription {
    return { name: this.spec.name, config: this.modelConfig };
  }

  createModel(): Module {
    this.fm = this.spec.create(this.modelConfig);
    if (this.config.fit === 'least-squares' && this.fm.fitClosedForm) this.fm.fitClosedForm(this.features, this.split.trainEnd);
    return this.fm.module;
  }

  nextBatch(): ForecastBatch {
    const { batch } = this.config;
    if (batch === 0) return { days: this.pool };
    const days = new Int32Array(batch);
    for (let i = 0; i < batch; i++) days[i] = this.pool[Math.min(this.pool.length - 1, Math.floor(this.gen.uniform() * this.pool.length))];
    return { days };
  }

  batchSize(batch: ForecastBatch): number {
    return batch.days.length * (this.spec.recurrent ? this.config.window : 1);
  }

  loss({ days }: ForecastBatch): Tensor {
    return this.model().loss(this.features, days, this.config.window);
  }

  evaluate(kind: 'periodic' | 'final'): Evaluation {
    const val = this.score(this.forecaster(), 'validation');
    if (kind === 'periodic') return { metrics: { val_mase: val.mase, val_smape: val.smape }, summary: `validation MASE ${val.mase.toFixed(3)}  sMAPE ${val.smape.toFixed(2)}%` };
    const test = this.score(this.forecaster(), 'test');
    const sn = this.score(baselines(this.series, this.split.valEnd)[1], 'test');
    return {
      metrics: { val_mase: val.mase, val_smape: val.smape, test_mase: test.mase, test_smape: test.smape },
      summary:
        `validation MASE ${val.mase.toFixed(3)}; test MASE ${test.mase.toFixed(3)}  sMAPE ${test.smape.toFixed(2)}% ` +
        `(seasonal naive ${sn.mase.toFixed(3)}) at H = ${this.config.horizon} over ${test.count / this.config.horizon} origins`,
    };
  }

  saveState(): { json: ForecastState } {
    return { json: { rng: this.gen.getState() } };
  }

  loadState(json: ForecastState, _files: TaskFiles): void {
    try {
      this.gen.setState(json.rng as number[]);
    } catch (e) {
      throw new Error(`invalid RNG state: ${(e as Error).message}`);
    }
  }

  /** The trained model as a Forecaster over the raw series. */
  forecaster(): Forecaster {
    const fm = this.model();
    return {
      name: this.spec.name,
      forecast: (origins, H) => {
        const f = H + 1 <= this.config.horizon + 1 ? this.features : seriesFeatures(this.series, this.split.stats, this.config.covariates, H + 1);
        return fm.forecast(f, origins, H, this.config.window).map((v) => denormalise(v, this.split.stats));
      },
    };
  }

  /**
   * The rolling-origin score of a forecaster at the task's horizon over the validation or the test
   * period. MASE is scaled by the lag-7 seasonal naive's in-sample error on the days before the period.
   */
  score(forecaster: Forecaster, period: 'validation' | 'test'): Score {
    const { trainEnd, valEnd, n } = this.split;
    const [from, to] = period === 'test' ? [valEnd, n] : [trainEnd, valEnd];
    const H = this.config.horizon;
    const origins = rollingOrigins(from, to, H);
    return scoreForecasts(this.series.values, origins, H, forecaster.forecast(origins, H), seasonalScale(this.series.values, from));
  }

  /** The test-period scores of the model and the baselines (naive, seasonal-naive, ar), in that order. */
  scores(): ForecastScore[] {
    const base = baselines(this.series, this.split.valEnd);
    const model = this.forecaster();
    // an `ar` run beside the `ar` baseline (fitted on every day before the test period): told apart
    const name = base.some((b) => b.name === model.name) ? `${model.name} (this run)` : model.name;
    return [{ name, score: this.score(model, 'test') }, ...base.map((f) => ({ name: f.name, score: this.score(f, 'test') }))];
  }

  /** `NAME  MASE x.xxx  sMAPE y.yy%` lines of `scores()`. */
  scoreTable(): string[] {
    return this.scores().map(({ name, score }) => scoreLine(name, score));
  }

  /** The forecast of the H days after the end of the data: dates and values. */
  forecastAhead(horizon = this.config.horizon): { dates: string[]; values: Float64Array } {
    const last = this.series.values.length - 1;
    const values = this.forecaster().forecast([last], horizon);
    return { dates: Array.from({ length: horizon }, (_, h) => isoDate(this.series.start + last + 1 + h)), values };
  }

  private model(): ForecastModel {
    if (!this.fm) throw new Error('ForecastTask: call createModel() first');
    return this.fm;
  }
}

/** What is wrong with a forecast config read from a file, as a phrase naming the field, or null. */
export function forecastConfigProblem(config: object): string | null {
  const c = config as Record<string, unknown>;
  const want = (ok: boolean, key: string, what: string) => (ok ? null : `${key} = ${JSON.stringify(c[key])}, expected ${what}`);
  const isInt = (k: string, min: number) => Number.isInteger(c[k]) && (c[k] as number) >= min;
  const isStr = (k: string) => typeof c[k] === 'string';
  return (
    want(isStr('data'), 'data', 'a file path or us-births') ??
    want(isStr('date'), 'date', 'a column name') ??
    want(isStr('value'), 'value', 'a column name') ??
    want(isStr('dataHash'), 'dataHash', 'a SHA-256 hex string') ??
    want(isInt('testDays', 1), 'testDays', 'a positive integer') ??
    want(isInt('valDays', 1), 'valDays', 'a positive integer') ??
    want(isInt('horizon', 1), 'horizon', 'a positive integer') ??
    want(isInt('window', 1), 'window', 'a positive integer') ??
    want(isInt('batch', 0), 'batch', 'an integer >= 0') ??
    want(typeof c.covariates === 'boolean', 'covariates', 'a boolean') ??
    want(c.fit === 'gradient' || c.fit === 'least-squares', 'fit', 'gradient or least-squares')
  );
}
