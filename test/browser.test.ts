/**
 * Loom in a real browser: headless Chromium (test/browser/chromium.ts) on a cross-origin isolated page
 * served from 127.0.0.1 (test/browser/server.ts). The parity cases on the wasm backend with one thread;
 * 100 training steps whose losses equal Node's; the README's 30-second example.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as loom from '../src/node.js';
import { browserMissing, launchChromium, type Browser } from './browser/chromium.js';
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

  test('the page is cross-origin isolated and the browser entry loads the wasm backend', async () => {
    const page = await open();
    const got = await page.evaluate(async () => {
      const m = await import('/dist/src/index.js' as string);
      return { isolated: crossOriginIsolated, backend: m.backend().name as string };
    });
    assert.deepEqual(got, { isolated: true, backend: 'wasm(1 thread)' });
    await page.close();
  });

  test('every parity case passes on the wasm backend with 1 thread', async () => {
    const page = await open();
    const run = await page.evaluate(async ([m, threads]) => (await import(m)).runParity(threads), [PAGE_MODULE, 1] as const) as ParityRun;
    assert.equal(run.backend, 'wasm(1 thread)');
    assert.deepEqual(run.failures, []);
    assert.ok(run.passed > 100, `expected the committed parity cases, got ${run.passed}`);
    await page.close();
  });

  test("100 training steps give Node's losses (to 1e-6)", async (t) => {
    const page = await open();
    const { losses } = await page.evaluate(async ([m, steps]) => (await import(m)).trainLosses(steps), [PAGE_MODULE, 100] as const) as {
      losses: number[];
    };
    const want = trainCharLSTM(loom, 100);
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

  after(() => {
    const errors = logs.filter((l) => l.startsWith('[page error]'));
    assert.deepEqual(errors, [], 'expected no uncaught error in the pages');
  });
});
