/**
 * A GPT (src/models/gpt.ts), softmax or linear attention, as an ONNX graph of standard operators:
 *
 *   x = Gather(wte, ids) + Gather(wpe, Range(0, T))                  (B, T, C)
 *   nLayer x:  x = x + attn(LayerNormalization(x));  x = x + mlp(LayerNormalization(x))
 *   logits = MatMul(LayerNormalization(x), lm_head^T)                (B, T, V)
 *
 * Softmax attention: q, k, v = Split(c_attn(x)), heads (B, nh, T, hs), scores q k^T / sqrt(hs) with the
 * causal mask Where(Trilu(ones(T, T)), scores, -inf), Softmax over the keys, @ v, c_proj.
 *
 * Causal linear attention, y_t = phi(q_t)^T S_t / (phi(q_t) . z_t + eps) with phi = elu + 1, is written
 * in its quadratic form, which ONNX's operators can express: A = Trilu(phi(q) phi(k)^T) (B, nh, T, T),
 * y = (A v) / (ReduceSum(A, keys) + eps). The same values as Loom's running sums (up to rounding), at
 * O(T^2) cost per window.
 */
import { float, type GraphBuilder } from '../../io/onnx/graph.js';
import { heads, mergeHeads as merge, packedQKV } from './attention.js';
import { embedding, gelu, layerNorm, linear, type Weights } from './layers.js';

export interface TransformerConfig {
  vocabSize: number;
  blockSize: number;
  nLayer: number;
  nHead: number;
  nEmbd: number;
  tiedHead: boolean;
  attention: 'softmax' | 'linear';
}

/** Shared values of a graph: the sequence length and the causal mask, built once from `ids`. */
interface Context {
  /** ones (T, T) lower-triangular as bool: key s visible from query t when s <= t. */
  causal: () => string;
}

function softmaxAttention(g: GraphBuilder, w: Weights, p: string, x: string, c: TransformerConfig, ctx: Context): string {
  const C = c.nEmbd;
  const hs = C / c.nHead;
  const [q, k, v] = g.nodeN('Split', [linear(g, w, `${p}.c_attn`, x), g.int64([C, C, C])], 3, { axis: 2 }, `${p}.qkv`); // 3 x (B, T, C)
  const scores = g.node('Mul', [g.node('MatMul', [heads(g, q, c.nHead, hs), heads(g, k, c.nHead, hs, true)]), g.float32([1 / Math.sqrt(hs)])], {}, `${p}.scores`); // (B, nh, T, T)
  const masked = g.node('Where', [ctx.causal(), scores, g.float32([-Infinity])]);
  const att = g.node('Softmax', [masked], { axis: -1 }, `${p}.weights`);
  const y = g.node('MatMul', [att, heads(g, v, c.nHead, hs)]); // (B, nh, T, hs)
  return linear(g, w, `${p}.c_proj`, merge(g, y, C));
}

function linearAttention(g: GraphBuilder, w: Weights, p: string, x: string, c: TransformerConfig, eps = 1e-6): string {
  const C = c.nEmbd;
  const hd = C / c.nHead;
  const [qr, kr, v] = packedQKV(g, w, `${p}.qkv`, x, c.nHead, hd); // each (B, nh, T, hd)
  const phi = (t: string) => g.node('Add', [g.node('Elu', [t], { alpha: float(1) }), g.float32([1])]);
  const q = phi(qr);
  const k = phi(kr);
  const a = g.node('Trilu', [g.node('MatMul', [q, g.node('Transpose', [k], { perm: [0, 1, 3, 2] })])], { upper: 0 }, `${p}.scores`); // (B, nh, T, T), s <= t
  const num = g.node('MatMul', [a, v]); // (B, nh, T, hd)
  const den = g.node('Add', [g.node('ReduceSum', [a, g.int64([-1])], { keepdims: 1 }), g.float32([eps])]); // (B, nh, T, 1)
  return linear(g, w, `${p}.proj`, merge(g, g.node('Div', [num, den]), C));
}

/** Builds the GPT graph from input `ids` (B, T) int64, T <= blockSize; returns the logits (B, T, V) value. */
export function transformerGraph(g: GraphBuilder, w: Weights, c: TransformerConfig, ids: string): string {
  const T = g.node('Gather', [g.node('Shape', [ids]), g.int64([1], [])], { axis: 0 }, 'T'); // scalar
  let causal: string | null = null;
  const ctx: Context = {
    causal: () => {
      if (causal) return causal;
      const ones = g.node('Expand', [g.float32([1]), g.node('Concat', [g.node('Unsqueeze', [T, g.int64([0])]), g.node('Unsqueeze', [T, g.int64([0])])], { axis: 0 })]); // (T, T)
      causal = g.node('Cast', [g.node('Trilu', [ones], { upper: 0 })], { to: 9 }, 'causal_mask'); // bool
      return causal;
    },
  };
  const pos = g.node('Range', [g.int64([0], []), T, g.int64([1], [])], {}, 'positions'); // (T)
  let x = g.node('Add', [embedding(g, w, 'transformer.wte.weight', ids), embedding(g, w, 'transformer.wpe.weight', pos)], {}, 'embeddings'); // (B, T, C) + (T, C)
  for (let i = 0; i < c.nLayer; i++) {
    const p = `transformer.h.${i}`;
    const h = layerNorm(g, w, `${p}.ln_1`, x);
    const a = c.attention === 'linear' ? linearAttention(g, w, `${p}.attn`, h, c) : softmaxAttention(g, w, `${p}.attn`, h, c, ctx);
    x = g.node('Add', [x, a], {}, `${p}.attn_residual`);
    const m = linear(g, w, `${p}.mlp.c_proj`, gelu(g, linear(g, w, `${p}.mlp.c_fc`, layerNorm(g, w, `${p}.ln_2`, x))));
    x = g.node('Add', [x, m], {}, `${p}.mlp_residual`);
  }
  const headKey = c.tiedHead ? 'transformer.wte.weight' : 'lm_head.weight';
  return linear(g, w, 'lm_head', layerNorm(g, w, 'transformer.ln_f', x), { weightKey: headKey, bias: false });
}
