/** The `loom` command line: a thin layer over the library. */
import { UsageError, runCommand, type Command } from './args.js';
import { parityCommand } from './parity.js';
import { trainCommand } from './train.js';

const commands: Command[] = [trainCommand, parityCommand];

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

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (e: unknown) => {
    if (e instanceof UsageError || (e instanceof Error && e.name.endsWith('Error') && e.name !== 'Error' && !(e instanceof TypeError))) {
      console.error(`loom: ${(e as Error).message}`);
    } else console.error(e);
    process.exitCode = 1;
  },
);
