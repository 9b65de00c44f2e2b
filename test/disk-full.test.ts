// A disk that fills up while a run writes: one sentence, the previous checkpoint intact, no temporary
// directory left behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CheckpointError } from '../src/io/checkpoint.js';
import { writeCheckpointDir } from '../src/io/checkpoint-dir.js';
import { NodeRunStorage } from '../src/train/node-storage.js';
import { RunStorageError } from '../src/train/storage.js';

const files = (text: string) => new Map([['config.json', new TextEncoder().encode(text)], ['model.safetensors', new Uint8Array(64)]]);
/** What Node throws when a write finds the disk full. */
const enospc = () => Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28 });

test('ENOSPC in the middle of a checkpoint save: one sentence, the old checkpoint intact, no .tmp-* left', () => {
  const root = mkdtempSync(join(tmpdir(), 'loom-full-'));
  try {
    const dir = join(root, 'checkpoint');
    writeCheckpointDir(dir, files('{"old":true}'));
    assert.throws(
      () => writeCheckpointDir(dir, files('{"new":true}'), (stage) => {
        if (stage === 'wrote config.json') throw enospc();
      }),
      (e: unknown) => {
        assert.ok(e instanceof CheckpointError);
        assert.equal(e.message, `cannot save the checkpoint '${dir}': the disk is full (ENOSPC); free some space and run again; the previous checkpoint is intact`);
        return true;
      },
    );
    assert.deepEqual(readdirSync(root), ['checkpoint']);
    assert.equal(readFileSync(join(dir, 'config.json'), 'utf8'), '{"old":true}');
    // and with no checkpoint before, it says that none was saved
    const fresh = join(root, 'fresh');
    assert.throws(() => writeCheckpointDir(fresh, files('{}'), () => { throw enospc(); }), /no checkpoint was saved$/);
    assert.equal(existsSync(`${fresh}.tmp-${process.pid}`), false);
  } finally {
    rmSync(root, { recursive: true });
  }
});

test('a metrics log on a full disk (/dev/full) is refused in one sentence naming the file', { skip: !existsSync('/dev/full') && 'no /dev/full here' }, () => {
  const root = mkdtempSync(join(tmpdir(), 'loom-full-'));
  try {
    symlinkSync('/dev/full', join(root, 'metrics.jsonl'));
    const storage = new NodeRunStorage(root);
    storage.startMetrics(0); // writes nothing yet
    assert.throws(() => storage.appendMetrics({ step: 1, loss: 2 }), (e: unknown) => {
      assert.ok(e instanceof RunStorageError);
      assert.equal(e.message, `cannot write the metrics log '${join(root, 'metrics.jsonl')}': the disk is full (ENOSPC); free some space and run again`);
      return true;
    });
  } finally {
    rmSync(root, { recursive: true });
  }
});
