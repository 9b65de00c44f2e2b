/**
 * Bad runs and bad checkpoints end at once with one sentence and exit code 1, before any training:
 * a run directory that cannot hold a run, a model config that cannot be built, a checkpoint config
 * whose fields are out of range. Every command runs with a timeout, so a regression that hangs fails.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const LOOM = fileURLToPath(new URL('../../bin/loom.js', import.meta.url));
const FIXTURE = fileURLToPath(new URL('../../test/fixtures/checkpoints-v1/lstm', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'loom-refusals-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Runs loom and expects exit 1 with one stderr line matching `reason`, and nothing trained. */
function refused(args: string[], reason: RegExp): void {
  const r = spawnSync(process.execPath, [LOOM, ...args], { cwd: dir, encoding: 'utf8', timeout: 20000 });
  assert.equal(r.signal, null, `loom ${args.join(' ')} did not end by itself`);
  assert.equal(r.status, 1, r.stderr);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0], reason);
  assert.doesNotMatch(r.stdout, /^training:/m, 'refused after the run had started');
}

const file = join(dir, 'a-file');
writeFileSync(file, 'not a directory');
const QUICK = ['--steps', '1', '--batch', '2', '--seq', '8', '--hidden', '8', '--embed', '8', '--layers', '1'];

for (const [out, reason] of [
  ['/proc/foo', /--out '\/proc\/foo': '\/proc' is on a kernel file system/],
  ['/sys/loom', /--out '\/sys\/loom': '\/sys' is on a kernel file system/],
  ['/dev/null', /--out '\/dev\/null': '\/dev\/null' is on a kernel file system/],
  [file, /it is a file, not a directory/],
  [join(file, 'run'), /is a file, so nothing can lie under it/],
  ['', /the run directory is empty/],
] as const)
  test(`train --out ${JSON.stringify(out)} is refused before training`, () => refused(['train', ...QUICK, '--out', out], reason));

test('train --model gpt --heads 3 (128 channels) is refused with the rule', () =>
  refused(['train', '--model', 'gpt', '--heads', '3', '--steps', '1', '--out', join(dir, 'gpt')], /128 embedding channels, which 3 heads cannot share/));

/** A copy of the v1 LSTM fixture with `edit` applied to its config.json. */
function editedCheckpoint(name: string, edit: (c: { step: number; training: Record<string, unknown> }) => void): string {
  const copy = join(dir, name);
  cpSync(FIXTURE, copy, { recursive: true });
  const path = join(copy, 'checkpoint', 'config.json');
  const c = JSON.parse(readFileSync(path, 'utf8'));
  edit(c);
  writeFileSync(path, JSON.stringify(c));
  return copy;
}

for (const batch of [0, -3])
  test(`eval of a checkpoint whose training.batch is ${batch} is refused, not a hang`, () =>
    refused(['eval', '--checkpoint', editedCheckpoint(`batch${batch}`, (c) => (c.training.batch = batch))], /invalid task config: batch = -?\d, expected a positive integer/));

test('a checkpoint at step -5 is refused by eval and by resume', () => {
  const copy = editedCheckpoint('step-5', (c) => (c.step = -5));
  for (const args of [['eval', '--checkpoint', copy], ['train', '--out', copy, '--resume']])
    refused(args, /has step = -5, expected a non-negative integer/);
});

test("every command that reads a checkpoint refuses to run without --checkpoint, naming its --help", () => {
  for (const [command, task] of [['eval', 'char-lm'], ['sample', 'char-lm'], ['export', 'char-lm'], ['eval', 'g2p'], ['predict', 'g2p'], ['eval', 'forecast'], ['forecast', 'forecast'], ['eval', 'fashion-mnist'], ['predict', 'fashion-mnist']])
    refused([command, '--task', task], new RegExp(`^loom: --checkpoint DIR is required; see 'loom ${command} --help'$`));
});
