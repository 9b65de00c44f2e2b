/**
 * Checkpoints as directories on Node: one file per entry of `CheckpointFiles` (see checkpoint.ts),
 * written atomically.
 *
 * Atomic write: everything goes into the sibling `DIR.tmp-<pid>`, each file fsynced; then the old
 * checkpoint is renamed to `DIR.old`, the new one renamed to `DIR`, and `DIR.old` removed. A crash at
 * any moment leaves either `DIR` complete, or only `DIR.old` complete (between the two renames), which
 * `readCheckpointDir` renames back. Readers never see a half-written `DIR`.
 */
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { CheckpointError, decodeCheckpoint, encodeCheckpoint, type Checkpoint, type CheckpointContents, type CheckpointFiles } from './checkpoint.js';

/** Test hook: called after each stage of a save (`wrote <file>`, `moved old`, `renamed`). */
export type SaveHook = (stage: string) => void;

/** Writes the files of a checkpoint to the directory `dir` atomically (see the file comment), replacing the previous one. */
export function writeCheckpointDir(dir: string, files: CheckpointFiles, hook: SaveHook = () => {}): void {
  const parent = dirname(dir);
  mkdirSync(parent, { recursive: true });
  removeStaleTemps(dir);
  const tmp = `${dir}.tmp-${process.pid}`;
  const old = `${dir}.old`;
  try {
    mkdirSync(tmp);
    for (const [name, bytes] of files) {
      writeSynced(join(tmp, name), bytes);
      hook(`wrote ${name}`);
    }
    fsyncPath(tmp);
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    const previous = existsSync(dir) ? 'the previous checkpoint is intact' : 'no checkpoint was saved';
    throw new CheckpointError(`cannot save the checkpoint '${dir}': ${writeFailure(e)}; ${previous}`);
  }

  if (existsSync(dir)) {
    rmSync(old, { recursive: true, force: true });
    renameSync(dir, old);
    hook('moved old');
  }
  renameSync(tmp, dir);
  fsyncPath(parent);
  hook('renamed');
  rmSync(old, { recursive: true, force: true });
}

/** Why a write failed, for people: a full disk or quota said in words, other errors by their code. */
export function writeFailure(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOSPC') return 'the disk is full (ENOSPC); free some space and run again';
  if (code === 'EDQUOT') return 'the disk quota is exhausted (EDQUOT)';
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') return `it cannot be written (${code})`;
  return code ?? (e as Error).message;
}

/** True when `dir` holds a checkpoint, or its `.old` copy that a read restores. */
export function hasCheckpointDir(dir: string): boolean {
  return existsSync(dir) || existsSync(`${dir}.old`);
}

/**
 * The files of the checkpoint directory `dir`. A directory that only survives as `DIR.old` (a save
 * interrupted between its renames) is restored first. Throws a CheckpointError when it is missing or
 * unreadable.
 */
export function readCheckpointDir(dir: string): CheckpointFiles {
  recover(dir);
  let stats;
  try {
    stats = statSync(dir, { throwIfNoEntry: false });
  } catch (e) {
    throw new CheckpointError(`checkpoint '${dir}' cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  if (!stats) throw new CheckpointError(`checkpoint '${dir}' does not exist`);
  if (!stats.isDirectory()) throw new CheckpointError(`checkpoint '${dir}' is not a directory (a checkpoint is a directory holding config.json and model.safetensors)`);
  const files: CheckpointFiles = new Map();
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(dir, entry.name);
    try {
      files.set(entry.name, readFileSync(path));
    } catch (e) {
      throw new CheckpointError(`checkpoint file '${path}' cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
  }
  return files;
}

/**
 * The checkpoint directory a user's path means: the path itself, or `PATH/checkpoint` when the path is
 * a training run's `--out` directory.
 */
export function resolveCheckpointDir(path: string): string {
  const inner = join(path, 'checkpoint');
  if (!existsSync(join(path, 'config.json')) && hasCheckpointDir(inner)) return inner;
  return path;
}

/** Encodes and writes a checkpoint directory atomically. */
export function saveCheckpoint(dir: string, contents: CheckpointContents, hook?: SaveHook): void {
  writeCheckpointDir(dir, encodeCheckpoint(contents), hook);
}

/**
 * Reads and decodes the checkpoint at `path` (a checkpoint directory or a run directory). The files
 * are checked as they are used: by the task that rebuilds the model, and by the loop on resume.
 *
 * @example
 *   const ckpt = loadCheckpoint('runs/lstm');   // ckpt.meta.task === 'char-lm', ckpt.meta.step, ...
 */
export function loadCheckpoint(path: string): Checkpoint {
  const dir = resolveCheckpointDir(path);
  return decodeCheckpoint(readCheckpointDir(dir), dir);
}

function writeSynced(path: string, bytes: Uint8Array | string): void {
  const fd = openSync(path, 'w');
  try {
    writeFileSync(fd, bytes);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** fsync a directory so renames and new entries in it are durable (not possible on every platform). */
function fsyncPath(path: string): void {
  try {
    const fd = openSync(path, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Windows cannot open directories; the renames are still atomic
  }
}

/** Removes `DIR.tmp-<pid>` siblings left by crashed saves (their process no longer runs, or it is us). */
function removeStaleTemps(dir: string): void {
  const parent = dirname(dir);
  const prefix = `${basename(dir)}.tmp-`;
  for (const name of readdirSync(parent)) {
    if (!name.startsWith(prefix)) continue;
    const pid = Number(name.slice(prefix.length));
    if (pid === process.pid || !isAlive(pid)) rmSync(join(parent, name), { recursive: true, force: true });
  }
}

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A checkpoint interrupted between its two renames survives only as DIR.old: put it back. */
function recover(dir: string): void {
  const old = `${dir}.old`;
  if (!existsSync(dir) && existsSync(old)) {
    try {
      renameSync(old, dir);
    } catch {
      // read-only location: leave it; the read reports the missing directory
    }
  }
}

/**
 * The task that wrote the checkpoint at `path` (a checkpoint or run directory), read from its
 * `config.json` alone (version 1, which has no `task`: `char-lm`); null when that file cannot be read
 * as a JSON object, which loading the checkpoint then reports in full.
 */
export function checkpointTask(path: string): string | null {
  try {
    const meta: unknown = JSON.parse(readFileSync(join(resolveCheckpointDir(path), 'config.json'), 'utf8'));
    if (typeof meta !== 'object' || meta === null) return null;
    const task = (meta as { task?: unknown }).task;
    return typeof task === 'string' ? task : 'char-lm';
  } catch {
    return null;
  }
}
