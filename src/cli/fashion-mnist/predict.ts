/**
 * `loom predict --checkpoint DIR IMAGE.png...`: the top-3 classes of each image, with probabilities.
 * Any PNG (decoded by pngjs): made grey and resized to the model's input (28 x 28) by area averaging;
 * `--invert` for dark objects on a light background (Fashion-MNIST has light objects on black).
 */
import { loadCheckpoint } from '../../io/checkpoint-dir.js';
import { classify, loadImageClassifier } from '../../tasks/fashion-mnist/index.js';
import { readPngImage } from '../../tasks/fashion-mnist/png.js';
import { num, requiredFlag, UsageError, type Command } from '../args.js';

export const fashionPredictCommand: Command = {
  name: 'predict',
  summary: 'top classes of PNG images by an image classifier checkpoint',
  usage: 'loom predict --checkpoint DIR [--top K] [--invert] IMAGE.png...',
  positionals: 'IMAGE.png...',
  options: {
    checkpoint: { type: 'string' },
    top: { type: 'string' },
    invert: { type: 'boolean' },
  },
  help: {
    'checkpoint DIR': 'a checkpoint directory, or a training run directory (--out of loom train)',
    'top K': 'classes to print per image (default 3)',
    invert: 'invert the grey levels first (for dark objects on a light background)',
  },
  run(v, images) {
    const checkpointDir = requiredFlag(v, 'checkpoint', 'DIR', 'predict');
    if (images.length === 0) throw new UsageError(`loom predict needs at least one IMAGE.png; see 'loom predict --help'`);
    const c = loadImageClassifier(loadCheckpoint(checkpointDir));
    const K = c.config.classes.length;
    const top = Math.min(num(v, 'top', 3, { int: true, min: 1 }), K);
    const S = c.modelConfig.imageSize as number;
    if (c.modelConfig.inChannels !== 1) throw new UsageError(`the checkpoint's model reads ${String(c.modelConfig.inChannels)} channels; loom predict reads grey images only`);
    const read = images.map((path) => ({ path, ...readPngImage(path, S, { invert: v.invert === true }) }));
    const pixels = new Float32Array(read.length * S * S);
    read.forEach((r, i) => pixels.set(r.pixels, i * S * S));
    const probs = classify(c, pixels, read.length);
    read.forEach((r, i) => {
      const row = Array.from(probs.subarray(i * K, (i + 1) * K), (p, k) => ({ p, k })).sort((a, b) => b.p - a.p || a.k - b.k);
      const size = r.width === S && r.height === S ? '' : ` (${r.width}x${r.height}, resized to ${S}x${S})`;
      console.log(`${r.path}${size}: ${row.slice(0, top).map(({ p, k }) => `${c.config.classes[k]} ${(100 * p).toFixed(1)}%`).join(', ')}`);
    });
    return 0;
  },
};
