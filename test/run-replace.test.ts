/**
 * A new run in the directory of an earlier one replaces that run's files only when its first checkpoint
 * is written: killed before then, the directory still holds the earlier run whole (its checkpoint and
 * its metrics); after, the new run's checkpoint and metrics.
 * The Node storage also refuses, at its first write, a directory that cannot hold a run.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { NodeRunStorage } from '../src/train/node-storage.js';
import { makeText } from './helpers/text.js';

const LOOM = fileURLToPath(new URL('../../bin/loom.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'loom-replace-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const text = join(dir, 'text.txt');
writeFileSync(text, makeText(3000));
const out = join(dir, 'run');
const flags = (steps: number, seed: number) =>
  ['train', '--data', text, '--out', out, '--steps', String(steps), '--seed', String(seed), '--batch', '2', '--seq', '8', '--embed', '8', '--hidden', '8', '--layers', '1', '--eval-every', '0', '--sample-length', '0'];
const loom = (args: string[], env: Record<string, string> = {}) => spawnSync(process.execPath, [LOOM, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 60000 });
const files = () => ({ metrics: readFileSync(join(out, 'metrics.jsonl'), 'utf8'), config: readFileSync(join(out, 'checkpoint', 'config.json'), 'utf8') });

test('a new run killed before its first checkpoint leaves the earlier run whole; its first checkpoint replaces both', () => {
  assert.equal(loom(flags(3, 1)).status, 0);
  const earlier = files();
  const killed = loom(flags(4, 2), { LOOM_CRASH_DURING_SAVE: '1' }); // SIGKILL in the middle of its first save
  assert.equal(killed.signal, 'SIGKILL', killed.stderr);
  assert.deepEqual(files(), earlier);
  assert.equal(loom(flags(4, 2)).status, 0);
  const now = files();
  assert.notEqual(now.config, earlier.config);
  assert.equal(now.metrics.split('\n').filter((l) => l.includes('"loss"')).length, 4);
  assert.ok(!existsSync(join(out, 'metrics.jsonl.new')));
});

test('NodeRunStorage refuses a run directory on a kernel file system at its first write, without spinning', () => {
  const storage = new NodeRunStorage('/proc/loom-run');
  assert.match(storage.prepare()!, /'\/proc' is on a kernel file system/);
  assert.throws(() => storage.startMetrics(0), /run directory '\/proc\/loom-run': '\/proc' is on a kernel file system/);
});
