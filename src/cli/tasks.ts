/**
 * The tasks the CLI trains, and how a command finds its task. A task brings its own commands (`train`,
 * `eval`, and e.g. `sample`, `predict`, `forecast`), each a `Command` with its own flags and --help.
 *
 *   loom train --task NAME ...          NAME's train command (default char-lm; with --resume and no
 *                                       --task, the task of the checkpoint in --out)
 *   loom eval --checkpoint DIR ...      the eval command of the task that wrote DIR (and so for every
 *                                       other task command)
 *
 * Adding a task: its commands in src/cli/<task>/, one entry in TASKS.
 */
import { checkpointTask } from '../io/checkpoint-dir.js';
import { UsageError, type Command } from './args.js';
import { evalCommand } from './eval.js';
import { g2pEvalCommand } from './g2p/eval.js';
import { g2pPredictCommand } from './g2p/predict.js';
import { g2pTrainCommand, planG2PRun } from './g2p/train.js';
import { exportCommand } from './export.js';
import { importCommand } from './import.js';
import { forecastCommand, forecastEvalCommand, forecastTrainCommand, planForecastRun } from './forecast/commands.js';
import { fashionEvalCommand } from './fashion-mnist/eval.js';
import { fashionPredictCommand } from './fashion-mnist/predict.js';
import { fashionTrainCommand, planImageRun } from './fashion-mnist/train.js';
import { sampleCommand } from './sample.js';
import { taskImportCommand } from './task-import.js';
import { trainCommand } from './train.js';

export interface TaskCli {
  /** As `--task` takes it and checkpoints record it. */
  name: string;
  summary: string;
  /** Its commands; `train` among them. */
  commands: Command[];
}

export const DEFAULT_TASK = 'char-lm';

export const TASKS: TaskCli[] = [
  { name: 'char-lm', summary: 'character-level language models (Moby Dick by default)', commands: [trainCommand, evalCommand, sampleCommand, exportCommand, importCommand] },
  { name: 'g2p', summary: 'grapheme-to-phoneme conversion (CMUdict by default)', commands: [g2pTrainCommand, g2pEvalCommand, g2pPredictCommand, exportCommand, taskImportCommand('g2p', g2pTrainCommand, planG2PRun)] },
  { name: 'forecast', summary: 'daily time-series forecasting (US births 1969-1988 by default)', commands: [forecastTrainCommand, forecastEvalCommand, forecastCommand, exportCommand, taskImportCommand('forecast', forecastTrainCommand, planForecastRun)] },
  { name: 'fashion-mnist', summary: 'image classifiers (cnn, se-cnn, vit, swin) on Fashion-MNIST or MNIST-layout data', commands: [fashionTrainCommand, fashionEvalCommand, fashionPredictCommand, exportCommand, taskImportCommand('fashion-mnist', fashionTrainCommand, planImageRun)] },
];

/** The names of the task commands, in the order the tasks list them. */
export function taskCommandNames(): string[] {
  return [...new Set(TASKS.flatMap((t) => t.commands.map((c) => c.name)))];
}

/**
 * The command `name` of the task that `argv` means, and `argv` without `--task`. The task is `--task`'s,
 * else (for train only with --resume) the one recorded in the checkpoint of `--checkpoint` or `--out`,
 * else char-lm.
 */
export function resolveTaskCommand(name: string, argv: string[]): { command: Command; argv: string[] } {
  const { value: taskFlag, rest } = takeFlag(argv, 'task');
  const taskNames = TASKS.map((t) => t.name).join(', ');
  let taskName = taskFlag;
  if (taskName === undefined) {
    const dir = name === 'train' ? (rest.includes('--resume') ? flagValue(rest, 'out') : undefined) : flagValue(rest, 'checkpoint');
    taskName = (dir !== undefined ? checkpointTask(dir) : null) ?? DEFAULT_TASK;
  }
  const task = TASKS.find((t) => t.name === taskName);
  if (!task) {
    if (taskFlag !== undefined) throw new UsageError(`unknown task '${taskName}'; --task takes ${taskNames}`);
    throw new UsageError(`the checkpoint was written by the task '${taskName}', which this Loom does not know (it knows ${taskNames})`);
  }
  const command = task.commands.find((c) => c.name === name);
  if (!command) {
    const has = task.commands.map((c) => `loom ${c.name}`).join(', ');
    throw new UsageError(`the ${task.name} task has no 'loom ${name}' (its commands: ${has})`);
  }
  return { command, argv: rest };
}

/** `--name VALUE` or `--name=VALUE`, taken out of argv (the last one wins, as parseArgs has it). */
function takeFlag(argv: string[], name: string): { value: string | undefined; rest: string[] } {
  let value: string | undefined;
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      rest.push(...argv.slice(i));
      break;
    }
    if (a === `--${name}`) {
      value = argv[++i];
      if (value === undefined) throw new UsageError(`--${name} needs a value`);
    } else if (a.startsWith(`--${name}=`)) value = a.slice(name.length + 3);
    else rest.push(a);
  }
  return { value, rest };
}

function flagValue(argv: string[], name: string): string | undefined {
  return takeFlag(argv, name).value;
}
