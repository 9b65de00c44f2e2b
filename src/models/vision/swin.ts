/**
 * Swin Transformer building blocks (Liu et al. 2021), exactly as the parity reference modules define
 * them (`WindowAttention`, `SwinBlock`, `PatchMerging`, `window_partition`, `window_reverse`), with the
 * Swin code's parameter names.
 *
 * A Swin block attends within non-overlapping ws x ws windows instead of over the whole image: cost
 * O(H W ws^2) instead of O((H W)^2). Every other block shifts the windows by `shiftSize` (a cyclic roll
 * of the feature map) so information crosses window borders; pixels that the roll brought together from
 * opposite edges are kept apart by an additive -100 mask. Each window's attention adds a learned bias
 * indexed by the relative position of query and key, B[h, i, j] = table[index[i, j], h].
 */
import { Tensor } from '../../core/tensor.js';
import { fromArray } from '../../core/creation.js';
import { cat } from '../../core/ops/join.js';
import type { Generator } from '../../core/random.js';
import { fmt } from '../../core/shape.js';
import { attention } from '../../nn/attention/attention.js';
import { normal_ } from '../../nn/init.js';
import { LayerNorm } from '../../nn/layers/layernorm.js';
import { Linear } from '../../nn/layers/linear.js';
import { Mlp } from '../../nn/layers/mlp.js';
import { Module } from '../../nn/module.js';
import { Parameter } from '../../nn/parameter.js';

/** x (B, H, W, C) -> windows (B * H/ws * W/ws, ws, ws, C), row-major over the windows of each image. */
export function windowPartition(x: Tensor, ws: number): Tensor {
  const [B, H, W, C] = x.shape;
  if (x.ndim !== 4 || H % ws !== 0 || W % ws !== 0)
    throw new Error(`window_partition: expected (B, H, W, C) with H and W divisible by window size ${ws}, got ${fmt(x.shape)}`);
  return x
    .reshape([B, H / ws, ws, W / ws, ws, C])
    .permute(0, 1, 3, 2, 4, 5) // (B, H/ws, W/ws, ws, ws, C)
    .reshape([-1, ws, ws, C]);
}

/** The inverse of windowPartition: windows (B * nW, ws, ws, C) -> (B, H, W, C). */
export function windowReverse(windows: Tensor, ws: number, H: number, W: number): Tensor {
  const nW = (H / ws) * (W / ws);
  const B = windows.shape[0] / nW;
  if (!Number.isInteger(B)) throw new Error(`window_reverse: ${windows.shape[0]} windows do not tile images of ${H}x${W} in ${ws}x${ws} windows`);
  return windows
    .reshape([B, H / ws, W / ws, ws, ws, -1])
    .permute(0, 1, 3, 2, 4, 5) // (B, H/ws, ws, W/ws, ws, C)
    .reshape([B, H, W, -1]);
}

/** torch.roll along one dim: out[i] = x[(i - shift) mod n]. */
export function roll(x: Tensor, shift: number, dim: number): Tensor {
  const n = x.size(dim);
  const k = ((shift % n) + n) % n;
  if (k === 0) return x;
  return cat([x.narrow(dim, n - k, k), x.narrow(dim, 0, n - k)], dim);
}

/**
 * relative_position_index (ws^2, ws^2): for tokens i = (y_i, x_i) and j of a window,
 * (y_i - y_j + ws - 1) * (2 ws - 1) + (x_i - x_j + ws - 1), a row of the (2 ws - 1)^2 bias table.
 */
export function relativePositionIndex(ws: number): Int32Array {
  const N = ws * ws;
  const idx = new Int32Array(N * N);
  for (let i = 0; i < N; i++)
    for (let j = 0; j < N; j++) {
      const dy = Math.floor(i / ws) - Math.floor(j / ws) + ws - 1;
      const dx = (i % ws) - (j % ws) + ws - 1;
      idx[i * N + j] = dy * (2 * ws - 1) + dx;
    }
  return idx;
}

/**
 * roll(-shift) then window_partition as one permutation of the H * W tokens: token q of the windows'
 * order (window row-major, then the token's row and column in it) reads token order[q] of the image,
 * ((wy ws + ty + shift) mod H) W + (wx ws + tx + shift) mod W. Its inverse is window_reverse then
 * roll(+shift).
 */
