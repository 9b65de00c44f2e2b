/**
 * `loom import --task NAME --from pytorch FILE.safetensors [NAME's train flags] --out DIR` for the tasks
 * besides char-lm (g2p, forecast, fashion-mnist): the run that `loom train --task NAME` with the same
 * flags would start, with the file's weights in place of the model's initialisation, as a checkpoint at
 * step 0 in DIR. The data is read as train reads it, so the vocabularies (g2p), the normalisation
 * (forecast) and the classes (fashion-mnist) are the ones a run on that data has; `loom eval`,
 * `loom predict`, `loom forecast` and `loom train --out DIR --resume` accept the checkpoint. Keys and
 * shapes that do not fit the model are refused by name (src/export/pytorch/import.ts).
 */
import { readFileSync } from 'node:fs';
import { importTaskWeights } from '../export/pytorch/import.js';
import { CheckpointError } from '../io/checkpoint.js';
import { UsageError, type Command } from './args.js';
import type { TrainingRun } from './training-run.js';

type Flags = Record<string, string | boolean | undefined>;

/** The bytes of the state-dict file `file`; a CheckpointError naming it when it cannot be read. */
export function readStateDictFile(file: string): Uint8Array {
  try {
    return readFileSync(file);
  } catch (e) {
    throw new CheckpointError(`'${file}' cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

/** The import command of the task `task`, whose train command is `train` and whose flags plan a run with `plan`. */
export function taskImportCommand(task: string, train: Command, plan: (v: Flags) => TrainingRun): Command {
  const { resume: _, ...options } = train.options;
  const help = Object.fromEntries(
    Object.entries(train.help)
      .filter(([k]) => k !== 'resume')
      .map(([k, text]) => [k, k === 'out DIR' ? 'the run directory to write (DIR/checkpoint), as loom train --out; required' : text]),
  );
  return {
    name: 'import',
    summary: `make a checkpoint of a state dict that PyTorch saved (safetensors), with the flags of loom train --task ${task}`,
    usage: `loom import --task ${task} --from pytorch FILE.safetensors [the flags of loom train --task ${task}] --out DIR`,
    positionals: 'FILE.safetensors',
    options: { ...options, from: { type: 'string' } },
    help: {
      'from pytorch': "FILE is a safetensors state dict under Loom's (PyTorch's) keys: an export's model.safetensors, or save_file(net.state_dict())",
      ...help,
    },
    async run(v, positionals) {
      if (v.from !== 'pytorch') throw new UsageError(v.from === undefined ? `--from pytorch is required; see 'loom import --task ${task} --help'` : `--from takes pytorch, got '${String(v.from)}'`);
      if (positionals.length !== 1) throw new UsageError(`loom import takes one FILE.safetensors, got ${positionals.length}; see 'loom import --task ${task} --help'`);
      if (typeof v.out !== 'string' || v.out === '') throw new UsageError(`--out DIR is required; see 'loom import --task ${task} --help'`);
      const [file] = positionals;
      const run = plan(v);
      if (run.earlierRun) throw new UsageError(`--out '${v.out}' already holds a checkpoint (${run.storage.checkpointLocation}); import into a new directory`);
      await run.storage.writeCheckpoint(importTaskWeights({ bytes: readStateDictFile(file), file, task: run.task, options: run.options }));
      console.log(`wrote ${run.storage.checkpointLocation} (${task}, ${run.task.describeModel().name}, step 0): loom eval --checkpoint ${v.out}, or loom train --out ${v.out} --resume`);
      return 0;
    },
  };
}
