/**
 * Damaged checkpoints are refused, naming the file: a NaN in the weights, flipped bytes in any file
 * (the SHA-256 recorded at save), a recorded file that is missing (a run that would silently restart
 * its hidden state), malformed recorded digests. Checked on the helpers and through `loom`.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { fromArray, Generator, randn } from '../src/node.js';
import { digestMismatch, digestsProblem, fileDigests, sha256Hex } from '../src/io/digests.js';
import { nonFiniteProblem } from '../src/io/finite.js';

const LOOM = fileURLToPath(new URL('../../bin/loom.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'loom-integrity-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('nonFiniteProblem names the tensor, how many values are NaN or infinite and where the first is', () => {
  const g = new Generator(5);
  const w = randn([4, 3], { generator: g }).toArray() as Float32Array;
  const ok = new Map([['rnn.weight_ih_l0', fromArray(w, [4, 3])], ['steps', fromArray([1, 2], [2], { dtype: 'int32' })]]);
  assert.equal(nonFiniteProblem(ok), null);
  w[1] = NaN;
  w[5] = Infinity;
  w[11] = -Infinity;
  assert.equal(
    nonFiniteProblem(new Map([['rnn.weight_ih_l0', fromArray(w, [4, 3])]])),
    "tensor 'rnn.weight_ih_l0' has 3 non-finite values (the first, NaN, at element 1)",
  );
});

test('sha256Hex is SHA-256 (the FIPS 180-2 "abc" vector); digests are recorded in name order', () => {
  const abc = new TextEncoder().encode('abc');
  assert.equal(sha256Hex(abc), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  assert.deepEqual(Object.keys(fileDigests(new Map([['b', abc], ['a', abc]]))), ['a', 'b']);
  assert.equal(digestMismatch(abc, sha256Hex(abc)), null);
  assert.match(digestMismatch(new TextEncoder().encode('abd'), sha256Hex(abc))!, /^its SHA-256 [0-9a-f]{12}… differs from the ba7816bf8f01… recorded at save/);
});

test('recorded digests must map plain file names to hex SHA-256', () => {
  assert.equal(digestsProblem({ 'model.safetensors': 'a'.repeat(64) }), null);
  assert.match(digestsProblem([])!, /not an object/);
  assert.match(digestsProblem({ '../x': 'a'.repeat(64) })!, /'\.\.\/x', which is not a file name/);
  assert.match(digestsProblem({ 'model.safetensors': 'xyz' })!, /not a SHA-256/);
});

// ---- through the CLI: a tiny LSTM run, then damaged copies of it

const run = join(dir, 'run');
function loom(...args: string[]) {
  const r = spawnSync(process.execPath, [LOOM, ...args], { cwd: dir, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
before(() => {
  const text = join(dir, 'text.txt');
  writeFileSync(text, 'It was the best of times, it was the worst of times. '.repeat(60));
  const r = loom('train', '--data', text, '--out', run, '--steps', '3', '--batch', '2', '--seq', '16', '--embed', '8', '--hidden', '8', '--layers', '1', '--eval-every', '0', '--sample-length', '0');
  assert.equal(r.code, 0, r.stderr);
});

/** A copy of the run with `damage` done to its checkpoint directory. */
function damaged(name: string, damage: (ckpt: string) => void): string {
  const copy = join(dir, name);
  cpSync(run, copy, { recursive: true });
  damage(join(copy, 'checkpoint'));
  return copy;
}

/** The command fails with exit 1 and one line naming the file and the reason. */
function refused(r: { code: number | null; stderr: string }, file: string, reason: RegExp): void {
  assert.equal(r.code, 1, r.stderr);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.ok(lines[0].includes(file), lines[0]);
  assert.match(lines[0], reason);
}

test('the checkpoint records the SHA-256 of each file it saved', () => {
  const meta = JSON.parse(readFileSync(join(run, 'checkpoint', 'config.json'), 'utf8')) as { digests: Record<string, string> };
  assert.deepEqual(Object.keys(meta.digests), ['hidden.safetensors', 'model.safetensors', 'optimizer.safetensors']);
  assert.equal(meta.digests['model.safetensors'], sha256Hex(readFileSync(join(run, 'checkpoint', 'model.safetensors'))));
});

test('a NaN written into model.safetensors is refused by eval, sample and resume', () => {
  const copy = damaged('nan', (ckpt) => {
    const path = join(ckpt, 'model.safetensors');
    const bytes = readFileSync(path);
    const header = Number(bytes.readBigUInt64LE(0));
    bytes.writeFloatLE(NaN, 8 + header + 4); // the second value of the first tensor
    writeFileSync(path, bytes);
    // the digest would catch it too: record the damaged file's, to reach the finiteness check
    const meta = JSON.parse(readFileSync(join(ckpt, 'config.json'), 'utf8')) as { digests: Record<string, string> };
    meta.digests['model.safetensors'] = sha256Hex(bytes);
    writeFileSync(join(ckpt, 'config.json'), JSON.stringify(meta));
  });
  for (const args of [['eval', '--checkpoint', copy], ['sample', '--checkpoint', copy, '--max-tokens', '5'], ['train', '--out', copy, '--resume', '--steps', '4']])
    refused(loom(...args), 'model.safetensors', /non-finite value.*the first, NaN, at element 1/);
});

for (const file of ['model.safetensors', 'optimizer.safetensors', 'hidden.safetensors'])
  test(`sixteen flipped bytes in the middle of ${file} are refused on resume, naming the file`, () => {
    const copy = damaged(`flip-${file}`, (ckpt) => {
      const path = join(ckpt, file);
      const bytes = readFileSync(path);
      const mid = Math.floor((8 + Number(bytes.readBigUInt64LE(0)) + bytes.length) / 2) - 8; // in the tensor data
      for (let i = 0; i < 16; i++) bytes[mid + i] ^= 0xff;
      writeFileSync(path, bytes);
    });
    refused(loom('train', '--out', copy, '--resume', '--steps', '4'), file, /corrupt: its SHA-256 .* differs/);
  });

test('a missing hidden.safetensors is refused on resume instead of restarting the state silently', () => {
  const copy = damaged('no-hidden', (ckpt) => rmSync(join(ckpt, 'hidden.safetensors')));
  refused(loom('train', '--out', copy, '--resume', '--steps', '4'), 'hidden.safetensors', /is missing, but the checkpoint was saved with it/);
});

test('a config.json whose digests are not file names and SHA-256 digests is refused in one sentence', () => {
  const copy = damaged('bad-digests', (ckpt) => {
    const path = join(ckpt, 'config.json');
    const meta = JSON.parse(readFileSync(path, 'utf8')) as { digests: Record<string, string> };
    meta.digests['model.safetensors'] = 'not-a-digest';
    writeFileSync(path, JSON.stringify(meta));
  });
  refused(loom('eval', '--checkpoint', copy), 'config.json', /is invalid: 'digests' has "not-a-digest" for 'model\.safetensors', not a SHA-256/);
});
