/**
 * `loom bench --browser`: the same workloads (src/bench/workloads.ts) measured inside headless Chromium,
 * on a cross-origin isolated page (so the kernels run on one Web Worker per core, as in Node on worker
 * threads), served from 127.0.0.1. Needs Debian's `chromium` (`/usr/bin/chromium`, or `LOOM_CHROMIUM`)
 * and `playwright-core` (a dev dependency: run it from a clone of Loom after `npm install`).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Figures } from '../bench/workloads.js';
import { UsageError } from './args.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CHROMIUM = process.env.LOOM_CHROMIUM ?? '/usr/bin/chromium';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const TYPES: Record<string, string> = { '.js': 'text/javascript', '.wasm': 'application/wasm', '.html': 'text/html' };

export interface BrowserBench {
  /** The figures, as `fmtFigures` gives them (rss_mb null: a page cannot tell). */
  figures: Record<string, number | null>;
  details: string[];
  /** e.g. `Chromium 156.0.8078.73, wasm(2 threads)`. */
  where: string;
  /** The page's build of the kernels and its ceiling (backends/wasm/peak.ts). */
  peak: { gflops: number; simd: 'plain' | 'relaxed' };
  /** The figures unrounded, for the fractions of the peak. */
  raw: Figures;
}

export async function benchInBrowser(only: string[] | null, quick: boolean): Promise<BrowserBench> {
  if (!existsSync(CHROMIUM)) throw new UsageError(`loom bench --browser needs Chromium at ${CHROMIUM} (Debian: apt-get install chromium; or set LOOM_CHROMIUM)`);
  let chromium: typeof import('playwright-core').chromium;
  try {
    ({ chromium } = await import('playwright-core'));
  } catch {
    throw new UsageError('loom bench --browser needs the dev dependency playwright-core: run it from a clone of Loom after npm install');
  }
  // the built package, cross-origin isolated, on loopback only
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const headers = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp', 'Cache-Control': 'no-store' };
    const rel = normalize(decodeURIComponent(path)).replace(/^\/+/, '');
    const file = join(ROOT, rel);
    if (path === '/') res.writeHead(200, { ...headers, 'Content-Type': TYPES['.html'] }).end('<!doctype html><title>loom bench</title>');
    else if (rel.startsWith('dist/') && statSync(file, { throwIfNoEntry: false })?.isFile())
      res.writeHead(200, { ...headers, 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(readFileSync(file));
    else res.writeHead(404, headers).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const profile = mkdtempSync(join(tmpdir(), 'loom-bench-chromium-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: FLAGS });
  try {
    const page = await context.newPage();
    await page.goto(`${origin}/`);
    const run = await page.evaluate(
      async ([only, quick]) => {
        await import('/dist/src/backends/install.js' as string); // the kernels on Web Workers, as the entry sets them up
        const w = await import('/dist/src/bench/workloads.js' as string);
        const { backend } = await import('/dist/src/backends/backend.js' as string);
        const { simdPeak } = await import('/dist/src/backends/wasm/peak.js' as string);
        const details: string[] = [];
        const pause = () => new Promise((resolve) => setTimeout(resolve, 0));
        const figures = await w.runAll(quick ? w.SLOW : w.FAST, only ? new Set(only) : null, (s: string) => details.push(s), undefined, pause);
        const peak = simdPeak(backend()) as { gflops: number; simd: 'plain' | 'relaxed' };
        return { figures: w.fmtFigures(figures) as Record<string, number | null>, details, backend: backend().name as string, peak, raw: figures as Figures };
      },
      [only, quick] as const,
    );
    return { figures: run.figures, details: run.details, peak: run.peak, raw: run.raw, where: `Chromium ${context.browser()?.version() ?? ''}, ${run.backend}`.replace('Chromium , ', 'Chromium, ') };
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
