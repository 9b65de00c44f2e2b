/**
 * ONNX export of the character LMs, run by a real ONNX Runtime (onnxruntime-node, CPU): for every model,
 * a tiny config with every weight drawn at random, inputs of two batch sizes and two lengths, the
 * runtime's logits equal Loom's forward from a zero state to 1e-4. Plus the file's interface (opset,
 * input and output types, dynamic axes, metadata) and the exporter's browser-safety.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import * as ort from 'onnxruntime-node';
import '../src/node.js';
import { noGrad } from '../src/core/autograd.js';
import { fromArray } from '../src/core/creation.js';
import { Generator } from '../src/core/random.js';
import { charLMToOnnx, decodeModel, moduleWeights } from '../src/export/onnx/index.js';
import { randomIds, randomModel, TINY, V, VOCAB } from './helpers/char-lms.js';
import { assertClose } from './helpers/close.js';
import { checkOnnxFiles, pythonSkip } from './helpers/python.js';

async function runtimeLogits(session: ort.InferenceSession, ids: Int32Array, B: number, T: number): Promise<ort.Tensor> {
  const out = await session.run({ ids: new ort.Tensor('int64', BigInt64Array.from(ids, BigInt), [B, T]) });
  return out.logits;
}

/** Every model's tiny config, and a GPT without biases and with a tied head (LayerNormalization without B, MatMul without Add). */
const CASES: [string, string, Record<string, unknown>][] = [
  ...Object.keys(TINY).map((name): [string, string, Record<string, unknown>] => [name, name, TINY[name]]),
  ['gpt (no biases, tied head)', 'gpt', { ...TINY.gpt, bias: false, tiedHead: true }],
];

describe('ONNX export of the character LMs, checked by ONNX Runtime', () => {
  for (const [label, name, config] of CASES) {
    test(`${label}: ONNX Runtime's logits equal Loom's for batches 1 and 3, lengths 1 and 9`, async () => {
      const lm = randomModel(name, 7, config);
      const bytes = charLMToOnnx({ model: name, config, vocab: VOCAB, weights: moduleWeights(lm.module) });
      const session = await ort.InferenceSession.create(bytes);
      assert.deepEqual(session.inputNames, ['ids']);
      assert.deepEqual(session.outputNames, ['logits']);
      const gen = new Generator(11);
      for (const B of [1, 3])
        for (const T of [1, 9]) {
          const ids = randomIds(gen, B, T);
          const want = noGrad(() => lm.forward(fromArray(ids, [B, T], { dtype: 'int32' }), lm.zeroState(B))[0]);
          const got = await runtimeLogits(session, ids, B, T);
          assert.deepEqual(got.dims, [B, T, V], `${name}: logits shape for B=${B}, T=${T}`);
          assertClose(got.data as Float32Array, want, { rtol: 1e-4, atol: 1e-4 }, `${name} logits (B=${B}, T=${T})`);
        }
      await session.release();
    });
  }

  test('the file declares opset 17, ids int64 (batch, time), logits float (batch, time, V) and the vocabulary and config as metadata', () => {
    const lm = randomModel('lstm', 1);
    const model = decodeModel(charLMToOnnx({ model: 'lstm', config: TINY.lstm, vocab: VOCAB, weights: moduleWeights(lm.module) }));
    assert.deepEqual(model.opset_import.map((o) => [o.domain ?? '', o.version]), [['', 17]]);
    const dims = (v: (typeof model.graph.input)[0]) => v.type.tensor_type.shape.dim.map((d) => ('dim_param' in d ? d.dim_param : d.dim_value));
    assert.equal(model.graph.input[0].type.tensor_type.elem_type, 7);
    assert.deepEqual(dims(model.graph.input[0]), ['batch', 'time']);
    assert.equal(model.graph.output[0].type.tensor_type.elem_type, 1);
    assert.deepEqual(dims(model.graph.output[0]), ['batch', 'time', V]);
    const meta = Object.fromEntries(model.metadata_props.map((p) => [p.key, p.value]));
    assert.deepEqual(JSON.parse(meta.vocab), VOCAB);
    assert.deepEqual(JSON.parse(meta.config), TINY.lstm);
    assert.equal(meta.model, 'lstm');
    assert.equal(meta.task, 'char-lm');
    assert.deepEqual(model.graph.node.filter((n) => n.op_type === 'LSTM').length, 2, 'one LSTM node per layer');
  });

  test("every model's file passes the onnx package's checker (full check) and strict shape inference", { skip: pythonSkip('onnx', 'python3-onnx') }, () => {
    const dir = mkdtempSync(join(tmpdir(), 'loom-onnx-check-'));
    try {
      for (const name of Object.keys(TINY))
        writeFileSync(join(dir, `${name}.onnx`), charLMToOnnx({ model: name, config: TINY[name], vocab: VOCAB, weights: moduleWeights(randomModel(name, 2).module) }));
      const lines = checkOnnxFiles(dir);
      assert.equal(lines.filter((l) => l.endsWith(`['batch', 'time', ${V}]`)).length, Object.keys(TINY).length, lines.join('\n'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('an unknown model or a missing weight is refused by name', () => {
    const lm = randomModel('markov', 1);
    const weights = moduleWeights(lm.module);
    assert.throws(() => charLMToOnnx({ model: 'transformer-xl', config: TINY.markov, vocab: VOCAB, weights }), /no exporter for the model 'transformer-xl'/);
    weights.delete('head.bias');
    assert.throws(() => charLMToOnnx({ model: 'markov', config: TINY.markov, vocab: VOCAB, weights: new Map([['emb.weight', weights.get('emb.weight')!]]) }), /lacks 'head.weight'/);
  });

  test('the exporter bundles for the browser without any Node builtin', async () => {
    const found: string[] = [];
    const builtins = new Set(builtinModules);
    await build({
      entryPoints: [fileURLToPath(new URL('../src/export/onnx/index.js', import.meta.url))],
      bundle: true, platform: 'browser', format: 'esm', write: false, logLevel: 'silent',
      plugins: [{
        name: 'node-builtins',
        setup(b) {
          b.onResolve({ filter: /.*/ }, (args) => {
            if (!args.path.startsWith('node:') && !builtins.has(args.path.split('/')[0])) return undefined;
            // protobufjs requires fs inside a try and maps it to false for browsers (its package.json "browser" field)
            if (args.path === 'fs' && /node_modules\/protobufjs\/src\/util\/fs\.js$/.test(args.importer)) return { path: args.path, external: true };
            found.push(`${args.path} (imported by ${args.importer})`);
            return { path: args.path, external: true };
          });
        },
      }],
    });
    assert.deepEqual(found, []);
  });
});
