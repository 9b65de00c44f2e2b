/**
 * The forecast task on the command line (thin: the flags become a ForecastTask and the library loop's
 * options; the checkpoint's task config brings the data back):
 *
 *   loom train --task forecast [--model ar|markov|rnn|lstm|gru] [--data FILE --date COL --value COL] [--horizon H] [--out DIR] ...
 *   loom eval --checkpoint DIR            one line per forecaster: NAME  MASE x.xxx  sMAPE y.yy%
 *   loom forecast --checkpoint DIR [--horizon H] [--plot FILE.svg]   date,value lines after the data
 */
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadSeries } from '../../data/series-file.js';
import { isoDate } from '../../data/series.js';
import { US_BIRTHS } from '../../data/us-births.js';
import type { Checkpoint } from '../../io/checkpoint.js';
import { loadCheckpoint } from '../../io/checkpoint-dir.js';
import { forecastCheckpointConfig, forecastTaskFromCheckpoint } from '../../tasks/forecast/checkpoint.js';
import { DEFAULT_FORECAST_MODEL, findForecastModel, FORECAST_MODELS } from '../../tasks/forecast/models.js';
import { forecastPlotSvg } from '../../tasks/forecast/plot.js';
import { ForecastTask, type ForecastConfig } from '../../tasks/forecast/task.js';
import type { TrainOptions } from '../../train/options.js';
import { COVARIATES } from '../../data/calendar.js';
import { num, scheduleFlag, requiredFlag, UsageError, type Command } from '../args.js';
import { openRun, runTrainingCli, savedTrainOptions, type TrainingRun } from '../training-run.js';

type Flags = Record<string, string | boolean | undefined>;

/** The flags `loom train --task forecast` reads (beside --task). */
const forecastTrainOptions: Command['options'] = {
  model: { type: 'string' }, data: { type: 'string' }, date: { type: 'string' }, value: { type: 'string' },
  horizon: { type: 'string' }, 'test-days': { type: 'string' }, 'val-days': { type: 'string' }, window: { type: 'string' },
  batch: { type: 'string' }, steps: { type: 'string' }, lr: { type: 'string' }, clip: { type: 'string' }, schedule: { type: 'string' },
  hidden: { type: 'string' }, layers: { type: 'string' }, p: { type: 'string' }, covariates: { type: 'string' }, fit: { type: 'string' },
  seed: { type: 'string' }, out: { type: 'string' }, resume: { type: 'boolean' }, 'eval-every': { type: 'string' }, 'checkpoint-every': { type: 'string' },
};

const forecastTrainHelp: Record<string, string> = {
  'model NAME': `${FORECAST_MODELS.map((m) => m.name).join(' | ')} (default ${DEFAULT_FORECAST_MODEL})`,
  'data FILE': `a CSV with a date (YYYY-MM-DD) and a value column, one row per day (default: ${US_BIRTHS}, US births 1969-1988)`,
  'date COL / --value COL': "the CSV's date and value columns",
  'horizon H': 'days forecast from each origin (default 14)',
  'test-days N / --val-days N': 'the test period (the last N days) and the validation period before it (default 365 each)',
  'window T': 'days per training window and of context (recurrent models, default 56)',
  'batch B': 'windows or days per step, 0 = every training day (default 32; ar, markov 0)',
  'steps N': 'optimizer steps (default 2000 for rnn/lstm/gru; ar, markov 1000 from the least-squares fit)',
  'lr LR / --clip C / --schedule S': 'Adam learning rate (3e-3; ar, markov 0.01), gradient clipping (1; 0), constant | cosine (cosine)',
  'hidden H / --layers L': 'recurrent state width and layers (64, 1)',
  'p P': 'the AR order (ar, default 28)',
  'covariates on|off': 'calendar covariates: day of week, day of year, US federal holidays (default on for rnn/lstm/gru, off for ar, markov)',
  'fit F': 'ar, markov: start from least-squares (default) or gradient (PyTorch initialisation)',
  'seed S / --out DIR / --resume': 'seed (0), run directory (runs/forecast-<model>), continue the run in --out',
  'eval-every N / --checkpoint-every N': 'validation MASE every N steps (default 500), checkpoint every N steps (500)',
};

function onOff(raw: unknown, fallback: boolean): boolean {
  if (raw === undefined) return fallback;
  if (raw === 'on' || raw === 'off') return raw === 'on';
  throw new UsageError(`--covariates must be on or off, got '${String(raw)}'`);
}

