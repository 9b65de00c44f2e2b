/**
 * A forecast task rebuilt from its checkpoint (io/checkpoint.ts): the task config and the model config
 * checked, the series given by the caller (the CLI reads it again from `taskConfig.data`, its hash
 * checked), the model built with the saved weights, ready to evaluate and forecast.
 *
 * @example
 *   const ckpt = loadCheckpoint('runs/forecast');
 *   const task = forecastTaskFromCheckpoint(ckpt, loadSeries(ckpt.meta.taskConfig).series);
 *   task.scoreTable();
 */
import { CheckpointError, loadCheckpointWeights, type Checkpoint } from '../../io/checkpoint.js';
import type { DailySeries } from '../../data/series.js';
import { findForecastModel, forecastConfigProblem as modelConfigProblem, FORECAST_MODELS } from './models.js';
import { ForecastTask, forecastConfigProblem, type ForecastConfig } from './task.js';

/** The checked task config of a forecast checkpoint. */
export function forecastCheckpointConfig(ckpt: Checkpoint): ForecastConfig {
  const { meta, dir } = ckpt;
  const where = `${dir}/config.json`;
  if (meta.task !== 'forecast') throw new CheckpointError(`checkpoint '${dir}' is for the task '${meta.task}', not 'forecast'`);
  const spec = findForecastModel(meta.model);
  if (!spec) throw new CheckpointError(`checkpoint file '${where}' names an unknown model '${meta.model}' (known: ${FORECAST_MODELS.map((m) => m.name).join(', ')})`);
  const problem = modelConfigProblem(spec, meta.config);
  if (problem) throw new CheckpointError(`checkpoint file '${where}' has an invalid model config: ${problem}`);
  const taskProblem = forecastConfigProblem(meta.taskConfig);
  if (taskProblem) throw new CheckpointError(`checkpoint file '${where}' has an invalid task config: ${taskProblem}`);
  return meta.taskConfig as unknown as ForecastConfig;
}

/**
 * The task of a forecast checkpoint over `series` (the data it was trained on; `hash` its file's
 * SHA-256, '' for the built-in series), with the trained weights; `horizon` overrides the saved one.
 */
export function forecastTaskFromCheckpoint(ckpt: Checkpoint, series: DailySeries, hash = '', horizon?: number): ForecastTask {
  const config = forecastCheckpointConfig(ckpt);
  if (config.dataHash !== '' && hash !== '' && config.dataHash !== hash)
    throw new CheckpointError(`the data file '${config.data}' has changed since checkpoint '${ckpt.dir}' was trained on it (its SHA-256 differs)`);
  let task: ForecastTask;
  try {
    task = new ForecastTask({ config: { ...config, horizon: horizon ?? config.horizon, fit: 'gradient' }, series, model: ckpt.meta.model, modelConfig: ckpt.meta.config, seed: 0 });
    task.createModel();
  } catch (e) {
    if (e instanceof CheckpointError) throw e;
    if ((e as Error).name === 'DataError') throw e;
    throw new CheckpointError(`checkpoint file '${ckpt.dir}/config.json' cannot be rebuilt: ${(e as Error).message}`);
  }
  loadCheckpointWeights(ckpt, task.fm!.module, ckpt.meta.model);
  return task;
}
