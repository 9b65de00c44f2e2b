/** The hex SHA-256 of a text's UTF-8 bytes, to recognise the training data on resume (browser-safe). */
import { sha256Hex } from '../io/digests.js';

export function textHash(text: string): string {
  return sha256Hex(new TextEncoder().encode(text));
}