/** The run that `loom train --task forecast` flags ask for (`loom import` starts one from other weights). */
export function planForecastRun(v: Flags): TrainingRun {
  const modelFlag = typeof v.model === 'string' ? v.model : undefined;
  if (modelFlag !== undefined && !findForecastModel(modelFlag)) throw new UsageError(`unknown model '${modelFlag}'; --model takes ${FORECAST_MODELS.map((m) => m.name).join(', ')}`);
  const out = typeof v.out === 'string' ? v.out : join('runs', `forecast-${modelFlag ?? DEFAULT_FORECAST_MODEL}`);
  const { storage, earlierRun, resumeFrom: ckpt } = openRun(out, v.resume === true);
  let config: ForecastConfig;
  let options: TrainOptions;
  let model: string;
  let modelConfig: Record<string, unknown>;
  if (ckpt) {
    config = forecastCheckpointConfig(ckpt);
    options = savedTrainOptions(ckpt);
    model = ckpt.meta.model;
    modelConfig = ckpt.meta.config;
    if (modelFlag !== undefined && modelFlag !== model) throw new UsageError(`--model ${modelFlag} differs from the checkpoint's ${model}; a resumed run keeps its settings`);
  } else {
    const spec = findForecastModel(modelFlag ?? DEFAULT_FORECAST_MODEL)!;
    model = spec.name;
    const t = spec.training;
    const data = typeof v.data === 'string' ? resolve(v.data) : US_BIRTHS;
    const covariates = onOff(v.covariates, spec.covariates);
    const fit = v.fit === undefined ? t.fit : v.fit;
    if (fit !== 'gradient' && fit !== 'least-squares') throw new UsageError(`--fit must be gradient or least-squares, got '${String(fit)}'`);
    config = {
      data,
      date: typeof v.date === 'string' ? v.date : '',
      value: typeof v.value === 'string' ? v.value : '',
      dataHash: '',
      testDays: num(v, 'test-days', 365, { int: true, min: 1 }),
      valDays: num(v, 'val-days', 365, { int: true, min: 1 }),
      horizon: num(v, 'horizon', 14, { int: true, min: 1 }),
      window: num(v, 'window', t.window, { int: true, min: 1 }),
      batch: num(v, 'batch', t.batch, { int: true, min: 0 }),
      covariates,
      fit,
    };
    const schedule = scheduleFlag(v.schedule, 'cosine');
    options = {
      steps: t.steps, lr: num(v, 'lr', t.lr, { min: 0 }), optimizer: 'adam', weightDecay: 0, clip: num(v, 'clip', t.clip, { min: 0 }),
      schedule, warmup: 0, seed: num(v, 'seed', 0, { int: true }), evalEvery: 500, checkpointEvery: 500,
    };
    modelConfig = { ...spec.defaults, covariates: covariates ? COVARIATES : 0 };
    for (const [flag, key] of [['hidden', 'hidden'], ['layers', 'layers'], ['p', 'p']] as const) {
      if (v[flag] === undefined) continue;
      if (!(key in spec.defaults)) throw new UsageError(`--${flag} does not apply to the ${spec.name} model`);
      modelConfig[key] = num(v, flag, 0, { int: true, min: 1 });
    }
  }
  options.steps = num(v, 'steps', options.steps, { int: true, min: 1 });
  options.evalEvery = num(v, 'eval-every', options.evalEvery, { int: true, min: 0 });
  options.checkpointEvery = num(v, 'checkpoint-every', options.checkpointEvery, { int: true, min: 1 });

  const dataName = typeof v.data === 'string' ? v.data : config.data;
  const { series, hash } = loadSeries({ data: dataName, date: config.date, value: config.value });
  if (ckpt && config.dataHash !== hash) throw new UsageError(`data file '${dataName}' has changed since the checkpoint in '${ckpt.dir}' was saved; a resumed run must read the same data`);
  config.dataHash = hash;
  const task = new ForecastTask({ config, series, model, modelConfig, seed: options.seed });

  return {
    task: task as never,
    options,
    storage,
    out,
    resumeFrom: ckpt,
    earlierRun,
    resumeCommand: `loom train --task forecast --out ${out} --resume`,
    rateLabel: 'days/s',
    header: (parameters) => {
      const { trainEnd, valEnd, n } = task.split;
      console.log(`model: ${model} (${Object.entries(modelConfig).map(([k, x]) => `${k} ${String(x)}`).join(', ')}), ${parameters.toLocaleString('en-US')} parameters`);
      console.log(`data: ${dataName}, ${n.toLocaleString('en-US')} days; train ${trainEnd}, validation ${valEnd - trainEnd}, test ${n - valEnd}; horizon ${config.horizon}, recursive`);
      console.log(
        `training: ${options.steps} steps, batch ${config.batch === 0 ? 'every day' : config.batch}${task.spec.recurrent ? ` x ${config.window} days` : ''}, ` +
          `Adam lr ${options.lr}, ${options.schedule}, ${task.spec.recurrent ? 'BPTT' : `from ${config.fit}`}, seed ${options.seed} -> ${out}`,
      );
    },
  };
}

