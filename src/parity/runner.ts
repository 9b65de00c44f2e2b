/**
 * The parity runner on files (Node.js): reads PyTorch-generated cases (see
 * shared/fixtures/parity/README.md) and runs them with check.ts. A page fetches the files and calls
 * parseCase and checkCase itself.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseCase, type Case } from './case.js';
import { checkCase, type Result } from './check.js';

export type { Result } from './check.js';

/** The case in a file. */
export function loadCase(path: string): Case {
  return parseCase(readFileSync(path), path);
}

/** Runs the case in a file; a file that cannot be read or parsed is a failed result, like a failed check. */
export function runCase(path: string): Result {
  let c: Case;
  try {
    c = loadCase(path);
  } catch (e) {
    return { name: path, ok: false, message: `error: ${(e as Error).message}` };
  }
  return checkCase(c);
}

/** Every `*.safetensors` case in a directory, sorted by name. */
export function caseFiles(dir: string): string[] {
  if (!statSync(dir, { throwIfNoEntry: false })?.isDirectory()) throw new Error(`parity: '${dir}' is not a directory`);
  return readdirSync(dir)
    .filter((f) => f.endsWith('.safetensors'))
    .sort()
    .map((f) => join(dir, f));
}

/** Runs a directory of cases, printing one line per case and the summary; returns the failure count. */
export function runDirectory(dir: string, log: (line: string) => void = console.log): { passed: number; failed: number; results: Result[] } {
  const results = caseFiles(dir).map((f) => {
    const r = runCase(f);
    log(`${r.ok ? 'PASS' : 'FAIL'} ${r.name}${r.ok ? '' : ` — ${r.message}`}`);
    return r;
  });
  const passed = results.filter((r) => r.ok).length;
  const failed = results.length - passed;
  log(`${passed} passed, ${failed} failed`);
  return { passed, failed, results };
}
