/**
 * Which system the CLI talks to. By default the local stack: `npm start` writes the variables of
 * its emulators and simulators to `.local-state/stack.env`. `--env-file` names another such file;
 * `--stage <name>` uses only the exported variables of a deployed stage (docs/cli.md) and checks
 * that they are that stage's.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseEnv } from 'node:util';
import { CliFailure } from './errors.js';

export type Env = Readonly<Record<string, string | undefined>>;

/** Written by the local stack (`npm start`); read by default when present. */
export const LOCAL_STACK_ENV = '.local-state/stack.env';

/** The variable of stack.env that holds the pid of the stack that wrote it (a stale file is detected by it). */
export const LOCAL_STACK_PID = 'IMS_SYNC_LOCAL_STACK_PID';

/** True while a process with this pid exists (EPERM: it exists, owned by someone else). */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error instanceof Error && 'code' in error && error.code === 'EPERM';
  }
}

/** serverless.yml: `service: ims-group-sync`, table `${self:service}-${sls:stage}`. */
const SERVICE = 'ims-group-sync';

export interface EnvFlags {
  readonly envFile?: string;
  readonly stage?: string;
  readonly config?: string;
}

export interface ResolvedEnv {
  readonly env: Env;
  /** Where the variables came from, in words ("the local stack (.local-state/stack.env)"). */
  readonly source: string;
  /** What named the configuration: `--config`, or `SYNC_CONFIG` (and where that came from). */
  readonly configNamedBy: string;
  /** The env file read, when one was. */
  readonly envFile?: string;
}

export interface ResolveOptions {
  /** An exported SYNC_CONFIG wins over the local stack file's (check-config: the operator means that file). */
  readonly preferExportedConfig?: boolean;
}

export function resolveEnv(base: Env, flags: EnvFlags, cwd: string, options: ResolveOptions = {}): ResolvedEnv {
  let env: Env = base;
  let source: string;
  let exportedConfigWins = false;
  let envFile: string | undefined;
  if (flags.envFile !== undefined) {
    env = { ...base, ...readEnvFile(resolve(cwd, flags.envFile), flags.envFile) };
    source = flags.envFile;
    envFile = flags.envFile;
  } else if (flags.stage === undefined && existsSync(resolve(cwd, LOCAL_STACK_ENV))) {
    envFile = LOCAL_STACK_ENV;
    env = { ...base, ...readEnvFile(resolve(cwd, LOCAL_STACK_ENV), LOCAL_STACK_ENV) };
    exportedConfigWins = options.preferExportedConfig === true && Boolean(base['SYNC_CONFIG']);
    if (exportedConfigWins) env = { ...env, SYNC_CONFIG: base['SYNC_CONFIG'] };
    source = `the local stack (${LOCAL_STACK_ENV})`;
  } else {
    source = flags.stage === undefined ? 'the environment' : `stage ${flags.stage} (exported variables)`;
  }
  const configNamedBy = flags.config !== undefined ? '--config' : `SYNC_CONFIG (from ${exportedConfigWins ? 'the environment' : source})`;
  if (flags.config !== undefined) env = { ...env, SYNC_CONFIG: flags.config };
  if (flags.stage !== undefined) checkStage(env, flags.stage);
  return { env, source, configNamedBy, ...(envFile !== undefined ? { envFile } : {}) };
}

function readEnvFile(path: string, shown: string): Env {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = error instanceof Error && 'code' in error ? String(error.code) : 'unreadable';
    throw new CliFailure(`cannot read the env file ${shown} (${code}) — start the local stack with \`npm start\` (it writes ${LOCAL_STACK_ENV}) or pass an existing --env-file`);
  }
  return parseEnv(text);
}

/**
 * A safety check before touching a deployed stage: the table and both queues must be the ones that
 * stage deploys (serverless.yml names them `<service>-<stage>`, `…-work.fifo`, `…-dead-letters.fifo`),
 * so a shell still holding some of another stage's variables is refused, not half-used.
 */
function checkStage(env: Env, stage: string): void {
  const prefix = `${SERVICE}-${stage}`;
  const expectations: [string, (value: string) => boolean, string][] = [
    ['TABLE_NAME', (v) => v === prefix, `"${prefix}"`],
    ['QUEUE_URL', (v) => v.endsWith(`/${prefix}-work.fifo`), `a URL ending in /${prefix}-work.fifo`],
    ['REVOCATION_QUEUE_URL', (v) => v.endsWith(`/${prefix}-revocations.fifo`), `a URL ending in /${prefix}-revocations.fifo`],
    ['DEAD_LETTER_QUEUE_URL', (v) => v.endsWith(`/${prefix}-dead-letters.fifo`), `a URL ending in /${prefix}-dead-letters.fifo`],
  ];
  for (const [name, fits, expected] of expectations) {
    const value = env[name];
    if (value !== undefined && !fits(value)) {
      throw new CliFailure(`--stage ${stage}: ${name} is "${value}", not ${expected} — export the variables of stage ${stage} (docs/cli.md, "A deployed stage")`);
    }
  }
}

/**
 * A configuration file that does not exist, named before anything connects: the fix names what
 * named it (`--config`, or SYNC_CONFIG and where that came from). `ssm:` configurations are read later.
 */
export function requireConfigFile(env: Env, namedBy: string, cwd: string): void {
  const ref = env['SYNC_CONFIG']?.trim();
  if (!ref || ref.startsWith('ssm:') || existsSync(resolve(cwd, ref))) return;
  throw new CliFailure(`the configuration file ${ref} does not exist — check the path given in ${namedBy}`);
}

/**
 * An env file written by a local stack that has stopped (killed, crashed) points at ports nobody
 * listens on: say so before any call, rather than let the first call fail with ECONNREFUSED.
 */
export function requireLiveStack(resolved: ResolvedEnv): void {
  const pid = Number(resolved.env[LOCAL_STACK_PID]);
  if (resolved.envFile === undefined || !Number.isInteger(pid) || pid <= 0 || isRunning(pid)) return;
  throw new CliFailure(
    `${resolved.envFile} was written by a local stack (pid ${pid}) that is no longer running — start it again with \`npm start\`, or remove the stale file (\`npm run stop\` does)`,
  );
}

/** The variables every command that connects needs. */
const CONNECTION = ['SYNC_CONFIG', 'TABLE_NAME', 'QUEUE_URL'] as const;

/** Fail before any call when the CLI does not know where to connect. */
export function requireConnection(env: Env): void {
  const missing = CONNECTION.filter((name) => !env[name]?.trim());
  if (missing.length === 0) return;
  throw new CliFailure(
    `not connected: ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} not set and there is no ${LOCAL_STACK_ENV} here — ` +
      'start the local stack with `npm start`, pass --env-file <path>, or export the variables of a deployed stage (docs/cli.md)',
  );
}
