/**
 * Command-line parsing with `node:util` parseArgs: the options every command accepts, and the
 * checks that turn a bad value into a usage error (exit 64) naming the option and the fix.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { closest } from '../config/did-you-mean.js';
import { UsageError } from './errors.js';

type Options = NonNullable<ParseArgsConfig['options']>;

export const GLOBAL_OPTIONS = {
  config: { type: 'string' },
  'env-file': { type: 'string' },
  stage: { type: 'string' },
  debug: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
} as const satisfies Options;

export const GLOBAL_HELP = `Global options:
  --config <path>     Sync configuration (overrides SYNC_CONFIG)
  --env-file <path>   Read the variables from this file (default: .local-state/stack.env when present)
  --stage <name>      A deployed stage: use the exported variables only, checked to be that stage's
  --debug             Show logs and stack traces on stderr
  -h, --help          Show help (also: ims-sync help <command>)
  --version           Show the version`;

/** Parse a command's arguments, strictly: unknown options and missing values are usage errors. */
export function parseCommand<O extends Options>(command: string, args: readonly string[], options: O) {
  try {
    return parseArgs({ args: [...args], options: { ...GLOBAL_OPTIONS, ...options }, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(firstSentence(error), command);
  }
}

/** parseArgs' messages go on to explain `--`; the first sentence is what the operator needs. */
function firstSentence(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split(/(?<=\.) /)[0] ?? message;
}

export function expectPositionals(command: string, positionals: readonly string[], names: readonly string[]): string[] {
  if (positionals.length < names.length) {
    throw new UsageError(`missing ${names.slice(positionals.length).map((n) => `<${n}>`).join(' ')}`, command);
  }
  if (positionals.length > names.length) {
    throw new UsageError(`unexpected argument "${positionals[names.length] ?? ''}"`, command);
  }
  return [...positionals];
}

/** An ISO-8601 time with a zone (`2026-11-23T10:00:00Z`) or a date (`2026-11-23`, UTC midnight). */
export function isoOption(command: string, name: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const dateOnly = /^\d{4}-\d{2}-\d{2}$/.test(value);
  const withZone = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(value);
  const ms = Date.parse(dateOnly ? `${value}T00:00:00Z` : value);
  if ((!dateOnly && !withZone) || Number.isNaN(ms)) {
    throw new UsageError(`--${name} "${value}" is not an ISO-8601 time with a zone, e.g. 2026-11-23T10:00:00Z or 2026-11-23`, command);
  }
  return new Date(ms).toISOString();
}

export function intOption(command: string, name: string, value: string | undefined, range: { min: number; max: number }): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < range.min || n > range.max) {
    throw new UsageError(`--${name} "${value}" must be a whole number from ${range.min} to ${range.max}`, command);
  }
  return n;
}

/** `--target` values must name configured targets; a typo gets a suggestion. */
export function checkTargets(command: string, requested: readonly string[], configured: readonly string[]): void {
  for (const id of requested) {
    if (configured.includes(id)) continue;
    const suggestion = closest(id, configured);
    throw new UsageError(
      `no target "${id}" in the configuration${suggestion ? ` — did you mean "${suggestion}"?` : ''} (targets: ${configured.join(', ')})`,
      command,
    );
  }
}
