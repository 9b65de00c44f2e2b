/** The `loom` command line: a thin layer over the library. */
import '../node.js'; // the Node entry, as for library users: fast kernels on worker threads (LOOM_BACKEND, LOOM_THREADS)
import { OutOfMemoryError } from '../core/memory.js';
import { DataError } from '../data/corpus.js';
import { CheckpointError } from '../io/checkpoint.js';
import { SafetensorsError } from '../io/safetensors.js';
import { UsageError, runCommand, type Command } from './args.js';
import { benchCommand } from './bench.js';
import { evalCommand } from './eval.js';
import { parityCommand } from './parity.js';
import { sampleCommand } from './sample.js';
import { trainCommand } from './train.js';

const commands: Command[] = [trainCommand, sampleCommand, evalCommand, parityCommand, benchCommand];

function usage(): string {
  const w = Math.max(...commands.map((c) => c.name.length)) + 2;
  return [
    'loom — sequence models in TypeScript',
    '',
    'usage: loom <command> [options]   (loom <command> --help for its options)',
    '',
    'commands:',
    ...commands.map((c) => `  ${c.name.padEnd(w)}${c.summary}`),
  ].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage());
    return name ? 0 : 1;
  }
  const cmd = commands.find((c) => c.name === name);
  if (!cmd) throw new UsageError(`unknown command '${name}'; commands: ${commands.map((c) => c.name).join(', ')}`);
  return runCommand(cmd, rest);
}

/**
 * Errors of the user's input (flags, files, a model too large for the heap): one sentence, exit code 1.
 * Anything else is a bug: the stack.
 */
function isUserError(e: unknown): e is Error {
  return e instanceof UsageError || e instanceof DataError || e instanceof CheckpointError || e instanceof SafetensorsError || e instanceof OutOfMemoryError;
}

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (e: unknown) => {
    if (isUserError(e)) console.error(`loom: ${e.message}`);
    else console.error(e);
    process.exitCode = 1;
  },
);
