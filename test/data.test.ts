import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { DataError, mobyDick, readTextFile } from '../src/data/corpus.js';
import { CharVocab } from '../src/data/vocab.js';
import { trainValSplit } from '../src/data/split.js';
import { randomWindows, StreamBatcher } from '../src/data/batches.js';
import { Generator } from '../src/core/random.js';

/** A seeded uniform function on the engine's generator. */
function seeded(seed: number): () => number {
  const g = new Generator(seed);
  return () => g.uniform();
}

/** ids = 0, 1, ..., n-1: every token names its own position. */
const arange = (n: number): Int32Array => Int32Array.from({ length: n }, (_, i) => i);

describe('mobyDick', () => {
  test('loads the whole book in reading order', () => {
    const text = mobyDick();
    assert.ok(Buffer.byteLength(text) > 1_000_000, `only ${Buffer.byteLength(text)} bytes`);
    assert.ok(text.startsWith('CONTENTS'));
    // each section after the previous one (the table of contents names them all first)
    let at = 0;
    for (const section of [
      'ETYMOLOGY. (Supplied by a Late Consumptive Usher to a Grammar School.)\n\nThe pale Usher',
      'EXTRACTS. (Supplied by a Sub-Sub-Librarian).\n\nIt will be seen',
      'CHAPTER 1. Loomings.\n\nCall me Ishmael. Some years ago',
      'CHAPTER 135. The Chase.—Third Day.\n\nThe morning of the third day',
      'Epilogue "AND I ONLY AM ESCAPED ALONE TO TELL THEE" Job.\n\nThe drama\'s done.',
    ]) {
      const next = text.indexOf(section, at);
      assert.ok(next > at, `${JSON.stringify(section.slice(0, 30))} not found after offset ${at}`);
      at = next;
    }
    assert.ok(text.endsWith('only found another orphan.\n'));
    assert.ok(!text.includes('\r'));
    assert.equal(mobyDick(), text);
  });

  test('a vocabulary of the book round-trips it', () => {
    const text = mobyDick();
    const vocab = new CharVocab(text);
    assert.ok(vocab.size > 60 && vocab.size < 200, `size ${vocab.size}`);
    const ids = vocab.encode(text);
    assert.equal(ids.length, [...text].length);
    assert.equal(vocab.decode(ids), text);
  });
});

describe('readTextFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'loom-data-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, bytes: Uint8Array | string): string => {
    const path = join(dir, name);
    writeFileSync(path, bytes);
    return path;
  };
  const rejects = (path: string, pattern: RegExp): void => {
    assert.throws(
      () => readTextFile(path),
      (err: unknown) => {
        assert.ok(err instanceof DataError, `not a DataError: ${err}`);
        assert.ok(err.message.includes(`'${path}'`), err.message);
        assert.match(err.message, pattern);
        return true;
      },
    );
  };

  test('reads UTF-8, strips the BOM and normalises CRLF', () => {
    assert.equal(readTextFile(file('plain.txt', 'héllo, 🐳\nwhale')), 'héllo, 🐳\nwhale');
    assert.equal(readTextFile(file('bom.txt', '\uFEFFone\r\ntwo\r\n')), 'one\ntwo\n');
  });

  test('a missing file', () => {
    rejects(join(dir, 'nope.txt'), /^data file '.*nope\.txt' does not exist$/);
    rejects(join(dir, 'plain.txt', 'under-a-file.txt'), /does not exist/);
  });

  test('a directory', () => {
    const sub = join(dir, 'sub');
    mkdirSync(sub);
    rejects(sub, /is a directory/);
  });

  test('an empty file, or only a BOM', () => {
    rejects(file('empty.txt', ''), /is empty$/);
    rejects(file('only-bom.txt', '\uFEFF'), /is empty/);
  });

  test('a binary file', () => {
    rejects(file('binary.bin', new Uint8Array([0x41, 0x42, 0x43, 0x00, 0x01])), /binary.*NUL byte at byte offset 3/);
  });

  test('invalid UTF-8, with the byte offset', () => {
    rejects(file('latin1.txt', new Uint8Array([0x63, 0x61, 0x66, 0xe9, 0x21])), /not valid UTF-8.*byte offset 3$/);
    rejects(file('overlong.txt', new Uint8Array([0x61, 0xc3, 0xa9, 0xc0, 0xaf])), /byte offset 3$/);
    rejects(file('surrogate.txt', new Uint8Array([0x61, 0xed, 0xa0, 0x80])), /byte offset 1$/);
    rejects(file('truncated.txt', new Uint8Array([0x61, 0x62, 0xf0, 0x9f, 0x90])), /byte offset 2$/);
  });
});

