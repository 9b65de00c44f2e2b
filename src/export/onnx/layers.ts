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

/** `timm`'s Mlp (ViT, Swin): fc2(GELU(fc1(x))), (..., C) -> (..., C). */
export function mlp(g: GraphBuilder, w: Weights, prefix: string, x: string): string {
  return linear(g, w, `${prefix}.fc2`, gelu(g, linear(g, w, `${prefix}.fc1`, x)));
}

/** `torch.nn.Conv2d`: Conv with the state-dict weight (C_out, C_in, k, k) and bias, (B, C_in, Hi, Wi) -> (B, C_out, Ho, Wo). */
export function conv2d(g: GraphBuilder, w: Weights, prefix: string, x: string, { stride = 1, padding = 0 } = {}): string {
  const weight = w.get(`${prefix}.weight`);
  const k = weight.shape.slice(2);
  const inputs = [x, w.initializer(g, `${prefix}.weight`)];
  if (w.has(`${prefix}.bias`)) inputs.push(w.initializer(g, `${prefix}.bias`));
  return g.node('Conv', inputs, { kernel_shape: k, strides: [stride, stride], pads: [padding, padding, padding, padding] }, prefix);
}

/** `torch.nn.BatchNorm2d` in eval mode: BatchNormalization with the running statistics, (B, C, Hi, Wi). */
export function batchNorm(g: GraphBuilder, w: Weights, prefix: string, x: string, eps = 1e-5): string {
  const keys = ['weight', 'bias', 'running_mean', 'running_var'].map((k) => w.initializer(g, `${prefix}.${k}`));
  return g.node('BatchNormalization', [x, ...keys], { epsilon: float(eps) }, prefix);
}

/** `torch.nn.MaxPool2d(k)` (stride k, no padding): (B, C, Hi, Wi) -> (B, C, Hi / k, Wi / k). */
export function maxPool(g: GraphBuilder, x: string, k: number): string {
  return g.node('MaxPool', [x], { kernel_shape: [k, k], strides: [k, k] }, 'maxpool');
}

/** A value's size along `axis` as a 1-D int64 tensor of one element (for Expand and Reshape shapes). */
export function dimOf(g: GraphBuilder, x: string, axis: number): string {
  return g.node('Slice', [g.node('Shape', [x]), g.int64([axis]), g.int64([axis + 1])], {}, 'dim');
}

/**
 * ViT's and Swin's PatchEmbed: Conv2d with stride p (kernel p, or with Swin's stem an overlapping kernel and
 * its padding; the kernel comes from the weight), then (B, C, Hi/p, Wi/p) -> tokens (B, Hi/p * Wi/p, C).
 */
export function patchEmbed(g: GraphBuilder, w: Weights, prefix: string, x: string, patch: number, padding = 0): string {
  const proj = conv2d(g, w, prefix, x, { stride: patch, padding }); // (B, C, g, g)
  const C = w.get(`${prefix}.weight`).shape[0];
  return g.node('Transpose', [g.node('Reshape', [proj, g.int64([0, C, -1])])], { perm: [0, 2, 1] }, 'patches'); // (B, C, n) -> (B, n, C)
}
