/**
 * The image classifiers of the fashion-mnist task (src/models/vision) as ONNX models (opset 17):
 * input `pixels` float32 (batch, C, Hi, Wi) with values in [0, 1], batch dynamic; output `logits`
 * float32 (batch, K). The graph normalises the pixels as training did, x = (pixels - mean) / std,
 * then runs the model in eval mode (BatchNorm's running statistics, no dropout):
 *
 *   cnn, se-cnn   L x [Conv, BatchNormalization, Relu, MaxPool (, squeeze-excitation)], Flatten, Gemm-like MatMul
 *   vit           Conv patches, class token (Expand), positions, pre-LN blocks of Softmax attention, GELU MLP
 *   swin          swin.ts: windows by Reshape/Transpose, cyclic shifts by Slice/Concat, relative bias by Gather
 *
 * metadata_props: `task` (fashion-mnist), `model`, `config`, `classes` (the K class names in logit
 * order, a JSON array), `normalisation` ({"mean", "std"}, applied inside the graph), `loom_version`.
 *
 * @example
 *   const { spec, model, modelConfig, config } = loadImageClassifier(loadCheckpoint('runs/cnn'));
 *   const bytes = imageModelToOnnx({ model: spec.name, config: modelConfig, weights: moduleWeights(model), classes: config.classes, mean: config.mean, std: config.std });
 */
import { GraphBuilder } from '../../io/onnx/graph.js';
import { DataType } from '../../io/onnx/proto.js';
import { attend, mergeHeads, packedQKV, transposeKeys } from './attention.js';
import { onnxFile, type ModelExport } from './file.js';
import { batchNorm, conv2d, dimOf, layerNorm, linear, maxPool, mlp, patchEmbed, Weights } from './layers.js';
import { swinGraph } from './swin.js';

/** The models `imageModelToOnnx` exports. */
export const ONNX_IMAGE_MODELS = ['cnn', 'se-cnn', 'vit', 'swin'] as const;

/** An image classifier's export: the model, config and weights, the class names and the normalisation. */
export interface ImageModelExport extends ModelExport {
  classes: readonly string[];
  /** The training images' pixel mean and standard deviation (pixels in [0, 1]). */
  mean: number;
  std: number;
}

type Config = Record<string, never>;

/** Squeeze-and-excitation: x * sigmoid(fc2(relu(fc1(mean_hw(x))))), (B, C, Hi, Wi). */
function squeezeExcitation(g: GraphBuilder, w: Weights, p: string, x: string): string {
  const s = g.node('ReduceMean', [x], { axes: [2, 3], keepdims: 0 }, `${p}.squeeze`); // (B, C)
  const gate = g.node('Sigmoid', [linear(g, w, `${p}.fc2`, g.node('Relu', [linear(g, w, `${p}.fc1`, s)]))]); // (B, C)
  return g.node('Mul', [x, g.node('Unsqueeze', [gate, g.int64([2, 3])])], {}, p); // (B, C, Hi, Wi) * (B, C, 1, 1)
}

/** CNN and SE-CNN: two conv blocks (features.{i}.conv, .bn, .se), then head.fc1, head.fc2. */
function cnnGraph(g: GraphBuilder, w: Weights, x: string, se: boolean): string {
  for (const i of [0, 1]) {
    const p = `features.${i}`;
    x = maxPool(g, g.node('Relu', [batchNorm(g, w, `${p}.bn`, conv2d(g, w, `${p}.conv`, x, { padding: 1 }))]), 2); // (B, c_i, Hi/2, Wi/2)
    if (se) x = squeezeExcitation(g, w, `${p}.se`, x);
  }
  const flat = g.node('Flatten', [x], { axis: 1 }); // (B, c2 * Hi/4 * Wi/4)
  return linear(g, w, 'head.fc2', g.node('Relu', [linear(g, w, 'head.fc1', flat)]));
}

/** ViT: patch_embed.proj, cls_token, pos_embed, blocks.{i}.{norm1, attn.qkv, attn.proj, norm2, mlp}, norm, head. */
function vitGraph(g: GraphBuilder, w: Weights, x: string, c: Config): string {
  const dim = c.dim as number;
  const nh = c.heads as number;
  const hs = Math.floor(dim / nh);
  const tokens = patchEmbed(g, w, 'patch_embed.proj', x, c.patchSize); // (B, n, dim)
  const B = dimOf(g, x, 0);
  const cls = g.node('Expand', [w.initializer(g, 'cls_token'), g.node('Concat', [B, g.int64([1, dim])], { axis: 0 })], {}, 'cls'); // (B, 1, dim)
  let z = g.node('Add', [g.node('Concat', [cls, tokens], { axis: 1 }), w.initializer(g, 'pos_embed')], {}, 'tokens'); // (B, n + 1, dim)
  for (let i = 0; i < (c.depth as number); i++) {
    const p = `blocks.${i}`;
    const [q, k, v] = packedQKV(g, w, `${p}.attn.qkv`, layerNorm(g, w, `${p}.norm1`, z), nh, hs); // each (B, nh, n + 1, hs)
    const a = linear(g, w, `${p}.attn.proj`, mergeHeads(g, attend(g, q, transposeKeys(g, k), v, hs ** -0.5, [], `${p}.attn`), dim));
    z = g.node('Add', [z, a], {}, `${p}.attn_residual`);
    z = g.node('Add', [z, mlp(g, w, `${p}.mlp`, layerNorm(g, w, `${p}.norm2`, z))], {}, `${p}.mlp_residual`);
  }
  const first = g.node('Gather', [layerNorm(g, w, 'norm', z), g.int64([0], [])], { axis: 1 }, 'cls_out'); // (B, dim)
  return linear(g, w, 'head', first);
}

/** The bytes of the .onnx file of an image classifier. Throws for a model it does not know. */
export function imageModelToOnnx(m: ImageModelExport): Uint8Array {
  const c = m.config as Config;
  const [K, C, S] = [c.numClasses as number, c.inChannels as number, c.imageSize as number];
  if (m.classes.length !== K) throw new Error(`ONNX export: ${m.classes.length} class names for a model with numClasses ${K}`);
  const w = new Weights(m.weights, m.model);
  const g = new GraphBuilder(`loom_fashion_mnist_${m.model.replace(/-/g, '_')}`);
  const pixels = g.input('pixels', DataType.FLOAT, ['batch', C, S, S]);
  const x = g.node('Div', [g.node('Sub', [pixels, g.float32([m.mean])]), g.float32([m.std])], {}, 'normalised'); // (B, C, S, S)
  let logits: string;
  switch (m.model) {
    case 'cnn':
    case 'se-cnn':
      logits = cnnGraph(g, w, x, m.model === 'se-cnn');
      break;
    case 'vit':
      logits = vitGraph(g, w, x, c);
      break;
    case 'swin':
      logits = swinGraph(g, w, x, c);
      break;
    default:
      throw new Error(`ONNX export: no exporter for the image model '${m.model}' (known: ${ONNX_IMAGE_MODELS.join(', ')})`);
  }
  g.output(logits, 'logits', DataType.FLOAT, ['batch', K]);
  return onnxFile(g, 'fashion-mnist', m, `pixels float32 (batch, ${C}, ${S}, ${S}) in [0, 1] -> logits float32 (batch, ${K})`, {
    classes: m.classes,
    normalisation: { mean: m.mean, std: m.std },
  });
}
