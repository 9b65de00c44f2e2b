/**
 * Convolutions (`torch.nn.Conv1d`, `torch.nn.Conv2d`) as one fused op each: im2col, one batched matrix
 * product through the backend, and col2im in the backward, all behind a single autograd node.
 *
 *   cols (G, Cg*kH*kW, N*OH*OW)      im2col: every receptive field laid out as a column
 *   Y    (G, Og, N*OH*OW) = W (G, Og, Cg*kH*kW) @ cols        the backend's matmul
 *   out  (N, O, OH, OW)   = Y + bias
 *
 * Backward, with dY the output gradient in Y's layout:
 *   dW = dY @ cols^T,   dcols = W^T @ dY -> col2im (adds every column back onto the input) = dx,
 *   dbias = sum of dY over N and the output positions.
 *
 * A 1-d convolution is the 2-d one with a 1-high input and kernel (no copy: the memory is the same).
 * Padding is read through index tables, so zeros, reflect, replicate and circular padding cost the same
 * and never materialise a padded input. The kernels are the backend's `im2col`, `col2im`, `convOutput` and
 * `convOutputBackward` (src/backends/reference-conv.ts is their specification).
 */
import { backend, type ConvGeometry } from '../../backends/backend.js';
import { fromArray } from '../../core/creation.js';
import { bmm } from '../../core/ops/matmul.js';
import type { Generator } from '../../core/random.js';
import { fmt } from '../../core/shape.js';
import { Tensor, withGrad } from '../../core/tensor.js';
import { calculateFanInAndFanOut, kaimingUniform_, uniform_ } from '../init.js';
import { Module } from '../module.js';
import { Parameter } from '../parameter.js';

export type PaddingMode = 'zeros' | 'reflect' | 'replicate' | 'circular';
/** Implicit padding on both sides of each spatial dim, or `'same'` (output as long as the input, stride 1) or `'valid'` (none). */
export type ConvPadding = number | readonly number[] | 'same' | 'valid';

export interface ConvOptions {
  /** Step between applications of the kernel, per spatial dim or one for all (default 1). */
  stride?: number | readonly number[];
  /** See ConvPadding (default 0). */
  padding?: ConvPadding;
  /** Spacing between kernel taps (default 1). */
  dilation?: number | readonly number[];
  /** Split input and output channels into `groups` independent convolutions (default 1). */
  groups?: number;
  /** How the padding is filled: 'zeros' (default), 'reflect', 'replicate' or 'circular'. */
  paddingMode?: PaddingMode;
}

/** A per-dim value from a number or an nd-long list. */
export function ntuple(v: number | readonly number[], nd: number, name: string, what: string): number[] {
  const t = typeof v === 'number' ? Array<number>(nd).fill(v) : [...v];
  if (t.length !== nd || t.some((x) => !Number.isInteger(x))) throw new RangeError(`${what}: ${name} must be an integer or ${nd} integers, got ${JSON.stringify(v)}`);
  return t;
}

/** The input index that padded coordinate `p` (may be < 0 or >= n) reads, or -1 for a zero. */
function source(p: number, n: number, mode: PaddingMode): number {
  if (p >= 0 && p < n) return p;
  switch (mode) {
    case 'zeros': return -1;
    case 'reflect': return p < 0 ? -p : 2 * (n - 1) - p;
    case 'replicate': return p < 0 ? 0 : n - 1;
    case 'circular': return ((p % n) + n) % n;
  }
}

/**
 * The padding index table of one spatial dim, (k, out) int32 in the heap (see ConvGeometry in
 * backend.ts): t[ki, o] = the input index kernel tap ki reads at output o, or -1 for a zero.
 */
function sourceTable(k: number, out: number, stride: number, dil: number, before: number, n: number, mode: PaddingMode): Tensor {
  const t = new Int32Array(k * out);
  for (let ki = 0; ki < k; ki++) for (let o = 0; o < out; o++) t[ki * out + o] = source(o * stride + ki * dil - before, n, mode);
  return fromArray(t, [k, out], { dtype: 'int32' });
}

