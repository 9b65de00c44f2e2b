/**
 * The files of every PyTorch export (the CLI writes them into OUT):
 *
 *   model.py           the task's models as PyTorch modules of PyTorch's own layers, with `load(OUT)`
 *   model.safetensors  the state dict under PyTorch's (Loom's) keys, F32
 *   config.json        { format, loomVersion, task, model, config, ...the task's keys (vocab, classes, ...) }
 */
import { serializeSafetensors, type SafeTensor } from '../../io/safetensors.js';
import { LOOM_VERSION } from '../../version.js';
import type { ModelExport } from '../onnx/file.js';

/** The files of a PyTorch export by name: model.py (`modelPy`), model.safetensors and config.json (with `extra`). */
export function pytorchFiles(task: string, m: ModelExport, modelPy: string, extra: Record<string, unknown>): Map<string, Uint8Array> {
  const tensors = new Map<string, SafeTensor>([...m.weights].map(([k, w]) => [k, { dtype: 'F32', shape: [...w.shape], data: w.data }]));
  const config = { format: 'loom-pytorch-export', loomVersion: LOOM_VERSION, task, model: m.model, config: m.config, ...extra };
  const text = new TextEncoder();
  return new Map([
    ['model.py', text.encode(modelPy)],
    ['model.safetensors', serializeSafetensors(tensors, { format: 'pt' })],
    ['config.json', text.encode(`${JSON.stringify(config, null, 2)}\n`)],
  ]);
}

/** Refuses a model that `known` does not list, naming the known ones. */
export function checkModel(task: string, model: string, known: readonly string[]): void {
  if (!known.includes(model)) throw new Error(`PyTorch export: no ${task} exporter for the model '${model}' (known: ${known.join(', ')})`);
}
