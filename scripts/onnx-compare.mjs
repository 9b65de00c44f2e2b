#!/usr/bin/env node
/**
 * The default-size LSTM and GPT (random weights, vocabulary 65) exported to ONNX and run by ONNX Runtime
 * (one thread) beside Loom: file size, export time, one forward of (16, 128) ids each, max |logits diff|.
 *
 *   npx tsc -p tsconfig.json && LOOM_THREADS=1 node scripts/onnx-compare.mjs
 */
import * as ort from 'onnxruntime-node';
import { charLMToOnnx, moduleWeights, findModel, fromArray, noGrad } from '../dist/src/node.js';
const V = 65, B = 16, T = 128;
for (const name of ['lstm', 'gpt']) {
  const spec = findModel(name);
  const config = { ...spec.defaults, vocabSize: V };
  const lm = spec.create(config); lm.module.eval();
  let t0 = performance.now();
  const bytes = charLMToOnnx({ model: name, config, vocab: Array.from({ length: V }, (_, i) => String.fromCodePoint(33 + i)), weights: moduleWeights(lm.module) });
  const exportMs = performance.now() - t0;
  const ids = Int32Array.from({ length: B * T }, (_, i) => (i * 7919) % V);
  const s = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1 });
  const feeds = { ids: new ort.Tensor('int64', BigInt64Array.from(ids, BigInt), [B, T]) };
  await s.run(feeds);
  t0 = performance.now(); const { logits } = await s.run(feeds); const ortMs = performance.now() - t0;
  noGrad(() => lm.forward(fromArray(ids, [B, T], { dtype: 'int32' }), lm.zeroState(B)));
  t0 = performance.now(); const want = noGrad(() => lm.forward(fromArray(ids, [B, T], { dtype: 'int32' }), lm.zeroState(B))[0]).toArray(); const loomMs = performance.now() - t0;
  let maxDiff = 0; for (let i = 0; i < want.length; i++) maxDiff = Math.max(maxDiff, Math.abs(want[i] - logits.data[i]));
  console.log(`${name} default (${JSON.stringify(config)}): file ${(bytes.length / 1024).toFixed(0)} KiB, export ${exportMs.toFixed(0)} ms, forward (16, 128): ORT ${ortMs.toFixed(0)} ms, Loom ${loomMs.toFixed(0)} ms, max |diff| ${maxDiff.toExponential(2)}`);
}
process.exit(0);
