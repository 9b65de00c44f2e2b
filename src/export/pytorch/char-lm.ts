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
import { serializeSafetensors, type SafeTensor } from '../../io/safetensors.js';
import { LOOM_VERSION } from '../../version.js';
import type { CharLMExport } from '../onnx/char-lm.js';
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
  const tensors = new Map<string, SafeTensor>([...m.weights].map(([k, w]) => [k, { dtype: 'F32', shape: [...w.shape], data: w.data }]));
  const config: PyTorchExportConfig = { format: 'loom-pytorch-export', loomVersion: LOOM_VERSION, task: 'char-lm', model: m.model, config: m.config, vocab: [...m.vocab] };
  const text = new TextEncoder();
  return new Map([
    ['model.py', text.encode(MODEL_PY)],
    ['model.safetensors', serializeSafetensors(tensors, { format: 'pt' })],
    ['config.json', text.encode(`${JSON.stringify(config, null, 2)}\n`)],
  ]);
}
