/**
 * A character vocabulary: the sorted unique Unicode code points of a text, each mapped to its rank.
 * Characters are code points, not UTF-16 units, so an emoji is one token, never two halves.
 */

/** The serialised form of a `CharVocab`: its characters in id order. */
export interface CharVocabJSON {
  chars: string[];
}

/**
 * Maps characters to ids and back. Ids are `0 .. size-1`, in ascending code-point order, so the same
 * text always gives the same vocabulary.
 *
 * @example
 * const vocab = new CharVocab('hello');   // chars: ['e', 'h', 'l', 'o']
 * const ids = vocab.encode('hole');       // Int32Array [1, 3, 2, 0]
 * vocab.decode(ids);                      // 'hole'
 * CharVocab.fromJSON(JSON.parse(JSON.stringify(vocab))); // the same vocabulary
 */
export class CharVocab {
  /** The characters in id order: `chars[id]` is one code point. */
  readonly chars: string[];
  private readonly ids = new Map<number, number>(); // code point -> id

  /** Builds the vocabulary of every character in `text`. */
  constructor(text: string) {
    if (text.length === 0) throw new Error('CharVocab: cannot build a vocabulary from an empty text');
    const codePoints = new Set<number>();
    for (const ch of text) codePoints.add(ch.codePointAt(0)!);
    const sorted = [...codePoints].sort((a, b) => a - b);
    this.chars = sorted.map((cp) => String.fromCodePoint(cp));
    sorted.forEach((cp, id) => this.ids.set(cp, id));
  }

  /** The number of characters. */
  get size(): number {
    return this.chars.length;
  }

  /** The id of each character of `text`, one per code point. Throws on a character outside the vocabulary. */
  encode(text: string): Int32Array {
    const out = new Int32Array(text.length); // code points <= UTF-16 units
    let n = 0;
    for (const ch of text) {
      const id = this.ids.get(ch.codePointAt(0)!);
      if (id === undefined) {
        throw new Error(`CharVocab.encode: character ${describe(ch)} at position ${n} is not in the vocabulary of ${this.size} characters`);
      }
      out[n++] = id;
    }
    return n === out.length ? out : out.slice(0, n);
  }

  /** The text of a sequence of ids. Throws on an id outside `0 .. size-1`. */
  decode(ids: ArrayLike<number>): string {
    const parts = new Array<string>(ids.length);
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      const ch = Number.isInteger(id) ? this.chars[id] : undefined;
      if (ch === undefined) throw new Error(`CharVocab.decode: id ${id} at position ${i} is not in [0, ${this.size})`);
      parts[i] = ch;
    }
    return parts.join('');
  }

  toJSON(): CharVocabJSON {
    return { chars: [...this.chars] };
  }

  /** Rebuilds a vocabulary from `toJSON()` output; `chars` must be single characters in ascending code-point order. */
  static fromJSON(obj: unknown): CharVocab {
    const chars = (obj as { chars?: unknown } | null)?.chars;
    if (!Array.isArray(chars)) {
      throw new Error(`CharVocab.fromJSON: expected an object { chars: string[] }, got ${preview(obj)}`);
    }
    if (chars.length === 0) throw new Error('CharVocab.fromJSON: chars is empty');
    let previous = -1;
    chars.forEach((ch: unknown, i) => {
      if (typeof ch !== 'string' || ch.length === 0 || String.fromCodePoint(ch.codePointAt(0)!) !== ch) {
        throw new Error(`CharVocab.fromJSON: chars[${i}] should be one character, got ${preview(ch)}`);
      }
      const cp = ch.codePointAt(0)!;
      if (cp <= previous) {
        throw new Error(`CharVocab.fromJSON: chars[${i}] ${describe(ch)} breaks the ascending code-point order (duplicate or unsorted)`);
      }
      previous = cp;
    });
    return new CharVocab((chars as string[]).join(''));
  }
}

/** `'é' (U+00E9)`, readable even for control characters. */
function describe(ch: string): string {
  const hex = ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
  return `${JSON.stringify(ch)} (U+${hex})`;
}

function preview(value: unknown): string {
  const s = JSON.stringify(value) ?? String(value);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}