/** The task of a forecast checkpoint, with its data read again. */
function checkpointTask(ckpt: Checkpoint, horizon?: number): ForecastTask {
  const config = forecastCheckpointConfig(ckpt);
  const { series, hash } = loadSeries(config);
  return forecastTaskFromCheckpoint(ckpt, series, hash, horizon);
}

/** `loom eval --checkpoint DIR` of a forecast checkpoint: the test-period table. */
function evalForecast(ckpt: Checkpoint, v: Flags): number {
  const task = checkpointTask(ckpt, v.horizon === undefined ? undefined : num(v, 'horizon', 14, { int: true, min: 1 }));
  const { valEnd, n } = task.split;
  console.log(`checkpoint: ${ckpt.dir} (${ckpt.meta.model}, step ${ckpt.meta.step}); test period ${n - valEnd} days, horizon ${task.config.horizon}, rolling origin`);
  for (const line of task.scoreTable()) console.log(line);
  return 0;
}

export const forecastCommand: Command = {
  name: 'forecast',
  summary: 'forecast the days after the data from a forecast checkpoint (date,value lines), optionally an SVG plot',
  usage: 'loom forecast --checkpoint DIR [--horizon H] [--plot FILE.svg]',
  options: { checkpoint: { type: 'string' }, horizon: { type: 'string' }, plot: { type: 'string' } },
  help: {
    'checkpoint DIR': 'a checkpoint of loom train --task forecast (or its run directory)',
    'horizon H': "days to forecast (default: the run's horizon)",
    'plot FILE.svg': 'also write an SVG: the last 120 days, a backtest from H days before the end, and the forecast',
  },
  async run(v) {
    const ckpt = loadCheckpoint(requiredFlag(v, 'checkpoint', 'DIR', 'forecast'));
    const saved = forecastCheckpointConfig(ckpt);
    const H = num(v, 'horizon', saved.horizon, { int: true, min: 1 });
    const task = checkpointTask(ckpt);
    const ahead = task.forecastAhead(H);
    console.log('date,value');
    ahead.dates.forEach((d, i) => console.log(`${d},${ahead.values[i].toFixed(1)}`));
    if (typeof v.plot === 'string') {
      const n = task.series.values.length;
      const origin = n - 1 - H;
      const values = task.forecaster().forecast([origin], H);
      const dates = Array.from({ length: H }, (_, h) => isoDate(task.series.start + origin + 1 + h));
      writeFileSync(v.plot, await forecastPlotSvg({ series: task.series, ahead, backtest: { dates, values } }));
      console.error(`plot: ${v.plot}`);
    }
    return 0;
  },
};

export const forecastTrainCommand: Command = {
  name: 'train',
  summary: 'train a forecaster of a daily series (US births by default), checkpoint it, report MASE',
  usage: 'loom train --task forecast [--model NAME] [--data FILE --date COL --value COL] [--horizon H] [--steps N] [--out DIR] [--resume]',
  options: forecastTrainOptions,
  help: forecastTrainHelp,
  run: async (v) => (await runTrainingCli(planForecastRun(v))).code,
};

export const forecastEvalCommand: Command = {
  name: 'eval',
  summary: 'MASE and sMAPE of a forecast checkpoint and the baselines over the test period (rolling origin)',
  usage: 'loom eval --checkpoint DIR [--horizon H]',
  options: { checkpoint: { type: 'string' }, horizon: { type: 'string' } },
  help: { 'checkpoint DIR': 'a checkpoint of loom train --task forecast (or its run directory)', 'horizon H': "days forecast from each origin (default: the run's)" },
  run(v) {
    return evalForecast(loadCheckpoint(requiredFlag(v, 'checkpoint', 'DIR', 'eval')), v);
  },
};
