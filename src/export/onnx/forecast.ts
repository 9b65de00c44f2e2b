/**
 * The forecasters of the forecast task (src/models/forecast, src/tasks/forecast) as ONNX models (opset
 * 17). Every value is normalised with the training part's statistics, z = (x - mean) / std, and the
 * forecast is z's one step ahead; forecasts further out are recursive (features.ts): feed each forecast
 * back as the newest value.
 *
 *   ar, markov       rows float32 (batch, p + C): [z_{t-1}, ..., z_{t-p}, cov_t]  -> forecast (batch): ẑ_t
 *   rnn, lstm, gru   u float32 (batch, time, 1 + C): u_s = [z_s - m, cov_{s+1}], m the mean of the
 *                    window's first LEVEL_DAYS values; h0 (and c0 for lstm) float32 (layers, batch, Hd)
 *                    -> forecast (batch, time): ẑ_{s+1} - m; hn (and cn) (layers, batch, Hd), the state
 *                    after the last day, for the next call (zeros at a window's start)
 *
 * The recurrent models run ONNX's own RNN / LSTM / GRU operators (recurrent.ts), one per layer.
 * metadata_props: `task` (forecast), `model`, `config`, `normalisation` ({"mean", "std"} of the
 * training values), `inputs` (the layout above, in words), `covariates` (their names, C of them, as
 * data/calendar.ts computes them), `levelDays`, `window` (recurrent) or `p` (lag), `loom_version`.
 *
 * @example
 *   const task = forecastTaskFromCheckpoint(ckpt, series);
 *   const bytes = forecasterToOnnx({ model: ckpt.meta.model, config: ckpt.meta.config, weights: moduleWeights(task.fm!.module), stats: task.features.stats, window: task.config.window });
 */
import { GraphBuilder } from '../../io/onnx/graph.js';
import { DataType } from '../../io/onnx/proto.js';
import { onnxFile, type ModelExport } from './file.js';
import { linear, Weights } from './layers.js';
import { recurrentLayer, type Cell } from './recurrent.js';

/** The models `forecasterToOnnx` exports. */
export const ONNX_FORECAST_MODELS = ['ar', 'markov', 'rnn', 'lstm', 'gru'] as const;

/** A forecaster's export: model, config and weights, the normalisation and the recurrent models' window. */
export interface ForecasterExport extends ModelExport {
  stats: { mean: number; std: number };
  /** Days of context a recurrent model reads before its first forecast (the task's window). */
  window: number;
  /** The mean of a window's first levelDays values is its level (recurrent models). */
  levelDays: number;
  /** The C covariates' names in input order (empty without covariates). */
  covariateNames: readonly string[];
}

/** The bytes of the .onnx file of a forecaster. Throws for a model it does not know. */
export function forecasterToOnnx(m: ForecasterExport): Uint8Array {
  const c = m.config as Record<string, never>;
  const C = c.covariates as number;
  if (m.covariateNames.length !== C) throw new Error(`ONNX export: ${m.covariateNames.length} covariate names for a model with ${C} covariates`);
  const w = new Weights(m.weights, m.model);
  const g = new GraphBuilder(`loom_forecast_${m.model}`);
  const meta: Record<string, unknown> = { normalisation: m.stats, covariates: m.covariateNames };
  let doc: string;
  if (m.model === 'ar' || m.model === 'markov') {
    const p = m.model === 'ar' ? (c.p as number) : 1;
    const rows = g.input('rows', DataType.FLOAT, ['batch', p + C]);
    g.output(g.node('Squeeze', [linear(g, w, 'linear', rows), g.int64([1])]), 'forecast', DataType.FLOAT, ['batch']);
    doc = `rows float32 (batch, ${p} + ${C}) = [z_{t-1} .. z_{t-${p}}, cov_t] -> forecast float32 (batch) = ẑ_t, z = (x - mean) / std`;
    Object.assign(meta, { p, inputs: doc });
  } else if (m.model === 'rnn' || m.model === 'lstm' || m.model === 'gru') {
    const [H, L] = [c.hidden as number, c.layers as number];
    const u = g.input('u', DataType.FLOAT, ['batch', 'time', 1 + C]);
    const h0 = g.input('h0', DataType.FLOAT, [L, 'batch', H]);
    const c0 = m.model === 'lstm' ? g.input('c0', DataType.FLOAT, [L, 'batch', H]) : undefined;
    const layer = (s: string, l: number) => g.node('Slice', [s, g.int64([l]), g.int64([l + 1]), g.int64([0])]); // (1, B, H)
    let x = g.node('Transpose', [u], { perm: [1, 0, 2] }, 'time_major'); // (T, B, 1 + C)
    const hn: string[] = [];
    const cn: string[] = [];
    for (let l = 0; l < L; l++) {
      const [y, yh, yc] = recurrentLayer(g, w, x, { cell: m.model as Cell, prefix: 'rnn', layer: l, input: l === 0 ? 1 + C : H, hidden: H, initialH: layer(h0, l), initialC: c0 && layer(c0, l) });
      x = g.node('Squeeze', [y, g.int64([1])], {}, `rnn.l${l}.y`); // (T, B, H)
      hn.push(yh);
      if (yc) cn.push(yc);
    }
    const out = linear(g, w, 'head', g.node('Transpose', [x], { perm: [1, 0, 2] }, 'batch_major')); // (B, T, 1)
    g.output(g.node('Squeeze', [out, g.int64([2])]), 'forecast', DataType.FLOAT, ['batch', 'time']);
    const concat = (states: string[]) => (states.length === 1 ? states[0] : g.node('Concat', states, { axis: 0 }));
    g.output(concat(hn), 'hn', DataType.FLOAT, [L, 'batch', H]);
    if (c0) g.output(concat(cn), 'cn', DataType.FLOAT, [L, 'batch', H]);
    doc = `u float32 (batch, time, 1 + ${C}) = [z_s - m, cov_{s+1}], h0${c0 ? ', c0' : ''} (${L}, batch, ${H}) -> forecast float32 (batch, time) = ẑ_{s+1} - m, hn${c0 ? ', cn' : ''}; z = (x - mean) / std, m the mean of a window's first ${m.levelDays} z`;
    Object.assign(meta, { window: m.window, levelDays: m.levelDays, inputs: doc });
  } else throw new Error(`ONNX export: no exporter for the forecaster '${m.model}' (known: ${ONNX_FORECAST_MODELS.join(', ')})`);
  return onnxFile(g, 'forecast', m, doc, meta);
}
