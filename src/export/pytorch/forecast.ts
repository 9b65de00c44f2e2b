/**
 * A forecaster as a PyTorch export (files.ts): model.py (forecast-py.ts), model.safetensors,
 * config.json with `normalisation` ({mean, std} of the training values), `covariates` (their names),
 * `window` and `levelDays` (recurrent models' inputs are relative to a window's level).
 *
 * @example
 *   const files = forecasterToPyTorch({ model: 'lstm', config, weights: moduleWeights(task.fm!.module), stats, window, levelDays, covariateNames });
 */
import type { ForecasterExport } from '../onnx/forecast.js';
import { checkModel, pytorchFiles } from './files.js';
import { FORECAST_PY } from './forecast-py.js';

/** The models forecast-py.ts builds. */
export const PYTORCH_FORECAST_MODELS = ['ar', 'markov', 'rnn', 'lstm', 'gru'] as const;

/** The files of a forecaster's PyTorch export by name. */
export function forecasterToPyTorch(m: ForecasterExport): Map<string, Uint8Array> {
  checkModel('forecast', m.model, PYTORCH_FORECAST_MODELS);
  return pytorchFiles('forecast', m, FORECAST_PY, { normalisation: m.stats, covariates: [...m.covariateNames], window: m.window, levelDays: m.levelDays });
}
