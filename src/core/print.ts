/**
 * Printing in PyTorch's layout (torch/_tensor_str.py): `tensor([[0.1000, 2.0000], ...], requiresGrad=true)`.
 *
 * Floats are printed with 4 decimals, as `1.` when every value is an integer, and in scientific notation
 * when the nonzero magnitudes span more than 1000x, exceed 1e8 or (non-integers) fall below 1e-4. All
 * elements are padded to one width; rows wrap at 80 columns; tensors of more than 1000 elements show the
 * first and last 3 entries of each dim.
 */
import type { Tensor } from './tensor.js';

const EDGE = 3; // items kept at each end of a long dim
const LIMIT = 1000; // summarise tensors with more elements
const LINE_WIDTH = 80;
const PREFIX = 'tensor(';

export function formatTensor(t: Tensor): string {
  const data = t.toArray();
  const summarise = t.numel > LIMIT;
  const strides = t.shape.map((_, d) => t.shape.slice(d + 1).reduce((a, b) => a * b, 1));
  const shownIndices = (d: number): number[] =>
    summarise && t.shape[d] > 2 * EDGE ? [...range(0, EDGE), -1, ...range(t.shape[d] - EDGE, t.shape[d])] : range(0, t.shape[d]);
  // the formatter sees only the values that are shown, as PyTorch's does
  const shown: number[] = [];
  const collect = (d: number, off: number): void => {
    if (d === t.ndim) shown.push(data[off]);
    else for (const i of shownIndices(d)) if (i >= 0) collect(d + 1, off + i * strides[d]);
  };
  collect(0, 0);
  const { item, width } = formatter(t.dtype, shown);
  const pad = (s: string) => s.padStart(width);

  const build = (d: number, off: number, indent: number): string => {
    if (d === t.ndim) return pad(item(data[off]));
    const idx = shownIndices(d);
    if (d === t.ndim - 1) {
      const items = idx.map((i) => (i < 0 ? ' ...' : pad(item(data[off + i * strides[d]]))));
      const perLine = Math.max(1, Math.floor((LINE_WIDTH - indent) / (width + 2)));
      const lines: string[] = [];
      for (let i = 0; i < items.length; i += perLine) lines.push(items.slice(i, i + perLine).join(', '));
      return '[' + lines.join(',\n' + ' '.repeat(indent + 1)) + ']';
    }
    const parts = idx.map((i) => (i < 0 ? '...' : build(d + 1, off + i * strides[d], indent + 1)));
    return '[' + parts.join(',' + '\n'.repeat(t.ndim - 1 - d) + ' '.repeat(indent + 1)) + ']';
  };
  const extras: string[] = [];
  if (t.dtype !== 'float32') extras.push(`dtype=${t.dtype}`);
  if (t.gradFn) extras.push(`gradFn=<${t.gradFn.name}>`);
  else if (t.requiresGrad) extras.push('requiresGrad=true');
  return `${PREFIX}${build(0, 0, PREFIX.length)}${extras.map((e) => ', ' + e).join('')})`;
}

/** How one element is written, and the width every element is padded to (PyTorch's _Formatter). */
function formatter(dtype: Tensor['dtype'], values: number[]): { item: (v: number) => string; width: number } {
  if (dtype !== 'float32') {
    const item = dtype === 'bool' ? (v: number) => (v ? 'true' : 'false') : String;
    return { item, width: Math.max(1, ...values.map((v) => item(v).length)) };
  }
  const nonzero = values.filter((v) => Number.isFinite(v) && v !== 0);
  let lo = Infinity;
  let hi = 0;
  for (const v of nonzero) (lo = Math.min(lo, Math.abs(v))), (hi = Math.max(hi, Math.abs(v)));
  const intMode = nonzero.every(Number.isInteger);
  const sci = nonzero.length > 0 && (hi / lo > 1000 || hi > 1e8 || (!intMode && lo < 1e-4));
  const finite = sci ? exponential : intMode ? (v: number) => `${v.toFixed(0)}.` : (v: number) => v.toFixed(4);
  const item = (v: number) => (Number.isNaN(v) ? 'nan' : !Number.isFinite(v) ? (v > 0 ? 'inf' : '-inf') : finite(v));
  return { item, width: Math.max(1, ...nonzero.map((v) => item(v).length)) };
}

/** Python's `{:.4e}`: a two-digit exponent at least (`1.0000e-03`). */
function exponential(v: number): string {
  return v.toExponential(4).replace(/e([+-])(\d)$/, 'e$10$2');
}

function range(a: number, b: number): number[] {
  return Array.from({ length: b - a }, (_, i) => a + i);
}
