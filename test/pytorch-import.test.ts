/**
 * Import of PyTorch state dicts (safetensors) as Loom checkpoints: an export re-imported gives the same
 * weights, for every char-lm model; nn.MultiheadAttention's names and a tied head saved once are read;
 * keys and shapes that do not fit are refused by name with what was expected.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import '../src/node.js';
import { CharVocab } from '../src/data/vocab.js';
import { moduleWeights } from '../src/export/onnx/index.js';
import { charLMToPyTorch } from '../src/export/pytorch/index.js';
import { importCharLM } from '../src/export/pytorch/import.js';
import { decodeCheckpoint } from '../src/io/checkpoint.js';
import { parseSafetensors, serializeSafetensors, type SafeTensor } from '../src/io/safetensors.js';
import { findModel, loadCharLM } from '../src/tasks/char-lm/index.js';
import { randomModel, TINY, VOCAB } from './helpers/char-lms.js';

const vocab = new CharVocab(VOCAB.join(''));
const taskConfig = { data: '/tmp/text.txt', dataHash: '', batch: 2, seq: 8, evalBatches: 1, sampleLength: 0 };
const training = { steps: 10, lr: 1e-3, optimizer: 'adam' as const, weightDecay: 0, clip: 1, schedule: 'constant' as const, warmup: 0, seed: 0, evalEvery: 0, checkpointEvery: 10 };

function importBytes(name: string, bytes: Uint8Array, config = TINY[name]) {
  const { vocabSize: _, ...modelConfig } = config;
  const files = importCharLM({ bytes, file: 'in.safetensors', spec: findModel(name)!, modelConfig, vocab, taskConfig, training });
  return loadCharLM(decodeCheckpoint(files, 'imported'));
}

const exported = (name: string, seed = 3) => charLMToPyTorch({ model: name, config: TINY[name], vocab: VOCAB, weights: moduleWeights(randomModel(name, seed).module) }).get('model.safetensors')!;

describe('loom import of PyTorch state dicts', () => {
  for (const name of Object.keys(TINY))
    test(`${name}: an export re-imported is a checkpoint with the same weights`, () => {
      const bytes = exported(name);
      const { lm, spec, config } = importBytes(name, bytes);
      assert.equal(spec.name, name);
      assert.deepEqual(config, TINY[name]);
      const want = parseSafetensors(bytes).tensors;
      const got = lm.module.stateDict();
      assert.deepEqual([...got.keys()].sort(), [...want.keys()].sort());
      for (const [k, t] of want) assert.deepEqual(got.get(k)!.toArray(), t.data, k);
    });

  test("nn.MultiheadAttention's in_proj/out_proj names are read as c_attn/c_proj, and a tied head may come once", () => {
    const tensors = parseSafetensors(exported('gpt')).tensors;
    const renamed = new Map<string, SafeTensor>([...tensors].map(([k, t]) => [k.replace('attn.c_attn.weight', 'attn.in_proj_weight').replace('attn.c_proj.bias', 'attn.out_proj.bias'), t]));
    const { lm } = importBytes('gpt', serializeSafetensors(renamed));
    assert.deepEqual(lm.module.stateDict().get('transformer.h.1.attn.c_attn.weight')!.toArray(), tensors.get('transformer.h.1.attn.c_attn.weight')!.data);
    const tied = parseSafetensors(exported('linear-gpt')).tensors;
    tied.delete('lm_head.weight');
    const { lm: lin } = importBytes('linear-gpt', serializeSafetensors(tied));
    assert.deepEqual(lin.module.stateDict().get('lm_head.weight')!.toArray(), tied.get('transformer.wte.weight')!.data);
  });

  test('keys and shapes that do not fit are named with what was expected', () => {
    const lstm = exported('lstm');
    assert.throws(() => importBytes('gru', lstm, { ...TINY.gru }), /has 'rnn\.weight_ih_l0' of shape \[32, 6\], but the gru model with .* needs \[24, 6\]/);
    assert.throws(() => importBytes('lstm', lstm, { ...TINY.lstm, layers: 1 }), /has 'rnn\.bias_hh_l1', 'rnn\.bias_ih_l1', 'rnn\.weight_hh_l1', 'rnn\.weight_ih_l1', which the lstm model with .* does not have/);
    assert.throws(() => importBytes('lstm', lstm, { ...TINY.lstm, layers: 3 }), /lacks 'rnn\.weight_ih_l2' of shape \[32, 8\]/);
    assert.throws(() => importBytes('lstm', new Uint8Array([1, 2, 3])), /'in\.safetensors' is not a valid safetensors file/);
  });
});
