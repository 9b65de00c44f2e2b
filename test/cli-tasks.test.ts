// How `loom <command>` finds its task: --task for train, the checkpoint's task for the others.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { checkpointTask } from '../src/io/checkpoint-dir.js';
import { resolveTaskCommand, TASKS } from '../src/cli/tasks.js';
import { UsageError } from '../src/cli/args.js';

const LOOM = fileURLToPath(new URL('../../bin/loom.js', import.meta.url));
const loom = (...args: string[]) => spawnSync(process.execPath, [LOOM, ...args], { encoding: 'utf8', timeout: 30_000 });

/** A run directory whose checkpoint's config.json records `task` (or none, as version 1 did). */
function runDir(task: string | undefined): string {
  const dir = mkdtempSync(join(tmpdir(), 'loom-task-'));
  mkdirSync(join(dir, 'checkpoint'));
  writeFileSync(join(dir, 'checkpoint', 'config.json'), JSON.stringify(task === undefined ? { model: 'lstm' } : { task, model: 'x' }));
  writeFileSync(join(dir, 'checkpoint', 'model.safetensors'), '');
  return dir;
}

test('checkpointTask reads the task from config.json; version 1 is char-lm; unreadable is null', () => {
  const named = runDir('no-such-task');
  const v1 = runDir(undefined);
  const empty = mkdtempSync(join(tmpdir(), 'loom-task-'));
  try {
    assert.equal(checkpointTask(named), 'no-such-task');
    assert.equal(checkpointTask(join(named, 'checkpoint')), 'no-such-task');
    assert.equal(checkpointTask(v1), 'char-lm');
    assert.equal(checkpointTask(empty), null);
  } finally {
    for (const d of [named, v1, empty]) rmSync(d, { recursive: true });
  }
});

test('--task picks the train command and is taken out of its flags; char-lm is the default', () => {
  const charLM = TASKS.find((t) => t.name === 'char-lm')!;
  const train = charLM.commands.find((c) => c.name === 'train')!;
  assert.deepEqual(resolveTaskCommand('train', ['--steps', '3']), { command: train, argv: ['--steps', '3'] });
  assert.deepEqual(resolveTaskCommand('train', ['--task', 'char-lm', '--steps', '3']), { command: train, argv: ['--steps', '3'] });
  assert.deepEqual(resolveTaskCommand('train', ['--task=char-lm']), { command: train, argv: [] });
  assert.throws(() => resolveTaskCommand('train', ['--task', 'nope']), (e: unknown) => e instanceof UsageError && /^unknown task 'nope'; --task takes char-lm/.test(e.message));
  assert.throws(() => resolveTaskCommand('train', ['--task']), /--task needs a value/);
});

test("the other commands follow the checkpoint's task, and say when it has no such command", () => {
  const dir = runDir('no-such-task');
  try {
    const r = loom('eval', '--checkpoint', dir);
    assert.equal(r.status, 1);
    assert.equal(r.stderr.trim(), "loom: the checkpoint was written by the task 'no-such-task', which this Loom does not know (it knows " + TASKS.map((t) => t.name).join(', ') + ')');
    const resumed = loom('train', '--out', dir, '--resume');
    assert.equal(resumed.status, 1);
    assert.match(resumed.stderr, /written by the task 'no-such-task'/);
  } finally {
    rmSync(dir, { recursive: true });
  }
  const v1 = runDir(undefined);
  try {
    // a char-lm checkpoint goes to char-lm's eval, which reports the broken checkpoint itself
    const r = loom('eval', '--checkpoint', v1);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /is not a Loom checkpoint config/);
  } finally {
    rmSync(v1, { recursive: true });
  }
});

test('loom --help lists every task and its commands', () => {
  const r = loom('--help');
  assert.equal(r.status, 0);
  for (const t of TASKS) {
    assert.match(r.stdout, new RegExp(`^  ${t.name} `, 'm'));
    for (const c of t.commands) assert.match(r.stdout, new RegExp(`^  ${c.name} .*\\(${t.name}\\)$`, 'm'));
  }
});
