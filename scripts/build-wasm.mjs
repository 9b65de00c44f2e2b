#!/usr/bin/env node
// Compiles the AssemblyScript kernels (src/backends/wasm/as/*.ts) into one module, dist/wasm/loom.wasm,
// and writes the signature of every export (from asc's TypeScript bindings) to
// src/backends/wasm/signatures.generated.ts, against which tsc checks the kernel declarations of
// src/backends/wasm/kernels.ts: an AssemblyScript signature that differs from its declaration fails the build.
//
// The module imports the engine's shared memory as env.memory and has no runtime heap, no data segments
// and no imports besides the memory (checked below), so it never writes anywhere it was not told to.
//
//   node scripts/build-wasm.mjs          build dist/wasm/loom.wasm
//   node scripts/build-wasm.mjs --wat    also write dist/wasm/loom.wat (to read the generated code)

import { readdirSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import asc from 'assemblyscript/asc';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const kernelDir = join(root, 'src/backends/wasm/as');
const outDir = join(root, 'dist/wasm');
const outFile = join(outDir, 'loom.wasm');
const signaturesFile = join(root, 'src/backends/wasm/signatures.generated.ts');
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
  // The .d.ts of the bindings gives each export's parameters with their AssemblyScript types (the
  // bindings change nothing in the module, and their .js is not written).
  '--bindings', 'raw',
  '--baseDir', root,
];

let declarations = null;
const { error, stderr } = await asc.main(args, {
  writeFile(name, contents, baseDir) {
    if (name.endsWith('.d.ts')) declarations = contents;
    else if (name.endsWith('.js')) return;
    else {
      mkdirSync(dirname(join(baseDir, name)), { recursive: true });
      writeFileSync(join(baseDir, name), contents);
    }
  },
});
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
writeSignatures(exports);
console.log(`build-wasm: ${relative(root, outFile)} (${readFileSync(outFile).length} bytes), exports ${exports.join(', ')}`);

/**
 * Writes signatures.generated.ts: for each export, its parameters as `'name: type'` literals in order and
 * its result type, read from the doc comments asc writes into the bindings' .d.ts
 * (`@param x \`usize\``, `@returns \`f64\``).
 */
function writeSignatures(exportNames) {
  if (declarations === null) throw new Error('build-wasm: asc wrote no TypeScript declarations (--bindings raw)');
  const found = new Map();
  for (const m of declarations.matchAll(/\/\*\*([\s\S]*?)\*\/\s*export function (\w+)\(([^)]*)\)/g)) {
    const [, doc, name, list] = m;
    const params = [...doc.matchAll(/@param (\w+) `([^`]+)`/g)].map(([, p, type]) => `${p}: ${type}`);
    const arity = list.trim() === '' ? 0 : list.split(',').length;
    if (params.length !== arity) throw new Error(`build-wasm: ${name}: read ${params.length} parameter types for ${arity} parameters`);
    found.set(name, { params, result: /@returns `([^`]+)`/.exec(doc)?.[1] ?? 'void' });
  }
  const missing = exportNames.filter((e) => !found.has(e));
  if (missing.length > 0) throw new Error(`build-wasm: expected a declaration for every export, none for ${missing.join(', ')}`);
  const lines = exportNames.map((e) => {
    const { params, result } = found.get(e);
    return `  ${e}: { params: [${params.map((p) => `'${p}'`).join(', ')}]; result: '${result}' };`;
  });
  const text = [
    '// Generated by scripts/build-wasm.mjs from the exports of src/backends/wasm/as/*.ts. Do not edit; git ignores it.',
    '',
    '/** Every export of loom.wasm: its parameters (`name: AssemblyScript type`, in order) and its result. */',
    'export interface WasmSignatures {',
    ...lines,
    '}',
    '',
  ].join('\n');
  // rewritten only when it changes, so that tsc --watch does not rebuild for nothing
  let old = null;
  try {
    old = readFileSync(signaturesFile, 'utf8');
  } catch {}
  if (old !== text) writeFileSync(signaturesFile, text);
}

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
