// The heap's limits: a request larger than the heap can ever hold is refused at once, with one sentence
// naming the bytes and the limit; a large request that fits is served. Each case runs in a child process
// with a timeout, so a regression (the size-class loop spinning forever) fails instead of hanging the suite.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { configProblem, MODELS } from '../src/tasks/char-lm/index.js';

const INDEX = new URL('../src/node.js', import.meta.url).href;
const LOOM = fileURLToPath(new URL('../../bin/loom.js', import.meta.url));
const TIMEOUT_MS = 20_000;
const dir = mkdtempSync(join(tmpdir(), 'loom-heap-'));
after(() => rmSync(dir, { recursive: true, force: true }));

interface Outcome {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

let scripts = 0;

/** Runs `body` (an ES module body, `loom` bound to the library) in a child process, with a timeout. */
function inChild(body: string): Outcome {
  const script = join(dir, `case-${++scripts}.mjs`);
  writeFileSync(script, `import * as loom from '${INDEX}';\n${body}`);
  const r = spawnSync(process.execPath, [script], { encoding: 'utf8', timeout: TIMEOUT_MS, killSignal: 'SIGKILL' });
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

function assertFinished(r: Outcome): void {
  assert.equal(r.signal, null, `the child was killed after ${TIMEOUT_MS} ms (it hung); stderr: ${r.stderr}`);
}

/** The error a child reports as `name|message` on stdout. */
function refusal(expression: string): Outcome & { name: string; message: string } {
  const r = inChild(`
    const t0 = Date.now();
    try { ${expression}; console.log('accepted'); }
    catch (e) { console.log(e.name + '|' + e.message + '|' + (e instanceof RangeError) + '|' + (Date.now() - t0)); }`);
  assertFinished(r);
  assert.equal(r.status, 0, r.stderr);
  const [name, message, isRange, ms] = r.stdout.trim().split('|');
  assert.notEqual(r.stdout.trim(), 'accepted');
  assert.equal(isRange, 'true', `expected a RangeError, got ${name}: ${message}`);
  assert.ok(Number(ms) < 2000, `the refusal took ${ms} ms, expected it at once`);
  return { ...r, name, message };
}

test('a tensor larger than the heap is refused at once, naming the bytes asked for and the limit', () => {
  const r = refusal('loom.zeros([1100000000])'); // 4.4 GB of float32
  assert.match(r.message, /4400000000 bytes/);
  assert.match(r.message, /4 GiB/);
  assert.match(r.message, /smaller batch/);
  assert.doesNotMatch(r.message, /\n/);
});

test('a request whose power-of-two block exceeds the heap is refused too (3.2 GB needs a 4 GiB block)', () => {
  const r = refusal('loom.heap.alloc(3_200_000_000)');
  assert.match(r.message, /3200000000 bytes/);
  assert.match(r.message, /4 GiB/);
});

test('a 1.2 GB block (class 2^31, where 1 << c overflows) is served; a second one no longer fits', () => {
  const r = inChild(`
    const ptr = loom.heap.alloc(1_200_000_000);
    console.log(ptr > 0, loom.heap.reservedBytes >= ptr + 2 ** 31);
    try { loom.heap.alloc(1_200_000_000); } catch (e) { console.log(e instanceof loom.OutOfMemoryError, e.message); }`);
  assertFinished(r);
  assert.equal(r.status, 0, r.stderr);
  const [served, refused] = r.stdout.trim().split('\n');
  assert.equal(served, 'true true');
  assert.match(refused, /^true cannot allocate 1200000000 bytes .*a 2 GiB block and the largest block left within the heap's limit of 4 GiB \(wasm32 memory\) is 1 GiB/);
});

test('loom train with a sequence whose attention cannot fit: one sentence on stderr, exit 1', () => {
  const args = ['train', '--model', 'gpt', '--seq', '20000', '--batch', '1', '--steps', '1', '--embed', '32', '--layers', '1', '--heads', '2',
    '--eval-every', '0', '--sample-length', '0', '--out', join(dir, 'run')];
  const r = spawnSync(process.execPath, [LOOM, ...args], { encoding: 'utf8', timeout: 60_000, killSignal: 'SIGKILL' });
  assert.equal(r.signal, null, `loom train was killed after 60 s (it hung); stderr: ${r.stderr}`);
  assert.equal(r.status, 1, `exit code ${r.status}; stderr: ${r.stderr}`);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `expected one line on stderr, got:\n${r.stderr}`);
  // refused before it starts: from the estimate, before the model and data lines
  assert.match(lines[0], /^loom: a training step of this run needs about 16.11 GiB of tensor memory, more than the heap's limit of 4 GiB \(wasm32 memory\) can hold; use a smaller batch/);
  assert.doesNotMatch(r.stdout, /^model:/m);
});

test("char-lm estimates: default runs well within the heap, a long window not; parameter counts exact; huge configs refused", () => {
  for (const spec of MODELS) {
    const config = { ...spec.defaults, vocabSize: 89 } as Record<string, unknown> & { vocabSize: number };
    const { batch, seq } = spec.training;
    const bytes = spec.stepBytes(config, batch, seq);
    assert.ok(bytes > 0 && bytes < 2 ** 29, `${spec.name}: ${bytes} bytes`);
    assert.ok(spec.stepBytes(config, batch, seq * 4) > 3.9 * bytes, `${spec.name} grows at least linearly in T`);
  }
  for (const spec of MODELS) {
    const config = { ...spec.defaults, vocabSize: 89 };
    assert.equal(spec.parameters(config), spec.create(config as never).module.numParameters(), `${spec.name}: the parameter count`);
  }
  const gpt = MODELS.find((m) => m.name === 'gpt')!;
  const config = { ...gpt.defaults, vocabSize: 89 } as { vocabSize: number };
  assert.ok(gpt.stepBytes(config, 1, 4096) > 10 * gpt.stepBytes(config, 1, 1024), 'attention scores grow as T^2');
  const lstm = MODELS.find((m) => m.name === 'lstm')!;
  assert.match(configProblem(lstm, { ...lstm.defaults, vocabSize: 89, layers: 2 ** 53 })!, /^a lstm model of .* parameters, with its gradients and Adam's moments, needs about .* GiB of tensor memory, more than the heap's limit of 4 GiB/);
  assert.equal(configProblem(lstm, { ...lstm.defaults, vocabSize: 89 }), null);
});

test('a byte count that is not a non-negative integer is refused; a huge one is out of memory, not a bad count', () => {
  const r = inChild(`
    for (const n of [NaN, -1, 1.5, 1e27]) {
      try { loom.heap.alloc(n); console.log('accepted', n); } catch (e) { console.log(e.name); }
    }`);
  assertFinished(r);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(r.stdout.trim().split('\n'), ['RangeError', 'RangeError', 'RangeError', 'OutOfMemoryError']);
});
