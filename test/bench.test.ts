/**
 * `loom bench`'s large GPT workload (gpt_large_train_tok_s of shared/bench/WORKLOADS.md) and its
 * utilisation of the kernels' ceiling: the FLOP count it is measured with, and the keys it reports.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import '../src/node.js';
import { BENCH_KEYS, GPT_LARGE, gptTrainFlopsPerToken } from '../src/bench/workloads.js';
import { manualSeed } from '../src/core/random.js';
import { GPT } from '../src/models/gpt.js';

const LOOM = fileURLToPath(new URL('../../bin/loom.js', import.meta.url));

test("gptTrainFlopsPerToken is 6 FLOPs for each of the model's matmul weights plus attention's 12 nLayer T d", () => {
  manualSeed(0);
  const { T, nLayer, nHead, nEmbd } = GPT_LARGE;
  const model = new GPT({ vocabSize: 65, blockSize: T, nLayer, nHead, nEmbd, tiedHead: false, bias: true });
  // the weights of the Linear layers: every 2-D parameter but the two embedding tables
  const N = model.namedParameters().filter(([name, p]) => p.shape.length === 2 && !/\.(wte|wpe)\./.test(name)).reduce((n, [, p]) => n + p.numel, 0);
  assert.equal(N, 6 * 12 * 384 * 384 + 384 * 65);
  assert.equal(gptTrainFlopsPerToken(GPT_LARGE), 6 * N + 12 * nLayer * T * nEmbd);
  assert.equal(gptTrainFlopsPerToken(GPT_LARGE), 70_928_640);
});

test('loom bench reports gpt_large_train_tok_s and its model FLOPs over the ceiling', () => {
  const r = spawnSync(process.execPath, [LOOM, 'bench', '--backend', 'wasm', '--quick', '--only', 'gpt_large_train_tok_s'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const [first, ...details] = r.stdout.trim().split('\n');
  const figures = JSON.parse(first) as Record<string, number | string | null>;
  const peakKey = figures.simd === 'relaxed' ? 'wasm_fma_peak_gflops' : 'wasm_simd_peak_gflops';
  assert.deepEqual(Object.keys(figures), [...BENCH_KEYS, 'simd', peakKey, 'sgemm512_fraction_of_peak', 'gpt_large_fraction_of_peak']);
  const [tokS, peak, fraction] = [figures.gpt_large_train_tok_s, figures[peakKey], figures.gpt_large_fraction_of_peak] as number[];
  assert.ok(tokS > 1, first);
  assert.equal(figures.gpt_train_tok_s, null); // not asked for
  // the printed figures are rounded (tok/s and the peak to 0.1, the fraction to 0.001)
  const expected = (tokS * gptTrainFlopsPerToken(GPT_LARGE)) / 1e9 / peak;
  assert.ok(Math.abs(fraction - expected) < 0.002, `fraction ${fraction}, tok/s x FLOPs / peak = ${expected}`);
  assert.ok(details.some((l) => /^gpt large train: [\d.]+ ms per step \(median of 1\)$/.test(l)), r.stdout);
});
