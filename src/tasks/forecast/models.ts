/**
 * The forecasters of the forecast task, by name, behind one interface (`ForecastModel`) so the task,
 * checkpoints and evaluation never look at a model's class.
 *
 *   name     model (src/models/forecast/)           reads                         covariates
 *   ar       ARForecaster, AR(p), p = 28             the last p days (lag rows)    off by default
 *   markov   MarkovForecaster, AR(1)                 the last day                  off by default
 *   rnn      LatentAR with an Elman RNN (tanh)       a window of days, BPTT        on by default
 *   lstm     LatentAR with an LSTM (the default)     a window of days, BPTT        on by default
 *   gru      LatentAR with a GRU                     a window of days, BPTT        on by default
 *
 * Every forecast is recursive (features.ts). Values are normalised (z); the task denormalises.
 */
import { noGrad } from '../../core/autograd.js';
import { fromArray } from '../../core/creation.js';
import type { Tensor } from '../../core/tensor.js';
import { ARForecaster, arDefaults, type ARConfig } from '../../models/forecast/ar.js';
import { LatentAR, latentARDefaults, type LatentARConfig, type LatentCell, type LatentState } from '../../models/forecast/latent-ar.js';
import { MarkovForecaster, type MarkovForecastConfig } from '../../models/forecast/markov.js';
import { mseLoss } from '../../nn/functional.js';
import type { Module } from '../../nn/module.js';
import { fitLag } from './baselines.js';
import { lagDesign, recursiveLagForecast, type SeriesFeatures } from './features.js';

/** What the task needs of a forecaster. */
export interface ForecastModel {
  readonly module: Module;
  /** Lag models read rows of lags; recurrent ones windows of days. */
  readonly recurrent: boolean;
  /** Days read before the first forecast: p, or the window T of a recurrent model. */
  context(window: number): number;
  /**
   * The mean squared one-step error: lag models at the target days `days`; recurrent models over the
   * windows of `window` days that end at `days` (every day of a window after the first is a target).
   */
  loss(f: SeriesFeatures, days: ArrayLike<number>, window: number): Tensor;
  /** Recursive forecasts (normalised), origins.length x H, without gradients. */
  forecast(f: SeriesFeatures, origins: ArrayLike<number>, horizon: number, window: number): Float64Array;
  /** Lag models: sets the weights to the least-squares fit on the target days [context, end). */
  fitClosedForm?(f: SeriesFeatures, end: number): void;
}

export interface ForecastTrainingDefaults {
  steps: number;
  /** Windows or target days per step; 0 = every training day (full-batch gradient descent). */
  batch: number;
  /** Days per training window and of context (recurrent models). */
  window: number;
  lr: number;
  clip: number;
  /** Lag models may start from the closed form (`least-squares`) instead of a gradient-descent fit. */
  fit: 'gradient' | 'least-squares';
}

export interface ForecastModelSpec {
  name: string;
  summary: string;
  recurrent: boolean;
  /** The config without `covariates` (set from the task's features). */
  defaults: Record<string, unknown>;
  /** Whether the model reads calendar covariates unless told otherwise. */
  covariates: boolean;
  training: ForecastTrainingDefaults;
  create(config: Record<string, unknown>): ForecastModel;
}

/** A lag model (ar, markov) behind ForecastModel. */
function lagModel(module: ARForecaster | MarkovForecaster, p: number): ForecastModel {
  const predict = (rows: Float32Array, B: number, width: number) => module.forward(fromArray(rows, [B, width]));
  return {
    module,
    recurrent: false,
    context: () => p,
    loss: (f, days) => {
      const { X, y } = lagDesign(f, p, days);
      return mseLoss(predict(X, days.length, p + f.width), fromArray(y, [days.length]));
    },
    forecast: (f, origins, H) =>
      noGrad(() => {
        module.eval();
        const out = recursiveLagForecast(f, p, origins, H, (rows, B) => predict(rows, B, p + f.width).toArray());
        module.train();
        return out;
      }),
    fitClosedForm: (f, end) => {
      const { weight, bias } = fitLag(f, p, end);
      module.linear.loadStateDict(new Map([['weight', fromArray(Float32Array.from(weight), [1, weight.length])], ['bias', fromArray([bias], [1])]]));
    },
  };
}

/** Days of a window's start whose mean is the window's level (recurrent models). */
export const LEVEL_DAYS = 7;

/**
 * The inputs of the windows of T days ending at lastDays[b], relative to each window's level m_b (the
 * mean of its first LEVEL_DAYS days, so every forecast and its training target see the same level):
 *
 *   u (B, T, 1 + C)   u_s = [z_s - m_b, cov_{s+1}]
 *   y (B, T)          y_s = z_{s+1} - m_b            (with targets: lastDays[b] + 1 must be data)
 *   level (B)         m_b
 *
 * The level keeps a trend that leaves the training range (the births of the 1980s) inside the inputs
 * the network has seen.
 */
