/**
 * The `loom` command line end to end: `node bin/loom.js ...` in a child process, on a small text in a
 * temporary directory, with tiny models (hidden 16, a few steps) so the whole file runs in seconds.
 */
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { CheckpointError, checkpointTensors } from '../src/io/checkpoint.js';
import { loadCheckpoint, saveCheckpoint } from '../src/io/checkpoint-dir.js';
import { findModel } from '../src/tasks/char-lm/index.js';
import { CharVocab } from '../src/data/vocab.js';
import { makeText } from './helpers/text.js';

const LOOM = fileURLToPath(new URL('../../bin/loom.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'loom-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const text = join(dir, 'text.txt');
writeFileSync(text, makeText(6000));
// 900 training characters: 4 streams of 64 wrap every 3 steps, so resuming also crosses state resets
const short = join(dir, 'short.txt');
writeFileSync(short, makeText(1000, 7));

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function loom(args: string[], env: Record<string, string> = {}): Run {
  const r = spawnSync(process.execPath, [LOOM, ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, ...env } });
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/** The flags of a tiny LSTM run. */
const TINY = ['--data', text, '--batch', '4', '--seq', '16', '--embed', '8', '--hidden', '16', '--layers', '2', '--sample-length', '20'];
const TINY_GPT = ['--model', 'gpt', '--data', text, '--batch', '4', '--seq', '16', '--embed', '16', '--layers', '1', '--heads', '2', '--sample-length', '20'];

/** The per-step training losses of a run directory's metrics.jsonl, by step. */
function losses(out: string): Map<number, number> {
  const m = new Map<number, number>();
  for (const line of readFileSync(join(dir, out, 'metrics.jsonl'), 'utf8').split('\n')) {
    if (!line) continue;
    const r = JSON.parse(line) as { step: number; loss?: number };
    if (r.loss !== undefined) m.set(r.step, r.loss);
  }
  return m;
}

/** A user error: exit code 1, and stderr is the single line `loom: ...` (no stack trace). */
function assertUserError(r: Run, ...patterns: (string | RegExp)[]): void {
  assert.equal(r.code, 1, `exit code ${r.code}; stderr: ${r.stderr}`);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `expected one line on stderr, got:\n${r.stderr}`);
  assert.match(lines[0], /^loom: /);
  for (const p of patterns) typeof p === 'string' ? assert.ok(lines[0].includes(p), `'${lines[0]}' lacks '${p}'`) : assert.match(lines[0], p);
}

describe('loom --help', () => {
  test('the top level lists every command', () => {
    const r = loom(['--help']);
    assert.equal(r.code, 0);
    for (const c of ['train', 'sample', 'eval', 'parity']) assert.match(r.stdout, new RegExp(`^  ${c} `, 'm'));
  });
  for (const [cmd, flags] of [
    ['train', ['--model', '--data', '--steps', '--batch', '--seq', '--lr', '--hidden', '--layers', '--embed', '--heads', '--seed', '--out', '--resume', '--clip', '--eval-every', '--eval-batches', '--sample-length']],
    ['sample', ['--checkpoint', '--prompt', '--max-tokens', '--greedy', '--temperature', '--top-k', '--top-p', '--seed']],
    ['eval', ['--checkpoint', '--data']],
    ['parity', []],
  ] as const) {
    test(`loom ${cmd} --help shows its flags`, () => {
      const r = loom([cmd, '--help']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`^loom ${cmd} — `));
      for (const f of flags) assert.ok(r.stdout.includes(`  ${f}`), `${cmd} --help lacks ${f}`);
    });
  }
});

