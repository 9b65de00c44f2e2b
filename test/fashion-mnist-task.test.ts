/**
 * The fashion-mnist task: its four models (shapes, PyTorch-style names, gradients), the ViT attention
 * maps, augmentation, a short run on real images that beats chance by far (skipped without
 * dataset-fashion-mnist), exact resumption, and a checkpoint read back as a classifier.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { decodeCheckpoint, F, fromArray, noGrad, randint, scope, type Module, FASHION_MNIST_DIR, loadFashionMnist, manualSeed, Generator, randn, type Tensor } from '../src/node.js';
import { CNN, ConvBlock } from '../src/models/vision/cnn.js';
import { SECNN } from '../src/models/vision/se-cnn.js';
import { SwinTiny } from '../src/models/vision/swin-tiny.js';
import { ViT } from '../src/models/vision/vit.js';
import { vitAttention } from '../src/models/vision/vit-attention.js';
import { augmentBatch, classify, FashionMnistTask, fashionMnistConfig, findImageModel, IMAGE_MODELS, loadImageClassifier, savedModel, type LabelledImages } from '../src/tasks/fashion-mnist/index.js';
import { heap } from '../src/core/memory.js';
import { train } from '../src/train/loop.js';
import type { TrainOptions } from '../src/train/options.js';
import { MemoryRunStorage } from '../src/train/storage.js';
import { assertClose } from './helpers/close.js';

const HAVE_DATA = existsSync(join(FASHION_MNIST_DIR, 't10k-images-idx3-ubyte.gz')) || existsSync(join(FASHION_MNIST_DIR, 't10k-images-idx3-ubyte'));

/** n synthetic S x S images: class k is a bright bar at row 2k (a separable toy set). */
function toyImages(n: number, S: number, seed: number): LabelledImages {
  const g = new Generator(seed);
  const images = new Float32Array(n * S * S);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = i % 4;
    for (let p = 0; p < S * S; p++) images[i * S * S + p] = 0.2 * g.uniform() + (Math.floor(p / S) === 2 * labels[i] ? 0.7 : 0);
  }
  return { images, labels, shape: [n, 1, S, S] };
}

