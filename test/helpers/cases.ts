/**
 * The tests' one case loader: the PyTorch parity cases committed in test/parity, one folder per area
 * (see test/parity/README.md), read with the library's `loadCase` and run with its runner. A case is
 * named by its path under test/parity without `.safetensors`: `recurrent/lstm_1layer`.
 *
 * @example
 *   const c = parityCase('layers/linear');   // c.name, c.spec, c.tensor('output/output'), c.keys('param/')
 *   for (const c of parityCases('optim')) ... // every case of one area
 *   testParityCases('vision');               // one test per vision case, through the runner
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Case } from '../../src/parity/case.js';
import { caseFiles, caseName, loadCase, runCase } from '../../src/parity/runner.js';

export type { Case };

/** test/parity in the source tree (the compiled helpers run from dist/test/helpers). */
export const PARITY_DIR = fileURLToPath(new URL('../../../test/parity', import.meta.url));

/** The case `area/name` of test/parity, e.g. `parityCase('recurrent/lstm_1layer')`; its `name` is `area/name`. */
export function parityCase(name: string): Case {
  return { ...loadCase(join(PARITY_DIR, `${name}.safetensors`)), name };
}

/** Every case of one area folder (of all test/parity without `area`), sorted by name. */
export function parityCases(area?: string): Case[] {
  return parityFiles(area).map((file) => parityCase(parityName(file)));
}

/** The case files of one area folder of test/parity (all of test/parity without `area`), sorted. */
export function parityFiles(area?: string): string[] {
  return caseFiles(area ? join(PARITY_DIR, area) : PARITY_DIR);
}

/** A case file's name under test/parity: `recurrent/lstm_1layer`. */
export function parityName(file: string): string {
  return caseName(PARITY_DIR, file);
}

/** Registers one test per case of an area, named `area/name`, that runs it through the parity runner; returns the names. */
export function testParityCases(area: string): string[] {
  return parityFiles(area).map((file) => {
    const name = parityName(file);
    test(name, () => {
      const r = runCase(file, name);
      assert.ok(r.ok, r.message);
    });
    return name;
  });
}
