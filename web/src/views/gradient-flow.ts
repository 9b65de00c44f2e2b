/** The `gradient-flow` view: ||dL/dh_t|| against t on a log scale, RNN, LSTM and GRU, with and without clipping. */
import type { View } from '../view-contract.js';
import { drawn, expect, figure, label, lineChart, type Series } from './draw.js';

interface Net { cell: string; source: string; input: string; hidden: number; norms: number[]; clipped: number[]; clipScale: number }
interface Data { text: string; start: number; T: number; clip: number; nets: Net[] }

const COLOURS: Record<string, string> = { rnn: '#d62728', lstm: '#1f77b4', gru: '#2ca02c' };

export const view: View = {
  name: 'gradient-flow',
  title: 'Gradient flow through time',
  draw(el, data) {
    const d = expect<Data>('gradient-flow', data, ['text', 'nets', 'clip']);
    const fig = figure(
      el,
      `How much the last step still depends on each earlier one: ‖∂L/∂h_t‖ for L at the last of ${d.T} characters, log scale. ` +
        'A vanilla RNN’s line drops steeply to the left (the vanishing gradient); the LSTM’s and GRU’s fall more slowly. ' +
        `Dashed: with clipping at norm ${d.clip}, which scales the whole backward by one factor: it tames an exploding gradient, never a vanishing one.`,
    );
    const series: Series[] = d.nets.flatMap((n) => [
      { name: n.cell.toUpperCase(), values: n.norms, colour: COLOURS[n.cell] ?? '#555' },
      { name: `${n.cell.toUpperCase()} clipped`, values: n.clipped, colour: COLOURS[n.cell] ?? '#555', dashed: true },
    ]);
    fig.append(lineChart(series, {
      width: 560, height: 280, log: true, title: 'norm of dL/dh_t against t, log scale', yLabel: '‖∂L/∂h_t‖', xLabel: 't (the character read at step t)', xLabels: Array.from(d.text),
    }));
    const who = d.nets.map((n) => `${n.cell}: ${n.source === 'live' ? 'the live model' : 'a fresh untrained net'} (${n.hidden} units, reads ${n.input}${n.clipScale < 1 ? `, clip scale ${n.clipScale.toPrecision(2)}` : ''})`);
    fig.append(label(who.join(' · ')));
    drawn(el);
  },
};
