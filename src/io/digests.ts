/**
 * SHA-256 digests of a checkpoint's files: recorded when they are saved, compared when they are loaded,
 * so a changed or corrupted byte is refused naming the file instead of loading wrong weights.
 *
 * Portable (no Node modules): the digest function is passed in. In Node it is `sha256` of
 * `digests-node.ts` (node:crypto), which also re-reads a directory (`verifyDigests`); a browser computes
 * the digests with `crypto.subtle.digest('SHA-256', bytes)` (asynchronous) and hands them to
 * `checkDigests`.
 */
import { SafetensorsError } from './safetensors.js';

/** SHA-256 of bytes as 64 lowercase hex digits. */
export type Sha256 = (bytes: Uint8Array) => string;

/** File name (within the checkpoint directory) -> hex SHA-256. */
export type Digests = Record<string, string>;

const HEX_SHA256 = /^[0-9a-f]{64}$/;

/** The digests of `files` (name -> bytes), in name order so the recorded JSON is stable. */
export function fileDigests(files: ReadonlyMap<string, Uint8Array>, sha256: Sha256): Digests {
  const out: Digests = {};
  for (const name of [...files.keys()].sort()) out[name] = sha256(files.get(name)!);
  return out;
}

/**
 * Throws a SafetensorsError unless `recorded` (read from a file, so untrusted) maps plain file names (no
 * directories) to hex SHA-256 digests; `dir` names the checkpoint.
 */
export function checkRecordedDigests(dir: string, recorded: unknown): asserts recorded is Digests {
  if (typeof recorded !== 'object' || recorded === null || Array.isArray(recorded))
    throw new SafetensorsError(`${dir}: the recorded digests are not an object of file names and SHA-256 digests (got ${JSON.stringify(recorded)})`);
  for (const [name, digest] of Object.entries(recorded)) {
    if (name === '' || name === '.' || name === '..' || /[/\\]/.test(name))
      throw new SafetensorsError(`${dir}: the recorded digests name '${name}', which is not a file name within the checkpoint`);
    if (typeof digest !== 'string' || !HEX_SHA256.test(digest))
      throw new SafetensorsError(`${dir}: the recorded digest of '${name}' is ${JSON.stringify(digest)}, not a SHA-256 (64 hex digits)`);
  }
}

/**
 * Compares the digests of the files as they are now (`actual`; a file absent from it is missing) with
 * those recorded at save; throws a SafetensorsError naming the first file that differs.
 */
export function checkDigests(dir: string, recorded: Digests, actual: Digests): void {
  checkRecordedDigests(dir, recorded);
  for (const [name, want] of Object.entries(recorded)) {
    const path = `${dir}/${name}`;
    const got = actual[name];
    if (got === undefined) throw new SafetensorsError(`${path}: the file is missing, but the checkpoint recorded its SHA-256`);
    if (got !== want)
      throw new SafetensorsError(`${path}: SHA-256 ${got.slice(0, 12)}… differs from the ${want.slice(0, 12)}… recorded at save; the file was changed or corrupted after it was saved`);
  }
}
