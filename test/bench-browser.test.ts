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
  // Chromium has relaxed SIMD: the page runs loom-relaxed.wasm, measured against its FMA ceiling
  assert.deepEqual(Object.keys(figures), [...BENCH_KEYS, 'simd', 'wasm_fma_peak_gflops', 'sgemm512_fraction_of_peak', 'gpt_large_fraction_of_peak', ...BENCH_KEYS.map((k) => `${k}_ref`)]);
  assert.equal(figures.simd, 'relaxed');
  assert.ok(figures.wasm_fma_peak_gflops! > 0.1 && figures.sgemm512_fraction_of_peak! > 0, first);
  assert.ok(figures.sgemm512_gflops! > 0.1, `sgemm512_gflops = ${figures.sgemm512_gflops}`);
  assert.equal(figures.lstm_train_tok_s, null); // not asked for
  assert.match(where, /^fast kernels: Chromium [\d.]+, wasm\(\d+ threads?\)$/);
});
