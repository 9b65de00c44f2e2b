/**
 * A training run in a directory on Node:
 *
 *   DIR/checkpoint/     the latest checkpoint, written atomically (src/io/checkpoint-dir.ts)
 *   DIR/metrics.jsonl   one JSON line per step (`{"step", "loss", "lr", ...}`) and per evaluation
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CheckpointFiles } from '../io/checkpoint.js';
import { hasCheckpointDir, readCheckpointDir, writeCheckpointDir, type SaveHook } from '../io/checkpoint-dir.js';
import type { MetricsRecord, RunStorage } from './storage.js';

export class NodeRunStorage implements RunStorage {
  readonly checkpointLocation: string;
  readonly metricsPath: string;

  /** `hook` is called after each stage of every checkpoint save (a test hook, see SaveHook). */
  constructor(
    readonly dir: string,
    private readonly hook?: SaveHook,
  ) {
    this.checkpointLocation = join(dir, 'checkpoint');
    this.metricsPath = join(dir, 'metrics.jsonl');
  }

  hasCheckpoint(): boolean {
    return hasCheckpointDir(this.checkpointLocation);
  }

  writeCheckpoint(files: CheckpointFiles): void {
    writeCheckpointDir(this.checkpointLocation, files, this.hook);
  }

  readCheckpoint(): CheckpointFiles | null {
    return this.hasCheckpoint() ? readCheckpointDir(this.checkpointLocation) : null;
  }

  /** A fresh run starts metrics.jsonl anew; a resumed one keeps the records up to its checkpoint's step. */
  startMetrics(keepUpTo: number): void {
    mkdirSync(this.dir, { recursive: true });
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
    writeFileSync(this.metricsPath, kept);
  }

  appendMetrics(record: MetricsRecord): void {
    appendFileSync(this.metricsPath, `${JSON.stringify(record)}\n`);
  }
}
