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

/** One third (0 q, 1 k, 2 v) of nn.MultiheadAttention's packed in_proj_weight / in_proj_bias applied to x (B, L, E). */
function inProjection(g: GraphBuilder, w: Weights, prefix: string, i: number, x: string): string {
  const W = w.get(`${prefix}.in_proj_weight`);
  const E = W.shape[1];
  const wt = g.node('Transpose', [g.weight(`${prefix}.in_proj_weight_${'qkv'[i]}`, W.data.slice(i * E * E, (i + 1) * E * E), [E, E])], { perm: [1, 0] }); // (E, E)^T
  const y = g.node('MatMul', [x, wt], {}, `${prefix}.${'qkv'[i]}`);
  if (!w.has(`${prefix}.in_proj_bias`)) return y;
  return g.node('Add', [y, g.weight(`${prefix}.in_proj_bias_${'qkv'[i]}`, w.get(`${prefix}.in_proj_bias`).data.slice(i * E, (i + 1) * E), [E])]);
}

/**
 * `torch.nn.MultiheadAttention` (batch_first, packed in_proj, out_proj) of query (B, T, E) over
 * keyValue (B, S, E) with additive masks (broadcast against (B, nh, T, S)): -> (B, T, E).
 */
export function multiheadAttention(g: GraphBuilder, w: Weights, prefix: string, query: string, keyValue: string, nh: number, masks: string[] = []): string {
  const E = w.get(`${prefix}.in_proj_weight`).shape[1];
  const hs = E / nh;
  const q = heads(g, inProjection(g, w, prefix, 0, query), nh, hs); // (B, nh, T, hs)
  const kt = heads(g, inProjection(g, w, prefix, 1, keyValue), nh, hs, true); // (B, nh, hs, S)
  const v = heads(g, inProjection(g, w, prefix, 2, keyValue), nh, hs); // (B, nh, S, hs)
  return linear(g, w, `${prefix}.out_proj`, mergeHeads(g, attend(g, q, kt, v, hs ** -0.5, masks, prefix), E));
}

/** An additive mask of a bool one: 0 where `mask` is false, -inf where it is true (a position not attended to). */
export function additiveMask(g: GraphBuilder, mask: string): string {
  return g.node('Where', [mask, g.float32([-Infinity]), g.float32([0])], {}, 'mask');
}
