/**
 * `save` / `load` of a module's state dict as a safetensors file, with PyTorch's keys and layouts, so
 * `torch.nn.Module.load_state_dict(safetensors.torch.load_file(path))` reads it and the other way round.
 * Writes are atomic: a temporary sibling file is written and synced, then renamed over the target.
 * Node.js only (node:fs); the bytes themselves are tensors.ts's encodeTensors / decodeTensors.
 */
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import type { LoadResult, Module } from '../nn/module.js';
import { SafetensorsError } from './safetensors.js';
import { decodeTensors, encodeTensors } from './tensors.js';


/** Writes `bytes` to `path` atomically: a synced temporary file renamed over the target. */
export function writeFileAtomic(path: string, bytes: Uint8Array | string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w');
  try {
    if (typeof bytes === 'string') writeSync(fd, bytes);
    else writeSync(fd, bytes);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

/** Saves `module.stateDict()` to a safetensors file. */
export function save(module: Module, path: string, metadata: Record<string, string> = {}): void {
  writeFileAtomic(path, encodeTensors(module.stateDict(), metadata));
}

/** Loads a safetensors file into `module` (strict by default: missing, unexpected and mis-shaped keys are errors). */
export function load(module: Module, path: string, { strict = true } = {}): LoadResult {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new SafetensorsError(`${path}: cannot read the file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  const { tensors } = decodeTensors(bytes, path);
  return module.loadStateDict(tensors, { strict });
}
