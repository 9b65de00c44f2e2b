/**
 * `loom import --from pytorch FILE.safetensors --model NAME [size flags] --vocab TEXTFILE --out DIR`: a
 * state dict that PyTorch saved becomes the run directory DIR with a Loom checkpoint at step 0, which
 * `loom sample`, `loom eval` and `loom train --out DIR --resume` accept. The vocabulary is every
 * character of TEXTFILE (as `loom train --data TEXTFILE` builds it), and TEXTFILE is what a resumed run
 * trains on. Keys and shapes that do not fit the model are refused by name (src/export/pytorch/import.ts).
 */
import { resolve } from 'node:path';
import { readTextFile, textHash } from '../data/corpus.js';
import { CharVocab } from '../data/vocab.js';
import { importCharLM } from '../export/pytorch/import.js';
import { findModel, MODELS } from '../tasks/char-lm/index.js';
import type { CharLMConfig } from '../tasks/char-lm/task.js';
import { NodeRunStorage } from '../train/node-storage.js';
import type { TrainOptions } from '../train/options.js';
import { num, UsageError, type Command } from './args.js';
import { readStateDictFile } from './task-import.js';
import { modelConfigFromFlags } from './train.js';

export const importCommand: Command = {
  name: 'import',
  summary: 'make a checkpoint of a state dict that PyTorch saved (safetensors)',
  usage: 'loom import --from pytorch FILE.safetensors --model NAME [--embed E --hidden H --layers L --heads N --seq T] --vocab TEXTFILE --out DIR',
  positionals: 'FILE.safetensors',
  options: {
    from: { type: 'string' },
    model: { type: 'string' },
    vocab: { type: 'string' },
    out: { type: 'string' },
    embed: { type: 'string' },
    hidden: { type: 'string' },
    layers: { type: 'string' },
    heads: { type: 'string' },
    seq: { type: 'string' },
    batch: { type: 'string' },
    seed: { type: 'string' },
  },
  help: {
    'from pytorch': 'FILE is a safetensors state dict under PyTorch keys (save_file(net.state_dict()), model.py\'s save, or an export\'s model.safetensors)',
    'model NAME': `the model the weights are for: ${MODELS.map((m) => m.name).join(' | ')}`,
    'vocab TEXTFILE': 'the text whose characters are the vocabulary, in code-point order (the text the model was trained on); a resumed run trains on it',
    'out DIR': 'the run directory to write (DIR/checkpoint), as loom train --out',
    'embed E, --hidden H, --layers L, --heads N': 'the model\'s sizes, as loom train takes them (default: loom train\'s)',
    'seq T': 'window length, the block size of the gpts (default: loom train\'s)',
    'batch B': 'streams or windows per step of a resumed run (default: loom train\'s)',
    'seed S': 'the seed a resumed run\'s data order starts from (default 0)',
  },
  run(v, positionals) {
    if (v.from !== 'pytorch') throw new UsageError(v.from === undefined ? `--from pytorch is required; see 'loom import --help'` : `--from takes pytorch, got '${String(v.from)}'`);
    if (positionals.length !== 1) throw new UsageError(`loom import takes one FILE.safetensors, got ${positionals.length}; see 'loom import --help'`);
    if (typeof v.model !== 'string') throw new UsageError(`--model NAME is required (${MODELS.map((m) => m.name).join(', ')})`);
    const spec = findModel(v.model);
    if (!spec) throw new UsageError(`unknown model '${v.model}'; --model takes ${MODELS.map((m) => m.name).join(', ')}`);
    if (typeof v.vocab !== 'string') throw new UsageError(`--vocab TEXTFILE is required: the text whose characters are the model's vocabulary`);
    if (typeof v.out !== 'string' || v.out === '') throw new UsageError(`--out DIR is required; see 'loom import --help'`);
    const [file] = positionals;
    const t = spec.training;
    const taskConfig: CharLMConfig = {
      data: resolve(v.vocab),
      dataHash: '',
      batch: num(v, 'batch', t.batch, { int: true, min: 1 }),
      seq: num(v, 'seq', t.seq, { int: true, min: 1 }),
      evalBatches: 20,
      sampleLength: 300,
    };
    const training: TrainOptions = {
      steps: t.steps, lr: t.lr, optimizer: t.optimizer, weightDecay: t.weightDecay, clip: t.clip,
      schedule: 'constant', warmup: 0, seed: num(v, 'seed', 0, { int: true }), evalEvery: 100, checkpointEvery: 100,
    };
    const modelConfig = modelConfigFromFlags(v, spec, taskConfig.seq);
    const storage = new NodeRunStorage(v.out);
    const outProblem = storage.prepare();
    if (outProblem) throw new UsageError(`--out '${v.out}': ${outProblem}`);
    if (storage.hasCheckpoint()) throw new UsageError(`--out '${v.out}' already holds a checkpoint (${storage.checkpointLocation}); import into a new directory`);
    const text = readTextFile(v.vocab);
    taskConfig.dataHash = textHash(text);
    const bytes = readStateDictFile(file);
    const vocab = new CharVocab(text);
    storage.writeCheckpoint(importCharLM({ bytes, file, spec, modelConfig, vocab, taskConfig, training }));
    console.log(`wrote ${storage.checkpointLocation} (${spec.name}, vocabulary ${vocab.size}, step 0): loom sample --checkpoint ${v.out}, or loom train --out ${v.out} --resume --steps N`);
    return 0;
  },
};
