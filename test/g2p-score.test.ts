/** The G2P scorer on hand-made cases: edit distance, several references, WER and PER. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { closestReference, editDistance, formatScore, scoreG2P } from '../src/tasks/g2p/score.js';

const p = (s: string) => (s === '' ? [] : s.split(' '));

describe('editDistance', () => {
  test('insertions, deletions, substitutions', () => {
    assert.equal(editDistance(p('K AE T'), p('K AE T')), 0);
    assert.equal(editDistance(p('K AE T'), p('K AH T')), 1);
    assert.equal(editDistance(p('K AE T'), p('K AE T S')), 1);
    assert.equal(editDistance(p('K AE T S'), p('AE T')), 2);
    assert.equal(editDistance(p(''), p('A B C')), 3);
    assert.equal(editDistance(p('A B C'), p('')), 3);
    assert.equal(editDistance(p('S IH T IH NG'), p('K IH T AH N')), 3); // kitten/sitting, phoneme-wise
  });
});

describe('scoreG2P', () => {
  test('a word is right when it equals any reference; PER uses the closest reference', () => {
    const s = scoreG2P([
      { prediction: p('EY'), references: [p('AH'), p('EY')] }, // right (second reference)
      { prediction: p('R EH D'), references: [p('R IY D'), p('R EH D')] }, // right
      { prediction: p('K AE T S'), references: [p('K AE T')] }, // 1 edit over 3
      { prediction: p('AA R AH N'), references: [p('EH R AH N S AH N'), p('AA R AH N S AH N')] }, // closest: 3 edits over 7
    ]);
    assert.equal(s.words, 4);
    assert.equal(s.wrongWords, 2);
    assert.equal(s.wer, 0.5);
    assert.equal(s.edits, 4);
    assert.equal(s.referencePhonemes, 1 + 3 + 3 + 7);
    assert.equal(s.per, 4 / 14);
    assert.equal(formatScore(s), 'WER 50.00% PER 28.57% (4 words)');
  });

  test('ties between references go to the shorter one; empty predictions; no words', () => {
    assert.deepEqual(closestReference(p('A B'), [p('A B C D'), p('A')]), { edits: 1, length: 1 });
    assert.deepEqual(closestReference(p('A'), [p('A B'), p('B')]), { edits: 1, length: 1 });
    const s = scoreG2P([{ prediction: [], references: [p('K AE T')] }]);
    assert.deepEqual([s.wer, s.per], [1, 1]);
    assert.deepEqual([scoreG2P([]).wer, scoreG2P([]).per], [0, 0]);
    assert.throws(() => scoreG2P([{ prediction: p('A'), references: [] }]), /at least one reference/);
  });
});