describe('fashion-mnist models', () => {
  const small = {
    cnn: () => new CNN({ channels: [4, 8], hidden: 16 }),
    'se-cnn': () => new SECNN({ channels: [4, 8], hidden: 16, reduction: 2 }),
    vit: () => new ViT({ dim: 16, depth: 1, heads: 2, mlpDim: 32, patchSize: 4 }),
    swin: () => new SwinTiny({ dim: 12, depths: [2, 1], heads: [2, 2] }),
  };
  for (const [name, make] of Object.entries(small)) {
    test(`${name}: (B, 1, 28, 28) -> (B, 10), every parameter gets a gradient`, () => {
      manualSeed(1);
      const m = make();
      const y = m.forward(randn([2, 1, 28, 28]));
      assert.deepEqual(y.shape, [2, 10]);
      y.square().sum().backward();
      for (const [k, p] of m.namedParameters()) assert.ok(p.grad && p.grad.abs().sum().item() > 0, `${name}.${k} has no gradient`);
      assert.throws(() => m.forward(randn([2, 1, 14, 14])), /expected images \(B, 1, 28, 28\), got \[2, 1, 14, 14\]/);
    });
  }

  test('names as PyTorch would have them; the default sizes', () => {
    const keys = (m: { stateDict(): Map<string, unknown> }) => [...m.stateDict().keys()];
    assert.deepEqual(keys(new CNN()).slice(0, 7), ['features.0.conv.weight', 'features.0.conv.bias', 'features.0.bn.weight', 'features.0.bn.bias', 'features.0.bn.running_mean', 'features.0.bn.running_var', 'features.0.bn.num_batches_tracked']);
    assert.ok(keys(new SECNN()).includes('features.1.se.fc2.weight'));
    const swin = keys(new SwinTiny());
    for (const k of ['patch_embed.stem.0.weight', 'patch_embed.stem.1.running_var', 'patch_embed.proj.weight', 'patch_embed.norm.weight', 'layers.0.blocks.1.attn_mask', 'layers.0.downsample.reduction.weight', 'layers.1.blocks.0.attn.relative_position_bias_table', 'norm.weight', 'head.weight'])
      assert.ok(swin.includes(k), k);
    assert.ok(!swin.includes('layers.1.blocks.1.attn_mask'), 'one 7 x 7 window on the 7 x 7 grid: no shift');
    assert.equal(new CNN().numParameters(), 421834); // conv 320 + 18,496, BN 64 + 128, fc 401,536 + 1,290
    for (const name of ['cnn', 'se-cnn', 'vit', 'swin']) assert.equal(findImageModel(name)!.problem(findImageModel(name)!.defaults as never), null);
    assert.match(findImageModel('swin')!.problem({ ...findImageModel('swin')!.defaults, patchSize: 4 } as never)!, /windows of 7/);
    assert.match(findImageModel('swin')!.problem({ ...findImageModel('swin')!.defaults, stemChannels: -1 } as never)!, /stemChannels = -1, expected 0 \(no stem\) or a positive integer/);
  });

  test('cnn ConvBlock: ReLU after the pooling gives the values and gradients of ReLU before it, bit for bit', () => {
    manualSeed(3);
    const block = new ConvBlock(2, 3);
    const x = randn([2, 2, 8, 8]);
    const g = randn([2, 3, 4, 4]);
    const run = (f: (x: Tensor) => Tensor) => {
      block.zeroGrad();
      const xi = x.detach().requiresGrad_();
      const y = f(xi);
      y.backward(g);
      return [y, xi.grad!, block.conv.weight.grad!, block.bn.weight!.grad!].map((t) => Array.from(t.toArray() as Float32Array));
    };
    const pooledFirst = run((xi) => block.forward(xi));
    const reluFirst = run((xi) => block.pool.forward(block.bn.forward(block.conv.forward(xi)).relu()));
    assert.ok(pooledFirst[0].some((v) => v === 0) && pooledFirst[0].some((v) => v > 0), 'windows with a max below and above 0');
    assert.deepEqual(pooledFirst, reluFirst);
  });

  test('swin: the stem keeps the 14 x 14 patch grid; its projection kernel overlaps the neighbouring patches', () => {
    assert.deepEqual(new SwinTiny().patchEmbed.forward(randn([2, 1, 28, 28])).shape, [2, 196, 48]);
    assert.deepEqual(new SwinTiny().patchEmbed.proj.kernelSize, [3, 3]);
    assert.deepEqual(new SwinTiny({ patchSize: 4, imageSize: 56 }).patchEmbed.proj.kernelSize, [5, 5]);
    assert.deepEqual(new SwinTiny({ stemChannels: 0 }).patchEmbed.proj.kernelSize, [2, 2]);
    assert.equal((findImageModel('swin')!.defaults as unknown as { stemChannels: number }).stemChannels, 24);
  });

  test('vitAttention: the ViT logits, rows of weights summing to 1, class-token maps over the patch grid', () => {
    manualSeed(2);
    const vit = new ViT({ dim: 16, depth: 2, heads: 2, mlpDim: 32, patchSize: 7 }).eval();
    const x = randn([3, 1, 28, 28]);
    const a = vitAttention(vit, x);
    assertClose(a.logits.toArray(), vit.forward(x).toArray(), 1e-5);
    assert.equal(a.weights.length, 2);
    assert.deepEqual(a.weights[0].shape, [3, 2, 17, 17]);
    assertClose(a.weights[1].sum(-1).toArray(), new Float32Array(3 * 2 * 17).fill(1), 1e-5);
    assert.deepEqual(a.clsAttention.shape, [3, 2, 4, 4]);
    assertClose(a.clsAttention.toArray().slice(0, 16), a.weights[1].toArray().slice(1, 17), 0); // head 0, row 0, patches
    assert.deepEqual(a.rollout.shape, [3, 4, 4]);
    assertClose(a.rollout.sum([1, 2]).toArray(), [1, 1, 1], 1e-5);
  });
});