function windowInputs(f: SeriesFeatures, lastDays: ArrayLike<number>, T: number, withTargets: boolean): { u: Float32Array; y: Float32Array; level: Float64Array } {
  const I = 1 + f.width;
  const B = lastDays.length;
  const u = new Float32Array(B * T * I);
  const y = new Float32Array(withTargets ? B * T : 0);
  const level = new Float64Array(B);
  const L = Math.min(LEVEL_DAYS, T);
  for (let b = 0; b < B; b++) {
    const first = lastDays[b] - T + 1; // the window's first input day
    if (first < 0) throw new RangeError(`windowInputs: a window of ${T} days cannot end at day ${lastDays[b]}`);
    let m = 0;
    for (let s = first; s < first + L; s++) m += f.z[s];
    m /= L;
    level[b] = m;
    for (let t = 0; t < T; t++) {
      const s = first + t;
      const o = (b * T + t) * I;
      u[o] = f.z[s] - m;
      if (f.cov) u.set(f.cov.subarray((s + 1) * f.width, (s + 2) * f.width), o + 1);
      if (withTargets) y[b * T + t] = f.z[s + 1] - m;
    }
  }
  return { u, y, level };
}

/** A LatentAR behind ForecastModel. */
function latentModel(module: LatentAR): ForecastModel {
  return {
    module,
    recurrent: true,
    context: (window) => window,
    loss: (f, days, T) => {
      const B = days.length;
      const { u, y } = windowInputs(
        f,
        Array.from(days, (d) => d - 1),
        T,
        true,
      );
      const [zHat] = module.forward(fromArray(u, [B, T, 1 + f.width])); // (B, T)
      return mseLoss(zHat, fromArray(y, [B, T]));
    },
    forecast: (f, origins, H, T) =>
      noGrad(() => {
        module.eval();
        const B = origins.length;
        const I = 1 + f.width;
        const out = new Float64Array(B * H);
        const { u, level } = windowInputs(f, origins, T, false);
        let [zHat, state]: [Tensor, LatentState] = module.forward(fromArray(u, [B, T, I]));
        let last = zHat.select(1, T - 1).toArray(); // (B): day o + 1
        for (let h = 1; h <= H; h++) {
          for (let b = 0; b < B; b++) out[b * H + h - 1] = last[b] + level[b];
          if (h === H) break;
          const step = new Float32Array(B * I); // [ẑ_{o+h} - m, cov_{o+h+1}]
          for (let b = 0; b < B; b++) {
            const d = origins[b] + h;
            step[b * I] = last[b];
            if (f.cov) step.set(f.cov.subarray((d + 1) * f.width, (d + 2) * f.width), b * I + 1);
          }
          [zHat, state] = module.forward(fromArray(step, [B, 1, I]), state);
          last = zHat.select(1, 0).toArray();
        }
        module.train();
        return out;
      }),
  };
}

const lagTraining: ForecastTrainingDefaults = { steps: 1000, batch: 0, window: 28, lr: 0.01, clip: 0, fit: 'least-squares' };
const recurrentTraining: ForecastTrainingDefaults = { steps: 2000, batch: 32, window: 56, lr: 3e-3, clip: 1, fit: 'gradient' };

function latent(cell: LatentCell, summary: string): ForecastModelSpec {
  return {
    name: cell,
    summary,
    recurrent: true,
    defaults: { ...latentARDefaults, cell },
    covariates: true,
    training: recurrentTraining,
    create: (config) => latentModel(new LatentAR(config as unknown as LatentARConfig)),
  };
}

export const FORECAST_MODELS: readonly ForecastModelSpec[] = [
  {
    name: 'ar',
    summary: 'AR(p), p = 28: linear in the last p days, least squares or gradient descent',
    recurrent: false,
    defaults: { ...arDefaults },
    covariates: false,
    training: lagTraining,
    create: (config) => {
      const c = config as unknown as ARConfig;
      return lagModel(new ARForecaster(c), c.p);
    },
  },
  {
    name: 'markov',
    summary: 'first-order Markov AR(1): x_t = a x_{t-1} + b',
    recurrent: false,
    defaults: {},
    covariates: false,
    training: lagTraining,
    create: (config) => lagModel(new MarkovForecaster(config as unknown as MarkovForecastConfig), 1),
  },
  latent('rnn', 'latent AR with an Elman RNN (tanh), BPTT over the window'),
  latent('lstm', 'latent AR with an LSTM (hidden 64), BPTT over the window'),
  latent('gru', 'latent AR with a GRU, BPTT over the window'),
];

export const DEFAULT_FORECAST_MODEL = 'lstm';

export function findForecastModel(name: string): ForecastModelSpec | undefined {
  return FORECAST_MODELS.find((m) => m.name === name);
}

/** What is wrong with a model config read from a checkpoint (the spec's keys and `covariates`), or null. */
export function forecastConfigProblem(spec: ForecastModelSpec, config: unknown): string | null {
  if (typeof config !== 'object' || config === null || Array.isArray(config)) return `the config must be an object, got ${JSON.stringify(config)}`;
  const c = config as Record<string, unknown>;
  const want: Record<string, unknown> = { ...spec.defaults, covariates: 0 };
  for (const [k, v] of Object.entries(want)) {
    if (!(k in c)) return `the ${spec.name} config lacks '${k}'`;
    if (typeof c[k] !== typeof v) return `the ${spec.name} config has ${k} = ${JSON.stringify(c[k])}, expected a ${typeof v}`;
  }
  for (const k of Object.keys(c)) if (!(k in want)) return `the ${spec.name} config has an unknown key '${k}'`;
  return null;
}
