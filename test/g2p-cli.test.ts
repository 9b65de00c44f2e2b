/**
 * `loom train --task g2p`, `loom predict` and `loom eval` end to end (child processes of bin/loom.js) on
 * a small dictionary and a tiny model, and the bad inputs of the issue: one sentence, exit code 1.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { cmudictPath } from '../src/data/pronunciations-node.js';
import { onnxGreedy } from './helpers/g2p-onnx.js';
import { torchPython } from './helpers/python.js';
import { planG2PRun } from '../src/cli/g2p/train.js';
import { findG2PModel } from '../src/tasks/g2p/index.js';
import '../src/node.js';

const LOOM = fileURLToPath(new URL('../../bin/loom.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'loom-g2p-cli-'));
const DICT = join(dir, 'small.dict');
writeFileSync(DICT, readFileSync(cmudictPath(), 'utf8').split('\n').slice(0, 300).join('\n') + '\n');

function loom(args: string[], input?: string) {
  const r = spawnSync(process.execPath, [LOOM, ...args], { cwd: dir, encoding: 'utf8', input, env: { ...process.env, LOOM_THREADS: '1' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const TINY = ['--embed', '16', '--hidden', '16', '--attention', '16', '--batch', '16', '--eval-every', '0'];

describe('loom g2p', () => {
  const run = join(dir, 'run');
  before(() => {
    const r = loom(['train', '--task', 'g2p', '--model', 'lstm-attention', '--data', DICT, '--steps', '6', '--checkpoint-every', '3', ...TINY, '--out', run]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /data: .*small\.dict, 274 words/);
    assert.match(r.out, /validation \(greedy\) WER \d+\.\d\d% PER \d+\.\d\d% \(\d+ words\)/);
  });

  test('train --resume continues to a larger --steps', () => {
    const r = loom(['train', '--task', 'g2p', '--out', run, '--resume', '--steps', '8']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /resuming from step 6/);
    assert.equal(readFileSync(join(run, 'metrics.jsonl'), 'utf8').trim().split('\n').filter((l) => l.includes('"loss"')).length, 8);
  });

  test('predict: words as arguments and on stdin, beam and n-best, attention heatmap', () => {
    const a = loom(['predict', '--checkpoint', run, 'aaron', 'ABBEY']);
    assert.equal(a.code, 0, a.err);
    assert.match(a.out, /^AARON  [A-Z ]*\nABBEY  [A-Z ]*\n$/);
    const s = loom(['predict', '--checkpoint', run], 'AARON\nABBEY\n');
    assert.equal(s.out, a.out);
    const n = loom(['predict', '--checkpoint', run, '--beam', '3', '--nbest', '2', '--show-attention', 'ABBEY']);
    assert.equal(n.code, 0, n.err);
    assert.match(n.out, /ABBEY  [A-Z ]*  \(1, log p -?\d+\.\d{3}\)\n {5} A B B E Y\n/);
    assert.match(n.out, /\(2, log p /);
  });

  test('predict: an unknown letter, an empty word, a 100-letter word: one sentence each, the others answered, exit 1', () => {
    const r = loom(['predict', '--checkpoint', run, 'abb#y', '', 'A'.repeat(100), 'ABBEY']);
    assert.equal(r.code, 1);
    assert.match(r.out, /^ABBEY  /m);
    const lines = r.err.trim().split('\n');
    assert.equal(lines.length, 3, r.err);
    assert.match(lines[0], /^loom: the word 'abb#y' has a letter the model never saw: '#'$/);
    assert.match(lines[1], /^loom: an empty word has no pronunciation$/);
    assert.match(lines[2], /^loom: the word 'A{37}\.\.\.' has 100 letters; the model reads at most 48$/);
  });

  test('eval: WER and PER with the word count, on the run\'s held-out words and on --data FILE', () => {
    const r = loom(['eval', '--checkpoint', run, '--beam', '2']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /WER \d+\.\d\d% PER \d+\.\d\d%\n13 words/);
    const f = join(dir, 'eval.dict');
    writeFileSync(f, ';;; two words\nAARON  EH1 R AH0 N\nABBEY  AE1 B IY0\nABBEY(1)  AE1 B IY2\n');
    const d = loom(['eval', '--checkpoint', run, '--data', f]);
    assert.equal(d.code, 0, d.err);
    assert.match(d.out, /WER \d+\.\d\d% PER \d+\.\d\d%\n2 words/);
  });

  test('bad dictionaries: a line with no phonemes, a non-UTF-8 file, an unknown letter in --data', () => {
    const noPh = join(dir, 'nophon.dict');
    writeFileSync(noPh, 'CAT  K AE1 T\nDOG\n');
    const a = loom(['train', '--task', 'g2p', '--model', 'lstm-attention', '--data', noPh, '--steps', '1', ...TINY, '--out', join(dir, 'x')]);
    assert.equal(a.code, 1);
    assert.equal(a.err, `loom: line 2 of '${noPh}' has no phonemes for the word 'DOG': expected 'WORD  PH PH ...'\n`);
    const bin = join(dir, 'latin1.dict');
    writeFileSync(bin, Buffer.from([...Buffer.from('CAT  K AE1 T\nCAF'), 0xe9, ...Buffer.from('  K AE1 F\n')]));
    const b = loom(['eval', '--checkpoint', run, '--data', bin]);
    assert.equal(b.code, 1);
    assert.match(b.err, /^loom: line 2 of '.*latin1\.dict' is not valid UTF-8/);
    const unk = join(dir, 'unknown.dict');
    writeFileSync(unk, 'CAT  K AE1 T\nZ#Z  Z IY1\n');
    const c = loom(['eval', '--checkpoint', run, '--data', unk]);
    assert.equal(c.code, 1);
    assert.match(c.err, /^loom: dictionary '.*unknown\.dict': the word 'Z#Z' has a letter the model never saw: '#'\n$/);
    const m = loom(['train', '--task', 'g2p', '--model', 'transformer', '--attention', '8', '--out', join(dir, 'y')]);
    assert.equal(m.code, 1);
    assert.match(m.err, /^loom: --attention does not apply to the transformer model/);
  });
});

describe('loom export of a g2p checkpoint', () => {
  test("ONNX Runtime's and PyTorch's greedy decoding give loom predict's phonemes", async () => {
    const run = join(dir, 'run');
    const words = ['AARON', 'ABBEY', 'ABEL'];
    const p = loom(['predict', '--checkpoint', run, ...words]);
    assert.equal(p.code, 0, p.err);
    const want = p.out.trim().split('\n').map((l) => l.split('  ')[1].split(' ').filter(Boolean));
    const e = loom(['export', '--checkpoint', run, '--format', 'onnx', '--out', join(dir, 'g2p.onnx')]);
    assert.equal(e.code, 0, e.err);
    assert.match(e.out, /^wrote .*g2p\.onnx \(g2p lstm-attention, ONNX opset 17, [\d.]+ KiB\): graphemes, phonemes int64 -> logits/);
    const t = loom(['export', '--checkpoint', run, '--format', 'pytorch', '--out', join(dir, 'g2p-pt')]);
    assert.equal(t.code, 0, t.err);
    const { letters, phonemes, maxLetters } = JSON.parse(readFileSync(join(dir, 'g2p-pt', 'config.json'), 'utf8')) as { letters: string[]; phonemes: string[]; maxLetters: number };
    const session = await ort.InferenceSession.create(join(dir, 'g2p.onnx'));
    for (const [i, word] of words.entries()) {
      const ids = await onnxGreedy(session, [...word].map((c) => letters.indexOf(c)), maxLetters + 1);
      assert.deepEqual(ids.map((id) => phonemes[id]), want[i], `ONNX greedy phonemes of ${word}`);
    }
    await session.release();
    const py = torchPython();
    if (!py) return; // no torch here: the ONNX half is checked
    const script = `import sys, json; sys.path.insert(0, sys.argv[1]); import model; net, meta = model.load(sys.argv[1]); print(json.dumps(model.greedy(net, meta, sys.argv[2:])))`;
    const r = spawnSync(py, ['-c', script, join(dir, 'g2p-pt'), ...words], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), want);
  });
});

test('--preset long: lstm-attention at its default size for 16,000 steps; refused with another model; --steps still wins', () => {
  const plan = (v: Record<string, string | boolean>) => planG2PRun({ data: DICT, out: join(dir, `preset-${Object.keys(v).join('-')}`), ...v });
  const long = plan({ preset: 'long' });
  assert.equal(long.options.steps, 16000);
  const { srcVocabSize: _letters, tgtVocabSize: _phonemes, ...size } = long.task.describeModel().config as Record<string, unknown>;
  assert.deepEqual(size, findG2PModel('lstm-attention')!.defaults);
  assert.equal(plan({ preset: 'long', steps: '20' }).options.steps, 20);
  assert.throws(() => plan({ preset: 'long', model: 'transformer' }), /^Error: --preset long is the lstm-attention model's; drop --model transformer/);
  assert.throws(() => plan({ preset: 'short' }), /^Error: --preset takes long, got 'short'/);
});