describe('loom train', () => {
  test('trains, validates, checkpoints and samples; metrics.jsonl has every step', () => {
    const r = loom(['train', ...TINY, '--steps', '6', '--eval-every', '3', '--eval-batches', '2', '--checkpoint-every', '2', '--out', 'basic']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^step 6\/6 loss \d+\.\d+ \| tok\/s [\d,]+ \| ETA/m); // plain lines: stdout is a pipe
    assert.match(r.stdout, /step 3: validation loss \d+\.\d+/);
    assert.match(r.stdout, /validation loss \d+\.\d+ nats\/char/);
    assert.match(r.stdout, /sample \(temperature 0\.8, top-p 0\.95\):\n.{20}/s);
    assert.deepEqual([...losses('basic').keys()], [1, 2, 3, 4, 5, 6]);
    const ckpt = join(dir, 'basic', 'checkpoint');
    assert.deepEqual(readdirSync(ckpt).sort(), ['config.json', 'hidden.safetensors', 'model.safetensors', 'optimizer.safetensors']);
    const meta = JSON.parse(readFileSync(join(ckpt, 'config.json'), 'utf8'));
    assert.equal(meta.model, 'lstm');
    assert.equal(meta.step, 6);
    assert.deepEqual(meta.config, { cell: 'lstm', embed: 8, hidden: 16, layers: 2, dropout: 0, vocabSize: meta.vocab.chars.length });
  });

  test('the weights carry PyTorch state-dict keys', () => {
    const bytes = readFileSync(join(dir, 'basic', 'checkpoint', 'model.safetensors'));
    const header = JSON.parse(bytes.subarray(8, 8 + Number(bytes.readBigUInt64LE(0))).toString('utf8'));
    const keys = Object.keys(header).filter((k) => k !== '__metadata__').sort();
    assert.deepEqual(keys, [
      'embedding.weight', 'head.bias', 'head.weight',
      'rnn.bias_hh_l0', 'rnn.bias_hh_l1', 'rnn.bias_ih_l0', 'rnn.bias_ih_l1',
      'rnn.weight_hh_l0', 'rnn.weight_hh_l1', 'rnn.weight_ih_l0', 'rnn.weight_ih_l1',
    ]);
  });

  test('--resume after --steps 5 gives the losses of an uninterrupted run, step for step (LSTM, TBPTT)', () => {
    const flags = [...TINY, '--data', short, '--seq', '64', '--eval-every', '3', '--eval-batches', '1', '--checkpoint-every', '2'];
    assert.equal(loom(['train', ...flags, '--steps', '8', '--out', 'straight']).code, 0);
    assert.equal(loom(['train', ...flags, '--steps', '5', '--out', 'resumed']).code, 0);
    const r = loom(['train', '--out', 'resumed', '--resume', '--steps', '8']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /resuming from step 5/);
    const a = losses('straight');
    const b = losses('resumed');
    assert.deepEqual([...b.keys()], [1, 2, 3, 4, 5, 6, 7, 8]);
    assert.deepEqual([...b.values()], [...a.values()]);
  });

  test('Ctrl-C saves a checkpoint and exits 130; --resume continues the same curve (GPT, random windows)', async () => {
    const child = spawn(process.execPath, [LOOM, 'train', ...TINY_GPT, '--steps', '100000', '--out', 'interrupted'], { cwd: dir });
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += d));
    const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
    const metrics = join(dir, 'interrupted', 'metrics.jsonl');
    const deadline = Date.now() + 30_000;
    while (!(existsSync(metrics) && readFileSync(metrics, 'utf8').split('\n').length > 3) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    child.kill('SIGINT');
    assert.equal(await exited, 130, stdout);
    assert.match(stdout, /interrupted: saved a checkpoint at step \d+/);
    const stopped = JSON.parse(readFileSync(join(dir, 'interrupted', 'checkpoint', 'config.json'), 'utf8')).step as number;
    assert.ok(stopped >= 3, `stopped at step ${stopped}`);
    const total = String(stopped + 3);
    const r = loom(['train', '--out', 'interrupted', '--resume', '--steps', total]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(loom(['train', ...TINY_GPT, '--steps', total, '--out', 'gpt-straight']).code, 0);
    const a = losses('gpt-straight');
    const b = losses('interrupted');
    assert.equal(b.size, stopped + 3);
    assert.deepEqual([...b.values()], [...a.values()]);
  });

  test('a loss that turns NaN ends the run with one sentence and exit 1, the checkpoint before it intact', () => {
    // lr 1e38 overflows on both kernel builds (at 1e30 the fused multiply-adds keep this run finite, its loss near 4e30)
    const r = loom(['train', ...TINY, '--steps', '6', '--lr', '1e38', '--clip', '0', '--checkpoint-every', '1', '--out', 'diverged']);
    assertUserError(r, 'training diverged at step 2: the loss is NaN; stopped before the optimizer step', "the checkpoint of step 1 in 'diverged/checkpoint' is intact", 'a lower --lr', '--clip 1');
    const ckpt = loadCheckpoint(join(dir, 'diverged'));
    assert.equal(ckpt.meta.step, 1);
    for (const [k, t] of checkpointTensors(ckpt, 'model.safetensors')!) assert.ok((t.toArray() as Float32Array).every(Number.isFinite), `${k} holds a non-finite weight`);
    assert.deepEqual([...losses('diverged').keys()], [1]);
  });

  for (const [model, size] of [
    ['rnn', ['--hidden', '16']],
    ['gru', ['--hidden', '16']],
    ['linear-gpt', ['--embed', '16', '--heads', '2', '--layers', '1']],
    ['markov', ['--embed', '8']], // the first-order model of the notes
  ] as const) {
    test(`--model ${model} trains, saves, samples and evaluates`, () => {
      const out = `model-${model}`;
      const r = loom(['train', '--model', model, '--data', text, '--steps', '3', '--batch', '4', '--seq', '16', ...size, '--out', out, '--sample-length', '10']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`^model: ${model} `));
      assert.equal(loom(['sample', '--checkpoint', out, '--prompt', 'the', '--max-tokens', '10']).code, 0);
      assert.match(loom(['eval', '--checkpoint', out]).stdout, /perplexity/);
    });
  }
});

