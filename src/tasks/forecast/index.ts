/** The forecasting task: daily series, its forecasters and baselines, rolling-origin metrics, checkpoints. Browser-safe. */
export { ForecastTask, forecastDefaults, forecastConfigProblem, type ForecastConfig, type ForecastBatch, type ForecastState, type ForecastTaskOptions, type ForecastScore } from './task.js';
export { FORECAST_MODELS, DEFAULT_FORECAST_MODEL, findForecastModel, type ForecastModel, type ForecastModelSpec, type ForecastTrainingDefaults } from './models.js';
export { BASELINES, baselines, naive, seasonalNaive, arBaseline, fitLag, lagForecaster, type Forecaster, type LagFit } from './baselines.js';
export { rollingOrigins, scoreForecasts, scoreLine, seasonalScale, SEASON, type Score } from './metrics.js';
export { seriesFeatures, type SeriesFeatures } from './features.js';
export { forecastTaskFromCheckpoint, forecastCheckpointConfig } from './checkpoint.js';
export { forecastPlotSpec, type PlotInput, type DatedValues } from './plot-spec.js';
