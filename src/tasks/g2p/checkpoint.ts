/**
 * A g2p model from a checkpoint (io/checkpoint.ts): its spec, vocabularies and configs checked, the
 * model built with the saved weights, behind a G2PPredictor.
 *
 * @example
 *   const { predictor, taskConfig } = loadG2P(loadCheckpoint('runs/g2p'));
 *   predictor.predict(['LOOM']);
 */
import { SymbolVocab } from '../../data/symbol-vocab.js';
import { CheckpointError, loadCheckpointWeights, type Checkpoint } from '../../io/checkpoint.js';
import { findG2PModel, g2pConfigProblem, G2P_MODELS, type G2PModelSpec } from './models.js';
import { G2PPredictor } from './predictor.js';
import { g2pTaskConfigProblem, type G2PConfig, type G2PVocabJSON } from './task.js';

export interface LoadedG2P {
  spec: G2PModelSpec;
  taskConfig: G2PConfig;
  letters: SymbolVocab;
  phonemes: SymbolVocab;
  predictor: G2PPredictor;
}

/** The model of a g2p checkpoint with its weights. Throws a CheckpointError naming the file. */
export function loadG2P(ckpt: Checkpoint): LoadedG2P {
  const { meta, dir } = ckpt;
  const where = `${dir}/config.json`;
  if (meta.task !== 'g2p') throw new CheckpointError(`checkpoint '${dir}' is for the task '${meta.task}', not 'g2p'`);
  const spec = findG2PModel(meta.model);
  if (!spec) throw new CheckpointError(`checkpoint file '${where}' names an unknown model '${meta.model}' (known: ${G2P_MODELS.map((m) => m.name).join(', ')})`);
  const problem = g2pConfigProblem(spec, meta.config);
  if (problem) throw new CheckpointError(`checkpoint file '${where}' has an invalid ${spec.name} config: ${problem}`);
  const taskProblem = g2pTaskConfigProblem(meta.taskConfig);
  if (taskProblem) throw new CheckpointError(`checkpoint file '${where}' has an invalid task config: ${taskProblem}`);
  let letters: SymbolVocab;
  let phonemes: SymbolVocab;
  try {
    const v = meta.vocab as G2PVocabJSON;
    letters = SymbolVocab.fromJSON(v?.letters);
    phonemes = SymbolVocab.fromJSON(v?.phonemes);
  } catch (e) {
    throw new CheckpointError(`checkpoint file '${where}' has invalid vocabularies: ${(e as Error).message}`);
  }
  const c = meta.config as Record<string, unknown>;
  if (letters.size !== c.srcVocabSize || phonemes.size !== c.tgtVocabSize)
    throw new CheckpointError(`checkpoint file '${where}' has ${letters.size} letters and ${phonemes.size} phonemes but a model config for ${String(c.srcVocabSize)} and ${String(c.tgtVocabSize)}`);
  const model = spec.create(c as never);
  loadCheckpointWeights(ckpt, model, spec.name);
  const taskConfig = meta.taskConfig as unknown as G2PConfig;
  return { spec, taskConfig, letters, phonemes, predictor: new G2PPredictor(model, letters, phonemes, { maxLetters: taskConfig.maxLetters }) };
}