export function windowOrder(H: number, W: number, ws: number, shift: number): Int32Array {
  const order = new Int32Array(H * W);
  let q = 0;
  for (let wy = 0; wy < H / ws; wy++)
    for (let wx = 0; wx < W / ws; wx++)
      for (let ty = 0; ty < ws; ty++)
        for (let tx = 0; tx < ws; tx++) order[q++] = ((wy * ws + ty + shift) % H) * W + ((wx * ws + tx + shift) % W);
  return order;
}

/** x (B, L, C) with its tokens reordered: out[b, q] = x[b, order[q]] (one gather; its backward one scatter). */
function gatherTokens(x: Tensor, order: Int32Array): Tensor {
  const [B, L, C] = x.shape;
  const rows = new Int32Array(B * L);
  for (let b = 0; b < B; b++) for (let q = 0; q < L; q++) rows[b * L + q] = b * L + order[q];
  return x.reshape([B * L, C]).indexSelect(0, fromArray(rows, [B * L], { dtype: 'int32' })).reshape([B, L, C]);
}

/**
 * The shifted-window attention mask (nW, ws^2, ws^2): the rolled image is cut into 3 x 3 regions
 * (by [0, H - ws), [H - ws, H - shift), [H - shift, H), the same for columns); two tokens of a window
 * from different regions get -100, others 0.
 */
export function shiftedWindowMask(H: number, W: number, ws: number, shift: number): Float32Array {
  const region = (p: number, n: number): number => (p < n - ws ? 0 : p < n - shift ? 1 : 2);
  const nh = H / ws;
  const nw = W / ws;
  const N = ws * ws;
  const mask = new Float32Array(nh * nw * N * N);
  const labels = new Int32Array(N);
  for (let wy = 0; wy < nh; wy++)
    for (let wx = 0; wx < nw; wx++) {
      for (let t = 0; t < N; t++) labels[t] = region(wy * ws + Math.floor(t / ws), H) * 3 + region(wx * ws + (t % ws), W);
      const base = (wy * nw + wx) * N * N;
      for (let i = 0; i < N; i++) for (let j = 0; j < N; j++) mask[base + i * N + j] = labels[i] === labels[j] ? 0 : -100;
    }
  return mask;
}

/**
 * Window multi-head self-attention with relative position bias, over windows of ws x ws tokens:
 *
 *   attn = softmax((q * scale) k^T + B + mask) v,  B[h, i, j] = relative_position_bias_table[index[i, j], h]
 *
 * Shapes: x (B_, N = ws^2, C), mask (nW, N, N) or null (B_ a multiple of nW) -> (B_, N, C).
 * Parameters: `relative_position_bias_table` ((2 ws - 1)^2, heads) ~ N(0, 0.5^2) as the reference,
 * `qkv` Linear(C, 3C), `proj` Linear(C, C); buffer `relative_position_index` (N, N) int32.
 */
export class WindowAttention extends Module {
  readonly scale: number;
  readonly relativePositionBiasTable: Tensor;
  readonly relativePositionIndex: Tensor;
  readonly qkv: Linear;
  readonly proj: Linear;

  constructor(readonly dim: number, readonly windowSize: number, readonly numHeads: number, { generator }: { generator?: Generator } = {}) {
    super();
    if (dim % numHeads !== 0) throw new RangeError(`WindowAttention: dim ${dim} must be divisible by numHeads ${numHeads}`);
    this.scale = Math.floor(dim / numHeads) ** -0.5;
    const table = Tensor.empty([(2 * windowSize - 1) ** 2, numHeads]);
    this.relativePositionBiasTable = this.registerParameter('relative_position_bias_table', Parameter(normal_(table, 0, 0.5, generator)));
    const N = windowSize * windowSize;
    this.relativePositionIndex = this.registerBuffer('relative_position_index', fromArray(relativePositionIndex(windowSize), [N, N], { dtype: 'int32' }));
    this.qkv = this.registerModule('qkv', new Linear(dim, 3 * dim, { generator }));
    this.proj = this.registerModule('proj', new Linear(dim, dim, { generator }));
  }

