/**
 * 2-d pooling (`torch.nn.MaxPool2d`, `AvgPool2d`, `AdaptiveAvgPool2d`), each one fused op over the
 * (N*C) planes of an (N, C, H, W) or (C, H, W) input, its forward and backward kernels side by side.
 * The kernels are the backend's `maxPool`, `avgPool` and their backward (src/backends/reference-pool.ts
 * is their specification); average windows are an int32 table in the heap, built here.
 */
import { backend, type PoolWindow } from '../../backends/backend.js';
import { fromArray } from '../../core/creation.js';
import { fmt } from '../../core/shape.js';
import { Tensor, withGrad } from '../../core/tensor.js';
import { ntuple } from './conv.js';
import { Module } from '../module.js';

/** The planes of a 3-d or 4-d input: [leading dims, planes, H, W]. */
function planesOf(x: Tensor, what: string): [number[], number, number, number] {
  if (x.ndim !== 3 && x.ndim !== 4) throw new Error(`${what}: expected 3D (C, H, W) or 4D (N, C, H, W) input, but got input of size: ${fmt(x.shape)}`);
  if (x.dtype !== 'float32') throw new TypeError(`${what}: input must be float32, got ${x.dtype}`);
  const lead = x.shape.slice(0, -2);
  const [H, W] = x.shape.slice(-2);
  return [lead, lead.reduce((a, b) => a * b, 1), H, W];
}

/** PyTorch's `pooling_output_shape`: floor (or ceil) division, and with ceilMode no window starting in the right padding. */
function pooledSize(n: number, k: number, pad: number, stride: number, dil: number, ceil: boolean): number {
  const span = n + 2 * pad - dil * (k - 1) - 1 + (ceil ? stride - 1 : 0);
  let out = Math.floor(span / stride) + 1;
  if (ceil && (out - 1) * stride >= n + pad) out--;
  return out;
}

interface PoolGeometry {
  k: number[];
  s: number[];
  p: number[];
  d: number[];
  out: number[];
}

function poolGeometry(
  x: Tensor, what: string, kernelSize: number | readonly number[], stride: number | readonly number[] | null | undefined,
  padding: number | readonly number[], dilation: number | readonly number[], ceilMode: boolean, maxPool: boolean,
): PoolGeometry {
  const [H, W] = x.shape.slice(-2);
  const k = ntuple(kernelSize, 2, 'kernel_size', what);
  const s = stride === null || stride === undefined || (Array.isArray(stride) && stride.length === 0) ? k : ntuple(stride, 2, 'stride', what);
  const p = ntuple(padding, 2, 'padding', what);
  const d = ntuple(dilation, 2, 'dilation', what);
  if (k.some((v) => v < 1) || s.some((v) => v < 1) || d.some((v) => v < 1))
    throw new RangeError(`${what}: kernel_size, stride and dilation must be positive, got ${fmt(k)}, ${fmt(s)}, ${fmt(d)}`);
  for (let i = 0; i < 2; i++) {
    const limit = maxPool ? ((k[i] - 1) * d[i] + 1) / 2 : k[i] / 2;
    if (p[i] < 0 || p[i] > limit)
      throw new RangeError(`${what}: pad should be at most half of ${maxPool ? 'effective ' : ''}kernel size, but got pad=${p[i]}, kernel_size=${k[i]}${maxPool ? ` and dilation=${d[i]}` : ''}`);
  }
  const out = [pooledSize(H, k[0], p[0], s[0], d[0], ceilMode), pooledSize(W, k[1], p[1], s[1], d[1], ceilMode)];
  if (out[0] < 1 || out[1] < 1)
    throw new Error(`${what}: given input size ${fmt(x.shape)}, calculated output size (${out.join('x')}) is too small (kernel ${fmt(k)}, stride ${fmt(s)}, padding ${fmt(p)})`);
  return { k, s, p, d, out };
}

// ---- max pooling -------------------------------------------------------------------------------

/** The backend's view of a max-pooling geometry. */
function poolWindow(g: PoolGeometry): PoolWindow {
  return { kH: g.k[0], kW: g.k[1], sH: g.s[0], sW: g.s[1], pH: g.p[0], pW: g.p[1], dH: g.d[0], dW: g.d[1], OH: g.out[0], OW: g.out[1] };
}

