/**
 * Where a training run keeps its checkpoint and its metrics. The loop only talks to this interface,
 * never to a file system: `NodeRunStorage` (node-storage.ts) keeps a run directory on Node, a browser
 * store can keep the same files elsewhere. Methods may return promises; the loop awaits them.
 */
import type { CheckpointFiles } from '../io/checkpoint.js';

export type Awaitable<T> = T | Promise<T>;

/** A run's files cannot be written (a full disk, no permission): one sentence naming the file. */
export class RunStorageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RunStorageError';
  }
}

/** One line of the metrics log: the step, and numbers by name (`loss`, `lr`, `val_loss`, ...). */
export type MetricsRecord = { step: number } & Record<string, number>;

export interface RunStorage {
  /** Where the checkpoint is, as people name it (a directory): for messages. */
  readonly checkpointLocation: string;
  /** Replaces the checkpoint by `files`, atomically: a later read sees the old files or the new ones, each set whole. */
  writeCheckpoint(files: CheckpointFiles): Awaitable<void>;
  /** The checkpoint's files, or null when there is none. */
  readCheckpoint(): Awaitable<CheckpointFiles | null>;
  /** Starts the metrics log of a run: keeps the records up to step `keepUpTo` (a resumed run), drops the rest. */
  startMetrics(keepUpTo: number): Awaitable<void>;
  appendMetrics(record: MetricsRecord): Awaitable<void>;
}

/** A storage that keeps everything in memory: for tests, and runs that need no files. */
export class MemoryRunStorage implements RunStorage {
  readonly checkpointLocation = 'memory';
  checkpoint: CheckpointFiles | null = null;
  metrics: MetricsRecord[] = [];

  writeCheckpoint(files: CheckpointFiles): void {
    this.checkpoint = new Map(files);
  }

  readCheckpoint(): CheckpointFiles | null {
    return this.checkpoint;
  }

  startMetrics(keepUpTo: number): void {
    this.metrics = this.metrics.filter((r) => r.step <= keepUpTo);
  }

  appendMetrics(record: MetricsRecord): void {
    this.metrics.push(record);
  }
}
