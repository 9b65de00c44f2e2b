/**
 * `loom eval --checkpoint DIR` for a fashion-mnist checkpoint: the accuracy on the test split (all
 * 10,000 images of Fashion-MNIST), the accuracy of each class and the confusion matrix (rows: true
 * class, columns: predicted).
 */
import { resolve } from 'node:path';
import { loadFashionMnist } from '../../data/fashion-mnist.js';
import { loadCheckpoint } from '../../io/checkpoint-dir.js';
import { evaluateImages, loadImageClassifier, type ImageEvalResult } from '../../tasks/fashion-mnist/index.js';
import { num, requiredFlag, type Command } from '../args.js';

export const fashionEvalCommand: Command = {
  name: 'eval',
  summary: 'test accuracy, per-class accuracy and confusion matrix of an image classifier checkpoint',
  usage: 'loom eval --checkpoint DIR [--data DIR] [--images N]',
  options: {
    checkpoint: { type: 'string' },
    data: { type: 'string' },
    images: { type: 'string' },
  },
  help: {
    'checkpoint DIR': 'a checkpoint directory, or a training run directory (--out of loom train)',
    'data DIR': "the folder of the four IDX files (default: the one the checkpoint was trained on)",
    'images N': 'read only the first N test images (default all)',
  },
  run(v) {
    const ckpt = loadCheckpoint(requiredFlag(v, 'checkpoint', 'DIR', 'eval'));
    const c = loadImageClassifier(ckpt);
    const dir = typeof v.data === 'string' ? resolve(v.data) : c.config.data;
    const test = loadFashionMnist({ split: 'test', dir });
    const limit = v.images === undefined ? undefined : num(v, 'images', 0, { int: true, min: 1 });
    console.log(`checkpoint: ${ckpt.dir} (${ckpt.meta.model}, step ${ckpt.meta.step})`);
    const r = evaluateImages(c.model, test, { numClasses: c.config.classes.length, mean: c.config.mean, std: c.config.std, limit });
    console.log(`data: ${dir}, ${r.count.toLocaleString('en-US')} test images`);
    console.log(report(r, c.config.classes));
    return 0;
  },
};

/** `accuracy xx.xx%`, the loss, a per-class table and the confusion matrix. */
export function report(r: ImageEvalResult, classes: readonly string[]): string {
  const lines = [`accuracy ${(100 * r.accuracy).toFixed(2)}% (${Math.round(r.accuracy * r.count)} of ${r.count}), loss ${r.loss.toFixed(4)}`, '', 'per class:'];
  const w = Math.max(...classes.map((s) => s.length));
  r.perClass.forEach((a, k) => lines.push(`  ${String(k).padStart(2)} ${classes[k].padEnd(w)}  ${Number.isNaN(a) ? '   -   ' : `${(100 * a).toFixed(2).padStart(6)}%`}`));
  lines.push('', 'confusion matrix (rows: true class, columns: predicted):');
  const cw = Math.max(4, ...r.confusion.flat().map((n) => String(n).length + 1));
  lines.push(`  ${''.padEnd(w + 3)}${classes.map((_, k) => String(k).padStart(cw)).join('')}`);
  r.confusion.forEach((row, k) => lines.push(`  ${String(k).padStart(2)} ${classes[k].padEnd(w)}${row.map((n) => String(n).padStart(cw)).join('')}`));
  return lines.join('\n');
}
