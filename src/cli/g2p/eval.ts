/**
 * `loom eval --checkpoint DIR`: the word and phoneme error rates of a g2p checkpoint, printed as
 * `WER x.xx% PER y.yy%` with the number of words. By default on the words the run never trained on:
 * the test split of the built-in CMUdict (or, for a run on a user's file, its validation words);
 * `--data FILE` evaluates on every word of FILE. A word is right when it equals any of its reference
 * pronunciations (see src/tasks/g2p/score.ts).
 */
import { DataError } from '../../data/data-error.js';
import { readDictionaryFile } from '../../data/pronunciations-node.js';
import { loadCheckpoint } from '../../io/checkpoint-dir.js';
import { g2pSplit, loadG2P } from '../../tasks/g2p/index.js';
import { num, requiredFlag, type Command } from '../args.js';
import { CMUDICT, readData } from './train.js';

export const g2pEvalCommand: Command = {
  name: 'eval',
  summary: 'word and phoneme error rates of a g2p checkpoint',
  usage: 'loom eval --checkpoint DIR [--data FILE] [--beam K] [--limit N]',
  options: {
    checkpoint: { type: 'string' },
    data: { type: 'string' },
    beam: { type: 'string' },
    limit: { type: 'string' },
    batch: { type: 'string' },
  },
  help: {
    'checkpoint DIR': 'a g2p checkpoint directory, or its training run directory',
    'data FILE': "evaluate on every word of this dictionary (CMUdict layout) (default: the run's test words)",
    'beam K': 'beam width, 1 = greedy (default 1)',
    'limit N': 'evaluate only the first N words',
    'batch B': 'words decoded together (default 128)',
  },
  run(v) {
    const checkpointDir = requiredFlag(v, 'checkpoint', 'DIR', 'eval');
    const beam = num(v, 'beam', 1, { int: true, min: 1 });
    const batch = num(v, 'batch', 128, { int: true, min: 1 });
    const ckpt = loadCheckpoint(checkpointDir);
    const { predictor, taskConfig } = loadG2P(ckpt);
    let dict;
    let words: string[];
    let what: string;
    if (typeof v.data === 'string') {
      dict = readDictionaryFile(v.data, { stress: taskConfig.stress });
      words = [...dict.byWord.keys()];
      what = `every word of '${v.data}'`;
    } else {
      dict = readData(taskConfig);
      const split = g2pSplit(dict, taskConfig.data === CMUDICT);
      words = taskConfig.data === CMUDICT ? split.test : split.val;
      what = taskConfig.data === CMUDICT ? 'the CMUdict test split' : `the validation words of '${taskConfig.data}'`;
    }
    if (v.limit !== undefined) words = words.slice(0, num(v, 'limit', 0, { int: true, min: 1 }));
    for (const w of words) {
      const r = predictor.read(w);
      if ('error' in r) throw new DataError(`${typeof v.data === 'string' ? `dictionary '${v.data}'` : 'the evaluation data'}: ${r.error}`);
    }
    console.log(`checkpoint: ${ckpt.dir} (${ckpt.meta.model}, step ${ckpt.meta.step}); ${what}${beam > 1 ? `, beam ${beam}` : ', greedy'}`);
    const s = predictor.score(dict.byWord, words, { beam, batch });
    console.log(`WER ${(100 * s.wer).toFixed(2)}% PER ${(100 * s.per).toFixed(2)}%`);
    console.log(`${s.words.toLocaleString('en-US')} words (${s.wrongWords.toLocaleString('en-US')} wrong), ${s.referencePhonemes.toLocaleString('en-US')} reference phonemes`);
    return 0;
  },
};
