/**
 * The g2p task in the library loop: a short run's loss falls, a stopped and resumed run has the metrics
 * of an uninterrupted one, and its checkpoint loads back into a predictor that decodes the same words.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import '../src/node.js';
import { parseDictionary } from '../src/data/pronunciations.js';
import { cmudictPath } from '../src/data/pronunciations-node.js';
import { decodeCheckpoint } from '../src/io/checkpoint.js';
import { G2P_DEFAULT_CONFIG, G2PTask, findG2PModel, loadG2P } from '../src/tasks/g2p/index.js';
import { train } from '../src/train/loop.js';
import type { TrainOptions } from '../src/train/options.js';
import { MemoryRunStorage } from '../src/train/storage.js';

/** The first 400 lines of CMUdict as a user's dictionary file. */
const SMALL = parseDictionary(readFileSync(cmudictPath(), 'utf8').split('\n').slice(0, 400).join('\n'), { name: 'small' });

const sizes: Record<string, Record<string, unknown>> = {
  transformer: { dModel: 32, nhead: 2, layers: 1, dimFeedforward: 64, dropout: 0.1 },
  'lstm-attention': { embed: 16, hidden: 24, attention: 16, dropout: 0.1 },
};

function setup(model: string, steps: number, over: Partial<TrainOptions> = {}) {
  const config = { ...G2P_DEFAULT_CONFIG, data: 'small.dict', dataHash: '', batch: 16, evalWords: 8 };
  const modelConfig = { ...findG2PModel(model)!.defaults, ...sizes[model] };
  const options: TrainOptions = {
    steps, lr: 3e-3, optimizer: 'adam', weightDecay: 0, clip: 1, schedule: 'cosine', warmup: 2, seed: 5, evalEvery: 0, checkpointEvery: 100, ...over,
  };
  return { task: () => new G2PTask({ config, dictionary: SMALL, model, modelConfig, seed: 5 }), options };
}

const losses = (s: MemoryRunStorage) => s.metrics.filter((r) => r.loss !== undefined).map((r) => r.loss as number);
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

for (const model of ['transformer', 'lstm-attention']) {
  describe(`g2p ${model}`, () => {
    test('a short run: the loss falls; the split keeps 5% of the words for validation', async () => {
      const { task, options } = setup(model, 40);
      const storage = new MemoryRunStorage();
      const t = task();
      assert.equal(t.split.val.length, Math.floor(SMALL.byWord.size * 0.05));
      assert.equal(t.split.test.length, 0);
      const result = await train(t, options, { storage });
      assert.equal(result.status, 'finished');
      const l = losses(storage);
      assert.ok(mean(l.slice(-5)) < 0.85 * mean(l.slice(0, 5)), `loss ${l[0]} -> ${l[l.length - 1]}`);
      assert.ok(result.evaluation!.metrics.val_wer >= 0 && result.evaluation!.metrics.val_wer <= 1);
      assert.match(result.evaluation!.summary, /^validation \(greedy\) WER \d+\.\d\d% PER \d+\.\d\d% \(\d+ words\)$/);
    });

    test('stopped after 3 of 6 steps and resumed: the metrics of 6 straight steps; the checkpoint predicts as the task', async () => {
      const over = { evalEvery: 2 };
      const straight = new MemoryRunStorage();
      const a = setup(model, 6, over);
      await train(a.task(), a.options, { storage: straight });

      const split = new MemoryRunStorage();
      const b = setup(model, 6, over);
      let done = 0;
      const stopped = await train(b.task(), b.options, { storage: split, onProgress: (e) => e.kind === 'step' && done++, shouldStop: () => done === 3 });
      assert.equal(stopped.status, 'stopped');
      const ckpt = decodeCheckpoint(split.checkpoint!, 'memory');
      assert.equal(ckpt.meta.step, 3);
      const c = setup(model, 6, over);
      const t = c.task();
      await train(t, c.options, { storage: split, resumeFrom: ckpt });
      const timeless = (m: MemoryRunStorage) => m.metrics.map(({ phonemes_per_s: _, ...r }) => r);
      assert.deepEqual(timeless(split), timeless(straight));

      const loaded = loadG2P(decodeCheckpoint(split.checkpoint!, 'memory'));
      const words = t.split.val.slice(0, 4);
      assert.deepEqual(loaded.predictor.predict(words, { beam: 2 }), t.predictor().predict(words, { beam: 2 }));
    });
  });
}

