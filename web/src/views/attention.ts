/** The `attention` view: every layer's and head's causal attention as heatmaps, and one head as token-to-token lines; softmax and linear side by side. */
import type { View } from '../view-contract.js';
import { drawn, expect, figure, heatmap, label, picker, row, showChar, svg, svgRoot } from './draw.js';

interface Panel { kind: string; source: string; nLayer: number; nHead: number; layers: number[][][][] }
interface Data { tokens: string[]; T: number; panels: Panel[] }

/** Query t (bottom row) to key s (top row), one line per pair s <= t, its opacity the weight. */
function lines(tokens: string[], weights: number[][], title: string): SVGSVGElement {
  const T = tokens.length;
  const step = Math.max(8, Math.min(16, Math.floor(520 / Math.max(T, 1))));
  const width = T * step + 20;
  const root = svgRoot(width, 130, title);
  const x = (i: number) => 10 + (i + 0.5) * step;
  tokens.forEach((tok, i) => {
    root.append(svg('text', { x: x(i), y: 14, 'text-anchor': 'middle', 'font-family': 'monospace' }, showChar(tok)));
    root.append(svg('text', { x: x(i), y: 124, 'text-anchor': 'middle', 'font-family': 'monospace' }, showChar(tok)));
  });
  const g = svg('g', { stroke: '#c0392b', 'stroke-width': 2, 'stroke-linecap': 'round' });
  weights.forEach((r, t) => r.forEach((w, s) => {
    if (s <= t && w > 0.01) g.append(svg('line', { x1: x(t), y1: 110, x2: x(s), y2: 22, 'stroke-opacity': Math.min(1, w).toFixed(3) }));
  }));
  root.append(g);
  return root;
}

export const view: View = {
  name: 'attention',
  title: 'Attention',
  draw(el, data) {
    const d = expect<Data>('attention', data, ['tokens', 'panels']);
    const nLayer = Math.max(...d.panels.map((p) => p.nLayer));
    const nHead = Math.max(...d.panels.map((p) => p.nHead));
    const layer = Math.min(Number(el.dataset.layer ?? 0), nLayer - 1);
    const head = Math.min(Number(el.dataset.head ?? 0), nHead - 1);
    const fig = figure(
      el,
      `Where each position of “${d.tokens.join('').replace(/\n/g, '⏎')}” looks: row t is the weights of query t over the keys s ≤ t (they sum to 1; grey above the diagonal is the causal mask). ` +
        'Softmax attention can be sharp (one bright cell per row); linear attention’s weights φ(q)·φ(k), φ = elu + 1, are all positive and smoother. ' +
        'The lines join each character (bottom) to those it attends to (top) in the chosen head, darker for more weight.',
    );
    const redraw = () => view.draw(el, data);
    fig.append(row(
      picker('Layer', Array.from({ length: nLayer }, (_, l) => String(l + 1)), layer, (l) => ((el.dataset.layer = String(l)), redraw())),
      picker('Head', Array.from({ length: nHead }, (_, h) => String(h + 1)), head, (h) => ((el.dataset.head = String(h)), redraw())),
    ));
    const T = d.tokens.length;
    const cell = Math.max(2, Math.min(10, Math.floor(120 / Math.max(T, 1))));
    const tokens = d.tokens.map(showChar);
    const columns = d.panels.map((p) => {
      const col = document.createElement('div');
      col.append(label(`${p.kind} attention: ${p.source}`));
      p.layers.forEach((heads, l) => {
        col.append(label(`layer ${l + 1}`));
        col.append(row(...heads.map((w, h) => heatmap(w, {
          range: [0, 1], scheme: 'sequential', cellW: cell, cellH: cell, masked: (t, s) => s > t,
          rowLabels: cell >= 7 ? tokens : undefined, colLabels: cell >= 7 ? tokens : undefined,
          label: `${p.kind} attention, layer ${l + 1}, head ${h + 1}: queries (rows) by keys (columns)`,
        }))));
      });
      const w = p.layers[Math.min(layer, p.nLayer - 1)]?.[Math.min(head, p.nHead - 1)];
      if (w) {
        col.append(label(`${p.kind}, layer ${layer + 1}, head ${head + 1}: token to token`));
        col.append(lines(d.tokens, w, `${p.kind} attention of layer ${layer + 1}, head ${head + 1} as lines from each query to its keys`));
      }
      return col;
    });
    fig.append(row(...columns));
    drawn(el);
  },
};
