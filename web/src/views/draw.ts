/**
 * What the views draw with: a figure with its caption, heatmaps on a canvas, line and bar charts and
 * coloured text in SVG, two colour scales. No dependencies; every picture is a canvas or an SVG with an
 * accessible label, so a test can rasterise it.
 */

const SVG = 'http://www.w3.org/2000/svg';

/** Replaces what `el` holds with a figure whose caption says what to look at; returns the figure. */
export function figure(el: HTMLElement, caption: string): HTMLElement {
  const fig = document.createElement('figure');
  fig.style.margin = '0';
  const cap = document.createElement('figcaption');
  cap.textContent = caption;
  cap.style.fontSize = '0.85rem';
  cap.style.margin = '0 0 6px';
  fig.append(cap);
  el.replaceChildren(fig);
  return fig;
}

/** Marks the view drawn (the last thing each draw does). */
export function drawn(el: HTMLElement): void {
  el.dataset.state = 'drawn';
}

/** A typed check of what the worker sent, naming the view and what was expected. */
export function expect<T>(view: string, data: unknown, keys: string[]): T {
  if (typeof data !== 'object' || data === null) throw new Error(`${view}: expected an object with ${keys.join(', ')}, got ${String(data)}`);
  for (const k of keys) if (!(k in data)) throw new Error(`${view}: the data lacks '${k}'`);
  return data as T;
}

type RGB = [number, number, number];
const VIRIDIS: RGB[] = [[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]];
const DIVERGING: RGB[] = [[33, 102, 172], [146, 197, 222], [247, 247, 247], [244, 165, 130], [178, 24, 43]];

function ramp(stops: RGB[], u: number): string {
  const x = Math.min(1, Math.max(0, Number.isFinite(u) ? u : 0)) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(x));
  const f = x - i;
  const c = stops[i].map((v, k) => Math.round(v + f * (stops[i + 1][k] - v)));
  return `rgb(${c[0]},${c[1]},${c[2]})`;
}

export type Scheme = 'sequential' | 'diverging';

/** The colour of v on [lo, hi]: viridis (sequential) or blue-white-red (diverging, white at the middle). */
export function colour(v: number, lo: number, hi: number, scheme: Scheme): string {
  const u = hi > lo ? (v - lo) / (hi - lo) : 0.5;
  return ramp(scheme === 'sequential' ? VIRIDIS : DIVERGING, u);
}

/** The smallest and largest finite value of a matrix. */
export function extent(values: number[][]): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const row of values) for (const v of row) if (Number.isFinite(v)) (lo = Math.min(lo, v)), (hi = Math.max(hi, v));
  return lo <= hi ? [lo, hi] : [0, 1];
}

export interface HeatmapOptions {
  range: [number, number];
  scheme: Scheme;
  /** Pixels per cell (default 6 x 6). */
  cellW?: number;
  cellH?: number;
  /** Cells drawn grey, not coloured (e.g. the causal mask). */
  masked?: (r: number, c: number) => boolean;
  rowLabels?: string[];
  colLabels?: string[];
  /** What the heatmap shows, read by screen readers and shown as its tooltip. */
  label: string;
}

/** values[r][c] as a canvas of cells, rows top to bottom; labels (when given) in a left and a top margin. */
export function heatmap(values: number[][], o: HeatmapOptions): HTMLCanvasElement {
  const R = values.length;
  const C = R > 0 ? values[0].length : 0;
  const cw = o.cellW ?? 6;
  const ch = o.cellH ?? 6;
  const left = o.rowLabels ? 12 : 0;
  const top = o.colLabels ? 12 : 0;
  const canvas = document.createElement('canvas');
  canvas.width = left + C * cw;
  canvas.height = top + R * ch;
  canvas.setAttribute('role', 'img');
  canvas.setAttribute('aria-label', o.label);
  canvas.title = o.label;
  const g = canvas.getContext('2d')!;
  g.fillStyle = '#fff';
  g.fillRect(0, 0, canvas.width, canvas.height);
  for (let r = 0; r < R; r++)
    for (let c = 0; c < C; c++) {
      g.fillStyle = o.masked?.(r, c) ? '#d9d9d9' : colour(values[r][c], o.range[0], o.range[1], o.scheme);
      g.fillRect(left + c * cw, top + r * ch, cw, ch);
    }
  g.fillStyle = '#222';
  g.font = `${Math.min(10, Math.max(cw, ch, 7))}px monospace`;
  g.textAlign = 'center';
  g.textBaseline = 'middle';
  o.rowLabels?.forEach((s, r) => ch >= 7 && g.fillText(s, left / 2, top + (r + 0.5) * ch));
  o.colLabels?.forEach((s, c) => cw >= 7 && g.fillText(s, left + (c + 0.5) * cw, top / 2));
  return canvas;
}

/** A character as it reads in a label: newline, space and tab made visible. */
export function showChar(ch: string): string {
  return ch === '\n' ? '⏎' : ch === ' ' ? '␣' : ch === '\t' ? '⇥' : ch;
}

