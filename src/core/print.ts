/** Readable printing in PyTorch's style: `tensor([[0.1000, 2.0000], ...], requiresGrad=true)`. */
import type { Tensor } from './tensor.js';

const EDGE = 3; // items kept at each end of a long dim
const LIMIT = 1000; // summarise tensors with more elements

export function formatTensor(t: Tensor): string {
  const data = t.toArray();
  const isFloat = t.dtype === 'float32';
  const nums = Array.from(data);
  const finite = nums.filter(Number.isFinite);
  const sci = isFloat && finite.some((v) => v !== 0 && (Math.abs(v) >= 1e8 || Math.abs(v) < 1e-4));
  const item = (v: number): string => {
    if (t.dtype === 'bool') return v ? 'true' : 'false';
    if (!isFloat) return String(v);
    if (!Number.isFinite(v)) return Number.isNaN(v) ? 'nan' : v > 0 ? 'inf' : '-inf';
    return sci ? v.toExponential(4) : v.toFixed(4);
  };
  const summarise = t.numel > LIMIT;
  const strs = nums.map(item);
  const width = Math.max(1, ...strs.map((s) => s.length));
  const strides = t.shape.map((_, d) => t.shape.slice(d + 1).reduce((a, b) => a * b, 1));
  const build = (d: number, off: number, indent: string): string => {
    if (d === t.ndim) return strs[off].padStart(width);
    const n = t.shape[d];
    const idx = summarise && n > 2 * EDGE ? [...range(0, EDGE), -1, ...range(n - EDGE, n)] : range(0, n);
    const parts = idx.map((i) => (i < 0 ? '...' : build(d + 1, off + i * strides[d], indent + ' ')));
    const sep = d === t.ndim - 1 ? ', ' : ',' + '\n'.repeat(t.ndim - 1 - d) + indent + ' ';
    return '[' + parts.join(sep) + ']';
  };
  const extras: string[] = [];
  if (t.dtype !== 'float32') extras.push(`dtype=${t.dtype}`);
  if (t.gradFn) extras.push(`gradFn=<${t.gradFn.name}>`);
  else if (t.requiresGrad) extras.push('requiresGrad=true');
  return `tensor(${build(0, 0, '       ')}${extras.map((e) => ', ' + e).join('')})`;
}

function range(a: number, b: number): number[] {
  return Array.from({ length: b - a }, (_, i) => a + i);
}
