/**
 * Multi-head scaled dot-product attention as ONNX subgraphs of standard operators, shared by the
 * Transformers (GPT, ViT, Swin, the G2P Transformer). Shapes: B batch, T queries, S keys, nh heads,
 * hs head size, C = nh hs.
 *
 *   attend(q, k, v) = Softmax(q k^T * scale + masks) v      q (B, nh, T, hs), k, v (B, nh, S, hs)
 */
import type { GraphBuilder } from '../../io/onnx/graph.js';
import { linear, type Weights } from './layers.js';

/** (B, T, C) -> (B, nh, T, hs), or (B, nh, hs, T) with `keys` (ready for q @ k). */
export function heads(g: GraphBuilder, x: string, nh: number, hs: number, keys = false): string {
  const split = g.node('Reshape', [x, g.int64([0, 0, nh, hs])]); // (B, T, nh, hs)
  return g.node('Transpose', [split], { perm: keys ? [0, 2, 3, 1] : [0, 2, 1, 3] });
}

/** (B, nh, T, hs) -> (B, T, C). */
export function mergeHeads(g: GraphBuilder, y: string, C: number): string {
  return g.node('Reshape', [g.node('Transpose', [y], { perm: [0, 2, 1, 3] }), g.int64([0, 0, C])]);
}

/** A packed `qkv` Linear(C, 3C) (timm's layout): x (B, T, C) -> q, k, v, each (B, nh, T, hs). */
export function packedQKV(g: GraphBuilder, w: Weights, prefix: string, x: string, nh: number, hs: number): [string, string, string] {
  const qkv = g.node('Reshape', [linear(g, w, prefix, x), g.int64([0, 0, 3, nh, hs])]); // (B, T, 3, nh, hs)
  const parts = g.node('Transpose', [qkv], { perm: [2, 0, 3, 1, 4] }); // (3, B, nh, T, hs)
  const part = (i: number) => g.node('Gather', [parts, g.int64([i], [])], { axis: 0 }); // (B, nh, T, hs)
  return [part(0), part(1), part(2)];
}

/**
 * Softmax(q k^T * scale + additive masks) v: q (B, nh, T, hs), kt = k^T (B, nh, hs, S), v (B, nh, S, hs)
 * -> (B, nh, T, hs); each mask broadcasts against the scores (B, nh, T, S).
 */
export function attend(g: GraphBuilder, q: string, kt: string, v: string, scale: number, masks: string[] = [], hint = 'attn'): string {
  let scores = g.node('Mul', [g.node('MatMul', [q, kt]), g.float32([scale])], {}, `${hint}.scores`);
  for (const m of masks) scores = g.node('Add', [scores, m]);
  return g.node('MatMul', [g.node('Softmax', [scores], { axis: -1 }, `${hint}.weights`), v]);
}

/** k (B, nh, S, hs) -> k^T (B, nh, hs, S). */
export function transposeKeys(g: GraphBuilder, k: string): string {
  return g.node('Transpose', [k], { perm: [0, 1, 3, 2] });
}
