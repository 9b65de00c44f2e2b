// Integrity checks for loading weights: every float of a decoded state dict must be finite, and the
// SHA-256 of each file recorded at save must match at load (a flipped byte is caught, naming the file).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { fromArray, randn, Generator, SafetensorsError } from '../src/node.js';
import { checkDigests, fileDigests, type Sha256 } from '../src/io/digests.js';
import { sha256, verifyDigests } from '../src/io/digests-node.js';
import { checkFinite } from '../src/io/finite.js';
import { decodeTensors, encodeTensors } from '../src/io/tensors.js';

const dir = mkdtempSync(join(tmpdir(), 'loom-integrity-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A small state dict under PyTorch RNN names. */
function stateDict() {
  const g = new Generator(5);
  return new Map([
    ['rnn.weight_ih_l0', randn([4, 3], { generator: g })],
    ['rnn.bias_ih_l0', randn([4], { generator: g })],
    ['steps', fromArray([1, 2], [2], { dtype: 'int32' })],
  ]);
}

function refusedWith(fn: () => unknown, ...patterns: (string | RegExp)[]): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof SafetensorsError, `expected a SafetensorsError, got ${String(e)}`);
    for (const p of patterns) typeof p === 'string' ? assert.ok(e.message.includes(p), `'${e.message}' lacks '${p}'`) : assert.match(e.message, p);
    return true;
  });
}

// ---- finite values --------------------------------------------------------------------------------

test('checkFinite accepts a finite state dict (int tensors are not inspected)', () => {
  checkFinite('model.safetensors', stateDict());
  checkFinite('model.safetensors', new Map());
});

test('checkFinite names the file, the tensor and how many values are NaN or infinite', () => {
  const s = stateDict();
  const w = s.get('rnn.weight_ih_l0')!.toArray() as Float32Array;
  w[1] = NaN;
  w[5] = Infinity;
  w[11] = -Infinity;
  s.set('rnn.weight_ih_l0', fromArray(w, [4, 3]));
  refusedWith(() => checkFinite('model.safetensors', s), /^model\.safetensors: tensor 'rnn\.weight_ih_l0' has 3 non-finite values \(the first, NaN, at element 1\)/);
});

test('a NaN written into the bytes of a safetensors file is caught after decoding', () => {
  const bytes = encodeTensors(stateDict());
  const text = new TextDecoder().decode(bytes.subarray(8, 8 + Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true))));
  const header = JSON.parse(text) as Record<string, { data_offsets: [number, number] }>;
  const at = 8 + text.length + header['rnn.bias_ih_l0'].data_offsets[0] + 4 * 2; // element 2 of the bias
  new DataView(bytes.buffer, bytes.byteOffset).setFloat32(at, NaN, true);
  const { tensors } = decodeTensors(bytes, 'model.safetensors');
  refusedWith(() => checkFinite('model.safetensors', tensors), "tensor 'rnn.bias_ih_l0' has 1 non-finite value (the first, NaN, at element 2)");
});

// ---- digests --------------------------------------------------------------------------------------

test('sha256 is SHA-256 (the FIPS 180-2 "abc" vector)', () => {
  assert.equal(sha256(new TextEncoder().encode('abc')), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
});

test('fileDigests records one hex digest per file, in name order, with the digest function given', () => {
  const files = new Map([
    ['optimizer.safetensors', new Uint8Array([1, 2])],
    ['model.safetensors', new TextEncoder().encode('abc')],
  ]);
  const d = fileDigests(files, sha256);
  assert.deepEqual(Object.keys(d), ['model.safetensors', 'optimizer.safetensors']);
  assert.equal(d['model.safetensors'], 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  const length: Sha256 = (b) => b.length.toString(16).padStart(64, '0');
  assert.equal(fileDigests(files, length)['optimizer.safetensors'], `${'0'.repeat(63)}2`);
});

/** A checkpoint-like directory of two safetensors files, and their recorded digests. */
function savedDir(name: string) {
  const d = join(dir, name);
  const files = new Map([
    ['model.safetensors', encodeTensors(stateDict())],
    ['optimizer.safetensors', encodeTensors(new Map([['state.0.exp_avg', randn([64], { generator: new Generator(2) })]]))],
  ]);
  mkdirSync(d);
  for (const [f, bytes] of files) writeFileSync(join(d, f), bytes);
  return { d, recorded: fileDigests(files, sha256) };
}

test('verifyDigests accepts the files as saved', () => {
  const { d, recorded } = savedDir('intact');
  verifyDigests(d, recorded);
});

test('sixteen flipped bytes in the middle of a file are caught, naming the file', () => {
  const { d, recorded } = savedDir('flipped');
  const path = join(d, 'optimizer.safetensors');
  const bytes = readFileSync(path);
  const mid = bytes.length >> 1;
  for (let i = mid; i < mid + 16; i++) bytes[i] ^= 0xff;
  writeFileSync(path, bytes);
  refusedWith(() => verifyDigests(d, recorded), `${path}: `, 'SHA-256', recorded['optimizer.safetensors'].slice(0, 12), 'changed or corrupted');
});

test('a recorded file that is missing is named', () => {
  const { d, recorded } = savedDir('missing');
  rmSync(join(d, 'model.safetensors'));
  refusedWith(() => verifyDigests(d, recorded), `${join(d, 'model.safetensors')}: `, 'missing');
});

test('recorded digests that are not file names mapped to hex SHA-256 are refused before any file is read', () => {
  const { d } = savedDir('badrecord');
  refusedWith(() => verifyDigests(d, { '../../etc/passwd': 'a'.repeat(64) }), "'../../etc/passwd'", 'file name');
  refusedWith(() => verifyDigests(d, { 'model.safetensors': 'xyz' }), "'model.safetensors'", 'SHA-256');
  refusedWith(() => verifyDigests(d, ['model.safetensors'] as unknown as Record<string, string>), 'digests');
});

test('checkDigests compares digests computed elsewhere (a browser, with crypto.subtle)', () => {
  const recorded = { 'model.safetensors': 'a'.repeat(64) };
  checkDigests('ckpt', recorded, { 'model.safetensors': 'a'.repeat(64) });
  refusedWith(() => checkDigests('ckpt', recorded, { 'model.safetensors': 'b'.repeat(64) }), 'ckpt/model.safetensors: ');
  refusedWith(() => checkDigests('ckpt', recorded, {}), 'ckpt/model.safetensors: ', 'missing');
});

test('the portable files import nothing from Node', () => {
  for (const f of ['digests.js', 'finite.js', 'safetensors.js']) {
    const js = readFileSync(new URL(`../src/io/${f}`, import.meta.url), 'utf8');
    assert.doesNotMatch(js, /from ['"]node:|import\(['"]node:/, `${f} imports a Node module`);
  }
});
