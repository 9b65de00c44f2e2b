/**
 * Fashion-MNIST (Xiao et al. 2017): 70,000 greyscale 28 x 28 images of clothing in 10 classes, 60,000 for
 * training and 10,000 for testing. Read offline from Debian's `dataset-fashion-mnist` package
 * (`apt-get install dataset-fashion-mnist`), which ships the four original IDX files, gzipped, in
 * /usr/share/datasets/fashion-mnist.
 *
 * IDX (LeCun's MNIST format): two zero bytes, a type byte (0x08 u8, 0x09 i8, 0x0B i16, 0x0C i32, 0x0D f32,
 * 0x0E f64), the number of dims, each dim as a big-endian u32, then the values, big-endian, row-major.
 *
 * @example
 * const { images, labels, shape, classes } = loadFashionMnist({ split: 'test' });
 * // images: Float32Array of shape (10000, 1, 28, 28) in [0, 1]; labels: Int32Array in [0, 10)
 * const x = fromArray(images, shape);
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { DataError } from './corpus.js';

/** Where Debian's `dataset-fashion-mnist` package installs the files. */
export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

/** The class names, by label. */
export const FASHION_MNIST_CLASSES: readonly string[] = [
  'T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot',
];

export type IdxType = 'u8' | 'i8' | 'i16' | 'i32' | 'f32' | 'f64';

export interface IdxArray {
  type: IdxType;
  shape: number[];
  /** The values, row-major, in a typed array of the file's type (converted to the machine's byte order). */
  data: Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;
}

const IDX_TYPES: Record<number, [IdxType, number]> = {
  0x08: ['u8', 1], 0x09: ['i8', 1], 0x0b: ['i16', 2], 0x0c: ['i32', 4], 0x0d: ['f32', 4], 0x0e: ['f64', 8],
};

/** Parses an IDX file's bytes (gunzipped first when they start with the gzip magic 1f 8b). */
export function parseIdx(bytes: Uint8Array, name = 'IDX data'): IdxArray {
  let b = bytes;
  if (b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b) {
    try {
      b = gunzipSync(b);
    } catch (e) {
      throw new DataError(`${name}: corrupt gzip data (${(e as Error).message})`);
    }
  }
  if (b.length < 4 || b[0] !== 0 || b[1] !== 0)
    throw new DataError(`${name}: not an IDX file (expected the magic 00 00 <type> <ndim>, got ${Array.from(b.subarray(0, 4), (v) => v.toString(16).padStart(2, '0')).join(' ')})`);
  const kind = IDX_TYPES[b[2]];
  if (!kind) throw new DataError(`${name}: unknown IDX data type 0x${b[2].toString(16)} (expected 08, 09, 0b, 0c, 0d or 0e)`);
  const [type, size] = kind;
  const ndim = b[3];
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const header = 4 + 4 * ndim;
  if (b.length < header) throw new DataError(`${name}: truncated header (${ndim} dims need ${header} bytes, got ${b.length})`);
  const shape = Array.from({ length: ndim }, (_, i) => view.getUint32(4 + 4 * i, false));
  const n = shape.reduce((a, d) => a * d, 1);
  if (b.length !== header + n * size)
    throw new DataError(`${name}: shape [${shape.join(', ')}] of ${type} needs ${header + n * size} bytes, the file has ${b.length}`);
  const at = (i: number) => header + i * size;
  let data: IdxArray['data'];
  switch (type) {
    case 'u8': data = b.slice(header, header + n); break;
    case 'i8': data = new Int8Array(b.slice(header, header + n).buffer); break;
    case 'i16': data = Int16Array.from({ length: n }, (_, i) => view.getInt16(at(i), false)); break;
    case 'i32': data = Int32Array.from({ length: n }, (_, i) => view.getInt32(at(i), false)); break;
    case 'f32': data = Float32Array.from({ length: n }, (_, i) => view.getFloat32(at(i), false)); break;
    case 'f64': data = Float64Array.from({ length: n }, (_, i) => view.getFloat64(at(i), false)); break;
  }
  return { type, shape, data };
}

