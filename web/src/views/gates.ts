/** The `gates` view: inside an LSTM or GRU, the text coloured by one unit, and each gate and state as characters x units. */
import type { View } from '../view-contract.js';
import { colour, drawn, expect, figure, heatmap, label, picker, showChar, svg, svgRoot } from './draw.js';

interface GateMap { name: string; label: string; range: [number, number]; values: number[][] }
interface Data { cell: string; source: string; layer: number; layers: number; hidden: number; chars: string[]; units: number; unit: number; activation: number[]; maps: GateMap[] }

/** The text, one box per character, its background the unit's activation on [-1, 1]. */
function colouredText(chars: string[], activation: number[], unit: number): SVGSVGElement {
  const perLine = 40;
  const w = 13;
  const h = 20;
  const lines = Math.ceil(chars.length / perLine);
  const root = svgRoot(perLine * w + 4, lines * h + 4, `the text coloured by the activation of unit ${unit}: blue negative, red positive`);
  chars.forEach((ch, i) => {
    const x = 2 + (i % perLine) * w;
    const y = 2 + Math.floor(i / perLine) * h;
    const a = activation[i];
    root.append(svg('rect', { x, y, width: w, height: h - 2, fill: colour(a, -1, 1, 'diverging') }, undefined));
    const t = svg('text', { x: x + w / 2, y: y + 13, 'text-anchor': 'middle', 'font-family': 'monospace', 'font-size': 13 }, showChar(ch));
    t.append(svg('title', {}, `${JSON.stringify(ch)}: ${a.toFixed(3)}`));
    root.append(t);
  });
  return root;
}

/** values (T x U) transposed to units (rows) x characters (columns). */
const transpose = (m: number[][]): number[][] => (m.length ? m[0].map((_, u) => m.map((r) => r[u])) : []);

export const view: View = {
  name: 'gates',
  title: 'Inside the LSTM / GRU',
  draw(el, data) {
    const d = expect<Data>('gates', data, ['cell', 'chars', 'maps', 'unit', 'activation']);
    const who = d.source === 'live' ? `the live ${d.cell.toUpperCase()}` : `a fresh untrained ${d.cell.toUpperCase()} (the live model has no gates)`;
    const fig = figure(
      el,
      `Layer ${d.layer + 1} of ${d.layers} of ${who}, reading ${d.chars.length} characters. The text is coloured by unit ${d.unit}'s hidden state (blue −1, red +1): look for units that switch on inside words, after a newline or at a vowel. ` +
        (d.cell === 'lstm'
          ? 'Below, per unit (rows) and character (columns): the input gate i (what is written), the forget gate f (what is kept; near 1 = a long memory), the candidate g, the output gate o, the cell state c and h = o·tanh(c).'
          : 'Below, per unit (rows) and character (columns): the reset gate r (how much of h the candidate sees), the update gate z (near 1 = keep the old state), the candidate n and h = (1 − z)·n + z·h.'),
    );
    const hidden = d.maps.find((m) => m.name === 'hidden');
    fig.append(picker('Unit', Array.from({ length: d.units }, (_, u) => String(u)), d.unit, (u) =>
      view.draw(el, { ...d, unit: u, activation: hidden ? hidden.values.map((r) => r[u]) : d.activation })));
    fig.append(colouredText(d.chars, d.activation, d.unit));
    const T = d.chars.length;
    const cellW = Math.max(3, Math.min(12, Math.floor(520 / Math.max(T, 1))));
    const cellH = Math.max(2, Math.min(8, Math.floor(160 / Math.max(d.units, 1))));
    for (const m of d.maps) {
      fig.append(label(`${m.label} (${m.range[0] === 0 ? '0 … 1' : `${m.range[0].toPrecision(2)} … ${m.range[1].toPrecision(2)}`})`));
      fig.append(heatmap(transpose(m.values), {
        range: m.range, scheme: m.range[0] === 0 ? 'sequential' : 'diverging', cellW, cellH,
        colLabels: cellW >= 7 ? d.chars.map(showChar) : undefined, label: `${m.label}: ${d.units} units by ${T} characters`,
      }));
    }
    drawn(el);
  },
};
