/**
 * Loom in a real browser: headless Chromium (test/browser/chromium.ts) on pages served from 127.0.0.1
 * (test/browser/server.ts). On a cross-origin isolated page: the parity cases on the wasm backend with
 * one thread and with two (Web Workers sharing the memory); 100 training steps whose losses equal
 * Node's; the README's 30-second example; a training loop in a Web Worker whose heap stays bounded.
 * On a page that is not isolated: one thread on unshared memory, said once, and the same losses.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as loom from '../src/node.js';
import { browserMissing, launchChromium, type Browser } from './browser/chromium.js';
import type { HeapRun } from './browser/heap-worker.js';
import type { ParityRun } from './browser/page.js';
import { startServer, type TestServer } from './browser/server.js';
import { trainCharLSTM } from './browser/workloads.js';

const PAGE_MODULE = '/dist/test/browser/page.js';

describe('in headless Chromium', { skip: browserMissing() }, () => {
  let server: TestServer;
  let browser: Browser;
  const logs: string[] = [];

  before(async () => {
    server = await startServer();
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  /** A fresh cross-origin isolated page. */
  const open = () => browser.open(`${server.origin}/`, (line) => logs.push(line));

  test('the page is cross-origin isolated and the browser entry loads the wasm backend on every core', async () => {
    const page = await open();
    const got = await page.evaluate(async () => {
      const m = await import('/dist/src/index.js' as string);
      return { isolated: crossOriginIsolated, cores: navigator.hardwareConcurrency, backend: m.backend().name as string };
    });
    assert.equal(got.isolated, true);
    // one thread per core: Web Workers sharing the memory
    assert.equal(got.backend, got.cores > 1 ? `wasm(${got.cores} threads)` : 'wasm(1 thread)');
    await page.close();
  });

  let nodeLosses: number[] | undefined;
  /** Node's losses of the same run (the Node entry, this process's backend). */
  const nodeTrainLosses = () => (nodeLosses ??= trainCharLSTM(loom, 100));

  for (const threads of [1, 2]) {
    test(`every parity case passes on the wasm backend with ${threads} thread${threads > 1 ? 's' : ''}`, async () => {
      const page = await open();
      const run = (await page.evaluate(async ([m, n]) => (await import(m)).runParity(n), [PAGE_MODULE, threads] as const)) as ParityRun;
      assert.equal(run.backend, `wasm(${threads} thread${threads > 1 ? 's' : ''})`);
      assert.deepEqual(run.failures, []);
      assert.ok(run.passed > 100, `expected the committed parity cases, got ${run.passed}`);
      await page.close();
    });
  }

  test("100 training steps give Node's losses (to 1e-6)", async (t) => {
    const page = await open();
    const { losses } = await page.evaluate(async ([m, steps]) => (await import(m)).trainLosses(steps), [PAGE_MODULE, 100] as const) as {
      losses: number[];
    };
    const want = nodeTrainLosses();
    assert.equal(losses.length, 100);
    const worst = Math.max(...losses.map((l, i) => Math.abs(l - want[i])));
    t.diagnostic(`largest difference from Node's losses: ${worst}`);
    assert.ok(worst <= 1e-6, `expected Node's losses, largest difference ${worst} (browser ${losses.slice(0, 3)}..., Node ${want.slice(0, 3)}...)`);
    assert.ok(want[99] < want[0] - 1, `expected the loss to fall, from ${want[0]} to ${want[99]}`);
    await page.close();
  });

  test("the README's 30-second example runs and prints the trained weight", async () => {
    const page = await open();
    const printed = page.waitForEvent('console', { predicate: (m) => m.text().startsWith('tensor(') });
    await page.evaluate(async () => {
      await import('/readme-example.js' as string);
    });
    const text = (await printed).text();
    assert.match(text, /^tensor\(\[\[/);
    await page.close();
  });

  test('a page that is not cross-origin isolated runs on one thread with unshared memory, says so once, and gets the same losses', async () => {
    const lines: string[] = [];
    const page = await browser.open(`${server.origin}/plain/`, (line) => (logs.push(line), lines.push(line)));
    const got = (await page.evaluate(
      async ([m, steps]) => {
        const loom = await import('/plain/dist/src/index.js' as string);
        const second = await loom.createWasmBackend({ threads: 2 }); // asks for two: still one, not said again
        await second.close();
        const { losses } = await (await import(m)).trainLosses(steps);
        return { isolated: crossOriginIsolated, shared: loom.heap.shared as boolean, backend: loom.backend().name as string, second: second.name as string, losses };
      },
      ['/plain' + PAGE_MODULE, 100] as const,
    )) as { isolated: boolean; shared: boolean; backend: string; second: string; losses: number[] };
    assert.deepEqual([got.isolated, got.shared, got.backend, got.second], [false, false, 'wasm(1 thread)', 'wasm(1 thread)']);
    assert.equal(lines.filter((l) => l.includes('not cross-origin isolated')).length, 1, `expected the one-thread message once, got:\n${lines.join('\n')}`);
    const want = nodeTrainLosses();
    const worst = Math.max(...got.losses.map((l, i) => Math.abs(l - want[i])));
    assert.ok(got.losses.length === 100 && worst <= 1e-6, `expected Node's losses, largest difference ${worst}`);
    await page.close();
  });

  test('a training loop in a Web Worker that yields every 10 steps keeps the heap bounded (no gc())', async () => {
    const page = await open();
    const run = (await page.evaluate(async ([m]) => (await import(m)).heapInWorker(1000, 10, 100), [PAGE_MODULE] as const)) as HeapRun;
    const mib = (b: number) => b / 2 ** 20;
    // 1000 steps allocate some 700 MiB; unreclaimed, the heap would reserve at least that much
    assert.equal(run.reserved.length, 10);
    assert.ok(mib(Math.max(...run.reserved)) <= 64, `expected the heap to stay within 64 MiB, reserved (MiB): ${run.reserved.map(mib)}`);
    assert.ok(mib(run.live.at(-1)!) <= 32, `expected at most 32 MiB live at the end, got ${mib(run.live.at(-1)!)} MiB`);
    await page.close();
  });

  after(() => {
    const errors = logs.filter((l) => l.startsWith('[page error]'));
    assert.deepEqual(errors, [], 'expected no uncaught error in the pages');
  });
});
