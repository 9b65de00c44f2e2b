// The heap's accounting: dispose() and scope() release deterministically, and a training loop written
// without either (the way PyTorch code is written) runs in constant memory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { heap, noGrad, randn, scope, zeros, Generator, type Tensor } from '../src/node.js';
import { Heap } from '../src/core/memory.js';

/** liveBytes with no garbage pending. */
function settled(): number {
  heap.collect();
  return heap.liveBytes;
}

test('dispose() returns the block to the heap at once', () => {
  const before = settled();
  const t = zeros([1000]); // 4000 bytes: a 4096-byte block
  assert.equal(heap.liveBytes, before + 4096);
  t.dispose();
  assert.equal(heap.liveBytes, before);
  assert.throws(() => t.toArray(), /disposed/);
  t.dispose(); // twice is harmless
  assert.equal(heap.liveBytes, before);
});

test('scope() releases what was made inside except its result and kept storages', () => {
  const before = settled();
  let a: Tensor | undefined;
  let kept: Tensor | undefined;
  const { out, parts } = scope(() => {
    a = zeros([100]); // 400 bytes: 512
    const b = a.add(1); // 512
    kept = zeros([10]); // 64, engine-owned
    kept.storage.kept = true;
    const inner = scope(() => [b.mul(2), b.mul(3)]); // the inner result survives the inner scope...
    return { out: inner[0].view(10, 10), parts: [b.sum()] }; // ...and only inner[0] the outer one
  });
  assert.equal(a!.storage.released, true);
  assert.equal(out.storage.released, false);
  assert.equal(parts[0].storage.released, false);
  assert.equal(kept!.storage.released, false);
  assert.equal(heap.liveBytes, before + 512 + 64 + 64); // out, parts[0], kept
  assert.deepEqual(out.select(0, 0).slice(0, 0, 2).tolist(), [2, 2]);
});

test('blocks freed small serve a large request: free buddies merge before the memory grows', () => {
  const h = new Heap(1, false); // 64 KiB, unshared: a heap of its own
  const small = Array.from({ length: 4096 }, () => h.alloc(1000)); // 1 KiB blocks, 4 MiB
  for (const p of small) assert.equal(p % 1024, 0, 'a block is aligned to its size');
  const reserved = h.reservedBytes;
  for (const p of small) h.release(p, true);
  const big = h.alloc(2 << 20); // 2 MiB: only merged 1 KiB blocks can give it without growing
  assert.equal(h.reservedBytes, reserved);
  assert.equal(big % (2 << 20), 0);
  assert.equal(h.liveBytes, 2 << 20);
  // and a large block freed serves small ones, halved, without growing either (2 MiB of 1 KiB blocks)
  h.release(big, true);
  const again = Array.from({ length: 2048 }, () => h.alloc(1024));
  assert.equal(h.reservedBytes, reserved);
  assert.equal(new Set(again).size, again.length);
});

test('unreachable tensors are reclaimed without dispose or scope, synchronously in Node', () => {
  assert.equal(heap.reclaimsSynchronously, true);
  const before = settled();
  for (let i = 0; i < 200; i++) zeros([64 * 1024]); // 256 KiB each, 50 MiB in all, dropped at once
  assert.ok(heap.liveBytes - before <= heap.collectEvery + (256 << 10), `${heap.liveBytes - before} bytes still live`);
  assert.equal(settled(), before);
});

test('a process that exits with unreclaimed tensors exits cleanly', () => {
  // V8 runs pending finalizers while Node shuts down; a registry of a vm context aborted the process
  // there (SIGABRT, "illegal access"), so tensors left for the collector at exit must be harmless.
  const dir = mkdtempSync(join(tmpdir(), 'loom-exit-'));
  const script = join(dir, 'exit.mjs');
  writeFileSync(script, `
    import { runInNewContext } from 'node:vm';
    import { zeros } from ${JSON.stringify(new URL('../src/node.js', import.meta.url).href)};
    process.on('exit', () => { for (let i = 0; i < 2000; i++) zeros([16]); runInNewContext('gc')(); });`);
  for (let run = 0; run < 3; run++) {
    const r = spawnSync(process.execPath, [script], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(r.signal, null, `run ${run} ended by ${r.signal}: ${r.stderr.slice(0, 300)}`);
    assert.equal(r.status, 0, r.stderr);
  }
  rmSync(dir, { recursive: true });
});

test('a training loop written the obvious way runs in constant memory', (t) => {
  // Bounds. Between forced collections garbage builds up to heap.collectEvery bytes (16 MB; V8 clears
  // the finalizers of dead tensors only in full collections), so raw liveBytes at two steps may differ
  // by up to that budget. What must not grow is the live set once garbage is collected: a leak of a
  // single 64-byte block per step would add 9000 * 64 = 576 KB over steps 1000..10000; we allow 64 KB.
  // The memory reserved from the system must stop growing once the loop is warm, and stay within twice
  // the budget (garbage is collected before the memory grows).
  const budget = 16 << 20;
  assert.ok(heap.collectEvery <= budget);
  const base = settled(); // engine memory (e.g. kernel scratch) that exists before the model
  const gen = new Generator(0);
  const W = randn([32, 16], { generator: gen }).mul(0.1).requiresGrad_();
  const b = zeros([16], { requiresGrad: true });
  W.storage.kept = true;
  b.storage.kept = true;
  const raw: Record<number, number> = {};
  const live: Record<number, number> = {};
  const reserved: Record<number, number> = {};
  let peak = 0;
  const started = performance.now();
  for (let step = 1; step <= 10_000; step++) {
    const x = randn([16, 32], { generator: gen });
    const loss = x.matmul(W).add(b).tanh().square().mean();
    W.grad = null;
    b.grad = null;
    loss.backward();
    noGrad(() => {
      W.copy_(W.sub(W.grad!.mul(0.01)));
      b.copy_(b.sub(b.grad!.mul(0.01)));
    });
    if (step >= 1000) peak = Math.max(peak, heap.liveBytes);
    if (step === 1000 || step === 10_000) {
      raw[step] = heap.liveBytes;
      live[step] = settled();
      reserved[step] = heap.reservedBytes;
    }
  }
  const seconds = (performance.now() - started) / 1000;
  const report = `raw ${raw[1000]} -> ${raw[10_000]}, settled ${live[1000]} -> ${live[10_000]}, peak ${peak}, reserved ${reserved[1000]} -> ${reserved[10_000]}, ${seconds.toFixed(1)} s`;
  t.diagnostic(report);
  assert.ok(live[10_000] - live[1000] < 64 << 10, `live set grew: ${report}`);
  assert.ok(raw[10_000] - live[1000] <= budget + (64 << 10), `garbage exceeded the budget: ${report}`);
  assert.ok(peak - live[1000] <= budget + (64 << 10), `garbage exceeded the budget: ${report}`);
  assert.equal(reserved[10_000], reserved[1000], `reserved memory grew: ${report}`);
  assert.ok(reserved[10_000] <= 2 * budget, `reserved memory beyond twice the budget: ${report}`);
  assert.ok(live[10_000] - base < 64 << 10, `the model and its gradients are a few KB: ${report}`);
  assert.ok(Number.isFinite(W.sum().item()));
});
