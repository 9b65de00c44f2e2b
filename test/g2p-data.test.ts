/** The pronouncing-dictionary reader (every line kind, refusals), its vocabularies, and the split by word. */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { DataError } from '../src/data/data-error.js';
import { parseDictionary, splitWords } from '../src/data/pronunciations.js';
import { cmudict, readDictionaryFile } from '../src/data/pronunciations-node.js';
import { SymbolVocab } from '../src/data/symbol-vocab.js';

const SAMPLE = [
  ';;; a comment line',
  ';;; another one  with  spaces',
  'A  AH0',
  'A(1)  EY1',
  '',
  "A'S  EY1 Z",
  'AARONSON\tEH1 R AH0 N S AH0 N', // a tab separates
  'AARONSON(1)  AA1 R AH0 N S AH0 N',
  'AARONSON(2)  AA2 R AH1 N S AH0 N', // the same as (1) once stress is removed
  'READ  R EH1 D   ', // trailing spaces
  '\r',
].join('\n');

describe('parseDictionary', () => {
  test('comments, blank lines, variants, tabs; stress removed by default', () => {
    const d = parseDictionary(SAMPLE, { name: 'sample' });
    assert.deepEqual(d.entries, [
      { word: 'A', phonemes: ['AH'] },
      { word: 'A', phonemes: ['EY'] },
      { word: "A'S", phonemes: ['EY', 'Z'] },
      { word: 'AARONSON', phonemes: 'EH R AH N S AH N'.split(' ') },
      { word: 'AARONSON', phonemes: 'AA R AH N S AH N'.split(' ') },
      { word: 'READ', phonemes: ['R', 'EH', 'D'] },
    ]);
    assert.deepEqual([...d.byWord.keys()], ['A', "A'S", 'AARONSON', 'READ']);
    assert.deepEqual(d.byWord.get('A'), [['AH'], ['EY']]);
  });

  test('stress: true keeps the digits (and the variants that differ only in stress)', () => {
    const d = parseDictionary(SAMPLE, { stress: true });
    assert.deepEqual(d.byWord.get('A'), [['AH0'], ['EY1']]);
    assert.equal(d.byWord.get('AARONSON')!.length, 3);
    assert.deepEqual(d.byWord.get('AARONSON')![2], 'AA2 R AH1 N S AH0 N'.split(' '));
  });

  test('CRLF line endings and a byte-order mark', () => {
    const d = parseDictionary('\ufeffCAT  K AE1 T\r\nDOG  D AO1 G\r\n');
    assert.deepEqual(d.entries, [{ word: 'CAT', phonemes: ['K', 'AE', 'T'] }, { word: 'DOG', phonemes: ['D', 'AO', 'G'] }]);
  });

  test('refusals name the line', () => {
    const refuse = (text: string | Uint8Array, re: RegExp) =>
      assert.throws(() => parseDictionary(text, { name: 'x.dict' }), (e: Error) => e instanceof DataError && re.test(e.message));
    refuse('CAT  K AE T\nDOG\n', /^line 2 of 'x\.dict' has no phonemes for the word 'DOG'/);
    refuse('CAT  K AE T\nDOG(1)   \n', /^line 2 of 'x\.dict' has no phonemes for the word 'DOG'/);
    refuse('CAT  K AE T\n  D AO G\n', /^line 2 of 'x\.dict' has an empty word/);
    refuse('(1)  D AO G\n', /^line 1 of 'x\.dict' has an empty word/);
    refuse(';;; only comments\n\n', /^dictionary 'x\.dict' has no pronunciations/);
    const bytes = new Uint8Array([...new TextEncoder().encode('CAT  K AE T\nCAF'), 0xc3, 0x28, ...new TextEncoder().encode('  K AE F\n')]);
    refuse(bytes, /^line 2 of 'x\.dict' is not valid UTF-8/);
  });

  test('readDictionaryFile: a file, a missing file, an empty file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'loom-g2p-'));
    writeFileSync(join(dir, 'ok.dict'), SAMPLE);
    writeFileSync(join(dir, 'empty.dict'), '');
    assert.equal(readDictionaryFile(join(dir, 'ok.dict')).entries.length, 6);
    assert.throws(() => readDictionaryFile(join(dir, 'none.dict')), /dictionary file '.*none\.dict' does not exist/);
    assert.throws(() => readDictionaryFile(join(dir, 'empty.dict')), /dictionary file '.*empty\.dict' is empty/);
  });
});

describe('SymbolVocab', () => {
  test('reserved ids first, then sorted symbols; round trip', () => {
    const phones = SymbolVocab.build(['K', 'AE', 'T', 'K'], { bos: true });
    assert.deepEqual(phones.symbols, ['<pad>', '<s>', '</s>', 'AE', 'K', 'T']);
    assert.deepEqual([...phones.encode(['K', 'AE', 'T'])], [4, 3, 5]);
    assert.deepEqual(phones.decode([1, 4, 3, 5, 2, 0]), ['K', 'AE', 'T']);
    const letters = SymbolVocab.build('CAT', { bos: false });
    assert.deepEqual(letters.symbols, ['<pad>', 'A', 'C', 'T']);
    assert.deepEqual(letters.unknown('CZATZ'), ['Z']);
    assert.deepEqual(SymbolVocab.fromJSON(JSON.parse(JSON.stringify(phones))).symbols, phones.symbols);
    assert.throws(() => SymbolVocab.fromJSON({ symbols: ['A', 'B'] }), /first symbol must be '<pad>'/);
  });
});

describe('splitWords', () => {
  test('seeded, by word, 90/5/5, reproducible', () => {
    const byWord = new Map(Array.from({ length: 1000 }, (_, i) => [`W${i}`, [['X']]] as [string, string[][]]));
    const a = splitWords(byWord, { seed: 7 });
    assert.deepEqual([a.train.length, a.val.length, a.test.length], [900, 50, 50]);
    assert.deepEqual(splitWords(byWord, { seed: 7 }), a);
    assert.notDeepEqual(splitWords(byWord, { seed: 8 }).test, a.test);
    assert.equal(new Set([...a.train, ...a.val, ...a.test]).size, 1000);
  });

  test('the real CMUdict: its entries, split sizes, no word in two splits', () => {
    const d = cmudict();
    const stressed = cmudict({ stress: true });
    assert.equal(stressed.entries.length, 133784); // one pronunciation per line of dict.txt
    assert.equal(stressed.byWord.size, 125005);
    assert.ok(d.entries.length < stressed.entries.length && d.entries.length > 133000);
    assert.ok(d.entries.every((e) => e.phonemes.every((p) => !/\d/.test(p))));
    const s = splitWords(d.byWord, { seed: 0 });
    const n = d.byWord.size;
    assert.equal(s.val.length, Math.floor(n * 0.05));
    assert.equal(s.test.length, Math.floor(n * 0.05));
    assert.equal(s.train.length + s.val.length + s.test.length, n);
    const seen = new Set<string>();
    for (const w of [...s.train, ...s.val, ...s.test]) {
      assert.ok(!seen.has(w), `${w} is in two splits`);
      seen.add(w);
    }
  });
});
