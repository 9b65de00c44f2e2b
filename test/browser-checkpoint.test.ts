/**
 * Checkpoints between Node and the page (headless Chromium): a run `loom train` saved opens in the page
 * (fetchCheckpoint) and samples the text `loom sample` prints with the same seed; a run trained in the
 * page, its files written to a directory, continues in Node with `loom train --resume` exactly as a run
 * that never left Node; a damaged checkpoint is refused in the page with the file and the reason.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { writeCheckpointDir } from '../src/io/checkpoint-dir.js';
import { browserMissing, launchChromium, type Browser } from './browser/chromium.js';
import { startServer, type TestServer } from './browser/server.js';
import { makeText } from './helpers/text.js';

const PAGE_MODULE = '/dist/test/browser/page.js';
const LOOM = fileURLToPath(new URL('../../bin/loom.js', import.meta.url));
const SIZE = ['--batch', '4', '--seq', '16', '--embed', '8', '--hidden', '16', '--layers', '1', '--eval-every', '0', '--sample-length', '0', '--seed', '3'];

function loom(...args: string[]): string {
  const r = spawnSync(process.execPath, [LOOM, ...args], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, `loom ${args.join(' ')}: exit ${r.status}\n${r.stderr}`);
  return r.stdout;
}

/** The steps and losses of a run's metrics.jsonl (and gradient norms: all but the throughput). */
const lossesOf = (run: string) =>
  readFileSync(join(run, 'metrics.jsonl'), 'utf8').trim().split('\n')
    .map((l) => JSON.parse(l) as { step: number; loss?: number; grad_norm?: number })
    .filter((r) => r.loss !== undefined)
    .map(({ step, loss, grad_norm }) => ({ step, loss, grad_norm }));

describe('checkpoints between Node and headless Chromium', { skip: browserMissing() }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'loom-browser-ckpt-'));
  const data = join(dir, 'text.txt');
  let server: TestServer;
  let browser: Browser;

  before(async () => {
    writeFileSync(data, makeText(3000, 9));
    server = await startServer({ '/runs/': dir });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a checkpoint loom train saved opens in the page and samples what loom sample prints', async () => {
    loom('train', '--data', data, '--steps', '20', ...SIZE, '--out', join(dir, 'node-run'));
    const sampled = loom('sample', '--checkpoint', join(dir, 'node-run'), '--prompt', 'the ', '--max-tokens', '80', '--seed', '5', '--top-p', '0.9');
    const page = await browser.open(`${server.origin}/`, () => {});
    const inPage = await page.evaluate(async ([m, url]) => (await import(m)).sampleCheckpoint(url, 'the ', 80, 5, 0.9), [PAGE_MODULE, '/runs/node-run/checkpoint'] as const);
    assert.equal(inPage, sampled.replace(/\n$/, ''));
    await page.close();
  });

  test('a run trained in the page continues in Node with --resume, as if it had never left Node', async () => {
    const page = await browser.open(`${server.origin}/`, () => {});
    const files = (await page.evaluate(async ([m, text, path]) => (await import(m)).trainCheckpointInPage(text, path, 6, 3), [PAGE_MODULE, readFileSync(data, 'utf8'), data] as const)) as Record<string, string>;
    await page.close();
    const run = join(dir, 'page-run');
    writeCheckpointDir(join(run, 'checkpoint'), new Map(Object.entries(files).map(([name, b64]) => [name, new Uint8Array(Buffer.from(b64, 'base64'))])));
    const out = loom('train', '--out', run, '--resume', '--steps', '12');
    assert.match(out, /resuming from step 6/);
    loom('train', '--data', data, '--steps', '12', ...SIZE, '--out', join(dir, 'straight'));
    assert.deepEqual(lossesOf(run), lossesOf(join(dir, 'straight')).filter((r) => r.step > 6));
  });

  test('a damaged checkpoint is refused in the page with the file and the reason', async () => {
    const src = join(dir, 'node-run', 'checkpoint');
    const bad = join(dir, 'bad', 'checkpoint');
    const files = new Map(['config.json', 'model.safetensors', 'optimizer.safetensors', 'hidden.safetensors'].map((n) => [n, new Uint8Array(readFileSync(join(src, n)))]));
    const model = files.get('model.safetensors')!;
    model[model.length - 9] ^= 0xff; // one weight's bytes
    writeCheckpointDir(bad, files);
    const page = await browser.open(`${server.origin}/`, () => {});
    const refusal = await page.evaluate(async ([m, url]) => (await import(m)).checkpointRefusal(url), [PAGE_MODULE, '/runs/bad/checkpoint'] as const);
    await page.close();
    assert.equal(refusal?.name, 'CheckpointError');
    assert.match(refusal!.message, /model\.safetensors.*SHA-256/);
  });
});
