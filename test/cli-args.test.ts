// The flag parser shared by the `loom` commands: negative values, stray positionals, integer range.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

import { num, runCommand, UsageError, type Command } from '../src/cli/args.js';

const LOOM = fileURLToPath(new URL('../../bin/loom.js', import.meta.url));

/** A command that returns what it was given, with the flags' numbers read like `loom train` reads them. */
function probe(positionals?: string): Command & { got?: { values: Record<string, unknown>; positionals: string[] } } {
  const c: Command & { got?: { values: Record<string, unknown>; positionals: string[] } } = {
    name: 'probe',
    summary: 'test command',
    usage: 'loom probe',
    options: { steps: { type: 'string' }, lr: { type: 'string' }, seed: { type: 'string' }, prompt: { type: 'string' }, greedy: { type: 'boolean' } },
    help: {},
    positionals,
    run(values, pos) {
      c.got = { values, positionals: pos };
      num(values, 'steps', 1, { int: true, min: 1 });
      num(values, 'lr', 1, { min: 0 });
      num(values, 'seed', 0, { int: true });
      return 0;
    },
  };
  return c;
}

function usageError(argv: string[], pattern: RegExp, positionals?: string): Promise<void> {
  return assert.rejects(async () => runCommand(probe(positionals), argv), (e: unknown) => {
    assert.ok(e instanceof UsageError, `expected a UsageError, got ${String(e)}`);
    assert.match(e.message, pattern);
    return true;
  });
}

test('a negative number after a flag is its value: the range rule answers, as for --steps=-5', async () => {
  await usageError(['--steps=-5'], /^--steps must be an integer >= 1, got '-5'$/);
  await usageError(['--steps', '-5'], /^--steps must be an integer >= 1, got '-5'$/);
  await usageError(['--lr', '-1'], /^--lr must be a number >= 0, got '-1'$/);
  await usageError(['--lr', '-.5'], /^--lr must be a number >= 0, got '-.5'$/);
  await usageError(['--lr', '-1e-3'], /^--lr must be a number >= 0, got '-1e-3'$/);
});

test('a negative value that is allowed is accepted; a string flag takes a dash-number as text', async () => {
  const c = probe();
  assert.equal(await runCommand(c, ['--seed', '-3', '--prompt', '-42', '--steps', '2']), 0);
  assert.equal(c.got!.values.seed, '-3');
  assert.equal(c.got!.values.prompt, '-42');
  assert.deepEqual(c.got!.positionals, []);
});

test('an unknown short option is still refused by the parser, not taken for a value', async () => {
  await usageError(['--steps', '-x'], /--steps/);
  await usageError(['-5'], /'-5'/);
});

test('a stray positional argument is refused, naming it, by a command that takes none', async () => {
  await usageError(['extra'], /^loom probe takes no positional arguments, got 'extra'/);
  await usageError(['--steps', '3', 'a', 'b'], /got 'a' 'b'/);
});

test('a command that takes positionals receives them', async () => {
  const c = probe('DIR...');
  assert.equal(await runCommand(c, ['a', 'b']), 0);
  assert.deepEqual(c.got!.positionals, ['a', 'b']);
});

test('integers beyond Number.MAX_SAFE_INTEGER are refused', async () => {
  await usageError(['--steps', '99999999999999999999'], /^--steps must be an integer from 1 to 9007199254740991, got '99999999999999999999'$/);
  await usageError(['--seed', '-99999999999999999999'], /^--seed must be an integer from -9007199254740991 to 9007199254740991/);
  assert.equal(await runCommand(probe(), ['--steps', '9007199254740991']), 0);
});

test('every loom command but parity refuses a stray positional (one line, exit 1)', () => {
  for (const cmd of ['train', 'sample', 'eval', 'bench']) {
    const r = spawnSync(process.execPath, [LOOM, cmd, 'extra'], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(r.status, 1, `loom ${cmd} extra: exit ${r.status}; stderr: ${r.stderr}`);
    assert.equal(r.stderr.trim(), `loom: loom ${cmd} takes no positional arguments, got 'extra'; see 'loom ${cmd} --help'`);
  }
  const r = spawnSync(process.execPath, [LOOM, 'train', '--steps', '-5'], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.stderr.trim(), "loom: --steps must be an integer >= 1, got '-5'");
});
