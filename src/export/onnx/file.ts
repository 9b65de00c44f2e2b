/**
 * What every ONNX export shares: the opset, a module's weights as the exporters read them, and the
 * ModelProto around a finished graph with Loom's metadata (`task`, `model`, `config` as JSON,
 * `loom_version`, and the task's own keys: a vocabulary, class names, normalisation).
 */
import type { GraphBuilder } from '../../io/onnx/graph.js';
import { encodeModel } from '../../io/onnx/proto.js';
import type { Module } from '../../nn/module.js';
import { LOOM_VERSION } from '../../version.js';
import type { WeightArray } from './layers.js';

/** The opset Loom's exports declare (LayerNormalization needs 17). */
export const ONNX_OPSET = 17;

/** What an export needs: the model's name and config (as a checkpoint holds them) and the weights. */
export interface ModelExport {
  model: string;
  config: Record<string, unknown>;
  /** The state dict (PyTorch keys), buffers included. */
  weights: ReadonlyMap<string, WeightArray>;
}

/** A module's state dict as float32 arrays (copies). */
export function moduleWeights(module: Module): Map<string, WeightArray> {
  const out = new Map<string, WeightArray>();
  for (const [k, t] of module.stateDict()) out.set(k, { shape: [...t.shape], data: Float32Array.from(t.toArray()) });
  return out;
}

/** The .onnx bytes of graph `g` with the metadata of `m` and the task's `metadata` (values JSON-encoded unless strings). */
export function onnxFile(g: GraphBuilder, task: string, m: ModelExport, docString: string, metadata: Record<string, unknown> = {}): Uint8Array {
  const extra = Object.fromEntries(Object.entries(metadata).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]));
  return encodeModel(
    g.model({
      opset: ONNX_OPSET,
      producerVersion: LOOM_VERSION,
      docString: `Loom ${task} '${m.model}': ${docString}`,
      metadata: { task, model: m.model, config: JSON.stringify(m.config), ...extra, loom_version: LOOM_VERSION },
    }),
  );
}