/**
 * The N-d convolution (nd = 1 or 2) behind `conv1d`, `conv2d` and the modules: input (N, C, *spatial) or
 * unbatched (C, *spatial), weight (O, C / groups, *kernel), bias (O) or null.
 */
export function convolution(x: Tensor, weight: Tensor, bias: Tensor | null, opts: ConvOptions, nd: 1 | 2): Tensor {
  const what = `conv${nd}d`;
  const { stride = 1, padding = 0, dilation = 1, groups = 1, paddingMode = 'zeros' } = opts;
  if (x.ndim !== nd + 1 && x.ndim !== nd + 2)
    throw new Error(`Expected ${nd + 1}D (unbatched) or ${nd + 2}D (batched) input to ${what}, but got input of size: ${fmt(x.shape)}`);
  if (weight.ndim !== nd + 2) throw new Error(`${what}: weight must be ${nd + 2}-D (out, in / groups, ...kernel), got ${fmt(weight.shape)}`);
  if (x.dtype !== 'float32' || weight.dtype !== 'float32') throw new TypeError(`${what}: input and weight must be float32, got ${x.dtype} and ${weight.dtype}`);
  if (!Number.isInteger(groups) || groups < 1) throw new RangeError(`${what}: groups must be a positive integer, got ${groups}`);
  if (!['zeros', 'reflect', 'replicate', 'circular'].includes(paddingMode))
    throw new RangeError(`${what}: paddingMode must be 'zeros', 'reflect', 'replicate' or 'circular', got '${paddingMode}'`);
  const batched = x.ndim === nd + 2;
  const xs = batched ? x.shape : [1, ...x.shape]; // (N, C, *spatial)
  const [N, C] = xs;
  const [O, Cg] = weight.shape;
  const G = groups;
  if (O % G !== 0)
    throw new Error(`Given groups=${G}, expected weight to be divisible by ${G} at dimension 0, but got weight of size ${fmt(weight.shape)} instead`);
  if (Cg * G !== C)
    throw new Error(`Given groups=${G}, weight of size ${fmt(weight.shape)}, expected input${fmt(x.shape)} to have ${Cg * G} channels, but got ${C} channels instead`);
  if (bias && (bias.ndim !== 1 || bias.shape[0] !== O))
    throw new Error(`Given weight of size ${fmt(weight.shape)}, expected bias to be 1-dimensional with ${O} elements, but got bias of size ${fmt(bias.shape)} instead`);

  const spatial = xs.slice(2);
  const kernel = weight.shape.slice(2);
  const st = ntuple(stride, nd, 'stride', what);
  const dl = ntuple(dilation, nd, 'dilation', what);
  if (st.some((s) => s < 1)) throw new RangeError(`${what}: stride must be positive, got ${fmt(st)}`);
  if (dl.some((d) => d < 1)) throw new RangeError(`${what}: dilation must be positive, got ${fmt(dl)}`);
  let before: number[];
  let after: number[];
  if (padding === 'same') {
    if (st.some((s) => s !== 1)) throw new Error(`${what}: padding='same' is not supported for strided convolutions (stride ${fmt(st)})`);
    const total = kernel.map((k, i) => dl[i] * (k - 1));
    before = total.map((t) => Math.floor(t / 2));
    after = total.map((t, i) => t - before[i]);
  } else if (padding === 'valid') {
    before = after = Array<number>(nd).fill(0);
  } else {
    before = after = ntuple(padding, nd, 'padding', what);
    if (before.some((p) => p < 0)) throw new RangeError(`${what}: padding must be non-negative, got ${fmt(before)}`);
  }
  spatial.forEach((n, i) => {
    const pmax = Math.max(before[i], after[i]);
    if ((paddingMode === 'reflect' && pmax >= n) || (paddingMode === 'circular' && pmax > n))
      throw new Error(`${what}: ${paddingMode} padding ${pmax} is too large for input ${fmt(x.shape)} (spatial size ${n})`);
  });
  const padded = spatial.map((n, i) => n + before[i] + after[i]);
  const extent = kernel.map((k, i) => dl[i] * (k - 1) + 1);
  if (padded.some((p, i) => p < extent[i]))
    throw new Error(
      `${what}: calculated padded input size per channel: (${padded.join(' x ')}). Kernel size: (${extent.join(' x ')}). ` +
        `Kernel size can't be greater than actual input size (input ${fmt(x.shape)}, weight ${fmt(weight.shape)})`,
    );
  const outSpatial = padded.map((p, i) => Math.floor((p - extent[i]) / st[i]) + 1);

  // the 1-d case as 2-d with height 1
  const two = <T>(a: T[], one: T): T[] => (nd === 1 ? [one, a[0]] : a);
  const [H, W] = two(spatial, 1);
  const [kH, kW] = two(kernel, 1);
  const [OH, OW] = two(outSpatial, 1);
  const [sH, sW] = two(st, 1);
  const [dH, dW] = two(dl, 1);
  const [bH, bW] = two(before, 0);
  const rowSrc = sourceTable(kH, OH, sH, dH, bH, H, paddingMode); // (kH, OH) int32
  const colSrc = sourceTable(kW, OW, sW, dW, bW, W, paddingMode); // (kW, OW)
  // a function, not a value: the backward closure then holds the tables themselves, so they stay allocated
  const geo = (): ConvGeometry => ({ N, C, H, W, kH, kW, OH, OW, rowSrc: rowSrc.base, colSrc: colSrc.base });
  const K = Cg * kH * kW;
  const P = OH * OW;
  const outShape = batched ? [N, O, ...outSpatial] : [O, ...outSpatial];

  const xc = x.detach().contiguous(); // (N, C, H, W) in memory
  const wc = weight.detach().contiguous();
  const w3 = wc.reshape([G, O / G, K]); // (G, Og, K)
  const bc = bias ? bias.detach().contiguous() : null;
  const cols = Tensor.empty([G, K, N * P]); // (C*kH*kW, N*P) grouped
  backend().im2col(xc.base, cols.base, geo());
  const y = bmm(w3, cols); // (G, Og, N*P) = (O, N, P)
  const out = Tensor.empty(outShape);
  backend().convOutput(y.base, bc ? bc.base : -1, out.base, N, O, P);
  const saved = weight.requiresGrad ? cols : null; // the columns are kept only for dW

  const inputs = bias ? [x, weight, bias] : [x, weight];
  return withGrad(what, out, inputs, (g) => {
    const gc = g.contiguous();
    const dy = Tensor.empty([G, O / G, N * P]); // (O, N, P)
    const db = bias?.requiresGrad ? Tensor.empty([O]) : null;
    backend().convOutputBackward(gc.base, dy.base, db ? db.base : -1, N, O, P);
    const dw = saved ? weightGrad(dy, saved).reshape([...weight.shape]) : null; // (G, Og, K) -> weight
    let dx: Tensor | null = null;
    if (x.requiresGrad) {
      const dcols = bmm(w3.transpose(-1, -2), dy); // (G, K, N*P)
      dx = Tensor.empty(x.shape).fill_(0);
      backend().col2im(dcols.base, dx.base, geo());
    }
    return bias ? [dx, dw, db] : [dx, dw];
  });
}

