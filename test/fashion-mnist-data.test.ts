/**
 * The MNIST-layout data of the fashion-mnist task: any four IDX files, gzipped or not, under their
 * usual names or common variants; refusals of missing, corrupt and truncated files naming the file.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { DataError, loadFashionMnist } from '../src/node.js';

/** A u8 IDX file of `shape` with `values`. */
function idx(shape: number[], values: number[]): Uint8Array {
  const b = new Uint8Array(4 + 4 * shape.length + values.length);
  const v = new DataView(b.buffer);
  b[2] = 0x08;
  b[3] = shape.length;
  shape.forEach((d, i) => v.setUint32(4 + 4 * i, d, false));
  b.set(values, 4 + 4 * shape.length);
  return b;
}

/** A folder with a 3-image test split under the given file names. */
function folder(names: { images: string; labels: string }, gzip = true): string {
  const dir = mkdtempSync(join(tmpdir(), 'loom-fmnist-data-'));
  const z = (b: Uint8Array) => (gzip ? gzipSync(b) : b);
  writeFileSync(join(dir, names.images), z(idx([3, 2, 2], Array.from({ length: 12 }, (_, i) => i * 21))));
  writeFileSync(join(dir, names.labels), z(idx([3], [1, 2, 3])));
  return dir;
}

describe('fashion-mnist data', () => {
  test('reads the standard names gzipped or not, Kaggle-style names and prefixed names (kmnist-...)', () => {
    for (const [names, gzip] of [
      [{ images: 't10k-images-idx3-ubyte.gz', labels: 't10k-labels-idx1-ubyte.gz' }, true],
      [{ images: 't10k-images-idx3-ubyte', labels: 't10k-labels-idx1-ubyte' }, false],
      [{ images: 't10k-images.idx3-ubyte', labels: 't10k-labels.idx1-ubyte' }, false],
    ] as const) {
      const d = loadFashionMnist({ split: 'test', dir: folder(names, gzip) });
      assert.deepEqual(d.shape, [3, 1, 2, 2], names.images);
      assert.deepEqual(Array.from(d.labels), [1, 2, 3]);
      assert.equal(d.images[11], Math.fround((11 * 21) / 255));
    }
    const prefixed = folder({ images: 'kmnist-t10k-images-idx3-ubyte.gz', labels: 'kmnist-t10k-labels-idx1-ubyte.gz' });
    assert.deepEqual(Array.from(loadFashionMnist({ split: 'test', dir: prefixed }).labels), [1, 2, 3]);
  });

  test('missing data: the sentence names the install command and --data', () => {
    const dir = mkdtempSync(join(tmpdir(), 'loom-fmnist-none-'));
    for (const d of [dir, join(dir, 'absent')]) {
      assert.throws(
        () => loadFashionMnist({ split: 'train', dir: d }),
        (e: Error) => e instanceof DataError && /apt-get install dataset-fashion-mnist/.test(e.message) && /--data DIR/.test(e.message) && e.message.includes(d),
      );
    }
    const two = folder({ images: 't10k-images.idx3-ubyte', labels: 't10k-labels.idx1-ubyte' }, false);
    writeFileSync(join(two, 'other-t10k-images-idx3-ubyte'), idx([1, 2, 2], [0, 0, 0, 0]));
    assert.throws(() => loadFashionMnist({ split: 'test', dir: two }), /has several files for t10k-images-idx3-ubyte/);
  });

  test('corrupt, truncated and mismatched files are refused with the file and the reason', () => {
    const dir = folder({ images: 't10k-images-idx3-ubyte.gz', labels: 't10k-labels-idx1-ubyte.gz' });
    const images = join(dir, 't10k-images-idx3-ubyte.gz');
    const labels = join(dir, 't10k-labels-idx1-ubyte.gz');
    const good = gzipSync(idx([3, 2, 2], Array.from({ length: 12 }, (_, i) => i)));
    const refuses = (file: string, bytes: Uint8Array, reason: RegExp) => {
      writeFileSync(file, bytes);
      assert.throws(
        () => loadFashionMnist({ split: 'test', dir }),
        (e: Error) => e instanceof DataError && e.message.startsWith(file) && reason.test(e.message),
        `${reason}`,
      );
      writeFileSync(file, file === images ? good : gzipSync(idx([3], [1, 2, 3])));
    };
    refuses(images, good.subarray(0, good.length - 9), /corrupt gzip data \(unexpected end of file\)/); // a truncated download
    const flipped = Uint8Array.from(good);
    flipped[12] ^= 0xff;
    refuses(images, flipped, /corrupt gzip data/);
    refuses(images, gzipSync(idx([3, 2, 2], [1, 2, 3])), /shape \[3, 2, 2\] of u8 needs 28 bytes, the file has 19/);
    refuses(images, gzipSync(new TextEncoder().encode('<html>404</html>')), /not an IDX file/);
    refuses(images, gzipSync(idx([12], Array(12).fill(0))), /images must be u8 of shape \(N, H, W\)/);
    refuses(labels, gzipSync(idx([2], [1, 2])), /labels must be u8 of shape \(3\)/);
    refuses(labels, gzipSync(idx([3], [1, 12, 3])), /label 12 at index 1 is not in \[0, 10\)/);
  });
});
