/**
 * Seeded randomness: one global generator (like `torch.manual_seed`), xoshiro128** for uniforms and
 * Box-Muller for normals. Its state can be saved and restored, so a resumed run draws the same numbers.
 */

export class Generator {
  private s = new Uint32Array(4);
  private spare: number | null = null;

  constructor(seed = 0) {
    this.manualSeed(seed);
  }

  /** Seeds the four state words with splitmix32 of the seed. */
  manualSeed(seed: number): this {
    let z = seed >>> 0;
    for (let i = 0; i < 4; i++) {
      z = (z + 0x9e3779b9) >>> 0;
      let x = z;
      x = Math.imul(x ^ (x >>> 16), 0x85ebca6b) >>> 0;
      x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35) >>> 0;
      this.s[i] = (x ^ (x >>> 16)) >>> 0;
    }
    this.spare = null;
    return this;
  }

  /** Next 32 random bits (xoshiro128**). */
  nextU32(): number {
    const s = this.s;
    const r = Math.imul(rotl(Math.imul(s[1], 5) >>> 0, 7), 9) >>> 0;
    const t = (s[1] << 9) >>> 0;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return r;
  }

  /** Uniform in [0, 1) with 24 random bits (exact in float32). */
  uniform(): number {
    return (this.nextU32() >>> 8) / 16777216;
  }

  /** Standard normal (Box-Muller, the second value kept for the next call). */
  normal(): number {
    if (this.spare !== null) {
      const v = this.spare;
      this.spare = null;
      return v;
    }
    let u = 0;
    while (u === 0) u = this.uniform();
    const v = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** Integer in [lo, hi). Spans beyond 2^24 draw 53 bits, so every integer of the span can come up. */
  int(lo: number, hi: number): number {
    const span = hi - lo;
    const u = span <= 16777216 ? this.uniform() : (this.nextU32() * 2097152 + (this.nextU32() >>> 11)) / 9007199254740992;
    return lo + Math.floor(u * span);
  }

  getState(): number[] {
    return [...this.s, this.spare === null ? NaN : this.spare];
  }

  setState(state: number[]): void {
    if (!Array.isArray(state) || state.length !== 5) throw new Error('Generator.setState: expected 5 numbers');
    this.s.set(state.slice(0, 4));
    this.spare = state[4] === null || Number.isNaN(state[4]) ? null : state[4];
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** The global generator used when no generator is passed. */
export const defaultGenerator = new Generator(0);

/** Seeds the global generator (torch.manual_seed). */
export function manualSeed(seed: number): void {
  defaultGenerator.manualSeed(seed);
}
