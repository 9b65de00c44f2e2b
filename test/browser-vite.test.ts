/**
 * Loom from a Vite app, as the README tells users to build one: the README's 30-second example in a page
 * built by `vite build` from the package entry (`import ... from 'loom-nn'`, resolved through the
 * package's `browser` export condition; Vite emits loom.wasm and the kernel worker as assets), served
 * cross-origin isolated and run in headless Chromium on two Web Workers. It prints what Node prints: the
 * same loss curve and weights (both on the relaxed-SIMD build, loom-relaxed.wasm, which Vite emits beside
 * loom.wasm). Served without loom-relaxed.wasm, the page runs on loom.wasm and says so once.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { transformSync } from 'esbuild';
import { build } from 'vite';
import { browserMissing, launchChromium, type Browser } from './browser/chromium.js';
import { readmeExampleSource, startServer, type TestServer } from './browser/server.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));

describe('a Vite app', { skip: browserMissing() }, () => {
  const app = mkdtempSync(join(tmpdir(), 'loom-vite-'));
  let server: TestServer;
  let browser: Browser;

  before(async () => {
    // the app's own node_modules/loom-nn is this package, as `npm install loom-nn` would make it
    mkdirSync(join(app, 'node_modules'));
    symlinkSync(REPO, join(app, 'node_modules', 'loom-nn'), 'dir');
    writeFileSync(join(app, 'index.html'), '<!doctype html><meta charset="utf-8"><script type="module" src="/main.ts"></script>');
    writeFileSync(join(app, 'main.ts'), readmeExampleSource());
    // the README's Vite settings: ES2022 (top-level await), module workers
    await build({ root: app, base: '/app/', logLevel: 'silent', build: { target: 'es2022', outDir: join(app, 'dist') }, worker: { format: 'es' } });
    server = await startServer({ '/app/': join(app, 'dist') });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
    rmSync(app, { recursive: true, force: true });
  });

  test("the README's example built by Vite trains in Chromium on Web Workers to Node's loss curve and weights", async () => {
    writeFileSync(join(app, 'node.mjs'), transformSync(readmeExampleSource(), { loader: 'ts', format: 'esm' }).code);
    const node = spawnSync(process.execPath, [join(app, 'node.mjs')], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(node.status, 0, node.stderr);
    const lines: string[] = [];
    const printed: string[] = [];
    const page = await browser.open('about:blank', (line) => lines.push(line));
    page.on('console', (m) => printed.push(m.text()));
    const done = page.waitForEvent('console', { predicate: (m) => m.text().startsWith('tensor('), timeout: 60_000 });
    await page.goto(`${server.origin}/app/index.html`);
    await done;
    const isolated = await page.evaluate(() => crossOriginIsolated);
    await page.close();
    assert.equal(isolated, true);
    // the loss curve (every 25th step, full precision) and the trained weights, line for line
    const curve = (out: string[]) => out.filter((l) => l.startsWith('step ') || l.startsWith('tensor(') || l.startsWith(' '));
    assert.ok(curve(node.stdout.trim().split('\n')).filter((l) => l.startsWith('step ')).length === 4);
    assert.deepEqual(curve(printed.join('\n').split('\n')), curve(node.stdout.trim().split('\n')), `page log:\n${lines.join('\n')}`);
    assert.ok(!lines.some((l) => /one thread/.test(l)), `expected the kernels on Web Workers, got:\n${lines.join('\n')}`);
    assert.ok(!printed.some((l) => /loom-relaxed\.wasm did not load/.test(l)), `expected the relaxed build, got:\n${printed.join('\n')}`);
  });

  test('served with loom.wasm alone, the page falls back to the plain build, says so once, and trains', async () => {
    const assets = join(app, 'dist', 'assets');
    const wasm = readdirSync(assets).filter((f) => f.endsWith('.wasm'));
    assert.equal(wasm.length, 2, `expected Vite to emit loom.wasm and loom-relaxed.wasm, got ${wasm.join(', ')}`);
    for (const f of wasm) if (f.startsWith('loom-relaxed')) rmSync(join(assets, f));
    const printed: string[] = [];
    const page = await browser.open('about:blank', () => {});
    page.on('console', (m) => printed.push(m.text()));
    const done = page.waitForEvent('console', { predicate: (m) => m.text().startsWith('tensor('), timeout: 60_000 });
    await page.goto(`${server.origin}/app/index.html`);
    await done;
    await page.close();
    const told = printed.filter((l) => /loom-relaxed\.wasm did not load .*running the plain SIMD kernels of loom\.wasm/.test(l));
    assert.equal(told.length, 1, `expected one fall-back message, got:\n${printed.join('\n')}`);
    assert.equal(printed.filter((l) => l.startsWith('step ')).length, 4);
  });
});
