/**
 * The playground (web/) for browser tests: built once with its own Vite config into a directory, served
 * by server.ts (cross-origin isolated, or not under /plain/), opened in Chromium with every console
 * error and page error collected.
 *
 *   const site = await buildPlayground(dir);  const server = await startServer({ '/play/': site });
 *   const { page, errors } = await openPlayground(browser, `${server.origin}/play/`);
 *   await trainSettings(page, { model: 'gru', hidden: 64 });  await page.click('[data-testid=train]');
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { build } from 'vite';
import type { Browser } from './chromium.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));

/** Runs `vite build` with web/vite.config.ts into `dir`/site; returns that folder (index.html at its root). */
export async function buildPlayground(dir: string): Promise<string> {
  const site = join(dir, 'site');
  await build({ configFile: join(REPO, 'web/vite.config.ts'), logLevel: 'silent', build: { outDir: site, emptyOutDir: true } });
  return site;
}

export interface OpenPlayground {
  page: Page;
  /** Console errors and uncaught page errors, as they come. */
  errors: string[];
  /** Every console line and page error ('[page] ...'), for assertion messages. */
  log: string[];
}

/** Opens the playground at `url` (the folder holding index.html) and waits until it is ready to train. */
export async function openPlayground(browser: Browser, url: string): Promise<OpenPlayground> {
  const errors: string[] = [];
  const log: string[] = [];
  const page = await browser.open('about:blank', (line) => log.push(line));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${url}index.html`);
  await page.waitForFunction(() => document.body.dataset.state === 'idle', undefined, { timeout: 30_000 });
  return { page, errors, log };
}

/** Sets fields of the settings form by name (model, embed, hidden, layers, heads, lr, steps, batch, seq, evalEvery, seed). */
export async function trainSettings(page: Page, settings: Record<string, string | number>): Promise<void> {
  if (settings.model !== undefined) await page.selectOption('#settings [name=model]', String(settings.model));
  for (const [name, value] of Object.entries(settings)) if (name !== 'model') await page.fill(`#settings [name=${name}]`, String(value));
}

/** Fills the sample form, presses Sample and returns the text shown once it is generated. */
export async function samplePage(page: Page, o: { prompt: string; length: number; temperature: number; topP?: number; seed: number }): Promise<string> {
  await page.fill('#sample-settings [name=prompt]', o.prompt);
  await page.fill('#sample-settings [name=length]', String(o.length));
  await page.fill('#sample-settings [name=temperature]', String(o.temperature));
  await page.fill('#sample-settings [name=topP]', o.topP === undefined ? '' : String(o.topP));
  await page.fill('#sample-settings [name=seed]', String(o.seed));
  await page.evaluate(() => delete document.getElementById('sample')!.dataset.state);
  await page.click('[data-testid=sample-button]');
  await page.waitForFunction(() => document.getElementById('sample')!.dataset.state === 'done', undefined, { timeout: 30_000 });
  return page.$eval('[data-testid=sample]', (el) => el.textContent ?? '');
}

/** Clicks a view's Draw button and waits until the view has drawn (its `data-state`); returns the state. */
export async function drawView(page: Page, name: string, timeout = 30_000): Promise<string> {
  await page.click(`[data-testid=draw-${name}]`);
  await page.waitForFunction((n) => ['drawn', 'error'].includes(document.querySelector(`[data-testid=view-${n}]`)!.getAttribute('data-state')!), name, { timeout });
  return (await page.getAttribute(`[data-testid=view-${name}]`, 'data-state'))!;
}

/** The number shown in the element `data-testid=ID` (NaN when it shows none). */
export async function shownNumber(page: Page, id: string): Promise<number> {
  return Number(((await page.textContent(`[data-testid=${id}]`)) ?? '').replace(/,/g, '').split('/')[0]);
}
