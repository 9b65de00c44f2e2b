/** Node's side of the checkpoint digests (see digests.ts): SHA-256 by node:crypto, files read from disk. */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkDigests, checkRecordedDigests, type Digests, type Sha256 } from './digests.js';
import { SafetensorsError } from './safetensors.js';

/** SHA-256 of bytes as 64 lowercase hex digits (node:crypto). */
export const sha256: Sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

/**
 * Re-reads every file `recorded` names in `dir` and throws a SafetensorsError naming the first one that
 * is missing, unreadable or whose SHA-256 differs from the recorded one.
 *
 * @example
 *   if (meta.digests !== undefined) verifyDigests(dir, meta.digests);
 */
export function verifyDigests(dir: string, recorded: Digests, hash: Sha256 = sha256): void {
  checkRecordedDigests(dir, recorded);
  const actual: Digests = {};
  for (const name of Object.keys(recorded)) {
    const path = join(dir, name);
    let bytes: Uint8Array;
    try {
      bytes = readFileSync(path);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') continue; // checkDigests names it as missing
      throw new SafetensorsError(`${path}: cannot read the file (${code ?? (e as Error).message})`);
    }
    actual[name] = hash(bytes);
  }
  checkDigests(dir, recorded, actual);
}