describe('CharVocab', () => {
  test('sorted unique code points, and a round trip', () => {
    const text = 'b\u{1F433}a\uFFFDba';
    const vocab = new CharVocab(text);
    // code-point order puts the whale (U+1F433) after U+FFFD; UTF-16 order would not
    assert.deepEqual(vocab.chars, ['a', 'b', '\uFFFD', '\u{1F433}']);
    assert.equal(vocab.size, 4);
    assert.deepEqual([...vocab.encode(text)], [1, 3, 0, 2, 1, 0]);
    assert.equal(vocab.decode(vocab.encode(text)), text);
    assert.equal(vocab.decode([3, 0]), '\u{1F433}a');
  });

  test('unknown characters and ids are named', () => {
    const vocab = new CharVocab('hello');
    assert.throws(() => vocab.encode('hellö'), /character "ö" \(U\+00F6\) at position 4 is not in the vocabulary/);
    assert.throws(() => vocab.encode('he\n'), /"\\n" \(U\+000A\) at position 2/);
    assert.throws(() => vocab.decode([0, 4]), /id 4 at position 1 is not in \[0, 4\)/);
    assert.throws(() => vocab.decode([1.5]), /id 1.5 at position 0/);
    assert.throws(() => new CharVocab(''), /empty/);
  });

  test('toJSON / fromJSON', () => {
    const vocab = new CharVocab('the whale 🐳');
    const copy = CharVocab.fromJSON(JSON.parse(JSON.stringify(vocab)));
    assert.deepEqual(copy.chars, vocab.chars);
    assert.deepEqual(copy.encode('the whale'), vocab.encode('the whale'));
  });

  test('fromJSON rejects a malformed vocabulary', () => {
    assert.throws(() => CharVocab.fromJSON(null), /expected an object \{ chars: string\[\] \}, got null/);
    assert.throws(() => CharVocab.fromJSON({ chars: 'abc' }), /expected an object/);
    assert.throws(() => CharVocab.fromJSON({ chars: [] }), /chars is empty/);
    assert.throws(() => CharVocab.fromJSON({ chars: ['a', 'bc'] }), /chars\[1\] should be one character, got "bc"/);
    assert.throws(() => CharVocab.fromJSON({ chars: ['a', 7] }), /chars\[1\] should be one character, got 7/);
    assert.throws(() => CharVocab.fromJSON({ chars: ['a', 'a'] }), /chars\[1\] "a" \(U\+0061\) breaks the ascending/);
    assert.throws(() => CharVocab.fromJSON({ chars: ['b', 'a'] }), /chars\[1\].*duplicate or unsorted/);
  });
});

describe('trainValSplit', () => {
  test('first 90% / last 10%, as views', () => {
    const ids = arange(1000);
    const { train, val } = trainValSplit(ids);
    assert.equal(train.length, 900);
    assert.equal(val.length, 100);
    assert.equal(train[0], 0);
    assert.equal(val[0], 900);
    assert.equal(train.buffer, ids.buffer);
    assert.equal(val.buffer, ids.buffer);
    assert.equal(trainValSplit(ids, 0.5).val.length, 500);
  });

  test('bad arguments', () => {
    assert.throws(() => trainValSplit(arange(10), 1), /trainFraction must be in \(0, 1\), got 1/);
    assert.throws(() => trainValSplit(arange(10), NaN), /got NaN/);
    assert.throws(() => trainValSplit(arange(5), 0.1), /5 tokens split at trainFraction 0.1 leave an empty training set/);
  });
});

