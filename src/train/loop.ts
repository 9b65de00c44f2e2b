/**
 * The training loop: one loop for every task, the CLI's and the browser's. It reads top to bottom like
 * nanoGPT's train.py: options, model, optimizer and schedule, resume, the loop, the final evaluation.
 *
 *   for step = first+1 .. steps:
 *     batch = task.nextBatch();  loss = task.loss(batch);  loss.backward()
 *     ‖g‖ = clipGradNorm(params, clip)          (measured only, when clip = 0)
 *     stop with a DivergenceError if loss or ‖g‖ is NaN/±Inf (before the optimizer step)
 *     optimizer.step();  schedule.step()
 *     metrics: { step, loss, lr, grad_norm, <unit>_per_s };  every evalEvery: task.evaluate('periodic')
 *     every checkpointEvery, at the last step and when stopped: a checkpoint
 *
 * A checkpoint holds the model, the optimizer, the schedule, the global generator and the task's
 * state (its data position, its generators), so a run resumed from it continues with exactly the
 * losses an uninterrupted run would have had. Storage goes through `RunStorage`: no file system here.
 *
 * @example
 *   const result = await train(task, { steps: 400, lr: 2e-3, optimizer: 'adam', weightDecay: 0, clip: 1,
 *     schedule: 'constant', warmup: 0, seed: 0, evalEvery: 100, checkpointEvery: 100 },
 *     { storage: new NodeRunStorage('runs/lstm'), onProgress: (e) => console.log(e) });
 */
import { heapRefusal, OutOfMemoryError } from '../core/memory.js';
import { defaultGenerator, manualSeed } from '../core/random.js';
import { scope } from '../core/storage.js';
import type { Tensor } from '../core/tensor.js';
import { checkpointOptimizerState, checkpointTensors, CheckpointError, encodeCheckpoint, loadCheckpointWeights, type Checkpoint, type CheckpointFiles } from '../io/checkpoint.js';
import type { Module } from '../nn/module.js';
import { Adam, AdamW, clipGradNorm, CosineWithWarmup, type Optimizer } from '../optim/index.js';
import { trainOptionsProblem, type TrainOptions } from './options.js';
import type { MetricsRecord, RunStorage } from './storage.js';
import type { Evaluation, Task } from './task.js';

/** What the loop reports as it goes. */
export type ProgressEvent =
  | { kind: 'start'; step: number; steps: number; parameters: number; resumed: boolean }
  | { kind: 'step'; step: number; steps: number; loss: number; lr: number; gradNorm?: number; itemsPerSecond: number }
  | { kind: 'eval'; step: number; evaluation: Evaluation; final: boolean }
  | { kind: 'checkpoint'; step: number };

export interface TrainContext {
  storage: RunStorage;
  /** Continue this checkpoint's run (written by the same task); the options should be the ones it saved. */
  resumeFrom?: Checkpoint;
  onProgress?: (event: ProgressEvent) => void;
  /** Asked after every step; true ends the run there with a checkpoint (Ctrl-C, a stop button). */
  shouldStop?: () => boolean;
}

/** `finished`: all steps and the final evaluation done. `stopped`: shouldStop. `already-finished`: the checkpoint was at `steps`. */
export interface TrainResult {
  status: 'finished' | 'stopped' | 'already-finished';
  step: number;
  /** The final evaluation (when finished). */
  evaluation?: Evaluation;
}

/** The loss or the gradient norm became NaN or infinite; the step was not applied. */
export class DivergenceError extends Error {
  constructor(
    /** The step that would have been taken (1-based). */
    readonly step: number,
    readonly quantity: 'loss' | 'gradient norm',
    readonly value: number,
    /** The step of the last checkpoint saved, which the run left intact; null when none was saved. */
    readonly checkpointStep: number | null,
  ) {
    super(
      `training diverged at step ${step}: the ${quantity} is ${value}; stopped before the optimizer step` +
        `${checkpointStep === null ? ' (no checkpoint was saved)' : `, the checkpoint of step ${checkpointStep} is intact`}; ` +
        'try a lower learning rate or gradient clipping',
    );
    this.name = 'DivergenceError';
  }
}

/**
 * The heap ran out during the run (an OutOfMemoryError, so callers that catch those catch this too).
 * Out of memory in a validation, the run is saved first (its state there is whole); in a training
 * step, the last checkpoint stays as it was (the step had already drawn its batch).
 */
export class RunOutOfMemoryError extends OutOfMemoryError {
  constructor(
    cause: OutOfMemoryError,
    /** Where: `in training step 7`, `in the validation after step 100`. */
    readonly during: string,
    /** The step of the checkpoint the run now has; null when none was saved. */
    readonly checkpointStep: number | null,
  ) {
    super(`${cause.message} (this happened ${during}; ${checkpointStep === null ? 'no checkpoint was saved' : `the checkpoint of step ${checkpointStep} is saved`})`);
    this.name = 'RunOutOfMemoryError';
  }
}