describe('fashion-mnist augmentation', () => {
  test('crop with padding shifts with zeros, flip mirrors, three draws per image', () => {
    const img = Float32Array.from({ length: 9 }, (_, i) => i + 1); // 3 x 3
    const flipOnly = Float32Array.from(img);
    const g = new Generator(5);
    let flips = 0;
    for (let t = 0; t < 20; t++) {
      const x = Float32Array.from(img);
      const before = g.getState();
      augmentBatch(x, [1, 1, 3, 3], { padding: 0, flip: true }, g);
      const again = new Generator(0);
      again.setState(before);
      again.int(0, 1), again.int(0, 1);
      const mirrored = again.uniform() < 0.5;
      flips += +mirrored;
      assert.deepEqual(Array.from(x), mirrored ? [3, 2, 1, 6, 5, 4, 9, 8, 7] : Array.from(flipOnly));
    }
    assert.ok(flips > 3 && flips < 17);
    // padding 1: every output is the image shifted by (dy, dx) in [-1, 1]^2 with zeros coming in
    const seen = new Set<string>();
    for (let t = 0; t < 60; t++) {
      const x = Float32Array.from(img);
      augmentBatch(x, [1, 1, 3, 3], { padding: 1, flip: false }, g);
      seen.add(Array.from(x).join());
    }
    assert.ok(seen.has('0,0,0,1,2,3,4,5,6') && seen.has('5,6,0,8,9,0,0,0,0') && seen.has(Array.from(img).join()));
    assert.equal(seen.size, 9);
  });
});

function options(steps: number, over: Partial<TrainOptions> = {}): TrainOptions {
  return { steps, lr: 2e-3, optimizer: 'adamw', weightDecay: 1e-4, clip: 0, schedule: 'cosine', warmup: 2, seed: 3, evalEvery: 0, checkpointEvery: 1000, ...over };
}