/**
 * dW (G, Og, K) = dY (G, Og, N*P) @ cols^T. With fewer taps than output channels (a first layer on one
 * grey channel: K = 9, Og = 32) it is computed as (cols @ dY^T)^T instead, so that the product's columns
 * are the longer side: the sgemm's register tile is 8 columns wide, and 9 columns fill two tiles
 * (1.8 ms against 0.9 ms for the CNN's first layer). Each element sums the same products in the same
 * order either way.
 */
function weightGrad(dy: Tensor, cols: Tensor): Tensor {
  const Og = dy.shape[1];
  const K = cols.shape[1];
  if (K >= Og) return bmm(dy, cols.transpose(-1, -2)); // (G, Og, K)
  return bmm(cols, dy.transpose(-1, -2)).transpose(-1, -2); // (G, K, Og) -> (G, Og, K)
}

/**
 * `torch.nn.functional.conv1d`: input (N, C, L) or (C, L), weight (O, C / groups, k), bias (O) or null
 * -> (N, O, Lout), Lout = floor((L + 2 pad - dilation (k - 1) - 1) / stride) + 1.
 */
export function conv1d(x: Tensor, weight: Tensor, bias: Tensor | null = null, opts: ConvOptions = {}): Tensor {
  return convolution(x, weight, bias, opts, 1);
}