describe('atomic checkpoints', () => {
  const vocab = new CharVocab('abc');
  const spec = findModel('gru')!;
  const config = { ...spec.defaults, embed: 4, hidden: 8, layers: 1, vocabSize: vocab.size };
  const save = (path: string, step: number, hook?: (stage: string) => void) =>
    saveCheckpoint(path, { meta: { task: 'char-lm', model: 'gru', config, vocab: vocab.toJSON(), taskConfig: {}, training: {}, step, taskState: {}, rng: [] }, model: spec.create(config as never).module }, hook);
  const crashAt = (stage: string) => (s: string) => {
    if (s === stage) throw new Error(`simulated crash at '${stage}'`);
  };

  test('a save that dies after writing model.safetensors leaves the previous checkpoint loadable', () => {
    const path = join(dir, 'atomic1', 'checkpoint');
    save(path, 1);
    assert.throws(() => save(path, 2, crashAt('wrote model.safetensors')), /simulated crash/);
    assert.equal(loadCheckpoint(path).meta.step, 1);
    save(path, 3); // the next save clears the leftover temporary directory
    assert.deepEqual(readdirSync(join(dir, 'atomic1')), ['checkpoint']);
    assert.equal(loadCheckpoint(path).meta.step, 3);
  });

  test('a save that dies between its two renames is recovered from checkpoint.old', () => {
    const path = join(dir, 'atomic2', 'checkpoint');
    save(path, 1);
    assert.throws(() => save(path, 2, crashAt('moved old')), /simulated crash/);
    assert.ok(!existsSync(path) && existsSync(`${path}.old`));
    assert.equal(loadCheckpoint(path).meta.step, 1);
    assert.ok(existsSync(path));
  });

  test('a training process killed (SIGKILL) mid-save keeps its previous checkpoint, and resumes from it', () => {
    const killed = loom(['train', ...TINY, '--steps', '4', '--checkpoint-every', '2', '--out', 'killed'], { LOOM_CRASH_DURING_SAVE: '2' });
    assert.equal(killed.signal, 'SIGKILL');
    const ev = loom(['eval', '--checkpoint', 'killed']);
    assert.equal(ev.code, 0, ev.stderr);
    assert.match(ev.stdout, /\(lstm, step 2\)/);
    const r = loom(['train', '--out', 'killed', '--resume']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(readdirSync(join(dir, 'killed')).sort(), ['checkpoint', 'metrics.jsonl']);
    assert.deepEqual([...losses('killed').keys()], [1, 2, 3, 4]);
  });
});

describe('bad inputs: one sentence naming the file, exit code 1', () => {
  test('missing data file', () => assertUserError(loom(['train', '--data', 'nope.txt']), "data file 'nope.txt' does not exist"));
  test('empty data file', () => {
    writeFileSync(join(dir, 'empty.txt'), '');
    assertUserError(loom(['train', '--data', 'empty.txt']), "data file 'empty.txt' is empty");
  });
  test('binary data file', () => {
    writeFileSync(join(dir, 'binary.bin'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x01, 0x02]));
    assertUserError(loom(['train', '--data', 'binary.bin']), "data file 'binary.bin'", /binary|UTF-8/);
  });
  test('non-UTF-8 data file', () => {
    writeFileSync(join(dir, 'latin1.txt'), Buffer.from('caf\xe9 au lait', 'latin1'));
    assertUserError(loom(['train', '--data', 'latin1.txt']), "data file 'latin1.txt' is not valid UTF-8", 'byte offset 3');
  });
  test('a data file too short for the batch', () => {
    writeFileSync(join(dir, 'tiny.txt'), 'hello world\n');
    assertUserError(loom(['train', '--data', 'tiny.txt']), "data file 'tiny.txt' is too short");
  });
  test('resuming a checkpoint of another model', () =>
    assertUserError(loom(['train', '--model', 'gpt', '--out', 'basic', '--resume']), "checkpoint 'basic/checkpoint' is for the model 'lstm', not 'gpt'"));
  test('a checkpoint whose config names another model than its weights', () => {
    cpSync(join(dir, 'basic'), join(dir, 'relabelled'), { recursive: true });
    const cfg = join(dir, 'relabelled', 'checkpoint', 'config.json');
    writeFileSync(cfg, readFileSync(cfg, 'utf8').replace(/"lstm"/g, '"gru"'));
    assertUserError(loom(['sample', '--checkpoint', 'relabelled']), "checkpoint file 'relabelled/checkpoint/model.safetensors' has 'rnn.weight_ih_l0' of shape [64, 8]", 'gru');
  });
  test('a missing checkpoint', () => assertUserError(loom(['eval', '--checkpoint', 'nowhere']), "checkpoint 'nowhere' does not exist"));
  test('a truncated model.safetensors', () => {
    cpSync(join(dir, 'basic'), join(dir, 'truncated'), { recursive: true });
    truncateSync(join(dir, 'truncated', 'checkpoint', 'model.safetensors'), 300);
    assertUserError(loom(['sample', '--checkpoint', 'truncated']), "checkpoint file 'truncated/checkpoint/model.safetensors' is not a valid safetensors file");
  });
  test('a missing model.safetensors', () => {
    cpSync(join(dir, 'basic'), join(dir, 'noweights'), { recursive: true });
    rmSync(join(dir, 'noweights', 'checkpoint', 'model.safetensors'));
    assertUserError(loom(['eval', '--checkpoint', 'noweights']), "checkpoint file 'noweights/checkpoint/model.safetensors' is missing");
  });
  test('garbage in config.json', () => {
    cpSync(join(dir, 'basic'), join(dir, 'garbage'), { recursive: true });
    writeFileSync(join(dir, 'garbage', 'checkpoint', 'config.json'), '\x00\x01 not json {');
    assertUserError(loom(['eval', '--checkpoint', 'garbage']), "checkpoint file 'garbage/checkpoint/config.json' is not valid JSON");
  });
  test('a corrupt optimizer state, on resume', () => {
    cpSync(join(dir, 'basic'), join(dir, 'badopt'), { recursive: true });
    writeFileSync(join(dir, 'badopt', 'checkpoint', 'optimizer.safetensors'), 'garbage');
    assertUserError(loom(['train', '--out', 'badopt', '--resume', '--steps', '8']), "checkpoint file 'badopt/checkpoint/optimizer.safetensors' is not a valid safetensors file");
  });
  test('loadCheckpoint throws a CheckpointError', () => {
    assert.throws(() => loadCheckpoint(join(dir, 'garbage')), CheckpointError);
  });
  test('unknown flags and bad values', () => {
    assertUserError(loom(['train', '--stepz', '3']), "'--stepz'");
    assertUserError(loom(['train', '--steps', 'many']), "--steps must be an integer >= 1, got 'many'");
    assertUserError(loom(['train', '--model', 'transformer-xl']), "unknown model 'transformer-xl'");
    assertUserError(loom(['train', '--model', 'markov', '--hidden', '8']), '--hidden does not apply to the markov model');
  });
});