export async function train<Config, Batch, State>(
  task: Task<Config, Batch, State>,
  options: TrainOptions,
  { storage, resumeFrom, onProgress = () => {}, shouldStop = () => false }: TrainContext,
): Promise<TrainResult> {
  // ---- options
  const problem = trainOptionsProblem(options);
  if (problem) throw new Error(`train: invalid options: ${problem}`);
  const { steps, clip, evalEvery, checkpointEvery, stopOnNonFinite = true } = options;

  // ---- model, optimizer, schedule
  const { model, opt, sched } = setUp(task, options);
  const refusal = heapRefusal(task.memoryEstimate?.() ?? 0, 'a training step of this run');
  if (refusal) throw refusal;
  const params = model.parameters();

  // ---- resume: weights, optimizer, schedule, generators, the task's data position
  let step = resumeFrom ? restore(resumeFrom, task, model, opt, sched, options) : 0;
  let savedStep: number | null = resumeFrom ? step : null;
  const save = async () => {
    const files = checkpointFiles(task, options, step, { model, opt, sched });
    await storage.writeCheckpoint(files);
    savedStep = step;
    onProgress({ kind: 'checkpoint', step });
  };
  const log = (record: MetricsRecord) => storage.appendMetrics(record);
  /**
   * `fn`, a part of training step step + 1, in a `scope`: the step's activations, gradients of
   * intermediates and batch go back to the heap when it returns (PyTorch frees them by reference count),
   * instead of waiting for a forced collection. Out of memory there, the last checkpoint stays.
   */
  const inStep = <T>(fn: () => T): T => {
    try {
      return scope(fn);
    } catch (e) {
      if (e instanceof OutOfMemoryError) throw new RunOutOfMemoryError(e, `in training step ${step + 1}`, savedStep);
      throw e;
    }
  };
  /** The task's evaluation; out of memory there, the run is saved at this step first. */
  const validation = async (kind: 'periodic' | 'final', during: string): Promise<Evaluation> => {
    try {
      return task.evaluate(kind);
    } catch (e) {
      if (!(e instanceof OutOfMemoryError)) throw e;
      if (savedStep !== step) await save();
      throw new RunOutOfMemoryError(e, during, savedStep);
    }
  };

  await storage.startMetrics(step);
  onProgress({ kind: 'start', step, steps, parameters: model.numParameters(), resumed: resumeFrom !== undefined });
  if (step >= steps) return { status: 'already-finished', step };

  // ---- the loop
  let items = 0;
  const t0 = performance.now();
  model.train();
  while (step < steps) {
    const lr = opt.paramGroups[0].lr;
    const { items: batchItems, value, gradNorm } = inStep(() => {
      const batch = task.nextBatch();
      const loss = task.loss(batch);
      opt.zeroGrad();
      loss.backward();
      // clipping returns the norm before it; with clip = 0 an infinite bound only measures it
      const gradNorm = clip > 0 ? clipGradNorm(params, clip) : stopOnNonFinite ? clipGradNorm(params, Infinity) : undefined;
      return { items: task.batchSize(batch), value: loss.item(), gradNorm };
    });
    if (stopOnNonFinite && !Number.isFinite(value)) throw new DivergenceError(step + 1, 'loss', value, savedStep);
    if (stopOnNonFinite && !Number.isFinite(gradNorm)) throw new DivergenceError(step + 1, 'gradient norm', gradNorm!, savedStep);
    inStep(() => opt.step());
    sched?.step();
    step++;

    items += batchItems;
    const itemsPerSecond = items / ((performance.now() - t0) / 1000);
    await log({ step, loss: value, lr, ...(gradNorm !== undefined ? { grad_norm: gradNorm } : {}), [`${task.unit}_per_s`]: Math.round(itemsPerSecond) });
    onProgress({ kind: 'step', step, steps, loss: value, lr, gradNorm, itemsPerSecond });
    if (evalEvery > 0 && step % evalEvery === 0 && step < steps) {
      const evaluation = await validation('periodic', `in the validation after step ${step}`);
      await log({ step, ...evaluation.metrics });
      onProgress({ kind: 'eval', step, evaluation, final: false });
    }
    if (step % checkpointEvery === 0 || step === steps) await save();

    await yieldToEventLoop(); // lets a Ctrl-C or a stop button reach shouldStop
    if (shouldStop()) {
      if (savedStep !== step) await save();
      return { status: 'stopped', step };
    }
  }

  // ---- the result: the full evaluation
  const evaluation = await validation('final', `in the final validation, after step ${step}`);
  await log({ step, ...evaluation.metrics });
  onProgress({ kind: 'eval', step, evaluation, final: true });
  return { status: 'finished', step, evaluation };
}

