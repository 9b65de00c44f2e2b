/**
 * A vocabulary of symbols (letters, phonemes) with reserved ids first: `<pad>` 0, then, for a target
 * vocabulary, `<s>` 1 (start of sequence) and `</s>` 2 (end). The other symbols follow, sorted, so the
 * same data always gives the same ids.
 *
 * @example
 *   const letters = SymbolVocab.build(['C', 'A', 'T'], { bos: false });   // <pad> A C T
 *   const phones = SymbolVocab.build(['K', 'AE', 'T'], { bos: true });    // <pad> <s> </s> AE K T
 *   phones.encode(['K', 'AE', 'T']);   // Int32Array [4, 3, 5]
 */
export const PAD = 0;
export const BOS = 1;
export const EOS = 2;

export interface SymbolVocabJSON {
  /** Every symbol in id order, the reserved ones included. */
  symbols: string[];
}

export class SymbolVocab {
  private readonly ids = new Map<string, number>();

  private constructor(readonly symbols: string[]) {
    symbols.forEach((s, i) => {
      if (this.ids.has(s)) throw new Error(`SymbolVocab: the symbol '${s}' appears twice`);
      this.ids.set(s, i);
    });
  }

  /** The vocabulary of `symbols` (any order, repeats allowed); `bos` adds `<s>` and `</s>` after `<pad>`. */
  static build(symbols: Iterable<string>, { bos }: { bos: boolean }): SymbolVocab {
    const reserved = bos ? ['<pad>', '<s>', '</s>'] : ['<pad>'];
    const rest = [...new Set(symbols)].filter((s) => !reserved.includes(s)).sort();
    return new SymbolVocab([...reserved, ...rest]);
  }

  static fromJSON(json: unknown): SymbolVocab {
    const j = json as SymbolVocabJSON;
    if (!j || !Array.isArray(j.symbols) || j.symbols.length < 2 || !j.symbols.every((s) => typeof s === 'string' && s !== ''))
      throw new Error(`expected { symbols: [non-empty strings] } with '<pad>' first, got ${JSON.stringify(json)?.slice(0, 80)}`);
    if (j.symbols[0] !== '<pad>') throw new Error(`the first symbol must be '<pad>', got '${j.symbols[0]}'`);
    return new SymbolVocab([...j.symbols]);
  }

  toJSON(): SymbolVocabJSON {
    return { symbols: this.symbols };
  }

  get size(): number {
    return this.symbols.length;
  }

  /** Whether this vocabulary has `<s>` and `</s>`. */
  get hasBos(): boolean {
    return this.symbols[1] === '<s>';
  }

  has(symbol: string): boolean {
    return this.ids.has(symbol);
  }

  id(symbol: string): number {
    const id = this.ids.get(symbol);
    if (id === undefined) throw new Error(`SymbolVocab: unknown symbol '${symbol}'`);
    return id;
  }

  /** The symbols of `seq` that are not in the vocabulary, each once, in order. */
  unknown(seq: Iterable<string>): string[] {
    return [...new Set([...seq].filter((s) => !this.ids.has(s)))];
  }

  encode(seq: Iterable<string>): Int32Array {
    return Int32Array.from([...seq], (s) => this.id(s));
  }

  /** The symbols of `ids`, reserved ids left out. */
  decode(ids: ArrayLike<number>): string[] {
    const reserved = this.hasBos ? 3 : 1;
    return Array.from(ids).filter((i) => i >= reserved).map((i) => this.symbols[i]);
  }
}
