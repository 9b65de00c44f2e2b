/**
 * The layering of src/: io knows no model list, and the training loop and the tasks import no Node
 * builtin (directly or through what they import), so that they can run in a browser.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** The static imports of a source file: relative ones as paths under the repository, the others as written. */
function imports(file: string): string[] {
  const text = readFileSync(join(root, file), 'utf8');
  const specs = [...text.matchAll(/^(?:import|export)\s[^;]*?\sfrom\s+'([^']+)'/gms), ...text.matchAll(/^import\s+'([^']+)'/gm)].map((m) => m[1]);
  return specs.map((s) => (s.startsWith('.') ? relative(root, join(root, dirname(file), s)).replace(/\.js$/, '.ts') : s));
}

/** Every module `file` reaches through static imports (itself included). */
function closure(file: string): Set<string> {
  const seen = new Set<string>();
  const visit = (f: string) => {
    if (seen.has(f)) return;
    seen.add(f);
    if (f.startsWith('src/')) for (const i of imports(f)) visit(i);
  };
  visit(file);
  return seen;
}

test('src/io imports nothing from src/models, src/tasks, src/train or src/cli', () => {
  for (const f of ['src/io/checkpoint.ts', 'src/io/checkpoint-dir.ts', 'src/io/state.ts', 'src/io/tensors.ts', 'src/io/safetensors.ts'])
    for (const i of closure(f)) assert.ok(!/^src\/(models|tasks|train|cli)\//.test(i), `${f} reaches ${i}`);
});

test('the training loop and the char-lm task reach no Node builtin', () => {
  for (const f of ['src/train/index.ts', 'src/tasks/char-lm/index.ts']) {
    const node = [...closure(f)].filter((i) => i.startsWith('node:'));
    assert.deepEqual(node, [], `${f} reaches ${node.join(', ')}`);
  }
});

test('an import this test cannot follow is a failure, not a pass', () => {
  assert.ok(closure('src/train/loop.ts').has('src/io/checkpoint.ts'));
  assert.ok(closure('src/cli/train.ts').has('node:path'));
});
