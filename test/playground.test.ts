/**
 * The playground (web/), built once by Vite from its own config and run in headless Chromium: it loads
 * without a console error (cross-origin isolated on worker threads, and without isolation on one
 * thread); Train trains in the page's worker and the shown loss falls; the page answers clicks within
 * 200 ms while training; pause and resume; a checkpoint downloaded from the page is the CLI's (`loom
 * sample` reads it and writes the text the page samples); one that `loom train` wrote opens in the
 * page, samples as `loom sample` does and trains on; the views' slots draw; the JavaScript stays under
 * 1 MB gzipped.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import { unzipSync } from 'fflate';
import type { Page } from 'playwright-core';
import { FASHION_MNIST_DIR, loadCharLM, loadCheckpoint, mobyDick } from '../src/node.js';
import { browserMissing, launchChromium, type Browser } from './browser/chromium.js';
import { buildPlayground, drawView, openPlayground, samplePage, shownNumber, trainSettings } from './browser/playground.js';
import { startServer, type TestServer } from './browser/server.js';
import { writeFashionSubset } from './helpers/fashion-subset.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const LOOM = join(REPO, 'bin/loom.js');

/** `loom ARGS` on one thread, in the background; resolves to its stdout. */
async function loomAsync(...args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, [LOOM, ...args], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, LOOM_THREADS: '1' } });
  return stdout;
}

/** Every file under `dir`, recursively. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)]));
}

/** Waits until the page's state (body[data-state]) is `state`. */
function waitState(page: Page, state: string, timeout = 30_000): Promise<unknown> {
  return page.waitForFunction((s) => document.body.dataset.state === s, state, { timeout });
}

/** A view of the page to draw in these tests (the views' own tests draw each): a cheap one when there is one. */
async function someView(page: Page): Promise<string | undefined> {
  const views = await page.$$eval('section[data-testid^=view-]', (els) => els.map((e) => e.getAttribute('data-testid')!.slice('view-'.length)));
  return views.find((v) => v === 'positional-encoding') ?? views[0];
}

const noFashion = existsSync(FASHION_MNIST_DIR) ? false : `no ${FASHION_MNIST_DIR} (apt-get install dataset-fashion-mnist)`;

