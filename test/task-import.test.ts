/**
 * `loom import --task NAME --from pytorch` for the g2p, forecast and fashion-mnist tasks, end to end
 * (child processes of bin/loom.js) on small data and tiny models: a run's PyTorch export re-imported
 * with the flags that trained it is a checkpoint with the same weights (its own export is the same
 * file), which evaluates as the run does and resumes training; weights that do not fit are refused in
 * one sentence naming the key and the shape expected.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { FASHION_MNIST_DIR } from '../src/data/fashion-mnist.js';
import { cmudictPath } from '../src/data/pronunciations-node.js';
import { writeFashionSubset } from './helpers/fashion-subset.js';

const LOOM = fileURLToPath(new URL('../../bin/loom.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'loom-task-import-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function loom(...args: string[]) {
  const r = spawnSync(process.execPath, [LOOM, ...args], { cwd: dir, encoding: 'utf8', timeout: 120_000, env: { ...process.env, LOOM_THREADS: '1' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function ok(...args: string[]): string {
  const r = loom(...args);
  assert.equal(r.code, 0, `loom ${args.join(' ')}: ${r.err}`);
  return r.out;
}

/** The eval's report without its first line (which names the checkpoint and its step). */
const scores = (out: string) => out.trim().split('\n').slice(1).join('\n');

/**
 * Trains `name` with `flags`, exports it for PyTorch, imports the export with the same flags, and
 * checks the weights, the evaluation and a resumed run. `evalFlags` go to both evals.
 */
function roundTrip(task: string, name: string, flags: string[], steps: number, evalFlags: string[] = []) {
  const [run, pt, imported, again] = ['run', 'pt', 'imported', 'pt-again'].map((d) => join(dir, `${name}-${d}`));
  ok('train', '--task', task, ...flags, '--steps', String(steps), '--out', run);
  ok('export', '--checkpoint', run, '--format', 'pytorch', '--out', pt);
  const wrote = ok('import', '--task', task, '--from', 'pytorch', join(pt, 'model.safetensors'), ...flags, '--steps', String(steps + 2), '--out', imported);
  assert.match(wrote, new RegExp(`^wrote .*imported/checkpoint \\(${task}, \\S+, step 0\\)`));
  ok('export', '--checkpoint', imported, '--format', 'pytorch', '--out', again);
  assert.deepEqual(readFileSync(join(again, 'model.safetensors')), readFileSync(join(pt, 'model.safetensors')), 'the import holds the exported weights');
  const evalRun = ok('eval', '--checkpoint', run, ...evalFlags);
  const evalImported = ok('eval', '--checkpoint', imported, ...evalFlags);
  assert.match(evalImported, /step 0/);
  assert.equal(scores(evalImported), scores(evalRun));
  const resumed = ok('train', '--out', imported, '--resume');
  assert.match(resumed, /resuming from step 0/);
  assert.equal(readFileSync(join(imported, 'metrics.jsonl'), 'utf8').trim().split('\n').filter((l) => l.includes('"loss"')).length, steps + 2);
  return { pt, imported };
}

describe('loom import --task NAME --from pytorch', () => {
  test('g2p (lstm-attention): an export re-imported has the same weights, evaluates the same and resumes; a size that does not fit is named', () => {
    const dict = join(dir, 'small.dict');
    writeFileSync(dict, readFileSync(cmudictPath(), 'utf8').split('\n').slice(0, 300).join('\n') + '\n');
    const flags = ['--model', 'lstm-attention', '--data', dict, '--embed', '16', '--hidden', '16', '--attention', '16', '--batch', '16', '--eval-every', '0'];
    const { pt } = roundTrip('g2p', 'g2p', flags, 4, ['--data', dict]);
    const r = loom('import', '--task', 'g2p', '--from', 'pytorch', join(pt, 'model.safetensors'), ...flags, '--hidden', '24', '--out', join(dir, 'g2p-bad'));
    assert.equal(r.code, 1);
    assert.match(r.err, /^loom: '.*model\.safetensors' has '\S+' of shape \[\d+(, \d+)*\], but the lstm-attention model with .*hidden 24.* needs \[\d+(, \d+)*\]\n$/);
    assert.equal(existsSync(join(dir, 'g2p-bad', 'checkpoint')), false, 'nothing is written');
  });

  test('forecast (lstm): the same round trip on a CSV series', () => {
    const lines = ['day,count'];
    for (let i = 0; i < 200; i++) lines.push(`${new Date(Date.UTC(2021, 0, 1 + i)).toISOString().slice(0, 10)},${100 + (i % 7 < 5 ? 10 : -20) + Math.round(10 * Math.sin(i))}`);
    const csv = join(dir, 'series.csv');
    writeFileSync(csv, lines.join('\n') + '\n');
    const flags = ['--model', 'lstm', '--data', csv, '--date', 'day', '--value', 'count', '--test-days', '20', '--val-days', '20', '--horizon', '5', '--hidden', '8', '--window', '14', '--batch', '4', '--eval-every', '0'];
    roundTrip('forecast', 'forecast', flags, 4);
  });

  const skip = existsSync(FASHION_MNIST_DIR) ? false : `no Fashion-MNIST in ${FASHION_MNIST_DIR} (apt-get install dataset-fashion-mnist)`;
  test('fashion-mnist (cnn): the same round trip on a folder of 64 training and 64 test images', { skip }, () => {
    const data = writeFashionSubset(join(dir, 'images'), 64, 64);
    roundTrip('fashion-mnist', 'fashion', ['--model', 'cnn', '--data', data, '--batch', '16', '--eval-every', '0'], 3, ['--images', '64']);
  });
});
