/**
 * The browser tests' web server (node:http, 127.0.0.1 only, a free port): serves the built package
 * (dist/), the parity cases (test/parity/) and the test page, cross-origin isolated
 * (Cross-Origin-Opener-Policy: same-origin, Cross-Origin-Embedder-Policy: require-corp). Under /plain/
 * the same files come without those headers: a page that is not cross-origin isolated.
 *
 *   /                      the test page (empty; the tests import modules into it)
 *   /parity-cases.json     the parity case files, as paths under /test/parity/
 *   /readme-example.js     the README's "30 seconds" example, its import pointed at dist/src/index.js
 *   <mount>/...            the files of a directory a test mounts (startServer's `mounts`)
 *
 * Like a bundler's dev server, it points the package's imports of its dependencies (bare specifiers such
 * as `@noble/hashes/sha2.js`) at the files Node resolves them to under /node_modules/, which pages and
 * workers then load.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { transformSync } from 'esbuild';

const root = fileURLToPath(new URL('../../../', import.meta.url));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.wasm': 'application/wasm',
  '.safetensors': 'application/octet-stream',
};

/** Folders of the repository the server may serve files from: the package, its cases, its dependencies. */
const SERVED = ['dist', 'test/parity', 'node_modules'];

/**
 * `from 'csv-parse/sync'` (a bare specifier) -> `from '/node_modules/csv-parse/lib/sync.js'`: the file
 * Node resolves it to (through the package's export map), as a bundler would.
 */
function resolveBareImports(js: string): string {
  return js.replace(/(\bfrom\s*|\bimport\s*\(?\s*)(['"])(@?[a-z][^'"./][^'"]*)\2/g, (_, kw: string, q: string, spec: string) => {
    let file: string;
    try {
      file = fileURLToPath(import.meta.resolve(spec));
    } catch {
      return `${kw}${q}${spec}${q}`; // not a package (the pattern also meets strings in code)
    }
    return `${kw}${q}/${relative(root, file).split(sep).join('/')}${q}`;
  });
}

/** The code of the README's "## 30 seconds" section, as JavaScript importing the built browser entry. */
export function readmeExample(): string {
  const source = readmeExampleSource();
  const ts = source.replace(/from 'loom-nn'/g, "from '/dist/src/index.js'");
  if (ts === source) throw new Error("README.md: expected the 30-second example to import from 'loom-nn'");
  return transformSync(ts, { loader: 'ts', format: 'esm' }).code;
}

/** The TypeScript of the README's "## 30 seconds" section, as written (importing from 'loom-nn'). */
export function readmeExampleSource(): string {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const m = /^## 30 seconds\s*\n+```ts\n([\s\S]*?)\n```/m.exec(readme);
  if (!m) throw new Error('README.md: expected a "## 30 seconds" section with a ```ts block');
  return m[1];
}

/** Every *.safetensors file under `dir` (and its folders). */
function safetensorsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? safetensorsFiles(join(dir, e.name)) : e.name.endsWith('.safetensors') ? [join(dir, e.name)] : [],
  );
}

/** The parity cases as URL paths, sorted. */
function parityCases(): string[] {
  return safetensorsFiles(join(root, 'test/parity')).map((f) => `/${relative(root, f).split(sep).join('/')}`).sort();
}

function body(path: string, mounts: Record<string, string>): { type: string; data: string | Buffer } | null {
  for (const [prefix, dir] of Object.entries(mounts)) {
    if (!path.startsWith(prefix)) continue;
    const rel = normalize(decodeURIComponent(path.slice(prefix.length)));
    if (rel.startsWith('..')) return null;
    const file = join(dir, rel);
    return statSync(file, { throwIfNoEntry: false })?.isFile() ? { type: TYPES[extname(file)] ?? 'application/octet-stream', data: readFileSync(file) } : null;
  }
  if (path === '/') return { type: TYPES['.html'], data: '<!doctype html><meta charset="utf-8"><title>Loom browser tests</title>' };
  if (path === '/parity-cases.json') return { type: TYPES['.json'], data: JSON.stringify(parityCases()) };
  if (path === '/readme-example.js') return { type: TYPES['.js'], data: readmeExample() };
  if (path === '/favicon.ico') return { type: 'image/x-icon', data: '' };
  const rel = normalize(decodeURIComponent(path)).replace(/^\/+/, '');
  if (!SERVED.some((d) => rel === d || rel.startsWith(`${d}/`))) return null;
  const file = join(root, rel);
  if (!statSync(file, { throwIfNoEntry: false })?.isFile()) return null;
  const type = TYPES[extname(file)] ?? 'application/octet-stream';
  return { type, data: extname(file) === '.js' ? resolveBareImports(readFileSync(file, 'utf8')) : readFileSync(file) };
}

export interface TestServer {
  /** http://127.0.0.1:PORT */
  readonly origin: string;
  close(): Promise<void>;
}

/** Starts the server on 127.0.0.1 at a free port; `mounts` serves more directories (URL prefix -> directory). */
export async function startServer(mounts: Record<string, string> = {}): Promise<TestServer> {
  const server: Server = createServer((req, res) => {
    let path = new URL(req.url ?? '/', 'http://x').pathname;
    const isolated = !path.startsWith('/plain/');
    if (!isolated) path = path.slice('/plain'.length);
    const found = req.method === 'GET' ? body(path, mounts) : null;
    const headers: Record<string, string> = { 'Cache-Control': 'no-store' };
    if (isolated) {
      headers['Cross-Origin-Opener-Policy'] = 'same-origin';
      headers['Cross-Origin-Embedder-Policy'] = 'require-corp';
    }
    if (!found) {
      res.writeHead(404, { ...headers, 'Content-Type': 'text/plain' }).end(`not found: ${path}`);
      return;
    }
    res.writeHead(200, { ...headers, 'Content-Type': found.type }).end(found.data);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
