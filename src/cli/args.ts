/** Flag parsing shared by the commands: `--name value`, `--flag`, and a `--help` text for each command. */
import { parseArgs, type ParseArgsConfig } from 'node:util';

export interface Command {
  name: string;
  summary: string;
  usage: string;
  options: NonNullable<ParseArgsConfig['options']>;
  /** One line per option, shown by --help. */
  help: Record<string, string>;
  run(values: Record<string, string | boolean | undefined>, positionals: string[]): Promise<number> | number;
}

/** A user error: printed as one sentence, exit code 1, no stack trace. */
export class UsageError extends Error {}

export function helpText(c: Command): string {
  const lines = [`loom ${c.name} — ${c.summary}`, '', `usage: ${c.usage}`, '', 'options:'];
  const width = Math.max(4, ...Object.keys(c.help).map((k) => k.length)) + 4;
  for (const [k, v] of Object.entries(c.help)) lines.push(`  --${k.padEnd(width)}${v}`);
  lines.push(`  --${'help'.padEnd(width)}show this help`);
  return lines.join('\n');
}

export async function runCommand(c: Command, argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: { ...c.options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true });
  } catch (e) {
    throw new UsageError(`${(e as Error).message}; see 'loom ${c.name} --help'`);
  }
  if (parsed.values.help) {
    console.log(helpText(c));
    return 0;
  }
  return c.run(parsed.values as Record<string, string | boolean | undefined>, parsed.positionals);
}

/** A numeric flag, validated. */
export function num(values: Record<string, unknown>, key: string, fallback: number, { int = false, min = -Infinity } = {}): number {
  const raw = values[key];
  if (raw === undefined) return fallback;
  const v = Number(raw);
  if (!Number.isFinite(v) || (int && !Number.isInteger(v)) || v < min)
    throw new UsageError(`--${key} must be ${int ? 'an integer' : 'a number'}${min > -Infinity ? ` >= ${min}` : ''}, got '${raw}'`);
  return v;
}
