#!/usr/bin/env node
// Compiles the AssemblyScript kernels (src/backends/wasm/as/*.ts) into one module, dist/wasm/loom.wasm.
//
// The module imports the engine's shared memory as env.memory and has no runtime heap, no data segments
// and no imports besides the memory (checked below), so it never writes anywhere it was not told to.
//
//   node scripts/build-wasm.mjs          build dist/wasm/loom.wasm
//   node scripts/build-wasm.mjs --wat    also write dist/wasm/loom.wat (to read the generated code)

import { readdirSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import asc from 'assemblyscript/asc';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const kernelDir = join(root, 'src/backends/wasm/as');
const outDir = join(root, 'dist/wasm');
const outFile = join(outDir, 'loom.wasm');
const wantWat = process.argv.includes('--wat');

const entries = readdirSync(kernelDir)
  .filter((f) => f.endsWith('.ts'))
  .sort()
  .map((f) => relative(root, join(kernelDir, f)));
if (entries.length === 0) throw new Error(`build-wasm: expected kernels in ${kernelDir}, found none`);

mkdirSync(outDir, { recursive: true });
const args = [
  ...entries,
  '--outFile', relative(root, outFile),
  ...(wantWat ? ['--textFile', relative(root, join(outDir, 'loom.wat'))] : []),
  '-O3',
  '--noAssert',
  '--runtime', 'stub',
  '--enable', 'simd',
  '--enable', 'threads',
  '--importMemory',
  '--noExportMemory',
  '--sharedMemory',
  '--initialMemory', '0',
  '--maximumMemory', '65536',
  // No `abort` import: kernels never assert, and an abort would need its message strings as data.
  '--use', 'abort=',
  '--baseDir', root,
];

const { error, stderr } = await asc.main(args);
if (error) {
  console.error(stderr.toString());
  console.error(`build-wasm: asc failed: ${error.message}`);
  process.exit(1);
}

// The memory is shared with the TypeScript heap: a data segment would overwrite tensors at instantiation.
const mod = new WebAssembly.Module(readFileSync(outFile));
const imports = WebAssembly.Module.imports(mod);
const unexpected = imports.filter((i) => !(i.module === 'env' && i.name === 'memory' && i.kind === 'memory'));
if (unexpected.length > 0) {
  throw new Error(`build-wasm: expected only env.memory as import, found ${JSON.stringify(unexpected)}`);
}
if (hasDataSection(readFileSync(outFile))) {
  throw new Error('build-wasm: the module has a data section; it would overwrite the start of the shared memory');
}
const exports = WebAssembly.Module.exports(mod).map((e) => e.name);
console.log(`build-wasm: ${relative(root, outFile)} (${readFileSync(outFile).length} bytes), exports ${exports.join(', ')}`);

/** Walks the section headers of a wasm binary and tells whether a non-empty data section (id 11) is there. */
function hasDataSection(bytes) {
  let p = 8; // magic + version
  const leb = () => {
    let result = 0;
    let shift = 0;
    for (;;) {
      const byte = bytes[p++];
      result |= (byte & 0x7f) << shift;
      shift += 7;
      if ((byte & 0x80) === 0) return result >>> 0;
    }
  };
  while (p < bytes.length) {
    const id = bytes[p++];
    const size = leb();
    const end = p + size;
    if (id === 11 && leb() > 0) return true;
    p = end;
  }
  return false;
}