  forward(x: Tensor, mask: Tensor | null = null): Tensor {
    const [B_, N, C] = x.shape;
    const h = this.numHeads;
    if (x.ndim !== 3 || N !== this.windowSize ** 2 || C !== this.dim)
      throw new Error(`WindowAttention(dim=${this.dim}, window=${this.windowSize}): expected input (B_, ${this.windowSize ** 2}, ${this.dim}), got ${fmt(x.shape)}`);
    // q, k, v as views of the one product, split so that the backward writes their gradients straight
    // into one (B_, N, 3, h, hd) buffer (three selects would each zero-fill a buffer that size, then add)
    const qkv = this.qkv.forward(x).reshape([B_, N, 3, h, C / h]); // (B_, N, 3, h, hd)
    const [q, k, v] = qkv.split(1, 2).map((t) => t.squeeze(2).permute(0, 2, 1, 3)); // each (B_, h, N, hd)
    const bias = this.relativePositionBiasTable
      .indexSelect(0, this.relativePositionIndex.reshape([-1])) // (N*N, h)
      .reshape([N, N, h])
      .permute(2, 0, 1); // (h, N, N)
    let out: Tensor;
    if (mask) {
      const nW = mask.shape[0];
      if (mask.ndim !== 3 || B_ % nW !== 0 || mask.shape[1] !== N || mask.shape[2] !== N)
        throw new Error(`WindowAttention: mask ${fmt(mask.shape)} does not fit input ${fmt(x.shape)} (expected (nW, ${N}, ${N}) with B_ a multiple of nW)`);
      const win = (t: Tensor) => t.reshape([B_ / nW, nW, h, N, C / h]); // (B, nW, h, N, hd)
      // bias + mask as one (nW, h, N, N) float mask, formed once per call: the scores' batch (B, nW, h)
      // then collapses to (B, nW h) with one stride, and the kernel adds one mask in one pass
      const biasAndMask = bias.unsqueeze(0).add(mask.unsqueeze(1)); // (nW, h, N, N)
      out = attention(win(q), win(k), win(v), { masks: [biasAndMask], scale: this.scale, needWeights: false })[0];
      out = out.reshape([B_, h, N, C / h]);
    } else out = attention(q, k, v, { masks: [bias], scale: this.scale, needWeights: false })[0]; // (B_, h, N, hd)
    return this.proj.forward(out.transpose(1, 2).reshape([B_, N, C])); // (B_, N, C)
  }

  override extraRepr(): string {
    return `dim=${this.dim}, window_size=${this.windowSize}, num_heads=${this.numHeads}`;
  }
}

export interface SwinBlockOptions {
  /** Side of the square attention windows; must divide both input dims (default 7). */
  windowSize?: number;
  /** Cyclic shift of the windows, 0 (regular windows) or in (0, windowSize) (default 0). */
  shiftSize?: number;
  /** Hidden width of the MLP as a multiple of dim (default 4). */
  mlpRatio?: number;
  generator?: Generator;
}

/**
 * A Swin Transformer block, pre-LN:
 *
 *   x = x + reverse(WindowAttention(partition(roll(norm1(x), -shift))), then roll +shift)
 *   x = x + mlp(norm2(x))
 *
 * Shapes: (B, H * W, C) -> (B, H * W, C), with inputResolution = [H, W]. Submodules `norm1`, `attn`
 * (WindowAttention), `norm2`, `mlp` (Mlp(C, C * mlpRatio)); buffer `attn_mask` (nW, ws^2, ws^2) when
 * shiftSize > 0 (otherwise absent, as PyTorch's None buffer).
 *
 *   const block = new SwinBlock(96, [56, 56], 3, { windowSize: 7, shiftSize: 3 });
 *   const y = block.forward(x); // (B, 3136, 96) -> (B, 3136, 96)
 */
export class SwinBlock extends Module {
  readonly inputResolution: [number, number];
  readonly windowSize: number;
  readonly shiftSize: number;
  readonly norm1: LayerNorm;
  readonly attn: WindowAttention;
  readonly norm2: LayerNorm;
  readonly mlp: Mlp;
  readonly attnMask: Tensor | null;
  /** windowOrder for this block's shift, and its inverse (not state: PyTorch's Swin rolls and reshapes). */
  private readonly toWindows: Int32Array;
  private readonly fromWindows: Int32Array;

