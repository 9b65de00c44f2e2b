#!/usr/bin/env node
// Times the WebAssembly sgemm, C = A @ B, and prints GFLOPS (2 * M * N * K flops per call).
//
//   node scripts/bench-sgemm.mjs                      512 x 512 x 512, one thread
//   node scripts/bench-sgemm.mjs --size 1024 --reps 10
//   node scripts/bench-sgemm.mjs --threads 2          also through the worker pool (needs `npm run build`)
//   node scripts/bench-sgemm.mjs --transB             C = A @ B^T (the Linear layer's layout)
//   node scripts/bench-sgemm.mjs --simd relaxed       the relaxed-SIMD build, dist/wasm/loom-relaxed.wasm (fused multiply-adds)
//
// Needs dist/wasm/loom.wasm and loom-relaxed.wasm (node scripts/build-wasm.mjs) and dist/src (tsc: the
// Node set-up, which switches relaxed SIMD on where Node 20 has it behind a flag, and the worker pool).
// Prints the median of --reps timed calls after a warm-up.

import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values: opts } = parseArgs({
  options: {
    size: { type: 'string', default: '512' },
    reps: { type: 'string', default: '30' },
    threads: { type: 'string', default: '1' },
    transA: { type: 'boolean', default: false },
    transB: { type: 'boolean', default: false },
    simd: { type: 'string', default: 'plain' },
  },
});
if (!['plain', 'relaxed'].includes(opts.simd)) throw new Error(`bench-sgemm: --simd must be plain or relaxed, got '${opts.simd}'`);
await import(join(root, 'dist/src/backends/wasm/node-workers.js'));
const n = Number(opts.size);
const reps = Number(opts.reps);
const threads = Number(opts.threads);
const [M, N, K] = [n, n, n];
const flops = 2 * M * N * K;

const memory = new WebAssembly.Memory({ initial: 256, maximum: 65536, shared: true });
const module = new WebAssembly.Module(readFileSync(join(root, 'dist/wasm', opts.simd === 'relaxed' ? 'loom-relaxed.wasm' : 'loom.wasm')));
const kernels = new WebAssembly.Instance(module, { env: { memory } }).exports;

let top = 64;
const alloc = (bytes) => {
  const ptr = top;
  top = (top + bytes + 63) & ~63;
  const pages = Math.ceil(top / 65536) - memory.buffer.byteLength / 65536;
  if (pages > 0) memory.grow(pages);
  return ptr;
};
const scratchBytes = kernels.sgemmScratchBytes();
const scratch = alloc(scratchBytes * Math.max(1, threads));
const a = alloc(M * K * 4);
const b = alloc(K * N * 4);
const c = alloc(M * N * 4);
const f32 = new Float32Array(memory.buffer);
for (let i = 0; i < M * K; i++) f32[a / 4 + i] = Math.random() - 0.5;
for (let i = 0; i < K * N; i++) f32[b / 4 + i] = Math.random() - 0.5;
const lda = opts.transA ? M : K;
const ldb = opts.transB ? K : N;
const tA = opts.transA ? 1 : 0;
const tB = opts.transB ? 1 : 0;

function time(run) {
  for (let i = 0; i < Math.max(10, reps / 3); i++) run();
  const ms = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    run();
    ms.push(performance.now() - t0);
  }
  ms.sort((x, y) => x - y);
  return ms[Math.floor(ms.length / 2)];
}

const label = `${M}x${N}x${K}${opts.transA ? ' transA' : ''}${opts.transB ? ' transB' : ''}, ${opts.simd} SIMD`;
const ms1 = time(() => kernels.sgemm(a, b, c, M, N, K, lda, ldb, N, tA, tB, 1, 0, 0, M, scratch));
console.log(`sgemm ${label}, 1 thread:  ${ms1.toFixed(2)} ms  ${(flops / ms1 / 1e6).toFixed(1)} GFLOPS`);

if (threads > 1) {
  const { KernelPool } = await import(join(root, 'dist/src/backends/wasm/threads.js'));
  const { instantiateKernels } = await import(join(root, 'dist/src/backends/wasm/module.js'));
  const pool = await KernelPool.create(instantiateKernels(module, memory), threads);
  // the pool takes element offsets, the raw kernel byte addresses
  const args = { a: a / 4, b: b / 4, c: c / 4, M, N, K, lda, ldb, ldc: N, transA: !!tA, transB: !!tB, alpha: 1, beta: 0, scratch };
  const msT = time(() => pool.sgemm(args));
  console.log(`sgemm ${label}, ${threads} threads: ${msT.toFixed(2)} ms  ${(flops / msT / 1e6).toFixed(1)} GFLOPS`);
  await pool.close();
}
