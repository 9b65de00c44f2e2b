/**
 * Linear attention (Katharopoulos et al. 2020, "Transformers are RNNs"), as `LinearAttention` in the
 * parity reference modules. With a positive feature map phi(x) = elu(x) + 1 in place of exp(q . k):
 *
 *   y_t = phi(q_t)^T S / (phi(q_t) . z + eps),   S = sum_s phi(k_s) v_s^T (d x e),   z = sum_s phi(k_s)
 *
 * where the sums run over all s (non-causal) or s <= t (causal). Cost O(T d e) time, linear in the
 * sequence length, against softmax attention's O(T^2 d).
 *
 * The non-causal form is two matrix products of the composed ops. The causal form is a running sum
 * (the RNN view), one fused op: S_t and z_t are carried forward in O(d e) memory instead of
 * materialising the (T, d, e) prefix sums, and the backward recomputes them in a forward sweep and
 * accumulates G_t = sum_{u >= t} q_u dnum_u^T in a reverse sweep (the backend's `linearAttention` and
 * `linearAttentionBackward` kernels).
 */
import { backend, type LinearAttentionSweep } from '../../backends/backend.js';
import type { Generator } from '../../core/random.js';
import { fmt } from '../../core/shape.js';
import { Tensor, withGrad } from '../../core/tensor.js';
import { Linear } from '../layers/linear.js';
import { Module } from '../module.js';

/**
 * The running sums of causal linear attention for N sequences, S (N, d, e) and z (N, d), in float64 as
 * the kernel accumulates them: the state of the RNN view, carried from one call to the next when
 * decoding step by step (`LinearAttention.zeroState`).
 */
export class LinearAttentionState {
  readonly S: Float64Array;
  readonly z: Float64Array;

  constructor(readonly sequences: number, readonly d: number, readonly e: number) {
    this.S = new Float64Array(sequences * d * e);
    this.z = new Float64Array(sequences * d);
  }

  /** Back to the empty prefix (all sums 0). */
  reset(): void {
    this.S.fill(0);
    this.z.fill(0);
  }
}

/**
 * Causal linear attention over N independent sequences: q, k (N, T, d) already feature-mapped
 * (positive), v (N, T, e) -> y (N, T, e), y_t = q_t^T S_t / (q_t . z_t + eps) with
 * S_t = S_0 + sum_{s <= t} k_s v_s^T, z_t = z_0 + sum_{s <= t} k_s. Gradients to q, k and v.
 *
 * S_0 and z_0 are 0, or with `state` the sums it holds (a prefix already seen); the state then ends
 * holding S_T and z_T, so feeding a sequence in pieces gives the outputs of feeding it whole.
 */
export function causalLinearAttention(q: Tensor, k: Tensor, v: Tensor, eps = 1e-6, state?: LinearAttentionState): Tensor {
  if (q.ndim !== 3 || k.ndim !== 3 || v.ndim !== 3 || q.shape.join() !== k.shape.join() || v.shape[0] !== q.shape[0] || v.shape[1] !== q.shape[1])
    throw new Error(`causalLinearAttention: expected q, k (N, T, d) and v (N, T, e), got ${fmt(q.shape)}, ${fmt(k.shape)}, ${fmt(v.shape)}`);
  const [N, T, d] = q.shape;
  const e = v.shape[2];
  if (state && (state.sequences !== N || state.d !== d || state.e !== e))
    throw new Error(`causalLinearAttention: a state for (N, d, e) = (${state.sequences}, ${state.d}, ${state.e}) cannot continue q ${fmt(q.shape)} and v ${fmt(v.shape)}`);
  const qc = q.detach().contiguous();
  const kc = k.detach().contiguous();
  const vc = v.detach().contiguous();
  const y = Tensor.empty([N, T, e]);
  // the sums before this call, where each sequence's sweep starts (the backward's too)
  const S0 = state ? state.S.slice() : null;
  const z0 = state ? state.z.slice() : null;
  // built again in the backward, whose closure so keeps qc, kc and vc alive
  const sweep = (): LinearAttentionSweep => ({ q: qc.base, k: kc.base, v: vc.base, N, T, d, e, eps, S0, z0 });
  backend().linearAttention(sweep(), y.base, state ?? null);
  return withGrad('causalLinearAttention', y, [q, k, v], (g) => {
    const gc = g.contiguous();
    const dq = Tensor.empty([N, T, d]);
    const dk = Tensor.empty([N, T, d]);
    const dv = Tensor.empty([N, T, e]);
    backend().linearAttentionBackward(sweep(), { g: gc.base, dq: dq.base, dk: dk.base, dv: dv.base });
    return [dq, dk, dv];
  });
}

