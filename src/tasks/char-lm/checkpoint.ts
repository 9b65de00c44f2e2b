/**
 * A char-lm model from a checkpoint (io/checkpoint.ts): its spec, vocabulary and config checked, and,
 * for sampling and evaluation, the model built with the saved weights.
 *
 * @example
 *   const { lm, vocab } = loadCharLM(loadCheckpoint('runs/lstm'));
 */
import { CharVocab } from '../../data/vocab.js';
import { CheckpointError, loadCheckpointWeights, type Checkpoint } from '../../io/checkpoint.js';
import type { LanguageModel } from './language-model.js';
import { configProblem, findModel, MODELS, type ModelSpec } from './models.js';
import { charLMConfigProblem } from './task.js';

export interface CharLMModel {
  spec: ModelSpec;
  vocab: CharVocab;
  /** The model config, vocabSize included. */
  config: Record<string, unknown>;
}

/**
 * The model that a char-lm checkpoint describes, checked: a known model (`model`, when given, must be
 * it), a config that fits it, a valid vocabulary of vocabSize characters. Throws a CheckpointError
 * naming the file.
 */
export function charLMModel(ckpt: Checkpoint, model?: string): CharLMModel {
  const { meta, dir } = ckpt;
  const where = `${dir}/config.json`;
  if (meta.task !== 'char-lm') throw new CheckpointError(`checkpoint '${dir}' is for the task '${meta.task}', not 'char-lm'`);
  const spec = findModel(meta.model);
  if (!spec) throw new CheckpointError(`checkpoint file '${where}' names an unknown model '${meta.model}' (known: ${MODELS.map((m) => m.name).join(', ')})`);
  if (model !== undefined && model !== meta.model) throw new CheckpointError(`checkpoint '${dir}' is for the model '${meta.model}', not '${model}' as requested`);
  const problem = configProblem(spec, meta.config);
  if (problem) throw new CheckpointError(`checkpoint file '${where}' has an invalid model config: ${problem}`);
  const taskProblem = charLMConfigProblem(meta.taskConfig);
  if (taskProblem) throw new CheckpointError(`checkpoint file '${where}' has an invalid task config: ${taskProblem}`);
  let vocab: CharVocab;
  try {
    vocab = CharVocab.fromJSON(meta.vocab);
  } catch (e) {
    throw new CheckpointError(`checkpoint file '${where}' has an invalid vocabulary: ${(e as Error).message}`);
  }
  if (vocab.size !== meta.config.vocabSize)
    throw new CheckpointError(`checkpoint file '${where}' has a vocabulary of ${vocab.size} characters but a model config with vocabSize ${String(meta.config.vocabSize)}`);
  return { spec, vocab, config: meta.config };
}

/** The model of a char-lm checkpoint with its weights, and its vocabulary: ready to sample or evaluate. */
export function loadCharLM(ckpt: Checkpoint): CharLMModel & { lm: LanguageModel } {
  const m = charLMModel(ckpt);
  let lm: LanguageModel;
  try {
    lm = m.spec.create(m.config as never);
  } catch (e) {
    throw new CheckpointError(`checkpoint file '${ckpt.dir}/config.json' has an invalid ${m.spec.name} config: ${(e as Error).message}`);
  }
  loadCheckpointWeights(ckpt, lm.module, m.spec.name);
  return { ...m, lm };
}
