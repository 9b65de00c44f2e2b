/**
 * A checkpoint's files in one download: a zip (fflate) holding `NAME/checkpoint/<files>`, a run
 * directory as `loom train --out NAME` leaves it, so after unzipping `loom sample --checkpoint NAME`
 * reads it and `loom train --out NAME --resume` continues it. Opening takes such a zip, or the files
 * of a checkpoint directory picked one by one.
 */
import { unzipSync, zipSync } from 'fflate';
import type { FileBytes } from './protocol.js';

/** The zip of a run directory `name` whose checkpoint is `files`. */
export function zipCheckpoint(name: string, files: FileBytes[]): Uint8Array {
  const checkpoint: Record<string, Uint8Array> = {};
  for (const f of files) checkpoint[f.name] = f.bytes;
  return zipSync({ [name]: { checkpoint } }, { level: 1 });
}

/** The checkpoint files (config.json, *.safetensors) in a zip, by their base names; other entries are left out. */
export function unzipCheckpoint(zip: Uint8Array): FileBytes[] {
  const entries = unzipSync(zip, { filter: (f) => /(^|\/)(config\.json|[^/]+\.safetensors)$/.test(f.name) });
  return Object.entries(entries).map(([path, bytes]) => ({ name: path.split('/').pop()!, bytes }));
}
