/**
 * Scaled dot-product attention as one fused op: QK^T, scale, masks, softmax, dropout and @V form a single
 * autograd node with a hand-written backward, instead of a chain of six ops that would each allocate an
 * (L, S) tensor and record its own node. The forward keeps one (N, L, S) block (the probabilities, reused
 * in place from the scores) and, with dropout, its keep-mask; the backward recomputes nothing.
 *
 * The two matrix products go through the backend's `matmul` kernel and the row pass in between (scale,
 * causal rule, softmax, fully-masked rows) through its `scaledSoftmax`; explicit masks are applied to the
 * scores first by its `maskScores`, and the dropout mask is drawn by its `dropoutMask`.
 *
 * Mask convention, the same everywhere in Loom (`nn.MultiheadAttention`, the Transformer layers, the
 * parity fixtures): a **bool mask is true where attention is NOT allowed** (masked out); a float mask is
 * added to the scores (use -Infinity to mask). PyTorch's `F.scaled_dot_product_attention` reads bool
 * masks the other way round (true = takes part); `nn.MultiheadAttention` reads them as Loom does.
 */
import { needsGrad, record } from '../../core/autograd.js';
import { backend, type ScoreMask } from '../../backends/backend.js';
import { drawFrom } from '../../backends/random-state.js';
import { bmm } from '../../core/ops/matmul.js';
import { sumTo } from '../../core/ops/reduce.js';
import { defaultGenerator, type Generator } from '../../core/random.js';
import { broadcastShapes, fmt, numel } from '../../core/shape.js';
import { Tensor } from '../../core/tensor.js';

export interface AttentionOptions {
  /**
   * Masks broadcast to the scores (batch..., L, S); each bool (true = masked out) or float32 (added to
   * the scores). Several masks combine: a position is masked if any bool mask masks it, and the float
   * masks add up (PyTorch merges `attn_mask` and `key_padding_mask` the same way).
   */
  masks?: (Tensor | null | undefined)[];
  /** Masks key j for query i when j > i + causalOffset (default false). */
  isCausal?: boolean;
  /**
   * Shifts the causal diagonal (default 0: PyTorch's top-left aligned `tril`). With a key/value cache
   * holding `p` earlier positions, pass `p`: query i is position p + i and sees keys 0..p + i.
   */
  causalOffset?: number;
  /** Dropout probability on the attention weights, applied whenever > 0 (default 0). */
  dropoutP?: number;
  /** Multiplies QK^T (default 1 / sqrt(E)). */
  scale?: number | null;
  /** Also return the attention weights (after dropout, as `nn.MultiheadAttention`) (default true). */
  needWeights?: boolean;
  /** Generator of the dropout mask (default: the global one). */
  generator?: Generator;
}

/** A mask as the backend's `maskScores` reads it: expanded to the scores' shape (batch..., L, S). */
function scoreMask(m: Tensor, batch: number[], L: number, S: number, what: string): ScoreMask & { view: Tensor } {
  if (m.dtype !== 'bool' && m.dtype !== 'float32') throw new TypeError(`${what}: a mask must be bool or float32, got ${m.dtype}`);
  let e: Tensor;
  try {
    e = m.detach().expand([...batch, L, S]);
  } catch {
    throw new Error(`${what}: mask of shape ${fmt(m.shape)} does not broadcast to the attention scores (batch..., L, S) = ${fmt([...batch, L, S])}`);
  }
  return { bool: m.dtype === 'bool', off: e.base, strides: e.strides, view: e };
}

/**
 * The fused attention op: softmax(Q K^T * scale + masks) V, returning `[output, weights]`.
 *
 *   q (batch..., L, E), k (batch..., S, E), v (batch..., S, Ev) -> output (batch..., L, Ev),
 *   weights (batch..., L, S) or null (`needWeights: false`). Batch dims broadcast.
 *
 * A query whose every key is masked gets zero weights and a zero output row (PyTorch gives NaN there).
 * Gradients flow to q, k, v and to float masks that require grad. Used by `MultiheadAttention` and GPT;
 * `scaledDotProductAttention` is the PyTorch-shaped wrapper.
 *
 *   const [out, w] = attention(q, k, v, { masks: [padMask], isCausal: true }); // (B, H, T, hd), (B, H, T, T)
 */
