/**
 * Vision blocks: Conv1d/2d, pooling, BatchNorm, SqueezeExcitation, Swin, ViT against PyTorch (the parity
 * cases), finite-difference gradient checks on tiny sizes, the behaviour that tells BatchNorm from
 * LayerNorm, and the Fashion-MNIST IDX reader.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { noGrad } from '../src/core/autograd.js';
import { fromArray, randn } from '../src/core/creation.js';
import { Generator } from '../src/core/random.js';
import type { Tensor } from '../src/core/tensor.js';
import { FASHION_MNIST_DIR, loadFashionMnist, parseIdx } from '../src/data/fashion-mnist.js';
import { ViT } from '../src/models/vision/vit.js';
import {
  AdaptiveAvgPool2d, AvgPool2d, BatchNorm1d, BatchNorm2d, Conv1d, Conv2d, F, LayerNorm, MaxPool2d,
} from '../src/nn/index.js';
import { roll, SwinBlock, windowOrder, windowPartition, windowReverse } from '../src/models/vision/swin.js';
import { testParityCases } from './helpers/cases.js';
import { assertClose } from './helpers/close.js';
import { assertGradcheck } from './helpers/gradcheck.js';
import { distinct, param } from './helpers/inputs.js';

describe('PyTorch parity (test/parity/vision)', () => {
  const names = testParityCases('vision');
  test('the vision cases are committed', () => assert.ok(names.length >= 12 + 20, `only ${names.length} vision cases in test/parity/vision`));
});

describe('convolution', () => {
  test('gradcheck conv2d: stride, asymmetric padding, dilation, groups', () => {
    const x = param([2, 4, 6, 5], 1);
    const w = param([6, 2, 2, 3], 2);
    const b = param([6], 3);
    assertGradcheck((x, w, b) => F.conv2d(x, w, b, { stride: [2, 1], padding: [1, 2], dilation: [2, 1], groups: 2 }), [x, w, b]);
  });

  test('gradcheck conv2d with reflect, replicate and circular padding and "same"', () => {
    for (const paddingMode of ['reflect', 'replicate', 'circular'] as const) {
      const x = param([1, 2, 4, 5], 4);
      const w = param([3, 2, 3, 2], 5);
      assertGradcheck((x, w) => F.conv2d(x, w, null, { padding: 'same', paddingMode }), [x, w]);
    }
  });

  test('gradcheck conv1d (unbatched and batched)', () => {
    const w = param([4, 3, 3], 6);
    assertGradcheck((x, w) => F.conv1d(x, w, null, { stride: 2, padding: 1 }), [param([3, 7], 7), w]);
    assertGradcheck((x, w) => F.conv1d(x, w, null, { dilation: 2 }), [param([2, 3, 8], 8), w]);
  });

  test('conv2d equals a direct sum over the receptive field', () => {
    const x = randn([1, 2, 5, 5], { generator: new Generator(9) });
    const w = randn([1, 2, 3, 3], { generator: new Generator(10) });
    const y = F.conv2d(x, w, null, { stride: 2, padding: 1 }).toArray();
    const xv = x.toArray();
    const wv = w.toArray();
    const want: number[] = [];
    for (let oh = 0; oh < 3; oh++)
      for (let ow = 0; ow < 3; ow++) {
        let s = 0;
        for (let c = 0; c < 2; c++)
          for (let i = 0; i < 3; i++)
            for (let j = 0; j < 3; j++) {
              const h = oh * 2 - 1 + i;
              const v = ow * 2 - 1 + j;
              if (h >= 0 && h < 5 && v >= 0 && v < 5) s += xv[c * 25 + h * 5 + v] * wv[c * 9 + i * 3 + j];
            }
        want.push(s);
      }
    assertClose(y, want, 1e-5);
  });

  test('module: PyTorch keys, shapes and init bounds; errors name both shapes', () => {
    const conv = new Conv2d(4, 6, [3, 2], { groups: 2, generator: new Generator(0) });
    assert.deepEqual([...conv.stateDict()].map(([k, v]) => [k, v.shape]), [['weight', [6, 2, 3, 2]], ['bias', [6]]]);
    const bound = 1 / Math.sqrt(2 * 3 * 2);
    for (const p of [conv.weight, conv.bias!]) assert.ok(Array.from(p.toArray()).every((v) => Math.abs(v) <= bound));
    assert.equal(conv.toString(), 'Conv2d(4, 6, kernel_size=(3, 2), stride=(1, 1), groups=2)');
    assert.equal(new Conv1d(2, 3, 3, { bias: false }).bias, null);
    assert.throws(() => conv.forward(randn([1, 5, 6, 6])), /weight of size \[6, 2, 3, 2\], expected input\[1, 5, 6, 6\] to have 4 channels, but got 5/);
    assert.throws(() => conv.forward(randn([1, 4, 2, 2])), /Kernel size can't be greater than actual input size \(input \[1, 4, 2, 2\], weight \[6, 2, 3, 2\]\)/);
    assert.throws(() => new Conv2d(3, 4, 3, { groups: 2 }), /in_channels \(3\) must be divisible by groups \(2\)/);
    assert.throws(() => new Conv2d(3, 4, 3, { stride: 2, padding: 'same' }), /not supported for strided/);
  });

  test('one autograd node per convolution', () => {
    const x = param([1, 2, 4, 4]);
    const y = new Conv2d(2, 3, 3).forward(x);
    assert.equal(y.gradFn!.name, 'conv2d');
    assert.deepEqual(y.gradFn!.inputs.map((t) => t.shape), [[1, 2, 4, 4], [3, 2, 3, 3], [3]]);
    const z = new Conv1d(2, 3, 3).forward(param([1, 2, 5]));
    assert.equal(z.gradFn!.name, 'conv1d');
    assert.equal(z.gradFn!.inputs[0].gradFn, null);
  });
});

describe('pooling', () => {
  test('gradcheck max_pool2d (distinct values: no ties)', () => {
    assertGradcheck((x) => F.maxPool2d(x, 3, { stride: 2, padding: 1 }), [distinct([2, 2, 5, 6], 1)]);
    assertGradcheck((x) => F.maxPool2d(x, 2, { stride: 1, dilation: 2, ceilMode: true }), [distinct([1, 2, 5, 5], 2)]);
  });

  test('gradcheck avg_pool2d and adaptive_avg_pool2d', () => {
    assertGradcheck((x) => F.avgPool2d(x, 3, { stride: 2, padding: 1, countIncludePad: false }), [param([2, 2, 5, 6], 3)]);
    assertGradcheck((x) => F.avgPool2d(x, [2, 3], { stride: 2, padding: 1, ceilMode: true }), [param([1, 2, 5, 6], 4)]);
    assertGradcheck((x) => F.adaptiveAvgPool2d(x, [3, 2]), [param([2, 2, 7, 5], 5)]);
  });

  test('max pooling values, indices, and the gradient routed to the maximum', () => {
    const x = fromArray([1, 5, 2, 0, 3, 4, 9, 8, 7, 6, 1, 2, 0, 3, 4, 5], [1, 1, 4, 4], { requiresGrad: true });
    const [y, idx] = F.maxPool2d(x, 2, { returnIndices: true });
    assert.deepEqual(Array.from(y.toArray()), [5, 9, 7, 5]);
    assert.deepEqual(Array.from(idx.toArray()), [1, 6, 8, 15]);
    y.sum().backward();
    assert.deepEqual(Array.from(x.grad!.toArray()), [0, 1, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0, 1]);
    assert.deepEqual(new MaxPool2d(2).forward(randn([3, 4, 6])).shape, [3, 2, 3]);
    const [, moduleIdx] = new MaxPool2d(2, { returnIndices: true }).forward(x.detach());
    assert.deepEqual(Array.from(moduleIdx.toArray()), [1, 6, 8, 15]);
  });

  test('avg pooling: count_include_pad changes only the border divisors; global pooling is the mean', () => {
    const x = fromArray(Array(9).fill(1), [1, 1, 3, 3]);
    assertClose(new AvgPool2d(3, { stride: 1, padding: 1 }).forward(x), [4 / 9, 6 / 9, 4 / 9, 6 / 9, 1, 6 / 9, 4 / 9, 6 / 9, 4 / 9]);
    assertClose(new AvgPool2d(3, { stride: 1, padding: 1, countIncludePad: false }).forward(x), Array(9).fill(1));
    const z = randn([2, 3, 4, 5]);
    assertClose(new AdaptiveAvgPool2d(1).forward(z).flatten(1), z.mean([2, 3]).toArray(), 1e-6);
    assert.throws(() => F.maxPool2d(randn([1, 1, 4, 4]), 2, { padding: 2 }), /pad should be at most half/);
    assert.throws(() => F.avgPool2d(randn([4, 4]), 2), /expected 3D \(C, H, W\) or 4D \(N, C, H, W\) input, but got input of size: \[4, 4\]/);
  });
});

describe('batch norm', () => {
  test('gradcheck batch_norm in training (batch statistics) and evaluation', () => {
    const w = param([3], 2);
    const b = param([3], 3);
    assertGradcheck((x, w, b) => F.batchNorm(x, null, null, { weight: w, bias: b, training: true }), [param([4, 3, 2], 1), w, b]);
    const rm = randn([3], { generator: new Generator(4) });
    const rv = randn([3], { generator: new Generator(5) }).abs().add(0.5);
    assertGradcheck((x, w, b) => F.batchNorm(x, rm, rv, { weight: w, bias: b }), [param([2, 3, 2, 2], 6), w, b]);
  });

  test('running statistics: unbiased variance, momentum, cumulative average, num_batches_tracked', () => {
    const x = fromArray([1, 2, 3, 6, 10, 20, 30, 60], [4, 2]); // 4 samples of 2 channels
    const bn = new BatchNorm1d(2);
    noGrad(() => bn.forward(x));
    // channel 0 = [1, 3, 10, 30], channel 1 = [2, 6, 20, 60]
    const stats = (v: number[]) => {
      const m = v.reduce((a, b) => a + b) / v.length;
      return [m, v.reduce((a, b) => a + (b - m) ** 2, 0) / (v.length - 1)];
    };
    const [m0, u0] = stats([1, 3, 10, 30]);
    const [m1, u1] = stats([2, 6, 20, 60]);
    assertClose(bn.runningMean!, [0.1 * m0, 0.1 * m1]);
    assertClose(bn.runningVar!, [0.9 + 0.1 * u0, 0.9 + 0.1 * u1]);
    assert.equal(bn.numBatchesTracked!.item(), 1);
    assert.equal(bn.numBatchesTracked!.dtype, 'int32');
    bn.eval();
    const before = bn.runningMean!.toArray();
    const y = bn.forward(x);
    assert.deepEqual(bn.runningMean!.toArray(), before);
    assert.equal(bn.numBatchesTracked!.item(), 1);
    assertClose(y.select(1, 0), [1, 3, 10, 30].map((v) => (v - 0.1 * m0) / Math.sqrt(0.9 + 0.1 * u0 + 1e-5)), 1e-5);

    const cma = new BatchNorm2d(1, { momentum: null, affine: false });
    assert.deepEqual([...cma.stateDict().keys()], ['running_mean', 'running_var', 'num_batches_tracked']);
    noGrad(() => cma.forward(fromArray([0, 2], [2, 1, 1, 1]))); // mean 1
    noGrad(() => cma.forward(fromArray([4, 6], [2, 1, 1, 1]))); // mean 5
    assertClose(cma.runningMean!, [3]); // (1 + 5) / 2
    assert.deepEqual([...new BatchNorm2d(2, { trackRunningStats: false }).stateDict().keys()], ['weight', 'bias']);
    assert.throws(() => new BatchNorm1d(3).forward(randn([1, 3])), /Expected more than 1 value per channel when training, got input size \[1, 3\]/);
    assert.throws(() => new BatchNorm2d(3).forward(randn([2, 4, 2, 2])), /BatchNorm2d\(3\): input \[2, 4, 2, 2\] has 4 channels/);
  });

  test('BatchNorm depends on the rest of the batch in training, LayerNorm never does', () => {
    const a = randn([4, 3], { generator: new Generator(1) });
    const b = a.clone();
    b.select(0, 3).copy_(randn([3], { generator: new Generator(2) }).mul(10)); // change only sample 3
    const bn = new BatchNorm1d(3);
    const ln = new LayerNorm(3);
    const first = (m: { forward(x: Tensor): Tensor }, x: Tensor) => noGrad(() => m.forward(x)).select(0, 0).toArray();
    const diff = (p: ArrayLike<number>, q: ArrayLike<number>) => Math.max(...Array.from(p, (v, i) => Math.abs(v - q[i])));
    assert.ok(diff(first(bn, a), first(bn, b)) > 0.1, 'training BatchNorm: sample 0 should move with sample 3');
    assert.ok(diff(first(ln, a), first(ln, b)) < 1e-6, 'LayerNorm: sample 0 is normalised on its own');
    bn.eval();
    assert.ok(diff(first(bn, a), first(bn, b)) < 1e-6, 'eval BatchNorm: running statistics, per sample');
    // and what each normalises: BatchNorm makes every channel zero-mean over the batch, LayerNorm every sample over its features
    const y = noGrad(() => new BatchNorm1d(3).forward(a));
    assertClose(y.mean(0), [0, 0, 0], 1e-5);
    assertClose(noGrad(() => ln.forward(a)).mean(1), [0, 0, 0, 0], 1e-5);
  });
});

describe('Swin and ViT', () => {
  test('window_partition and window_reverse are inverse; roll is torch.roll', () => {
    const x = randn([2, 4, 6, 3]);
    const w = windowPartition(x, 2);
    assert.deepEqual(w.shape, [12, 2, 2, 3]);
    assert.deepEqual(windowReverse(w, 2, 4, 6).toArray(), x.toArray());
    assert.deepEqual(Array.from(roll(fromArray([0, 1, 2, 3, 4], [5]), 2, 0).toArray()), [3, 4, 0, 1, 2]);
    assert.deepEqual(Array.from(roll(fromArray([0, 1, 2, 3, 4], [5]), -1, 0).toArray()), [1, 2, 3, 4, 0]);
  });

  test('windowOrder is roll(-shift) then window_partition, as one permutation of the tokens', () => {
    for (const [H, W, ws, shift] of [[14, 14, 7, 3], [8, 8, 4, 0], [12, 8, 4, 2], [7, 7, 7, 0]]) {
      const image = fromArray(Float32Array.from({ length: H * W }, (_, i) => i), [1, H, W, 1]); // each token its index
      const want = windowPartition(roll(roll(image, -shift, 1), -shift, 2), ws).toArray();
      assert.deepEqual(Array.from(windowOrder(H, W, ws, shift)), Array.from(want), `H ${H}, W ${W}, ws ${ws}, shift ${shift}`);
    }
  });

  test('SwinBlock: attn_mask buffer only with a shift, and it separates rolled regions', () => {
    assert.ok(!new SwinBlock(4, [4, 4], 1, { windowSize: 2 }).stateDict().has('attn_mask'));
    const s = new SwinBlock(4, [4, 4], 1, { windowSize: 2, shiftSize: 1 });
    const m = s.attnMask!;
    assert.deepEqual(m.shape, [4, 4, 4]);
    assert.deepEqual(Array.from(m.select(0, 0).toArray()), Array(16).fill(0)); // top-left window: one region
    assert.ok(Array.from(m.select(0, 3).toArray()).includes(-100)); // bottom-right window: wrapped regions
    const x = randn([2, 16, 4]);
    assert.deepEqual(s.forward(x).shape, [2, 16, 4]);
  });

  test('ViT: shapes, keys and gradients reach every parameter', () => {
    const vit = new ViT({ imageSize: 8, patchSize: 4, inChannels: 1, numClasses: 3, dim: 8, depth: 1, heads: 2, mlpDim: 8 }, { generator: new Generator(1) });
    assert.deepEqual([...vit.stateDict().keys()].slice(0, 4), ['cls_token', 'pos_embed', 'patch_embed.proj.weight', 'patch_embed.proj.bias']);
    const y = vit.forward(randn([2, 1, 8, 8]));
    assert.deepEqual(y.shape, [2, 3]);
    y.square().sum().backward();
    for (const [k, p] of vit.namedParameters()) assert.ok(p.grad && p.grad.abs().sum().item() > 0, `no gradient for ${k}`);
    assert.throws(() => vit.forward(randn([2, 1, 9, 9])), /ViT: expected images \(B, 1, 8, 8\), got \[2, 1, 9, 9\]/);
  });
});

describe('Fashion-MNIST', () => {
  /** An IDX file: magic 00 00 <type> <ndim>, big-endian u32 dims, then the values. */
  function idx(type: number, shape: number[], values: number[], size = 1): Uint8Array {
    const b = new Uint8Array(4 + 4 * shape.length + values.length * size);
    const v = new DataView(b.buffer);
    b[2] = type;
    b[3] = shape.length;
    shape.forEach((d, i) => v.setUint32(4 + 4 * i, d, false));
    const at = 4 + 4 * shape.length;
    values.forEach((x, i) => {
      if (type === 0x08) v.setUint8(at + i, x);
      else if (type === 0x0b) v.setInt16(at + 2 * i, x, false);
      else if (type === 0x0c) v.setInt32(at + 4 * i, x, false);
      else v.setFloat32(at + 4 * i, x, false);
    });
    return b;
  }

  test('parseIdx reads u8, big-endian i16/i32/f32, plain or gzipped, and rejects bad files', () => {
    const u8 = parseIdx(idx(0x08, [2, 3], [0, 1, 2, 253, 254, 255]));
    assert.deepEqual([u8.type, u8.shape, Array.from(u8.data)], ['u8', [2, 3], [0, 1, 2, 253, 254, 255]]);
    assert.deepEqual(Array.from(parseIdx(gzipSync(idx(0x0b, [3], [-2, 300, 7], 2))).data), [-2, 300, 7]);
    assert.deepEqual(Array.from(parseIdx(idx(0x0c, [2], [-70000, 123456], 4)).data), [-70000, 123456]);
    assert.deepEqual(Array.from(parseIdx(idx(0x0d, [2], [1.5, -0.25], 4)).data), [1.5, -0.25]);
    assert.throws(() => parseIdx(new Uint8Array([1, 2, 3, 4])), /not an IDX file/);
    assert.throws(() => parseIdx(idx(0x08, [2, 3], [1, 2, 3, 4, 5, 6]).subarray(0, 16)), /needs 18 bytes, the file has 16/);
    assert.throws(() => parseIdx(new Uint8Array([0, 0, 0x42, 0])), /unknown IDX data type 0x42/);
  });

  test('loadFashionMnist on a small set of IDX files; a clear error when the package is missing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'loom-fmnist-'));
    const pixels = Array.from({ length: 3 * 2 * 2 }, (_, i) => i * 20);
    writeFileSync(join(dir, 't10k-images-idx3-ubyte.gz'), gzipSync(idx(0x08, [3, 2, 2], pixels)));
    writeFileSync(join(dir, 't10k-labels-idx1-ubyte'), idx(0x08, [3], [9, 0, 4]));
    const d = loadFashionMnist({ split: 'test', dir });
    assert.deepEqual(d.shape, [3, 1, 2, 2]);
    assertClose(d.images, pixels.map((p) => p / 255), 1e-7);
    assert.deepEqual(Array.from(d.labels), [9, 0, 4]);
    assert.equal(d.classes[d.labels[0]], 'Ankle boot');
    const empty = join(dir, 'none');
    mkdirSync(empty);
    assert.throws(() => loadFashionMnist({ dir: empty }), /apt-get install dataset-fashion-mnist/);
    writeFileSync(join(dir, 'train-images-idx3-ubyte'), idx(0x08, [1, 2, 2], [1, 2, 3, 4]));
    writeFileSync(join(dir, 'train-labels-idx1-ubyte'), idx(0x08, [1], [10]));
    assert.throws(() => loadFashionMnist({ dir }), /label 10 at index 0 is not in \[0, 10\)/);
  });

  test('the real test split, when dataset-fashion-mnist is installed', (t) => {
    if (!existsSync(join(FASHION_MNIST_DIR, 't10k-images-idx3-ubyte.gz')) && !existsSync(join(FASHION_MNIST_DIR, 't10k-images-idx3-ubyte'))) {
      t.skip(`${FASHION_MNIST_DIR} is absent (apt-get install dataset-fashion-mnist)`);
      return;
    }
    const { images, labels, shape } = loadFashionMnist({ split: 'test' });
    assert.deepEqual(shape, [10000, 1, 28, 28]);
    assert.equal(images.length, 10000 * 784);
    const counts = new Array(10).fill(0);
    for (const l of labels) counts[l]++;
    assert.deepEqual(counts, Array(10).fill(1000));
    let min = Infinity;
    let max = -Infinity;
    for (const v of images) (min = Math.min(min, v)), (max = Math.max(max, v));
    assert.deepEqual([min, max], [0, 1]);
  });
});