describe('loom sample', () => {
  const sample = (...extra: string[]) => loom(['sample', '--checkpoint', 'basic', '--prompt', 'the wh', '--max-tokens', '60', ...extra]);
  test('the same seed gives the same text; another seed another text', () => {
    const a = sample('--seed', '5', '--temperature', '1.5');
    assert.equal(a.code, 0, a.stderr);
    assert.ok(a.stdout.startsWith('the wh'));
    assert.equal([...a.stdout.trimEnd()].length >= 6 + 50, true);
    assert.equal(sample('--seed', '5', '--temperature', '1.5').stdout, a.stdout);
    assert.notEqual(sample('--seed', '6', '--temperature', '1.5').stdout, a.stdout);
  });
  test('greedy, top-k and top-p run; greedy ignores the seed', () => {
    const g = sample('--greedy', '--seed', '1');
    assert.equal(g.code, 0, g.stderr);
    assert.equal(sample('--greedy', '--seed', '2').stdout, g.stdout);
    assert.equal(sample('--top-k', '3', '--top-p', '0.9').code, 0);
  });
  test('a GPT checkpoint samples past its block size (KV-cache, sliding context)', () => {
    const r = loom(['sample', '--checkpoint', 'gpt-straight', '--prompt', 'the', '--max-tokens', '40']);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.stdout.startsWith('the') && r.stdout.length > 40);
  });
  test('a prompt character outside the vocabulary', () => assertUserError(sample('--prompt', 'the Whale'), "the prompt's character \"W\"", 'position 4'));
  test('--greedy with --temperature', () => assertUserError(sample('--greedy', '--temperature', '0.5'), '--greedy'));
});

