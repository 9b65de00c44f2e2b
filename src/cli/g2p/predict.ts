/**
 * `loom predict --checkpoint DIR WORD...`: the pronunciation of each word by a g2p checkpoint, one line
 * per word in CMUdict layout (`WORD  PH PH ...`); words come from standard input (whitespace-separated)
 * when none are given. `--beam K` decodes with beam search, `--nbest N` prints the N best, and
 * `--show-attention` draws each alignment matrix (output phonemes x letters) as a text heatmap.
 *
 * A word that cannot be read (a letter the model never saw, empty, too long) gets one sentence on stderr;
 * the other words are still answered, and the exit code is 1.
 */
import { readFileSync } from 'node:fs';
import { loadCheckpoint } from '../../io/checkpoint-dir.js';
import { loadG2P, type PredictedPronunciation } from '../../tasks/g2p/index.js';
import { num, requiredFlag, UsageError, type Command } from '../args.js';

export const g2pPredictCommand: Command = {
  name: 'predict',
  summary: 'pronounce words with a g2p checkpoint (beam search, n-best lists, alignments)',
  usage: 'loom predict --checkpoint DIR [--beam K] [--nbest N] [--show-attention] [WORD...]   (words from stdin when none are given)',
  positionals: 'WORD...',
  options: {
    checkpoint: { type: 'string' },
    beam: { type: 'string' },
    nbest: { type: 'string' },
    'show-attention': { type: 'boolean' },
  },
  help: {
    'checkpoint DIR': 'a g2p checkpoint directory, or its training run directory (--out of loom train --task g2p)',
    'beam K': 'beam width, 1 = greedy (default 1; 5 with --nbest)',
    'nbest N': 'print the N most likely pronunciations of each word, with their log-probabilities (N <= K)',
    'show-attention': 'draw each alignment (rows: output phonemes and </s>, columns: letters) as a text heatmap',
  },
  run(v, positionals) {
    const checkpointDir = requiredFlag(v, 'checkpoint', 'DIR', 'predict');
    const nbest = num(v, 'nbest', 1, { int: true, min: 1 });
    const beam = num(v, 'beam', nbest > 1 ? Math.max(5, nbest) : 1, { int: true, min: 1 });
    if (nbest > beam) throw new UsageError(`--nbest ${nbest} needs a beam at least as wide, got --beam ${beam}`);
    const { predictor } = loadG2P(loadCheckpoint(checkpointDir));
    const words = positionals.length > 0 ? positionals : readFileSync(0, 'utf8').split(/\s+/).filter((w) => w !== '');
    if (words.length === 0) throw new UsageError('no words to pronounce: give them as arguments or on standard input');
    const attention = v['show-attention'] === true;
    let failed = false;
    for (const p of predictor.predict(words, { beam, nbest, attention })) {
      if (p.error) {
        console.error(`loom: ${p.error}`);
        failed = true;
        continue;
      }
      const word = p.letters.join('');
      p.hypotheses.forEach((h, k) => {
        const pron = h.phonemes.join(' ');
        console.log(nbest > 1 ? `${word}  ${pron}  (${k + 1}, log p ${h.logProb.toFixed(3)})` : `${word}  ${pron}`);
        if (attention) console.log(heatmap(p.letters, h));
      });
    }
    return failed ? 1 : 0;
  },
};

const SHADES = [' ', '░', '▒', '▓', '█'];

/** The alignment as text: one row per output symbol, one column per letter, darker = more weight. */
export function heatmap(letters: string[], h: PredictedPronunciation): string {
  const rows = h.attention ?? [];
  const labels = [...h.phonemes, '</s>'].slice(0, rows.length);
  const w = Math.max(4, ...labels.map((l) => l.length)) + 1;
  const lines = [' '.repeat(w) + letters.map((l) => ` ${l}`).join('')];
  rows.forEach((row, t) => {
    const cells = Array.from(row, (a) => SHADES[Math.min(SHADES.length - 1, Math.round(a * (SHADES.length - 1)))].repeat(2));
    lines.push(labels[t].padEnd(w) + cells.join(''));
  });
  return lines.join('\n');
}
