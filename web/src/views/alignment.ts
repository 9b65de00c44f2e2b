/** The `alignment` view: a grapheme-to-phoneme model's attention, phonemes (rows) x letters (columns), for a typed word. */
import type { View } from '../view-contract.js';
import { drawn, expect, figure, heatmap } from './draw.js';

interface Data { word: string; letters: string[]; phonemes: string[]; outputs: string[]; ended: boolean; logProb: number; weights: number[][] }

export const view: View = {
  name: 'alignment',
  title: 'Grapheme-to-phoneme alignment',
  draw(el, data) {
    const d = expect<Data>('alignment', data, ['letters', 'outputs', 'weights']);
    const fig = figure(
      el,
      `“${d.word}” → /${d.phonemes.join(' ')}/ (log p = ${d.logProb.toFixed(2)}${d.ended ? '' : ', stopped at the length limit'}). ` +
        'Row t is where the decoder looks among the letters while it writes phoneme t: a good model moves along the diagonal, ' +
        'several letters for one sound (“OO” → UW) or one letter for two (“X” → K S).',
    );
    const cell = Math.max(14, Math.min(28, Math.floor(480 / Math.max(d.letters.length, 1))));
    const labelW = 8 * Math.max(...d.outputs.map((o) => o.length), 2);
    const map = heatmap(d.weights, { range: [0, 1], scheme: 'sequential', cellW: cell, cellH: Math.min(cell, 20), label: `attention of each output phoneme over the letters of ${d.word}` });
    // phoneme labels on the left, letters on top, drawn around the heatmap
    const c = document.createElement('canvas');
    c.width = labelW + map.width;
    c.height = 16 + map.height;
    c.setAttribute('role', 'img');
    c.setAttribute('aria-label', map.getAttribute('aria-label')!);
    const g = c.getContext('2d')!;
    g.fillStyle = '#fff';
    g.fillRect(0, 0, c.width, c.height);
    g.drawImage(map, labelW, 16);
    g.fillStyle = '#222';
    g.font = '11px monospace';
    g.textBaseline = 'middle';
    g.textAlign = 'center';
    d.letters.forEach((l, s) => g.fillText(l, labelW + (s + 0.5) * cell, 8));
    g.textAlign = 'right';
    const ch = Math.min(cell, 20);
    d.outputs.forEach((o, t) => g.fillText(o, labelW - 4, 16 + (t + 0.5) * ch));
    fig.append(c);
    drawn(el);
  },
};
