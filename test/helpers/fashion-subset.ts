/** Small MNIST-layout data sets for the tests: IDX files written from the first images of Debian's Fashion-MNIST. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FASHION_MNIST_CLASSES, loadFashionMnist } from '../../src/data/fashion-mnist.js';

/** A u8 IDX file of `shape` with `values` (big-endian dims after the magic 0 0 8 ndim). */
export function idx(shape: number[], values: ArrayLike<number>): Uint8Array {
  const b = new Uint8Array(4 + 4 * shape.length + values.length);
  b[2] = 0x08;
  b[3] = shape.length;
  shape.forEach((d, i) => new DataView(b.buffer).setUint32(4 + 4 * i, d, false));
  b.set(values, 4 + 4 * shape.length);
  return b;
}

/** `dir` with the first `train` training and `test` test images of Fashion-MNIST, as the four uncompressed IDX files and classes.txt. */
export function writeFashionSubset(dir: string, train: number, test: number): string {
  mkdirSync(dir, { recursive: true });
  for (const [split, n, prefix] of [['train', train, 'train'], ['test', test, 't10k']] as const) {
    const d = loadFashionMnist({ split });
    writeFileSync(join(dir, `${prefix}-images-idx3-ubyte`), idx([n, 28, 28], Array.from(d.images.subarray(0, n * 784), (v) => Math.round(v * 255))));
    writeFileSync(join(dir, `${prefix}-labels-idx1-ubyte`), idx([n], d.labels.subarray(0, n)));
  }
  writeFileSync(join(dir, 'classes.txt'), `${FASHION_MNIST_CLASSES.join('\n')}\n`);
  return dir;
}
