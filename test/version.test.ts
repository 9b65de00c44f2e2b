/** LOOM_VERSION, which checkpoints record, is the version in package.json. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { LOOM_VERSION } from '../src/version.js';

test('LOOM_VERSION equals the version in package.json', () => {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  assert.equal(LOOM_VERSION, pkg.version);
});
