/**
 * Which build of the kernels runs (src/backends/wasm/simd.ts): the feature probe, LOOM_SIMD honoured by
 * the Node entry and a bad value refused in one sentence, the `simd` option, the Node 20 flag set at
 * start-up (the relaxed build on worker threads), the fall-back to loom.wasm when loom-relaxed.wasm does
 * not load, and the bench's ceiling kernel on both builds.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import '../src/node.js'; // the Node set-up: worker threads, loom.wasm from the file system, the relaxed-SIMD flag
import { backend, setBackend } from '../src/backends/backend.js';
import { createWasmBackend, type WasmBackendOptions } from '../src/backends/wasm/backend.js';
import { simdPeak } from '../src/backends/wasm/peak.js';
import { relaxedSimdSupported, RELAXED_PROBE } from '../src/backends/wasm/simd.js';
import { fromArray } from '../src/core/creation.js';

const LOOM = fileURLToPath(new URL('../../bin/loom.js', import.meta.url));
const NODE_ENTRY = new URL('../src/node.js', import.meta.url).href;

/** Runs a script that imports the Node entry with `env`; its stdout, stderr and exit code. */
function withEnv(env: Record<string, string>, script: string) {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', `import ${JSON.stringify(NODE_ENTRY)};\n${script}`], {
    encoding: 'utf8', env: { ...process.env, ...env },
  });
  return { out: r.stdout.trim(), err: r.stderr, status: r.status };
}

test('the Node entry makes relaxed SIMD available (a flag on Node 20), so the default is the relaxed build', async () => {
  assert.equal(relaxedSimdSupported(), true);
  assert.equal(WebAssembly.validate(RELAXED_PROBE), true);
  const b = await createWasmBackend({ threads: 1 });
  assert.equal(b.simd, process.env.LOOM_SIMD === 'plain' ? 'plain' : 'relaxed');
  await b.close();
});

test('LOOM_SIMD=plain|relaxed|auto chooses the build of the installed backend', () => {
  const script = `const { backend } = await import(${JSON.stringify(new URL('../src/backends/backend.js', import.meta.url).href)}); console.log(backend().simd);`;
  for (const [value, want] of [['plain', 'plain'], ['relaxed', 'relaxed'], ['auto', 'relaxed']] as const) {
    const r = withEnv({ LOOM_SIMD: value, LOOM_THREADS: '1' }, script);
    assert.equal(r.status, 0, r.err);
    assert.equal(r.out, want, `LOOM_SIMD=${value}`);
  }
});

test('a bad LOOM_SIMD is refused in one sentence by the CLI, exit code 1', () => {
  const r = spawnSync(process.execPath, [LOOM, 'bench', '--help'], { encoding: 'utf8', env: { ...process.env, LOOM_SIMD: 'fast' } });
  assert.equal(r.status, 1);
  assert.equal(r.stderr.trim(), "loom: LOOM_SIMD must be one of plain, relaxed, auto, got 'fast'");
});

test('the simd option: each build on worker threads, the same product within float32 rounding; a bad value refused', async () => {
  const a = fromArray(Array.from({ length: 64 * 48 }, (_, i) => Math.sin(i)), [64, 48]);
  const w = fromArray(Array.from({ length: 48 * 40 }, (_, i) => Math.cos(i * 0.7)), [48, 40]);
  const results: number[][] = [];
  for (const simd of ['plain', 'relaxed'] as const) {
    const b = await createWasmBackend({ threads: 2, simd });
    assert.deepEqual([b.simd, b.threads], [simd, 2]);
    const prev = backend();
    setBackend(b);
    try {
      results.push(Array.from(a.matmul(w).toArray() as Float32Array));
    } finally {
      setBackend(prev);
      await b.close();
    }
  }
  const [plain, relaxed] = results;
  assert.ok(plain.some((x, i) => x !== relaxed[i]), 'the relaxed build rounds differently (a fused multiply-add)');
  for (let i = 0; i < plain.length; i++) assert.ok(Math.abs(plain[i] - relaxed[i]) <= 1e-5 * (1 + Math.abs(plain[i])), `element ${i}`);
  await assert.rejects(createWasmBackend({ simd: 'fast' as WasmBackendOptions['simd'] }), /the simd option must be one of plain, relaxed, auto, got 'fast'/);
});

test('without loom-relaxed.wasm, auto falls back to loom.wasm and says so once; a forced relaxed build fails', async () => {
  const missing = new URL('file:///nonexistent/loom-relaxed.wasm');
  const told: string[] = [];
  const info = console.info;
  console.info = (m: string) => told.push(m);
  try {
    for (let i = 0; i < 2; i++) {
      const b = await createWasmBackend({ threads: 1, simd: 'auto', relaxedKernels: missing });
      assert.equal(b.simd, 'plain');
      await b.close();
    }
  } finally {
    console.info = info;
  }
  assert.equal(told.length, 1);
  assert.match(told[0], /loom-relaxed\.wasm did not load from file:\/\/\/nonexistent\/loom-relaxed\.wasm .*running the plain SIMD kernels of loom\.wasm/);
  await assert.rejects(createWasmBackend({ threads: 1, simd: 'relaxed', relaxedKernels: missing }), /expected the compiled kernels at \/nonexistent\/loom-relaxed\.wasm/);
});

test('loom bench names the build that ran and measures sgemm512 against its ceiling', () => {
  for (const [simd, key] of [['plain', 'wasm_simd_peak_gflops'], ['relaxed', 'wasm_fma_peak_gflops']] as const) {
    const r = spawnSync(process.execPath, [LOOM, 'bench', '--backend', 'wasm', '--quick', '--only', 'sgemm512_gflops'], {
      encoding: 'utf8', env: { ...process.env, LOOM_SIMD: simd },
    });
    assert.equal(r.status, 0, r.stderr);
    const figures = JSON.parse(r.stdout.split('\n')[0]) as Record<string, unknown>;
    assert.deepEqual(Object.keys(figures).slice(-4), ['simd', key, 'sgemm512_fraction_of_peak', 'gpt_large_fraction_of_peak']);
    assert.equal(figures.gpt_large_fraction_of_peak, null); // not asked for
    assert.equal(figures.simd, simd);
    const [peak, fraction] = [figures[key] as number, figures.sgemm512_fraction_of_peak as number];
    assert.ok(peak > 0.1 && fraction > 0 && fraction < 1.5, r.stdout);
  }
});

test("the bench's ceiling kernel runs on every thread of both builds", async () => {
  for (const simd of ['plain', 'relaxed'] as const) {
    const b = await createWasmBackend({ threads: 2, simd });
    const peak = simdPeak(b, { warm: 0, timed: 2 });
    await b.close();
    assert.deepEqual([peak.simd, peak.threads], [simd, 2]);
    assert.ok(Number.isFinite(peak.gflops) && peak.gflops > 0.1, `${simd}: ${peak.gflops} GFLOPS`);
  }
});
