/**
 * The G2P Transformer (src/models/seq2seq-transformer.ts, nn.Transformer batch-first) as an ONNX graph
 * of standard operators, teacher-forced: every target position's logits given the previous phonemes.
 * Shapes: B batch, S letters, T phonemes, d model width.
 *
 *   memory = encoder.norm(L x encoder layer(Gather(src_emb, src) + PE[:S]))   key padding mask: src == 0
 *   h = decoder.norm(L x decoder layer(Gather(tgt_emb, tgt) + PE[:T], memory)) causal self-attention
 *   logits = out(h)                                                          (B, T, V)
 *
 * A layer is pre-LN (normFirst) x = x + f(norm(x)) or post-LN x = norm(x + f(x)) for each of its
 * blocks: self-attention, (decoder) cross-attention, the ReLU feed-forward linear2(relu(linear1)).
 * PE is the sinusoidal table of the model's maxLen positions, an initializer.
 */
import type { GraphBuilder } from '../../io/onnx/graph.js';
import { sinusoidalTable } from '../../nn/attention/positional-encoding.js';
import { additiveMask, multiheadAttention } from './attention.js';
import { embedding, layerNorm, linear, type Weights } from './layers.js';

export interface G2PTransformerConfig {
  dModel: number;
  nhead: number;
  layers: number;
  normFirst: boolean;
  maxLen: number;
}

/** Embedding + the first L rows of the position table: ids (B, L) -> (B, L, d). */
function embed(g: GraphBuilder, w: Weights, key: string, ids: string, pe: string): string {
  const L = g.node('Slice', [g.node('Shape', [ids]), g.int64([1]), g.int64([2])]); // [L]
  const positions = g.node('Slice', [pe, g.int64([0]), L, g.int64([0])]); // (L, d)
  return g.node('Add', [embedding(g, w, key, ids), positions], {}, `${key.split('.')[0]}.positions`);
}

/** One residual block in pre-LN or post-LN order: x + f(norm(x)), or norm(x + f(x)). */
function residual(g: GraphBuilder, w: Weights, norm: string, x: string, normFirst: boolean, f: (h: string) => string): string {
  return normFirst ? g.node('Add', [x, f(layerNorm(g, w, norm, x))]) : layerNorm(g, w, norm, g.node('Add', [x, f(x)]));
}

/** Builds the teacher-forced graph of src (B, S), tgt (B, T) int64; returns the logits (B, T, V) value. */
export function g2pTransformerGraph(g: GraphBuilder, w: Weights, c: G2PTransformerConfig, src: string, tgt: string): string {
  const pe = g.weight('pos.pe', sinusoidalTable(c.maxLen, c.dModel).toArray() as Float32Array, [c.maxLen, c.dModel]);
  const keyPad = g.node('Unsqueeze', [additiveMask(g, g.node('Equal', [src, g.int64([0], [])])), g.int64([1, 2])], {}, 'key_padding'); // (B, 1, 1, S)
  const T = g.node('Slice', [g.node('Shape', [tgt]), g.int64([1]), g.int64([2])]); // [T]
  const ones = g.node('Expand', [g.float32([1]), g.node('Concat', [T, T], { axis: 0 })]); // (T, T)
  const causal = additiveMask(g, g.node('Not', [g.node('Cast', [g.node('Trilu', [ones], { upper: 0 })], { to: 9 })])); // -inf above the diagonal
  const ff = (p: string) => (h: string) => linear(g, w, `${p}.linear2`, g.node('Relu', [linear(g, w, `${p}.linear1`, h)]));
  let x = embed(g, w, 'src_emb.weight', src, pe);
  for (let i = 0; i < c.layers; i++) {
    const p = `transformer.encoder.layers.${i}`;
    x = residual(g, w, `${p}.norm1`, x, c.normFirst, (h) => multiheadAttention(g, w, `${p}.self_attn`, h, h, c.nhead, [keyPad]));
    x = residual(g, w, `${p}.norm2`, x, c.normFirst, ff(p));
  }
  const memory = layerNorm(g, w, 'transformer.encoder.norm', x); // (B, S, d)
  let y = embed(g, w, 'tgt_emb.weight', tgt, pe);
  for (let i = 0; i < c.layers; i++) {
    const p = `transformer.decoder.layers.${i}`;
    y = residual(g, w, `${p}.norm1`, y, c.normFirst, (h) => multiheadAttention(g, w, `${p}.self_attn`, h, h, c.nhead, [causal]));
    y = residual(g, w, `${p}.norm2`, y, c.normFirst, (h) => multiheadAttention(g, w, `${p}.multihead_attn`, h, memory, c.nhead, [keyPad]));
    y = residual(g, w, `${p}.norm3`, y, c.normFirst, ff(p));
  }
  return linear(g, w, 'out', layerNorm(g, w, 'transformer.decoder.norm', y));
}