export function attention(q: Tensor, k: Tensor, v: Tensor, opts: AttentionOptions = {}): [Tensor, Tensor | null] {
  const { masks = [], isCausal = false, causalOffset = 0, dropoutP = 0, scale = null, needWeights = true, generator = defaultGenerator } = opts;
  const what = 'scaledDotProductAttention';
  for (const [name, t] of [['query', q], ['key', k], ['value', v]] as const) {
    if (t.ndim < 2) throw new Error(`${what}: ${name} must have at least 2 dims (..., len, dim), got ${fmt(t.shape)}`);
    if (t.dtype !== 'float32') throw new TypeError(`${what}: ${name} must be float32, got ${t.dtype}`);
  }
  const L = q.shape[q.ndim - 2];
  const E = q.shape[q.ndim - 1];
  const S = k.shape[k.ndim - 2];
  if (k.shape[k.ndim - 1] !== E) throw new Error(`${what}: query ${fmt(q.shape)} and key ${fmt(k.shape)} must share the last dim`);
  if (v.shape[v.ndim - 2] !== S) throw new Error(`${what}: key ${fmt(k.shape)} and value ${fmt(v.shape)} must have the same length (dim -2)`);
  if (!(dropoutP >= 0 && dropoutP <= 1)) throw new RangeError(`${what}: dropoutP must be between 0 and 1, got ${dropoutP}`);
  const batch = broadcastShapes(broadcastShapes(q.shape.slice(0, -2), k.shape.slice(0, -2), what), v.shape.slice(0, -2), what);
  const N = numel(batch);
  const sc = scale ?? 1 / Math.sqrt(E);
  const given = masks.filter((m): m is Tensor => !!m);
  const views = given.map((m) => scoreMask(m, batch, L, S, what));

  const kT = k.detach().transpose(-1, -2); // (batch..., E, S)
  const p = bmm(q.detach(), kT); // (batch..., L, S) scores, then probabilities in place
  if (views.length > 0) backend().maskScores(p.base, batch, L, S, sc, views); // scaled and masked: the kernel's scale is then 1
  backend().scaledSoftmax(p.base, N, L, S, views.length > 0 ? 1 : sc, isCausal, causalOffset);
  let keep: Tensor | null = null; // (batch..., L, S) scaled Bernoulli(1 - p) mask
  let pd = p; // probabilities after dropout
  if (dropoutP > 0) {
    keep = Tensor.empty(p.shape);
    pd = Tensor.empty(p.shape);
    const s = dropoutP === 1 ? 0 : 1 / (1 - dropoutP);
    const draw = { mask: keep.base, n: p.numel, threshold: dropoutP, below: 0, above: s, x: p.base, y: pd.base };
    drawFrom(generator, (state) => backend().dropoutMask({ ...draw, state }));
  }
  const out = bmm(pd, v.detach()); // (batch..., L, Ev)
  const weights = needWeights ? (pd === p ? p.detach() : pd) : null;

  const floatMasks = given.filter((m) => m.dtype === 'float32' && m.requiresGrad);
  const inputs = [q, k, v, ...floatMasks];
  if (needsGrad(...inputs)) {
    record('scaledDotProductAttention', inputs, weights ? [out, weights] : [out], ([gOut, gW]) => {
      // dPd = dO V^T + dW;  dV = Pd^T dO
      let dpd: Tensor | null = gOut ? bmm(gOut, v.detach().transpose(-1, -2)) : null;
      if (gW) dpd = dpd ? dpd.add(gW) : gW.expand(p.shape).contiguous();
      const dv = gOut && v.requiresGrad ? sumTo(bmm(pd.transpose(-1, -2), gOut), v.shape) : null;
      if (!dpd) return inputs.map(() => null);
      const dp = keep ? dpd.mul(keep) : dpd.contiguous();
      // softmax backward: dS = P * (dP - rowsum(P * dP)); masked entries have P = 0, so dS = 0 there
      const ds = Tensor.empty(p.shape);
      backend().softmaxBackward(p.base, dp.base, ds.base, N * L, S, false);
      const dq = q.requiresGrad ? sumTo(bmm(ds, k.detach()).mul(sc), q.shape) : null;
      const dk = k.requiresGrad ? sumTo(bmm(ds.transpose(-1, -2), q.detach()).mul(sc), k.shape) : null;
      return [dq, dk, dv, ...floatMasks.map((m) => sumTo(ds, m.shape))];
    });
  }
  return [out, weights];
}

export interface ScaledDotProductAttentionOptions {
  /**
   * Broadcast to (batch..., L, S). Bool: **true = masked out** (the opposite of PyTorch's SDPA, the same
   * as `nn.MultiheadAttention`); float: added to the scores.
   */
  attnMask?: Tensor | null;
  /** Key j is hidden from query i when j > i (top-left aligned, as PyTorch); combines with attnMask. */
  isCausal?: boolean;
  /** Dropout on the attention weights, applied whenever > 0, as PyTorch (default 0). */
  dropoutP?: number;
  /** Multiplies QK^T (default 1 / sqrt(E)). */
  scale?: number | null;
  generator?: Generator;
}

/**
 * `torch.nn.functional.scaled_dot_product_attention`, one fused op:
 *
 *   Attention(Q, K, V) = softmax(Q K^T * scale + M) V,   scale = 1 / sqrt(E) by default
 *
 * Shapes: query (batch..., L, E), key (batch..., S, E), value (batch..., S, Ev) -> (batch..., L, Ev);
 * batch dims broadcast. M is -inf where `attnMask` (bool) is true or, with `isCausal`, where j > i;
 * a float `attnMask` is added. Differences from PyTorch, on purpose: bool masks mean true = masked out;
 * `isCausal` and `attnMask` may be given together (both apply); a query whose every key is masked gets
 * a zero output row instead of NaN.
 *
 *   const y = F.scaledDotProductAttention(q, k, v, { isCausal: true }); // (B, H, T, hd) -> (B, H, T, hd)
 */
export function scaledDotProductAttention(query: Tensor, key: Tensor, value: Tensor, opts: ScaledDotProductAttentionOptions = {}): Tensor {
  const { attnMask = null, isCausal = false, dropoutP = 0, scale = null, generator } = opts;
  return attention(query, key, value, { masks: [attnMask], isCausal, dropoutP, scale, generator, needWeights: false })[0];
}
