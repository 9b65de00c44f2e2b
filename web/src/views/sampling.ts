/** The `sampling` view: the next-character distribution at each step, and how temperature, top-k and top-p reshape it. */
import type { View } from '../view-contract.js';
import { drawn, expect, figure, label, picker, row, showChar, svg, svgRoot } from './draw.js';

interface Stage { name: string; label: string; probs: number[] }
interface Step { context: string; chosen: number; char: string; stages: Stage[] }
interface Data { chars: string[]; prompt: string; temperature: number; topK: number; topP: number; seed: number; steps: Step[] }

/** Bars of `probs` for the characters `ids` (most likely first under the model), the drawn one darker. */
function bars(stage: Stage, ids: number[], chars: string[], chosen: number): SVGSVGElement {
  const bw = 10;
  const H = 90;
  const root = svgRoot(ids.length * bw + 36, H + 34, `${stage.label}: probability of each of the ${ids.length} likeliest characters`);
  const top = Math.max(...ids.map((i) => stage.probs[i]), 1e-9);
  root.append(svg('text', { x: 2, y: 11, 'font-size': 10 }, stage.label));
  root.append(svg('text', { x: 2, y: 24, 'font-size': 9, fill: '#666' }, top.toFixed(2)));
  ids.forEach((id, k) => {
    const p = stage.probs[id];
    const h = (p / top) * H;
    const x = 30 + k * bw;
    root.append(svg('rect', { x, y: 14 + H - h, width: bw - 2, height: Math.max(h, p > 0 ? 0.5 : 0), fill: id === chosen ? '#b03a2e' : '#3b6ea5' }));
    root.append(svg('text', { x: x + (bw - 2) / 2, y: H + 28, 'text-anchor': 'middle', 'font-family': 'monospace', 'font-size': 10, fill: p > 0 ? '#222' : '#bbb' }, showChar(chars[id])));
  });
  return root;
}

/** The prompt and the drawn characters, the shown step's one boxed. */
function text(d: Data, at: number): SVGSVGElement {
  const w = 11;
  const all = [...Array.from(d.prompt), ...d.steps.map((s) => s.char)];
  const P = Array.from(d.prompt).length;
  const root = svgRoot(all.length * w + 8, 26, `the prompt and the ${d.steps.length} characters drawn after it`);
  all.forEach((ch, i) => {
    const x = 4 + i * w;
    if (i === P + at) root.append(svg('rect', { x, y: 3, width: w, height: 18, fill: '#f6d7d2', stroke: '#b03a2e' }));
    root.append(svg('text', { x: x + w / 2, y: 16, 'text-anchor': 'middle', 'font-family': 'monospace', 'font-size': 12, fill: i < P ? '#777' : '#111' }, showChar(ch)));
  });
  return root;
}

export const view: View = {
  name: 'sampling',
  title: 'Sampling',
  draw(el, data) {
    const d = expect<Data>('sampling', data, ['chars', 'steps', 'prompt']);
    const at = Math.min(Number(el.dataset.step ?? 0), d.steps.length - 1);
    const fig = figure(
      el,
      `The model’s distribution over the next character after “${d.prompt.replace(/\n/g, '⏎')}” and after each character drawn (grey: the prompt), then what sampling draws from: ` +
        `divided by temperature ${d.temperature} (below 1 sharpens, above 1 flattens), cut to the ${d.topK > 0 ? `${d.topK} likeliest` : 'all'} (top-k), ` +
        `then to the smallest likeliest set of mass ${d.topP < 1 ? `≥ ${d.topP}` : '1'} (top-p), renormalised. The drawn character is red.`,
    );
    fig.append(picker('Step', d.steps.map((s, i) => `${i + 1}: ${showChar(s.char)}`), at, (i) => ((el.dataset.step = String(i)), view.draw(el, data))));
    fig.append(text(d, at));
    const step = d.steps[at];
    const model = step.stages[0].probs;
    const ids = model.map((_, i) => i).sort((a, b) => model[b] - model[a]).slice(0, Math.min(model.length, 24));
    fig.append(label(`step ${at + 1}: after “…${step.context.slice(-24).replace(/\n/g, '⏎')}” the ${ids.length} likeliest characters`));
    fig.append(row(...step.stages.map((s) => bars(s, ids, d.chars, step.chosen))));
    drawn(el);
  },
};
