/** The `loom` command line: a thin layer over the library. */
import '../node.js'; // the Node entry, as for library users: fast kernels on worker threads (LOOM_BACKEND, LOOM_THREADS)
import { OutOfMemoryError } from '../core/memory.js';
import { DataError } from '../data/corpus.js';
import { CheckpointError } from '../io/checkpoint.js';
import { SafetensorsError } from '../io/safetensors.js';
import { RunStorageError } from '../train/storage.js';
import { UsageError, runCommand, type Command } from './args.js';
import { benchCommand } from './bench.js';
import { parityCommand } from './parity.js';
import { resolveTaskCommand, taskCommandNames, TASKS } from './tasks.js';

/** Commands that belong to no task. */
const commands: Command[] = [parityCommand, benchCommand];

function usage(): string {
  const taskCommands = TASKS.flatMap((t) => t.commands.map((c) => ({ name: c.name, summary: `${c.summary} (${t.name})` })));
  const w = Math.max(...[...taskCommands, ...commands].map((c) => c.name.length)) + 2;
  const tw = Math.max(...TASKS.map((t) => t.name.length)) + 2;
  return [
    'loom — sequence models in TypeScript',
    '',
    'usage: loom <command> [--task NAME] [options]   (loom <command> --help for its options)',
    '',
    'commands:',
    ...[...taskCommands, ...commands].map((c) => `  ${c.name.padEnd(w)}${c.summary}`),
    '',
    "tasks (loom train --task NAME; the other task commands follow the checkpoint's task):",
    ...TASKS.map((t) => `  ${t.name.padEnd(tw)}${t.summary}`),
  ].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage());
    return name ? 0 : 1;
  }
  if (taskCommandNames().includes(name)) {
    const { command, argv: own } = resolveTaskCommand(name, rest);
    return runCommand(command, own);
  }
  const cmd = commands.find((c) => c.name === name);
  const all = [...taskCommandNames(), ...commands.map((c) => c.name)];
  if (!cmd) throw new UsageError(`unknown command '${name}'; commands: ${all.join(', ')}`);
  return runCommand(cmd, rest);
}

/**
 * Errors of the user's input (flags, files, a model too large for the heap): one sentence, exit code 1.
 * Anything else is a bug: the stack.
 */
function isUserError(e: unknown): e is Error {
  return e instanceof UsageError || e instanceof DataError || e instanceof CheckpointError || e instanceof SafetensorsError || e instanceof OutOfMemoryError || e instanceof RunStorageError;
}

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (e: unknown) => {
    if (isUserError(e)) console.error(`loom: ${e.message}`);
    else console.error(e);
    process.exitCode = 1;
  },
);
