#!/usr/bin/env node
/**
 * The README's pictures of the playground's views (docs/playground/NAME.png), drawn in headless
 * Chromium by the views' own renderers from trained checkpoints, and rasterised in the page as the
 * views' test does (web/src/views/snapshot.ts). After `npm run build`:
 *
 *   node scripts/playground-gallery.mjs --runs DIR [--out docs/playground]
 *
 * DIR holds the run directories `loom train` wrote (each with its checkpoint/):
 *   lstm         loom train --out DIR/lstm                                   (npm start's run)
 *   gpt          loom train --model gpt --steps 500 --out DIR/gpt
 *   linear-gpt   loom train --model linear-gpt --steps 500 --out DIR/linear-gpt
 *   g2p          loom train --task g2p --model lstm-attention --steps 1000 --out DIR/g2p
 *   vit          loom train --task fashion-mnist --model vit --epochs 1 --out DIR/vit
 * The forecast view fits an AR(28) to the US births series by least squares, as the page does; the
 * patches view reads the first Bag of Fashion-MNIST's test images (Debian's dataset-fashion-mnist).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const { launchChromium } = await import(join(REPO, 'dist/test/browser/chromium.js'));
const { startServer } = await import(join(REPO, 'dist/test/browser/server.js'));
const { mobyDick } = await import(join(REPO, 'dist/src/data/corpus.js'));
const { usBirths } = await import(join(REPO, 'dist/src/data/us-births.js'));
const { isoDate } = await import(join(REPO, 'dist/src/data/series.js'));
const { FASHION_MNIST_CLASSES, loadFashionMnist } = await import(join(REPO, 'dist/src/data/fashion-mnist.js'));

const USAGE = 'usage: node scripts/playground-gallery.mjs --runs DIR [--out docs/playground]   (after npm run build; see the header for the runs DIR holds)';
const { values: flags } = parseArgs({ options: { runs: { type: 'string' }, out: { type: 'string', default: join(REPO, 'docs/playground') }, help: { type: 'boolean' } } });
if (flags.help || !flags.runs) {
  console.log(USAGE);
  process.exit(flags.help ? 0 : 1);
}

/** What the page reads besides the checkpoints: a window of the book, the births series, one Fashion-MNIST test image. */
function inputs() {
  const book = mobyDick();
  const start = book.indexOf('CHAPTER 1. Loomings.\n\nCall me Ishmael.');
  const text = book.slice(start, start + 20_000);
  const s = usBirths();
  const { images, labels } = loadFashionMnist({ split: 'test' });
  const bag = FASHION_MNIST_CLASSES.indexOf('Bag');
  const index = labels.indexOf(bag);
  return {
    text,
    births: { name: s.name, start: isoDate(s.start), values: Array.from(s.values) },
    image: { pixels: Array.from(images.subarray(index * 784, (index + 1) * 784)), name: `Fashion-MNIST test image ${index} (Bag)` },
  };
}

/** The page: loads the checkpoints, draws every view from them, leaves each view's PNG in window.gallery. */
const MAIN = `
import { fetchCheckpoint, loadCharLM, loadG2P, loadImageClassifier, inspectors, ForecastTask, forecastDefaults, parseIsoDate } from '/dist/src/index.js';
import { VIEWS } from ${JSON.stringify(join(REPO, 'web/src/views/index.ts'))};
import { snapshot } from ${JSON.stringify(join(REPO, 'web/src/views/snapshot.ts'))};

const input = await (await fetch('inputs.json')).json();
const run = (name) => fetchCheckpoint('/runs/' + name + '/checkpoint/');
const [lstm, gpt, linear] = (await Promise.all(['lstm', 'gpt', 'linear-gpt'].map(run))).map(loadCharLM);
const g2p = loadG2P(await run('g2p')).predictor;
const image = loadImageClassifier(await run('vit'));
const forecast = new ForecastTask({ series: { name: input.births.name, start: parseIsoDate(input.births.start), values: Float64Array.from(input.births.values) }, config: forecastDefaults('ar'), model: 'ar', seed: 0 });
forecast.createModel();
const ctx = (m, extra = {}) => ({ model: m.lm, modelName: m.spec.name, vocab: m.vocab, text: input.text, ...extra });
const contexts = {
  'gradient-flow': ctx(lstm), gates: ctx(lstm), attention: ctx(gpt, { others: { 'linear-gpt': linear.lm } }),
  'positional-encoding': ctx(gpt), sampling: ctx(gpt), alignment: ctx(lstm, { g2p }), forecast: ctx(lstm, { forecast }),
  patches: ctx(lstm, { vit: { model: image.model, classes: image.config.classes } }),
};
const params = {
  'gradient-flow': { length: 64 }, gates: { length: 64, unit: 3 }, attention: { prompt: 'Call me Ishmael.' }, 'positional-encoding': { length: 64 },
  sampling: { prompt: 'Call me', steps: 8, temperature: 0.8, topK: 10, topP: 0.9 }, alignment: { word: 'PLAYGROUND' }, forecast: { days: 120 },
  patches: { image: input.image.pixels, imageName: input.image.name },
};
const gallery = {};
try {
  for (const view of VIEWS) {
    const el = document.createElement('div');
    el.style.width = '600px';
    document.body.append(el);
    view.draw(el, await inspectors[view.name](contexts[view.name], params[view.name]));
    gallery[view.name] = await snapshot(el);
  }
} catch (e) {
  gallery.error = String((e && e.stack) || e);
}
window.gallery = gallery;
`;

const app = mkdtempSync(join(tmpdir(), 'loom-gallery-'));
let server;
let browser;
try {
  mkdirSync(join(app, 'out'));
  writeFileSync(join(app, 'out', 'index.html'), '<!doctype html><meta charset="utf-8"><title>gallery</title><body><script type="module" src="main.js"></script>');
  writeFileSync(join(app, 'out', 'inputs.json'), JSON.stringify(inputs()));
  writeFileSync(join(app, 'main.js'), MAIN);
  await build({ entryPoints: [join(app, 'main.js')], outfile: join(app, 'out', 'main.js'), bundle: true, format: 'esm', target: 'es2022', external: ['/dist/*'], logLevel: 'silent' });
  server = await startServer({ '/gallery/': join(app, 'out'), '/runs/': resolve(flags.runs) });
  browser = await launchChromium();
  const page = await browser.open(`${server.origin}/gallery/index.html`, (line) => console.error(line));
  await page.waitForFunction(() => window.gallery !== undefined, null, { timeout: 300_000 });
  const gallery = await page.evaluate(() => window.gallery);
  if (gallery.error) throw new Error(gallery.error);
  mkdirSync(flags.out, { recursive: true });
  for (const [name, url] of Object.entries(gallery)) {
    writeFileSync(join(flags.out, `${name}.png`), Buffer.from(url.replace(/^data:image\/png;base64,/, ''), 'base64'));
    console.log(`wrote ${join(flags.out, `${name}.png`)}`);
  }
} finally {
  await browser?.close();
  await server?.close();
  rmSync(app, { recursive: true, force: true });
}