test('a word longer than maxLetters in the data is refused, naming it', () => {
  const dict = parseDictionary(`CAT  K AE T\nDOG  D AO G\n${'A'.repeat(60)}  AH\n`);
  assert.throws(
    () => new G2PTask({ config: { ...G2P_DEFAULT_CONFIG, data: 'x.dict', dataHash: '' }, dictionary: dict, model: 'lstm-attention', modelConfig: findG2PModel('lstm-attention')!.defaults, seed: 0 }),
    /dictionary 'x\.dict' has the word 'A{60}' with 60 letters/,
  );
});

test('batches hold words of about one length, and an epoch uses every pair at most once', () => {
  const t = setup('lstm-attention', 1).task();
  const n = Math.floor(t.pairs.length / 16);
  const seen = new Set<string>();
  let spread = 0;
  for (let k = 0; k < n; k++) {
    const b = t.nextBatch();
    const [B, S] = b.src.shape;
    const pad = b.srcPad.toArray();
    const src = b.src.toArray();
    const lens = Array.from({ length: B }, (_, i) => pad.subarray(i * S, (i + 1) * S).filter((x) => x === 0).length);
    spread += Math.max(...lens) - Math.min(...lens);
    for (let i = 0; i < B; i++) seen.add(`${Array.from(src.subarray(i * S, i * S + lens[i]))}|${b.tgtOut.select(0, i).toArray().join()}`);
  }
  assert.equal(seen.size, n * 16);
  assert.ok(spread / n <= 1, `mean length spread ${spread / n}`);
});

test('memory estimates: the default runs fit well within the heap and grow with the batch; a step that cannot fit is refused before it runs', async () => {
  for (const name of ['transformer', 'lstm-attention']) {
    const spec = findG2PModel(name)!;
    const config = { ...spec.defaults, srcVocabSize: 30, tgtVocabSize: 42 };
    const L = G2P_DEFAULT_CONFIG.maxLetters + 1;
    const bytes = spec.stepBytes(config, spec.training.batch, L);
    assert.ok(bytes > 2 ** 24 && bytes < 2 ** 30, `${name}: ${bytes} bytes`);
    assert.ok(spec.stepBytes(config, 4 * spec.training.batch, L) > 3.9 * bytes, `${name}: linear in the batch`);
  }
  const { options } = setup('lstm-attention', 1);
  const task = new G2PTask({
    config: { ...G2P_DEFAULT_CONFIG, data: 'small.dict', dataHash: '', batch: 200_000, evalWords: 8 },
    dictionary: SMALL, model: 'lstm-attention', modelConfig: findG2PModel('lstm-attention')!.defaults, seed: 5,
  });
  const storage = new MemoryRunStorage();
  await assert.rejects(train(task, options, { storage }), /^OutOfMemoryError: a training step of this run needs about \d+(\.\d+)? GiB of tensor memory, more than the heap's limit/);
  assert.equal(storage.checkpoint, null, "no checkpoint is written");
});

test('a periodic evaluation decodes evalWords validation words spread over the whole (alphabetical) list', () => {
  const t = setup('lstm-attention', 1).task();
  t.createModel();
  const { val } = t.split;
  const stride = Math.floor(val.length / 8);
  assert.ok(stride >= 2, `${val.length} validation words`);
  const spread = val.filter((_, i) => i % stride === 0).slice(0, 8);
  assert.equal(spread.at(-1), val[7 * stride]);
  const periodic = t.evaluate('periodic');
  assert.match(periodic.summary, /\(8 words\)$/);
  t.model!.eval();
  const s = t.predictor().score(SMALL.byWord, spread);
  assert.deepEqual(periodic.metrics, { val_wer: s.wer, val_per: s.per });
});