describe('loom eval', () => {
  test('prints loss, bits per character and perplexity over the whole validation split', () => {
    const r = loom(['eval', '--checkpoint', 'basic']);
    assert.equal(r.code, 0, r.stderr);
    const m = /loss (\d+\.\d+) nats\/char \| (\d+\.\d+) bits\/char \| perplexity (\d+\.\d+)/.exec(r.stdout);
    assert.ok(m, r.stdout);
    const [loss, bpc, ppl] = m.slice(1).map(Number);
    assert.ok(Math.abs(bpc - loss / Math.LN2) < 1e-3 && Math.abs(ppl - Math.exp(loss)) < 1e-2);
    assert.match(r.stdout, /599 predicted characters/); // the last 600 of 6000 characters: 599 predictions
    // the final validation of the training run read the same split
    const val = readFileSync(join(dir, 'basic', 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)).at(-1).val_loss;
    assert.equal(val.toFixed(4), loss.toFixed(4));
  });
  test('--data: another text with the checkpoint vocabulary', () => {
    writeFileSync(join(dir, 'other.txt'), makeText(3000, 99));
    const r = loom(['eval', '--checkpoint', 'basic', '--data', 'other.txt']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /other\.txt, validation split \(last 10%\): 299 predicted characters/);
  });
  test('--data with characters outside the vocabulary', () => {
    writeFileSync(join(dir, 'shouting.txt'), 'THE WHALE! '.repeat(100));
    assertUserError(loom(['eval', '--checkpoint', 'basic', '--data', 'shouting.txt']), "data file 'shouting.txt' has the character", "checkpoint's vocabulary");
  });
});