export interface MaxPool2dOptions {
  /** Window step (default: kernelSize). */
  stride?: number | readonly number[] | null;
  /** Implicit -inf padding on both sides, at most half the (dilated) kernel (default 0). */
  padding?: number | readonly number[];
  /** Spacing between window taps (default 1). */
  dilation?: number | readonly number[];
  /** Round the output size up instead of down (default false). */
  ceilMode?: boolean;
  /** Also return the argmax indices (flat h * W + w per plane, int32) (default false). */
  returnIndices?: boolean;
}

/**
 * `torch.nn.functional.max_pool2d`: the maximum over each kH x kW window. Input (N, C, H, W) or (C, H, W)
 * -> (N, C, OH, OW), OH = floor((H + 2 padding - dilation (kH - 1) - 1) / stride) + 1 (ceil with
 * ceilMode). With `returnIndices`, returns [output, indices].
 */
export function maxPool2d(x: Tensor, kernelSize: number | readonly number[], opts: MaxPool2dOptions & { returnIndices: true }): [Tensor, Tensor];
export function maxPool2d(x: Tensor, kernelSize: number | readonly number[], opts?: MaxPool2dOptions): Tensor;
export function maxPool2d(x: Tensor, kernelSize: number | readonly number[], opts: MaxPool2dOptions = {}): Tensor | [Tensor, Tensor] {
  const { stride = null, padding = 0, dilation = 1, ceilMode = false, returnIndices = false } = opts;
  const [lead, planes, H, W] = planesOf(x, 'max_pool2d');
  const g = poolGeometry(x, 'max_pool2d', kernelSize, stride, padding, dilation, ceilMode, true);
  const P = g.out[0] * g.out[1];
  const xc = x.detach().contiguous();
  const y = Tensor.empty([...lead, ...g.out]);
  const idx = Tensor.empty([...lead, ...g.out], 'int32');
  backend().maxPool(xc.base, y.base, idx.base, planes, H, W, poolWindow(g));
  const out = withGrad('max_pool2d', y, [x], (dy) => {
    const dyc = dy.contiguous();
    const dx = Tensor.empty(x.shape); // the kernel writes every element
    backend().maxPoolBackward(dyc.base, idx.base, dx.base, planes, H * W, P);
    return [dx];
  });
  return returnIndices ? [out, idx] : out;
}

/**
 * `torch.nn.MaxPool2d`: y[n, c, i, j] = max over the window at (i stride, j stride) of the (-inf padded)
 * input. Shapes: (N, C, H, W) or (C, H, W) -> (N, C, OH, OW); no parameters. Defaults: stride =
 * kernelSize, padding 0, dilation 1, ceilMode false.
 *
 *   const pool = new MaxPool2d(2);
 *   const y = pool.forward(x); // (B, 16, 28, 28) -> (B, 16, 14, 14)
 */
export class MaxPool2d<WithIndices extends boolean = false> extends Module {
  readonly stride: number | readonly number[];
  readonly padding: number | readonly number[];
  readonly dilation: number | readonly number[];
  readonly ceilMode: boolean;
  readonly returnIndices: WithIndices;

  constructor(
    readonly kernelSize: number | readonly number[],
    { stride = null, padding = 0, dilation = 1, ceilMode = false, returnIndices }: MaxPool2dOptions & { returnIndices?: WithIndices } = {},
  ) {
    super();
    this.stride = stride ?? kernelSize;
    this.padding = padding;
    this.dilation = dilation;
    this.ceilMode = ceilMode;
    this.returnIndices = (returnIndices ?? false) as WithIndices;
  }

  /** The pooled input, or [pooled, indices] when built with `returnIndices: true`. */
  forward(x: Tensor): WithIndices extends true ? [Tensor, Tensor] : Tensor {
    const { stride, padding, dilation, ceilMode, returnIndices } = this;
    return maxPool2d(x, this.kernelSize, { stride, padding, dilation, ceilMode, returnIndices }) as WithIndices extends true ? [Tensor, Tensor] : Tensor;
  }

  override extraRepr(): string {
    return `kernel_size=${this.kernelSize}, stride=${this.stride}, padding=${this.padding}, dilation=${this.dilation}, ceil_mode=${this.ceilMode}`;
  }
}

