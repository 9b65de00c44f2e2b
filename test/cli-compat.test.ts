/**
 * `loom` against what today's code wrote (test/fixtures): the per-step losses of the six models with
 * a fixed seed, and version-1 checkpoints, which must sample the same text and resume the same curve.
 * Fixtures are copied to a temporary directory; nothing is written into test/fixtures. The runs use the
 * plain SIMD build of the kernels (LOOM_SIMD=plain), whose numbers these are; the relaxed build's losses
 * are compared with a tolerance in test/train-loop.test.ts.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadCheckpoint } from '../src/io/checkpoint-dir.js';

const LOOM = fileURLToPath(new URL('../../bin/loom.js', import.meta.url));
const FIXTURES = fileURLToPath(new URL('../../test/fixtures/', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'loom-compat-'));
after(() => rmSync(dir, { recursive: true, force: true }));
/** The environment of every run: the fixtures' numbers are the plain build's, bit for bit. */
const env = { ...process.env, LOOM_SIMD: 'plain' };

/** The training losses of a run directory's metrics.jsonl, in step order, and their steps. */
function losses(out: string): { steps: number[]; losses: number[] } {
  const path = join(out, 'metrics.jsonl');
  const records = existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as { step: number; loss?: number }) : [];
  const steps = records.filter((r) => r.loss !== undefined);
  return { steps: steps.map((r) => r.step), losses: steps.map((r) => r.loss!) };
}

/**
 * Runs `loom train ARGS` until metrics.jsonl holds the loss of `lastStep`, then kills it: the final
 * validation over the whole split, which follows, is not what these tests compare, and costs more.
 */
function trainUntil(args: string[], out: string, lastStep: number): Promise<number[]> {
  const child = spawn(process.execPath, [LOOM, 'train', ...args, '--out', out], { stdio: ['ignore', 'ignore', 'pipe'], env });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve, reject) => {
    const poll = setInterval(() => {
      const { steps, losses: l } = losses(out);
      if (steps.at(-1) !== lastStep) return;
      clearInterval(poll);
      child.kill('SIGKILL');
      resolve(l);
    }, 20);
    child.on('exit', (code) => {
      clearInterval(poll);
      const { steps, losses: l } = losses(out);
      if (steps.at(-1) === lastStep) resolve(l);
      else reject(new Error(`loom train ${args.join(' ')} exited with ${code} before step ${lastStep}: ${stderr}`));
    });
  });
}

describe('loom train --model M --steps 20 --batch 4 --seq 32 --eval-every 0 --sample-length 0 --seed 3: the losses of today', () => {
  const fixture = JSON.parse(readFileSync(join(FIXTURES, 'train-losses-seed3.json'), 'utf8')) as { losses: Record<string, number[]> };
  const models = ['rnn', 'lstm', 'gru', 'gpt', 'linear-gpt', 'markov'];
  // the six runs at once: each mostly waits for its own start-up (Moby Dick, the wasm kernels)
  const runs = new Map(models.map((m) => [m, trainUntil(['--model', m, '--steps', '20', '--batch', '4', '--seq', '32', '--eval-every', '0', '--sample-length', '0', '--seed', '3'], join(dir, `seed3-${m}`), 20)]));
  for (const m of models) test(m, async () => assert.deepEqual(await runs.get(m), fixture.losses[m]));
});

describe('version-1 checkpoints (written by Loom 0.1)', () => {
  for (const model of ['lstm', 'gpt']) {
    const fixture = join(FIXTURES, 'checkpoints-v1', model);

    test(`${model}: loads as a char-lm checkpoint`, () => {
      const { meta } = loadCheckpoint(fixture);
      assert.equal(meta.formatVersion, 1);
      assert.equal(meta.task, 'char-lm');
      assert.equal(meta.model, model);
      assert.equal(meta.taskConfig.batch, 2);
      assert.equal(meta.training.steps, 6);
    });

    test(`${model}: loom sample prints the same text as Loom 0.1`, () => {
      const r = spawnSync(process.execPath, [LOOM, 'sample', '--checkpoint', fixture, '--prompt', 'Call me ', '--max-tokens', '60', '--seed', '2'], { encoding: 'buffer', env });
      assert.equal(r.status, 0, r.stderr.toString());
      assert.deepEqual(r.stdout, readFileSync(join(fixture, 'sample-seed2.txt')));
    });

    test(`${model}: --resume --steps 9 continues with the losses of Loom 0.1, and saves a version-2 checkpoint`, () => {
      const out = join(dir, `v1-${model}`);
      cpSync(fixture, out, { recursive: true });
      const r = spawnSync(process.execPath, [LOOM, 'train', '--out', out, '--resume', '--steps', '9'], { encoding: 'utf8', env });
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /resuming from step 6/);
      const want = JSON.parse(readFileSync(join(fixture, 'resume-to-9-losses.json'), 'utf8')) as number[];
      assert.deepEqual(losses(out), { steps: [7, 8, 9], losses: want });
      const { meta } = loadCheckpoint(out);
      assert.deepEqual([meta.formatVersion, meta.task, meta.model, meta.step], [2, 'char-lm', model, 9]);
    });
  }
});
