/**
 * ONNX export of the g2p, forecast and fashion-mnist models, run by a real ONNX Runtime
 * (onnxruntime-node, CPU): tiny configs with random weights, inputs of two batch sizes (and two
 * lengths where there is one); the runtime's outputs equal Loom's to 1e-4.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as ort from 'onnxruntime-node';
import '../src/node.js';
import { noGrad } from '../src/core/autograd.js';
import { fromArray } from '../src/core/creation.js';
import { Generator } from '../src/core/random.js';
import { decodeModel, imageModelToOnnx, moduleWeights } from '../src/export/onnx/index.js';
import { assertClose } from './helpers/close.js';
import { CLASSES, PIXEL_MEAN, PIXEL_STD, randomImageModel, randomPixels, TINY_IMAGE } from './helpers/task-models.js';

const meta = (bytes: Uint8Array) => Object.fromEntries(decodeModel(bytes).metadata_props.map((p) => [p.key, p.value]));

describe('ONNX export of the image models, checked by ONNX Runtime', () => {
  for (const name of Object.keys(TINY_IMAGE)) {
    test(`${name}: ONNX Runtime's logits of raw pixels equal Loom's of normalised pixels for batches 1 and 3`, async () => {
      const model = randomImageModel(name, 3);
      const bytes = imageModelToOnnx({ model: name, config: TINY_IMAGE[name], weights: moduleWeights(model), classes: CLASSES, mean: PIXEL_MEAN, std: PIXEL_STD });
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
