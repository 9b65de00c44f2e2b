/**
 * Every PyTorch parity case committed in test/parity (all area folders) passes through the runner, on
 * every backend: the reference kernels, and both builds of the WebAssembly kernels (plain and relaxed
 * SIMD) with one thread and with every core (at least two, so that the split paths run). The runner's contract holds, on flat and nested folders.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import '../src/node.js'; // the Node set-up: worker threads, loom.wasm from the file system
import { backend, setBackend, type Backend } from '../src/backends/backend.js';
import { referenceBackend } from '../src/backends/reference.js';
import { createWasmBackend, type WasmBackend } from '../src/backends/wasm/backend.js';
import { serializeSafetensors } from '../src/io/safetensors.js';
import { runCase, runDirectory } from '../src/parity/runner.js';
import { parityFiles, parityName } from './helpers/cases.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

const threads = Math.max(2, availableParallelism());
const backends: [string, () => Promise<Backend>][] = [
  ['reference kernels', async () => referenceBackend],
  // both builds of the kernels (src/backends/wasm/simd.ts): FMA changes rounding, the tolerances stay
  ...(['plain', 'relaxed'] as const).flatMap((simd): [string, () => Promise<Backend>][] => [
    [`wasm (${simd} SIMD), 1 thread`, () => createWasmBackend({ threads: 1, simd })],
    [`wasm (${simd} SIMD), ${threads} threads`, () => createWasmBackend({ threads, simd })],
  ]),
];

for (const [label, make] of backends) {
  describe(`parity cases on ${label}`, () => {
    let b: Backend;
    let previous: Backend;
    before(async () => {
      previous = backend();
      b = await make();
      setBackend(b);
    });
    after(async () => {
      setBackend(previous);
      if (b !== referenceBackend) await (b as WasmBackend).close();
    });
    for (const file of parityFiles()) {
      const name = parityName(file);
      test(`parity ${name}`, () => {
        assert.equal(backend(), b);
        const r = runCase(file, name);
        assert.ok(r.ok, r.message);
      });
    }
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

test('the runner walks subfolders, names each case by its path under the directory, and skips other files', () => {
  const d = mkdtempSync(join(tmpdir(), 'loom-parity-'));
  mkdirSync(join(d, 'b', 'deep'), { recursive: true });
  mkdirSync(join(d, 'a'));
  writeCase(join(d, 'b', 'deep'), 'relu_ok', { kind: 'functional', fn: 'relu', kwargs: {}, inputs: ['input'], outputs: ['output'], rtol: 0, atol: 0 });
  writeCase(join(d, 'a'), 'tanh_wrong', { kind: 'functional', fn: 'tanh', kwargs: {}, inputs: ['input'], outputs: ['output'], rtol: 0, atol: 0 });
  writeCase(d, 'top', { kind: 'functional', fn: 'relu', kwargs: {}, inputs: ['input'], outputs: ['output'], rtol: 0, atol: 0 });
  writeFileSync(join(d, 'a', 'README.md'), 'not a case');
  const lines: string[] = [];
  const { passed, failed } = runDirectory(d, (l) => lines.push(l));
  assert.deepEqual([passed, failed], [2, 1]);
  assert.deepEqual(lines.map((l) => l.split(' ').slice(0, 2).join(' ')), ['FAIL a/tanh_wrong', 'PASS b/deep/relu_ok', 'PASS top', '2 passed,']);
});

test('loom parity with no directory runs the committed cases, from any working directory, and exits 0', () => {
  const cli = spawnSync(process.execPath, [join(root, 'bin/loom.js'), 'parity'], { encoding: 'utf8', cwd: tmpdir() });
  assert.equal((cli.stdout.match(/^(PASS|FAIL) /gm) ?? []).length, parityFiles().length);
  assert.match(cli.stdout, /^PASS recurrent\/lstm_1layer$/m);
  assert.equal(cli.status, 0, cli.stdout.split('\n').filter((l) => l.startsWith('FAIL')).join('\n'));
  assert.match(cli.stdout, /^\d+ passed, 0 failed$/m);
});
