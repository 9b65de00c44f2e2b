/** A deterministic English-like text of about `n` characters, for small training runs. */
export function makeText(n: number, seed = 1): string {
  const words = 'the whale ship sea captain ahab white call me ishmael some years ago never mind how long'.split(' ');
  let s = seed;
  const rand = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) >>> 8) / 16777216;
  let out = '';
  while (out.length < n) out += words[Math.floor(rand() * words.length)] + (rand() < 0.1 ? '.\n' : ' ');
  return out.slice(0, n);
}