// ---- average pooling ---------------------------------------------------------------------------

/**
 * PyTorch's window arithmetic: the window [h0, h1) x [w0, w1) clipped to the input, and the divisor: the
 * window size clipped only to the padded input (countIncludePad), the clipped size, or divisorOverride.
 */
function avgWindows(H: number, W: number, g: PoolGeometry, countIncludePad: boolean, divisorOverride: number | null): Tensor {
  const [OH, OW] = g.out;
  const win = new Int32Array(OH * OW * 5); // h0, h1, w0, w1, divisor
  for (let oh = 0; oh < OH; oh++)
    for (let ow = 0; ow < OW; ow++) {
      let h0 = oh * g.s[0] - g.p[0];
      let w0 = ow * g.s[1] - g.p[1];
      let h1 = Math.min(h0 + g.k[0], H + g.p[0]);
      let w1 = Math.min(w0 + g.k[1], W + g.p[1]);
      const poolSize = (h1 - h0) * (w1 - w0);
      h0 = Math.max(h0, 0);
      w0 = Math.max(w0, 0);
      h1 = Math.min(h1, H);
      w1 = Math.min(w1, W);
      const o = (oh * OW + ow) * 5;
      win[o] = h0;
      win[o + 1] = h1;
      win[o + 2] = w0;
      win[o + 3] = w1;
      win[o + 4] = divisorOverride ?? (countIncludePad ? poolSize : (h1 - h0) * (w1 - w0));
    }
  return fromArray(win, [OH * OW, 5], { dtype: 'int32' });
}

/**
 * Average over windows [h0, h1) x [w0, w1) given per output position (`win`, (P, 5) int32: h0, h1, w0,
 * w1, divisor); shared by avg and adaptive pooling.
 */
function windowedMean(x: Tensor, lead: number[], planes: number, H: number, W: number, out: number[], win: Tensor, name: string): Tensor {
  const P = out[0] * out[1];
  const xc = x.detach().contiguous();
  const y = Tensor.empty([...lead, ...out]);
  backend().avgPool(xc.base, y.base, planes, H, W, P, win.base);
  return withGrad(name, y, [x], (dy) => {
    const dyc = dy.contiguous();
    const dx = Tensor.empty(x.shape); // the kernel writes every element
    backend().avgPoolBackward(dyc.base, dx.base, planes, H, W, P, win.base);
    return [dx];
  });
}

export interface AvgPool2dOptions {
  /** Window step (default: kernelSize). */
  stride?: number | readonly number[] | null;
  /** Implicit zero padding on both sides, at most half the kernel (default 0). */
  padding?: number | readonly number[];
  /** Round the output size up instead of down (default false). */
  ceilMode?: boolean;
  /** Count the zero padding in the divisor (default true). */
  countIncludePad?: boolean;
  /** Divide by this instead of the window size (default null). */
  divisorOverride?: number | null;
}

/**
 * `torch.nn.functional.avg_pool2d`: the mean over each kH x kW window. Input (N, C, H, W) or (C, H, W) ->
 * (N, C, OH, OW), OH = floor((H + 2 padding - kH) / stride) + 1 (ceil with ceilMode).
 */
export function avgPool2d(x: Tensor, kernelSize: number | readonly number[], opts: AvgPool2dOptions = {}): Tensor {
  const { stride = null, padding = 0, ceilMode = false, countIncludePad = true, divisorOverride = null } = opts;
  const [lead, planes, H, W] = planesOf(x, 'avg_pool2d');
  if (divisorOverride !== null && !(Number.isInteger(divisorOverride) && divisorOverride !== 0))
    throw new RangeError(`avg_pool2d: divisor must be a non-zero integer, got ${divisorOverride}`);
  const g = poolGeometry(x, 'avg_pool2d', kernelSize, stride, padding, 1, ceilMode, false);
  return windowedMean(x, lead, planes, H, W, g.out, avgWindows(H, W, g, countIncludePad, divisorOverride), 'avg_pool2d');
}