describe('the playground', { skip: browserMissing() }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'loom-playground-'));
  let site: string;
  let server: TestServer;
  let browser: Browser;
  let url: string;
  /** One page for the tests below, in order: loading it costs seconds (the engine, its workers, the corpus). */
  let shared: Awaited<ReturnType<typeof openPlayground>>;

  /** A tiny text and the run `loom train` wrote on it (3 steps of a small lstm). */
  const text = { path: join(dir, 'tiny.txt'), chars: 40_000 };
  const run = join(dir, 'cli-run');
  /** The page without cross-origin isolation, loaded beside the shared one. */
  let plain: Promise<Awaited<ReturnType<typeof openPlayground>>>;

  // the slow parts at once: the build, Chromium, the CLI's run, the two pages
  before(async () => {
    const cliRun = async () => {
      const book = mobyDick();
      writeFileSync(text.path, book.slice(book.indexOf('CHAPTER 1. Loomings.\n\nCall me Ishmael.')).slice(0, text.chars));
      await loomAsync('train', '--model', 'lstm', '--data', text.path, '--steps', '3', '--batch', '4', '--seq', '16', '--embed', '8', '--hidden', '16', '--layers', '1',
        '--eval-every', '0', '--sample-length', '0', '--seed', '2', '--out', run);
    };
    // a g2p run, for the views that draw a model of another task
    const g2pRun = async () => {
      writeFileSync(join(dir, 'tiny.dict'), ['CAT  K AE1 T', 'DOG  D AO1 G', 'FISH  F IH1 SH', 'BIRD  B ER1 D', 'COW  K AW1', 'GOAT  G OW1 T', 'PIG  P IH1 G', 'BEE  B IY1', 'ANT  AE1 N T', 'OWL  AW1 L', 'BAT  B AE1 T', 'HEN  HH EH1 N', ''].join('\n'));
      await loomAsync('train', '--task', 'g2p', '--model', 'lstm-attention', '--data', join(dir, 'tiny.dict'), '--steps', '2', '--batch', '4', '--embed', '8', '--hidden', '8',
        '--eval-every', '0', '--out', join(dir, 'g2p-run'));
    };
    // a vit run, for the patches view (on 64 Fashion-MNIST images, when Debian's data is installed)
    const vitRun = async () => {
      if (noFashion) return;
      const data = writeFashionSubset(join(dir, 'fashion'), 64, 16);
      await loomAsync('train', '--task', 'fashion-mnist', '--model', 'vit', '--data', data, '--steps', '2', '--batch', '8', '--eval-every', '0', '--test-images', '16', '--out', join(dir, 'vit-run'));
    };
    [site, browser] = await Promise.all([buildPlayground(dir), launchChromium(), cliRun(), g2pRun(), vitRun()]);
    server = await startServer({ '/play/': site });
    url = `${server.origin}/play/`;
    plain = openPlayground(browser, `${server.origin}/plain/play/`);
    [shared] = await Promise.all([openPlayground(browser, url), plain]);
  });
  after(async () => {
    await browser?.close();
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('the built site: index.html at its root, the excerpt, and its JavaScript under 1 MB gzipped', () => {
    assert.ok(statSync(join(site, 'index.html')).isFile());
    const excerpt = readFileSync(join(site, 'moby-dick-excerpt.txt'), 'utf8');
    assert.ok(excerpt.startsWith('CHAPTER 1. Loomings.\n\nCall me Ishmael.'));
    assert.ok(excerpt.length > 250_000 && excerpt.length <= 300_000, `${excerpt.length} characters`);
    const js = filesUnder(site).filter((f) => f.endsWith('.js'));
    assert.ok(js.length >= 3, `expected the page, its worker and the kernels' worker, got ${js.join(', ')}`);
    const gzipped = js.reduce((n, f) => n + gzipSync(readFileSync(f)).length, 0);
    assert.ok(gzipped < 1024 * 1024, `the JavaScript is ${gzipped} bytes gzipped`);
  });

  test('loads without a console error, cross-origin isolated, the kernels on worker threads', async () => {
    const { page, errors, log } = shared;
    assert.equal(await page.evaluate(() => crossOriginIsolated), true);
    assert.match((await page.textContent('[data-testid=engine]'))!, /on \d+ worker threads?\./);
    assert.match((await page.textContent('[data-testid=corpus]'))!, /^moby-dick-excerpt\.txt, 2\d\d,\d{3} characters/);
    // every control has a name a screen reader says, and the page fits a laptop and a phone without sideways scrolling
    const unnamed = await page.$$eval('input, select, button', (els) =>
      els.filter((e) => !((e as HTMLInputElement).labels?.length || e.getAttribute('aria-label') || (e.tagName === 'BUTTON' && e.textContent!.trim()))).map((e) => e.outerHTML));
    assert.deepEqual(unnamed, []);
    for (const [width, height] of [[390, 844], [1280, 800]]) {
      await page.setViewportSize({ width, height });
      assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= innerWidth), `the page scrolls sideways at ${width} px`);
    }
    assert.deepEqual(errors, [], log.join('\n'));
  });

  test('without the COOP/COEP headers it loads too, on one thread', async () => {
    const { page, errors, log } = await plain;
    assert.equal(await page.evaluate(() => crossOriginIsolated), false);
    assert.match((await page.textContent('[data-testid=engine]'))!, /one thread \(this page is not cross-origin isolated/);
    assert.deepEqual(errors, [], log.join('\n'));
    await page.close();
  });

  test('trains in the page: the loss falls, clicks are answered within 200 ms, pause and resume, the download is a checkpoint loom sample reads', async () => {
    const { page, errors, log } = shared;
    await trainSettings(page, { model: 'gru', embed: 16, hidden: 64, layers: 1, lr: 0.01, steps: 100_000, batch: 16, seq: 32, evalEvery: 40, seed: 1 });
    const boxes = () => page.$$eval('main > section, #chart, #sample, [data-testid=loss]', (els) =>
      els.map((e) => {
        const r = e.getBoundingClientRect(); // in the document, wherever it is scrolled
        return [r.left + scrollX, r.top + scrollY, r.width, r.height].join();
      }));
    const before = await boxes();
    await page.click('[data-testid=train]');
    await page.waitForFunction(() => Number(document.querySelector('[data-testid=loss]')!.textContent) > 0, undefined, { timeout: 30_000 });

    // while it trains: clicks on the page are handled at once (measured in the page, from the event's time stamp)
    await page.evaluate(() => {
      (window as unknown as { latencies: number[] }).latencies = [];
      document.getElementById('auto-refresh')!.addEventListener('click', (e) => (window as unknown as { latencies: number[] }).latencies.push(performance.now() - e.timeStamp));
    });
    for (let i = 0; i < 6; i++) {
      await page.click('#auto-refresh');
      await page.waitForTimeout(250);
    }
    const latencies = await page.evaluate(() => (window as unknown as { latencies: number[] }).latencies);
    assert.equal(latencies.length, 6);
    assert.ok(Math.max(...latencies) < 200, `click latencies ${latencies.map((l) => l.toFixed(1)).join(', ')} ms`);
    assert.equal(await page.isChecked('#auto-refresh'), true);

    // the shown loss falls well below ln(78) = 4.36 (a uniform guess over the excerpt's characters) within 60 s
    await page.waitForFunction(() => Number(document.querySelector('[data-testid=loss]')!.textContent) < 2.6, undefined, { timeout: 60_000, polling: 250 });
    assert.ok((await shownNumber(page, 'tok-s')) > 0);
    assert.ok((await shownNumber(page, 'val-loss')) > 0, 'a validation loss is shown');
    assert.deepEqual(await boxes(), before, 'the panels, the chart, the sample and the loss keep their place while training');

    // pause: the run stops with a checkpoint, a sample streams, the views redraw; resume goes on
    await page.click('[data-testid=pause]');
    await waitState(page, 'paused');
    const pausedAt = await shownNumber(page, 'step');
    await page.waitForFunction(() => document.getElementById('sample')!.dataset.state === 'done', undefined, { timeout: 30_000 });
    assert.ok(((await page.textContent('[data-testid=sample]')) ?? '').length > 100);
    // a view drawn now is redrawn at the next pause
    const view = await someView(page);
    if (view) assert.equal(await drawView(page, view), 'drawn');
    await page.click('[data-testid=pause]'); // Resume
    await page.waitForFunction((s) => Number(document.querySelector('[data-testid=step]')!.textContent!.split('/')[0]) > s + 5, pausedAt, { timeout: 30_000 });
    if (view) await page.$eval(`[data-testid=view-${view}] .view-body`, (el) => el.replaceChildren()); // so that a redraw shows
    await page.click('[data-testid=pause]');
    await waitState(page, 'paused');
    if (view)
      await page.waitForFunction((n) => document.querySelector(`[data-testid=view-${n}]`)!.getAttribute('data-state') === 'drawn' && document.querySelector(`[data-testid=view-${n}] .view-body`)!.childElementCount > 0, view, { timeout: 30_000 });
    const step = await shownNumber(page, 'step');

    // the download: a zip of a run directory that loom sample reads, sampling what the page samples
    const downloading = page.waitForEvent('download', { timeout: 30_000 });
    await page.click('[data-testid=download]');
    const download = await downloading;
    assert.equal(download.suggestedFilename(), `loom-gru-step${step}.zip`);
    const zipPath = join(dir, 'page.zip');
    await download.saveAs(zipPath);
    const out = join(dir, 'from-page');
    for (const [path, bytes] of Object.entries(unzipSync(new Uint8Array(readFileSync(zipPath))))) {
      if (path.endsWith('/')) continue; // a folder's entry
      mkdirSync(join(out, path, '..'), { recursive: true });
      writeFileSync(join(out, path), bytes);
    }
    const runDir = join(out, `loom-gru-step${step}`);
    const { lm, spec, config } = loadCharLM(loadCheckpoint(runDir));
    assert.equal(spec.name, 'gru');
    assert.equal(config.hidden, 64);
    assert.match((await page.textContent('[data-testid=model-info]'))!, new RegExp(`${lm.module.numParameters().toLocaleString('en-US')} parameters`));
    const options = { prompt: 'The whale ', length: 120, temperature: 1, seed: 7 };
    const [inPage, cli] = await Promise.all([samplePage(page, options), loomAsync('sample', '--checkpoint', runDir, '--prompt', options.prompt, '--max-tokens', '120', '--seed', '7')]);
    assert.equal(inPage.length, options.prompt.length + 120);
    assert.equal(cli, `${inPage}\n`);
    assert.deepEqual(errors, [], log.join('\n'));
  });

  test("opens a checkpoint loom train wrote: it samples as loom sample does, and trains on from its step; a g2p one is kept for its view", async () => {
    const { page, errors, log } = shared;
    // the same text as the page's corpus (so that training on continues the run exactly)
    await page.setInputFiles('[data-testid=corpus-file]', text.path);
    await page.waitForFunction(() => document.querySelector('[data-testid=corpus]')!.textContent!.startsWith('tiny.txt, 40,000 characters'), undefined, { timeout: 10_000 });
    await page.setInputFiles('[data-testid=open]', readdirSync(join(run, 'checkpoint')).map((f) => join(run, 'checkpoint', f)));
    await waitState(page, 'opened');
    assert.match((await page.textContent('[data-testid=status]'))!, /^Opened a lstm checkpoint at step 3/);
    assert.match((await page.textContent('[data-testid=model-info]'))!, /^lstm \(.*hidden 16.*\), step 3, trained on /);

    const options = { prompt: '', length: 100, temperature: 0.9, topP: 0.9, seed: 5 };
    const [inPage, cli] = await Promise.all([samplePage(page, options), loomAsync('sample', '--checkpoint', run, '--max-tokens', '100', '--temperature', '0.9', '--top-p', '0.9', '--seed', '5')]);
    assert.equal(cli, `${inPage}\n`);

    // Continue training: 4 more steps from step 3, on the same text
    await trainSettings(page, { steps: 4, evalEvery: 0 });
    assert.equal(await page.textContent('[data-testid=train]'), 'Continue training');
    await page.focus('[data-testid=train]');
    await page.keyboard.press('Enter'); // from the keyboard
    // the same run continued by the CLI, meanwhile
    const continued = loomAsync('train', '--out', run, '--resume', '--steps', '7');
    await waitState(page, 'finished', 60_000);
    const status = (await page.textContent('[data-testid=status]'))!;
    assert.match(status, /^Finished at step 7: validation loss \d/);
    // it ends at the validation loss of the CLI's continuation
    const resumed = await continued;
    const val = /validation loss (\d+\.\d{4})/.exec(resumed);
    assert.ok(val, resumed);
    assert.equal(/validation loss (\d+\.\d{4})/.exec(status)![1], val[1]);
    assert.deepEqual(errors, [], log.join('\n'));

    // a view draws from the opened-and-trained model
    const view = await someView(page);
    if (view) assert.equal(await drawView(page, view), 'drawn');

    // a g2p checkpoint is kept for the alignment view, beside the character model
    const g2p = join(dir, 'g2p-run', 'checkpoint');
    await page.setInputFiles('[data-testid=open]', readdirSync(g2p).map((f) => join(g2p, f)));
    await page.waitForFunction(() => document.querySelector('[data-testid=status]')!.textContent!.startsWith('Opened a lstm-attention grapheme-to-phoneme model (step 2)'), undefined, { timeout: 10_000 });
    assert.match((await page.textContent('[data-testid=model-info]'))!, /^lstm /);
    // the forecast view: AR(28) on the births series the build put beside the page
    assert.equal(await drawView(page, 'forecast'), 'drawn');
    assert.match((await page.textContent('[data-testid=view-forecast]'))!, /us-births/);
    assert.deepEqual(errors, [], log.join('\n'));
  });

  test('a fashion-mnist vit checkpoint opens for the patches view, which draws its attention over a Fashion-MNIST test image the build bundled', { skip: noFashion }, async () => {
    const { page, errors, log } = shared;
    assert.ok(statSync(join(site, 'fashion-mnist-samples.json')).size > 10_000, 'the build put the test images beside the page');
    const vit = join(dir, 'vit-run', 'checkpoint');
    await page.setInputFiles('[data-testid=open]', readdirSync(vit).map((f) => join(vit, f)));
    await page.waitForFunction(() => document.querySelector('[data-testid=status]')!.textContent!.startsWith('Opened a ViT (step 2)'), undefined, { timeout: 10_000 });
    await page.fill('[data-testid=views-prompt]', 'bag');
    assert.equal(await drawView(page, 'patches'), 'drawn');
    const caption = (await page.textContent('[data-testid=view-patches]'))!;
    assert.match(caption, /the ViT cuts Fashion-MNIST test image \d+ \(Bag\), 28 × 28, into 4 × 4 patches of 7 × 7/);
    assert.match(caption, /It reads (T-shirt\/top|Trouser|Pullover|Dress|Coat|Sandal|Shirt|Sneaker|Bag|Ankle boot) \d+%/, 'with the class names of the checkpoint');
    await page.fill('[data-testid=views-prompt]', '');
    assert.deepEqual(errors, [], log.join('\n'));
  });
});
