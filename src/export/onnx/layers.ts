/**
 * The layers that Loom's models share, as ONNX subgraphs of standard operators (opset 17), reading
 * their weights by PyTorch state-dict key. Shapes: B batch, T time, C channels, V vocabulary.
 */
import { float, type GraphBuilder } from '../../io/onnx/graph.js';

/** A weight of the state dict as the exporters read it: its shape and float32 values (row-major). */
export interface WeightArray {
  shape: number[];
  data: Float32Array;
}

/** The weights of a model by state-dict key; a missing key is an error naming it. */
export class Weights {
  constructor(private readonly map: ReadonlyMap<string, WeightArray>, private readonly model: string) {}

  get(key: string, shape?: number[]): WeightArray {
    const w = this.map.get(key);
    if (!w) throw new Error(`ONNX export of ${this.model}: the state dict lacks '${key}'`);
    if (shape && w.shape.join() !== shape.join())
      throw new Error(`ONNX export of ${this.model}: '${key}' has shape [${w.shape.join(', ')}], expected [${shape.join(', ')}]`);
    return w;
  }

  has(key: string): boolean {
    return this.map.has(key);
  }

  /** The weight as a graph initializer under its own key (once, however often it is used). */
  initializer(g: GraphBuilder, key: string): string {
    const name = this.names.get(key);
    if (name) return name;
    const w = this.get(key);
    const n = g.weight(key, w.data, w.shape);
    this.names.set(key, n);
    return n;
  }
  private readonly names = new Map<string, string>();
}

/** `torch.nn.Embedding`: Gather(weight, ids), ids (B, T) int64 -> (B, T, C). */
export function embedding(g: GraphBuilder, w: Weights, key: string, ids: string): string {
  return g.node('Gather', [w.initializer(g, key), ids], { axis: 0 }, key.replace(/\.weight$/, ''));
}

/**
 * `torch.nn.Linear` (or F.linear with a bias-free weight): x W^T + b, x (..., in) -> (..., out). W^T is
 * a Transpose of the state-dict weight, which ONNX Runtime folds once when it loads the model.
 */
export function linear(g: GraphBuilder, w: Weights, prefix: string, x: string, { weightKey = `${prefix}.weight`, bias = w.has(`${prefix}.bias`) } = {}): string {
  const wt = g.node('Transpose', [w.initializer(g, weightKey)], { perm: [1, 0] }, `${prefix}.weight_t`); // (out, in) -> (in, out)
  const y = g.node('MatMul', [x, wt], {}, `${prefix}.matmul`);
  return bias ? g.node('Add', [y, w.initializer(g, `${prefix}.bias`)], {}, prefix) : y;
}

/** `torch.nn.LayerNorm` over the last axis: LayerNormalization (opset 17), with or without a bias. */
export function layerNorm(g: GraphBuilder, w: Weights, prefix: string, x: string, eps = 1e-5): string {
  const inputs = [x, w.initializer(g, `${prefix}.weight`)];
  if (w.has(`${prefix}.bias`)) inputs.push(w.initializer(g, `${prefix}.bias`));
  return g.node('LayerNormalization', inputs, { axis: -1, epsilon: float(eps) }, prefix);
}

/** Exact GELU, 0.5 x (1 + erf(x / sqrt 2)) (the Gelu operator is opset 20; this form runs on 17). */
export function gelu(g: GraphBuilder, x: string): string {
  const e = g.node('Erf', [g.node('Mul', [x, g.float32([Math.SQRT1_2])])]);
  return g.node('Mul', [g.node('Mul', [x, g.float32([0.5])]), g.node('Add', [e, g.float32([1])])], {}, 'gelu');
}
