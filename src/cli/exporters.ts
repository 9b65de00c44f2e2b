/**
 * What `loom export` does with each task's checkpoint: the model's ONNX file and PyTorch files, and a
 * phrase for the summary line. The task is the checkpoint's (meta.task); a new task adds one entry.
 *
 *   char-lm        ids (batch, time) -> logits (batch, time, vocab)
 *   g2p            graphemes (batch, letters), phonemes (batch, steps) -> logits (batch, steps, V)
 *   forecast       rows (batch, p + C) -> forecast (batch), or u, h0 (c0) -> forecast (batch, time), hn (cn)
 *   fashion-mnist  pixels (batch, C, Hi, Wi) in [0, 1] -> logits (batch, K)
 */
import { COVARIATE_NAMES } from '../data/calendar.js';
import { loadSeries } from '../data/series-file.js';
import { charLMToOnnx, forecasterToOnnx, g2pToOnnx, imageModelToOnnx, moduleWeights } from '../export/onnx/index.js';
import { charLMToPyTorch, forecasterToPyTorch, g2pToPyTorch, imageModelToPyTorch } from '../export/pytorch/index.js';
import type { Checkpoint } from '../io/checkpoint.js';
import { loadCharLM } from '../tasks/char-lm/index.js';
import { loadImageClassifier } from '../tasks/fashion-mnist/checkpoint.js';
import { forecastCheckpointConfig, forecastTaskFromCheckpoint } from '../tasks/forecast/checkpoint.js';
import { LEVEL_DAYS } from '../tasks/forecast/models.js';
import { loadG2P } from '../tasks/g2p/checkpoint.js';

export interface Exportable {
  model: string;
  /** The ONNX interface, e.g. `ids int64 (batch, time) -> logits (batch, time, 11)`. */
  signature: string;
  onnx(): Uint8Array;
  pytorch(): Map<string, Uint8Array>;
}

type Exporter = (ckpt: Checkpoint) => Exportable;

const EXPORTERS: Record<string, Exporter> = {
  'char-lm': (ckpt) => {
    const { spec, config, vocab, lm } = loadCharLM(ckpt);
    const m = { model: spec.name, config, vocab: vocab.chars, weights: moduleWeights(lm.module) };
    return { model: spec.name, signature: `ids int64 (batch, time) -> logits (batch, time, ${vocab.size})`, onnx: () => charLMToOnnx(m), pytorch: () => charLMToPyTorch(m) };
  },
  g2p: (ckpt) => {
    const { spec, letters, phonemes, predictor, taskConfig } = loadG2P(ckpt);
    const m = { model: spec.name, config: ckpt.meta.config, weights: moduleWeights(predictor.model), letters: letters.symbols, phonemes: phonemes.symbols, maxLetters: taskConfig.maxLetters };
    return { model: spec.name, signature: `graphemes, phonemes int64 -> logits (batch, steps, ${phonemes.size})`, onnx: () => g2pToOnnx(m), pytorch: () => g2pToPyTorch(m) };
  },
  forecast: (ckpt) => {
    const config = forecastCheckpointConfig(ckpt);
    const { series, hash } = loadSeries(config);
    const task = forecastTaskFromCheckpoint(ckpt, series, hash);
    const c = ckpt.meta.config;
    const m = {
      model: ckpt.meta.model, config: c, weights: moduleWeights(task.fm!.module), stats: task.features.stats,
      window: config.window, levelDays: LEVEL_DAYS, covariateNames: config.covariates ? COVARIATE_NAMES : [],
    };
    const signature = task.spec.recurrent ? 'u, h0 -> forecast (batch, time), hn' : `rows (batch, ${task.fm!.context(config.window) + Number(c.covariates)}) -> forecast (batch)`;
    return { model: m.model, signature, onnx: () => forecasterToOnnx(m), pytorch: () => forecasterToPyTorch(m) };
  },
  'fashion-mnist': (ckpt) => {
    const { spec, model, modelConfig, config } = loadImageClassifier(ckpt);
    const m = { model: spec.name, config: modelConfig, weights: moduleWeights(model), classes: config.classes, mean: config.mean, std: config.std };
    const { inChannels: C, imageSize: S } = modelConfig as { inChannels: number; imageSize: number };
    return { model: spec.name, signature: `pixels float32 (batch, ${C}, ${S}, ${S}) in [0, 1] -> logits (batch, ${config.classes.length})`, onnx: () => imageModelToOnnx(m), pytorch: () => imageModelToPyTorch(m) };
  },
};

/** The exporter of the checkpoint's task, or null for a task without one. */
export function exporterOf(ckpt: Checkpoint): Exportable | null {
  const e = EXPORTERS[ckpt.meta.task];
  return e ? e(ckpt) : null;
}

/** The tasks with an exporter. */
export const EXPORT_TASKS = Object.keys(EXPORTERS);