/**
 * `torch.nn.AvgPool2d`: y[n, c, i, j] = mean over the window at (i stride, j stride). Shapes: (N, C, H, W)
 * or (C, H, W) -> (N, C, OH, OW); no parameters. Defaults: stride = kernelSize, padding 0, ceilMode
 * false, countIncludePad true (zero padding counts in the divisor), divisorOverride null.
 *
 *   const pool = new AvgPool2d(3, { stride: 1, padding: 1, countIncludePad: false });
 */
export class AvgPool2d extends Module {
  readonly stride: number | readonly number[];
  readonly padding: number | readonly number[];
  readonly ceilMode: boolean;
  readonly countIncludePad: boolean;
  readonly divisorOverride: number | null;

  constructor(readonly kernelSize: number | readonly number[], { stride = null, padding = 0, ceilMode = false, countIncludePad = true, divisorOverride = null }: AvgPool2dOptions = {}) {
    super();
    this.stride = stride ?? kernelSize;
    this.padding = padding;
    this.ceilMode = ceilMode;
    this.countIncludePad = countIncludePad;
    this.divisorOverride = divisorOverride;
  }

  forward(x: Tensor): Tensor {
    const { stride, padding, ceilMode, countIncludePad, divisorOverride } = this;
    return avgPool2d(x, this.kernelSize, { stride, padding, ceilMode, countIncludePad, divisorOverride });
  }

  override extraRepr(): string {
    return `kernel_size=${this.kernelSize}, stride=${this.stride}, padding=${this.padding}`;
  }
}

// ---- adaptive average pooling ------------------------------------------------------------------

/** An output size: a number for both dims, or a pair whose null entries keep the input's size. */
export type AdaptiveSize = number | readonly (number | null)[];

/**
 * `torch.nn.functional.adaptive_avg_pool2d`: output (N, C, oh, ow) whatever the input size; output cell i
 * averages input rows floor(i H / oh) to ceil((i + 1) H / oh) (exclusive), the same for columns.
 */
export function adaptiveAvgPool2d(x: Tensor, outputSize: AdaptiveSize): Tensor {
  const [lead, planes, H, W] = planesOf(x, 'adaptive_avg_pool2d');
  const sizes = typeof outputSize === 'number' ? [outputSize, outputSize] : [...outputSize];
  if (sizes.length !== 2) throw new RangeError(`adaptive_avg_pool2d: output_size must be 2 numbers, got ${JSON.stringify(outputSize)}`);
  const out = [sizes[0] ?? H, sizes[1] ?? W];
  if (out.some((o) => !Number.isInteger(o) || o < 0)) throw new RangeError(`adaptive_avg_pool2d: output_size must be non-negative integers, got ${fmt(out)}`);
  if ((H === 0 || W === 0) && out[0] * out[1] > 0) throw new Error(`adaptive_avg_pool2d: input ${fmt(x.shape)} has an empty spatial dim`);
  const win = new Int32Array(out[0] * out[1] * 5);
  for (let i = 0; i < out[0]; i++)
    for (let j = 0; j < out[1]; j++) {
      const o = (i * out[1] + j) * 5;
      win[o] = Math.floor((i * H) / out[0]);
      win[o + 1] = Math.ceil(((i + 1) * H) / out[0]);
      win[o + 2] = Math.floor((j * W) / out[1]);
      win[o + 3] = Math.ceil(((j + 1) * W) / out[1]);
      win[o + 4] = (win[o + 1] - win[o]) * (win[o + 3] - win[o + 2]);
    }
  return windowedMean(x, lead, planes, H, W, out, fromArray(win, [out[0] * out[1], 5], { dtype: 'int32' }), 'adaptive_avg_pool2d');
}

/**
 * `torch.nn.AdaptiveAvgPool2d`: averages each plane down to `outputSize` (a number, or [h, w] with null
 * keeping that input dim). `new AdaptiveAvgPool2d(1)` is global average pooling:
 *
 *   const gap = new AdaptiveAvgPool2d(1);
 *   const y = gap.forward(x).flatten(1); // (B, C, H, W) -> (B, C, 1, 1) -> (B, C)
 */
export class AdaptiveAvgPool2d extends Module {
  constructor(readonly outputSize: AdaptiveSize) {
    super();
  }

  forward(x: Tensor): Tensor {
    return adaptiveAvgPool2d(x, this.outputSize);
  }

  override extraRepr(): string {
    return `output_size=${JSON.stringify(this.outputSize)}`;
  }
}
