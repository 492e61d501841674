/**
 * The operator CLI `ims-sync` (bin/ims-sync.js runs this file). `runCli` takes its streams,
 * environment and runtime factory as arguments, so tests drive it in-process over in-memory parts;
 * `main` wires it to the process.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';
import { createMemoryLog, createMemoryMetrics } from '../observability/memory.js';
import { GLOBAL_OPTIONS } from './args.js';
import { auditCommand } from './audit.js';
import { realAwsLookups } from './aws-lookups.js';
import { checkConfigCommand } from './check-config.js';
import { connectAws, type CliRuntime } from './connect.js';
import type { CliDeps, CliIo, Command, CommandContext } from './context.js';
import { deadLetterCommand } from './dead-letter.js';
import { approveCommand, rejectCommand } from './decide.js';
import { requireConfigFile, requireLiveStack, resolveEnv, type ResolveOptions } from './env.js';
import { reportError, UsageError } from './errors.js';
import { EXIT, type ExitCode } from './exit-codes.js';
import { commandHelp, toolHelp } from './help.js';
import { planCommand } from './plan.js';
import type { BudgetWait } from '../aws/rate-limiter.js';
import { showBudgetWait, silentProgress, terminalProgress, type Progress } from './progress.js';
import { reconcileCommand } from './reconcile.js';
import { replayCommand } from './replay.js';
import { reportCommand } from './report.js';
import { statusCommand } from './status.js';
import { syncUserCommand } from './sync-user.js';

export type { CliDeps, CliIo } from './context.js';
export type { CliRuntime, CliDeadLetters, RuntimeFactory } from './connect.js';
export { EXIT, type ExitCode } from './exit-codes.js';

export const COMMANDS: readonly Command[] = [
  planCommand,
  reconcileCommand,
  syncUserCommand,
  replayCommand,
  statusCommand,
  approveCommand,
  rejectCommand,
  auditCommand,
  reportCommand,
  checkConfigCommand,
  deadLetterCommand,
];

export function version(): string {
  const text = readFileSync(new URL('../../package.json', import.meta.url), 'utf8');
  const parsed: unknown = JSON.parse(text);
  return typeof parsed === 'object' && parsed !== null && 'version' in parsed ? String(parsed.version) : 'unknown';
}

/** `cli-20261123T100000Z-1a2b3c4d`: sortable by time, unique, readable in `status`. */
export function freshId(prefix: string): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  return `${prefix}-${stamp}-${randomBytes(4).toString('hex')}`;
}

export async function runCli(argv: readonly string[], io: CliIo, deps: CliDeps = {}): Promise<ExitCode> {
  const write = (stream: CliIo['stdout']) => (text: string) => {
    stream.write(text);
  };
  const out = write(io.stdout);
  const err = write(io.stderr);
  const debug = argv.includes('--debug');

  // A first, lenient pass finds the command and the global options wherever they are; the
  // command then parses everything strictly.
  let global;
  try {
    global = parseArgs({ args: [...argv], options: GLOBAL_OPTIONS, allowPositionals: true, strict: false, tokens: true });
  } catch (error) {
    return reportError(new UsageError(error instanceof Error ? error.message : String(error)), { command: undefined, debug, write: err });
  }
  const commandToken = global.tokens.find((t) => t.kind === 'positional');
  const name = commandToken?.kind === 'positional' ? commandToken.value : undefined;
  const rest = commandToken === undefined ? [...argv] : argv.filter((_, i) => i !== commandToken.index);
  const flags = global.values;

  if (flags.version === true && name === undefined) {
    out(`${version()}\n`);
    return EXIT.ok;
  }
  if (name === undefined || name === 'help') {
    const topic = name === 'help' ? global.positionals[1] : undefined;
    const command = COMMANDS.find((c) => c.name === topic);
    if (topic !== undefined && command === undefined) return reportError(unknownCommand(topic), { command: undefined, debug, write: err });
    if (name === undefined && flags.help !== true) {
      err(toolHelp(COMMANDS));
      return EXIT.usage;
    }
    out(command ? commandHelp(command) : toolHelp(COMMANDS));
    return EXIT.ok;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (command === undefined) return reportError(unknownCommand(name), { command: undefined, debug, write: err });
  if (flags.help === true) {
    out(commandHelp(command));
    return EXIT.ok;
  }

  const log = createMemoryLog(debug ? (line) => err(`[${line.level}] ${line.message} ${JSON.stringify(line.attributes)}\n`) : undefined);
  const metrics = createMemoryMetrics();
  let connected: Promise<CliRuntime> | undefined;
  // Budget waits happen deep in UMAPI reads: shown on the progress line of the command running.
  let shownProgress: Progress = silentProgress;
  const onBudgetWait = (wait: BudgetWait) => showBudgetWait(shownProgress, wait);
  const cwd = io.cwd ?? process.cwd();
  const environment = (options?: ResolveOptions) => resolveEnv(io.env, stringFlags(flags), cwd, options);
  const connect = async (): Promise<CliRuntime> => {
    const resolved = environment();
    const { env, source, configNamedBy } = resolved;
    if (io.isTTY) err(`ims-sync: using ${source}\n`);
    requireLiveStack(resolved);
    requireConfigFile(env, configNamedBy, cwd);
    return (deps.runtime ?? connectAws)(env, { log, metrics, onBudgetWait });
  };
  const context: CommandContext = {
    out,
    err,
    progress: (json) => (shownProgress = io.isTTY && !json ? terminalProgress(err) : silentProgress),
    connect: () => (connected ??= connect()),
    environment,
    cwd,
    awsLookups: deps.awsLookups ?? realAwsLookups,
    newId: deps.newId ?? freshId,
    ...(io.ask ? { ask: io.ask } : {}),
  };
  try {
    return await command.run(rest, context);
  } catch (error) {
    return reportError(error, { command: command.name, debug, write: err });
  } finally {
    if (connected !== undefined) await connected.then((world) => world.close()).catch(() => undefined);
  }
}

function unknownCommand(name: string): UsageError {
  return new UsageError(`unknown command "${name}" (commands: ${COMMANDS.map((c) => c.name).join(', ')})`);
}

function stringFlags(values: Record<string, string | boolean | (string | boolean)[] | undefined>): { envFile?: string; stage?: string; config?: string } {
  const pick = (name: string): string | undefined => {
    const value = values[name];
    return typeof value === 'string' ? value : undefined;
  };
  const envFile = pick('env-file');
  const stage = pick('stage');
  const config = pick('config');
  return { ...(envFile !== undefined ? { envFile } : {}), ...(stage !== undefined ? { stage } : {}), ...(config !== undefined ? { config } : {}) };
}

/** The process's own streams and environment. */
export async function main(): Promise<ExitCode> {
  const ask = process.stdin.isTTY === true ? askOnTerminal : undefined;
  return runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env, isTTY: process.stderr.isTTY === true, ...(ask ? { ask } : {}) });
}

async function askOnTerminal(question: string): Promise<string> {
  const prompt = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return await prompt.question(question);
  } finally {
    prompt.close();
  }
}