/**
 * Reads one of the four files: `<dir>/<base>.gz` or `<dir>/<base>`, or else the one file of the folder
 * whose name holds the base with `-` or `.` before `idx` and an optional prefix (`emnist-digits-train-images-idx3-ubyte.gz`,
 * Kaggle's `train-images.idx3-ubyte`). Returns the array and the file's path.
 */
function readIdxFile(dir: string, base: string): { array: IdxArray; file: string } {
  for (const file of [join(dir, `${base}.gz`), join(dir, base)]) if (existsSync(file)) return { array: parseIdx(readFileSync(file), file), file };
  if (!existsSync(dir))
    throw new DataError(
      `Fashion-MNIST: the folder ${dir} does not exist. Install the data set with ` +
        '`apt-get install dataset-fashion-mnist` (Debian), or pass `--data DIR` (`dir`) naming a folder with the four MNIST-layout IDX files.',
    );
  const [kind, idx] = base.split(/-(?=idx)/); // 'train-images', 'idx3-ubyte'
  const pattern = new RegExp(`(^|[-_.])${kind.replace('-', '[-_]')}[-_.]${idx}(\\.gz)?$`);
  const found = readdirSync(dir).filter((f) => pattern.test(f));
  if (found.length === 1) {
    const file = join(dir, found[0]);
    return { array: parseIdx(readFileSync(file), file), file };
  }
  if (found.length > 1) throw new DataError(`Fashion-MNIST: ${dir} has several files for ${base}: ${found.join(', ')}; keep one`);
  throw new DataError(
    `Fashion-MNIST: ${join(dir, base)}(.gz) not found. Install the data set with ` +
      '`apt-get install dataset-fashion-mnist` (Debian), or pass `--data DIR` (`dir`) naming a folder with the four MNIST-layout IDX files.',
  );
}

export interface FashionMnistOptions {
  /** 'train' (60,000 images) or 'test' (10,000) (default 'train'). */
  split?: 'train' | 'test';
  /** The folder holding the IDX files (default FASHION_MNIST_DIR). */
  dir?: string;
}

export interface FashionMnist {
  /** (N, 1, 28, 28) pixel values / 255, row-major. */
  images: Float32Array;
  /** (N) class labels in [0, 10). */
  labels: Int32Array;
  /** [N, 1, 28, 28]. */
  shape: [number, number, number, number];
  /** The class names, by label. */
  classes: readonly string[];
}

/**
 * Loads one split of Fashion-MNIST as flat typed arrays (wrap with `fromArray(images, shape)`). Throws a
 * DataError naming the install command when the files are missing, and one naming the file when they
 * are malformed.
 */
export function loadFashionMnist({ split = 'train', dir = FASHION_MNIST_DIR }: FashionMnistOptions = {}): FashionMnist {
  if (split !== 'train' && split !== 'test') throw new DataError(`Fashion-MNIST: split must be 'train' or 'test', got '${String(split)}'`);
  const prefix = split === 'train' ? 'train' : 't10k';
  const { array: img, file: imgFile } = readIdxFile(dir, `${prefix}-images-idx3-ubyte`);
  const { array: lab, file: labFile } = readIdxFile(dir, `${prefix}-labels-idx1-ubyte`);
  if (img.type !== 'u8' || img.shape.length !== 3 || img.shape[0] === 0)
    throw new DataError(`${imgFile}: images must be u8 of shape (N, H, W) with N >= 1, got ${img.type} [${img.shape.join(', ')}]`);
  if (lab.type !== 'u8' || lab.shape.length !== 1 || lab.shape[0] !== img.shape[0])
    throw new DataError(`${labFile}: labels must be u8 of shape (${img.shape[0]}) to match ${imgFile}, got ${lab.type} [${lab.shape.join(', ')}]`);
  const [N, H, W] = img.shape;
  const images = new Float32Array(img.data.length);
  for (let i = 0; i < images.length; i++) images[i] = img.data[i] / 255;
  const labels = Int32Array.from(lab.data);
  const bad = labels.findIndex((l) => l >= FASHION_MNIST_CLASSES.length);
  if (bad >= 0) throw new DataError(`${labFile}: label ${labels[bad]} at index ${bad} is not in [0, ${FASHION_MNIST_CLASSES.length})`);
  return { images, labels, shape: [N, 1, H, W], classes: FASHION_MNIST_CLASSES };
}
