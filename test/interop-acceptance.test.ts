/**
 * The hand-off, end to end through the CLI: a model trained with `loom train` (tiny, a few steps),
 * exported with `loom export` both ways, continues a prompt greedily in ONNX Runtime and in PyTorch
 * (when python3 with torch is here) exactly as `loom sample --greedy` does; the PyTorch export
 * re-imported with `loom import` is a checkpoint with the same weights, which samples the same text.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, test } from 'node:test';
import * as ort from 'onnxruntime-node';
import { parseSafetensors } from '../src/io/safetensors.js';
import { torchPython, torchSkip } from './helpers/python.js';
import { makeText } from './helpers/text.js';

const LOOM = fileURLToPath(new URL('../../bin/loom.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'loom-interop-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const text = join(dir, 'text.txt');
writeFileSync(text, makeText(6000));

function run(args: string[]) {
  return spawnSync(process.execPath, [LOOM, ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, LOOM_THREADS: '1' } });
}

function loom(...args: string[]): string {
  const r = run(args);
  assert.equal(r.status, 0, `loom ${args.join(' ')} failed:\n${r.stderr}`);
  return r.stdout;
}

/** A user error: exit code 1 and one line `loom: ...` on stderr matching `pattern`. */
function refused(args: string[], pattern: RegExp): void {
  const r = run(args);
  assert.equal(r.status, 1, `loom ${args.join(' ')}: exit code ${r.status}, stderr ${r.stderr}`);
  assert.equal(r.stderr.trim().split('\n').length, 1, `one line on stderr, got:\n${r.stderr}`);
  assert.match(r.stderr, pattern);
}

const PROMPT = 'the whale ';
const TOKENS = 30;
/**
 * The two families through the whole chain (every model's logits are checked one by one in
 * onnx-export.test.ts and pytorch-export.test.ts): an LSTM and a GPT, tiny, with a window of 16 so
 * that the GPT's context slides during the 40 characters. Learning rates high enough that 40 steps
 * give a continuation of more than one character.
 */
const RUNS: Record<string, { sizes: string[]; lr: string }> = {
  lstm: { sizes: ['--embed', '8', '--hidden', '16', '--layers', '2'], lr: '0.02' },
  gpt: { sizes: ['--embed', '16', '--layers', '1', '--heads', '2'], lr: '0.01' },
};
const BLOCK = 16;

interface Trained {
  name: string;
  run: string;
  vocab: string[];
  /** What `loom sample --greedy` continues PROMPT with. */
  sampled: string;
}

const trained: Trained[] = Object.entries(RUNS).map(([name, { sizes, lr }]) => {
  const run = join(dir, `run-${name}`);
  loom('train', '--model', name, '--data', text, '--steps', '40', '--batch', '4', '--seq', String(BLOCK), '--lr', lr, ...sizes, '--out', run, '--sample-length', '0', '--eval-every', '0');
  loom('export', '--checkpoint', run, '--format', 'onnx', '--out', join(run, 'model.onnx'));
  loom('export', '--checkpoint', run, '--format', 'pytorch', '--out', join(run, 'pytorch'));
  const sampled = loom('sample', '--checkpoint', run, '--greedy', '--prompt', PROMPT, '--max-tokens', String(TOKENS));
  const vocab = JSON.parse(readFileSync(join(run, 'pytorch', 'config.json'), 'utf8')).vocab as string[];
  return { name, run, vocab, sampled: sampled.slice(PROMPT.length, -1) };
});

/** The first index of the largest value (pickToken's greedy rule). */
function argmax(row: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < row.length; i++) if (row[i] > row[best]) best = i;
  return best;
}

