/**
 * `loom train --task fashion-mnist`, `loom eval` and `loom predict` on a fashion-mnist checkpoint, run as
 * the user runs them (bin/loom.js), with tiny settings; and their refusals. The runs on real images skip
 * without dataset-fashion-mnist.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import { PNG } from 'pngjs';
import { FASHION_MNIST_CLASSES, FASHION_MNIST_DIR, loadFashionMnist } from '../src/node.js';
import { idx } from './helpers/fashion-subset.js';

const LOOM = fileURLToPath(new URL('../../bin/loom.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'loom-fmnist-cli-'));
const HAVE_DATA = existsSync(join(FASHION_MNIST_DIR, 't10k-images-idx3-ubyte.gz')) || existsSync(join(FASHION_MNIST_DIR, 't10k-images-idx3-ubyte'));
const skip = HAVE_DATA ? false : `${FASHION_MNIST_DIR} is absent (apt-get install dataset-fashion-mnist)`;

function loom(args: string[]) {
  const r = spawnSync(process.execPath, [LOOM, ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, LOOM_THREADS: '1' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The real test split, read once by the first test. */
let testSplit: ReturnType<typeof loadFashionMnist> | undefined;

/** A PNG of `grey` (w x h values in [0, 1]), 8-bit RGBA. */
function writePng(path: string, grey: Float32Array, w: number, h: number, scale = 1): void {
  const png = new PNG({ width: w * scale, height: h * scale });
  for (let y = 0; y < h * scale; y++)
    for (let x = 0; x < w * scale; x++) {
      const v = Math.round(255 * grey[Math.floor(y / scale) * w + Math.floor(x / scale)]);
      png.data.set([v, v, v, 255], 4 * (y * w * scale + x));
    }
  writeFileSync(path, PNG.sync.write(png));
}