/**
 * `torch.nn.functional.conv2d`: input (N, C, H, W) or (C, H, W), weight (O, C / groups, kH, kW), bias (O)
 * or null -> (N, O, OH, OW), each output size floor((in + 2 pad - dilation (k - 1) - 1) / stride) + 1.
 */
export function conv2d(x: Tensor, weight: Tensor, bias: Tensor | null = null, opts: ConvOptions = {}): Tensor {
  return convolution(x, weight, bias, opts, 2);
}

export interface ConvModuleOptions extends ConvOptions {
  /** Learn an additive bias per output channel (default true). */
  bias?: boolean;
  /** Generator for the initial values (default: the global one). */
  generator?: Generator;
}

const pyTuple = (t: readonly number[]): string => (t.length === 1 ? `(${t[0]},)` : `(${t.join(', ')})`);

/** What Conv1d and Conv2d share: arguments, parameters, PyTorch's initialisation and repr. */
abstract class ConvNd extends Module {
  readonly kernelSize: number[];
  readonly stride: number[];
  readonly padding: number[] | 'same' | 'valid';
  readonly dilation: number[];
  readonly groups: number;
  readonly paddingMode: PaddingMode;
  readonly weight: Tensor;
  readonly bias: Tensor | null;

  protected constructor(
    private readonly nd: 1 | 2,
    readonly inChannels: number,
    readonly outChannels: number,
    kernelSize: number | readonly number[],
    { stride = 1, padding = 0, dilation = 1, groups = 1, bias = true, paddingMode = 'zeros', generator }: ConvModuleOptions,
  ) {
    super();
    const what = `Conv${nd}d`;
    for (const [k, v] of [['inChannels', inChannels], ['outChannels', outChannels], ['groups', groups]] as const)
      if (!Number.isInteger(v) || v < (k === 'groups' ? 1 : 0)) throw new RangeError(`${what}: ${k} must be a ${k === 'groups' ? 'positive' : 'non-negative'} integer, got ${v}`);
    if (inChannels % groups !== 0) throw new RangeError(`${what}: in_channels (${inChannels}) must be divisible by groups (${groups})`);
    if (outChannels % groups !== 0) throw new RangeError(`${what}: out_channels (${outChannels}) must be divisible by groups (${groups})`);
    if (!['zeros', 'reflect', 'replicate', 'circular'].includes(paddingMode))
      throw new RangeError(`${what}: padding_mode must be one of 'zeros', 'reflect', 'replicate', 'circular', got '${paddingMode}'`);
    this.kernelSize = ntuple(kernelSize, nd, 'kernel_size', what);
    if (this.kernelSize.some((k) => k < 1)) throw new RangeError(`${what}: kernel_size must be positive, got ${fmt(this.kernelSize)}`);
    this.stride = ntuple(stride, nd, 'stride', what);
    this.dilation = ntuple(dilation, nd, 'dilation', what);
    if (typeof padding === 'string') {
      if (padding !== 'same' && padding !== 'valid') throw new RangeError(`${what}: invalid padding string '${padding}', should be one of 'valid', 'same'`);
      if (padding === 'same' && this.stride.some((s) => s !== 1)) throw new RangeError(`${what}: padding='same' is not supported for strided convolutions`);
      this.padding = padding;
    } else this.padding = ntuple(padding, nd, 'padding', what);
    this.groups = groups;
    this.paddingMode = paddingMode;
    this.weight = this.registerParameter('weight', Parameter(Tensor.empty([outChannels, inChannels / groups, ...this.kernelSize])));
    this.bias = this.registerParameter('bias', bias ? Parameter(Tensor.empty([outChannels])) : null);
    this.resetParameters(generator);
  }

