/** Flag parsing shared by the commands: `--name value`, `--flag`, and a `--help` text for each command. */
import { parseArgs, type ParseArgsConfig } from 'node:util';

export interface Command {
  name: string;
  summary: string;
  usage: string;
  options: NonNullable<ParseArgsConfig['options']>;
  /** What positional arguments the command takes, for its usage (`DIR...`); without it, any is refused. */
  positionals?: string;
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
    parsed = parseArgs({ args: joinNegativeValues(argv, c.options), options: { ...c.options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true });
  } catch (e) {
    throw new UsageError(`${(e as Error).message}; see 'loom ${c.name} --help'`);
  }
  if (parsed.values.help) {
    console.log(helpText(c));
    return 0;
  }
  if (c.positionals === undefined && parsed.positionals.length > 0)
    throw new UsageError(`loom ${c.name} takes no positional arguments, got ${parsed.positionals.map((p) => `'${p}'`).join(' ')}; see 'loom ${c.name} --help'`);
  return c.run(parsed.values as Record<string, string | boolean | undefined>, parsed.positionals);
}

/**
 * `--name -5` as `--name=-5` for a string option: node's parseArgs refuses a dash-led value as ambiguous,
 * so a negative number would never reach the option's own range check.
 */
function joinNegativeValues(argv: string[], options: Command['options']): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') return [...out, ...argv.slice(i)];
    const next = argv[i + 1];
    const option = a.startsWith('--') && !a.includes('=') ? options[a.slice(2)] : undefined;
    if (option?.type === 'string' && next !== undefined && isNegativeNumber(next)) out.push(`${a}=${argv[++i]}`);
    else out.push(a);
  }
  return out;
}

const isNegativeNumber = (s: string): boolean => s.length > 1 && s.startsWith('-') && !Number.isNaN(Number(s));

/** A flag the command cannot run without, as a string; else a UsageError naming it and `loom COMMAND --help`. */
export function requiredFlag(values: Record<string, unknown>, key: string, placeholder: string, command: string): string {
  const raw = values[key];
  if (typeof raw !== 'string') throw new UsageError(`--${key} ${placeholder} is required; see 'loom ${command} --help'`);
  return raw;
}

/** A numeric flag, validated; integers must also be exact (at most Number.MAX_SAFE_INTEGER in size). */
export function num(values: Record<string, unknown>, key: string, fallback: number, { int = false, min = -Infinity } = {}): number {
  const raw = values[key];
  if (raw === undefined) return fallback;
  const v = Number(raw);
  if (!Number.isFinite(v) || (int && !Number.isInteger(v)) || v < min)
    throw new UsageError(`--${key} must be ${int ? 'an integer' : 'a number'}${min > -Infinity ? ` >= ${min}` : ''}, got '${raw}'`);
  if (int && !Number.isSafeInteger(v))
    throw new UsageError(`--${key} must be an integer from ${Math.max(min, -Number.MAX_SAFE_INTEGER)} to ${Number.MAX_SAFE_INTEGER}, got '${raw}'`);
  return v;
}

/** `--schedule`: constant or cosine (the loop's learning-rate schedules), `fallback` when absent. */
export function scheduleFlag(raw: unknown, fallback: 'constant' | 'cosine'): 'constant' | 'cosine' {
  if (raw === undefined) return fallback;
  if (raw === 'constant' || raw === 'cosine') return raw;
  throw new UsageError(`--schedule must be constant or cosine, got '${String(raw)}'`);
}