/** An SVG element with attributes. */
export function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number> = {}, text?: string): SVGElementTagNameMap[K] {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

/** An <svg> of width x height with a title (its accessible name). */
export function svgRoot(width: number, height: number, title: string): SVGSVGElement {
  const root = svg('svg', { xmlns: SVG, width, height, viewBox: `0 0 ${width} ${height}`, role: 'img', 'font-family': 'sans-serif', 'font-size': 11 });
  root.append(svg('title', {}, title));
  root.append(svg('rect', { width, height, fill: '#fff' }));
  return root;
}

export interface Series {
  name: string;
  values: number[];
  colour: string;
  dashed?: boolean;
}

/**
 * Lines over x = 0 … n-1 in an SVG; `log` puts y on a log10 scale (non-positive values left out).
 * `xLabels` (one per x, e.g. the characters) are written under the axis when they fit.
 */
export function lineChart(
  series: Series[],
  o: { width: number; height: number; log: boolean; title: string; yLabel: string; xLabel: string; xLabels?: string[]; xLabelEvery?: number },
): SVGSVGElement {
  const root = svgRoot(o.width, o.height, o.title);
  const m = { l: 52, r: 110, t: 10, b: 44 };
  const W = o.width - m.l - m.r;
  const H = o.height - m.t - m.b;
  const n = Math.max(...series.map((s) => s.values.length), 2);
  const ys = series.flatMap((s) => s.values).filter((v) => Number.isFinite(v) && (!o.log || v > 0));
  const f = (v: number) => (o.log ? Math.log10(v) : v);
  let lo = ys.length ? Math.min(...ys.map(f)) : 0;
  let hi = ys.length ? Math.max(...ys.map(f)) : 1;
  if (o.log) (lo = Math.floor(lo)), (hi = Math.ceil(hi));
  if (hi - lo < 1e-9) (lo -= 1), (hi += 1);
  if (!o.log) {
    const pad = (hi - lo) * 0.05;
    (lo -= pad), (hi += pad);
  }
  const X = (i: number) => m.l + (i / (n - 1)) * W;
  const Y = (v: number) => m.t + H - ((f(v) - lo) / (hi - lo)) * H;
  const axis = svg('g', { stroke: '#888', 'stroke-width': 1 });
  axis.append(svg('line', { x1: m.l, y1: m.t + H, x2: m.l + W, y2: m.t + H }), svg('line', { x1: m.l, y1: m.t, x2: m.l, y2: m.t + H }));
  root.append(axis);
  const ticks = o.log ? Array.from({ length: hi - lo + 1 }, (_, i) => lo + i) : [lo, (lo + hi) / 2, hi];
  for (const t of ticks) {
    const y = m.t + H - ((t - lo) / (hi - lo)) * H;
    root.append(svg('line', { x1: m.l - 4, y1: y, x2: m.l + W, y2: y, stroke: '#eee' }));
    root.append(svg('text', { x: m.l - 6, y: y + 4, 'text-anchor': 'end' }, o.log ? `1e${t}` : t.toPrecision(2)));
  }
  const every = o.xLabelEvery ?? Math.max(1, Math.ceil((n * 7) / W));
  o.xLabels?.forEach((s, i) => i % every === 0 && root.append(svg('text', { x: X(i), y: m.t + H + 13, 'text-anchor': 'middle', 'font-family': 'monospace' }, showChar(s))));
  root.append(svg('text', { x: m.l + W / 2, y: o.height - 6, 'text-anchor': 'middle' }, o.xLabel));
  root.append(svg('text', { x: 12, y: m.t + H / 2, 'text-anchor': 'middle', transform: `rotate(-90 12 ${m.t + H / 2})` }, o.yLabel));
  series.forEach((s, k) => {
    const pts = s.values.map((v, i) => [i, v] as const).filter(([, v]) => Number.isFinite(v) && (!o.log || v > 0));
    const d = pts.map(([i, v], j) => `${j ? 'L' : 'M'}${X(i).toFixed(1)},${Y(v).toFixed(1)}`).join('');
    root.append(svg('path', { d, fill: 'none', stroke: s.colour, 'stroke-width': 1.8, ...(s.dashed ? { 'stroke-dasharray': '5 3' } : {}) }));
    const ly = m.t + 8 + k * 16;
    root.append(svg('line', { x1: m.l + W + 10, y1: ly, x2: m.l + W + 30, y2: ly, stroke: s.colour, 'stroke-width': 2, ...(s.dashed ? { 'stroke-dasharray': '5 3' } : {}) }));
    root.append(svg('text', { x: m.l + W + 34, y: ly + 4 }, s.name));
  });
  return root;
}

/** A labelled <select> of `options`; `onChange` gets the chosen index. Keyboard-operable as any select. */
export function picker(label: string, options: string[], chosen: number, onChange: (i: number) => void): HTMLLabelElement {
  const l = document.createElement('label');
  l.style.marginRight = '12px';
  l.style.fontSize = '0.85rem';
  l.append(`${label} `);
  const s = document.createElement('select');
  options.forEach((o, i) => s.append(new Option(o, String(i), i === chosen, i === chosen)));
  s.addEventListener('change', () => onChange(Number(s.value)));
  l.append(s);
  return l;
}

/** A row of elements that wraps on a narrow screen. */
export function row(...children: Element[]): HTMLDivElement {
  const d = document.createElement('div');
  d.style.display = 'flex';
  d.style.flexWrap = 'wrap';
  d.style.gap = '8px';
  d.style.alignItems = 'flex-start';
  d.append(...children);
  return d;
}

/** A small heading inside a view. */
export function label(text: string): HTMLDivElement {
  const d = document.createElement('div');
  d.className = 'view-label';
  d.textContent = text;
  d.style.fontSize = '0.8rem';
  d.style.fontWeight = '600';
  d.style.margin = '4px 0 2px';
  return d;
}
