#!/usr/bin/env node
// Compiles the AssemblyScript kernels (src/backends/wasm/as/*.ts) twice, from the same sources: into
// dist/wasm/loom.wasm (plain WebAssembly SIMD) and into dist/wasm/loom-relaxed.wasm (with relaxed SIMD:
// as/lib/fma.ts's multiply-add becomes f32x4.relaxed_madd, a fused multiply-add). Both builds export the
// same kernels with the same signatures (checked below). It writes the signature of every export (from asc's TypeScript bindings) to
// src/backends/wasm/signatures.generated.ts, against which tsc checks the kernel declarations of
// src/backends/wasm/kernels.ts: an AssemblyScript signature that differs from its declaration fails the build.
//
// The module imports the engine's shared memory as env.memory and has no runtime heap, no data segments
// and no imports besides the memory (checked below), so it never writes anywhere it was not told to.
//
//   node scripts/build-wasm.mjs          build dist/wasm/loom.wasm and dist/wasm/loom-relaxed.wasm
//   node scripts/build-wasm.mjs --wat    also write dist/wasm/loom.wat and loom-relaxed.wat (to read the generated code)

import { readdirSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import asc from 'assemblyscript/asc';

// Node 20 validates relaxed SIMD only behind a flag (Node 22 has it on); set before any module is compiled.
// The probe is src/backends/wasm/simd.ts's: one function doing f32x4.relaxed_madd.
const RELAXED_PROBE = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 8, 1, 96, 3, 123, 123, 123, 1, 123, 3, 2, 1, 0, 10, 13, 1, 11, 0, 32, 0, 32, 1, 32, 2, 253, 133, 2, 11]);
if (!WebAssembly.validate(RELAXED_PROBE)) setFlagsFromString('--experimental-wasm-relaxed-simd');

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const kernelDir = join(root, 'src/backends/wasm/as');
const outDir = join(root, 'dist/wasm');
const signaturesFile = join(root, 'src/backends/wasm/signatures.generated.ts');
const wantWat = process.argv.includes('--wat');

const entries = readdirSync(kernelDir)
  .filter((f) => f.endsWith('.ts'))
  .sort()
  .map((f) => relative(root, join(kernelDir, f)));
if (entries.length === 0) throw new Error(`build-wasm: expected kernels in ${kernelDir}, found none`);

mkdirSync(outDir, { recursive: true });

/** The two builds: their file, and the features beyond simd and threads. */
const BUILDS = [
  { file: 'loom.wasm', features: [] },
  { file: 'loom-relaxed.wasm', features: ['relaxed-simd'] },
];

const built = [];
for (const { file, features } of BUILDS) built.push({ file, ...(await compile(join(outDir, file), features)) });
const [plain, relaxed] = built;
// The backend loads either build behind the same declarations (kernels.ts), checked against the plain one.
if (relaxed.declarations !== plain.declarations || relaxed.exports.join() !== plain.exports.join()) {
  throw new Error(`build-wasm: expected ${relaxed.file} to export the same kernels with the same signatures as ${plain.file}`);
}
writeSignatures(plain.exports, plain.declarations);
for (const b of built) console.log(`build-wasm: dist/wasm/${b.file} (${b.bytes} bytes)`);
console.log(`build-wasm: exports ${plain.exports.join(', ')}`);

/**
 * Compiles every kernel file into `outFile` with `features` enabled beyond simd and threads, checks that
 * the module imports only env.memory and has no data section, and gives its exports and the bindings'
 * TypeScript declarations.
 */
async function compile(outFile, features) {
  const wat = outFile.replace(/\.wasm$/, '.wat');
  const args = [
    ...entries,
    '--outFile', relative(root, outFile),
    ...(wantWat ? ['--textFile', relative(root, wat)] : []),
    '-O3',
    '--noAssert',
    '--runtime', 'stub',
    '--enable', 'simd',
    '--enable', 'threads',
    ...features.flatMap((f) => ['--enable', f]),
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
  const name = relative(root, outFile);
  if (error) {
    console.error(stderr.toString());
    console.error(`build-wasm: asc failed on ${name}: ${error.message}`);
    process.exit(1);
  }
  if (declarations === null) throw new Error(`build-wasm: asc wrote no TypeScript declarations for ${name} (--bindings raw)`);

  // The memory is shared with the TypeScript heap: a data segment would overwrite tensors at instantiation.
  const bytes = readFileSync(outFile);
  const mod = new WebAssembly.Module(bytes);
  const imports = WebAssembly.Module.imports(mod);
  const unexpected = imports.filter((i) => !(i.module === 'env' && i.name === 'memory' && i.kind === 'memory'));
  if (unexpected.length > 0) {
    throw new Error(`build-wasm: ${name}: expected only env.memory as import, found ${JSON.stringify(unexpected)}`);
  }
  if (hasDataSection(bytes)) {
    throw new Error(`build-wasm: ${name} has a data section; it would overwrite the start of the shared memory`);
  }
  return { exports: WebAssembly.Module.exports(mod).map((e) => e.name), declarations, bytes: bytes.length };
}

/**
 * Writes signatures.generated.ts: for each export, its parameters as `'name: type'` literals in order and
 * its result type, read from the doc comments asc writes into the bindings' .d.ts
 * (`@param x \`usize\``, `@returns \`f64\``).
 */
function writeSignatures(exportNames, declarations) {
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