describe('loom --task fashion-mnist', () => {
  test('train, eval and predict with tiny settings, on a --data folder cut from Fashion-MNIST', { skip }, () => {
    // the first 320 training and 500 test images, as MNIST-layout files with a classes.txt
    const data = join(dir, 'small');
    mkdirSync(data);
    for (const [split, n, prefix] of [['train', 320, 'train'], ['test', 500, 't10k']] as const) {
      const d = loadFashionMnist({ split });
      writeFileSync(join(data, `${prefix}-images-idx3-ubyte`), idx([n, 28, 28], Array.from(d.images.subarray(0, n * 784), (v) => Math.round(v * 255))));
      writeFileSync(join(data, `${prefix}-labels-idx1-ubyte`), gzipSync(idx([n], Array.from(d.labels.subarray(0, n)))));
      if (split === 'test') testSplit = d;
    }
    writeFileSync(join(data, 'classes.txt'), `${FASHION_MNIST_CLASSES.join('\n')}\n`);
    const train = loom(['train', '--task', 'fashion-mnist', '--data', 'small', '--test-images', '200', '--epochs', '2', '--batch', '32', '--out', 'run', '--checkpoint-every', '10']);
    assert.equal(train.code, 0, train.stderr);
    assert.match(train.stdout, /^model: cnn \(imageSize 28, inChannels 1, numClasses 10, channels 32x64, hidden 128, dropout 0.25\), 421,834 parameters$/m);
    assert.match(train.stdout, /^data: .*small, train 320 images, test 500;/m);
    assert.match(train.stdout, /^training: 20 steps \(2\.00 epochs of 10\), batch 32, AdamW lr 0\.002/m);
    assert.match(train.stdout, /^step 10: test accuracy \d+\.\d\d%/m); // a periodic evaluation each epoch
    assert.match(train.stdout, /^test accuracy \d+\.\d\d%, loss \d\.\d{4} \(200 images\)$/m);
    const again = loom(['train', '--task', 'fashion-mnist', '--out', 'run', '--resume', '--batch', '16']);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /^loom: --batch cannot change a resumed run/);
    const more = loom(['train', '--out', 'run', '--resume', '--steps', '22', '--test-images', '100']); // the task from the checkpoint
    assert.equal(more.code, 0, more.stderr);
    assert.match(more.stdout, /resuming from step 20/);

    const ev = loom(['eval', '--checkpoint', 'run', '--images', '500']);
    assert.equal(ev.code, 0, ev.stderr);
    const acc = Number(/^accuracy (\d+\.\d\d)% \((\d+) of 500\)/m.exec(ev.stdout)![1]);
    assert.ok(acc > 30, ev.stdout);
    assert.match(ev.stdout, /^ {3}9 Ankle boot +\d+\.\d\d%$/m);
    const matrix = ev.stdout.split('\n').filter((l) => /^ +\d \S.*?( +\d+){10}$/.test(l));
    assert.equal(matrix.length, 10);
    const total = matrix.reduce((a, l) => a + l.trim().split(/ +/).slice(-10).map(Number).reduce((x, y) => x + y, 0), 0);
    assert.equal(total, 500);

    const test = testSplit!;
    writePng(join(dir, 'a.png'), test.images.subarray(0, 784), 28, 28);
    writePng(join(dir, 'b.png'), test.images.subarray(784, 1568), 28, 28, 3); // 84 x 84, resized
    const pr = loom(['predict', '--checkpoint', 'run', 'a.png', 'b.png']);
    assert.equal(pr.code, 0, pr.stderr);
    const lines = pr.stdout.trim().split('\n');
    assert.equal(lines.length, 2);
    assert.match(lines[0], /^a\.png: (\S[^,]* \d+\.\d%, ){2}\S[^,]* \d+\.\d%$/);
    assert.match(lines[1], /^b\.png \(84x84, resized to 28x28\): /);
    const probs = [...lines[0].matchAll(/ (\d+\.\d)%/g)].map((m) => Number(m[1]));
    assert.ok(probs[0] >= probs[1] && probs[1] >= probs[2]);

    writeFileSync(join(dir, 'not.png'), 'hello');
    const bad = loom(['predict', '--checkpoint', 'run', 'not.png']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /^loom: image 'not.png' is not a readable PNG file/);
  });

  test("loom export: ONNX Runtime's class probabilities of raw pixels equal Loom's classify; PyTorch's config.json holds the classes", { skip }, async () => {
    const ort = await import('onnxruntime-node');
    const { classify, loadCheckpoint, loadImageClassifier } = await import('../src/node.js');
    const e = loom(['export', '--checkpoint', 'run', '--format', 'onnx', '--out', 'cnn.onnx']);
    assert.equal(e.code, 0, e.stderr);
    assert.match(e.stdout, /\(fashion-mnist cnn, ONNX opset 17, [\d.]+ KiB\): pixels float32 \(batch, 1, 28, 28\) in \[0, 1\] -> logits \(batch, 10\)/);
    const pixels = testSplit!.images.slice(0, 3 * 784);
    const want = classify(loadImageClassifier(loadCheckpoint(join(dir, 'run'))), pixels, 3);
    const session = await ort.InferenceSession.create(join(dir, 'cnn.onnx'));
    const logits = (await session.run({ pixels: new ort.Tensor('float32', pixels, [3, 1, 28, 28]) })).logits.data as Float32Array;
    await session.release();
    for (let b = 0; b < 3; b++) {
      const row = logits.subarray(b * 10, b * 10 + 10);
      const max = Math.max(...row);
      const sum = row.reduce((a, v) => a + Math.exp(v - max), 0);
      row.forEach((v, k) => assert.ok(Math.abs(Math.exp(v - max) / sum - want[b * 10 + k]) < 1e-4, `image ${b}, class ${k}`));
    }
    const t = loom(['export', '--checkpoint', 'run', '--format', 'pytorch', '--out', 'cnn-pt']);
    assert.equal(t.code, 0, t.stderr);
    const config = JSON.parse(readFileSync(join(dir, 'cnn-pt', 'config.json'), 'utf8'));
    assert.deepEqual([config.task, config.model, config.classes], ['fashion-mnist', 'cnn', FASHION_MNIST_CLASSES]);
  });

  test('refusals: missing data names the package and --data; an unknown model; predict without images', () => {
    const none = loom(['train', '--task', 'fashion-mnist', '--data', 'nowhere', '--out', 'r2']);
    assert.equal(none.code, 1);
    assert.match(none.stderr, /^loom: Fashion-MNIST: the folder .*nowhere does not exist\. Install the data set with `apt-get install dataset-fashion-mnist` \(Debian\), or pass `--data DIR`/);
    const model = loom(['train', '--task', 'fashion-mnist', '--model', 'resnet', '--out', 'r3']);
    assert.equal(model.code, 1);
    assert.match(model.stderr, /^loom: unknown model 'resnet'; --model takes cnn, se-cnn, vit, swin/);
    const patch = loom(['train', '--task', 'fashion-mnist', '--model', 'cnn', '--patch', '4', '--data', 'nowhere', '--out', 'r4']);
    assert.equal(patch.code, 1);
    assert.match(patch.stderr, /^loom: --patch applies to the vit model only, not cnn$/m);
    const help = loom(['train', '--task', 'fashion-mnist', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /--data DIR +a folder with the four MNIST-layout IDX files/);
    assert.match(help.stdout, /--patch P +vit: the side of its square patches/);
  });
});