describe('fashion-mnist training', () => {
  test('resume: stopped after 5 of 10 steps, the run has the metrics of 10 straight ones (augmentation, dropout, epochs)', async () => {
    const tr = toyImages(40, 8, 1);
    const te = toyImages(16, 8, 2);
    const make = () =>
      new FashionMnistTask({
        config: fashionMnistConfig({ data: 'toy', batch: 8, cropPadding: 1, flip: true, evalImages: 8, classes: ['a', 'b', 'c', 'd'] }, tr),
        train: tr, test: te, model: 'se-cnn', modelConfig: { channels: [4, 8], hidden: 8, reduction: 2, dropout: 0.3 }, seed: 4,
      });
    const o = options(10, { evalEvery: 3 });
    const straight = new MemoryRunStorage();
    await train(make(), o, { storage: straight });
    const split = new MemoryRunStorage();
    let done = 0;
    const first = await train(make(), o, { storage: split, onProgress: (e) => e.kind === 'step' && done++, shouldStop: () => done === 7 }); // epoch 2 of 5 steps each
    assert.equal(first.status, 'stopped');
    const result = await train(make(), o, { storage: split, resumeFrom: decodeCheckpoint(split.checkpoint!, 'memory') });
    assert.equal(result.status, 'finished');
    const timeless = (m: MemoryRunStorage) => m.metrics.map(({ images_per_s: _, ...r }) => r);
    assert.deepEqual(timeless(split), timeless(straight));
    assert.equal(straight.metrics.filter((r) => r.loss !== undefined).length, 10);
    assert.ok(straight.metrics.some((r) => r.test_accuracy !== undefined));
  });

  test('a swin checkpoint saved before the stem existed (no stemChannels) loads and classifies as the stem-less model', async () => {
    const tr = toyImages(16, 8, 1);
    const modelConfig = { patchSize: 2, dim: 4, depths: [1, 1], heads: [1, 1], windowSize: 2, mlpRatio: 2, stemChannels: 0 };
    const task = new FashionMnistTask({ config: fashionMnistConfig({ data: 'toy', batch: 8, classes: ['a', 'b', 'c', 'd'] }, tr), train: tr, test: tr, model: 'swin', modelConfig, seed: 0 });
    const storage = new MemoryRunStorage();
    await train(task, options(2), { storage });
    const ckpt = decodeCheckpoint(storage.checkpoint!, 'memory');
    delete (ckpt.meta.config as Record<string, unknown>).stemChannels; // as an earlier Loom saved it
    const saved = savedModel(ckpt);
    assert.equal(saved.spec.name, 'swin');
    assert.equal(saved.modelConfig.stemChannels, 0);
    assert.equal(savedModel({ ...ckpt, meta: { ...ckpt.meta, config: { ...ckpt.meta.config, stemChannels: 8 } } }).modelConfig.stemChannels, 8);
    const c = loadImageClassifier(ckpt);
    assert.ok(![...c.model.stateDict().keys()].some((k) => k.startsWith('patch_embed.stem')));
    const want = noGrad(() => task.model!.eval().forward(fromArray(tr.images.slice(0, 2 * 64).map((v) => (v - c.config.mean) / c.config.std), [2, 1, 8, 8])).softmax(1).toArray());
    assertClose(classify(c, tr.images.slice(0, 2 * 64), 2), want, 1e-6);
  });

  test('a short run on 512 real images beats chance (10%) by far; its checkpoint classifies as the task did', { skip: HAVE_DATA ? false : `${FASHION_MNIST_DIR} is absent (apt-get install dataset-fashion-mnist)` }, async () => {
    const tr = loadFashionMnist({ split: 'train' });
    const te = loadFashionMnist({ split: 'test' });
    const task = new FashionMnistTask({
      config: fashionMnistConfig({ data: FASHION_MNIST_DIR, batch: 32, trainImages: 512, testImages: 500, flip: true }, tr),
      train: tr, test: te, model: 'cnn', modelConfig: { channels: [16, 32], hidden: 64 }, seed: 0,
    });
    const storage = new MemoryRunStorage();
    const result = await train(task, options(48, { lr: 3e-3 }), { storage });
    const acc = result.evaluation!.metrics.test_accuracy;
    assert.ok(acc > 0.6, `test accuracy ${acc} after 3 epochs of 512 images`);
    assert.match(result.evaluation!.summary, /^test accuracy \d+\.\d\d%, loss \d\.\d{4} \(500 images\)$/);
    const m = task.measure(500);
    assert.equal(m.confusion.flat().reduce((a, b) => a + b, 0), 500);
    assert.equal(m.confusion.reduce((a, row, k) => a + row[k], 0) / 500, acc);

    const c = loadImageClassifier(decodeCheckpoint(storage.checkpoint!, 'memory'));
    assert.equal(c.spec.name, 'cnn');
    assert.deepEqual(c.config.classes, ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot']);
    const probs = classify(c, te.images.slice(0, 100 * 784), 100);
    let agree = 0;
    for (let i = 0; i < 100; i++) {
      const row = probs.subarray(i * 10, i * 10 + 10);
      assertClose([row.reduce((a, b) => a + b, 0)], [1], 1e-5);
      if (row.indexOf(Math.max(...row)) === te.labels[i]) agree++;
    }
    const first100 = task.measure(100).accuracy;
    assert.equal(agree / 100, first100);
  });
});

describe('fashion-mnist memory', () => {
  test("each model's bytesPerImage bounds what a training step of its defaults allocates per image (batch 64, no collection)", () => {
    const every = heap.collectEvery;
    heap.collectEvery = Infinity;
    try {
      for (const spec of IMAGE_MODELS) {
        manualSeed(0);
        const model = spec.create(spec.defaults) as Module & { forward(x: Tensor): Tensor };
        const before = heap.liveBytes;
        let perImage = 0;
        scope(() => {
          F.crossEntropy(model.forward(randn([64, 1, 28, 28])), randint(0, 10, [64])).backward();
          perImage = (heap.liveBytes - before) / 64;
        });
        assert.ok(perImage < spec.bytesPerImage && perImage > spec.bytesPerImage / 2, `${spec.name}: ${(perImage / 1e6).toFixed(2)} MB per image, bytesPerImage ${spec.bytesPerImage / 1e6} MB`);
      }
    } finally {
      heap.collectEvery = every;
    }
  });

  test('the memory estimate grows with the batch; a batch far beyond the heap is refused before training', async () => {
    const tr = toyImages(40, 8, 1);
    const make = (batch: number) =>
      new FashionMnistTask({ config: fashionMnistConfig({ data: 'toy', batch, classes: ['a', 'b', 'c', 'd'] }, tr), train: tr, test: tr, model: 'cnn', modelConfig: { channels: [4, 8], hidden: 8 }, seed: 0 });
    assert.equal(make(20).memoryEstimate(), 2 * make(10).memoryEstimate());
    const huge = make(20);
    Object.defineProperty(huge.config, 'batch', { value: 40e6 }); // an estimate of 8 TB
    await assert.rejects(train(huge, options(1), { storage: new MemoryRunStorage() }), /training step of this run/);
  });
});
