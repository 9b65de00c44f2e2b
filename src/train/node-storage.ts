/**
 * A training run in a directory on Node:
 *
 *   DIR/checkpoint/     the latest checkpoint, written atomically (src/io/checkpoint-dir.ts)
 *   DIR/metrics.jsonl   one JSON line per step (`{"step", "loss", "lr", ...}`) and per evaluation
 *
 * A new run in the directory of an earlier one writes its metrics beside the old ones
 * (`metrics.jsonl.new`) until its first checkpoint replaces the old checkpoint; then its metrics replace
 * the old ones. Until then, a kill leaves the earlier run whole: its checkpoint with its metrics.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { CheckpointFiles } from '../io/checkpoint.js';
import { hasCheckpointDir, readCheckpointDir, writeCheckpointDir, writeFailure, type SaveHook } from '../io/checkpoint-dir.js';
import { RunStorageError, type MetricsRecord, type RunStorage } from './storage.js';

export class NodeRunStorage implements RunStorage {
  readonly checkpointLocation: string;
  readonly metricsPath: string;
  /** Where the metrics go: metricsPath, or its `.new` sibling while an earlier run's checkpoint stands. */
  private metricsTarget: string;
  /** prepare()'s answer, once asked. */
  private prepared: string | null | undefined;

  /** `hook` is called after each stage of every checkpoint save (a test hook, see SaveHook). */
  constructor(
    readonly dir: string,
    private readonly hook?: SaveHook,
  ) {
    this.checkpointLocation = join(dir, 'checkpoint');
    this.metricsPath = join(dir, 'metrics.jsonl');
    this.metricsTarget = this.metricsPath;
  }

  hasCheckpoint(): boolean {
    return hasCheckpointDir(this.checkpointLocation);
  }

  writeCheckpoint(files: CheckpointFiles): void {
    writeCheckpointDir(this.checkpointLocation, files, this.hook);
    if (this.metricsTarget !== this.metricsPath) {
      renameSync(this.metricsTarget, this.metricsPath);
      this.metricsTarget = this.metricsPath;
    }
  }

  readCheckpoint(): CheckpointFiles | null {
    return this.hasCheckpoint() ? readCheckpointDir(this.checkpointLocation) : null;
  }

  /**
   * Makes the run directory, or says why it cannot hold a run (see prepareRunDirectory); a caller that
   * wants the answer before any work (the CLI, before it reads data) asks first, the loop's first
   * write asks again at no cost.
   */
  prepare(): string | null {
    if (this.prepared === undefined) this.prepared = prepareRunDirectory(this.dir);
    return this.prepared;
  }

  /** A fresh run starts metrics.jsonl anew; a resumed one keeps the records up to its checkpoint's step. */
  startMetrics(keepUpTo: number): void {
    const problem = this.prepare();
    if (problem) throw new Error(`run directory '${this.dir}': ${problem}`);
    let kept = '';
    if (keepUpTo > 0 && existsSync(this.metricsPath)) {
      kept = readFileSync(this.metricsPath, 'utf8')
        .split('\n')
        .filter((line) => {
          try {
            return line !== '' && (JSON.parse(line) as MetricsRecord).step <= keepUpTo;
          } catch {
            return false;
          }
        })
        .map((line) => `${line}\n`)
        .join('');
    }
    const pending = `${this.metricsPath}.new`;
    rmSync(pending, { force: true }); // a new run killed before its first checkpoint
    this.metricsTarget = keepUpTo === 0 && this.hasCheckpoint() ? pending : this.metricsPath;
    this.writeMetrics(() => writeFileSync(this.metricsTarget, kept));
  }

  appendMetrics(record: MetricsRecord): void {
    this.writeMetrics(() => appendFileSync(this.metricsTarget, `${JSON.stringify(record)}\n`));
  }

  private writeMetrics(write: () => void): void {
    try {
      write();
    } catch (e) {
      throw new RunStorageError(`cannot write the metrics log '${this.metricsTarget}': ${writeFailure(e)}`);
    }
  }
}

/** Kernel file systems: a run directory there would spin (procfs) or be refused part-way (sysfs, devices). */
const SPECIAL = ['/proc', '/sys', '/dev'];

/**
 * Creates `dir` for a run and returns null once it exists and takes a file, or says why it cannot hold
 * a run. Creates the missing directories one level at a time (a recursive mkdir can retry forever on
 * procfs).
 */
export function prepareRunDirectory(dir: string): string | null {
  if (dir.trim() === '') return 'the run directory is empty; name a directory';
  const abs = resolve(dir);
  const missing: string[] = [];
  let existing = abs;
  while (!existsSync(existing)) {
    missing.unshift(existing);
    existing = dirname(existing);
  }
  const real = realpathSync(existing);
  if (SPECIAL.some((d) => real === d || real.startsWith(`${d}/`))) return `'${real}' is on a kernel file system, not a place for files`;
  if (!statSync(real).isDirectory()) return missing.length ? `'${existing}' is a file, so nothing can lie under it` : 'it is a file, not a directory';
  try {
    for (const d of missing) mkdirSync(d);
    const probe = join(abs, `.loom-write-test-${process.pid}`);
    writeFileSync(probe, '');
    rmSync(probe);
  } catch (e) {
    return `it cannot be written (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`;
  }
  return null;
}
