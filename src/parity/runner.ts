/**
 * The parity runner on files (Node.js): reads PyTorch-generated cases (see
 * shared/fixtures/parity/README.md) and runs them with check.ts. A page fetches the files and calls
 * parseCase and checkCase itself.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, relative, sep } from 'node:path';
import { parseCase, type Case } from './case.js';
import { checkCase, type Result } from './check.js';

export type { Result } from './check.js';

/** The case in a file. */
export function loadCase(path: string): Case {
  return parseCase(readFileSync(path), path);
}

/**
 * Runs the case file at `path`; `name` labels its result (default: the file name without `.safetensors`).
 * A file that cannot be read or parsed is a failed result, like a failed check.
 */
export function runCase(path: string, name = basename(path).replace(/\.safetensors$/, '')): Result {
  let c: Case;
  try {
    c = loadCase(path);
  } catch (e) {
    return { name, ok: false, message: `error: ${(e as Error).message}` };
  }
  return checkCase({ ...c, name });
}

/**
 * Every `*.safetensors` case under a directory, in its subfolders too (test/parity keeps one folder per
 * area), sorted by the path relative to `dir`.
 */
export function caseFiles(dir: string): string[] {
  if (!statSync(dir, { throwIfNoEntry: false })?.isDirectory()) throw new Error(`parity: '${dir}' is not a directory`);
  const found: string[] = [];
  const walk = (sub: string): void => {
    for (const e of readdirSync(join(dir, sub), { withFileTypes: true })) {
      const rel = sub ? `${sub}/${e.name}` : e.name;
      if (e.isDirectory()) walk(rel);
      else if (e.name.endsWith('.safetensors')) found.push(rel);
    }
  };
  walk('');
  return found.sort().map((rel) => join(dir, rel));
}

/** A case's name: its path relative to `dir`, `/`-separated, without `.safetensors` (`recurrent/lstm_1layer`). */
export function caseName(dir: string, file: string): string {
  return relative(dir, file).split(sep).join('/').replace(/\.safetensors$/, '');
}

/** Runs every case under a directory, printing one line per case and the summary; returns the counts. */
export function runDirectory(dir: string, log: (line: string) => void = console.log): { passed: number; failed: number; results: Result[] } {
  const results = caseFiles(dir).map((f) => {
    const r = runCase(f, caseName(dir, f));
    log(`${r.ok ? 'PASS' : 'FAIL'} ${r.name}${r.ok ? '' : ` — ${r.message}`}`);
    return r;
  });
  const passed = results.filter((r) => r.ok).length;
  const failed = results.length - passed;
  log(`${passed} passed, ${failed} failed`);
  return { passed, failed, results };
}