describe('a trained model continues a prompt greedily in ONNX Runtime and PyTorch as loom sample --greedy does', () => {
  for (const t of trained)
    test(`${t.name}: ONNX Runtime`, async () => {
      const session = await ort.InferenceSession.create(join(t.run, 'model.onnx'));
      const ids = [...PROMPT].map((c) => t.vocab.indexOf(c));
      let out = '';
      for (let n = 0; n < TOKENS; n++) {
        // the recurrent models and markov read the whole history from a zero state; the gpts their last block
        const context = t.name.endsWith('gpt') ? ids.slice(-BLOCK) : ids;
        const { logits } = await session.run({ ids: new ort.Tensor('int64', BigInt64Array.from(context, BigInt), [1, context.length]) });
        const V = t.vocab.length;
        const next = argmax((logits.data as Float32Array).subarray((context.length - 1) * V, context.length * V));
        ids.push(next);
        out += t.vocab[next];
      }
      await session.release();
      assert.ok(new Set(t.sampled).size > 2, `${t.name}: a continuation of one repeated character proves little: ${JSON.stringify(t.sampled)}`);
      assert.equal(out, t.sampled);
    });

  test('PyTorch: model.py continues the prompt as loom sample --greedy does, for every model', { skip: torchSkip() }, () => {
    const driver = join(dir, 'greedy.py');
    writeFileSync(driver, `
import json, sys, importlib.util, torch
torch.set_num_threads(1)
prompt, tokens, block, runs = json.loads(sys.argv[1])
out = {}
for name, run in runs:
    spec = importlib.util.spec_from_file_location('model_' + name.replace('-', '_'), run + '/pytorch/model.py')
    model = importlib.util.module_from_spec(spec); spec.loader.exec_module(model)
    net, vocab = model.load(run + '/pytorch')
    ids = [vocab.index(c) for c in prompt]
    text = ''
    with torch.no_grad():
        for _ in range(tokens):
            context = ids[-block:] if name.endswith('gpt') else ids
            nxt = int(net(torch.tensor([context]))[0, -1].argmax())
            ids.append(nxt); text += vocab[nxt]
    out[name] = text
print(json.dumps(out))
`);
    const r = spawnSync(torchPython()!, [driver, JSON.stringify([PROMPT, TOKENS, BLOCK, trained.map((t) => [t.name, t.run])])], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const got = JSON.parse(r.stdout) as Record<string, string>;
    for (const t of trained) assert.equal(got[t.name], t.sampled, `${t.name} in PyTorch`);
  });

  test('the PyTorch export re-imported with loom import has the same weights, samples the same text and resumes training', () => {
    for (const t of trained) {
      const imported = join(dir, `imported-${t.name}`);
      loom('import', '--from', 'pytorch', join(t.run, 'pytorch', 'model.safetensors'), '--model', t.name, ...RUNS[t.name].sizes, '--seq', String(BLOCK), '--batch', '4', '--vocab', text, '--out', imported);
      const want = parseSafetensors(readFileSync(join(t.run, 'checkpoint', 'model.safetensors'))).tensors;
      const got = parseSafetensors(readFileSync(join(imported, 'checkpoint', 'model.safetensors'))).tensors;
      assert.deepEqual([...got.keys()].sort(), [...want.keys()].sort());
      for (const [k, w] of want) assert.deepEqual(got.get(k)!.data, w.data, `${t.name}: ${k}`);
      assert.equal(loom('sample', '--checkpoint', imported, '--greedy', '--prompt', PROMPT, '--max-tokens', String(TOKENS)).slice(PROMPT.length, -1), t.sampled);
      if (t.name === 'lstm') loom('train', '--out', imported, '--resume', '--steps', '2', '--sample-length', '0'); // train --resume accepts it
    }
  });

  test('loom export and loom import refuse bad input in one sentence', () => {
    const lstm = trained.find((t) => t.name === 'lstm')!;
    refused(['export', '--checkpoint', join(dir, 'missing'), '--format', 'onnx', '--out', join(dir, 'x.onnx')], /^loom: checkpoint '.*missing' does not exist$/m);
    refused(['export', '--checkpoint', lstm.run, '--format', 'tflite', '--out', join(dir, 'x')], /^loom: --format takes onnx or pytorch, got 'tflite'$/m);
    refused(['export', '--checkpoint', lstm.run, '--format', 'onnx', '--out', dir], /is a directory; --format onnx writes one file/);
    refused(['import', '--from', 'pytorch', join(lstm.run, 'pytorch', 'model.safetensors'), '--model', 'gru', ...RUNS.lstm.sizes, '--vocab', text, '--out', join(dir, 'bad')],
      /has 'rnn\.weight_ih_l0' of shape \[64, 8\], but the gru model with .* needs \[48, 8\]/);
  });
});
