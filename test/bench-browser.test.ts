// `loom bench --browser`: the benchmark's JSON line, measured inside headless Chromium on Web Workers.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { BENCH_KEYS } from '../src/bench/workloads.js';
import { browserMissing } from './browser/chromium.js';

const LOOM = fileURLToPath(new URL('../../bin/loom.js', import.meta.url));

test('loom bench --browser prints the same JSON line as loom bench, measured in Chromium', { skip: browserMissing() }, () => {
  const r = spawnSync(process.execPath, [LOOM, 'bench', '--browser', '--quick', '--only', 'sgemm512_gflops'], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, r.stderr);
  const [first, where] = r.stdout.split('\n');
  const figures = JSON.parse(first) as Record<string, number | null>;
  assert.deepEqual(Object.keys(figures), [...BENCH_KEYS, ...BENCH_KEYS.map((k) => `${k}_ref`)]);
  assert.ok(figures.sgemm512_gflops! > 0.1, `sgemm512_gflops = ${figures.sgemm512_gflops}`);
  assert.equal(figures.lstm_train_tok_s, null); // not asked for
  assert.match(where, /^fast kernels: Chromium [\d.]+, wasm\(\d+ threads?\)$/);
});
