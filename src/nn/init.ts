/**
 * Weight initialisation, as `torch.nn.init`: each function fills a tensor in place (no autograd) from the
 * seeded generator (the global one unless a generator is given) and returns it.
 *
 * The bounds and standard deviations are PyTorch's; the random streams are Loom's own, so the values
 * differ from PyTorch's for the same seed while following the same distributions.
 */
import { backend, type GeneratorState } from '../backends/backend.js';
import { drawFrom } from '../backends/random-state.js';
import { defaultGenerator, type Generator } from '../core/random.js';
import { fmt } from '../core/shape.js';
import { Tensor } from '../core/tensor.js';

export type Nonlinearity =
  | 'linear' | 'conv1d' | 'conv2d' | 'conv3d' | 'sigmoid' | 'tanh' | 'relu' | 'leaky_relu' | 'selu';
export type FanMode = 'fan_in' | 'fan_out';

/**
 * Fills every element of a float32 tensor in order by the random kernel `draw` (a contiguous scratch
 * copy for strided views), from `generator`'s state, which it leaves advanced.
 */
function fillWith(t: Tensor, generator: Generator, draw: (out: number, n: number, state: GeneratorState) => void): Tensor {
  if (t.dtype !== 'float32') throw new TypeError(`init: expected a float32 tensor, got ${t.dtype}`);
  const dst = t.isContiguous() ? t : Tensor.empty(t.shape);
  drawFrom(generator, (state) => draw(dst.base, dst.numel, state));
  if (dst !== t) t.copy_(dst);
  return t;
}

/** Fills with U(a, b). */
export function uniform_(t: Tensor, a = 0, b = 1, generator: Generator = defaultGenerator): Tensor {
  if (!(b >= a)) throw new RangeError(`uniform_: expected a <= b, got a=${a}, b=${b}`);
  return fillWith(t, generator, (out, n, state) => backend().uniform(out, n, a, b, state));
}

/** Fills with N(mean, std^2). */
export function normal_(t: Tensor, mean = 0, std = 1, generator: Generator = defaultGenerator): Tensor {
  if (!(std >= 0)) throw new RangeError(`normal_: std must be non-negative, got ${std}`);
  return fillWith(t, generator, (out, n, state) => backend().normal(out, n, mean, std, state));
}

export function constant_(t: Tensor, value: number): Tensor {
  return t.isContiguous() ? t.fill_(value) : t.copy_(Tensor.empty([]).fill_(value));
}
export const zeros_ = (t: Tensor): Tensor => constant_(t, 0);
export const ones_ = (t: Tensor): Tensor => constant_(t, 1);

/**
 * PyTorch's `calculate_gain`: the factor that keeps activations' variance stable through a nonlinearity.
 * linear/conv/sigmoid 1, tanh 5/3, relu sqrt(2), leaky_relu sqrt(2 / (1 + slope^2)) (slope 0.01 by
 * default), selu 3/4.
 */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  switch (nonlinearity) {
    case 'linear': case 'conv1d': case 'conv2d': case 'conv3d': case 'sigmoid': return 1;
    case 'tanh': return 5 / 3;
    case 'relu': return Math.SQRT2;
    case 'leaky_relu': {
      const slope = param ?? 0.01;
      return Math.sqrt(2 / (1 + slope * slope));
    }
    case 'selu': return 3 / 4;
    default: throw new Error(`calculateGain: unsupported nonlinearity ${String(nonlinearity)}`);
  }
}

/**
 * fan_in = size(1) * receptive field, fan_out = size(0) * receptive field, where the receptive field is
 * the product of the dims after the first two (1 for a Linear weight [out, in]).
 */
export function calculateFanInAndFanOut(t: Tensor): { fanIn: number; fanOut: number } {
  if (t.ndim < 2)
    throw new Error(`calculateFanInAndFanOut: fan in and fan out can not be computed for a tensor with fewer than 2 dimensions, got ${fmt(t.shape)}`);
  let receptive = 1;
  for (let i = 2; i < t.ndim; i++) receptive *= t.shape[i];
  return { fanIn: t.shape[1] * receptive, fanOut: t.shape[0] * receptive };
}

export interface KaimingOptions {
  mode?: FanMode;
  nonlinearity?: Nonlinearity;
  generator?: Generator;
}

function kaimingStd(t: Tensor, a: number, mode: FanMode, nonlinearity: Nonlinearity): number {
  const { fanIn, fanOut } = calculateFanInAndFanOut(t);
  const fan = mode === 'fan_in' ? fanIn : fanOut;
  if (fan === 0) throw new Error(`kaiming init: ${mode} is 0 for a tensor of shape ${fmt(t.shape)}`);
  return calculateGain(nonlinearity, a) / Math.sqrt(fan);
}

/**
 * He uniform: U(-bound, bound), bound = gain * sqrt(3 / fan), gain = calculateGain(nonlinearity, a).
 * PyTorch's Linear default, a = sqrt(5), gives bound = 1 / sqrt(fan_in).
 */
export function kaimingUniform_(t: Tensor, a = 0, { mode = 'fan_in', nonlinearity = 'leaky_relu', generator }: KaimingOptions = {}): Tensor {
  const bound = Math.sqrt(3) * kaimingStd(t, a, mode, nonlinearity);
  return uniform_(t, -bound, bound, generator);
}

/** He normal: N(0, std^2), std = gain / sqrt(fan). */
export function kaimingNormal_(t: Tensor, a = 0, { mode = 'fan_in', nonlinearity = 'leaky_relu', generator }: KaimingOptions = {}): Tensor {
  return normal_(t, 0, kaimingStd(t, a, mode, nonlinearity), generator);
}

/** Glorot uniform: U(-a, a), a = gain * sqrt(6 / (fan_in + fan_out)). */
export function xavierUniform_(t: Tensor, gain = 1, generator?: Generator): Tensor {
  const { fanIn, fanOut } = calculateFanInAndFanOut(t);
  const a = gain * Math.sqrt(6 / (fanIn + fanOut));
  return uniform_(t, -a, a, generator);
}

/** Glorot normal: N(0, std^2), std = gain * sqrt(2 / (fan_in + fan_out)). */
export function xavierNormal_(t: Tensor, gain = 1, generator?: Generator): Tensor {
  const { fanIn, fanOut } = calculateFanInAndFanOut(t);
  return normal_(t, 0, gain * Math.sqrt(2 / (fanIn + fanOut)), generator);
}
