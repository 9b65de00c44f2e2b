/**
 * What every `loom train --task NAME` shares once its flags are a task and loop options: the library's
 * loop (src/train/loop.ts) on a progress bar, Ctrl-C and SIGTERM, divergence, and the closing lines.
 *
 * Ctrl-C or SIGTERM: the step in progress finishes, a checkpoint is saved, and the process exits with
 * 130 (SIGINT) or 143 (SIGTERM), as shells report a signal. A second signal exits at once (the last
 * complete checkpoint stays intact). A loss or gradient norm that turns NaN or infinite stops the run
 * before its optimizer step: a UsageError (exit 1) that says what to try, the last checkpoint intact.
 *
 * @example
 *   const code = await runTrainingCli({ task, options, storage, out, resuming, earlierRun,
 *     resumeCommand: `loom train --task g2p --out ${out} --resume`, header: (n) => console.log(`${n} parameters`) });
 *   if (code !== 0) return code;   // interrupted
 */
import { CheckpointError, decodeCheckpoint, type Checkpoint } from '../io/checkpoint.js';
import type { SaveHook } from '../io/checkpoint-dir.js';
import { DivergenceError, train, type ProgressEvent } from '../train/loop.js';
import { NodeRunStorage } from '../train/node-storage.js';
import { trainOptionsProblem, type TrainOptions } from '../train/options.js';
import type { Task } from '../train/task.js';
import { UsageError } from './args.js';
import { Progress } from './progress.js';

const EXIT_CODE = { SIGINT: 130, SIGTERM: 143 } as const;

/**
 * The run directory `out` (`--out`, as the user wrote it), checked before any data is read or any line
 * printed, and with `resuming` (`--resume`) the checkpoint it holds. UsageError when the directory
 * cannot hold a run or holds nothing to resume.
 */
export function openRun(out: string, resuming: boolean, hook?: SaveHook): { storage: NodeRunStorage; earlierRun: boolean; resumeFrom?: Checkpoint } {
  const storage = new NodeRunStorage(out, hook);
  const outProblem = storage.prepare();
  if (outProblem) throw new UsageError(`--out '${out}': ${outProblem}`);
  const ckptDir = storage.checkpointLocation;
  const earlierRun = storage.hasCheckpoint();
  if (!resuming) return { storage, earlierRun };
  if (!earlierRun) throw new UsageError(`--resume: '${out}' holds no checkpoint to resume (expected ${ckptDir}); start a run without --resume`);
  return { storage, earlierRun, resumeFrom: decodeCheckpoint(storage.readCheckpoint()!, ckptDir) };
}

/** The loop options a checkpoint saved, checked (a hand-edited config.json gets a CheckpointError). */
export function savedTrainOptions(ckpt: Checkpoint): TrainOptions {
  const options = structuredClone(ckpt.meta.training);
  const problem = trainOptionsProblem(options);
  if (problem) throw new CheckpointError(`checkpoint file '${ckpt.dir}/config.json' has invalid training options: ${problem}`);
  return options as unknown as TrainOptions;
}

export interface TrainingRun {
  task: Task<unknown, unknown, unknown>;
  options: TrainOptions;
  storage: NodeRunStorage;
  /** The run directory as the user wrote it. */
  out: string;
  /** The checkpoint to continue (`--resume`). */
  resumeFrom?: Checkpoint;
  /** True when `out` held a checkpoint before this run (a new run replaces it: say so). */
  earlierRun: boolean;
  /** The command that continues this run, for the line printed when it is interrupted. */
  resumeCommand: string;
  /** Prints what is being trained (model, data, settings), given the parameter count. */
  header(parameters: number): void;
  /** The throughput's label on the progress bar (default `<unit>/s`). */
  rateLabel?: string;
}

/**
 * Runs the loop. Returns 0 when the run finished (or was already finished: said on stdout), else the
 * exit code of the signal that stopped it (a checkpoint saved).
 */
export async function runTrainingCli(run: TrainingRun): Promise<{ code: number; finished: boolean }> {
  const { task, options, storage, out, resumeFrom } = run;
  const ckptDir = storage.checkpointLocation;
  const rateLabel = run.rateLabel ?? `${task.unit}/s`;
  let bar: Progress | undefined;
  let done = 0;
  const onProgress = (e: ProgressEvent) => {
    if (e.kind === 'start') {
      run.header(e.parameters);
      if (!resumeFrom && run.earlierRun) console.log(`note: '${out}' holds an earlier run; this new run replaces it (pass --resume to continue that one instead)`);
      if (resumeFrom && e.step < e.steps) console.log(`resuming from step ${e.step}`);
      bar = new Progress(e.steps, process.stdout, e.step);
      done = e.step;
    } else if (e.kind === 'step') {
      done = e.step;
      bar!.update(e.step, { loss: e.loss.toFixed(3), [rateLabel]: Math.round(e.itemsPerSecond).toLocaleString('en-US') });
    } else if (e.kind === 'eval') {
      if (e.final) console.log(e.evaluation.summary);
      else bar!.log(`step ${e.step}: ${e.evaluation.summary}`);
    }
  };
  let signal: keyof typeof EXIT_CODE | null = null;
  const onSignal = (sig: keyof typeof EXIT_CODE) => {
    if (signal) process.exit(EXIT_CODE[sig]); // second signal: now (the last checkpoint is complete)
    signal = sig;
    bar?.log(`${sig}: stopping after step ${done}, saving a checkpoint (again to quit at once)`);
  };
  const onInt = () => onSignal('SIGINT');
  const onTerm = () => onSignal('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  let result;
  try {
    result = await train(task, options, { storage, resumeFrom, onProgress, shouldStop: () => signal !== null });
  } catch (e) {
    if (e instanceof DivergenceError) throw new UsageError(divergenceSentence(e, options, ckptDir));
    throw e;
  } finally {
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
  }
  if (result.status === 'already-finished') {
    console.log(`the checkpoint in '${ckptDir}' is already at step ${result.step} of ${options.steps}; pass a larger --steps to train further`);
    return { code: 0, finished: false };
  }
  if (result.status === 'stopped') {
    bar!.log(`interrupted: saved a checkpoint at step ${result.step} in '${ckptDir}'; continue with: ${run.resumeCommand}`);
    return { code: EXIT_CODE[signal!], finished: false };
  }
  console.log(`checkpoint: ${ckptDir}`);
  return { code: 0, finished: true };
}

/** The one sentence a diverged run ends with. */
function divergenceSentence(e: DivergenceError, o: TrainOptions, ckptDir: string): string {
  const kept = e.checkpointStep === null ? 'no checkpoint was saved' : `the checkpoint of step ${e.checkpointStep} in '${ckptDir}' is intact`;
  const tryThis = o.clip > 0 ? `a lower --lr (this run: ${o.lr})` : `a lower --lr (this run: ${o.lr}) or gradient clipping (--clip 1)`;
  return `training diverged at step ${e.step}: the ${e.quantity} is ${e.value}; stopped before the optimizer step, ${kept}; try ${tryThis}`;
}