describe('randomWindows', () => {
  test('shapes, windows of the text, and y shifted by one', () => {
    const ids = arange(500);
    const B = 8;
    const T = 16;
    const { x, y } = randomWindows(ids, B, T, seeded(1));
    assert.equal(x.length, B * T);
    assert.equal(y.length, B * T);
    for (let b = 0; b < B; b++) {
      const s = x[b * T];
      assert.ok(s >= 0 && s <= ids.length - T - 1);
      for (let t = 0; t < T; t++) {
        assert.equal(x[b * T + t], s + t);
        assert.equal(y[b * T + t], s + t + 1);
      }
    }
  });

  test('start offsets cover [0, N-T-1] and are reproducible', () => {
    const ids = arange(20);
    assert.equal(randomWindows(ids, 1, 5, () => 0).x[0], 0);
    assert.equal(randomWindows(ids, 1, 5, () => 0.999999).x[0], 14);
    assert.deepEqual(randomWindows(ids, 4, 5, seeded(7)), randomWindows(ids, 4, 5, seeded(7)));
  });

  test('bad arguments', () => {
    const uniform = seeded(0);
    assert.throws(() => randomWindows(arange(10), 2, 64, uniform), /^Error: randomWindows: text of 10 tokens is too short for seq 64/);
    assert.throws(() => randomWindows(arange(10), 2, 10, uniform), /need at least 11/);
    assert.throws(() => randomWindows(arange(10), 0, 4, uniform), /batch must be a positive integer, got 0/);
    assert.throws(() => randomWindows(arange(10), 2, 2.5, uniform), /seq must be a positive integer, got 2.5/);
    assert.throws(() => randomWindows(arange(10), 2, 4, () => 1), /uniform\(\) must return a number in \[0, 1\), got 1/);
  });
});

describe('StreamBatcher', () => {
  test('lanes are contiguous across batches and wrap with reset', () => {
    const B = 4;
    const T = 5;
    const stream = new StreamBatcher(arange(103), B, T);
    assert.equal(stream.laneLength, 25); // floor(103 / 4)
    assert.equal(stream.stepsPerEpoch, 4); // floor(24 / 5)
    const lanes: number[][] = Array.from({ length: B }, () => []);
    for (let p = 0; p < stream.stepsPerEpoch; p++) {
      assert.equal(stream.position, p);
      const { x, y, reset } = stream.next();
      assert.equal(reset, p === 0);
      assert.equal(x.length, B * T);
      for (let i = 0; i < B * T; i++) assert.equal(y[i], x[i] + 1);
      for (let b = 0; b < B; b++) lanes[b].push(...x.subarray(b * T, (b + 1) * T));
    }
    // each lane is one unbroken run of the stream, starting at b * L
    lanes.forEach((lane, b) => assert.deepEqual(lane, [...arange(20)].map((i) => b * 25 + i)));
    assert.equal(stream.position, 0);
    const again = stream.next();
    assert.equal(again.reset, true);
    assert.equal(again.x[0], 0);
  });

  test('resumes from a saved position', () => {
    const ids = arange(1000);
    const a = new StreamBatcher(ids, 3, 7);
    for (let i = 0; i < 5; i++) a.next();
    const saved = JSON.parse(JSON.stringify({ position: a.position })) as { position: number };
    const b = new StreamBatcher(ids, 3, 7);
    b.position = saved.position;
    for (let i = 0; i < 2 * a.stepsPerEpoch; i++) assert.deepEqual(b.next(), a.next());
  });

  test('bad arguments', () => {
    assert.throws(() => new StreamBatcher(arange(100), 8, 64), /100 tokens in 8 lanes gives 12 tokens per lane, too short for seq 64/);
    assert.throws(() => new StreamBatcher(arange(100), -1, 4), /batch must be a positive integer, got -1/);
    const stream = new StreamBatcher(arange(100), 2, 4);
    assert.throws(() => (stream.position = stream.stepsPerEpoch), /position must be an integer in \[0, 12\), got 12/);
    assert.throws(() => (stream.position = 1.5), /got 1.5/);
  });
});
