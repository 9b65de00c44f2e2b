/**
 * SHA-256 digests of a checkpoint's files: recorded in `config.json` when they are saved, compared when
 * they are read, so a changed or corrupted byte is refused naming the file instead of loading wrong
 * weights. Portable and synchronous (@noble/hashes), so Node and the browser check the same way.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';

/** File name (within the checkpoint) -> hex SHA-256. */
export type Digests = Record<string, string>;

const HEX_SHA256 = /^[0-9a-f]{64}$/;

/** SHA-256 of bytes as 64 lowercase hex digits. */
export function sha256Hex(bytes: Uint8Array): string {
  return bytesToHex(sha256(bytes));
}

/** The digests of `files` (name -> bytes), in name order so the recorded JSON is stable. */
export function fileDigests(files: ReadonlyMap<string, Uint8Array>): Digests {
  const out: Digests = {};
  for (const name of [...files.keys()].sort()) out[name] = sha256Hex(files.get(name)!);
  return out;
}

/**
 * Why `recorded` (read from a file, so untrusted) is not a map of plain file names (no directories) to
 * hex SHA-256 digests, or null when it is.
 */
export function digestsProblem(recorded: unknown): string | null {
  if (typeof recorded !== 'object' || recorded === null || Array.isArray(recorded))
    return `'digests' is not an object of file names and SHA-256 digests (got ${JSON.stringify(recorded)})`;
  for (const [name, digest] of Object.entries(recorded)) {
    if (name === '' || name === '.' || name === '..' || /[/\\]/.test(name)) return `'digests' names '${name}', which is not a file name within the checkpoint`;
    if (typeof digest !== 'string' || !HEX_SHA256.test(digest)) return `'digests' has ${JSON.stringify(digest)} for '${name}', not a SHA-256 (64 hex digits)`;
  }
  return null;
}

/** Why `bytes` are not the file whose digest was `want`, or null when they are. */
export function digestMismatch(bytes: Uint8Array, want: string): string | null {
  const got = sha256Hex(bytes);
  return got === want ? null : `its SHA-256 ${got.slice(0, 12)}… differs from the ${want.slice(0, 12)}… recorded at save; the file was changed or corrupted after it was saved`;
}
