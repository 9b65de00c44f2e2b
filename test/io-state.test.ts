/** save/load of module state through safetensors, with PyTorch's keys, both ways. */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { manualSeed } from '../src/core/random.js';
import { load, save } from '../src/io/state.js';
import { SafetensorsError } from '../src/io/safetensors.js';
import { LSTM, Linear, Sequential, LayerNorm } from '../src/nn/index.js';
import { loadCase } from '../src/parity/runner.js';

const dir = () => mkdtempSync(join(tmpdir(), 'loom-state-'));

test('save then load restores every tensor exactly and leaves no temporary file', () => {
  manualSeed(1);
  const a = new Sequential(new Linear(3, 4), new LayerNorm(4), new Linear(4, 2));
  manualSeed(2);
  const b = new Sequential(new Linear(3, 4), new LayerNorm(4), new Linear(4, 2));
  const d = dir();
  const path = join(d, 'model.safetensors');
  save(a, path);
  assert.deepEqual(readdirSync(d), ['model.safetensors']);
  load(b, path);
  for (const [k, t] of a.stateDict()) assert.deepEqual(b.stateDict().get(k)!.toArray(), t.toArray(), k);
});

test('a PyTorch state dict (LSTM keys weight_ih_l0, ...) loads unchanged and gives PyTorch outputs', () => {
  const root = fileURLToPath(new URL('../../', import.meta.url));
  const c = loadCase(join(root, 'test/parity/lstm_1layer.safetensors'));
  const args = c.spec.args as { input_size: number; hidden_size: number; batch_first: boolean };
  const lstm = new LSTM(args.input_size, args.hidden_size, { batchFirst: args.batch_first });
  const params = new Map(c.keys('param/').map((k) => [k, c.tensor(`param/${k}`)]));
  const d = dir();
  const path = join(d, 'torch.safetensors');
  // a file with exactly the keys torch's state_dict() has
  save({ stateDict: () => params } as unknown as Parameters<typeof save>[0], path);
  load(lstm, path);
  const [out] = lstm.forward(c.tensor('input/input'), [c.tensor('input/h0'), c.tensor('input/c0')]);
  const want = c.tensor('output/output').toArray();
  out.toArray().forEach((v, i) => assert.ok(Math.abs(v - want[i]) < 1e-4, `element ${i}`));
});

test('load refuses a corrupt file, a missing file and mismatched keys with the reason', () => {
  const d = dir();
  const lin = new Linear(2, 2);
  const bad = join(d, 'bad.safetensors');
  writeFileSync(bad, new Uint8Array([1, 2, 3]));
  assert.throws(() => load(lin, bad), (e: Error) => e instanceof SafetensorsError && /bad\.safetensors.*shorter than the 8-byte header/.test(e.message));
  assert.throws(() => load(lin, join(d, 'none.safetensors')), /none\.safetensors: cannot read the file \(ENOENT\)/);
  const other = join(d, 'other.safetensors');
  save(new Linear(3, 2), other);
  assert.throws(() => load(lin, other), /size mismatch for weight.*\[2, 3\].*\[2, 2\]/);
  assert.equal(existsSync(`${other}.tmp-${process.pid}`), false);
});