/** The model as a fresh run creates it (the global generator seeded first), its optimizer and schedule. */
function setUp<C, B, S>(task: Task<C, B, S>, options: TrainOptions): { model: Module; opt: Optimizer; sched: CosineWithWarmup | null } {
  manualSeed(options.seed);
  const model = task.createModel();
  const params = model.parameters();
  const opt: Optimizer =
    options.optimizer === 'adamw' ? new AdamW(params, { lr: options.lr, weightDecay: options.weightDecay }) : new Adam(params, { lr: options.lr });
  const sched =
    options.schedule === 'cosine' || options.warmup > 0
      ? new CosineWithWarmup(opt, { warmupSteps: options.warmup, totalSteps: options.schedule === 'cosine' ? Math.max(options.steps, options.warmup, 1) : Number.MAX_SAFE_INTEGER })
      : null;
  return { model, opt, sched };
}

/** The checkpoint of the run at `step`: model, optimizer, schedule, the global generator and the task's state. */
function checkpointFiles<C, B, S>(task: Task<C, B, S>, options: TrainOptions, step: number, { model, opt, sched }: ReturnType<typeof setUp>): CheckpointFiles {
  const { json, tensors } = task.saveState();
  const { name, config, vocab } = task.describeModel();
  return encodeCheckpoint({
    meta: {
      task: task.name,
      model: name,
      config,
      vocab,
      taskConfig: task.config as Record<string, unknown>,
      training: options as unknown as Record<string, unknown>,
      step,
      taskState: json as Record<string, unknown>,
      rng: defaultGenerator.getState(),
      schedule: sched?.stateDict(),
    },
    model,
    optimizer: opt.stateDict(),
    tensors,
  });
}

/**
 * The step-0 checkpoint of a run of `task` and `options` whose model starts from other weights than its
 * initialisation (`loom import`): `fit` gets the new model's state dict and returns the weights to load
 * in its place (having checked their keys and shapes). Resumed, it trains as a fresh run would have
 * from those weights: same data order, same generators.
 */
export function initialCheckpoint<C, B, S>(task: Task<C, B, S>, options: TrainOptions, fit: (own: Map<string, Tensor>) => Map<string, Tensor>): CheckpointFiles {
  const problem = trainOptionsProblem(options);
  if (problem) throw new Error(`initialCheckpoint: invalid options: ${problem}`);
  const run = setUp(task, options);
  run.model.loadStateDict(fit(run.model.stateDict()));
  return checkpointFiles(task, options, 0, run);
}

/** Puts a checkpoint's trajectory back into the run; returns its step. */
function restore<C, B, S>(ckpt: Checkpoint, task: Task<C, B, S>, model: Module, opt: Optimizer, sched: CosineWithWarmup | null, options: TrainOptions): number {
  const { meta, dir } = ckpt;
  const where = `${dir}/config.json`;
  const { name } = task.describeModel();
  if (meta.task !== task.name) throw new CheckpointError(`checkpoint '${dir}' is for the task '${meta.task}', not '${task.name}'`);
  if (meta.model !== name) throw new CheckpointError(`checkpoint '${dir}' is for the model '${meta.model}', not '${name}' as requested`);
  loadCheckpointWeights(ckpt, model, name);
  try {
    opt.loadStateDict(checkpointOptimizerState(ckpt));
  } catch (e) {
    if (e instanceof CheckpointError) throw e;
    throw new CheckpointError(`checkpoint file '${dir}/optimizer.safetensors' does not fit the model: ${(e as Error).message}`);
  }
  if (sched) {
    if (!meta.schedule) throw new CheckpointError(`checkpoint file '${where}' has no learning-rate schedule state`);
    try {
      sched.loadStateDict(meta.schedule);
    } catch (e) {
      throw new CheckpointError(`checkpoint file '${where}' has an invalid learning-rate schedule state: ${(e as Error).message}`);
    }
    if (options.schedule === 'cosine') sched.totalSteps = Math.max(options.steps, options.warmup, 1); // a longer run stretches the decay
  }
  try {
    defaultGenerator.setState(meta.rng as number[]);
  } catch (e) {
    throw new CheckpointError(`checkpoint file '${where}' has an invalid RNG state: ${(e as Error).message}`);
  }
  try {
    task.loadState(meta.taskState as S, { read: (file) => checkpointTensors(ckpt, file), where: (file) => `${dir}/${file}` });
  } catch (e) {
    if (e instanceof CheckpointError) throw e;
    throw new CheckpointError(`checkpoint file '${where}' has a task state that does not fit the run: ${(e as Error).message}`);
  }
  return meta.step;
}

/** Lets pending events (a signal, a click) run: setImmediate on Node, a zero timeout elsewhere. */
function yieldToEventLoop(): Promise<void> {
  return new Promise<void>((resolve) => (typeof setImmediate === 'function' ? setImmediate(resolve) : setTimeout(resolve, 0)));
}
