/**
 * The G2P models (lstm-attention, transformer): teacher-forced shapes and gradients, the Transformer's
 * key/value-cached steps against its full forward, the alignment matrices, label smoothing, and the
 * decoders (beam search with K = 1 is greedy search).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import '../src/node.js';
import { noGrad } from '../src/core/autograd.js';
import { manualSeed } from '../src/core/random.js';
import { fromArray } from '../src/core/creation.js';
import { crossEntropy } from '../src/nn/functional.js';
import { LSTMAttention } from '../src/models/lstm-attention.js';
import { Seq2SeqTransformer } from '../src/models/seq2seq-transformer.js';
import type { Seq2SeqModel } from '../src/models/seq2seq.js';
import { makeBatch, makeSource } from '../src/tasks/g2p/batch.js';
import { beamDecode, greedyDecode } from '../src/tasks/g2p/decode.js';
import { assertClose } from './helpers/close.js';

const SV = 9;
const TV = 11;
const words = [[1, 2, 3, 4, 5], [6, 7], [8, 1, 2]].map((w) => Int32Array.from(w));
const prons = [[3, 4, 5, 6], [7, 8, 9], [10, 3]].map((p) => Int32Array.from(p));

const builders: [string, () => Seq2SeqModel][] = [
  ['lstm-attention', () => new LSTMAttention({ srcVocabSize: SV, tgtVocabSize: TV, embed: 8, hidden: 12, attention: 10, dropout: 0.1 })],
  ['transformer', () => new Seq2SeqTransformer({ srcVocabSize: SV, tgtVocabSize: TV, dModel: 16, nhead: 2, layers: 2, dimFeedforward: 32, dropout: 0.1, normFirst: true, maxLen: 32 })],
  ['transformer post-LN', () => new Seq2SeqTransformer({ srcVocabSize: SV, tgtVocabSize: TV, dModel: 16, nhead: 2, layers: 1, dimFeedforward: 32, dropout: 0, normFirst: false, maxLen: 32 })],
];

for (const [name, build] of builders) {
  describe(name, () => {
    test('teacher forcing: logits (B, T, V), every parameter gets a gradient', () => {
      manualSeed(1);
      const m = build();
      const b = makeBatch(words, prons);
      const logits = m.forward(b.src, b.srcPad, b.tgtIn);
      assert.deepEqual(logits.shape, [3, 5, TV]);
      crossEntropy(logits.reshape(15, TV), b.tgtOut.reshape(15), { ignoreIndex: 0, labelSmoothing: 0.1 }).backward();
      for (const [key, p] of m.namedParameters()) {
        if (key.endsWith('emb.weight')) continue; // rows of unused ids stay zero
        assert.ok(p.grad && p.grad.abs().sum().item() > 0, `${key} has no gradient`);
      }
    });

    test('incremental steps give the teacher-forced logits; alignment rows sum to 1 over real letters', () => {
      manualSeed(2);
      const m = build();
      m.eval();
      const b = makeBatch(words, prons);
      noGrad(() => {
        const full = m.forward(b.src, b.srcPad, b.tgtIn, { attention: true }); // (B, T, V)
        const align = m.lastAttention!; // (B, T, S)
        assert.deepEqual(align.shape, [3, 5, 5]);
        const memory = m.encode(b.src, b.srcPad);
        let state = m.initDecoder(memory);
        for (let t = 0; t < 5; t++) {
          const r = m.step(memory, state, b.tgtIn.select(1, t));
          assertClose(r.logits, full.select(1, t), 2e-5, `logits at step ${t}`);
          assertClose(r.attention, align.select(1, t), 2e-5, `attention at step ${t}`);
          state = r.state;
        }
        const a = align.toArray();
        for (let i = 0; i < 3; i++)
          for (let t = 0; t < 5; t++) {
            const row = Array.from(a.slice((i * 5 + t) * 5, (i * 5 + t + 1) * 5));
            assertClose(row.slice(0, words[i].length).reduce((x, y) => x + y, 0), 1, 1e-5);
            assert.ok(row.slice(words[i].length).every((v) => v === 0), 'padding gets no attention');
          }
      });
    });

    test('beam search with K = 1 is greedy search; wider beams return nbest sorted hypotheses', () => {
      manualSeed(3);
      const m = build();
      m.eval();
      const { src, srcPad } = makeSource(words);
      const greedy = greedyDecode(m, src, srcPad, { maxSteps: 8, attention: true });
      const beam1 = beamDecode(m, src, srcPad, { beam: 1, maxSteps: 8, attention: true });
      greedy.forEach((g, i) => {
        assert.deepEqual(beam1[i][0].ids, g.ids);
        assertClose(beam1[i][0].logProb, g.logProb, 1e-4);
        assert.equal(g.attention!.length, Math.min(g.ids.length + 1, 8));
        assert.equal(g.attention![0].length, words[i].length);
        assertClose(Array.from(beam1[i][0].attention!.flatMap((r) => Array.from(r))), Array.from(g.attention!.flatMap((r) => Array.from(r))), 1e-5);
      });
      const beam4 = beamDecode(m, src, srcPad, { beam: 4, nbest: 3, maxSteps: 8 });
      for (const hyps of beam4) {
        assert.equal(hyps.length, 3);
        for (let k = 1; k < hyps.length; k++) assert.ok(hyps[k - 1].score >= hyps[k].score);
        for (const h of hyps) assert.ok(h.ids.every((id) => id >= 3 && id < TV));
      }
      // without length normalisation the best beam is at least as likely as greedy's answer
      const raw = beamDecode(m, src, srcPad, { beam: 4, maxSteps: 8, alpha: 0 });
      raw.forEach((h, i) => assert.ok(h[0].logProb >= greedy[i].logProb - 1e-4 || greedy[i].ids.length + 1 > 8));
    });
  });
}

test('crossEntropy label smoothing, ignoreIndex: hand-computed, as PyTorch defines it', () => {
  const logits = [[1, 2, 3], [0.5, -1, 0], [2, 2, 2]];
  const target = [2, 0, 1];
  const eps = 0.2;
  let total = 0;
  for (const i of [0, 1]) { // row 2 is ignored (target 1 = ignoreIndex)
    const lse = Math.log(logits[i].reduce((s, v) => s + Math.exp(v), 0));
    const logp = logits[i].map((v) => v - lse);
    total += (1 - eps) * -logp[target[i]] + (eps / 3) * -logp.reduce((s, v) => s + v, 0);
  }
  const got = crossEntropy(fromArray(logits.flat(), [3, 3]), fromArray(target, [3], { dtype: 'int32' }), { labelSmoothing: eps, ignoreIndex: 1 }).item();
  assertClose(got, total / 2, 1e-6);
});
