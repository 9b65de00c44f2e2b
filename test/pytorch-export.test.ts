/**
 * PyTorch export of the character LMs: model.py, run by python3 with torch (skipped with a message when
 * there is none), loads OUT with its own safetensors reader and its logits equal Loom's to 1e-4 for
 * every model, two batch sizes and two lengths; model.save writes Loom's keys back unchanged.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import '../src/node.js';
import { noGrad } from '../src/core/autograd.js';
import { fromArray } from '../src/core/creation.js';
import { Generator } from '../src/core/random.js';
import { moduleWeights } from '../src/export/onnx/index.js';
import { charLMToPyTorch } from '../src/export/pytorch/index.js';
import { parseSafetensors } from '../src/io/safetensors.js';
import { randomIds, randomModel, TINY, V, VOCAB } from './helpers/char-lms.js';
import { assertClose } from './helpers/close.js';
import { torchPython, torchSkip } from './helpers/python.js';

const work = mkdtempSync(join(tmpdir(), 'loom-pytorch-export-'));
after(() => rmSync(work, { recursive: true, force: true }));

/** Runs each job's ids through OUT/model.py's load(OUT) and writes the logits as raw float32; then model.save(net, OUT/resaved). */
const DRIVER = `
import json, sys, importlib.util, torch
torch.set_num_threads(1)
for job in json.load(open(sys.argv[1])):
    spec = importlib.util.spec_from_file_location('model_' + job['name'].replace('-', '_'), job['dir'] + '/model.py')
    model = importlib.util.module_from_spec(spec); spec.loader.exec_module(model)
    net, vocab = model.load(job['dir'])
    assert vocab == job['vocab'], vocab
    with torch.no_grad():
        for i, (B, T, ids) in enumerate(job['inputs']):
            logits = net(torch.tensor(ids, dtype=torch.int64).view(B, T))
            assert logits.dtype == torch.float32 and list(logits.shape) == [B, T, len(vocab)], logits.shape
            open(f"{job['dir']}/logits{i}.f32", 'wb').write(logits.contiguous().numpy().tobytes())
    model.save(net, job['dir'] + '/resaved')
`;

describe('PyTorch export of the character LMs, run by PyTorch', { skip: torchSkip() }, () => {
  test('model.py loads every model and its logits equal Loom\'s for batches 1 and 3, lengths 1 and 9; save() keeps the keys and values', () => {
    const gen = new Generator(5);
    const jobs = Object.keys(TINY).map((name, n) => {
      const lm = randomModel(name, 20 + n);
      const dir = join(work, name);
      mkdirSync(dir, { recursive: true });
      for (const [file, bytes] of charLMToPyTorch({ model: name, config: TINY[name], vocab: VOCAB, weights: moduleWeights(lm.module) })) writeFileSync(join(dir, file), bytes);
      const inputs = [[1, 1], [1, 9], [3, 1], [3, 9]].map(([B, T]) => [B, T, Array.from(randomIds(gen, B, T))] as [number, number, number[]]);
      return { name, dir, vocab: VOCAB, inputs, lm };
    });
    writeFileSync(join(work, 'jobs.json'), JSON.stringify(jobs.map(({ lm: _, ...j }) => j)));
    writeFileSync(join(work, 'driver.py'), DRIVER);
    const r = spawnSync(torchPython()!, [join(work, 'driver.py'), join(work, 'jobs.json')], { encoding: 'utf8' });
    assert.equal(r.status, 0, `python3 failed:\n${r.stderr}`);
    for (const { name, dir, inputs, lm } of jobs) {
      inputs.forEach(([B, T, ids], i) => {
        const want = noGrad(() => lm.forward(fromArray(Int32Array.from(ids), [B, T], { dtype: 'int32' }), lm.zeroState(B))[0]);
        const got = new Float32Array(new Uint8Array(readFileSync(join(dir, `logits${i}.f32`))).buffer); // an own buffer (Node pools small reads)
        assert.equal(got.length, B * T * V);
        assertClose(got, want, { rtol: 1e-4, atol: 1e-4 }, `${name} logits (B=${B}, T=${T})`);
      });
      const original = parseSafetensors(readFileSync(join(dir, 'model.safetensors')));
      const resaved = parseSafetensors(readFileSync(join(dir, 'resaved', 'model.safetensors')));
      assert.deepEqual([...resaved.tensors.keys()].sort(), [...original.tensors.keys()].sort(), `${name}: model.save writes Loom's keys`);
      for (const [k, t] of original.tensors) assert.deepEqual(resaved.tensors.get(k)!.data, t.data, `${name}: ${k} after load and save`);
    }
  });
});
