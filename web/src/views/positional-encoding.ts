/** The `positional-encoding` view: the sinusoidal table and the dot-product similarity of positions (and a GPT's learned ones). */
import type { View } from '../view-contract.js';
import { drawn, expect, extent, figure, heatmap, label, row } from './draw.js';

interface Table { source: string; matrix: number[][]; similarity: number[][] }
interface Data { length: number; dModel: number; sinusoidal: Table; learned: Table | null }

function pair(t: Table, sinusoidal: boolean): HTMLDivElement {
  const P = t.matrix.length;
  const d = P ? t.matrix[0].length : 0;
  const cell = Math.max(2, Math.min(6, Math.floor(270 / Math.max(d, P, 1))));
  const mRange = sinusoidal ? ([-1, 1] as [number, number]) : (() => { const [lo, hi] = extent(t.matrix); const b = Math.max(Math.abs(lo), Math.abs(hi)); return [-b, b] as [number, number]; })();
  const sRange = extent(t.similarity);
  const b = Math.max(Math.abs(sRange[0]), Math.abs(sRange[1]));
  const left = document.createElement('div');
  left.append(label(`${t.source}: position (rows) × dimension (columns)`), heatmap(t.matrix, { range: mRange, scheme: 'diverging', cellW: cell, cellH: cell, label: `${t.source} position encodings, ${P} positions by ${d} dimensions` }));
  const right = document.createElement('div');
  right.append(label(`${t.source}: PE[p] · PE[q]`), heatmap(t.similarity, { range: [-b, b], scheme: 'diverging', cellW: cell, cellH: cell, label: `dot products of the ${t.source} encodings of every two positions` }));
  return row(left, right);
}

export const view: View = {
  name: 'positional-encoding',
  title: 'Positional encoding',
  draw(el, data) {
    const d = expect<Data>('positional-encoding', data, ['sinusoidal', 'dModel', 'length']);
    const fig = figure(
      el,
      `PE[p, 2i] = sin(p / 10000^(2i/d)), PE[p, 2i+1] = cos(…), d = ${d.dModel}: each pair of columns is a wave, fast on the left, slow on the right, so every position gets its own pattern. ` +
        'Their dot products depend only on the distance p − q: the bright diagonal band fades away from it, the same along every diagonal.' +
        (d.learned ? ' Below, the live GPT’s learned position embeddings: training decides their similarity.' : ''),
    );
    fig.append(pair(d.sinusoidal, true));
    if (d.learned) fig.append(pair(d.learned, false));
    drawn(el);
  },
};
