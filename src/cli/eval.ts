/**
 * `loom eval`: the loss of a checkpoint on a validation split, over every character of it:
 * nats per character, bits per character (loss / ln 2) and perplexity (exp(loss)).
 */
import { DataError, mobyDick, readTextFile, textHash } from '../data/corpus.js';
import type { CharVocab } from '../data/vocab.js';
import { loadCheckpoint } from '../io/checkpoint-dir.js';
import { evaluateLoss, loadCharLM } from '../tasks/char-lm/index.js';
import { num, requiredFlag, UsageError, type Command } from './args.js';
import { MOBY_DICK } from './train.js';

export const evalCommand: Command = {
  name: 'eval',
  summary: 'validation loss, bits per character and perplexity of a checkpoint',
  usage: 'loom eval --checkpoint DIR [--data FILE] [--batch B]',
  options: {
    checkpoint: { type: 'string' },
    data: { type: 'string' },
    batch: { type: 'string' },
  },
  help: {
    'checkpoint DIR': 'a checkpoint directory, or a training run directory (--out of loom train)',
    'data FILE': "evaluate on the last 10% of this UTF-8 text, with the checkpoint's vocabulary (default: the training text)",
    'batch B': 'streams or windows per forward (default: the training batch)',
  },
  run(v) {
    const ckpt = loadCheckpoint(requiredFlag(v, 'checkpoint', 'DIR', 'eval'));
    const { lm, vocab } = loadCharLM(ckpt);
    const training = ckpt.meta.taskConfig as { data?: string; dataHash?: string; batch?: number; seq?: number };
    const batch = num(v, 'batch', training.batch ?? 32, { int: true, min: 1 });
    const seq = training.seq ?? 64;
    let text: string;
    let name: string;
    if (typeof v.data === 'string') {
      text = readTextFile(v.data);
      name = v.data;
    } else {
      if (typeof training.data !== 'string') throw new UsageError(`the checkpoint does not record its training text; pass --data FILE`);
      name = training.data === MOBY_DICK ? 'Moby Dick' : training.data;
      text = training.data === MOBY_DICK ? mobyDick() : readTextFile(training.data);
      if (training.dataHash && textHash(text) !== training.dataHash)
        throw new DataError(`data file '${name}' has changed since the checkpoint was trained on it; pass --data FILE to evaluate on a text explicitly`);
    }
    const val = validationIds(vocab, text, name);
    if (val.length < 2) throw new DataError(`data file '${name}' is too short: its validation split (last 10%) has ${val.length} characters, at least 2 are needed`);
    console.log(`checkpoint: ${ckpt.dir} (${ckpt.meta.model}, step ${ckpt.meta.step})`);
    const { loss, count } = evaluateLoss(lm, val, { batch, seq });
    console.log(`data: ${name}, validation split (last 10%): ${count.toLocaleString('en-US')} predicted characters`);
    console.log(`loss ${loss.toFixed(4)} nats/char | ${(loss / Math.LN2).toFixed(4)} bits/char | perplexity ${Math.exp(loss).toFixed(3)}`);
    return 0;
  },
};

/**
 * The ids of the last 10% of `text` (the split of trainValSplit, in characters), or a DataError naming
 * the first character there that the vocabulary lacks.
 */
function validationIds(vocab: CharVocab, text: string, name: string): Int32Array {
  const chars = Array.from(text); // code points
  const start = Math.floor(chars.length * 0.9);
  const known = new Set(vocab.chars);
  for (let i = start; i < chars.length; i++) {
    const ch = chars[i];
    if (!known.has(ch)) {
      const cp = ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
      throw new DataError(
        `data file '${name}' has the character ${JSON.stringify(ch)} (U+${cp}) at character ${i}, which is not in the checkpoint's vocabulary of ${vocab.size} characters`,
      );
    }
  }
  return vocab.encode(chars.slice(start).join(''));
}
