/** The `patches` view: where a ViT looks in an image, per head of the last block and rolled out over all blocks. */
import type { View } from '../view-contract.js';
import { drawn, expect, figure, label, row } from './draw.js';

interface Data { source: string; imageSize: number; patchSize: number; grid: number; image: number[][]; imageName: string; heads: number[][][]; rollout: number[][]; probs: number[]; classes: string[] | null; predicted: number }

/** The image in grey, each patch tinted red by its weight (scaled to the largest). */
function overlay(d: Data, weights: number[][] | null, title: string): HTMLCanvasElement {
  const zoom = Math.max(1, Math.floor(112 / d.imageSize));
  const c = document.createElement('canvas');
  c.width = c.height = d.imageSize * zoom;
  c.setAttribute('role', 'img');
  c.setAttribute('aria-label', title);
  c.title = title;
  const g = c.getContext('2d')!;
  d.image.forEach((r, y) => r.forEach((v, x) => {
    const k = Math.round(255 * Math.min(1, Math.max(0, v)));
    g.fillStyle = `rgb(${k},${k},${k})`;
    g.fillRect(x * zoom, y * zoom, zoom, zoom);
  }));
  if (weights) {
    const top = Math.max(...weights.flat(), 1e-9);
    const p = d.patchSize * zoom;
    weights.forEach((r, i) => r.forEach((w, j) => {
      g.fillStyle = `rgba(228,26,28,${(0.75 * w / top).toFixed(3)})`;
      g.fillRect(j * p, i * p, p, p);
    }));
    g.strokeStyle = 'rgba(255,255,255,0.4)';
    for (let k = 1; k < d.grid; k++) {
      g.beginPath(); g.moveTo(k * p, 0); g.lineTo(k * p, c.height); g.moveTo(0, k * p); g.lineTo(c.width, k * p); g.stroke();
    }
  }
  return c;
}

const cell = (title: string, canvas: HTMLCanvasElement): HTMLDivElement => {
  const d = document.createElement('div');
  d.append(label(title), canvas);
  return d;
};

export const view: View = {
  name: 'patches',
  title: 'ViT attention over patches',
  draw(el, data) {
    const d = expect<Data>('patches', data, ['image', 'heads', 'rollout', 'grid']);
    const name = (i: number) => (d.classes ? d.classes[i] : `class ${i}`);
    const top = d.probs.map((p, i) => [p, i] as const).sort((a, b) => b[0] - a[0]).slice(0, 3);
    const fig = figure(
      el,
      `${d.source} cuts ${d.imageName}, ${d.imageSize} × ${d.imageSize}, into ${d.grid} × ${d.grid} patches of ${d.patchSize} × ${d.patchSize}. ` +
        'Red: how much the class token attends to each patch in each head of the last block, and rolled out through every block (Abnar & Zuidema). ' +
        `It reads ${top.map(([p, i]) => `${name(i)} ${(100 * p).toFixed(0)}%`).join(', ')}.`,
    );
    fig.append(row(
      cell('image', overlay(d, null, 'the image')),
      ...d.heads.map((w, h) => cell(`head ${h + 1}`, overlay(d, w, `the class token's attention in head ${h + 1} of the last block`))),
      cell('rollout', overlay(d, d.rollout, 'attention rolled out through every block')),
    ));
    drawn(el);
  },
};