  /** PyTorch's `reset_parameters`: weight kaiming_uniform(a = sqrt 5), bias U(-1/sqrt(fan_in), 1/sqrt(fan_in)). */
  resetParameters(generator?: Generator): void {
    const { fanIn } = calculateFanInAndFanOut(this.weight);
    if (fanIn === 0) {
      this.weight.fill_(0);
      this.bias?.fill_(0);
      return;
    }
    kaimingUniform_(this.weight, Math.sqrt(5), { generator });
    if (this.bias) uniform_(this.bias, -1 / Math.sqrt(fanIn), 1 / Math.sqrt(fanIn), generator);
  }

  forward(x: Tensor): Tensor {
    const { stride, padding, dilation, groups, paddingMode } = this;
    return convolution(x, this.weight, this.bias, { stride, padding, dilation, groups, paddingMode }, this.nd);
  }

  override extraRepr(): string {
    let s = `${this.inChannels}, ${this.outChannels}, kernel_size=${pyTuple(this.kernelSize)}, stride=${pyTuple(this.stride)}`;
    if (typeof this.padding === 'string') s += `, padding=${this.padding}`;
    else if (this.padding.some((p) => p !== 0)) s += `, padding=${pyTuple(this.padding)}`;
    if (this.dilation.some((d) => d !== 1)) s += `, dilation=${pyTuple(this.dilation)}`;
    if (this.groups !== 1) s += `, groups=${this.groups}`;
    if (!this.bias) s += ', bias=False';
    if (this.paddingMode !== 'zeros') s += `, padding_mode=${this.paddingMode}`;
    return s;
  }
}

/**
 * `torch.nn.Conv1d`: out[n, o] = bias[o] + sum_c weight[o, c] (*) input[n, g(o) * C/groups + c], a
 * cross-correlation over the length.
 *
 * Shapes: input (N, C_in, L) or (C_in, L) -> (N, C_out, L_out),
 * L_out = floor((L + 2 padding - dilation (kernelSize - 1) - 1) / stride) + 1. Parameters: `weight`
 * (C_out, C_in / groups, kernelSize), `bias` (C_out). Defaults: stride 1, padding 0, dilation 1,
 * groups 1, bias true, paddingMode 'zeros'. Initialisation as PyTorch (kaiming_uniform a = sqrt 5; bias
 * U(+-1/sqrt(fan_in))).
 *
 *   const conv = new Conv1d(16, 32, 3, { padding: 'same' });
 *   const y = conv.forward(x); // (B, 16, T) -> (B, 32, T)
 */
export class Conv1d extends ConvNd {
  constructor(inChannels: number, outChannels: number, kernelSize: number | readonly number[], opts: ConvModuleOptions = {}) {
    super(1, inChannels, outChannels, kernelSize, opts);
  }
}

/**
 * `torch.nn.Conv2d`: out[n, o] = bias[o] + sum_c weight[o, c] (*) input[n, g(o) * C/groups + c], a 2-d
 * cross-correlation.
 *
 * Shapes: input (N, C_in, H, W) or (C_in, H, W) -> (N, C_out, H_out, W_out), each
 * out = floor((in + 2 padding - dilation (k - 1) - 1) / stride) + 1. Parameters: `weight`
 * (C_out, C_in / groups, kH, kW), `bias` (C_out). `kernelSize`, `stride`, `padding`, `dilation` take a
 * number or a pair; `padding` also 'same' or 'valid'. Defaults: stride 1, padding 0, dilation 1,
 * groups 1, bias true, paddingMode 'zeros'. Initialisation as PyTorch.
 *
 *   const conv = new Conv2d(3, 16, 3, { stride: 2, padding: 1 });
 *   const y = conv.forward(img); // (B, 3, 32, 32) -> (B, 16, 16, 16)
 */
export class Conv2d extends ConvNd {
  constructor(inChannels: number, outChannels: number, kernelSize: number | readonly number[], opts: ConvModuleOptions = {}) {
    super(2, inChannels, outChannels, kernelSize, opts);
  }
}