/**
 * Multi-head linear attention with the elu(x) + 1 feature map (see the file comment for the equations).
 *
 * Shapes: input (B, T, dModel) -> (B, T, dModel). Keys: `qkv.weight` (3 dModel, dModel), `qkv.bias`,
 * `proj.weight` (dModel, dModel), `proj.bias` (initialised as nn.Linear). Options: causal (default
 * false: every position sees the whole sequence), eps (default 1e-6) added to the normaliser, bias
 * (default true) in both projections.
 *
 * Causal, it is an RNN: `forward(x, state)` continues from the running sums of `zeroState(B)` and
 * leaves them updated, so decoding one position at a time costs O(1) per step, not O(t).
 *
 *   const la = new LinearAttention(64, 4, { causal: true });
 *   const y = la.forward(x); // (B, T, 64) -> (B, T, 64), time and memory linear in T
 *   const state = la.zeroState(B);
 *   const y0 = la.forward(x.narrow(1, 0, 1), state); // (B, 1, 64), then the next position from state
 */
export class LinearAttention extends Module {
  readonly qkv: Linear;
  readonly proj: Linear;
  readonly causal: boolean;
  readonly eps: number;

  constructor(
    readonly dModel: number,
    readonly nHeads: number,
    { causal = false, eps = 1e-6, bias = true, generator }: { causal?: boolean; eps?: number; bias?: boolean; generator?: Generator } = {},
  ) {
    super();
    if (!Number.isInteger(nHeads) || nHeads <= 0 || dModel % nHeads !== 0)
      throw new RangeError(`LinearAttention: dModel (${dModel}) must be divisible by nHeads (${nHeads})`);
    this.causal = causal;
    this.eps = eps;
    this.qkv = this.registerModule('qkv', new Linear(dModel, 3 * dModel, { bias, generator }));
    this.proj = this.registerModule('proj', new Linear(dModel, dModel, { bias, generator }));
  }

  /** The empty prefix of `batch` sequences for `forward(x, state)` (causal only). */
  zeroState(batch: number): LinearAttentionState {
    if (!this.causal) throw new Error('LinearAttention: only the causal form carries a state; this one is causal=false');
    const hd = this.dModel / this.nHeads;
    return new LinearAttentionState(batch * this.nHeads, hd, hd);
  }

  /** x (B, T, dModel) -> (B, T, dModel); with `state` (causal), after the prefix it holds, which it then extends by x. */
  forward(x: Tensor, state: LinearAttentionState | null = null): Tensor {
    if (x.ndim !== 3 || x.shape[2] !== this.dModel)
      throw new Error(`LinearAttention(d_model=${this.dModel}): expected input (B, T, ${this.dModel}), got ${fmt(x.shape)}`);
    if (state && !this.causal) throw new Error('LinearAttention: only the causal form carries a state; this one is causal=false');
    const [B, T, D] = x.shape;
    const h = this.nHeads;
    const hd = D / h;
    const qkv = this.qkv.forward(x).reshape(B, T, 3, h, hd).permute(2, 0, 3, 1, 4); // (3, B, h, T, hd)
    const q = qkv.select(0, 0).elu().add(1); // (B, h, T, hd)
    const k = qkv.select(0, 1).elu().add(1);
    const v = qkv.select(0, 2);
    let out: Tensor;
    if (this.causal) {
      // (B*h, T, hd) sequences through the running-sum op
      out = causalLinearAttention(q.reshape(B * h, T, hd), k.reshape(B * h, T, hd), v.reshape(B * h, T, hd), this.eps, state ?? undefined).reshape(B, h, T, hd);
    } else {
      const kv = k.transpose(-2, -1).matmul(v); // (B, h, hd, T) @ (B, h, T, hd) -> (B, h, hd, hd)
      const num = q.matmul(kv); // (B, h, T, hd)
      const den = q.matmul(k.sum(2).unsqueeze(-1)); // (B, h, T, hd) @ (B, h, hd, 1) -> (B, h, T, 1)
      out = num.div(den.add(this.eps));
    }
    return this.proj.forward(out.transpose(1, 2).reshape(B, T, D)); // (B, h, T, hd) -> (B, T, D)
  }

  override extraRepr(): string {
    return `d_model=${this.dModel}, n_heads=${this.nHeads}, causal=${this.causal}`;
  }
}
