/** Every PyTorch parity case committed in test/parity passes through the runner; the runner's contract holds. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { serializeSafetensors } from '../src/io/safetensors.js';
import { caseFiles, runCase, runDirectory } from '../src/parity/runner.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const dir = join(root, 'test/parity');

for (const file of caseFiles(dir)) {
  const name = file.slice(dir.length + 1).replace('.safetensors', '');
  test(`parity ${name}`, () => {
    const r = runCase(file);
    assert.ok(r.ok, r.message);
  });
}

function writeCase(d: string, name: string, spec: object): void {
  const bytes = serializeSafetensors(
    { 'input/input': { dtype: 'F32', shape: [2], data: new Float32Array([1, 2]) }, 'output/output': { dtype: 'F32', shape: [2], data: new Float32Array([1, 2]) } },
    { spec: JSON.stringify(spec) },
  );
  writeFileSync(join(d, `${name}.safetensors`), bytes);
}

test('a module Loom lacks is a failure named unsupported, and the summary counts it', () => {
  const d = mkdtempSync(join(tmpdir(), 'loom-parity-'));
  writeCase(d, 'bogus', { kind: 'module', module: 'Bogus', args: {}, inputs: ['input'], outputs: ['output'], rtol: 0, atol: 0 });
  writeCase(d, 'relu_ok', { kind: 'functional', fn: 'relu', kwargs: {}, inputs: ['input'], outputs: ['output'], rtol: 0, atol: 0 });
  writeCase(d, 'tanh_wrong', { kind: 'functional', fn: 'tanh', kwargs: {}, inputs: ['input'], outputs: ['output'], rtol: 0, atol: 0 });
  const lines: string[] = [];
  const { passed, failed, results } = runDirectory(d, (l) => lines.push(l));
  assert.equal(passed, 1);
  assert.equal(failed, 2);
  assert.match(results.find((r) => r.name === 'bogus')!.message, /^unsupported: module Bogus/);
  assert.match(results.find((r) => r.name === 'tanh_wrong')!.message, /output output: element 1 is 0\.96/);
  assert.equal(lines.at(-1), '1 passed, 2 failed');
  const cli = spawnSync(process.execPath, [join(root, 'bin/loom.js'), 'parity', d], { encoding: 'utf8' });
  assert.equal(cli.status, 1);
  assert.match(cli.stdout, /FAIL bogus — unsupported: module Bogus/);
  assert.match(cli.stdout, /^1 passed, 2 failed$/m);
});

test('npx loom parity on the committed cases exits 0', () => {
  const cli = spawnSync(process.execPath, [join(root, 'bin/loom.js'), 'parity', dir], { encoding: 'utf8' });
  assert.equal(cli.status, 0, cli.stdout.split('\n').filter((l) => l.startsWith('FAIL')).join('\n'));
  assert.match(cli.stdout, /^\d+ passed, 0 failed$/m);
});
