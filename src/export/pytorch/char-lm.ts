/**
 * A character LM as a PyTorch export: the files of OUT,
 *
 *   model.py           the model as a PyTorch module of PyTorch's own layers, `load(OUT)` and `save(net, OUT)`
 *                      (model-py.ts); needs only torch and the standard library
 *   model.safetensors  the state dict under PyTorch's (Loom's) keys, F32
 *   config.json        { task, model, config, vocab: the characters in id order, loomVersion }
 *
 * Browser-safe: returns the files' bytes; the CLI writes them.
 *
 * @example
 *   const files = charLMToPyTorch({ model: 'lstm', config, vocab: vocab.chars, weights: moduleWeights(lm.module) });
 */
import type { CharLMExport } from '../onnx/char-lm.js';
import { pytorchFiles } from './files.js';
import { MODEL_PY } from './model-py.js';

/** The models model.py builds. */
export const PYTORCH_CHAR_LM_MODELS = ['rnn', 'lstm', 'gru', 'gpt', 'linear-gpt', 'markov'] as const;

/** What config.json of a PyTorch export holds. */
export interface PyTorchExportConfig {
  format: 'loom-pytorch-export';
  loomVersion: string;
  task: 'char-lm';
  model: string;
  config: Record<string, unknown>;
  vocab: string[];
}

/** The files of a PyTorch export by name (model.py, model.safetensors, config.json). */
export function charLMToPyTorch(m: CharLMExport): Map<string, Uint8Array> {
  if (!(PYTORCH_CHAR_LM_MODELS as readonly string[]).includes(m.model))
    throw new Error(`PyTorch export: no exporter for the model '${m.model}' (known: ${PYTORCH_CHAR_LM_MODELS.join(', ')})`);
  return pytorchFiles('char-lm', m, MODEL_PY, { vocab: [...m.vocab] });
}
