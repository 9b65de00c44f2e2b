/**
 * ONNX export of the g2p, forecast and fashion-mnist models, run by a real ONNX Runtime
 * (onnxruntime-node, CPU): tiny configs with random weights, inputs of two batch sizes (and two
 * lengths where there is one); the runtime's outputs equal Loom's to 1e-4.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import * as ort from 'onnxruntime-node';
import '../src/node.js';
import { noGrad } from '../src/core/autograd.js';
import { fromArray } from '../src/core/creation.js';
import { Generator } from '../src/core/random.js';
import type { Tensor } from '../src/core/tensor.js';
import { decodeModel, forecasterToOnnx, g2pToOnnx, imageModelToOnnx, moduleWeights } from '../src/export/onnx/index.js';
import { makeSource } from '../src/tasks/g2p/batch.js';
import { G2PPredictor } from '../src/tasks/g2p/predictor.js';
import type { LatentAR } from '../src/models/forecast/latent-ar.js';
import { assertClose } from './helpers/close.js';
import { checkOnnxFiles, pythonSkip } from './helpers/python.js';
import { i64, onnxGreedy } from './helpers/g2p-onnx.js';
import { normalValues } from './helpers/backends.js';
import { CLASSES, LETTERS, PHONEMES, PIXEL_MEAN, PIXEL_STD, randomForecaster, randomG2P, randomImageModel, randomPixels, TINY_FORECAST, TINY_G2P, TINY_IMAGE, TINY_SWIN_WITHOUT_STEM } from './helpers/task-models.js';

const meta = (bytes: Uint8Array) => Object.fromEntries(decodeModel(bytes).metadata_props.map((p) => [p.key, p.value]));

describe('ONNX export of the image models, checked by ONNX Runtime', () => {
  const cases = [...Object.entries(TINY_IMAGE).map(([name, config]) => [name, name, config] as const), ['swin without the stem', 'swin', TINY_SWIN_WITHOUT_STEM] as const];
  for (const [label, name, config] of cases) {
    test(`${label}: ONNX Runtime's logits of raw pixels equal Loom's of normalised pixels for batches 1 and 3`, async () => {
      const model = randomImageModel(name, 3, config);
      const bytes = imageModelToOnnx({ model: name, config, weights: moduleWeights(model), classes: CLASSES, mean: PIXEL_MEAN, std: PIXEL_STD });
      const session = await ort.InferenceSession.create(bytes);
      assert.deepEqual([session.inputNames, session.outputNames], [['pixels'], ['logits']]);
      const gen = new Generator(4);
      for (const B of [1, 3]) {
        const px = randomPixels(gen, B);
        const want = noGrad(() => model.forward(fromArray(px.map((v) => (v - PIXEL_MEAN) / PIXEL_STD), [B, 1, 28, 28])));
        const got = (await session.run({ pixels: new ort.Tensor('float32', px, [B, 1, 28, 28]) })).logits;
        assert.deepEqual(got.dims, [B, 10]);
        assertClose(got.data as Float32Array, want, { rtol: 1e-4, atol: 1e-4 }, `${name} logits (B=${B})`);
      }
      await session.release();
      const m = meta(bytes);
      assert.deepEqual([m.task, m.model, JSON.parse(m.classes), JSON.parse(m.normalisation)], ['fashion-mnist', name, CLASSES, { mean: PIXEL_MEAN, std: PIXEL_STD }]);
    });
  }
});

const f32 = (data: Float32Array, dims: number[]) => new ort.Tensor('float32', data, dims);

describe('ONNX export of the forecasters, checked by ONNX Runtime', () => {
  const exportOf = (name: string, seed: number) => {
    const module = randomForecaster(name, seed);
    const bytes = forecasterToOnnx({ model: name, config: TINY_FORECAST[name], weights: moduleWeights(module), stats: { mean: 10, std: 2 }, window: 8, levelDays: 7, covariateNames: ['a', 'b', 'c'] });
    return { module, bytes };
  };

  for (const name of ['ar', 'markov']) {
    test(`${name}: ONNX Runtime's one-step forecasts of lag rows equal Loom's for batches 1 and 3`, async () => {
      const { module, bytes } = exportOf(name, 5);
      const session = await ort.InferenceSession.create(bytes);
      assert.deepEqual([session.inputNames, session.outputNames], [['rows'], ['forecast']]);
      const d = (name === 'ar' ? 5 : 1) + 3;
      const gen = new Generator(6);
      for (const B of [1, 3]) {
        const rows = normalValues(gen, B * d);
        const want = noGrad(() => (module as unknown as { forward(x: Tensor): Tensor }).forward(fromArray(rows, [B, d])));
        const got = (await session.run({ rows: f32(rows, [B, d]) })).forecast;
        assert.deepEqual(got.dims, [B]);
        assertClose(got.data as Float32Array, want, { rtol: 1e-4, atol: 1e-4 }, `${name} (B=${B})`);
      }
      await session.release();
      const m = meta(bytes);
      assert.deepEqual([m.task, JSON.parse(m.normalisation), JSON.parse(m.covariates), Number(m.p)], ['forecast', { mean: 10, std: 2 }, ['a', 'b', 'c'], d - 3]);
    });
  }

  for (const name of ['rnn', 'lstm', 'gru']) {
    test(`${name}: ONNX Runtime's forecasts and states from a given state equal Loom's for batches 1 and 3, lengths 1 and 6`, async () => {
      const { module, bytes } = exportOf(name, 7);
      const net = module as LatentAR;
      const session = await ort.InferenceSession.create(bytes);
      const lstm = name === 'lstm';
      assert.deepEqual([session.inputNames, session.outputNames], lstm ? [['u', 'h0', 'c0'], ['forecast', 'hn', 'cn']] : [['u', 'h0'], ['forecast', 'hn']]);
      const gen = new Generator(8);
      for (const B of [1, 3])
        for (const T of [1, 6]) {
          const u = normalValues(gen, B * T * 4);
          const [h0, c0] = [normalValues(gen, 2 * B * 6, 0.5), normalValues(gen, 2 * B * 6, 0.5)];
          const state = lstm ? ([fromArray(h0, [2, B, 6]), fromArray(c0, [2, B, 6])] as [Tensor, Tensor]) : fromArray(h0, [2, B, 6]);
          const [want, next] = noGrad(() => net.forward(fromArray(u, [B, T, 4]), state));
          const feeds: Record<string, ort.Tensor> = { u: f32(u, [B, T, 4]), h0: f32(h0, [2, B, 6]) };
          if (lstm) feeds.c0 = f32(c0, [2, B, 6]);
          const got = await session.run(feeds);
          assert.deepEqual(got.forecast.dims, [B, T]);
          assertClose(got.forecast.data as Float32Array, want, { rtol: 1e-4, atol: 1e-4 }, `${name} forecast (B=${B}, T=${T})`);
          const [hn, cn] = lstm ? (next as [Tensor, Tensor]) : [next as Tensor, null];
          assertClose(got.hn.data as Float32Array, hn, { rtol: 1e-4, atol: 1e-4 }, `${name} hn (B=${B}, T=${T})`);
          if (cn) assertClose(got.cn.data as Float32Array, cn, { rtol: 1e-4, atol: 1e-4 }, `${name} cn (B=${B}, T=${T})`);
        }
      await session.release();
      assert.equal(Number(meta(bytes).levelDays), 7);
    });
  }
});

describe('ONNX export of the G2P models, checked by ONNX Runtime', () => {
  const CASES: [string, string, Record<string, unknown>][] = [
    ['transformer', 'transformer', TINY_G2P.transformer],
    ['transformer (post-LN)', 'transformer', { ...TINY_G2P.transformer, normFirst: false }],
    ['lstm-attention', 'lstm-attention', TINY_G2P['lstm-attention']],
  ];
  for (const [label, name, config] of CASES) {
    test(`${label}: teacher-forced logits equal Loom's for batches 1 and 3, words of 1..5 letters and 1 or 4 phonemes; greedy decoding gives loom predict's phonemes`, async () => {
      const model = randomG2P(name, 9, config);
      const bytes = g2pToOnnx({ model: name, config, weights: moduleWeights(model), letters: LETTERS.symbols, phonemes: PHONEMES.symbols, maxLetters: 6 });
      const session = await ort.InferenceSession.create(bytes);
      assert.deepEqual([session.inputNames, session.outputNames], [['graphemes', 'phonemes'], ['logits']]);
      const gen = new Generator(10);
      const V = PHONEMES.size;
      for (const [B, S, T] of [[1, 2, 1], [1, 5, 4], [3, 5, 1], [3, 5, 4]]) {
        const words = Array.from({ length: B }, (_, b) => Int32Array.from({ length: b === 0 ? S : 1 + Math.floor(gen.uniform() * S) }, () => 1 + Math.floor(gen.uniform() * (LETTERS.size - 1))));
        const { src, srcPad } = makeSource(words);
        const tgt = Int32Array.from({ length: B * T }, (_, i) => (i % T === 0 ? 1 : 3 + Math.floor(gen.uniform() * (V - 3))));
        const want = noGrad(() => model.forward(src, srcPad, fromArray(tgt, [B, T], { dtype: 'int32' })));
        const got = (await session.run({ graphemes: i64(src.toArray(), [B, S]), phonemes: i64(tgt, [B, T]) })).logits;
        assert.deepEqual(got.dims, [B, T, V]);
        assertClose(got.data as Float32Array, want, { rtol: 1e-4, atol: 1e-4 }, `${label} logits (B=${B}, S=${S}, T=${T})`);
      }
      const predictor = new G2PPredictor(model, LETTERS, PHONEMES, { maxLetters: 6 });
      for (const word of ['CAB', 'BAD', 'FEED', 'G']) {
        const [p] = predictor.predict([word]);
        const ids = await onnxGreedy(session, LETTERS.encode(word.split('')), 7);
        assert.deepEqual(PHONEMES.decode(ids), p.hypotheses[0].phonemes, `${label}: greedy phonemes of ${word}`);
      }
      await session.release();
      const m = meta(bytes);
      assert.deepEqual([m.task, JSON.parse(m.letters), JSON.parse(m.phonemes), Number(m.maxLetters)], ['g2p', LETTERS.symbols, PHONEMES.symbols, 6]);
    });
  }
});

describe('the task exporters refuse what does not fit, by name', () => {
  test('an unknown model, a vocabulary or class list of the wrong size, a missing weight', () => {
    const image = { config: TINY_IMAGE.cnn, weights: moduleWeights(randomImageModel('cnn', 1)), classes: CLASSES, mean: 0, std: 1 };
    assert.throws(() => imageModelToOnnx({ ...image, model: 'resnet' }), /no exporter for the image model 'resnet' \(known: cnn, se-cnn, vit, swin\)/);
    assert.throws(() => imageModelToOnnx({ ...image, model: 'cnn', classes: CLASSES.slice(1) }), /9 class names for a model with numClasses 10/);
    const weights = new Map(image.weights);
    weights.delete('features.1.bn.running_var');
    assert.throws(() => imageModelToOnnx({ ...image, model: 'cnn', weights }), /the state dict lacks 'features.1.bn.running_var'/);
    const g2p = { config: TINY_G2P.transformer, weights: moduleWeights(randomG2P('transformer', 1)), letters: LETTERS.symbols, phonemes: PHONEMES.symbols, maxLetters: 6 };
    assert.throws(() => g2pToOnnx({ ...g2p, model: 'rnn-t' }), /no exporter for the g2p model 'rnn-t' \(known: transformer, lstm-attention\)/);
    assert.throws(() => g2pToOnnx({ ...g2p, model: 'transformer', phonemes: PHONEMES.symbols.slice(1) }), /8 letters and 8 phonemes for a model with srcVocabSize 8 and tgtVocabSize 9/);
    const forecast = { config: TINY_FORECAST.ar, weights: moduleWeights(randomForecaster('ar', 1)), stats: { mean: 0, std: 1 }, window: 8, levelDays: 7, covariateNames: ['a', 'b', 'c'] };
    assert.throws(() => forecasterToOnnx({ ...forecast, model: 'prophet' }), /no exporter for the forecaster 'prophet' \(known: ar, markov, rnn, lstm, gru\)/);
    assert.throws(() => forecasterToOnnx({ ...forecast, model: 'ar', covariateNames: [] }), /0 covariate names for a model with 3 covariates/);
  });
});

test("every task model's file passes the onnx package's checker (full check) and strict shape inference", { skip: pythonSkip('onnx', 'python3-onnx') }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'loom-onnx-tasks-check-'));
  try {
    for (const name of Object.keys(TINY_IMAGE))
      writeFileSync(join(dir, `image-${name}.onnx`), imageModelToOnnx({ model: name, config: TINY_IMAGE[name], weights: moduleWeights(randomImageModel(name, 2)), classes: CLASSES, mean: 0, std: 1 }));
    for (const name of Object.keys(TINY_FORECAST))
      writeFileSync(join(dir, `forecast-${name}.onnx`), forecasterToOnnx({ model: name, config: TINY_FORECAST[name], weights: moduleWeights(randomForecaster(name, 2)), stats: { mean: 0, std: 1 }, window: 8, levelDays: 7, covariateNames: ['a', 'b', 'c'] }));
    for (const name of Object.keys(TINY_G2P))
      writeFileSync(join(dir, `g2p-${name}.onnx`), g2pToOnnx({ model: name, config: TINY_G2P[name], weights: moduleWeights(randomG2P(name, 2)), letters: LETTERS.symbols, phonemes: PHONEMES.symbols, maxLetters: 6 }));
    const lines = checkOnnxFiles(dir);
    assert.equal(lines.length, 4 + 5 + 2, lines.join('\n'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
