/**
 * Headless Chromium for the browser tests: Debian's /usr/bin/chromium driven by playwright-core (which
 * downloads nothing), with a fresh empty profile. Never download a browser.
 *
 * Where Chromium is missing the browser tests skip with one line saying how to get it; under CI=true
 * they fail instead (.ci/run installs it).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/**
 * Why the browser tests cannot run here (a `skip` reason for node:test), or false when they can. Throws
 * under CI=true, where a missing browser is a failure.
 */
export function browserMissing(): string | false {
  if (existsSync(CHROMIUM)) return false;
  const how = `Chromium not found at ${CHROMIUM}: install it (Debian: apt-get install chromium) to run the browser tests`;
  if (process.env.CI === 'true') throw new Error(`${how} (CI=true: a missing browser fails the run)`);
  return how;
}

export interface Browser {
  /** A new page at `url`, its console and page errors echoed to `log` ('[page] ...'). */
  open(url: string, log?: (line: string) => void): Promise<Page>;
  close(): Promise<void>;
}

/** Starts headless Chromium with a fresh profile directory (removed on close). */
export async function launchChromium(): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'loom-chromium-'));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: FLAGS });
  } catch (e) {
    rmSync(profile, { recursive: true, force: true });
    throw e;
  }
  return {
    async open(url, log = () => {}) {
      const page = await context.newPage();
      page.on('console', (m) => log(`[page] ${m.text()}`));
      page.on('pageerror', (e) => log(`[page error] ${e.message}`));
      await page.goto(url);
      return page;
    },
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