  constructor(readonly dim: number, inputResolution: readonly number[], readonly numHeads: number, { windowSize = 7, shiftSize = 0, mlpRatio = 4, generator }: SwinBlockOptions = {}) {
    super();
    const [H, W] = inputResolution;
    this.inputResolution = [H, W];
    this.windowSize = windowSize;
    this.shiftSize = shiftSize;
    if (inputResolution.length !== 2 || H % windowSize !== 0 || W % windowSize !== 0)
      throw new RangeError(`SwinBlock: inputResolution ${fmt(inputResolution)} must be two sizes divisible by windowSize ${windowSize}`);
    if (!Number.isInteger(shiftSize) || shiftSize < 0 || shiftSize >= windowSize)
      throw new RangeError(`SwinBlock: shiftSize must be an integer in [0, windowSize = ${windowSize}), got ${shiftSize}`);
    this.norm1 = this.registerModule('norm1', new LayerNorm(dim));
    this.attn = this.registerModule('attn', new WindowAttention(dim, windowSize, numHeads, { generator }));
    this.norm2 = this.registerModule('norm2', new LayerNorm(dim));
    this.mlp = this.registerModule('mlp', new Mlp(dim, Math.trunc(dim * mlpRatio), { generator }));
    const N = windowSize * windowSize;
    const mask = shiftSize > 0 ? fromArray(shiftedWindowMask(H, W, windowSize, shiftSize), [(H / windowSize) * (W / windowSize), N, N]) : null;
    this.attnMask = this.registerBuffer('attn_mask', mask);
    this.toWindows = windowOrder(H, W, windowSize, shiftSize);
    this.fromWindows = new Int32Array(H * W);
    this.toWindows.forEach((p, q) => (this.fromWindows[p] = q));
  }

  forward(x: Tensor): Tensor {
    const [H, W] = this.inputResolution;
    const [B, L, C] = x.shape;
    const ws = this.windowSize;
    if (x.ndim !== 3 || L !== H * W || C !== this.dim)
      throw new Error(`SwinBlock(dim=${this.dim}, resolution=${H}x${W}): expected input (B, ${H * W}, ${this.dim}), got ${fmt(x.shape)}`);
    // roll(-shift) and window_partition, attention, window_reverse and roll(+shift): the rolls and
    // partitions move tokens only, so each pair is one gather (windowOrder) instead of three copies
    const windows = gatherTokens(this.norm1.forward(x), this.toWindows).reshape([-1, ws * ws, C]); // (B*nW, N, C)
    const attended = this.attn.forward(windows, this.attnMask).reshape([B, L, C]); // windows' token order
    const y = x.add(gatherTokens(attended, this.fromWindows)); // (B, H*W, C)
    return y.add(this.mlp.forward(this.norm2.forward(y)));
  }

  override extraRepr(): string {
    return `dim=${this.dim}, input_resolution=(${this.inputResolution.join(', ')}), num_heads=${this.numHeads}, window_size=${this.windowSize}, shift_size=${this.shiftSize}`;
  }
}

/**
 * Swin patch merging (downsampling between stages): each 2 x 2 neighbourhood is concatenated in the order
 * x0 (even row, even col), x1 (odd, even), x2 (even, odd), x3 (odd, odd), normalised and projected:
 *
 *   y = reduction(norm(cat[x0, x1, x2, x3]))     (B, H*W, C) -> (B, H/2 * W/2, 2C)
 *
 * Submodules `norm` LayerNorm(4C), `reduction` Linear(4C, 2C, bias false).
 */
export class PatchMerging extends Module {
  readonly inputResolution: [number, number];
  readonly norm: LayerNorm;
  readonly reduction: Linear;

  constructor(inputResolution: readonly number[], readonly dim: number, { generator }: { generator?: Generator } = {}) {
    super();
    const [H, W] = inputResolution;
    if (inputResolution.length !== 2 || H % 2 !== 0 || W % 2 !== 0)
      throw new RangeError(`PatchMerging: inputResolution must be two even sizes, got ${fmt(inputResolution)}`);
    this.inputResolution = [H, W];
    this.norm = this.registerModule('norm', new LayerNorm(4 * dim));
    this.reduction = this.registerModule('reduction', new Linear(4 * dim, 2 * dim, { bias: false, generator }));
  }

  forward(x: Tensor): Tensor {
    const [H, W] = this.inputResolution;
    const [B, L, C] = x.shape;
    if (x.ndim !== 3 || L !== H * W || C !== this.dim)
      throw new Error(`PatchMerging(dim=${this.dim}, resolution=${H}x${W}): expected input (B, ${H * W}, ${this.dim}), got ${fmt(x.shape)}`);
    const g = x.reshape([B, H, W, C]);
    const at = (r: number, c: number) => g.slice(1, r, null, 2).slice(2, c, null, 2); // (B, H/2, W/2, C)
    const merged = cat([at(0, 0), at(1, 0), at(0, 1), at(1, 1)], -1).reshape([B, -1, 4 * C]); // (B, H/2 * W/2, 4C)
    return this.reduction.forward(this.norm.forward(merged));
  }

  override extraRepr(): string {
    return `input_resolution=(${this.inputResolution.join(', ')}), dim=${this.dim}`;
  }
}
