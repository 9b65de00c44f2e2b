/**
 * The browser entry is browser-safe: esbuild bundles dist/src/index.js, and the kernel pool's Web Worker
 * script it starts (web-worker.js), for `platform: 'browser'` with no plugin or polyfill, and no Node.js
 * builtin (node:* or a bare builtin name) is reachable from them. Prints the entry's bundle size,
 * minified and gzipped.
 */
import assert from 'node:assert/strict';
import { builtinModules } from 'node:module';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build, type Plugin } from 'esbuild';

const entry = fileURLToPath(new URL('../src/index.js', import.meta.url));
const workerScript = fileURLToPath(new URL('../src/backends/wasm/web-worker.js', import.meta.url));
const builtins = new Set(builtinModules);

/** Records every import of a Node builtin (and keeps it out of the bundle). */
function builtinImports(found: string[]): Plugin {
  return {
    name: 'node-builtins',
    setup(b) {
      b.onResolve({ filter: /.*/ }, (args) => {
        const bare = args.path.replace(/^node:/, '').split('/')[0];
        if (!args.path.startsWith('node:') && !builtins.has(bare)) return undefined;
        found.push(`${args.path} (imported by ${args.importer.replace(/^.*\/dist\//, 'dist/')})`);
        return { path: args.path, external: true };
      });
    },
  };
}

test('the browser entry and its worker script bundle for the browser without any Node builtin', async () => {
  const found: string[] = [];
  const result = await build({
    entryPoints: { index: entry, 'web-worker': workerScript },
    outdir: 'bundle',
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    minify: true,
    write: false,
    logLevel: 'silent',
    plugins: [builtinImports(found)],
  });
  assert.deepEqual(found, [], `expected no Node builtin in the browser bundle, found:\n  ${found.join('\n  ')}`);
  const js = result.outputFiles.find((f) => f.path.endsWith('index.js'))!.contents;
  const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
  console.log(`browser bundle of dist/src/index.js: ${kib(js.length)} minified, ${kib(gzipSync(js).length)} gzipped (without loom.wasm)`);
});

test('the check finds a Node builtin when one is reachable', async () => {
  const found: string[] = [];
  await build({
    entryPoints: [fileURLToPath(new URL('../src/node.js', import.meta.url))],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    write: false,
    logLevel: 'silent',
    plugins: [builtinImports(found)],
  });
  assert.ok(found.some((f) => f.startsWith('node:worker_threads')), `expected node:worker_threads among ${found.join(', ')}`);
});
