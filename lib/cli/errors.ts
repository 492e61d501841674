/**
 * How a failure reaches the operator: one line saying what failed and what to do, on stderr; every
 * issue line for an invalid configuration; the stack only with `--debug`.
 */
import { AuthError, ConfigError, SyncError, ThrottledError, TargetUnavailableError, ValidationError } from '../errors.js';
import { EXIT, type ExitCode } from './exit-codes.js';

/** The command line is wrong: exit 64 with a pointer to the help. */
export class UsageError extends Error {
  constructor(
    message: string,
    /** The command whose help to point at, if any. */
    readonly command?: string,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

/** A failure the CLI itself detected, already phrased as "what failed — what to do". */
export class CliFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CliFailure';
  }
}

export function reportError(error: unknown, context: { command: string | undefined; debug: boolean; write: (text: string) => void }): ExitCode {
  const { command, write } = context;
  const label = command === undefined ? 'ims-sync' : `ims-sync ${command}`;
  if (error instanceof UsageError) {
    const help = error.command === undefined ? 'ims-sync --help' : `ims-sync ${error.command} --help`;
    write(`${label}: ${error.message}\nSee \`${help}\`.\n`);
    return EXIT.usage;
  }
  if (error instanceof ConfigError) {
    write(`${label}: the configuration is invalid — fix these and run again:\n${error.issues.map((issue) => `  - ${issue}`).join('\n')}\n`);
  } else {
    const message = error instanceof Error ? error.message : String(error);
    const hint = hintFor(error);
    write(`${label} failed: ${message}${hint ? ` — ${hint}` : ''}\n`);
  }
  if (context.debug && error instanceof Error && error.stack) write(`${error.stack}\n`);
  return EXIT.failed;
}

/** What the operator can do about a typed failure; empty when the message already says it. */
function hintFor(error: unknown): string {
  if (error instanceof ThrottledError) return `the shared budget is spent; try again in ${Math.ceil(error.retryAfterMs / 1000)} s`;
  if (error instanceof AuthError) return `check the ${error.system} credentials named in the configuration`;
  if (error instanceof TargetUnavailableError) {
    if (error.system === 'sqs' || error.system === 'dynamodb') {
      return 'is the local stack running (`npm start`), or are the exported AWS variables those of a live stage?';
    }
    return `${error.system} is not reachable now; try again later`;
  }
  if (error instanceof ValidationError || error instanceof CliFailure) return '';
  if (error instanceof SyncError) return error.retryable ? 'it may succeed if you try again later' : '';
  return 'run again with --debug for details';
}
